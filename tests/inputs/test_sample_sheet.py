"""Sample-sheet checks: every bad sheet is refused with a message naming the file, row and column."""

import re
from pathlib import Path

import pytest
from snakemake.io import regex_from_filepattern

from common.input_error import InputError
from inputs.sample_sheet import (
    VCF_KEY_PATTERN,
    alignment_samples,
    read_sample_sheet,
    vcf_file_key,
    vcf_files,
    vcf_samples,
)

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "samples.schema.yaml"


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


# ---------------------------------------------------------------- rows that arrive already called (column vcf)


def write_vcf_sheet(folder, text):
    for name in ("a.bam", "c.vcf.gz", "g.g.vcf.gz", "m.bcf"):
        (folder / name).write_bytes(b"")
    sheet = folder / "samples.tsv"
    sheet.write_text(text)
    return sheet


def test_vcf_rows_need_no_alignment_column_and_are_grouped_by_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sheet = write_vcf_sheet(
        tmp_path,
        "sample_id\tvcf\tvcf_sample\nP1\tm.bcf\tNA1\nS2\tc.vcf.gz\t\nP2\tm.bcf\tNA2\nG1\tg.g.vcf.gz\t\n",
    )
    samples = read_sample_sheet(sheet, SCHEMA)
    assert samples["P1"]["vcf"] == "m.bcf" and samples["P1"]["vcf_sample"] == "NA1"
    assert "vcf_sample" not in samples["S2"]
    files = vcf_files(samples)
    assert [entry["path"] for entry in files.values()] == ["m.bcf", "c.vcf.gz", "g.g.vcf.gz"]  # first-use order
    assert [entry["rows"] for entry in files.values()] == [[("P1", "NA1"), ("P2", "NA2")], [("S2", None)],
                                                          [("G1", None)]]  # fmt: skip
    keys = list(files)
    assert keys[0].startswith("m-") and keys[2].startswith("g-") and len(set(keys)) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", k) for k in keys)  # usable as a wildcard value and a file name
    assert all(re.fullmatch(VCF_KEY_PATTERN, k) for k in [*keys, vcf_file_key("/x/.vcf.gz"), vcf_file_key("a-b.c.bcf")])


def test_the_vcf_key_constraint_keeps_import_vcfs_outputs_apart():
    # rule import_vcf writes {vcf_key}.tsv and {vcf_key}.ref_mismatch.tsv in one folder: the first never matches both
    summary = regex_from_filepattern("results/qc/vcf_import/{vcf_key," + VCF_KEY_PATTERN + "}.tsv")
    key = vcf_file_key("data/rows.vcf.gz")
    assert re.match(summary, f"results/qc/vcf_import/{key}.tsv")
    assert not re.match(summary, f"results/qc/vcf_import/{key}.ref_mismatch.tsv")


def test_a_sheet_mixes_alignment_and_vcf_rows(tmp_path):
    sheet = write_vcf_sheet(tmp_path, "sample_id\talignment\tvcf\nA\ta.bam\t\nV\t\tc.vcf.gz\n")
    samples = read_sample_sheet(sheet, SCHEMA)
    assert alignment_samples(samples) == ["A"] and vcf_samples(samples) == ["V"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "sample_id\talignment\tvcf\nS1\ta.bam\tc.vcf.gz\n",
            r"row 1 \(sample 'S1'\): columns 'alignment' and 'vcf' are both given: a row gives exactly one",
        ),
        (
            "sample_id\talignment\tvcf\nS1\t\t\n",
            r"row 1 \(sample 'S1'\): column 'alignment' is empty or missing \(each row gives exactly one of "
            r"'alignment' or 'vcf'\)",
        ),
        ("sample_id\tvcf_sample\nS1\tNA1\n", r"required column 'alignment' is missing from the header \(or column"),
        (
            "sample_id\talignment\tvcf_sample\nS1\ta.bam\tNA1\n",
            r"row 1 \(sample 'S1'\): column 'vcf_sample' needs column 'vcf' in the same row",
        ),
        ("sample_id\tvcf\nS1\tc.txt\n", r"\(sample 'S1'\): column 'vcf': 'c\.txt' is not a \.vcf, \.vcf\.gz"),
        ("sample_id\tvcf\nS1\tnope.vcf.gz\n", r"\(sample 'S1'\): column 'vcf': file nope\.vcf\.gz does not exist"),
        (
            "sample_id\tvcf\tvcf_sample\nS1\tm.bcf\tNA1\nS2\tm.bcf\tNA1\n",
            r"row 2 \(sample 'S2'\): columns 'vcf'/'vcf_sample': column 'NA1' of m\.bcf is already row 1's "
            r"\(sample 'S1'\)",
        ),
        (
            "sample_id\tvcf\nS1\tc.vcf.gz\nS2\tc.vcf.gz\n",
            r"row 2 \(sample 'S2'\): columns 'vcf'/'vcf_sample': the \(single\) sample of c\.vcf\.gz is already "
            r"row 1's",
        ),
        ("sample_id\tvcf\tvcf_sample\nS1\tm.bcf\tNA 1\n", r"\(sample 'S1'\): column 'vcf_sample': 'NA 1' does not"),
    ],
)
def test_bad_vcf_rows_are_refused_with_a_named_problem(tmp_path, text, message):
    sheet = write_vcf_sheet(tmp_path, text)
    with pytest.raises(InputError, match=message):
        read_sample_sheet(sheet, SCHEMA)
