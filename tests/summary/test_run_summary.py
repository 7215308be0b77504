"""The run summary: counts from a batch QC table written by hand, refused scores, the end-of-run lines."""

import json
import os

import pytest

from common.input_error import InputError
from summary.qc_gate import qc_gate
from summary.run_summary import end_of_run_lines, refused_scores, write_run_summary

HEADER = "sample_id\tverdict\tin_cohort\tmean_depth\tbreadth\tmapped_rate\tduplicate_rate\ttotal_reads\treasons\n"
ROWS = [  # sample, verdict, in_cohort, reasons: 1 pass, 2 warn, 2 fail, 1 VCF row (not_applicable, in the cohort)
    ("s1", "pass", "yes", ""),
    ("s2", "fail", "no", "mean depth 2x is below the fail threshold 5x"),
    ("s3", "warn", "yes", "duplicate rate 25% is above the warn threshold 20%"),
    ("v1", "not_applicable", "yes", "arrived as a VCF"),
    ("s4", "fail", "no", "breadth 10% is below the fail threshold 80%"),
    ("s5", "warn", "yes", "mean depth 9x is below the warn threshold 15x"),
]
NOT_RUN = {"prs": None, "pgx": "pharmacogenomics was switched off in the configuration", "identity": None}


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A batch folder with results/qc/batch_qc.tsv (the working directory, as Snakemake's)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results/qc").mkdir(parents=True)
    na = "\tNA" * 5
    lines = "".join(f"{s}\t{v}\t{c}{na}\t{r}\n" for s, v, c, r in ROWS)
    (tmp_path / "results/qc/batch_qc.tsv").write_text(HEADER + lines)
    return tmp_path


def scores_file(folder, entries):
    path = folder / "scores.json"
    path.write_text(json.dumps({"scores": entries, "settings": {}}))
    return path


def test_counts_and_ids_follow_the_table(batch):
    scores = scores_file(
        batch,
        [
            {"pgs_id": "PGS000001", "status": "scored", "reason": None},
            {"pgs_id": "PGS000002", "status": "refused", "reason": "refused: 3 of 10 variants matched (30.0%)"},
            {"scoring_file": "broken.txt", "status": "refused: the file cannot be read"},
        ],
    )
    summary = write_run_summary("results/qc/batch_qc.tsv", NOT_RUN, "results/run_summary.json", scores, "fail")
    written = json.loads((batch / "results/run_summary.json").read_text())
    assert written == summary
    assert written["samples"] == {"pass": 1, "warn": 2, "fail": 2, "not_applicable": 1, "in_cohort": 4, "total": 6}
    assert written["failed_samples"] == ["s2", "s4"] and written["warned_samples"] == ["s3", "s5"]
    assert written["refused"] == {
        "scores": {
            "PGS000002": "refused: 3 of 10 variants matched (30.0%)",
            "broken.txt": "refused: the file cannot be read",
        },
        "stages": {"pgx": "pharmacogenomics was switched off in the configuration"},
    }
    assert written["reports"] == "results/report" and written["fail_batch_on"] == "fail"
    text = (batch / "results/run_summary.json").read_text()
    assert text == json.dumps(written, indent=2, sort_keys=True) + "\n"
    assert str(batch) not in text


def test_without_scores_nothing_is_refused_and_a_bad_scores_file_is_named(batch):
    assert refused_scores(None) == {}
    (batch / "scores.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="scores file scores.json cannot be read"):
        refused_scores(batch / "scores.json")


def test_end_of_run_lines_from_the_summary(batch):
    write_run_summary("results/qc/batch_qc.tsv", NOT_RUN, "results/run_summary.json")
    lines = end_of_run_lines(True, [str(batch / ".snakemake/log/x.log")])
    assert lines[0] == (
        "genorisk: batch of 6 samples: 1 pass, 2 warn, 2 fail QC, 1 arrived as VCFs (no QC verdict); "
        "4 in the cohort calls"
    )
    assert "genorisk: FAILED QC, kept out of the cohort calls: s2, s4 (reasons: results/qc/batch_qc.tsv)" in lines
    assert "genorisk: not run in this batch: pgx (why: results/run_summary.json and each report)" in lines
    assert lines[-1] == "genorisk: finished: exit status 0, but 2 of 6 samples failed QC"
    stopped = end_of_run_lines(False, [str(batch / ".snakemake/log/x.log")])
    assert stopped[-1] == "genorisk: the run did NOT finish: see the error above (log: .snakemake/log/x.log)"


def test_end_of_run_lines_when_the_run_stopped_early(batch):
    lines = end_of_run_lines(False, None)
    assert lines[0].startswith("genorisk: batch of 6 samples: 1 pass, 2 warn, 2 fail QC")
    assert "genorisk: results/run_summary.json is not written (the run stopped or was asked for other targets)" in lines
    os.remove("results/qc/batch_qc.tsv")
    assert end_of_run_lines(False, None)[0].startswith("genorisk: no batch QC table yet")
    (batch / "results/run_summary.json").write_text("{not json")
    assert end_of_run_lines(True, None)[0].startswith("genorisk: the batch summary cannot be shown:")


def test_qc_gate_fails_naming_the_failed_samples_and_passes_otherwise(batch):
    write_run_summary("results/qc/batch_qc.tsv", NOT_RUN, "results/run_summary.json", fail_batch_on="fail")
    with pytest.raises(InputError, match=r"^2 of 6 samples failed QC \(s2, s4\) and qc.fail_batch_on is fail"):
        qc_gate("results/run_summary.json", "gate.ok")
    assert not (batch / "gate.ok").exists()
    lines = end_of_run_lines(False, None)
    assert lines[-1] == (
        "genorisk: exit status non-zero: 2 of 6 samples failed QC and qc.fail_batch_on is fail; "
        "any other error is above"
    )
    table = (batch / "results/qc/batch_qc.tsv").read_text().splitlines()
    (batch / "results/qc/batch_qc.tsv").write_text("\n".join(line for line in table if "\tfail\t" not in line) + "\n")
    write_run_summary("results/qc/batch_qc.tsv", NOT_RUN, "results/run_summary.json", fail_batch_on="fail")
    qc_gate("results/run_summary.json", "gate.ok")
    assert (batch / "gate.ok").read_text() == "no sample of 4 failed QC\n"


def test_refused_score_of_a_real_scores_json(tmp_path):
    """scores.json as rule polygenic_scores writes it: one score scored, one refused below min_overlap."""
    from test_pgs_scoring import HAND_SCORE, HAND_VCF, write_score, write_vcf
    from test_polygenic_scores import LOW_SCORE, LOW_STATUS

    from prs.polygenic_scores import write_polygenic_scores

    vcf = write_vcf(tmp_path / "cohort.vcf", HAND_VCF)
    files = [write_score(tmp_path / "hand.txt", HAND_SCORE), write_score(tmp_path / "low.txt", LOW_SCORE)]
    scores = tmp_path / "scores.json"
    write_polygenic_scores(vcf, files, "GRCh37", tmp_path / "scores.tsv", scores, min_overlap=0.5)
    assert refused_scores(scores) == {"PGS_LOW": LOW_STATUS}


def test_a_panel_stage_covering_no_position_is_listed_as_not_run(tmp_path):
    """A reference holding none of a panel's positions (e.g. chr22 only): the stage ran but says nothing, so the run
    summary lists it with the report's words; a table with a covered position leaves the stage alone."""
    from reports import stages as report_stages

    header = "gene\tchrom\tpos\tref\talt\tid\tstatus\treason\n"
    none = tmp_path / "pgx_coverage.tsv"
    row = "VKORC1\tchr16\t31096368\tC\tT\trs9923231\tnot_covered\tcontig chr16 is not in the reference\n"
    none.write_text(header + row)
    some = tmp_path / "carrier_coverage.tsv"
    some.write_text(header + "F5\tchr1\t169549811\tC\tT\trs6025\tcovered\t\n")
    not_run = report_stages.with_coverage_reasons({"ancestry": "no panel", "pgx": None}, {"pgx": none, "carrier": some})
    assert not_run["pgx"].startswith("no panel position lies on this reference (all 1 positions of its 1 genes")
    assert "carrier" not in not_run and not_run["ancestry"] == "no panel"
    assert report_stages.optional_input([]) is None and report_stages.optional_input(["a.tsv"]) == "a.tsv"
