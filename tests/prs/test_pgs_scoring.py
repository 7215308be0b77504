"""Tests for scripts/prs/{scoring_file,pgs_matching,pgs_scoring}.py (PGS Catalog scoring files, pgsc_calc-style
matching, scoring).

Oracles, all outside the code under test:
- PROVENANCE.md of ../shared/testdata/pgs_catalog_examples: cineca_synthetic_subset x PGS001229_22 gives 782 matched,
  47 ambiguous excluded, 6 unmatched (pgscatalog-match 2.0.4).
- plink2 2.00a3.5 `--score`, run here on the matched variants, for every sample's SUM and DENOM.
- The scoring files' own text (hm_pos columns, line numbers) and hand arithmetic on a 3-sample VCF.
- scipy.stats.percentileofscore's documented examples for the percentile definition.
Size: the scoring pipeline's 30 cases (parser, matching, scoring) share the scoring files, VCFs and plink2 runs
built at the top; split by module they would build them three times.
"""

import csv
import gzip
import shutil
import subprocess
import time

import numpy as np
import pytest

from common.input_error import InputError
from conftest import TESTDATA
from prs.pgs_matching import match_score, read_target_sites, wanted_positions, write_plink2_scorefile
from prs.pgs_scoring import percentile_rank, score_cohort, z_scores
from prs.scoring_file import read_scoring_file

EXAMPLES = TESTDATA / "pgs_catalog_examples"
CINECA = EXAMPLES / "cineca_synthetic_subset.vcf.gz"
PGS001229 = EXAMPLES / "PGS001229_22.txt"
PGS000001 = EXAMPLES / "PGS000001_hmPOS_GRCh38.txt.gz"
DOM_REC = EXAMPLES / "scorefile_dominant_and_recessive.txt"

VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=10000>\n##contig=<ID=chrX,length=10000>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\ts3\n"
)
# The hand case: chr-prefixed target, scoring file without prefix.
HAND_VCF = [
    "chr1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\t1/1\t0/0",  # score G/A: altref, effect = ALT
    "chr1\t200\t.\tC\tT\t.\t.\t.\tGT\t0/0\t./.\t0/1",  # score A/G = T/C on the other strand: altref_flip; s2 missing
    "chr1\t300\t.\tA\tT\t.\t.\t.\tGT\t0/1\t0/1\t1/1",  # A/T: strand-ambiguous, dropped
    "chr1\t500\t.\tG\tA\t.\t.\t.\tGT\t0/1\t0/0\t0/0",  # not in the score
]
HAND_SCORE = (
    "#pgs_id=PGS_HAND\n#trait_reported=Hand trait\n#citation=Hand arithmetic\n#genome_build=GRCh37\n"
    "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
    "rs1\t1\t100\tG\tA\t0.5\n"
    "rs2\t1\t200\tA\tG\t-1.0\n"
    "rs3\t1\t300\tT\tA\t2.0\n"
    "rs4\t1\t400\tC\tT\t0.25\n"  # no target record: unmatched
)
# By hand. Effect dosages: rs1 (G = ALT): s1 1, s2 2, s3 0; rs2 (T = ALT after the flip): s1 0, s2 missing, s3 1.
# Not imputed (3 samples < 50): SUM s1 = 0.5*1 - 1*0 = 0.5, s2 = 0.5*2 = 1.0, s3 = 0 - 1*1 = -1.0;
# DENOM = 2 x called matched variants = 4, 2, 4; AVG = 0.125, 0.5, -0.25.
HAND_SUM = [0.5, 1.0, -1.0]
HAND_DENOM = [4, 2, 4]
HAND_AVG = [0.125, 0.5, -0.25]
# Imputed (threshold lowered to 3): AF(T) at rs2 among called s1, s3 = 1/4, so s2's dosage is 2 x 1/4 = 0.5:
# s2 SUM = 1.0 - 1 * 0.5 = 0.5; DENOM = 2 x 2 = 4 for everyone; AVG = 0.125, 0.125, -0.25.
HAND_SUM_IMPUTED = [0.5, 0.5, -1.0]
HAND_AVG_IMPUTED = [0.125, 0.125, -0.25]


def write_vcf(path, records):
    path.write_text(VCF_HEADER + "".join(r + "\n" for r in records))
    return path


def write_score(path, text):
    path.write_text(text)
    return path


def cohort_of(tmp_path, score_text, records=HAND_VCF, **kwargs):
    vcf = write_vcf(tmp_path / "target.vcf", records)
    score = write_score(tmp_path / "score.txt", score_text)
    kwargs.setdefault("min_overlap", 0.5)
    return score_cohort(vcf, [score], "GRCh37", **kwargs)


def matched_counts(tmp_path, score_text, records):
    vcf = write_vcf(tmp_path / "target.vcf", records)
    scoring = read_scoring_file(write_score(tmp_path / "score.txt", score_text), "GRCh37")
    sites = read_target_sites(vcf, wanted_positions([scoring]))
    return match_score(scoring, sites)


# ---------------------------------------------------------------- the hand case


@pytest.mark.parametrize("chunk_length", [None, 1, 3], ids=["one-block", "blocks-of-1", "blocks-of-3"])
def test_hand_case_sum_denom_avg_without_imputation(tmp_path, chunk_length):
    cohort = cohort_of(tmp_path, HAND_SCORE, chunk_length=chunk_length)
    (result,) = cohort.results
    assert cohort.samples == ["s1", "s2", "s3"]
    assert not cohort.impute
    assert result.match.counts == {
        "matched": 2, "ambiguous": 1, "multiallelic": 0, "duplicate": 0, "non_autosomal": 0, "unmatched": 1,
    }  # fmt: skip
    assert result.match.match_types == {"altref": 1, "altref_flip": 1}
    assert result.refused == ""
    np.testing.assert_allclose(result.total, HAND_SUM, rtol=0, atol=1e-12)
    assert result.denom.tolist() == HAND_DENOM
    np.testing.assert_allclose(result.avg, HAND_AVG, rtol=0, atol=1e-12)
    assert result.n_missing == 1


def test_hand_case_missing_genotype_is_mean_imputed_at_the_threshold(tmp_path):
    cohort = cohort_of(tmp_path, HAND_SCORE, impute_min_samples=3)
    (result,) = cohort.results
    assert cohort.impute
    np.testing.assert_allclose(result.total, HAND_SUM_IMPUTED, rtol=0, atol=1e-12)
    assert result.denom.tolist() == [4, 4, 4]
    np.testing.assert_allclose(result.avg, HAND_AVG_IMPUTED, rtol=0, atol=1e-12)


def test_hand_case_ambiguous_snp_is_kept_when_asked(tmp_path):
    # rs3 T/A against REF A ALT T: refalt is tried first, so T = ALT; dosages s1 1, s2 1, s3 2, weight 2.0.
    cohort = cohort_of(tmp_path, HAND_SCORE, drop_ambiguous=False)
    (result,) = cohort.results
    assert result.match.counts["matched"] == 3 and result.match.counts["ambiguous"] == 0
    np.testing.assert_allclose(result.total, [0.5 + 2.0, 1.0 + 2.0, -1.0 + 4.0], rtol=0, atol=1e-12)


def test_min_overlap_refusal_message(tmp_path):
    cohort = cohort_of(tmp_path, HAND_SCORE, min_overlap=0.75)
    (result,) = cohort.results
    assert result.refused == "refused: 2 of 4 variants matched (50.0%), below min_overlap 75%"
    assert result.total is None and result.denom is None


def test_a_score_with_no_matched_variant_is_refused(tmp_path):
    score = "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t7\tA\t1\n1\t8\tA\t1\n"
    (result,) = cohort_of(tmp_path, score, min_overlap=0).results
    assert result.refused == "refused: none of its 2 variants matched"


def test_a_vcf_without_genotypes_is_refused(tmp_path):
    header = VCF_HEADER.replace(
        'ID=GT,Number=1,Type=String,Description="Genotype"', 'ID=DP,Number=1,Type=Integer,Description="Depth"'
    )
    vcf = tmp_path / "target.vcf"
    vcf.write_text(header + "".join(r.replace("\tGT\t", "\tDP\t") + "\n" for r in HAND_VCF))
    score = write_score(tmp_path / "score.txt", HAND_SCORE)
    with pytest.raises(InputError, match=r"target\.vcf: no FORMAT/GT field"):
        score_cohort(vcf, [score], "GRCh37", min_overlap=0.5)


def test_hand_case_agrees_with_plink2_without_mean_imputation(tmp_path):
    """The same matched variants through plink2 `no-mean-imputation` (its DENOM is then ALLELE_CT)."""
    cohort = cohort_of(tmp_path, HAND_SCORE)
    (result,) = cohort.results
    plink = run_plink2(tmp_path / "target.vcf", result.match, tmp_path / "plink", "no-mean-imputation")
    assert [plink[s]["SCORE1_SUM"] for s in cohort.samples] == pytest.approx(HAND_SUM, abs=1e-6)
    assert [plink[s]["DENOM"] for s in cohort.samples] == HAND_DENOM


# ---------------------------------------------------------------- matching rules on small cases


def test_multiallelic_sites_are_dropped_split_or_not(tmp_path):
    records = [
        "chr1\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0",  # split site: two records at 100
        "chr1\t100\t.\tA\tC\t.\t.\t.\tGT\t0/0\t0/1\t0/0",
        "chr1\t200\t.\tC\tT,G\t.\t.\t.\tGT\t0/1\t0/2\t1/2",  # one record, two ALT alleles
        "chr1\t300\t.\tG\tA\t.\t.\t.\tGT\t0/1\t0/0\t0/0",
    ]
    score = (
        "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "1\t100\tG\tA\t1\n1\t200\tT\tC\t1\n1\t300\tA\tG\t1\n1\t200\tA\tC\t1\n"
    )
    match = matched_counts(tmp_path, score, records)
    assert match.counts["multiallelic"] == 2
    assert match.counts["matched"] == 1
    assert match.counts["unmatched"] == 1  # A/C at 200 fits no allele of C>T,G


def test_rows_best_matching_one_variant_are_all_dropped_as_duplicates(tmp_path):
    score = (
        "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "chr1\t100\tG\tA\t1\n1\t100\tA\tG\t2\n1\t200\tT\tC\t1\n"
    )
    match = matched_counts(tmp_path, score, HAND_VCF)
    assert match.counts["duplicate"] == 2
    assert match.counts["matched"] == 1
    assert match.variant_id == ["1:200:C:T"]


def test_rows_on_contigs_the_target_lacks_are_unmatched_and_logged(tmp_path, caplog):
    # The contig-name rule (scripts/common/contig_names.py): 'chr1' in the score meets the target's chr1; rows on
    # 2 and 22 (contigs the target's header and records lack) are unmatched, and the log names them with their counts.
    records = HAND_VCF[:2]
    score = (
        "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "chr1\t100\tG\tA\t1\n2\t100\tG\tA\t1\n22\t5\tG\tA\t1\n22\t6\tG\tA\t1\n"
    )
    match = matched_counts(tmp_path, score, records)
    assert (match.counts["matched"], match.counts["unmatched"]) == (1, 3)
    assert "scored positions on contigs target.vcf lacks (counted unmatched): 2 1, 22 2" in caplog.text


def test_non_autosomal_rows_are_skipped_and_counted(tmp_path):
    records = [*HAND_VCF[:2], "chrX\t100\t.\tA\tG\t.\t.\t.\tGT\t0/1\t1/1\t0/0"]
    score = (
        "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "X\t100\tG\tA\t1\nMT\t100\tG\tA\t1\n1\t100\tG\tA\t1\n"
    )
    match = matched_counts(tmp_path, score, records)
    assert match.counts["non_autosomal"] == 2
    assert match.counts["matched"] == 1


def test_effect_allele_only_rows_and_refalt_orientation(tmp_path):
    score = (
        "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\teffect_weight\n"
        "1\t100\tA\t1\n"  # = REF: no_oa_ref, dosage of allele 0
        "1\t200\tA\t1\n"  # flipped T = ALT: no_oa_alt_flip
    )
    match = matched_counts(tmp_path, score, HAND_VCF)
    assert match.match_types == {"no_oa_alt_flip": 1, "no_oa_ref": 1}
    assert match.effect_allele == ["A", "T"]
    assert match.allele.tolist() == [0, 1]


def test_reference_allele_dosage_is_two_minus_alt_count(tmp_path):
    score = (
        "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n1\t100\tA\tG\t1\n"
    )
    cohort = cohort_of(tmp_path, score)
    # rs1 GTs 0/1, 1/1, 0/0: copies of A (REF) are 1, 0, 2
    assert cohort.results[0].total.tolist() == [1.0, 0.0, 2.0]


def test_harmonised_infer_other_allele_fills_a_missing_other_allele(tmp_path):
    score = (
        "#genome_build=NR\n#HmPOS_build=GRCh37\n"
        "rsID\tchr_name\teffect_allele\tother_allele\teffect_weight\thm_chr\thm_pos\thm_inferOtherAllele\n"
        "rs1\t1\tG\t\t1\t1\t100\tA\n"  # inferred A: a two-allele match (altref)
        "rs2\t1\tT\t\t1\t1\t200\tA/C\n"  # several inferred alleles: effect allele only (no_oa_alt)
        "rs9\t1\tT\t\t1\t\t\t\n"  # harmonisation failed: no position, unmatched
    )
    match = matched_counts(tmp_path, score, HAND_VCF)
    assert match.match_types == {"altref": 1, "no_oa_alt": 1}
    assert match.counts["unmatched"] == 1


# ---------------------------------------------------------------- scoring-file reading and refusals


def test_pgs000001_harmonised_to_grch38_is_refused_for_a_grch37_target(testdata):
    with pytest.raises(InputError, match=r"PGS000001_hmPOS_GRCh38\.txt\.gz.*target build GRCh37.*HmPOS_build=GRCh38"):
        read_scoring_file(PGS000001, "GRCh37")


def test_pgs000001_for_a_grch38_target_uses_the_hm_columns(testdata, tmp_path):
    scoring = read_scoring_file(PGS000001, "GRCh38")
    assert scoring.positions == "harmonised"
    assert scoring.pgs_id == "PGS000001" and scoring.header["trait_reported"] == "Breast cancer"
    with gzip.open(PGS000001, "rt") as fh:
        table = list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))
    assert scoring.n_variants == len(table) == 77
    assert scoring.pos.tolist() == [int(row["hm_pos"]) for row in table]
    assert scoring.chrom == [row["hm_chr"] for row in table]
    # Three variants placed at their hm positions: rs78540526 11:69516650 T/C and rs75915166 11:69564393 A/C match,
    # rs554219 11:69516874 G/C is strand-ambiguous.
    records = [
        "chr11\t69516650\t.\tC\tT\t.\t.\t.\tGT\t0/1\t0/0\t1/1",
        "chr11\t69516874\t.\tC\tG\t.\t.\t.\tGT\t0/0\t0/1\t0/0",
        "chr11\t69564393\t.\tC\tA\t.\t.\t.\tGT\t0/0\t0/1\t0/0",
    ]
    vcf = write_vcf(tmp_path / "grch38.vcf", records)
    match = match_score(scoring, read_target_sites(vcf, wanted_positions([scoring])))
    assert (match.counts["matched"], match.counts["ambiguous"], match.counts["unmatched"]) == (2, 1, 74)
    assert match.variant_id == ["11:69516650:C:T", "11:69564393:C:A"]


def test_author_positions_on_the_other_build_are_refused(tmp_path):
    score = write_score(tmp_path / "custom.txt", HAND_SCORE)
    with pytest.raises(InputError, match=r"custom\.txt.*not on the target build GRCh38.*genome_build=GRCh37"):
        read_scoring_file(score, "GRCh38")


def test_a_target_build_other_than_grch37_or_grch38_is_refused(tmp_path):
    score = write_score(tmp_path / "custom.txt", HAND_SCORE)
    with pytest.raises(InputError, match=r"`build` to be GRCh37 or GRCh38 \(it is 'other'\)"):
        read_scoring_file(score, "other")


def test_dominant_and_recessive_scoring_file_is_refused(testdata):
    # Line 4 of the file is the first variant row, and its is_dominant is TRUE.
    with pytest.raises(InputError, match=r"scorefile_dominant_and_recessive\.txt: line 4: is_dominant is TRUE"):
        read_scoring_file(DOM_REC, "GRCh37")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("chr_name\tchr_position\tother_allele\teffect_weight\n1\t100\tA\t1\n", r"column effect_allele is missing"),
        ("chr_name\tchr_position\teffect_allele\teffect_weight\n1\t100\tG\t0.5\n1\t200\tT\tbig\n",
         r"line 4: effect_weight 'big' is not a finite number"),
        ("chr_name\tchr_position\teffect_allele\teffect_weight\n1\t100\t\t0.5\n", r"line 3: effect_allele is empty"),
        ("chr_name\tchr_position\teffect_allele\teffect_weight\n1\t1e5\tA\t0.5\n",
         r"line 3: chr_position '1e5' is not a whole number"),
        ("chr_name\teffect_allele\teffect_weight\n1\tA\t0.5\n", r"column\(s\) chr_position are missing"),
    ],
    ids=["no-effect-allele-column", "weight-not-numeric", "empty-effect-allele", "bad-position", "no-positions"],
)  # fmt: skip
def test_malformed_scoring_files_are_refused_naming_file_and_line(tmp_path, table, message):
    score = write_score(tmp_path / "bad.txt", "#genome_build=GRCh37\n" + table)
    with pytest.raises(InputError, match=r"bad\.txt: .*" + message):
        read_scoring_file(score, "GRCh37")


def test_gzipped_and_plain_scoring_files_read_the_same(tmp_path):
    plain = write_score(tmp_path / "s.txt", HAND_SCORE)
    packed = tmp_path / "s.gz.bin"  # the name does not say gzip: the magic bytes do
    packed.write_bytes(gzip.compress(HAND_SCORE.encode()))
    a, b = read_scoring_file(plain, "GRCh37"), read_scoring_file(packed, "GRCh37")
    assert a.effect == b.effect == ["G", "A", "T", "C"]
    assert a.weight.tolist() == b.weight.tolist() == [0.5, -1.0, 2.0, 0.25]
    assert a.line.tolist() == [6, 7, 8, 9]


def test_of_two_scoring_files_with_one_pgs_id_the_later_is_refused_alone(tmp_path):
    vcf = write_vcf(tmp_path / "t.vcf", HAND_VCF)
    a, b = write_score(tmp_path / "a.txt", HAND_SCORE), write_score(tmp_path / "b.txt", HAND_SCORE)
    first, second = score_cohort(vcf, [a, b], "GRCh37", min_overlap=0.5).results
    assert first.match.pgs_id == "PGS_HAND" and first.refused == ""
    np.testing.assert_allclose(first.total, HAND_SUM, rtol=0, atol=1e-12)
    assert second.match.pgs_id == "b.txt"  # keyed by its file name: the outputs are keyed by pgs_id
    assert (
        second.refused
        == "refused: b.txt: pgs_id PGS_HAND is also the pgs_id of a.txt; each scoring file must have its own"
    )
    assert second.file_refused and second.total is None and second.match.n_matched == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (HAND_SCORE.replace("GRCh37", "GRCh38"), "the scoring file's positions are not on the target build GRCh37 "
         "(genome_build=GRCh38; the config `build` is GRCh37)"),
        (b"\x1f\x8b\x08\x00 not really gzip", "cannot be read as a plain or gzipped text table (error: Error -3"),
        (bytes([0xFF, 0xFE, 0x00, 0x80]) * 4, "cannot be read as a plain or gzipped text table (UnicodeDecodeError"),
        ("#genome_build=GRCh37\nchr_name\tchr_position\teffect_weight\n1\t100\t1\n", "column effect_allele is missing"),
    ],
    ids=["wrong-build", "broken-gzip", "not-text", "no-effect-allele"],
)  # fmt: skip
def test_a_refused_scoring_file_is_refused_alone_with_its_name_and_problem(tmp_path, content, problem):
    vcf = write_vcf(tmp_path / "t.vcf", HAND_VCF)
    bad = tmp_path / "folder" / "bad.txt"
    bad.parent.mkdir()
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    good = write_score(tmp_path / "good.txt", HAND_SCORE)
    refused, scored = score_cohort(vcf, [bad, good], "GRCh37", min_overlap=0.5).results
    assert refused.refused.startswith("refused: bad.txt: ") and problem in refused.refused
    assert str(tmp_path) not in refused.refused and "\n" not in refused.refused and "\t" not in refused.refused
    assert refused.file_refused and refused.total is None
    assert scored.refused == "" and scored.match.pgs_id == "PGS_HAND"
    np.testing.assert_allclose(scored.total, HAND_SUM, rtol=0, atol=1e-12)  # the valid score, by hand as above


def test_a_target_build_the_scores_cannot_have_still_stops_the_run(tmp_path):
    vcf = write_vcf(tmp_path / "t.vcf", HAND_VCF)
    with pytest.raises(InputError, match=r"`build` to be GRCh37 or GRCh38 \(it is 'other'\)"):
        score_cohort(vcf, [write_score(tmp_path / "s.txt", HAND_SCORE)], "other")


# ---------------------------------------------------------------- reference distribution


def test_percentile_follows_scipy_percentileofscore_rank():
    # scipy.stats.percentileofscore docs: ([1, 2, 3, 4], 3) -> 75.0; ([1, 2, 3, 3, 4], 3) -> 70.0 (kind="rank").
    assert percentile_rank(np.array([3.0]), [1, 2, 3, 4]).tolist() == [75.0]
    assert percentile_rank(np.array([3.0]), [1, 2, 3, 3, 4]).tolist() == [70.0]
    # a value between reference values: 2 of 4 below -> 50.0
    assert percentile_rank(np.array([2.5]), [1, 2, 3, 4]).tolist() == [50.0]


def test_z_scores_by_hand():
    # [0.5, 1, -1]: mean 1/6, population variance 78/108, SD 0.8498366.
    assert z_scores(np.array(HAND_SUM), HAND_SUM) == pytest.approx([0.3922323, 0.9805807, -1.3728129], abs=1e-6)
    assert np.isnan(z_scores(np.array([1.0]), [1.0])).all()


# ---------------------------------------------------------------- THE target: cineca x PGS001229_22 against plink2


def run_plink2(vcf, match, prefix, *modifiers):
    """plink2 --score on the matched variants; {IID: {column: value}} of its .sscore (IDs CHROM:POS:REF:ALT)."""
    scorefile = prefix.parent / f"{prefix.name}.score.tsv"
    write_plink2_scorefile(match, scorefile)
    subprocess.run(
        ["plink2", "--vcf", str(vcf), "--set-all-var-ids", "@:#:$r:$a", "--new-id-max-allele-len", "1000",
         "--score", str(scorefile), "1", "2", "3", "header", "cols=+scoresums,+denom", "list-variants", *modifiers,
         "--out", str(prefix)],
        check=True, capture_output=True,
    )  # fmt: skip
    with open(f"{prefix}.sscore") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    used = open(f"{prefix}.sscore.vars").read().split()
    assert sorted(used) == sorted(match.variant_id), "plink2 scored a different variant set"
    return {
        r["#IID"]: {k: (float(v) if "SUM" in k or "AVG" in k else int(v)) for k, v in r.items() if k != "#IID"}
        for r in rows
    }


def require_cineca_and_plink2():
    """Skip (with the reason) unless the CINECA target, PGS001229_22 and plink2 are here."""
    if not (CINECA.exists() and PGS001229.exists()):
        pytest.skip(f"real test data {EXAMPLES} is absent")
    if shutil.which("plink2") is None:
        pytest.skip("plink2 is not installed (apt-packages.txt)")


@pytest.fixture(scope="module")
def cineca(tmp_path_factory):
    require_cineca_and_plink2()
    folder = tmp_path_factory.mktemp("cineca")
    start = time.perf_counter()
    imputed = score_cohort(CINECA, [PGS001229], "GRCh37")
    seconds = time.perf_counter() - start
    not_imputed = score_cohort(CINECA, [PGS001229], "GRCh37", impute_min_samples=10**9)
    match = imputed.results[0].match
    return {
        "imputed": imputed,
        "not_imputed": not_imputed,
        "seconds": seconds,
        "plink_default": run_plink2(CINECA, match, folder / "default"),
        "plink_no_imputation": run_plink2(CINECA, match, folder / "noimp", "no-mean-imputation"),
    }


def test_cineca_match_counts_equal_pgscatalog_match(cineca):
    result = cineca["imputed"].results[0]
    assert (result.match.n_variants, result.match.n_matched) == (835, 782)
    assert result.match.counts["ambiguous"] == 47
    assert result.match.counts["unmatched"] == 6
    assert result.refused == ""
    assert len(cineca["imputed"].samples) == 2504


def test_cineca_sum_equals_plink2_with_mean_imputation(cineca):
    """Apples to apples: 2,504 samples >= 50, so both sides fill missing genotypes with 2 x AF.

    plink2 mean-imputes by default from the allele frequency it computes over the same samples (the VCF has no
    pedigree: all are founders), exactly what pgs_scoring does; its DENOM is then 2 x scored variants for every
    sample. The matched variants carry 42 missing genotypes, so the imputation path is exercised, not skipped.
    """
    cohort = cineca["imputed"]
    result = cohort.results[0]
    assert cohort.impute and result.n_missing == 42
    plink = cineca["plink_default"]
    assert set(plink) == set(cohort.samples)
    expected = np.array([plink[s]["SCORE1_SUM"] for s in cohort.samples])
    np.testing.assert_allclose(result.total, expected, rtol=0, atol=1e-5)  # plink2 prints 6 significant digits
    assert result.denom.tolist() == [plink[s]["DENOM"] for s in cohort.samples] == [1564] * 2504


def test_cineca_sum_equals_plink2_without_imputation(cineca):
    """Imputation off on both sides: plink2 `no-mean-imputation`, whose DENOM is the sample's non-missing alleles."""
    cohort = cineca["not_imputed"]
    result = cohort.results[0]
    assert not cohort.impute
    plink = cineca["plink_no_imputation"]
    expected = np.array([plink[s]["SCORE1_SUM"] for s in cohort.samples])
    np.testing.assert_allclose(result.total, expected, rtol=0, atol=1e-5)
    assert result.denom.tolist() == [plink[s]["DENOM"] for s in cohort.samples]
    assert result.denom.tolist() == [plink[s]["ALLELE_CT"] for s in cohort.samples]
    assert min(result.denom) < 1564  # some samples do miss genotypes at matched variants


def test_cineca_is_scored_quickly(cineca):
    assert cineca["seconds"] < 10
