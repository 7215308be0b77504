"""The demo batch's MultiQC report (rule multiqc, scripts/qc/multiqc_report.py): made by default, names every demo
sample and our sections, renders in headless Chromium, holds no path or time of the run; qc.multiqc: false leaves it
(and bcftools stats) out of the plan.

Reads the session's shared demo run (tests/conftest.py) and does not change it. Oracles: the demo's sheet (sample
IDs), the batch QC table the workflow wrote (verdicts), samtools' and bcftools' version lines, the rendered page.
Byte-identical reruns are checked with every other result in test_reproducible_runs.py.
"""

import csv
import re
import subprocess

import numpy as np
import pytest
from matplotlib.image import imread
from test_render_reports import CHROMIUM, run_chromium

from workflow_runner import REPO, demo_batch, snakemake

pytestmark = pytest.mark.workflow
SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]
# Section anchors: ours (custom content) in report order, then MultiQC's modules.
OUR_SECTIONS = ["genorisk_qc_verdicts", "genorisk_call_rates", "genorisk_af_samples", "genorisk_af_spectrum"]
MODULES = ["bcftools", "samtools", "multiqc_software_versions"]


@pytest.fixture(scope="module")
def report(shared_demo):
    folder, _ = shared_demo
    html = folder / "results" / "qc" / "multiqc.html"
    return {"folder": folder, "html": html, "text": html.read_text(encoding="utf-8"),
            "data": folder / "results" / "qc" / "multiqc_data"}  # fmt: skip


def table(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_report_has_our_sections_then_multiqcs_and_names_every_sample(report):
    text = report["text"]
    anchors = re.findall(r'id="mqc-module-section-([A-Za-z0-9_]+)"', text)
    assert anchors == OUR_SECTIONS + MODULES
    for title in ("QC verdicts", "Call rates", "Allele frequencies: samples", "Allele frequency spectrum"):
        assert f">{title}<" in text
    assert [s for s in SAMPLES if s not in text] == []
    assert "batch-" in text and "Research use only" in text


def test_multiqc_read_every_alignment_and_the_cohort_calls(report):
    general = {row["Sample"]: row for row in table(report["data"] / "multiqc_general_stats.txt")}
    assert sorted(general) == sorted([*SAMPLES, "cohort_bcftools"])
    for sample in SAMPLES:  # samtools stats and flagstat of every alignment, each read count the demo simulated
        assert float(general[sample]["samtools_stats-raw_total_sequences"]) > 0.1, sample
        assert general[sample]["samtools_flagstat-mapped_passed_pct"] == "100.0", sample
    assert sorted(row["Sample"] for row in table(report["data"] / "multiqc_samtools_idxstats.txt")) == SAMPLES
    cohort = general["cohort_bcftools"]
    vcf = report["folder"] / "results" / "calls" / "bcftools" / "cohort.vcf.gz"
    records = subprocess.run(["bcftools", "index", "-n", vcf], capture_output=True, text=True, check=True).stdout
    assert cohort["bcftools_stats-number_of_records"] == records.strip()


def test_qc_verdicts_are_the_batch_tables(report):
    shown = {row["Sample"]: row for row in table(report["data"] / "multiqc_genorisk_qc_verdicts_table.txt")}
    batch = table(report["folder"] / "results" / "qc" / "batch_qc.tsv")
    assert list(shown) == [row["sample_id"] for row in batch] == SAMPLES
    for row in batch:
        assert shown[row["sample_id"]]["verdict"] == row["verdict"]
        assert float(shown[row["sample_id"]]["mean_depth"]) == float(row["mean_depth"])
    spectrum = table(report["data"] / "multiqc_genorisk_af_spectrum_plot.txt")
    assert [row["Sample"] for row in spectrum] == ["all samples", "population popA", "population popB"]
    variants = len(table(report["folder"] / "results" / "af" / "variants.tsv"))
    assert [sum(int(v) for k, v in row.items() if k != "Sample") for row in spectrum] == [variants] * 3


def test_versions_are_listed(report):
    # One row per group (MultiQC's own from the tools' output headers, ours from the provenance), one column per tool.
    rows = {row["Sample"]: row for row in table(report["data"] / "multiqc_software_versions.txt")}
    samtools = subprocess.run(["samtools", "--version"], capture_output=True).stdout.split()[1].decode()
    bcftools = subprocess.run(["bcftools", "--version"], capture_output=True).stdout.split()[1].decode()
    assert rows["Samtools"]["Samtools"] == rows["Tools"]["samtools"] == samtools
    assert rows["Bcftools"]["Bcftools"] == rows["Tools"]["bcftools"] == bcftools
    assert rows["genorisk"]["genorisk"] == (REPO / "VERSION").read_text().strip()
    assert rows["Python packages"]["multiqc"] == "1.35"


def test_no_section_for_what_the_demo_lacks(report):
    # The demo sheet has no truth sets and no trios: no empty truth or Mendel tables.
    assert "genorisk_truth" not in report["text"] and "genorisk_mendel" not in report["text"]


def test_report_holds_no_path_or_time_of_the_run(report):
    text = report["text"]
    assert str(report["folder"]) not in text and "/tmp/" not in text
    assert 'configCreationDate = "05 Dec 2026";' in text  # the batch's report date (workflow_runner's fixed epoch)
    kept = sorted(p.name for p in report["data"].iterdir() if not p.name.startswith("."))
    assert "multiqc.log" not in kept and "multiqc_data.json" not in kept and "multiqc_sources.txt" not in kept
    for path in report["data"].iterdir():
        assert str(report["folder"]) not in path.read_text(errors="replace"), path.name


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_report_renders_in_headless_chromium(report, tmp_path):
    page = f"file://{report['html'].resolve()}"
    wait = "--virtual-time-budget=15000"  # MultiQC draws its plots with JavaScript after the page loads
    dom = run_chromium(tmp_path / "profile", wait, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The spectrum's group names are only in the compressed plot data: in the page once plotly has drawn it.
    assert "population popA" not in report["text"] and "population popA" in dom.stdout
    assert re.search(r'id="genorisk_af_spectrum_plot" class="[^"]*js-plotly-plot', dom.stdout)
    shot = tmp_path / "multiqc.png"
    proc = run_chromium(tmp_path / "profile", wait, f"--screenshot={shot}", "--window-size=1400,2400", page)
    assert proc.returncode == 0, proc.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1400)
    coloured = (np.ptp(pixels, axis=2) > 0.3).mean()  # the verdict badges, the table bars, the spectrum's bars
    assert coloured > 0.01, coloured


def test_qc_multiqc_false_plans_no_multiqc_and_no_bcftools_stats(tmp_path):
    configfile = demo_batch(tmp_path)
    off = configfile.with_name("config_off.yaml")
    off.write_text(configfile.read_text() + "qc:\n  multiqc: false\n")
    plans = {name: snakemake(tmp_path, "-n", "--quiet", "rules", configfile=path).stdout
             for name, path in (("default", configfile), ("off", off))}  # fmt: skip
    for rule in ("multiqc", "bcftools_stats"):
        assert re.search(rf"^{rule}\s+1$", plans["default"], re.M), plans["default"]
        assert not re.search(rf"^{rule}\s", plans["off"], re.M), plans["off"]
