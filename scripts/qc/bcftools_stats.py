"""`bcftools stats -s -` of one caller's cohort calls (rule bcftools_stats), the input MultiQC's bcftools module reads.

results/qc/bcftools/{caller}.stats.txt is bcftools' output as printed. MultiQC names a stats file's set after the
basename of the VCF on its `ID` line, and every caller's calls are called `cohort.vcf.gz`: so bcftools reads the
cohort through a link named `cohort_{caller}.vcf.gz` (with the link to its index) in a scratch folder, run from that
folder. The set is then `cohort_{caller}` in the MultiQC report, and the file's command-line comment holds no folder.
"""

import os
from pathlib import Path

from common.atomic import atomic_path, work_folder
from common.rule_logging import get_logger, setup_logging
from common.tool_run import run


def set_name(caller):
    """The name the calls of `caller` go by in bcftools' ID line (and so in MultiQC): cohort_{caller}."""
    return f"cohort_{caller}"


def bcftools_stats(vcf, tbi, caller, stats_out):
    """Write `bcftools stats -s -` of `vcf` (indexed by `tbi`) to `stats_out` atomically, the set named set_name."""
    log = get_logger()
    link = f"{set_name(caller)}.vcf.gz"
    with work_folder(stats_out, "links") as folder:
        os.symlink(Path(vcf).resolve(), Path(folder) / link)
        os.symlink(Path(tbi).resolve(), Path(folder) / f"{link}.tbi")
        with atomic_path(stats_out) as tmp, open(tmp, "w") as out:
            run(["bcftools", "stats", "-s", "-", link], stdout=out, cwd=folder)
    log.info("bcftools stats of %s written as set %s", Path(vcf).name, set_name(caller))


def main(smk):
    setup_logging(smk.log[0])
    bcftools_stats(smk.input.vcf, smk.input.tbi, smk.wildcards.caller, smk.output.stats)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
