"""Mendelian consistency of the cohort calls for the pedigrees of the sample sheet (rule mendel).

A trio is a sheet row naming both `father` and `mother` when all three are columns of the cohort VCF (a
parent outside the batch, or one that failed QC, leaves the trio out; the log says so). All trios are
checked in one pass of `bcftools +mendelian -m c` (the plugin's inheritance rules for `build`: chrX/Y/MT
ploidy). Every record of the cohort VCF counts, whatever its soft filters say, as bare bcftools would.

results/qc/mendel.tsv, one line per trio in sheet order (header only when there is none):
    child  father  mother  sites_checked  errors  error_rate
sites_checked: the plugin's consistent + inconsistent records (it skips a record where the child's genotype
lacks an allele; a parent's missing allele may be any allele); errors: records whose child genotype cannot be
made of one allele of each parent; error_rate = errors / sites_checked (NA when 0).
A swapped or mislabelled sample shows as a high error rate.
"""

import tempfile
from pathlib import Path

from common.atomic import write_text
from common.rule_logging import get_logger, setup_logging
from common.tool_run import run

COLUMNS = ("child", "father", "mother", "sites_checked", "errors", "error_rate")
# bcftools +mendelian's predefined inheritance rules per config `build` (None: the plugin's default).
RULES = {"GRCh37": "GRCh37", "GRCh38": "GRCh38"}


def trios(pedigree, cohort):
    """[(child, father, mother)] of the rows naming both parents, all three in `cohort`; and the rows left out.

    `pedigree`: {sample_id: {"father": id or "", "mother": id or ""}} in sheet order.
    """
    found, left_out = [], []
    members = set(cohort)
    for child, parents in pedigree.items():
        father, mother = parents.get("father") or "", parents.get("mother") or ""
        if not (father and mother):
            continue
        trio = (child, father, mother)
        (found if set(trio) <= members else left_out).append(trio)
    return found, left_out


def cohort_samples_of(vcf):
    """Sample columns of a VCF (bcftools query -l)."""
    return run(["bcftools", "query", "-l", vcf]).split()


def mendelian_counts(vcf, trio_list, build=None):
    """{(child, father, mother): (consistent, inconsistent, skipped)} from one bcftools +mendelian -m c run."""
    if not trio_list:
        return {}
    with tempfile.TemporaryDirectory(prefix="genorisk_mendel_") as work:
        trio_file = Path(work) / "trios.txt"
        trio_file.write_text("".join(f"{m},{f},{c}\n" for c, f, m in trio_list))  # the plugin wants M,F,C
        rules = ["-r", RULES[build]] if build in RULES else []
        out = run(["bcftools", "+mendelian", vcf, "-T", trio_file, "-m", "c", *rules])
    counts = {}
    for line in out.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        ok, bad, skipped, names = line.split("\t")[:4]
        mother, father, child = names.split(",")
        counts[(child, father, mother)] = (int(ok), int(bad), int(skipped))
    return counts


def table_rows(trio_list, counts):
    """The table's rows (strings), in trio order."""
    rows = []
    for trio in trio_list:
        ok, bad, _ = counts[trio]
        checked = ok + bad
        rate = f"{bad / checked:.6g}" if checked else "NA"
        rows.append([*trio, str(checked), str(bad), rate])
    return rows


def mendel(vcf, pedigree, out_tsv, build=None):
    """Write the Mendelian consistency table of the sheet's trios over `vcf`; return its rows."""
    log = get_logger()
    found, left_out = trios(pedigree, cohort_samples_of(vcf))
    for child, father, mother in left_out:
        log.info("trio %s (father %s, mother %s) not checked: not all three are in the cohort", child, father, mother)
    rows = table_rows(found, mendelian_counts(vcf, found, build))
    for row in rows:
        log.info("trio %s: %s sites checked, %s Mendelian errors", row[0], row[3], row[4])
    write_text(out_tsv, "\n".join(["\t".join(COLUMNS), *("\t".join(r) for r in rows)]) + "\n")
    return rows


def main(smk):
    log = setup_logging(smk.log[0])
    log.info("%d sheet rows name both parents", sum(1 for p in smk.params.pedigree.values() if all(p.values())))
    mendel(smk.input.vcf, dict(smk.params.pedigree), smk.output.tsv, smk.params.build)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
