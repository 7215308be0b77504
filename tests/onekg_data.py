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


SUPER_POPS = ("AFR", "AMR", "EAS", "EUR", "SAS")


def assert_matches_nygc_info(header, rows):
    """variants.tsv rows (lists) against the window's INFO counts (expected/af_from_vcf_info.tsv, PROVENANCE): overall
    AC/AN/AF = INFO AC/AN/AF and per superpopulation = INFO AC/AN/AF_{POP}_unrel at all 903 sites, AF within 1e-6."""
    with open(TESTDATA / ONEKG / "expected" / "af_from_vcf_info.tsv") as handle:
        expected = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == len(expected) == 903
    col = {name: i for i, name in enumerate(header)}
    for row, want in zip(rows, expected, strict=True):
        site = f"{want['CHROM']}:{want['POS']}"
        assert row[:4] == [want[c] for c in ("CHROM", "POS", "REF", "ALT")], site
        assert (row[col["AC"]], row[col["AN"]]) == (want["AC"], want["AN"]), site
        assert float(row[col["AF"]]) == pytest.approx(float(want["AF"]), abs=1e-6), site
        for pop in SUPER_POPS:
            assert row[col[f"AC_{pop}"]] == want[f"AC_{pop}_unrel"], (site, pop)
            assert row[col[f"AN_{pop}"]] == want[f"AN_{pop}_unrel"], (site, pop)
            assert float(row[col[f"AF_{pop}"]]) == pytest.approx(float(want[f"AF_{pop}_unrel"]), abs=1e-6), (site, pop)
