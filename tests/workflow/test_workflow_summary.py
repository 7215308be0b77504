"""The end of a real run where three of four samples fail QC: results/run_summary.json, the last lines Snakemake
prints, and the exit status (0 by default, non-zero with qc.fail_batch_on: fail).

The four GIAB/CEPH BAMs (../shared/testdata/giab_ceph_trio_hg002_chr20_grch37, PROVENANCE.md) over the window their
reads cover. Duplicate rates measured by the workflow's QC on that window: HG001 13.2%, NA12891 14.9%, NA12892 11.9%,
HG002 1.3%; with max_duplicate_rate {warn: 1%, fail: 10%} three fail and HG002 warns.
"""

import csv
import json
import re
import shlex
import subprocess

import pytest

from trio_data import TRIO_BAMS, trio_folder
from workflow_runner import REPO, SNAKEMAKE, snakemake

pytestmark = pytest.mark.workflow
QC = "qc: {max_duplicate_rate: {warn: 0.01, fail: 0.1}%s}"


def write_batch(batch, data):
    (batch / "window.bed").write_text("20\t9999999\t10010000\n")
    rows = "".join(f"{s}\t{data / p}\n" for s, p in TRIO_BAMS.items())
    (batch / "samples.tsv").write_text("sample_id\talignment\n" + rows)
    common = (
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        "structure:\n  panel: none\n"
        "regions: window.bed\ncalling: {chunks: 1}\n"
    )
    (batch / "config.yaml").write_text(common + QC % "" + "\n")
    (batch / "config_fail.yaml").write_text(common + QC % ", fail_batch_on: fail" + "\n")


@pytest.fixture(scope="module")
def failing_batch(tmp_path_factory):
    batch = tmp_path_factory.mktemp("failing_batch")
    write_batch(batch, trio_folder())
    default = snakemake(batch, "--cores", "2", configfile=batch / "config.yaml", check=False)
    up_to_date = subprocess.run([*readme_command(), "-n"], cwd=batch, capture_output=True, text=True, timeout=300)
    profile = str(REPO / "workflow/profiles/local")  # retries: 1, keep-going
    gated = snakemake(
        batch, "--cores", "2", "--workflow-profile", profile, configfile=batch / "config_fail.yaml", check=False
    )
    return batch, default, up_to_date, gated


def readme_command():
    """The README's "Running your own batch" snakemake command (run in the batch folder), $G = this checkout."""
    text = (REPO / "README.md").read_text().split("## Running your own batch", 1)[1]
    command = re.search(r"^ +(\$G/\.venv/bin/snakemake .*?)\n\n", text, flags=re.MULTILINE | re.DOTALL).group(1)
    words = shlex.split(command.replace("\\\n", " "))
    return [SNAKEMAKE, *(w.replace("$G", str(REPO)) for w in words[1:])]


def table_verdicts(batch):
    """(verdict counts, failed ids, in-cohort count) counted from batch_qc.tsv with the csv module."""
    with open(batch / "results/qc/batch_qc.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("pass", "warn", "fail", "not_applicable")}
    return counts, [r["sample_id"] for r in rows if r["verdict"] == "fail"], sum(r["in_cohort"] == "yes" for r in rows)


def genorisk_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("genorisk: ")]


def test_summary_counts_equal_the_batch_qc_table(failing_batch):
    batch, default, *_ = failing_batch
    assert default.returncode == 0, default.stderr[-3000:]
    counts, failed, in_cohort = table_verdicts(batch)
    assert failed == ["HG001", "NA12891", "NA12892"] and counts["warn"] == 1
    summary = json.loads((batch / "results/run_summary.json").read_text())
    assert {k: summary["samples"][k] for k in counts} == counts
    assert summary["samples"]["in_cohort"] == in_cohort == 1
    assert summary["failed_samples"] == failed
    assert summary["reports"] == "results/report"
    assert summary["refused"]["scores"] == {}
    assert summary["refused"]["stages"]["prs"] == "no polygenic score was configured (pgs.scoring_files is empty)"
    assert str(batch) not in (batch / "results/run_summary.json").read_text()


def test_last_lines_summarise_the_batch_and_exit_zero(failing_batch):
    batch, default, *_ = failing_batch
    tail = default.stderr.splitlines()[-14:]
    assert genorisk_lines("\n".join(tail)) == [
        "genorisk: batch of 4 samples: 0 pass, 1 warn, 3 fail QC; 1 in the cohort calls",
        "genorisk: FAILED QC, kept out of the cohort calls: HG001, NA12891, NA12892 (reasons: results/qc/batch_qc.tsv)",
        "genorisk: QC warnings: HG002",
        "genorisk: not run in this batch: ancestry, apoe, carrier, clinvar, panel_qc, pgx, pgx_guidance, prs, "
        "risk_factors (why: results/run_summary.json and each report)",
        "genorisk: reports: results/report/ (batch table results/report/batch_summary.tsv); summary: "
        "results/run_summary.json",
        "genorisk: finished: exit status 0, but 3 of 4 samples failed QC",
    ]
    assert "Traceback" not in default.stderr


def test_the_local_profile_prints_one_line_per_finished_job(failing_batch):
    batch, _, _, gated = failing_batch
    done = re.findall(r"^\[\d\d:\d\d:\d\d\] (\d+) of \d+ steps \(\d+%\) done: (.+)$", gated.stderr, re.M)
    assert [int(n) for n, _ in done] == list(range(1, len(done) + 1)), gated.stderr[-3000:]
    assert "run_summary" in [job for _, job in done]
    assert not re.search(r"^(local)?rule \w+:$|^Shell command|^Finished jobid|^Select jobs", gated.stderr, re.M)
    # Snakemake's complete log of the run (the newest) keeps the job blocks the terminal leaves out
    complete = max((batch / ".snakemake/log").glob("*.snakemake.log"), key=lambda path: path.stat().st_mtime)
    assert "localrule run_summary:" in complete.read_text().splitlines()


def test_summary_is_in_the_manifest_and_a_finished_run_has_nothing_left_to_do(failing_batch):
    batch, _, up_to_date, _ = failing_batch
    assert "  results/run_summary.json\n" in (batch / "results/manifest.sha256").read_text()
    # the README's command, run in the batch folder, takes the local profile and finds the finished run up to date
    shown = up_to_date.stdout + up_to_date.stderr
    assert f"Using workflow specific profile {REPO}/workflow/profiles/local for setting default" in shown
    assert "Nothing to be done" in shown and up_to_date.returncode == 0


def test_fail_batch_on_fail_exits_non_zero_after_writing_every_result(failing_batch):
    batch, _, _, gated = failing_batch
    assert gated.returncode != 0
    assert gated.stderr.count("Error in rule qc_gate:") == 1  # not retried, although the local profile retries jobs
    assert "ERROR 3 of 4 samples failed QC (HG001, NA12891, NA12892) and qc.fail_batch_on is fail" in gated.stderr
    # the failed job's log, in Snakemake's error block and again in the end-of-run lines, above the exit line
    assert "    log: logs/summary/qc_gate.log (check log file(s) for error details)" in gated.stderr.splitlines()
    assert genorisk_lines(gated.stderr)[-2:-1] == ["genorisk: job qc_gate failed; its log: logs/summary/qc_gate.log"]
    assert genorisk_lines(gated.stderr)[-1].startswith(
        "genorisk: exit status non-zero: 3 of 4 samples failed QC and qc.fail_batch_on is fail"
    )
    assert json.loads((batch / "results/run_summary.json").read_text())["fail_batch_on"] == "fail"
    assert (batch / "results/manifest.sha256").stat().st_mtime >= (batch / "results/run_summary.json").stat().st_mtime
    assert not (batch / ".genorisk/qc_gate.ok").exists()
    assert "Traceback" not in gated.stderr
