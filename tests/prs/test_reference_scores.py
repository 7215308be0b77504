"""Scores read against a labelled reference panel: scripts/prs/reference_scores.py and pgs_scoring.score_cohort's
`reference`, on hand-made VCFs whose sums, ranks and fits are worked out by hand here (the comparison with
pgscatalog-calc on real data is tests/prs/test_reference_oracle.py)."""

import numpy as np
import pytest
from test_pgs_scoring import HAND_SCORE, cohort_of, write_score

from common.input_error import InputError
from prs.polygenic_scores import TSV_COLUMNS, write_polygenic_scores
from prs.reference_scores import (
    ReferencePanel,
    compare_with_reference,
    load_reference,
    read_labels,
    read_sample_ancestry,
)

# The reference panel: plain chromosome names (the batch's are chr-prefixed), rs1 (1:100 A>G) only: rs2 (1:200) is
# missing, so both sets are scored with rs1 alone. r5 is left out of the scored samples.
REF_VCF = (
    "##fileformat=VCFv4.2\n##contig=<ID=1,length=10000>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tr1\tr2\tr3\tr4\tr5\n"
    "1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/0\t0/1\t1/1\t./.\t1/1\n"
    "1\t300\t.\tA\tT\t.\t.\t.\tGT\t0/1\t0/1\t1/1\t0/0\t0/0\n"
)


def test_the_panel_and_the_batch_are_scored_with_the_variants_they_share(tmp_path):
    ref = tmp_path / "ref.vcf"
    ref.write_text(REF_VCF)
    cohort = cohort_of(tmp_path, HAND_SCORE, reference=(ref, ["r1", "r2", "r3", "r4"]), min_overlap=0.25)
    result = cohort.results[0]
    # rs1 (weight 0.5, effect G = ALT) is the only row matched in both: batch dosages 1, 2, 0 -> 0.5, 1.0, 0.0
    # (rs2, matched in the batch only, is counted as not_in_reference); panel dosages 0, 1, 2, missing (4 samples
    # < 50: not imputed) -> 0, 0.5, 1.0, 0.
    assert result.total.tolist() == [0.5, 1.0, 0.0]
    assert result.reference_total.tolist() == [0.0, 0.5, 1.0, 0.0]
    assert cohort.reference_samples == ["r1", "r2", "r3", "r4"] and not cohort.reference_impute
    counts = result.match.counts
    assert (counts["matched"], counts["not_in_reference"], counts["ambiguous"], counts["unmatched"]) == (1, 1, 1, 1)
    assert sum(counts.values()) == result.match.n_variants == 4
    assert result.denom.tolist() == [2, 2, 2]  # 2 x the sample's called matched variants


def _labels(path, rows):
    path.write_text("sample\tpopulation\n" + "".join(f"{s}\t{p}\n" for s, p in rows))
    return path


def test_reference_samples_need_a_label_and_ancestry_panel_coordinates(tmp_path):
    ref = tmp_path / "ref.vcf"
    ref.write_text(REF_VCF)
    labels = _labels(tmp_path / "labels.tsv", [("r1", "EUR"), ("r2", "AFR"), ("r3", "EUR"), ("r5", "EUR")])
    points = tmp_path / "ancestry_panel.tsv"
    points.write_text("sample_id\tlabel\tPC1\tPC2\tPC3\tPC4\n" + "r1\tEUR\t1\t2\t3\t4\nr3\tEUR\t5\t6\t7\t8\n"
                      "r4\tEUR\t0\t0\t0\t0\nr5\tEUR\t1\t1\t1\t1\n")  # fmt: skip
    panel = load_reference(ref, labels, points)
    assert panel.samples == ["r1", "r3", "r5"] and panel.populations == ["EUR", "EUR", "EUR"]
    assert panel.pcs.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8], [1, 1, 1, 1]]
    assert panel.left_out == {"no label": 1, "not in the ancestry panel": 1}  # r4; r2
    with pytest.raises(InputError, match="none of its samples is both labelled"):
        load_reference(ref, _labels(tmp_path / "other.tsv", [("x", "EUR")]), points)


def test_a_labels_file_with_a_repeated_sample_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"labels.tsv: line 3: sample 'r1' is listed twice"):
        read_labels(_labels(tmp_path / "labels.tsv", [("r1", "EUR"), ("r1", "AFR")]))


def _panel():
    # Four EUR and two AFR reference samples, six more of a third group (enough samples to fit the mean on PC1-PC4
    # and its variance too); PCs from a fixed generator so that no PC is constant.
    pcs = np.random.default_rng(3).normal(size=(12, 4)).round(2)
    return ReferencePanel("ref.vcf", list("abcdefghijkl"), ["EUR"] * 4 + ["AFR"] * 2 + ["EAS"] * 6, pcs, {})


def test_each_sample_is_ranked_within_its_ancestry_and_not_compared_without_one():
    panel, ref_sums = _panel(), np.array([1.0, 2.0, 3.0, 4.0, 10.0, 11.0, 5.0, 7.0, 6.5, 5.5, 8.0, 6.0])
    ancestry = {"x": ("EUR", np.array([1.5, 1.0, 1.0, 1.5])), "y": ("AFR", np.array([9.0, 8, 8, 8])),
                "z": (None, None)}  # fmt: skip
    rows = compare_with_reference([2.5, 10.5, 3.0], ["x", "y", "z"], ancestry, panel, ref_sums, min_samples=3)
    # x among EUR 1, 2, 3, 4: two below, none equal -> (2 + 2) x 50 / 4 = 50; z = (2.5 - 2.5) / SD = 0.
    assert (rows[0]["reference_population"], rows[0]["percentile"], rows[0]["z"], rows[0]["comparison"]) == (
        "EUR", 50.0, 0.0, "ok")  # fmt: skip
    assert rows[1]["comparison"] == "not comparable: 2 reference samples of AFR (< 3)"
    assert rows[2]["comparison"] == "not comparable: ancestry unknown"
    assert rows[2]["reference_population"] == "unknown"
    for row in rows[1:]:
        assert [row[k] for k in ("percentile", "z", "z_norm1", "z_norm2")] == [None] * 4
    # Z_norm1: ordinary least squares of the sums on an intercept and the raw PCs (standardising the PCs does not
    # change the fit), the sample's residual over the reference residuals' SD (ddof 0).
    design = np.column_stack([np.ones(12), panel.pcs])
    coef, *_ = np.linalg.lstsq(design, ref_sums, rcond=None)
    residual_sd = (ref_sums - design @ coef).std()
    expected = (2.5 - np.concatenate([[1.0], ancestry["x"][1]]) @ coef) / residual_sd
    assert rows[0]["z_norm1"] == pytest.approx(expected, rel=1e-9)


def test_unknown_ancestry_or_missing_pcs_read_as_not_comparable(tmp_path):
    path = tmp_path / "ancestry.tsv"
    path.write_text("sample_id\tPC1\tPC2\tPC3\tPC4\tancestry\tprobability\tpanel_sites\tstatus\n"
                    "s1\t0.1\t0.2\t0.3\t0.4\tEUR\t0.99\t500\tassigned\n"
                    "s2\t0.1\t0.2\t0.3\t0.4\tunknown\t0.4\t500\tlow_probability\n"
                    "s3\tNA\tNA\tNA\tNA\tunknown\tNA\t0\tno_panel\n")  # fmt: skip
    table = read_sample_ancestry(path)
    assert table["s1"][0] == "EUR" and table["s1"][1].tolist() == [0.1, 0.2, 0.3, 0.4]
    assert table["s2"][0] is None and table["s3"] == (None, None)


def test_scores_tsv_names_the_reference_population_and_the_adjusted_scores(tmp_path):
    batch = tmp_path / "batch.vcf"
    batch.write_text(REF_VCF.replace("r1\tr2\tr3\tr4\tr5", "s1\ts2\ts3\ts4\ts5"))
    ref = tmp_path / "ref.vcf"
    ref.write_text(REF_VCF)
    score = write_score(tmp_path / "score.txt", HAND_SCORE)
    points = tmp_path / "ancestry_panel.tsv"
    points.write_text("sample_id\tlabel\tPC1\tPC2\tPC3\tPC4\n" + "".join(
        f"r{i}\tEUR\t{i}\t{i % 2}\t{i * i}\t{i % 3}\n" for i in range(1, 6)))  # fmt: skip
    labels = _labels(tmp_path / "labels.tsv", [(f"r{i}", "EUR") for i in range(1, 6)])
    ancestry = tmp_path / "ancestry.tsv"
    ancestry.write_text("sample_id\tPC1\tPC2\tPC3\tPC4\tancestry\tprobability\tpanel_sites\tstatus\n" + "".join(
        f"s{i}\t2\t1\t4\t1\t{'EUR' if i < 5 else 'unknown'}\t0.9\t500\tassigned\n" for i in range(1, 6)))  # fmt: skip
    tsv, out_json, reference_tsv = tmp_path / "scores.tsv", tmp_path / "scores.json", tmp_path / "reference.tsv"
    panel = {"vcf": ref, "labels": labels, "panel_points": points, "ancestry": ancestry}
    write_polygenic_scores(batch, [score], "GRCh37", tsv, out_json, min_overlap=0.25, reference_panel=panel,
                           reference_tsv=reference_tsv, min_reference_samples=5)  # fmt: skip
    rows = [line.split("\t") for line in tsv.read_text().splitlines()]
    assert rows[0] == TSV_COLUMNS
    table = {row[0]: dict(zip(TSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    # s1: rs1 genotype 0/0 -> SUM 0; among the panel's EUR sums 0, 0.5, 1, 0, 1 (r1..r5): 0 ties twice and is below
    # none -> (0 + 2 + 1) x 50 / 5 = 30.
    assert (table["s1"]["sum"], table["s1"]["percentile"], table["s1"]["reference"]) == ("0", "30", "reference_panel")
    assert table["s1"]["reference_population"] == "EUR" and table["s1"]["comparison"] == "ok"
    assert table["s5"]["comparison"] == "not comparable: ancestry unknown" and table["s5"]["percentile"] == "NA"
    assert reference_tsv.read_text().splitlines()[:3] == [
        "sample_id\tpopulation\tpgs_id\tsum", "r1\tEUR\tPGS_HAND\t0", "r2\tEUR\tPGS_HAND\t0.5"]  # fmt: skip
