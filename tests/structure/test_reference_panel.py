"""Tests for scripts/structure/reference_panel.py.

Oracles: the counts and the cross-check in the PROVENANCE of 1000g_phase3_2504x23770_grch37_peddy (superpopulation
sizes, matrix value counts, 238 REF/ALT-swapped GRCh38 rows, NA12878 = column 1752, and the one peddy site in the
NYGC 30x chr22 window equal to the NYGC ALT count for all 2,504 samples), and hand-written tiny inputs.
"""

import gzip

import numpy as np
import pytest

from common.input_error import InputError
from conftest import TESTDATA
from structure.reference_panel import (
    GenotypePanel,
    align_to_panel,
    load_panel,
    load_peddy_panel,
    load_vcf_panel,
    read_labels,
    read_vcf_dosage,
)

PEDDY = TESTDATA / "1000g_phase3_2504x23770_grch37_peddy"
ONEKG = TESTDATA / "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
SUPERPOP_SIZES = {"AFR": 661, "AMR": 347, "EAS": 504, "EUR": 503, "SAS": 489}
SHARED_ROW = 23_160  # PROVENANCE: GRCh38 22:16592585:C:T, the one peddy site inside the NYGC window


def need(path):
    if not path.exists():
        pytest.skip(f"real test data {path} is absent")
    return path


@pytest.fixture(scope="module")
def peddy37():
    need(PEDDY)
    return load_peddy_panel(PEDDY / "GRCH37.sites", PEDDY / "labels_2504.tsv")


@pytest.fixture(scope="module")
def peddy38():
    need(PEDDY)
    # PROVENANCE: peddy's GRCH38.sites.bin.gz is byte-identical to the GRCh37 one and was not duplicated here
    return load_peddy_panel(PEDDY / "GRCH38.sites", PEDDY / "labels_2504.tsv", PEDDY / "GRCH37.sites.bin.gz")


@pytest.fixture(scope="module")
def onekg_panel():
    need(ONEKG)
    return load_vcf_panel(ONEKG / "1000GP.chr22.vcf.gz", ONEKG / "integrated_call_samples_v3.20130502.ALL.panel")


def test_peddy_panel_shape_labels_and_values(peddy37):
    assert peddy37.dosage.shape == (23_770, 2_504) and peddy37.dosage.dtype == np.int8
    labels, counts = np.unique(peddy37.labels, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == SUPERPOP_SIZES
    values, counts = np.unique(peddy37.dosage, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist(), strict=True)) == {0: 46_533_165, 1: 8_122_810, 2: 4_864_105}
    assert peddy37.sample_ids[1752] == "NA12878" and peddy37.labels[1752] == "EUR"
    assert (peddy37.chrom[0], peddy37.pos[0], peddy37.ref[0], peddy37.alt[0]) == ("1", 69761, "A", "T")


def test_grch38_sites_flip_only_the_exactly_swapped_rows(peddy37, peddy38):
    """PROVENANCE: 238 GRCh38 rows have other REF/ALT than GRCh37. Counted here: 118 are exact swaps (the matrix's ALT
    is the GRCh38 REF: dosage 2 - d); the other 120 keep the ALT allele and only the REF base differs (no flip)."""
    changed = (peddy38.ref != peddy37.ref) | (peddy38.alt != peddy37.alt)
    swapped = (peddy38.ref == peddy37.alt) & (peddy38.alt == peddy37.ref)
    assert changed.sum() == 238 and swapped.sum() == 118
    assert (peddy38.alt[changed & ~swapped] == peddy37.alt[changed & ~swapped]).all()
    assert np.array_equal(peddy38.dosage[swapped], 2 - peddy37.dosage[swapped])
    assert np.array_equal(peddy38.dosage[~swapped], peddy37.dosage[~swapped])
    # PROVENANCE's example: GRCh37 1:12638964:T:C is GRCh38 1:12578936:C:T
    row = int(np.flatnonzero(peddy38.pos == 12_578_936)[0])
    assert (peddy37.pos[row], peddy37.ref[row], peddy37.alt[row]) == (12_638_964, "T", "C") and swapped[row]


def test_vcf_panel_takes_the_labelled_samples(onekg_panel):
    assert onekg_panel.n_samples == 2_504  # the 3,202 NYGC samples minus 698 without a phase-3 panel row
    labels, counts = np.unique(onekg_panel.labels, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == SUPERPOP_SIZES
    assert onekg_panel.n_variants == 903 and (onekg_panel.dosage >= 0).all()
    same = load_panel(ONEKG / "1000GP.chr22.vcf.gz", "vcf", ONEKG / "integrated_call_samples_v3.20130502.ALL.panel")
    assert same.sample_ids == onekg_panel.sample_ids


def test_both_loaders_agree_at_the_shared_site(peddy38, onekg_panel):
    """PROVENANCE: the one peddy site in the NYGC window equals the NYGC ALT count for 2,504/2,504 samples."""
    aligned = align_to_panel(
        peddy38, onekg_panel.chrom, onekg_panel.pos, onekg_panel.ref, onekg_panel.alt, onekg_panel.dosage
    )
    covered = np.flatnonzero((aligned >= 0).any(axis=1))
    assert covered.tolist() == [SHARED_ROW]
    column = {s: i for i, s in enumerate(onekg_panel.sample_ids)}
    order = [column[s] for s in peddy38.sample_ids]
    assert np.array_equal(aligned[SHARED_ROW, order], peddy38.dosage[SHARED_ROW])


def tiny_panel():
    return GenotypePanel(
        chrom=np.array(["1", "1", "2", "2"]),
        pos=np.array([100, 200, 300, 400]),
        ref=np.array(["A", "C", "G", "T"]),
        alt=np.array(["G", "T", "A", "C"]),
        dosage=np.zeros((4, 2), dtype=np.int8),
        sample_ids=["p1", "p2"],
        labels=np.array(["X", "Y"]),
    )


def test_align_to_panel_by_hand():
    """chr1 = 1 (the contig-name rule); swapped alleles give 2 - d; other alleles and absent sites stay missing (-1)."""
    study = np.array([[0, 1, 2], [2, 1, -1], [1, 1, 1]], dtype=np.int8)  # 3 records x 3 samples
    aligned = align_to_panel(
        tiny_panel(),
        chrom=np.array(["chr1", "chr1", "chr2"]),
        pos=np.array([100, 200, 300]),
        ref=np.array(["A", "T", "G"]),
        alt=np.array(["G", "C", "T"]),  # 200 swapped; 300 has another ALT allele
        dosage=study,
    )
    expected = [[0, 1, 2], [0, 1, -1], [-1, -1, -1], [-1, -1, -1]]
    assert aligned.tolist() == expected


def test_read_vcf_dosage_keeps_biallelic_snvs(tmp_path):
    vcf = tmp_path / "t.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=1>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb\n"
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0/1\t1|1\n"
        "1\t20\t.\tA\tG,T\t.\t.\t.\tGT\t0/1\t1/2\n"  # multi-allelic: skipped
        "1\t30\t.\tAT\tA\t.\t.\t.\tGT\t0/1\t0/0\n"  # indel: skipped
        "1\t40\t.\tc\tt\t.\t.\t.\tGT\t./.\t0/0\n"  # lower case, one missing
        "1\t50\t.\tC\tT\t.\t.\t.\tGT\t./.\t./.\n"  # nothing called: skipped
    )
    chrom, pos, ref, alt, dosage, samples = read_vcf_dosage(vcf)
    assert (
        samples == ["a", "b"] and pos.tolist() == [10, 40] and ref.tolist() == ["A", "C"] and alt.tolist() == ["G", "T"]
    )
    assert dosage.tolist() == [[1, 2], [-1, 0]]


def test_labels_file_errors_name_the_file_and_problem(tmp_path):
    bad = tmp_path / "labels.tsv"
    bad.write_text("id\tpopulation\nHG1\tEUR\n")
    with pytest.raises(InputError, match=r"labels\.tsv: the header needs a sample column"):
        read_labels(bad)
    bad.write_text("sample\tsuper_pop\nHG1\tEUR\nHG1\tAFR\n")
    with pytest.raises(InputError, match="appears twice"):
        read_labels(bad)


def test_peddy_matrix_size_mismatch_is_refused(tmp_path):
    (tmp_path / "x.sites").write_text("1:100:A:G\n1:200:C:T\n")
    with gzip.open(tmp_path / "x.sites.bin.gz", "wb") as out:
        out.write(bytes([0, 1, 2, 0, 1]))  # 5 values, 2 sites x 2 samples expected
    (tmp_path / "labels.tsv").write_text("sample_id\tsuperpop\ns1\tEUR\ns2\tAFR\n")
    with pytest.raises(InputError, match=r"5 values, but .* has 2 sites and .* 2 samples \(4 expected\)"):
        load_peddy_panel(tmp_path / "x.sites", tmp_path / "labels.tsv")
