"""The 1000 Genomes 30x window (../shared/testdata/1000g_30x_3202_chr22_16.57-16.61Mb_grch38): what AF tests share."""

import csv

import pysam
import pytest

from conftest import TESTDATA

ONEKG = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"


def onekg_vcf_and_populations():
    """(VCF path, {sample: super_pop}) with the panel's labels for its 2,504 samples and "" for the 698 others."""
    folder = TESTDATA / ONEKG
    vcf = folder / "1000GP.chr22.vcf.gz"
    if not vcf.exists():
        pytest.skip(f"real test data {vcf} is absent")
    with open(folder / "integrated_call_samples_v3.20130502.ALL.panel") as handle:
        panel = {row["sample"]: row["super_pop"] for row in csv.DictReader(handle, delimiter="\t")}
    return vcf, {s: panel.get(s, "") for s in pysam.VariantFile(str(vcf)).header.samples}
