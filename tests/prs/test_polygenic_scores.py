"""Tests for scripts/prs/polygenic_scores.py (rule polygenic_scores) and its wiring in workflow/rules/prs.smk.

Expected values: hand arithmetic on the 3-sample case of test_pgs_scoring.py (SUM, DENOM, AVG, percentile, z),
PROVENANCE.md's 782/47/6 for cineca x PGS001229_22, and HG00096's SUM 0.54502 with DENOM 1564, printed by plink2
here and quoted in pygscatalog's own PolygenicScore docstring for the same example.
"""

import csv
import json
import shutil
from pathlib import Path

import pysam
import pytest
import yaml
from test_pgs_scoring import (
    CINECA,
    DOM_REC,
    EXAMPLES,
    HAND_SCORE,
    HAND_VCF,
    PGS000001,
    PGS001229,
    write_score,
    write_vcf,
)

from common.input_error import InputError
from prs.polygenic_scores import TSV_COLUMNS, write_polygenic_scores
from workflow_runner import demo_batch, snakemake

# Hand rows for PGS_HAND (not imputed: 3 samples < 50). Sums 0.5, 1.0, -1.0 (see test_pgs_scoring.py).
# percentile (scipy "rank"): s1 (1 below + 1 at) -> (1 + 2 + 1) x 50 / 3 = 66.6667; s2 -> 100; s3 -> 33.3333.
# z: mean 1/6, SD sqrt(78/108) = 0.8498366: (1/3) / SD = 0.392232, (5/6) / SD = 0.980581, (-7/6) / SD = -1.37281.
# Without a reference panel: no reference population, no PC-adjusted scores, compared within the batch.
BATCH_TAIL = ["batch", "NA", "NA", "NA", "ok"]
HAND_ROWS = [
    ["s1", "PGS_HAND", "0.5", "4", "0.125", "2", "1", "0", "1", "66.6667", "0.392232", *BATCH_TAIL, "none", "ok"],
    ["s2", "PGS_HAND", "1", "2", "0.5", "2", "1", "0", "1", "100", "0.980581", *BATCH_TAIL, "none", "ok"],
    ["s3", "PGS_HAND", "-1", "4", "-0.25", "2", "1", "0", "1", "33.3333", "-1.37281", *BATCH_TAIL, "none", "ok"],
]
# One of four variants present (rs1 at 100): 25% < 50%, refused.
LOW_SCORE = (
    "#pgs_id=PGS_LOW\n#trait_reported=Low overlap\n#genome_build=GRCh37\n"
    "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
    "1\t100\tG\tA\t1\n1\t1000\tG\tA\t1\n1\t2000\tG\tA\t1\n1\t3000\tG\tA\t1\n"
)
LOW_STATUS = "refused: 1 of 4 variants matched (25.0%), below min_overlap 50%"


def read_tsv(path):
    with open(path) as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return rows[0], rows[1:]


@pytest.fixture
def hand_run(tmp_path):
    vcf = write_vcf(tmp_path / "cohort.vcf", HAND_VCF)
    files = [write_score(tmp_path / "hand.txt", HAND_SCORE), write_score(tmp_path / "low.txt", LOW_SCORE)]
    tsv, out_json = tmp_path / "out" / "scores.tsv", tmp_path / "out" / "scores.json"
    write_polygenic_scores(vcf, files, "GRCh37", tsv, out_json, min_overlap=0.5)
    text = out_json.read_text()
    assert str(tmp_path) not in text and str(tmp_path) not in tsv.read_text()  # no paths in result files
    return tsv, json.loads(text)


def test_tsv_rows_by_hand_and_refused_score_rows(hand_run):
    tsv, _ = hand_run
    header, rows = read_tsv(tsv)
    assert header == TSV_COLUMNS
    assert rows[:3] == HAND_ROWS
    low = [["s1", "PGS_LOW", "NA", "NA", "NA", "1", "0", "0", "3", "NA", "NA", *BATCH_TAIL, "none", LOW_STATUS]]
    assert rows[3:] == low + [[s, *low[0][1:]] for s in ("s2", "s3")]


def test_json_metadata_counts_and_rules(hand_run):
    _, meta = hand_run
    hand, low = meta["scores"]
    assert hand["pgs_id"] == "PGS_HAND" and hand["trait_reported"] == "Hand trait"
    assert hand["citation"] == "Hand arithmetic" and hand["genome_build"] == "GRCh37"
    assert hand["scoring_file"] == "hand.txt"  # the name only: no folder in result files
    assert hand["positions_used"] == "chr_name/chr_position"
    assert hand["counts"] == {
        "matched": 2, "ambiguous": 1, "multiallelic": 0, "duplicate": 0, "non_autosomal": 0, "unmatched": 1,
    }  # fmt: skip
    assert hand["match_fraction"] == 0.5 and hand["status"] == "scored" and hand["n_missing_genotypes"] == 1
    assert any("not imputed (3 samples < 50)" in rule for rule in hand["rules"])
    assert any("strand-ambiguous SNPs (A/T, C/G) dropped" in rule for rule in hand["rules"])
    assert low["status"] == "refused" and low["reason"] == LOW_STATUS
    assert meta["imputation"] == {"method": "none", "why": "3 samples < impute_min_samples 50"}
    assert meta["reference"] == {"name": "batch", "n_samples": 3}
    assert meta["target"] == {"build": "GRCh37", "n_samples": 3, "n_records": 4}


# The hand case and two more records, for the store: a multi-allelic record whose SECOND ALT is a row's effect allele
# (multiallelic from every ALT; from the first ALT alone the row would be unmatched) and a matched record in the
# third store chunk of two records (the second chunk holds no matched record). s3 does not consent (not_requested).
STORE_VCF = [
    *HAND_VCF,
    "chr1\t600\t.\tC\tT,G\t.\t.\t.\tGT\t0/1\t0/2\t1/2",
    "chr1\t700\t.\tG\tA\t.\t.\t.\tGT\t1/1\t0/1\t0/0",
]
STORE_SCORE = (
    HAND_SCORE.replace("#pgs_id=PGS_HAND", "#pgs_id=PGS_STORE") + "rs6\t1\t600\tG\tC\t3.0\nrs7\t1\t700\tA\tG\t0.25\n"
)
# By hand, s1 and s2 scored (2 samples < 50: not imputed): rs1 G (ALT) x 0.5, rs2 T (ALT, flipped) x -1, rs7 A (ALT)
# x 0.25. s1: 0.5 - 0 + 0.5 = 1.0, DENOM 6; s2: 1.0 + (rs2 missing) + 0.25 = 1.25, DENOM 4.
STORE_ROWS = {"s1": ("1", "6", "3", "1", "1", "1"), "s2": ("1.25", "4", "3", "1", "1", "1")}


def test_genotype_store_gives_the_vcfs_bytes(tmp_path):
    from af.vcf_to_store import vcf_to_store

    vcf = write_vcf(tmp_path / "cohort.vcf", STORE_VCF)
    store = tmp_path / "cohort.zarr"
    vcf_to_store(vcf, store, chunk_variants=2)
    files = [write_score(tmp_path / "store.txt", STORE_SCORE), write_score(tmp_path / "low.txt", LOW_SCORE)]
    outputs = {}
    for target in (vcf, store):
        out = tmp_path / f"out_{target.suffix}"
        write_polygenic_scores(target, files, "GRCh37", out / "scores.tsv", out / "scores.json", min_overlap=0.5,
                               not_requested=["s3"])  # fmt: skip
        outputs[target] = (out / "scores.tsv").read_bytes(), (out / "scores.json").read_bytes()
    assert outputs[store] == outputs[vcf]
    header, rows = read_tsv(tmp_path / "out_.zarr" / "scores.tsv")
    got = {row[0]: dict(zip(header, row)) for row in rows if row[1] == "PGS_STORE"}
    fields = ("sum", "denom", "n_matched", "n_ambiguous", "n_multiallelic", "n_unmatched")
    assert {sample: tuple(got[sample][f] for f in fields) for sample in ("s1", "s2")} == STORE_ROWS
    assert (got["s3"]["status"], got["s3"]["sum"]) == ("not_requested", "NA")
    meta = json.loads(outputs[store][1])
    assert meta["target"] == {"build": "GRCh37", "n_samples": 2, "n_records": 6}
    assert meta["scores"][0]["n_missing_genotypes"] == 1


def test_a_store_without_every_alt_allele_is_refused(tmp_path):
    from af.vcf_to_store import vcf_to_store

    store = tmp_path / "cohort.zarr"
    vcf_to_store(write_vcf(tmp_path / "cohort.vcf", HAND_VCF), store)
    shutil.rmtree(store / "variants" / "ALTS")  # as a store written before variants/ALTS
    score = write_score(tmp_path / "hand.txt", HAND_SCORE)
    with pytest.raises(
        InputError, match=r"cohort\.zarr \(from cohort\.vcf\): no variants/ALTS .* rerun rule vcf_to_store"
    ):
        write_polygenic_scores(store, [score], "GRCh37", tmp_path / "s.tsv", tmp_path / "s.json")
    assert not (tmp_path / "s.tsv").exists()


def test_reference_panel_is_not_implemented(tmp_path):
    vcf = write_vcf(tmp_path / "cohort.vcf", HAND_VCF)
    score = write_score(tmp_path / "hand.txt", HAND_SCORE)
    with pytest.raises(InputError, match=r"pgs.reference 'panel.vcf.gz' is not implemented"):
        write_polygenic_scores(
            vcf, [score], "GRCh37", tmp_path / "s.tsv", tmp_path / "s.json", reference="panel.vcf.gz"
        )
    assert not (tmp_path / "s.tsv").exists()


# Real PGS Catalog files against the GRCh37 cineca genomes: only PGS001229_22 (GRCh37) is on the target build.
CUSTOM_GRCH38 = EXAMPLES / "customgrch38.txt"
REFUSED_REASONS = {  # pgs_id (or file stem) -> the start of its reason, read off each file's header by hand
    "custom": "refused: customgrch38.txt: the scoring file's positions are not on the target build GRCh37 "
    "(genome_build=GRCh38; the config `build` is GRCh37)",
    "PGS000001": "refused: PGS000001_hmPOS_GRCh38.txt.gz: the scoring file's positions are not on the target build "
    "GRCh37 (genome_build=NR, HmPOS_build=GRCh38; the config `build` is GRCh37)",
    "scorefile_dominant_and_recessive": "refused: scorefile_dominant_and_recessive.txt: line 4: is_dominant is TRUE",
}


def test_refused_scoring_files_are_refused_alone_and_the_valid_score_is_written(tmp_path):
    if not EXAMPLES.is_dir():
        pytest.skip(f"real test data {EXAMPLES} is absent")
    tsv, out_json = tmp_path / "scores.tsv", tmp_path / "scores.json"
    write_polygenic_scores(CINECA, [CUSTOM_GRCH38, PGS001229, PGS000001, DOM_REC], "GRCh37", tsv, out_json)
    header, rows = read_tsv(tsv)
    by_score = {}
    for row in rows:
        by_score.setdefault(row[1], []).append(dict(zip(header, row)))
    assert list(by_score) == ["custom", "PGS001229", "PGS000001", "scorefile_dominant_and_recessive"]
    assert all(len(score_rows) == 2504 for score_rows in by_score.values())
    first = by_score["PGS001229"][0]  # as plink2 printed it for the same match (the workflow test below)
    assert (first["sample_id"], first["status"], first["denom"]) == ("HG00096_HG00096", "ok", "1564")
    assert float(first["sum"]) == pytest.approx(0.54502, abs=5e-6)
    assert (first["n_matched"], first["n_ambiguous"], first["n_unmatched"]) == ("782", "47", "6")  # PROVENANCE.md
    meta = {score["pgs_id"]: score for score in json.loads(out_json.read_text())["scores"]}
    for pgs_id, reason in REFUSED_REASONS.items():
        statuses = {row["status"] for row in by_score[pgs_id]}
        assert len(statuses) == 1 and statuses.pop().startswith(reason)
        assert {(row["sum"], row["avg"], row["percentile"], row["n_matched"]) for row in by_score[pgs_id]} == {
            ("NA", "NA", "NA", "0")}  # fmt: skip
        entry = meta[pgs_id]
        assert entry["status"] == "refused" and entry["refused_file"] is True
        assert entry["reason"] == by_score[pgs_id][0]["status"]  # the same words in both files
        assert entry["n_variants"] is None and entry["match_fraction"] is None
    assert meta["PGS000001"]["trait_reported"] == "Breast cancer"  # the readable header is kept
    assert meta["PGS001229"]["status"] == "scored" and meta["PGS001229"]["reason"] is None
    assert meta["PGS001229"]["refused_file"] is False
    for text in (tsv.read_text(), out_json.read_text()):
        assert str(EXAMPLES) not in text and str(tmp_path) not in text


# ---------------------------------------------------------------- the rule in the workflow


def batch_with_scores(folder, scoring_files):
    """The demo config with build GRCh37 and pgs.scoring_files; the cineca VCF stands in for the cohort calls."""
    config = demo_batch(folder)
    data = yaml.safe_load(config.read_text())
    data["build"] = "GRCh37"
    data["pgs"] = {"scoring_files": [str(p) for p in scoring_files]}
    config.write_text(yaml.safe_dump(data))
    calls = Path(folder) / "results" / "calls" / "bcftools"
    calls.mkdir(parents=True, exist_ok=True)
    shutil.copy(CINECA, calls / "cohort.vcf.gz")
    pysam.tabix_index(str(calls / "cohort.vcf.gz"), preset="vcf", force=True)  # the calling rule's index
    return config


@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory):
    if not (CINECA.exists() and PGS001229.exists()):
        pytest.skip(f"real test data {CINECA.parent} is absent")
    batch = tmp_path_factory.mktemp("prs_batch")
    config = batch_with_scores(batch, [PGS001229, CUSTOM_GRCH38])  # the second is refused alone
    # Only these rules may run: the cohort VCF is given, not called from the demo alignments; the rule reads the
    # genotype store made from it.
    args = ("results/prs/scores.tsv", "--cores", "1", "--allowed-rules", "vcf_to_store", "polygenic_scores")
    snakemake(batch, *args, configfile=config)
    first = (batch / "results/prs/scores.tsv").read_bytes(), (batch / "results/prs/scores.json").read_bytes()
    snakemake(batch, *args, "--forcerun", "polygenic_scores", configfile=config)
    return batch, config, first


def test_rule_writes_scores_for_the_cineca_batch(workflow_run):
    batch, _, _ = workflow_run
    header, rows = read_tsv(batch / "results/prs/scores.tsv")
    assert len(rows) == 2 * 2504
    refused = {tuple(row[1:2] + row[-1:]) for row in rows[2504:]}
    assert len(refused) == 1 and next(iter(refused))[1].startswith(REFUSED_REASONS["custom"])
    row = dict(zip(header, rows[0]))
    assert row["sample_id"] == "HG00096_HG00096"
    assert float(row["sum"]) == pytest.approx(0.54502, abs=5e-6) and row["denom"] == "1564"
    assert (row["n_matched"], row["n_ambiguous"], row["n_unmatched"]) == ("782", "47", "6")
    assert (row["reference"], row["imputation"], row["status"]) == ("batch", "mean_2xAF", "ok")
    meta = json.loads((batch / "results/prs/scores.json").read_text())
    score, wrong_build = meta["scores"]
    assert (wrong_build["pgs_id"], wrong_build["status"]) == ("custom", "refused")
    assert score["pgs_id"] == "PGS001229" and score["trait_reported"] == "Standing height"
    assert score["citation"].startswith("Tanigawa Y et al.")
    assert (batch / "logs/prs/polygenic_scores.log").exists()
    assert (batch / "logs/benchmarks/prs/polygenic_scores.tsv").exists()


def test_rule_outputs_are_byte_stable(workflow_run):
    batch, _, first = workflow_run
    again = (batch / "results/prs/scores.tsv").read_bytes(), (batch / "results/prs/scores.json").read_bytes()
    assert again == first


def test_scores_are_default_targets_only_when_scoring_files_are_given(workflow_run, tmp_path):
    batch, config, _ = workflow_run
    proc = snakemake(batch, "-n", "--cores", "1", "--forcerun", "polygenic_scores", configfile=config)
    assert "rule polygenic_scores:" in proc.stdout + proc.stderr
    empty = batch_with_scores(tmp_path, [])
    proc = snakemake(tmp_path, "-n", "--cores", "1", configfile=empty)
    planned = proc.stdout + proc.stderr
    assert "rule all:" in planned and "polygenic_scores" not in planned
