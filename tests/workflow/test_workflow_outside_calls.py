"""The demo batch with an outside-call file for demo01 (sheet column pgx_outside_calls): the calls reach the batch
PGx tables, the report JSON and HTML, and the provenance; a malformed file stops the run before anything is written.

Expected values by hand:
- CYP2D6 *1/*41: activity values *1 1.0 + *41 0.25 (PharmCAT phenotype/CYP2D6.json) = 1.25, Normal Metabolizer
  (CPIC: 1.25 to 2.25, Caudle et al. 2020, PMID 31647186).
- HLA-B *57:01/*44:02: positive for *57:01, negative for PharmCAT's other alleles of interest *15:02 and *58:01.
- MT-RNR1 m.1555A>G: "increased risk of aminoglycoside-induced hearing loss" (PharmCAT phenotype/MT_RNR1.json).
- CYP2C19 *1/*1 Normal Metabolizer (CPIC) replaces genorisk's own demo01 call *1/*2 Intermediate Metabolizer (the
  planted demo genotype: tests/workflow/test_demo_panels.py).
"""

import csv
import hashlib
import json
from html.parser import HTMLParser

import pytest

from workflow_runner import demo_batch, snakemake

pytestmark = pytest.mark.workflow
OUTSIDE_LINES = ["# CYP2D6 from a dedicated caller, HLA-B from HLA typing", "CYP2D6\t*1/*41", "HLA-B\t*57:01/*44:02",
                 "MT-RNR1\tm.1555A>G", "CYP2C19\t*1/*1"]  # fmt: skip
INCREASED_RISK = "increased risk of aminoglycoside-induced hearing loss"
EXPECTED = {  # gene: (diplotypes, phenotype, activity score, replaced)
    "CYP2C19": (["*1/*1"], "Normal Metabolizer", None, True),
    "CYP2D6": (["*1/*41"], "Normal Metabolizer", 1.25, False),
    "HLA-B": (["*44:02/*57:01"], "*15:02 negative; *57:01 positive; *58:01 negative", None, False),
    "MT-RNR1": (["m.1555A>G"], INCREASED_RISK, None, False),
}


def with_outside_calls(workdir, lines):
    """The demo config in workdir/config/, demo01 given the outside-call file demo01.outside.tsv beside the sheet."""
    configfile = demo_batch(workdir)
    (configfile.parent / "demo01.outside.tsv").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    sheet = configfile.parent / "samples.tsv"
    rows = sheet.read_text().splitlines()
    rows = [rows[0] + "\tpgx_outside_calls"] + [r + ("\tdemo01.outside.tsv" if r.startswith("demo01\t") else "\t")
                                                 for r in rows[1:]]  # fmt: skip
    sheet.write_text("\n".join(rows) + "\n")
    return configfile


@pytest.fixture(scope="module")
def outside_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("outside")
    configfile = with_outside_calls(workdir, OUTSIDE_LINES)
    snakemake(workdir, "--cores", "2", configfile=configfile)
    return workdir


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def page_text(path):
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


def test_batch_tables_carry_the_outside_calls(outside_run):
    calls = json.loads((outside_run / "results/pgx/pgx_calls.json").read_text())
    demo01 = calls["demo01"]
    got = {g: (r["diplotypes"], r["phenotype"], r["activity_score"], r["replaced"])
           for g, r in demo01.items() if r.get("source") == "outside"}  # fmt: skip
    assert got == EXPECTED
    assert demo01["CYP2C19"]["replaced_call"]["diplotypes"] == ["*1/*2"]
    assert demo01["CYP2D6"]["lookup_key"] == {"CYP2D6": ["1.25"]}
    assert demo01["HLA-B"]["lookup_key"] == {"HLA-B": ["*15:02 negative", "*57:01 positive", "*58:01 negative"]}
    assert not [(s, g) for s in calls if s != "demo01" for g, r in calls[s].items() if "source" in r]
    rows = {(r["sample_id"], r["gene"]): r for r in csv.DictReader(open(outside_run / "results/pgx/pgx_calls.tsv"),
                                                                   delimiter="\t")}  # fmt: skip
    assert (rows["demo01", "CYP2D6"]["diplotypes"], rows["demo01", "CYP2D6"]["activity_score"]) == ("*1/*41", "1.25")
    assert rows["demo01", "CYP2C19"]["diplotypes"] == "*1/*1" and rows["demo02", "CYP2C19"]["diplotypes"] == "*2/*2"


def test_report_json_and_html_show_the_outside_calls(outside_run):
    report = json.loads((outside_run / "results/report/demo01.json").read_text())
    got = {g: (b["diplotypes"], b["phenotype"], b["activity_score"], b["replaced"])
           for g, b in report["pgx"].items() if b["source"] == "outside"}  # fmt: skip
    assert got == EXPECTED
    assert report["pgx"]["CYP2C19"]["warnings"] == [
        "an outside call replaces genorisk's own call (*1/*2, Intermediate Metabolizer)"]  # fmt: skip
    assert {b["source"] for g, b in report["pgx"].items() if g not in EXPECTED} == {"genorisk"}
    text = page_text(outside_run / "results/report/demo01.html")
    assert "CYP2C19 *1/*1 Normal Metabolizer \u2014 Called from an outside call; replaces genorisk's own call" in text
    assert "CYP2D6 *1/*41 Normal Metabolizer 1.25 Called from an outside call \u2014" in text
    assert f"MT-RNR1 m.1555A>G {INCREASED_RISK} \u2014 Called from an outside call \u2014" in text
    assert "From the sample's outside-call file: CYP2C19 (replacing genorisk's call), CYP2D6, HLA-B, MT-RNR1." in text
    assert "Gene copy-number changes are not tested from the sample's data (CYP2D6 is an outside call)." in text
    other = page_text(outside_run / "results/report/demo02.html")
    assert "In this report CYP2C19, CYP2D6, HLA-B, MT-RNR1 come from outside calls made by other tools" in text
    # demo02 has no outside-call file: no gene of its is from one (the guidance may say a gene had "no outside call")
    assert "from an outside call" not in other and "outside-call file:" not in other
    assert "CYP2D6 and gene copy-number changes are not tested." in other


def test_provenance_hashes_the_outside_call_file(outside_run):
    record = json.loads((outside_run / "results/provenance.json").read_text())
    digest = hashlib.sha256((outside_run / "config/demo01.outside.tsv").read_bytes()).hexdigest()
    rows = [i for i in record["inputs"] if i["role"] == "pgx_outside_calls"]
    assert [(r["sample_id"], r["sha256"]) for r in rows] == [("demo01", digest)]


def test_a_malformed_file_stops_the_run_before_anything_is_written(tmp_path):
    configfile = with_outside_calls(tmp_path, ["CYP2D6\t*1/*4\tNormal Metabolizer"])
    proc = snakemake(tmp_path, "--cores", "1", configfile=configfile, check=False)
    assert proc.returncode != 0
    assert ("samples.tsv row 1 (sample 'demo01'): column 'pgx_outside_calls': " in proc.stderr
            and "demo01.outside.tsv: line 1: CYP2D6: the diplotype *1/*4 gives Intermediate Metabolizer, but the "
            "line's phenotype is Normal Metabolizer" in proc.stderr), proc.stderr[-2000:]  # fmt: skip
    assert not (tmp_path / "results").exists() and not (tmp_path / "resources").exists()
