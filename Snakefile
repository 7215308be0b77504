# genorisk: from a batch of alignments to per-sample genetic risk reports.
# Run `snakemake --cores N`; point at another batch with `--configfile FILE` or `--directory DIR`.
import sys

from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/workflow_dir.smk"


# The workflow's own folder, from which every shipped file is found: scripts, schemas, panels, VERSION. Not
# workflow.basedir: used as a module (`module genorisk: snakefile: ...`, README "Deploying genorisk into your own
# project"), that is the deploying project's folder.
GENORISK_DIR, GENORISK_COMMIT = local_workflow_dir(workflow.current_basedir)
sys.path.insert(0, str(GENORISK_DIR / "scripts"))


# `snakemake --report report.html` (same --directory/--configfile as the run): this description, then the results
# marked with report() in the rules, with their captions (workflow/report/).
report: "workflow/report/workflow.rst"


# The demo config is read only when no --configfile is given, so a user's config never
# inherits demo values: keys it leaves out take the schema defaults.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


# What the workflow does when it loads is done in this file and nowhere else (rule files only declare rules): finding
# its own folder (above; a git-hosted module's tree is unpacked once), the umask every job inherits (config
# `permissions`; atomic outputs get the matching mode before their rename), and the workflow's git state, a parameter
# of the provenance rule so that a new commit records itself again (its checkout's, or the module's commit).
from common.atomic import apply_permission_mode
from deliver.provenance import git_state

apply_permission_mode(config["permissions"]["mode"])
GIT_STATE = (
    git_state(GENORISK_DIR)
    if GENORISK_COMMIT is None
    else {"commit": GENORISK_COMMIT, "dirty": False}
)


include: "workflow/rules/demo.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/calling.smk"
include: "workflow/rules/carrier.smk"
include: "workflow/rules/clinvar.smk"
include: "workflow/rules/pgx.smk"
include: "workflow/rules/sites.smk"
include: "workflow/rules/truth.smk"
include: "workflow/rules/af.smk"
include: "workflow/rules/structure.smk"
include: "workflow/rules/prs.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/deliver.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/multiqc.smk"


rule all:
    default_target: True
    input:
        final_targets(),
