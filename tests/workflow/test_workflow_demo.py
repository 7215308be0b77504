"""The whole workflow on the simulated demo batch: outputs exist, the known truth is called, reports render."""

import base64
import csv
import json
import re
import subprocess
from html.parser import HTMLParser

import pytest

from workflow_runner import query, snakemake

pytestmark = pytest.mark.workflow
SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]


@pytest.fixture(scope="module")
def demo_run(shared_demo):
    return shared_demo


def genotypes(vcf, samples, *args):
    """{(chrom, pos, ref, alt): {sample: GT}} with unphased GTs."""
    out = {}
    for line in query(vcf, "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n", "-s", ",".join(samples), *args):
        f = line.split("\t")
        out[tuple(f[:4])] = dict(zip(samples, (g.replace("|", "/") for g in f[4:])))
    return out


def test_every_stable_output_exists(demo_run):
    workdir, _ = demo_run
    expected = ["results/qc/batch_qc.tsv", "results/af/variants.tsv", "results/af/samples.tsv"]
    expected += [f"results/calls/bcftools/cohort.vcf.gz{ext}" for ext in ("", ".tbi")]
    expected += [f"results/qc/{s}.qc.json" for s in SAMPLES]
    expected += [f"results/report/{s}.{ext}" for s in SAMPLES for ext in ("json", "html", "pdf")]
    expected += ["results/report/batch_summary.tsv"]
    missing = [p for p in expected if not (workdir / p).is_file()]
    assert not missing


def test_batch_qc_passes_every_demo_sample(demo_run):
    workdir, _ = demo_run
    rows = list(csv.DictReader(open(workdir / "results/qc/batch_qc.tsv"), delimiter="\t"))
    assert [r["sample_id"] for r in rows] == SAMPLES
    assert {r["verdict"] for r in rows} <= {"pass", "warn"} and {r["in_cohort"] for r in rows} == {"yes"}
    for row in rows:  # the simulator aims at ~25x over its windows (regions.bed: their cores)
        assert 18 <= float(row["mean_depth"]) <= 32, row


def test_cohort_columns_are_sample_ids_whatever_the_read_groups_say(demo_run):
    workdir, _ = demo_run
    names = subprocess.run(["bcftools", "query", "-l", str(workdir / "results/calls/bcftools/cohort.vcf.gz")],
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    assert names == SAMPLES


def test_demo_truth_snvs_are_called_with_the_right_genotypes(demo_run):
    workdir, _ = demo_run
    truth = genotypes(workdir / "resources/demo/truth.vcf.gz", SAMPLES, "-i", 'TYPE="snp"')
    called = genotypes(workdir / "results/calls/bcftools/cohort.vcf.gz", SAMPLES, "-i", 'TYPE="snp"')
    assert len(truth) >= 30
    missed = [k for k in truth if k not in called]
    assert not missed
    wrong = [(k, s, truth[k][s], called[k][s]) for k in truth for s in SAMPLES if truth[k][s] != called[k][s]]
    assert not wrong
    false_pos = [k for k in called if k not in truth]
    assert not false_pos


def test_demo_truth_indels_are_called(demo_run):
    workdir, _ = demo_run
    truth = genotypes(workdir / "resources/demo/truth.vcf.gz", SAMPLES, "-i", 'TYPE="indel"')
    called = genotypes(workdir / "results/calls/bcftools/cohort.vcf.gz", SAMPLES, "-i", 'TYPE="indel"')
    assert len(truth) >= 5
    assert [k for k in truth if k not in called] == []


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.external = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            # a resource the page would load from elsewhere; a link the reader may follow (<a href>) is not one
            if (name == "src" or (name == "href" and tag != "a")) and value and re.match(r"(https?:)?//", value):
                self.external.append(value)
            if tag == "img" and name == "src" and value.startswith("data:image/png;base64,"):
                self.images.append(base64.b64decode(value.split(",", 1)[1]))


@pytest.mark.parametrize("sample", SAMPLES)
def test_reports_are_self_contained_html_with_figures(demo_run, sample):
    workdir, _ = demo_run
    html = (workdir / f"results/report/{sample}.html").read_text()
    parser = _Images()
    parser.feed(html)
    assert html.lstrip().lower().startswith("<!doctype html")
    assert parser.external == []
    assert len(parser.images) >= 2 and all(img.startswith(b"\x89PNG\r\n\x1a\n") for img in parser.images)
    assert sample in html
    report = json.loads((workdir / f"results/report/{sample}.json").read_text())
    assert report["sample_id"] == sample
    assert str(workdir) not in html and str(workdir) not in json.dumps(report)


def test_a_finished_run_has_nothing_left_to_do(demo_run):
    workdir, configfile = demo_run
    proc = snakemake(workdir, "-n", "--cores", "2", configfile=configfile)
    assert "Nothing to be done" in proc.stdout + proc.stderr
