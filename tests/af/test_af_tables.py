"""The stable tables results/af/variants.tsv and samples.tsv, joined from the parts (scripts/af/af_tables.py), and the
two figures drawn from them (scripts/af/af_figures.py). Expected rows are written by hand from the parts below."""

import numpy as np
import pytest

from af.af_figures import af_histograms, outliers, plot_af_spectrum, plot_het_call_rate
from af.af_tables import join_samples, join_variants
from common.input_error import InputError

COUNTS = (
    "CHROM\tPOS\tREF\tALT\tAC\tAN\tAF\tAC_popA\tAN_popA\tAF_popA\tmissing_rate\tn_het\thet_freq\n"
    "chr1\t100\tA\tG\t1\t4\t0.25\t1\t2\t0.5\t0\t1\t0.5\n"
    "chr1\t200\tC\tCT\t0\t2\t0\t0\t2\t0\t0.5\t0\t0\n"
)
POPGEN = (
    "CHROM\tPOS\tREF\tALT\tn_called\tn_hom_ref\tn_het\tn_hom_alt\thet_observed\thet_expected\thwe_p\n"
    "chr1\t100\tA\tG\t2\t1\t1\t0\t0.5\t0.375\t1\n"
    "chr1\t200\tC\tCT\t1\t1\t0\t0\t0\t0\t1\n"
)
SAMPLE_COUNTS = (
    "sample_id\tn_called\tcall_rate\tn_het\tn_hom_alt\theterozygosity\tti_tv\n"
    "s1\t2\t1\t1\t0\t0.5\tNA\n"
    "s2\t1\t0.5\t0\t0\t0\tNA\n"
)
POPGEN_SAMPLES = (
    "sample_id\tn_sites\to_hom\te_hom\tinbreeding_f\tsingletons\tchrx_sites\tchrx_het\tchrx_f\tchry_alt_calls"
    "\tinferred_sex\tsheet_sex\tsex_agrees\n"
    "s1\t2\t1\t1.6\t-1.5\t1\t0\t0\tNA\t0\tunknown\tNA\tNA\n"
    "s2\t1\t1\t0.8\t1\t0\t0\t0\tNA\t0\tunknown\tfemale\tNA\n"
)
ANCESTRY = (
    "sample_id\tPC1\tPC2\tPC3\tPC4\tancestry\tprobability\tpanel_sites\tstatus\n"
    "s2\t0.1\t0.2\t0.3\t0.4\tEUR\t0.99\t1200\tassigned\n"
    "s1\tNA\tNA\tNA\tNA\tNA\tNA\t0\tno_panel\n"
)


def write(folder, **texts):
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"{name}.tsv"
        paths[name].write_text(text)
    return paths


def test_variants_table_is_the_issue_layout(tmp_path):
    p = write(tmp_path, counts=COUNTS, popgen=POPGEN)
    assert join_variants(p["counts"], p["popgen"], tmp_path / "variants.tsv") == 2
    assert (tmp_path / "variants.tsv").read_text().splitlines() == [
        "CHROM\tPOS\tREF\tALT\tAC\tAN\tAF\tAC_popA\tAN_popA\tAF_popA\tmissing_rate\tn_het\thet_freq"
        "\tn_called\tn_hom_ref\tn_hom_alt\thet_observed\thet_expected\thwe_p",
        "chr1\t100\tA\tG\t1\t4\t0.25\t1\t2\t0.5\t0\t1\t0.5\t2\t1\t0\t0.5\t0.375\t1",
        "chr1\t200\tC\tCT\t0\t2\t0\t0\t2\t0\t0.5\t0\t0\t1\t1\t0\t0\t0\t1",
    ]


def test_parts_from_different_cohorts_are_refused_with_no_output(tmp_path):
    p = write(tmp_path, counts=COUNTS, popgen=POPGEN.replace("chr1\t200\tC\tCT", "chr1\t201\tC\tCT"))
    with pytest.raises(InputError, match=r"row 2 is chr1:201:C:CT but row 2 of .*counts.tsv is chr1:200:C:CT"):
        join_variants(p["counts"], p["popgen"], tmp_path / "variants.tsv")
    assert not list(tmp_path.glob("*variants.tsv*"))


def test_parts_with_different_row_counts_are_refused(tmp_path):
    p = write(tmp_path, counts=COUNTS, popgen="".join(POPGEN.splitlines(keepends=True)[:2]))
    with pytest.raises(InputError, match="different numbers of rows"):
        join_variants(p["counts"], p["popgen"], tmp_path / "variants.tsv")
    assert not list(tmp_path.glob("*variants.tsv*"))


def test_samples_table_ends_with_inferred_sex_and_ancestry(tmp_path):
    p = write(tmp_path, counts=SAMPLE_COUNTS, popgen=POPGEN_SAMPLES, ancestry=ANCESTRY)
    assert join_samples(p["counts"], p["popgen"], p["ancestry"], tmp_path / "samples.tsv") == 2
    lines = (tmp_path / "samples.tsv").read_text().splitlines()
    assert lines[0].split("\t") == [
        "sample_id", "n_called", "call_rate", "n_het", "n_hom_alt", "heterozygosity", "ti_tv", "n_sites", "o_hom",
        "e_hom", "inbreeding_f", "singletons", "chrx_sites", "chrx_het", "chrx_f", "chry_alt_calls", "sheet_sex",
        "sex_agrees", "inferred_sex", "ancestry",
    ]  # fmt: skip
    # Rows in the order of the counts part (VCF order), whatever order ancestry.tsv lists them in; NA -> unknown.
    assert lines[1] == "s1\t2\t1\t1\t0\t0.5\tNA\t2\t1\t1.6\t-1.5\t1\t0\t0\tNA\t0\tNA\tNA\tunknown\tunknown"
    assert lines[2] == "s2\t1\t0.5\t0\t0\t0\tNA\t1\t1\t0.8\t1\t0\t0\t0\tNA\t0\tfemale\tNA\tunknown\tEUR"


def test_a_sample_missing_from_a_part_is_named(tmp_path):
    p = write(tmp_path, counts=SAMPLE_COUNTS, popgen=POPGEN_SAMPLES, ancestry=ANCESTRY.replace("s1\t", "s9\t"))
    with pytest.raises(InputError, match=r"ancestry.tsv: sample 's1' of .*counts.tsv has no row"):
        join_samples(p["counts"], p["popgen"], p["ancestry"], tmp_path / "samples.tsv")
    assert not (tmp_path / "samples.tsv").exists()


def test_af_histograms_count_by_hand(tmp_path):
    p = write(tmp_path, variants=COUNTS + "chr2\t5\tG\tA\t0\t0\tNA\t0\t0\tNA\t1\t0\tNA\n" + COUNTS.split("\n", 1)[1])
    counts, uncalled = af_histograms(p["variants"])
    # AF 0.25, 0, 0.25, 0 (and one NA): bins [0, 0.05) x2 and [0.25, 0.3) x2; popA: AF 0.5, 0, 0.5, 0.
    assert uncalled == 1
    assert counts["all"].tolist() == [2, 0, 0, 0, 0, 2] + [0] * 14
    assert counts["popA"].tolist() == [2] + [0] * 9 + [2] + [0] * 9


def test_outliers_by_hand():
    # heterozygosity median 0.30, |deviations| 0, 0.01, 0.01, 0.01, 0.2 -> MAD 0.01 x 1.4826; 0.5 is 13 MADs out.
    het = [0.30, 0.29, 0.31, 0.30, 0.31, 0.50]
    call_rate = [0.99, 0.98, 0.85, 1.0, 0.97, 0.99]
    assert outliers(np.array(call_rate), np.array(het)).tolist() == [
        False, False, True, False, False, True,
    ]  # fmt: skip


def test_figures_are_written_as_png(tmp_path):
    p = write(tmp_path, variants=COUNTS, samples=SAMPLE_COUNTS)
    plot_af_spectrum(p["variants"], tmp_path / "spectrum.png")
    plot_het_call_rate(p["samples"], tmp_path / "het.png")
    for name in ("spectrum.png", "het.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_samples_at_the_same_point_share_one_label():
    from af.af_figures import point_labels

    x = np.array([1.0, 1.0, 0.95, 1.0, 1.0, 1.0])
    y = np.array([0.3, 0.3, 0.2, 0.3, 0.3, 0.3])
    named = np.array([True, True, True, True, True, False])
    assert point_labels(["a", "b", "c", "d", "e", "f"], x, y, named) == {
        (1.0, 0.3): "a, b, d +1 more",
        (0.95, 0.2): "c",
    }
