"""Tests of scripts/qc/bcftools_stats.py. Oracle: bare `bcftools stats -s -` run here on the same VCF."""

import subprocess

from qc import bcftools_stats as bs

VCF = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=1000>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB
chr1\t10\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\t1/1
chr1\t20\t.\tC\tT\t50\tPASS\t.\tGT\t0/0\t0/1
chr1\t30\t.\tG\tGA\t50\tPASS\t.\tGT\t0/1\t0/0
"""


def sections(text):
    """The data lines of a bcftools stats output (comments and the ID line left out)."""
    return [line for line in text.splitlines() if not line.startswith(("#", "ID\t"))]


def test_stats_are_bcftools_own_with_the_set_named_after_the_caller(tmp_path):
    plain = tmp_path / "calls" / "cohort.vcf"
    plain.parent.mkdir()
    plain.write_text(VCF)
    vcf = tmp_path / "calls" / "cohort.vcf.gz"
    subprocess.run(["bgzip", "-c", plain], stdout=open(vcf, "wb"), check=True)
    subprocess.run(["tabix", "-p", "vcf", vcf], check=True)
    out = tmp_path / "qc" / "freebayes.stats.txt"
    bs.bcftools_stats(str(vcf), f"{vcf}.tbi", "freebayes", str(out))
    text = out.read_text()
    oracle = subprocess.run(["bcftools", "stats", "-s", "-", vcf], capture_output=True, text=True, check=True).stdout
    assert sections(text) == sections(oracle)
    assert "ID\t0\tcohort_freebayes.vcf.gz" in text.splitlines()
    assert "# The command line was:\tbcftools stats  -s - cohort_freebayes.vcf.gz" in text.splitlines()
    assert str(tmp_path) not in text
    assert sorted(p.name for p in out.parent.iterdir()) == ["freebayes.stats.txt"]  # no scratch folder left
    psc = [line.split("\t")[2] for line in text.splitlines() if line.startswith("PSC\t")]
    assert psc == ["A", "B"]  # the per-sample counts MultiQC plots
