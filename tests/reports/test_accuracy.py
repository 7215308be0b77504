"""Tests of scripts/reports/accuracy.py: hand-made benchmark and Mendel TSVs, the expected values by hand arithmetic.

Benchmark of S1 (written as scripts/truth/benchmark_truth.py writes it, 4 decimals):
  SNVs    TP 44, FP 2, FN 4: truth 44 + 4 = 48, called 44 + 2 = 46, precision 44/46 = 0.95652 -> 0.9565,
          recall 44/48 = 0.91667 -> 0.9167, F1 = 2*44 / (2*44 + 2 + 4) = 88/94 = 0.93617 -> 0.9362,
          genotypes agree at 43 of 44 = 0.97727 -> 0.9773
  indels  TP 3, FP 1, FN 2: truth 5, called 4, precision 3/4 = 0.75, recall 3/5 = 0.6, F1 = 6/9 = 0.6667, 3 of 3 agree
Mendel: trio S1 (child) of S2 x S3, 87 sites, 0 errors; trio S5 of S2 x S6, 200 sites, 3 errors: 3/200 = 0.015.
"""

import json

import jsonschema
import pytest
from test_render_reports import QC, SCHEMA, make_batch, parse

from common.input_error import InputError
from reports import accuracy
from reports import render_reports as rr
from reports import stages as report_stages
from reports.content import Heading, Para, Table, document

HEADER = "\t".join(accuracy.BENCHMARK_COLUMNS)
SNV = "S1\tbcftools\tsnv\ttruth_bed+regions\t48\t46\t44\t2\t4\t0.9565\t0.9167\t0.9362\t43\t0.9773\t"
INDEL = "S1\tbcftools\tindel\ttruth_bed+regions\t5\t4\t3\t1\t2\t0.7500\t0.6000\t0.6667\t3\t1.0000\t"
NOT_CALLED = [f"S4\tbcftools\t{t}\ttruth_bed+regions\t" + "\t".join(["NA"] * 10) + "\tsample not in the cohort calls "
              "(failed QC?)" for t in ("snv", "indel")]  # fmt: skip
MENDEL = "child\tfather\tmother\tsites_checked\terrors\terror_rate\nS1\tS2\tS3\t87\t0\t0\nS5\tS2\tS6\t200\t3\t0.015\n"
TRUTH_FILES = {"S1": {"vcf": "HG001_truth.vcf.gz", "bed": "confident.bed"}}
PEDIGREE = {"S1": {"father": "S2", "mother": "S3"}, "S5": {"father": "S2", "mother": "S6"},
            "S7": {"father": "S8", "mother": "S3"}}  # fmt: skip  # S7's trio was left out (not in mendel.tsv)


def write(path, *lines):
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def inputs(tmp_path):
    return {
        "truth_benchmark": [write(tmp_path / "S1.tsv", HEADER, SNV, INDEL),
                            write(tmp_path / "S4.tsv", HEADER, *NOT_CALLED)],
        "truth_files": TRUTH_FILES,
        "mendel": write(tmp_path / "mendel.tsv", MENDEL.rstrip("\n")),
        "pedigree": PEDIGREE,
    }  # fmt: skip


def test_benchmark_block_by_hand(inputs):
    stages = accuracy.read_stage_inputs(inputs)
    statuses, blocks = accuracy.stage_blocks("S1", "pass", stages)
    assert statuses["truth_benchmark"] == {"status": "reported", "reason": None}
    snv, indel = blocks["truth_benchmark"]["types"]
    assert (snv["truth"], snv["called"], snv["tp"], snv["fp"], snv["fn"]) == (48, 46, 44, 2, 4)
    assert (snv["precision"], snv["recall"], snv["f1"]) == (round(44 / 46, 4), round(44 / 48, 4), round(88 / 94, 4))
    assert (snv["gt_concordant"], snv["gt_concordance"]) == (43, round(43 / 44, 4))
    assert (indel["truth"], indel["called"], indel["tp"], indel["fp"], indel["fn"]) == (5, 4, 3, 1, 2)
    assert (indel["precision"], indel["recall"], indel["f1"], indel["gt_concordance"]) == (0.75, 0.6, 0.6667, 1.0)
    block = blocks["truth_benchmark"]
    assert (block["truth_vcf"], block["truth_bed"], block["caller"], block["scope"], block["note"]) == (
        "HG001_truth.vcf.gz", "confident.bed", "bcftools", "truth_bed+regions", None)  # fmt: skip


def test_truth_files_are_named_without_their_folders(inputs):
    inputs["truth_files"] = {"S1": {"vcf": "/data/giab/HG001_truth.vcf.gz", "bed": None}}
    _, blocks = accuracy.stage_blocks("S1", "pass", accuracy.read_stage_inputs(inputs))
    assert (blocks["truth_benchmark"]["truth_vcf"], blocks["truth_benchmark"]["truth_bed"]) == (
        "HG001_truth.vcf.gz", None)  # fmt: skip


def test_no_truth_set_is_not_run_and_an_uncalled_sample_has_no_result(inputs):
    stages = accuracy.read_stage_inputs(inputs)
    statuses, blocks = accuracy.stage_blocks("S2", "pass", stages)
    assert statuses["truth_benchmark"] == {"status": "not_run", "reason": accuracy.NO_TRUTH}
    assert blocks["truth_benchmark"] is None
    statuses, blocks = accuracy.stage_blocks("S4", "fail", stages)
    assert statuses["truth_benchmark"] == {"status": "no_result",
                                           "reason": "the sample failed QC and was not genotyped"}  # fmt: skip
    assert blocks["truth_benchmark"] is None


def test_mendel_blocks_of_child_parents_and_the_rest_by_hand(inputs):
    stages = accuracy.read_stage_inputs(inputs)
    trio_1 = {"child": "S1", "father": "S2", "mother": "S3", "sites_checked": 87, "errors": 0, "error_rate": 0.0}
    trio_5 = {"child": "S5", "father": "S2", "mother": "S6", "sites_checked": 200, "errors": 3, "error_rate": 0.015}
    mendel = {s: accuracy.stage_blocks(s, "pass", stages) for s in ("S1", "S2", "S3", "S7", "S8", "S9")}
    assert mendel["S1"][1]["mendel"] == {"as_child": trio_1, "as_parent": []}
    assert mendel["S2"][1]["mendel"] == {"as_child": None, "as_parent": [trio_1, trio_5]}  # father of both
    assert mendel["S3"][1]["mendel"] == {"as_child": None, "as_parent": [trio_1]}
    for sample in ("S7", "S8"):  # the sheet names S7's parents, but its trio is not in mendel.tsv
        assert mendel[sample][0]["mendel"] == {"status": "no_result", "reason": accuracy.TRIO_LEFT_OUT}
    assert mendel["S9"][0]["mendel"] == {"status": "not_run", "reason": accuracy.NO_PARENTS}
    assert mendel["S9"][1]["mendel"] is None


def test_no_mendel_table_means_no_parents(tmp_path):
    statuses, blocks = accuracy.stage_blocks("S1", "pass", accuracy.read_stage_inputs({}))
    assert statuses == {"truth_benchmark": {"status": "not_run", "reason": accuracy.NO_TRUTH},
                        "mendel": {"status": "not_run", "reason": accuracy.NO_PARENTS}}  # fmt: skip
    assert blocks == {"truth_benchmark": None, "mendel": None}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (SNV.replace("\t48\t", "\t47\t"), "snv row: truth must be tp \\+ fn and called tp \\+ fp"),
        (SNV.replace("\t46\t", "\t45\t"), "snv row: truth must be tp \\+ fn and called tp \\+ fp"),
        (SNV.replace("\t44\t2\t", "\tmany\t2\t"), "snv row: tp is 'many', not a count"),
        (SNV.replace("truth_bed+regions", "somewhere"), "the rows differ in column 'scope'"),
        (SNV.replace("S1", "S2", 1), "the rows differ in column 'sample'"),
    ],
)
def test_inconsistent_benchmark_tables_are_refused(tmp_path, row, message):
    path = write(tmp_path / "S1.tsv", HEADER, row, INDEL)
    with pytest.raises(InputError, match=message):
        accuracy.read_benchmark(path)


def test_a_table_without_the_indel_row_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"S1.tsv: expected one snv row and one indel row, found types \['snv'\]"):
        accuracy.read_benchmark(write(tmp_path / "S1.tsv", HEADER, SNV))


def report_of(sample, stages, verdict="pass"):
    statuses, blocks = accuracy.stage_blocks(sample, verdict, stages)
    return {"sample_id": sample, "sections": statuses, **blocks}


def words(blocks):
    """Every block as (kind, text or rows): rich text joined to plain strings."""
    out = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(("heading", block.text))
        elif isinstance(block, Para):
            out.append(("para", "".join(str(part) for part in block.text)))
        elif isinstance(block, Table):
            out.append(("table", block.header, block.rows))
    return out


def test_words_of_the_benchmark_by_hand(inputs):
    said = words(accuracy.benchmark_blocks(report_of("S1", accuracy.read_stage_inputs(inputs))))
    assert said[0] == ("heading", "Accuracy against the truth set")
    assert said[1][1].startswith("This sample's bcftools calls compared with its truth set HG001_truth.vcf.gz "
                                 "(confident regions confident.bed), inside the truth set's confident regions, "
                                 "within the calling regions.")  # fmt: skip
    assert said[2] == ("table", ["Variant type", "Truth variants", "True positives", "False positives",
                                 "False negatives", "Precision", "Recall", "F1"],
                       [["SNVs", "48", "44", "2", "4", "0.9565", "0.9167", "0.9362"],
                        ["Indels", "5", "3", "1", "2", "0.7500", "0.6000", "0.6667"]])  # fmt: skip
    # 43 / 44 = 0.97727 -> 97.7 %; the number and its unit joined by a no-break space
    assert said[3][1].endswith("SNVs 43 of 44 (97.7\u00a0%); Indels 3 of 3 (100\u00a0%).")


def test_words_of_the_absent_sections(inputs):
    stages = accuracy.read_stage_inputs(inputs)
    said = words(accuracy.blocks(report_of("S9", stages)))
    assert said == [("heading", "Accuracy against the truth set"),
                    ("para", "Not run: no truth set was given for this sample in the sample sheet."),
                    ("heading", "Mendelian consistency"),
                    ("para", f"Not run: {accuracy.NO_PARENTS}.")]  # fmt: skip
    said = words(accuracy.benchmark_blocks(report_of("S4", stages, "fail")))
    assert said[1] == ("para", "No result: the sample failed QC and was not genotyped.")


def test_words_of_mendel_for_a_child_and_a_parent(inputs):
    stages = accuracy.read_stage_inputs(inputs)
    child = words(accuracy.mendel_blocks(report_of("S1", stages)))
    assert child[1][1].startswith("Checked as the child of S2 (father) and S3 (mother). ")
    header = ["Child", "Father", "Mother", "Sites checked", "Mendelian errors", "Error rate"]
    assert child[2] == ("table", header, [["S1", "S2", "S3", "87", "0", "0\u00a0%"]])
    father = words(accuracy.mendel_blocks(report_of("S2", stages)))
    assert father[1][1].startswith("Checked as the father of S1 (mother S3). Checked as the father of S5 (mother S6). ")
    assert father[2] == ("table", header, [["S1", "S2", "S3", "87", "0", "0\u00a0%"], ["S5", "S2", "S6", "200", "3",
                                                                                  "1.5\u00a0%"]])  # fmt: skip
    mother = words(accuracy.mendel_blocks(report_of("S3", stages)))
    assert mother[1][1].startswith("Checked as the mother of S1 (father S2). ")


def test_blocks_fit_the_report_schema(inputs):
    schema = json.loads(SCHEMA.read_text())
    stages = accuracy.read_stage_inputs(inputs)
    for sample, verdict in (("S1", "pass"), ("S2", "pass"), ("S4", "fail"), ("S9", "pass")):
        statuses, blocks = accuracy.stage_blocks(sample, verdict, stages)
        for name in ("truth_benchmark", "mendel"):
            jsonschema.validate(statuses[name], {"$ref": "#/definitions/section_status", **schema})
            if blocks[name] is not None:
                jsonschema.validate(blocks[name], {"$ref": f"#/definitions/{name}", **schema})


def test_rendered_reports_show_the_blocks_and_stay_byte_stable(inputs, tmp_path):
    """The whole report job: S1 (truth set, child), S2 (father), S4 (failed QC, truth set given) and S3."""
    (tmp_path / "one").mkdir()
    job = make_batch(tmp_path / "one")
    rr.render_reports(**job, stage_inputs=inputs)
    reports = {s: json.loads(p.read_text()) for s, p in zip(QC, job["json_paths"], strict=True)}
    assert {s: r["report_version"] for s, r in reports.items()} == dict.fromkeys(QC, "2.2")
    assert reports["S1"]["truth_benchmark"]["types"][0]["tp"] == 44
    assert reports["S2"]["mendel"]["as_parent"][1]["errors"] == 3
    assert reports["S4"]["sections"]["truth_benchmark"]["status"] == "no_result"
    text = " ".join(" ".join(parse(job["html_paths"][0].read_text(encoding="utf-8")).text).split())
    assert "Accuracy against the truth set" in text and "HG001_truth.vcf.gz" in text and "0.9362" in text
    assert "Checked as the child of S2 (father) and S3 (mother)." in text
    qc_blocks = document(reports["S1"])[1].blocks  # the QC section ends with the two blocks
    mine = accuracy.blocks(reports["S1"])
    assert len(mine) == 7 and words(qc_blocks[-7:]) == words(mine)
    assert [b.text for b in qc_blocks if isinstance(b, Heading)][-2:] == ["Accuracy against the truth set",
                                                                         "Mendelian consistency"]  # fmt: skip
    assert str(tmp_path) not in job["json_paths"][0].read_text() + job["html_paths"][0].read_text()
    (tmp_path / "two").mkdir()
    again = make_batch(tmp_path / "two")
    rr.render_reports(**again, stage_inputs=inputs)
    for first, second in zip(job["json_paths"] + job["html_paths"], again["json_paths"] + again["html_paths"],
                             strict=True):  # fmt: skip
        assert first.read_bytes() == second.read_bytes()


def test_the_rule_passes_truth_file_names_and_the_trios_of_its_samples():
    truth = {"S1": {"vcf": "/data/giab/HG001.vcf.gz", "bed": "beds/confident.bed"}, "S9": {"vcf": "t.vcf", "bed": None}}
    assert report_stages.truth_file_names(truth, ["S1", "S2"]) == {
        "S1": {"vcf": "HG001.vcf.gz", "bed": "confident.bed"}}  # fmt: skip
    assert report_stages.trios_of(PEDIGREE, ["S6"]) == {"S5": {"father": "S2", "mother": "S6"}}
    assert report_stages.trios_of(PEDIGREE, ["S3"]) == {"S1": PEDIGREE["S1"], "S7": PEDIGREE["S7"]}
    assert report_stages.trios_of(PEDIGREE, ["S9"]) == {}
