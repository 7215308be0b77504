"""Mendelian consistency of the sheet's trios (scripts/qc/mendel.py) over the real GIAB/CEPH trio's joint calls.

The cohort VCF is made here with bare bcftools (mpileup | call -mv | norm over the window the reads cover).
Oracles: PROVENANCE (NA12891 x NA12892 -> HG001: 0 Mendelian errors) and an independent count written here
(a child genotype is consistent when one allele can come from each parent; a record is not checked when the
child's genotype lacks an allele; a parent's missing allele can be anything), which must give the same sites and
errors as the plugin, also for a swapped pedigree.
"""

import subprocess

import pytest

from common.rule_logging import setup_logging
from qc.mendel import COLUMNS, mendel, trios
from trio_data import TRIO_BAMS, trio_folder

BAMS = TRIO_BAMS


@pytest.fixture(scope="module")
def cohort(tmp_path_factory, plain_trio_reference):
    data = trio_folder()
    folder = tmp_path_factory.mktemp("mendel")
    ref = plain_trio_reference
    (folder / "rg.txt").write_text("".join(f"*\t{data / p}\t{s}\n" for s, p in BAMS.items()))
    vcf = folder / "cohort.vcf.gz"
    bams = " ".join(str(data / p) for p in BAMS.values())
    subprocess.run(
        f"bcftools mpileup -f {ref} -r 20:10000000-10010000 -a FORMAT/AD,FORMAT/DP -G {folder / 'rg.txt'} {bams} -Ou"
        f" | bcftools call -m -v -Ou | bcftools norm -f {ref} -a --atom-overlaps . -m -any -Oz -o {vcf}",
        shell=True, check=True, capture_output=True,
    )  # fmt: skip
    return vcf


@pytest.fixture(autouse=True)
def job_log(tmp_path):
    setup_logging(tmp_path / "job.log")


def independent_count(vcf, child, father, mother):
    """(sites checked, errors) by hand (module docstring)."""
    out = subprocess.run(["bcftools", "query", "-s", f"{child},{father},{mother}", "-f", "[%GT\t]\n", str(vcf)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    checked = errors = 0
    for line in out.splitlines():
        c, f, m = (gt.replace("|", "/").split("/") for gt in line.rstrip("\t").split("\t")[:3])
        if "." in c:
            continue
        checked += 1
        a, b = c
        errors += not ((can_give(f, a) and can_give(m, b)) or (can_give(f, b) and can_give(m, a)))
    return checked, errors


def can_give(parent, allele):
    """A parent's genotype (allele list) can pass on `allele` (a missing allele could be any)."""
    return allele in parent or "." in parent


def read_table(path):
    lines = path.read_text().splitlines()
    assert tuple(lines[0].split("\t")) == COLUMNS
    return [line.split("\t") for line in lines[1:]]


def test_the_trio_has_no_mendelian_error_and_a_swapped_pedigree_has_some(cohort, tmp_path):
    pedigree = {
        "HG001": {"father": "NA12891", "mother": "NA12892"},
        "HG002": {"father": "NA12891", "mother": "NA12892"},  # swapped: HG002 is unrelated to them
    }
    out = tmp_path / "mendel.tsv"
    mendel(str(cohort), pedigree, out, build="GRCh37")
    rows = read_table(out)
    assert [r[:3] for r in rows] == [["HG001", "NA12891", "NA12892"], ["HG002", "NA12891", "NA12892"]]
    true_trio, swapped = rows
    assert (int(true_trio[3]), int(true_trio[4])) == independent_count(cohort, "HG001", "NA12891", "NA12892")
    assert true_trio[4] == "0" and int(true_trio[3]) > 80 and true_trio[5] == "0"  # PROVENANCE: 0 errors
    checked, errors = independent_count(cohort, "HG002", "NA12891", "NA12892")
    assert (int(swapped[3]), int(swapped[4])) == (checked, errors) and errors > 0
    assert swapped[5] == f"{errors / checked:.6g}"


def test_trios_need_both_parents_in_the_cohort():
    pedigree = {
        "C1": {"father": "F", "mother": "M"},
        "C2": {"father": "F", "mother": ""},
        "C3": {"father": "F", "mother": "GONE"},
        "F": {"father": "", "mother": ""},
    }
    assert trios(pedigree, ["C1", "C2", "C3", "F", "M"]) == ([("C1", "F", "M")], [("C3", "F", "GONE")])


def test_no_trio_gives_a_header_only_table(cohort, tmp_path):
    out = tmp_path / "mendel.tsv"
    assert mendel(str(cohort), {"HG001": {"father": "NA12891", "mother": "NOT_HERE"}}, out) == []
    assert out.read_text() == "\t".join(COLUMNS) + "\n"
