"""Tests of scripts/qc/batch_qc.py: the table written from hand-made QC JSONs, and its readers.

Expected table text is written out by hand below, from the inputs.
"""

import json

import pytest

from common.input_error import InputError
from qc import batch_qc as bq

HEADER = "sample_id\tverdict\tin_cohort\tmean_depth\tbreadth\tmapped_rate\tduplicate_rate\ttotal_reads\treasons"


def qc_record(sample, verdict, reasons, **metrics):
    base = {"mean_depth": 31.4567, "breadth": 0.99, "mapped_rate": 0.998347, "duplicate_rate": 0.13245,
            "total_reads": 1815}  # fmt: skip
    return {"sample_id": sample, "alignment": f"{sample}.bam", "format": "BAM", "metrics": {**base, **metrics},
            "target": {"kind": "regions", "bases": 10001}, "verdict": verdict, "reasons": reasons,
            "thresholds": {}, "tool_versions": {"samtools": "1.16.1"}}  # fmt: skip


def write_records(folder, records):
    paths = []
    for record in records:
        path = folder / f"{record['sample_id']}.qc.json"
        path.write_text(json.dumps(record))
        paths.append(path)
    return paths


@pytest.fixture
def batch(tmp_path):
    """Three samples in sheet order Z, A, M: pass, fail (two reasons, no mapped reads), warn."""
    records = [
        qc_record("Z", "pass", []),
        qc_record(
            "A",
            "fail",
            ["no mapped reads (0 of 12 reads are mapped)", "mean depth 0.0x is below the fail threshold 5x"],
            mean_depth=0.0,
            breadth=0.0,
            mapped_rate=0.0,
            duplicate_rate=None,
            total_reads=12,
        ),
        qc_record("M", "warn", ["mean depth 12.3x is below the warn threshold 15x"], mean_depth=12.3),
    ]
    return write_records(tmp_path, records), tmp_path / "results" / "qc" / "batch_qc.tsv"


def test_table_rows_in_input_order(batch):
    paths, tsv = batch
    bq.batch_qc(paths, tsv)
    assert tsv.read_text() == (
        f"{HEADER}\n"
        "Z\tpass\tyes\t31.4567\t0.99\t0.998347\t0.13245\t1815\t\n"
        "A\tfail\tno\t0\t0\t0\tNA\t12\tno mapped reads (0 of 12 reads are mapped); mean depth 0.0x is below the fail "
        "threshold 5x\n"
        "M\twarn\tyes\t12.3\t0.99\t0.998347\t0.13245\t1815\tmean depth 12.3x is below the warn threshold 15x\n"
    )
    assert sorted(p.name for p in tsv.parent.iterdir()) == ["batch_qc.tsv"]  # no temporary file left


def test_readers(batch):
    paths, tsv = batch
    bq.batch_qc(paths, tsv)
    rows = bq.read_batch_qc(tsv)
    assert [r["sample_id"] for r in rows] == ["Z", "A", "M"]
    assert rows[1] == {
        "sample_id": "A", "verdict": "fail", "in_cohort": False, "mean_depth": 0.0, "breadth": 0.0,
        "mapped_rate": 0.0, "duplicate_rate": None, "total_reads": 12,
        "reasons": ["no mapped reads (0 of 12 reads are mapped)", "mean depth 0.0x is below the fail threshold 5x"],
    }  # fmt: skip
    assert rows[0]["reasons"] == [] and rows[0]["in_cohort"] is True and rows[2]["mean_depth"] == 12.3
    assert bq.cohort_samples(tsv) == ["Z", "M"]


def test_all_failed_gives_an_empty_cohort(tmp_path):
    paths = write_records(tmp_path, [qc_record("A", "fail", ["x"]), qc_record("B", "fail", ["y"])])
    tsv = tmp_path / "batch_qc.tsv"
    bq.batch_qc(paths, tsv)
    assert bq.cohort_samples(tsv) == []


def test_duplicate_sample_is_refused(tmp_path):
    first = write_records(tmp_path, [qc_record("A", "pass", [])])
    (tmp_path / "b").mkdir()
    second = write_records(tmp_path / "b", [qc_record("A", "pass", [])])
    with pytest.raises(InputError, match=r"A\.qc\.json: sample 'A' appears twice"):
        bq.batch_qc(first + second, tmp_path / "t.tsv")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("verdict"), r"S\.qc\.json lacks verdict"),
        (lambda r: r["metrics"].pop("breadth"), r"S\.qc\.json lacks metrics\.breadth"),
        (lambda r: r.update(verdict="ok"), r"S\.qc\.json: verdict 'ok' is not one of pass, warn, fail"),
    ],
)
def test_incomplete_qc_json_is_refused(tmp_path, mutate, message):
    record = qc_record("S", "pass", [])
    mutate(record)
    with pytest.raises(InputError, match=message):
        bq.batch_qc(write_records(tmp_path, [record]), tmp_path / "t.tsv")


def test_qc_json_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "S.qc.json"
    path.write_text("{")
    with pytest.raises(InputError, match=r"QC file S\.qc\.json is not valid JSON"):
        bq.batch_qc([path], tmp_path / "t.tsv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sample_id\tverdict\n", r"t\.tsv: the header is not sample_id verdict in_cohort"),
        (f"{HEADER}\nA\tpass\tyes\t1\n", r"t\.tsv line 2: 4 fields, expected 9"),
        (f"{HEADER}\nA\tpass\ttrue\t1\t1\t1\t0\t5\t\n", r"t\.tsv line 2: in_cohort is 'true', expected yes or no"),
    ],
)
def test_reader_refuses_a_table_of_another_layout(tmp_path, text, message):
    tsv = tmp_path / "t.tsv"
    tsv.write_text(text)
    with pytest.raises(InputError, match=message):
        bq.read_batch_qc(tsv)
