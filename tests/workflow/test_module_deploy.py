"""genorisk deployed into a project of its own as a Snakemake module (README "Deploying genorisk into your own
project"): `snakedeploy deploy-workflow` writes the project's `workflow/Snakefile` (`module genorisk: snakefile:
github(...)`, `use rule * from genorisk`) and copies `config/`; the demo then runs there, and every file genorisk ships
(scripts and their libraries, schemas, panels, VERSION) is found from the workflow's own folder.

Offline, from this checkout: its working tree is committed to a scratch repository in a folder named
`github.com/genorisk/genorisk`, which snakedeploy takes for a GitHub repository (it clones it with git and writes
`github("genorisk/genorisk", ...)`), and Snakemake finds that commit in its git cache (a bare clone under
XDG_CACHE_HOME), where it would otherwise clone from GitHub. The commit is dated 2000-01-01, so the workflow's files,
which Snakemake dates by their commit, are older than the demo's outputs, as in a real deployment.

The whole demo is only planned (`-n`: the same jobs as in the checkout, for the github() module and for a module
given as a local path); what runs is a cheap part of it (about 10 s): the shared demo's simulated inputs and prepared
reference are linked in, then one sample's QC, the three panel site lists and the provenance record run through the
module and must equal the shared demo's, byte for byte.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_runner import REPO, SNAKEMAKE, demo_batch, run_env, snakemake

pytestmark = pytest.mark.workflow
SNAKEDEPLOY = str(Path(sys.executable).parent / "snakedeploy")
HOSTED = "genorisk/genorisk"  # owner/name as snakedeploy and Snakemake's github() see it
COMMIT_DATE = "2000-01-01T00:00:00+00:00"
# One sample's QC, the shipped panels' site lists (and the ClinVar VCF's, from the project's own config/), and the
# provenance record (VERSION, the workflow's commit, every input's checksum): compared with the shared demo's.
TARGETS = [
    "results/qc/demo01.qc.json",
    "resources/panels/pgx_sites.vcf",
    "resources/panels/carrier_sites.vcf",
    "resources/panels/clinvar_sites.vcf",
    "results/provenance.json",
]
SAME_AS_SHARED_DEMO = [
    "results/qc/demo01.qc.json",
    *(f"results/qc/samtools/demo01.{kind}.txt" for kind in ("stats", "flagstat", "idxstats")),
    *(f"resources/panels/{panel}_{kind}" for panel in ("pgx", "carrier", "clinvar") for kind in ("sites.vcf",
                                                                                                 "coverage.tsv")),
    "resources/clinvar/plp.json",
]  # fmt: skip
# The end-of-run handlers, as the README tells a deploying project to add them (snakedeploy does not).
HANDLERS = """

onsuccess:
    genorisk.onsuccess(log=log)


onerror:
    genorisk.onerror(log=log)
"""


def git(*args, cwd):
    env = {**os.environ, "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org",
           "GIT_AUTHOR_DATE": COMMIT_DATE, "GIT_COMMITTER_DATE": COMMIT_DATE}  # fmt: skip
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def working_tree_files():
    """The checkout's files as a commit of it would hold them: tracked and not ignored, as they are now."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout (the test deploys from one)")
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    return [name for name in names if name and (REPO / name).is_file()]


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    """(repository folder, commit): this checkout's working tree committed in a folder that looks like GitHub's."""
    repo = tmp_path_factory.mktemp("hosted") / "github.com" / HOSTED
    for name in working_tree_files():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, repo / name)
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "genorisk under test", cwd=repo)
    return repo, git("rev-parse", "HEAD", cwd=repo).strip()


@pytest.fixture(scope="module")
def deployed(hosted, tmp_path_factory):
    """(project folder, environment, snakedeploy's output): snakedeploy's deployment of the hosted commit, with
    Snakemake's git cache holding that repository (nothing is fetched) and the README's end-of-run handlers."""
    repo, commit = hosted
    base = tmp_path_factory.mktemp("deployed")
    project = base / "project"
    proc = subprocess.run([SNAKEDEPLOY, "deploy-workflow", str(repo), str(project), "--name", "genorisk", "--commit",
                           commit], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # Snakemake's source cache on Linux: $XDG_CACHE_HOME/snakemake/snakemake/source-cache/; github() repositories
    # are bare clones under snakemake-git-cache/github.com/{owner}/{name}.
    cache = base / "cache"
    git_cache = cache / "snakemake/snakemake/source-cache/snakemake-git-cache/github.com" / HOSTED
    git_cache.parent.mkdir(parents=True)
    git("clone", "-q", "--bare", str(repo), str(git_cache), cwd=base)
    with open(project / "workflow" / "Snakefile", "a") as fh:
        fh.write(HANDLERS)
    return project, {**run_env(), "XDG_CACHE_HOME": str(cache)}, proc.stdout + proc.stderr


def plan(proc):
    """{rule: number of jobs} of a dry run's job table (`rule  count` lines up to `total`)."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = re.search(r"^job\s+count\n(.*?)^total\s+(\d+)$", proc.stdout + proc.stderr, re.M | re.S)
    assert table, proc.stdout[-2000:]
    jobs = {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", table[1], re.M)}
    assert sum(jobs.values()) == int(table[2])
    return jobs


def run_in(project, env, *args):
    """snakemake in a deployed project: its own workflow/Snakefile, config/config.yaml and working directory."""
    return subprocess.run([SNAKEMAKE, "--cores", "2", *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip


@pytest.fixture(scope="module")
def checkout_plan(tmp_path_factory):
    """The whole demo's jobs, run from the checkout (`--snakefile REPO/Snakefile`) in a fresh batch folder."""
    folder = tmp_path_factory.mktemp("checkout_plan")
    return plan(snakemake(folder, "-n", configfile=demo_batch(folder), check=False))


def test_snakedeploy_writes_a_github_module_and_copies_the_config(deployed, hosted):
    project, _, output = deployed
    _, commit = hosted
    snakefile = (project / "workflow" / "Snakefile").read_text()
    assert re.search(rf'module genorisk:\s+snakefile:\s+github\("{HOSTED}", path="Snakefile", commit="{commit}"\)',
                     snakefile), snakefile  # fmt: skip
    assert 'configfile: "config/config.yaml"' in snakefile and "use rule * from genorisk" in snakefile
    for name in ("config.yaml", "samples.tsv", "README.md", "panels/clinvar/demo_clinvar_GRCh38.vcf"):
        assert (project / "config" / name).read_bytes() == (REPO / "config" / name).read_bytes(), name
    assert "Deployment complete" in output


def test_a_module_given_as_a_local_path_plans_the_whole_demo(tmp_path, checkout_plan):
    """The README's other form: `snakefile: "/path/to/genorisk/Snakefile"`, from a project folder elsewhere."""
    (tmp_path / "workflow").mkdir()
    demo_batch(tmp_path)
    (tmp_path / "workflow" / "Snakefile").write_text(
        f'configfile: "config/config.yaml"\n\n\nmodule genorisk:\n    snakefile:\n        "{REPO / "Snakefile"}"\n'
        f"    config:\n        config\n\n\nuse rule * from genorisk\n{HANDLERS}"
    )
    assert plan(run_in(tmp_path, run_env(), "-n")) == checkout_plan


def test_demo_runs_through_the_deployed_module(deployed, hosted, checkout_plan, shared_demo):
    project, env, _ = deployed
    _, commit = hosted
    batch, _ = shared_demo
    # The whole demo, planned: the same jobs as from the checkout.
    assert plan(run_in(project, env, "-n")) == checkout_plan
    assert checkout_plan["simulate_demo"] == 1 and checkout_plan["qc_sample"] == 6

    # A cheap part of it, run: the shared demo's simulated batch and prepared reference linked in (not changed: every
    # output is written anew under a temporary name, then renamed), so neither is made again.
    for folder in ("resources/demo", "resources/reference"):
        shutil.copytree(batch / folder, project / folder, copy_function=os.link)
    proc = run_in(project, env, *TARGETS)
    assert proc.returncode == 0, proc.stderr[-4000:]
    ran = sorted(re.findall(r"^(?:local)?rule (\w+):$", proc.stderr, re.M))
    assert ran == sorted(["qc_sample", "index_alignment", "pgx_sites", "carrier_sites", "clinvar_sites", "provenance",
                          *["input_checksums"] * 6])  # fmt: skip
    assert "genorisk: finished: exit status 0" in proc.stderr  # the module's end-of-run handler, called by the project

    # Run from the commit's tree, unpacked once into Snakemake's source cache, not from this checkout.
    unpacked = Path(env["XDG_CACHE_HOME"]) / "snakemake/snakemake/source-cache/genorisk" / commit
    assert (unpacked / "VERSION").read_text() == (REPO / "VERSION").read_text()
    different = [p for p in SAME_AS_SHARED_DEMO if (project / p).read_bytes() != (batch / p).read_bytes()]
    assert not different

    record = json.loads((project / "results/provenance.json").read_text())
    shared = json.loads((batch / "results/provenance.json").read_text())
    for key in ("config", "inputs", "python_packages", "tools"):
        assert record[key] == shared[key], key
    assert record["workflow"]["version"] == (REPO / "VERSION").read_text().strip()
    assert record["workflow"]["pins"] == shared["workflow"]["pins"]
    assert (record["workflow"]["git_commit"], record["workflow"]["git_dirty"]) == (commit, False)
