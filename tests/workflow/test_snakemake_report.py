"""`snakemake --report` on the demo batch: the Snakefile's workflow description, every result marked with report() in
the rules under its category, subcategory and labels, captions with this run's settings; the results embedded as they
are; the page renders in headless Chromium; and the batch folder is left as it was (the report only reads it).

Reads the session's shared demo run (tests/conftest.py) with the same --snakefile/--directory/--configfile as the run
(workflow_runner.snakemake), writing the report outside the folder. Oracles: the demo's files themselves, the demo
config's settings, the rendered page.
"""

import base64
import json
import re

import numpy as np
import pytest
from matplotlib.image import imread
from test_render_reports import CHROMIUM, run_chromium

from workflow_runner import snakemake

pytestmark = pytest.mark.workflow
SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]
# {category: {subcategory: results}} as the rules mark them (results the demo makes).
EXPECTED = {
    "Quality control": {
        "Alignments": ["results/qc/batch_qc.tsv", "results/qc/multiqc.html"],
        "Trios": ["results/qc/mendel.tsv"],
    },
    "Allele frequencies": {
        "Cohort": ["results/af/af_spectrum.png"],
        "Samples": ["results/af/heterozygosity_call_rate.png"],
    },
    "Population structure": {"Ancestry": ["results/af/pca.png"], "Relatedness": ["results/af/kinship.png"]},
    "Batch summary": {"Findings": ["results/report/batch_summary.tsv"], "Run": ["results/run_summary.json"]},
    "Sample reports": {"HTML": [f"results/report/{s}.html" for s in SAMPLES]},
}


def snapshot(folder):
    """{path: (size, mtime_ns)} of every file under the batch folder's results/ and logs/."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for top in ("results", "logs")
        for p in sorted((folder / top).rglob("*"))
        if p.is_file()
    }


def script_variable(html, name):
    """The JSON value of `var NAME = ...;` in the report's <script id="NAME"> block."""
    start = re.search(rf'<script id="{name}">\s*var {name} = ', html).end()
    return json.JSONDecoder().raw_decode(html, start)[0]


@pytest.fixture(scope="module")
def report(shared_demo, tmp_path_factory):
    folder, configfile = shared_demo
    before = snapshot(folder)
    path = tmp_path_factory.mktemp("snakemake_report") / "report.html"
    proc = snakemake(folder, "--report", str(path), configfile=configfile)
    html = path.read_text(encoding="utf-8")
    return {"folder": folder, "path": path, "html": html, "proc": proc, "before": before, "after": snapshot(folder),
            "results": script_variable(html, "results"), "categories": script_variable(html, "categories")}  # fmt: skip


def test_report_leaves_the_batch_as_it_was(report):
    assert "Report created" in report["proc"].stderr
    assert not re.search(r"^rule \w+:", report["proc"].stderr, re.M)  # no job ran
    assert report["after"] == report["before"]


def test_every_marked_result_is_under_its_category(report):
    shown = {cat: {sub: sorted(paths) for sub, paths in subs.items()} for cat, subs in report["categories"].items()}
    assert shown == {cat: {sub: sorted(paths) for sub, paths in subs.items()} for cat, subs in EXPECTED.items()}
    results = report["results"]
    assert results["results/qc/batch_qc.tsv"]["labels"] == {"name": "QC verdicts", "type": "table"}
    assert results["results/report/demo03.html"]["labels"] == {"name": "demo03", "type": "report"}


def test_captions_quote_this_runs_settings(report):
    captions = {path: entry["caption"] for path, entry in report["results"].items()}
    # The demo config leaves the QC thresholds at the schema defaults and sets structure.min_sites to 250.
    assert "mean depth warn below 15x, fail below\n5x" in captions["results/qc/batch_qc.tsv"]
    assert "at least 0.65 and it is typed at no fewer than\n250 of the panel" in captions["results/af/pca.png"]
    assert "fewer than 1000 sites" in captions["results/af/kinship.png"]
    assert "MultiQC 1.35" in captions["results/qc/multiqc.html"]
    assert all(caption.startswith("<p>") for caption in captions.values())
    assert "genorisk turns a batch of sequencing samples" in report["html"]  # the Snakefile's report: description
    assert re.search(r"scattered over 2 genomic chunk\(s\), with\s+bcftools", report["html"].replace("\\n", "\n"))


def test_results_are_embedded_unchanged(report):
    for path in ("results/qc/multiqc.html", "results/af/pca.png", "results/report/demo01.html"):
        uri = report["results"][path]["data_uri"]
        assert uri.startswith("data:") and ";base64," in uri
        assert base64.b64decode(uri.split(";base64,", 1)[1]) == (report["folder"] / path).read_bytes(), path


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_report_renders_in_headless_chromium(report, tmp_path):
    page = f"file://{report['path'].resolve()}"
    wait = "--virtual-time-budget=15000"  # the report is a JavaScript application drawn after loading
    dom = run_chromium(tmp_path / "profile", wait, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    navigation = re.findall(r">(Quality control|Allele frequencies|Population structure|Batch summary|Sample reports)<",
                            dom.stdout)  # fmt: skip
    assert sorted(set(navigation)) == sorted(EXPECTED)
    assert "genorisk turns a batch of sequencing samples" in dom.stdout
    shot = tmp_path / "snakemake_report.png"
    proc = run_chromium(tmp_path / "profile", wait, f"--screenshot={shot}", "--window-size=1400,1600", page)
    assert proc.returncode == 0, proc.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (1600, 1400)
    dark = (pixels.mean(axis=2) < 0.5).mean()  # text of the description and the navigation
    coloured = (np.ptp(pixels, axis=2) > 0.3).mean()  # the rule graph's coloured nodes, the folder icons
    assert dark > 0.005 and coloured > 0.0005, (dark, coloured)
