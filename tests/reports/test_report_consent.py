"""Consent, date and sign-off parts of the per-sample report (scripts/reports/render_reports.py, panel_findings.py,
methods.py), on the hand-made batch of test_render_reports: S1 refuses secondary findings and polygenic scores, S3
refuses its APOE genotype (e3/e4 by construction of the sites VCF), S2 consents to everything.

Oracles: the strings that carry a refused section's result (its rsIDs, positions, genotype, score ID) written here
by hand; a refused section must leave none of them in the JSON, HTML or PDF text, and must say only "Not requested.".
"""

import json
import re
import shutil

import pytest
from test_render_reports import PANEL_DIR, QC, SCHEMA, full_page_text, make_batch, pdf_text, write_stage_outputs

from carrier.carrier_findings import write_carrier_findings
from common.input_error import InputError
from prs.polygenic_scores import write_polygenic_scores
from reports import render_reports as rr
from reports.report_date import report_date

CONSENT = {
    "S1": {"apoe": True, "secondary": False, "prs": False},
    "S2": {"apoe": True, "secondary": True, "prs": True},
    "S3": {"apoe": False, "secondary": True, "prs": True},
    "S4": {"apoe": True, "secondary": True, "prs": True},
}
RUN = {"report_date": "2026-12-05", "batch_id": "batch-test01", "regions": "target.bed"}
# What a refused section would print: its variants' IDs and positions (as the page writes them), its wording.
TRACES = {
    "apoe": ["rs429358", "rs7412", "44,908,684", "44,908,822", "e3/e4", "e4", "Alzheimer"],
    "risk_factors": ["rs6025", "rs1799963", "169,549,811", "46,739,505", "Leiden", "thrombophilia", "thrombosis"],
    "prs": ["PGS_TEST", "score.txt", "percentile", "polygenic score adds up"],
}


@pytest.fixture(scope="module")
def consented(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("consent")
    job = make_batch(tmp_path)
    stages = job["stage_inputs"] = write_stage_outputs(tmp_path / "stages")
    folder = tmp_path / "stages"
    write_carrier_findings(stages["sites_vcf"], PANEL_DIR / "carrier" / "carrier_panel.tsv", stages["carrier"],
                           folder / "carrier_findings.tsv", samples=list(QC), consent=CONSENT)  # fmt: skip
    write_polygenic_scores(folder / "prs_cohort.vcf", [folder / "score.txt"], "GRCh38", stages["prs_tsv"],
                           stages["prs_json"], min_overlap=0.5, not_requested=["S1"])  # fmt: skip
    job["pdf_paths"] = [tmp_path / "out" / f"{s}.pdf" if s in ("S1", "S3") else None for s in QC]
    job["run_info"] = RUN
    rr.render_reports(**job)
    return job


def texts(job, sample):
    """(JSON text, page text, PDF text or '') of one sample's report."""
    i = list(QC).index(sample)
    pdf = job["pdf_paths"][i]
    return job["json_paths"][i].read_text(), full_page_text(job, sample), " ".join(pdf_text(pdf).split()) if pdf else ""


@pytest.mark.parametrize(("sample", "refused"), [("S1", ("risk_factors", "prs")), ("S3", ("apoe",))])
def test_a_refused_section_leaves_no_trace_in_json_page_or_pdf(consented, sample, refused):
    report = json.loads(texts(consented, sample)[0])
    rr.validate_report(report, json.loads(SCHEMA.read_text()))
    for section in refused:
        assert report["sections"][section]["status"] == "not_requested"
        for text in texts(consented, sample):
            for trace in TRACES[section]:
                assert not re.search(rf"\b{re.escape(trace)}\b", text), (sample, section, trace)
    page = texts(consented, sample)[1]
    assert page.count("Not requested.") == len(refused) * 2  # the summary line and the section itself


def test_a_consenting_sample_keeps_every_section(consented):
    report = json.loads(texts(consented, "S2")[0])
    assert {report["sections"][s]["status"] for s in ("risk_factors", "apoe", "prs")} == {"reported"}
    s3_prs = json.loads(texts(consented, "S3")[0])["prs"][0]
    # S1 took no part in the reference distribution: S2 and S3 only
    assert s3_prs["reference"]["n_samples"] == 2 and s3_prs["distribution"]["n"] == 2


def test_the_batch_summary_marks_refused_sections(consented, tmp_path):
    from reports.batch_summary import COLUMNS, write_batch_summary

    samples = list(QC)
    write_batch_summary(consented["json_paths"], samples, tmp_path / "summary.tsv")
    lines = (tmp_path / "summary.tsv").read_text().splitlines()[1:]
    rows = {r[0]: dict(zip(COLUMNS, r)) for r in (line.split("\t") for line in lines)}
    assert (rows["S1"]["risk_factors_found"], rows["S1"]["prs_percentiles"]) == ("not_requested", "not_requested")
    assert rows["S3"]["apoe"] == "not_requested" and rows["S2"]["apoe"] != "not_requested"


def test_identifiers_methods_and_limitations_are_on_the_page(consented):
    report = json.loads(texts(consented, "S2")[0])
    assert (report["report_date"], report["batch_id"]) == ("2026-12-05", "batch-test01")
    assert report["methods"]["target"] == "target.bed" and report["methods"]["panel_min_depth"] == 8
    page = texts(consented, "S2")[1]
    for phrase in ("Report date2026-12-05", "Batchbatch-test01", "Methods and limitations",
                   "over the target regions of target.bed", "never as the reference",
                   "Carrier status: Only the listed variants are tested", "CYP2D6 (copy-number changes"):  # fmt: skip
        assert phrase in page, phrase
    # the limitations of a refused section are not listed either
    s3 = texts(consented, "S3")
    assert "APOE is read from two positions" not in s3[1] and "APOE is read from two positions" not in s3[2]


def test_provenance_is_condensed_to_what_a_reader_checks(consented):
    report = json.loads(texts(consented, "S1")[0])
    pdf = texts(consented, "S1")[2]
    assert report["provenance"]["record_sha256"] in pdf.replace(" ", "") or "Provenance record digest" in pdf
    # no per-file checksum table on the page: the sums stay in provenance.json (the JSON report keeps its inputs)
    assert "Input files" not in pdf and report["provenance"]["inputs"][0]["sha256"] not in pdf.replace(" ", "")


def test_report_date_from_config_source_date_epoch_or_today():
    import datetime

    assert report_date("2026-01-31", environ={}) == "2026-01-31"
    assert report_date(None, environ={"SOURCE_DATE_EPOCH": "1796428800"}) == "2026-12-05"  # date -u -d @1796428800
    now = datetime.datetime(2027, 3, 1, 23, 59, tzinfo=datetime.UTC)
    assert report_date(None, environ={}, now=now) == "2027-03-01"
    for bad in ("2026-02-30", "05/12/2026"):
        with pytest.raises(InputError, match=rf"config report.date '{re.escape(bad)}' is not a date"):
            report_date(bad, environ={})


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) are not installed")
def test_minus_strand_genotypes_read_on_the_coding_strand_in_the_pdf(consented):
    pdf = texts(consented, "S3")[2]
    # S3's F5 row (risk factors, consented): hom-ref on the minus strand reads G/G next to c.1601G>A, VCF C/C
    assert "c.1601G>A" in pdf and "G/G" in pdf and "chr1:169,549,811 C/C" in pdf
