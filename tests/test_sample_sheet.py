"""Sample-sheet checks: every bad sheet is refused with a message naming the file, row and column."""

from pathlib import Path

import pytest

from input_error import InputError
from sample_sheet import read_sample_sheet

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "samples.schema.yaml"


def write_sheet(folder, text):
    (folder / "a.bam").write_bytes(b"")
    (folder / "b.cram").write_bytes(b"")
    sheet = folder / "samples.tsv"
    sheet.write_text(text)
    return sheet


def test_good_sheet_resolves_paths_relative_to_the_sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "batch1"
    sub.mkdir()
    sheet = write_sheet(sub, "sample_id\talignment\tsex\tpopulation\nS1\ta.bam\tfemale\tEUR\nS-2.x\tb.cram\t\t\n")
    samples = read_sample_sheet(sheet, SCHEMA)
    assert list(samples) == ["S1", "S-2.x"]
    assert samples["S1"]["alignment"] == "batch1/a.bam"
    assert samples["S1"]["sex"] == "female" and samples["S1"]["population"] == "EUR"
    assert "sex" not in samples["S-2.x"] and samples["S-2.x"]["alignment"] == "batch1/b.cram"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"samples\.tsv: the sample sheet is empty"),
        ("sample_id\talignment\n", r"samples\.tsv: the sample sheet has a header but no sample rows"),
        ("sample_id\talignment\tbarcode\nS1\ta.bam\tAC\n", r"samples\.tsv: unknown column 'barcode'"),
        ("sample_id\tsex\nS1\tfemale\n", r"required column 'alignment' is missing"),
        ("sample_id\talignment\nS1\ta.bam\nS1\tb.cram\n", r"row 2: sample_id 'S1' is a duplicate of row 1"),
        ("sample_id\talignment\nS1\ta.bam\nS 2\tb.cram\n", r"row 2: sample_id 'S 2' is not allowed"),
        ("sample_id\talignment\n../x\ta.bam\n", r"row 1: sample_id '\.\./x' is not allowed"),
        ("sample_id\talignment\nS1;rm\ta.bam\n", r"row 1: sample_id 'S1;rm' is not allowed"),
        ("sample_id\talignment\n..\ta.bam\n", r"row 1: sample_id '\.\.' is not allowed"),
        (
            "sample_id\talignment\nS1\tmissing.bam\n",
            r"\(sample 'S1'\): column 'alignment': file missing\.bam does not exist",
        ),
        ("sample_id\talignment\nS1\ta.fastq\n", r"\(sample 'S1'\): column 'alignment': 'a\.fastq' is not a \.bam"),
        ("sample_id\talignment\tsex\nS1\ta.bam\tF\n", r"\(sample 'S1'\): column 'sex': 'F' is not one of female, male"),
        ("sample_id\talignment\nS1\t\n", r"row 1 \(sample 'S1'\): column 'alignment' is empty or missing"),
        ("sample_id\talignment\nS1\ta.bam\textra\n", r"row 1 has 3 fields, the header has 2"),
    ],
)
def test_bad_sheet_is_refused_with_a_named_problem(tmp_path, text, message):
    sheet = write_sheet(tmp_path, text)
    with pytest.raises(InputError, match=message):
        read_sample_sheet(sheet, SCHEMA)


def test_missing_sheet_is_named(tmp_path):
    with pytest.raises(InputError, match=r"sample sheet .*nope\.tsv does not exist"):
        read_sample_sheet(tmp_path / "nope.tsv", SCHEMA)


def test_files_a_rule_makes_need_not_exist_yet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample_id\talignment\nS1\tlater.bam\n")
    assert read_sample_sheet(sheet, SCHEMA, may_be_made={"later.bam"})["S1"]["alignment"] == "later.bam"
