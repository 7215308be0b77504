"""Every script of benchmarks/ at its tiniest size, so that none can rot unnoticed: a smoke test of its code path
(it exits 0 and writes its JSON with the keys the README's tables are made from); no timing is asserted."""

import json
import subprocess
import sys

import pytest

from conftest import REPO, TESTDATA

pytestmark = pytest.mark.benchmark
BENCHMARKS = REPO / "benchmarks"


def run_benchmark(name, *args, cwd):
    proc = subprocess.run([sys.executable, str(BENCHMARKS / name), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=1200)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def test_every_benchmark_script_has_a_smoke_test():
    tested = {"af_scale.py", "calling_speed.py", "plan_scale.py", "report_stage.py"}
    helpers = {"bench_output.py"}
    assert {p.name for p in BENCHMARKS.glob("*.py")} - helpers == tested


def test_plan_scale(tmp_path):
    run_benchmark("plan_scale.py", 2, "--out", tmp_path / "out.json", cwd=tmp_path)
    rows = json.loads((tmp_path / "out.json").read_text())
    assert [r["samples"] for r in rows] == [2]
    assert {"samples", "jobs", "plan_seconds", "cpu_seconds", "peak_rss_mib"} <= set(rows[0]) and rows[0]["jobs"] > 0


def test_af_scale(tmp_path):
    run_benchmark("af_scale.py", 200, 10, "--out", tmp_path / "out.json", cwd=tmp_path)
    result = json.loads((tmp_path / "out.json").read_text())
    assert {"variants", "samples", "steps", "ratios", "store_mib"} <= set(result)
    assert result["records_checked_against_plink2"] == 200  # our AC/AN equal plink2's at every record
    steps = {s["step"] for s in result["steps"]}
    assert {"convert", "stats", "popgen", "tables", "plink2_vcf_freq", "fill_tags"} <= steps


def test_calling_speed(tmp_path):
    """One simulated 20 kb contig x 6 samples at 5x, bcftools, one chunk (the demo simulator's current API)."""
    run_benchmark("calling_speed.py", "--repeats", 1, "--sizes-mb", 0.02, "--depth", 5, "--no-trio", "--chunks", 1,
                  "--callers", "bcftools", "--out", tmp_path / "out.json", cwd=tmp_path)  # fmt: skip
    result = json.loads((tmp_path / "out.json").read_text())
    assert {"cores", "repeats", "workloads", "rows", "speedups", "break_even_mb"} <= set(result)
    assert [w["name"] for w in result["workloads"]] == ["sim_0.02mb_5x"]
    (row,) = result["rows"]
    assert row["caller"] == "bcftools" and row["chunks"] == 1
    assert {"workflow_s", "workflow_plan_s", "bare_s", "bare_gather_s", "ratio_vs_bare_gather"} <= set(row)


def test_report_stage(tmp_path):
    """3 of the 1000 Genomes VCF rows, 2 per report job; --before HEAD runs the scratch-clone path too, and the same
    code must give the same report bytes."""
    if not (TESTDATA / "1000g_30x_3202_chr22_16.57-16.61Mb_grch38").is_dir():
        pytest.skip("the 1000 Genomes test data is absent")
    run_benchmark("report_stage.py", "--samples", 3, "--samples-per-job", 2, "--before", "HEAD", "--out",
                  tmp_path / "out.json", cwd=tmp_path)  # fmt: skip
    result = json.loads((tmp_path / "out.json").read_text())
    assert {"samples", "samples_per_job", "runs", "baseline", "identical_reports", "n_report_files"} <= set(result)
    assert [r["report_jobs"] for r in result["runs"]] == [2, 2]
    assert all(r["max_job_rss_mib"] > 0 for r in result["runs"])
    assert result["baseline"]["wall_s"] >= 0 and result["baseline"]["max_rss_mib"] > 0
    assert result["identical_reports"] is True
    assert result["n_report_files"] == 3 * 3 + 2  # JSON, HTML and PDF per sample, batch_summary.tsv, report_date.txt
