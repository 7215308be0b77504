"""The report stage on the 1000 Genomes batch: wall time and peak memory per job, before and after a change.

Workload: the first --samples sample IDs of the 1000 Genomes phase-3 panel (default all 2,504 unrelated samples) as
VCF rows of one sheet, every row pointing at the 3,202-sample 30x chr22 window
(../shared/testdata/1000g_30x_3202_chr22_16.57-16.61Mb_grch38, 903 SNVs) with the chr22 reference of
nfcore_na12878_chr22_grch38: the batch of tests/workflow/test_workflow_vcf_panel.py without its edited row. The
stages before
the reports run once, untimed (with the code of the first checkout). Then, for each checkout (this repository, and
with --before REV also REV, in a scratch clone), from a clean results/report/:
- stage: `snakemake --cores 2 results/report/batch_summary.tsv` (every report job, and whatever the checkout runs
  between the shared upstream outputs and the reports, e.g. the once-per-batch genotype counts); wall time;
- per job: wall seconds and max RSS from the rules' own benchmark files (logs/benchmarks/report/part_*.tsv, plus any
  other job of the stage);
- baseline, the bare tool over the same cohort: `bcftools stats -s -` on the cohort VCF (wall, max RSS via wait4);
- identity: the SHA-256 of every file of results/report/ compared between the checkouts.
Prints a table; writes JSON (default benchmarks/out/report_stage.json).
With --report-jobs N only the first N report jobs run (the whole stage with the old code takes ~50 min here); the
stage is then estimated as the once-per-batch jobs plus every report job at the measured mean, as many at a time as
their threads leave cores free.
Usage: .venv/bin/python benchmarks/report_stage.py [--samples 2504] [--samples-per-job 50] [--before REV]
       [--report-jobs N] [--batch DIR (kept, reused)] [--out FILE]
"""

import argparse
import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_output import OUT, write_json

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TESTDATA = REPO.parent / "shared" / "testdata"
PANEL = TESTDATA / "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
CHR22 = TESTDATA / "nfcore_na12878_chr22_grch38" / "derived" / "chr22_padded.fa.gz"
COHORT = "results/calls/bcftools/cohort.vcf.gz"
TARGET = "results/report/batch_summary.tsv"
CORES = 2
MIB = 1024 * 1024


def make_batch(folder, n_samples, per_job):
    """samples.tsv (n_samples VCF rows) and config.yaml in folder; returns the config path."""
    ids = [line.split("\t")[0] for line in (PANEL / "integrated_call_samples_v3.20130502.ALL.panel").read_text()
           .splitlines()[1:]][:n_samples]  # fmt: skip
    vcf = PANEL / "1000GP.chr22.vcf.gz"
    sheet = "sample_id\tvcf\tvcf_sample\n" + "".join(f"P_{i}\t{vcf}\t{i}\n" for i in ids)
    config = f"samples: samples.tsv\nreference: {CHR22}\nbuild: GRCh38\nreport: {{samples_per_job: {per_job}}}\n"
    for path, text in ((folder / "samples.tsv", sheet), (folder / "config.yaml", config)):
        if not path.exists() or path.read_text() != text:  # a reused batch keeps its files' times (no rerun)
            path.write_text(text)
    return folder / "config.yaml"


def snakemake(checkout, folder, *args):
    cmd = [SNAKEMAKE, "--snakefile", str(checkout / "Snakefile"), "--directory", str(folder),
           "--configfile", str(folder / "config.yaml"), "--cores", str(CORES), *args]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"snakemake failed ({proc.returncode}): {' '.join(args)}\n{proc.stderr[-3000:]}")
    return proc


def stage_rules(checkout, folder):
    """Rules of the report stage in this checkout: every rule that runs between the shared upstream outputs and the
    reports (the render_reports_* parts, batch_summary, and genotype_counts where the checkout has it)."""
    listed = snakemake(checkout, folder, "--list-rules").stdout.split()
    return [r for r in listed if r.startswith("render_reports_") or r in ("batch_summary", "genotype_counts")]


def prepare(checkout, folder):
    """Run everything the report stage reads, untimed (the stage's own rules left out)."""
    snakemake(checkout, folder, TARGET, "--rerun-triggers", "mtime", "--omit-from", *stage_rules(checkout, folder))


def yaml_value(path, key):
    """The value of `key` in the config make_batch wrote (one flow mapping per line, no YAML parser needed)."""
    for line in path.read_text().splitlines():
        if f"{key}:" in line:
            return line.split(f"{key}:")[1].strip(" }")
    raise KeyError(key)


def measured(cmd, **kwargs):
    """(wall seconds, max RSS MiB of the process) of one command; its stdout is discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return round(wall, 3), round(usage.ru_maxrss / 1024, 1)  # ru_maxrss is in KiB on Linux


# Where the rules' benchmark files are: logs/benchmarks/ since 2026-12-05, benchmarks/ in older revisions (--before).
BENCHMARK_DIRS = ("logs/benchmarks", "benchmarks")


def _benchmark_file(folder, name):
    paths = [folder / top / name for top in BENCHMARK_DIRS]
    return next((p for p in paths if p.exists()), paths[0])


def job_benchmarks(folder, rules):
    """[{rule, s, max_rss_mib}] of the stage's jobs from the rule benchmark files (BENCHMARK_DIRS/<stage>/...)."""
    files = {"genotype_counts": _benchmark_file(folder, "af/genotype_counts.tsv"),
             "batch_summary": _benchmark_file(folder, "report/batch_summary.tsv")}  # fmt: skip
    for rule in rules:
        if rule.startswith("render_reports_"):
            files[rule] = _benchmark_file(folder, f"report/part_{rule.rsplit('_', 1)[1]}.tsv")
    jobs = []
    for rule, path in files.items():
        if rule in rules and path.exists():
            row = next(csv.DictReader(path.open(), delimiter="\t"))
            rss = row.get("max_rss", "NA")
            jobs.append({"rule": rule, "s": float(row["s"]), "max_rss_mib": None if rss == "NA" else float(rss)})
    return jobs


def report_hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((folder / "results/report").iterdir())}


def report_threads(folder):
    """The threads of the report jobs of the latest run, from Snakemake's log of it (1 when it does not say)."""
    logs = sorted((folder / ".snakemake" / "log").glob("*.snakemake.log"))
    text = logs[-1].read_text() if logs else ""
    found = re.findall(r"rule render_reports_\d+:\n(?:    .*\n)*?    threads: (\d+)", text)
    return min(max((int(t) for t in found), default=1), CORES)


def run_stage(label, checkout, folder, report_jobs=None):
    """Time the stage from a clean report folder with `checkout`'s code; returns its row.

    report_jobs: run only the first N report jobs (and what they need), and estimate the whole stage from them:
    the once-per-batch jobs plus all report jobs at their mean time, CORES // their threads at a time."""
    rules = stage_rules(checkout, folder)
    n_parts = sum(r.startswith("render_reports_") for r in rules)
    targets = [TARGET]
    if report_jobs:
        per_job = int(yaml_value(folder / "config.yaml", "samples_per_job"))
        samples = [line.split("\t")[0] for line in (folder / "samples.tsv").read_text().splitlines()[1:]]
        targets = [f"results/report/{s}.pdf" for s in samples[: report_jobs * per_job]]
    stale_benchmarks = [f"{top}/{name}" for top in BENCHMARK_DIRS for name in ("report", "af/genotype_counts.tsv")]
    for stale in ("results/report", "results/af/genotype_counts.tsv", *stale_benchmarks):
        path = folder / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    start = time.perf_counter()
    # mtime only: the other checkout's code and parameters must not make the shared upstream outputs rerun
    snakemake(checkout, folder, *targets, "--rerun-triggers", "mtime")
    wall = time.perf_counter() - start
    jobs = job_benchmarks(folder, rules)
    renders = [j for j in jobs if j["rule"].startswith("render_reports_")]
    once = sum(j["s"] for j in jobs if not j["rule"].startswith("render_reports_"))
    mean = sum(j["s"] for j in renders) / max(len(renders), 1)
    rss = [j["max_rss_mib"] for j in jobs if j["max_rss_mib"] is not None]
    return {
        "label": label,
        "stage_wall_s": round(wall, 1),
        "partial": bool(report_jobs),
        "report_parts": n_parts,
        # a report job with 2 threads fills both cores: jobs then run one after another
        "report_job_threads": report_threads(folder),
        "stage_estimate_s": round(once + n_parts * mean * report_threads(folder) / CORES, 1),
        "jobs": len(jobs),
        "report_jobs": len(renders),
        "report_job_mean_s": round(sum(j["s"] for j in renders) / max(len(renders), 1), 2),
        "report_job_max_s": round(max((j["s"] for j in renders), default=0.0), 2),
        "job_cpu_sum_s": round(sum(j["s"] for j in jobs), 1),
        "max_job_rss_mib": max(rss, default=None),
        "job_details": jobs,
        "hashes": report_hashes(folder),
    }


def checkout_of(rev, scratch):
    """A scratch clone of this repository at `rev` (the working tree's code is not touched)."""
    target = scratch / f"checkout_{rev.replace('/', '_')}"
    if not target.exists():
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "checkout", "-q", rev], check=True)
    return target


def print_table(result):
    print(f"{'run':<22}{'stage s':>9}{'jobs':>6}{'job mean s':>11}{'job max s':>10}{'job s sum':>10}"
          f"{'max RSS MiB':>12}{'stage est s':>12}")  # fmt: skip
    for row in result["runs"]:
        print(f"{row['label']:<22}{row['stage_wall_s']:>9}{row['jobs']:>6}{row['report_job_mean_s']:>11}"
              f"{row['report_job_max_s']:>10}{row['job_cpu_sum_s']:>10}{row['max_job_rss_mib']!s:>12}"
              f"{row['stage_estimate_s']:>12}")  # fmt: skip
    base = result["baseline"]
    print(f"{'bcftools stats -s -':<22}{base['wall_s']:>9}{1:>6}{'':>11}{'':>10}{'':>10}{base['max_rss_mib']:>12}")
    if result["identical_reports"] is not None:
        print(f"report files identical between the runs: {result['identical_reports']} "
              f"({result['n_report_files']} files; differing: {result['differing'][:5]})")  # fmt: skip


def main(args):
    if not PANEL.is_dir() or not CHR22.exists():
        raise SystemExit(f"test data {PANEL} or {CHR22} is absent")
    with tempfile.TemporaryDirectory(prefix="report_stage_") as tmp:
        scratch = Path(tmp)
        folder = Path(args.batch) if args.batch else scratch / "batch"
        folder.mkdir(parents=True, exist_ok=True)
        make_batch(folder, args.samples, args.samples_per_job)
        checkouts = [("before " + args.before, checkout_of(args.before, scratch))] if args.before else []
        checkouts.append(("this checkout", REPO))
        start = time.perf_counter()
        prepare(checkouts[0][1], folder)
        print(f"upstream stages ready in {time.perf_counter() - start:.0f} s ({folder})", flush=True)
        wall, rss = measured(["bcftools", "stats", "-s", "-", str(folder / COHORT)])
        runs = []
        for label, checkout in checkouts:
            runs.append(run_stage(label, checkout, folder, args.report_jobs))
            print(f"{label}: {runs[-1]['stage_wall_s']} s", flush=True)
    hashes = [run.pop("hashes") for run in runs]
    common = set(hashes[0]) & set(hashes[-1])  # with --report-jobs, batch_summary.tsv is made by neither
    differing = sorted(name for name in common if hashes[0][name] != hashes[-1][name])
    result = {
        "samples": args.samples,
        "samples_per_job": args.samples_per_job,
        "cores": CORES,
        "cohort": f"{PANEL.name}/1000GP.chr22.vcf.gz, {args.samples} VCF rows",
        "runs": runs,
        "baseline": {"command": "bcftools stats -s - cohort.vcf.gz", "wall_s": wall, "max_rss_mib": rss},
        "identical_reports": not differing if len(runs) > 1 else None,
        "n_report_files": len(hashes[-1]),
        "n_report_files_compared": len(common),
        "differing": differing if len(runs) > 1 else [],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    print_table(result)
    write_json(args.out, result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2504, help="VCF rows (first N of the 2,504 unrelated)")
    parser.add_argument("--samples-per-job", type=int, default=50, help="config report.samples_per_job")
    parser.add_argument("--before", help="also measure this git revision (a scratch clone), first")
    parser.add_argument("--report-jobs", type=int, help="run only the first N report jobs; the stage is estimated")
    parser.add_argument("--batch", help="batch folder to use and keep (upstream outputs are reused when present)")
    parser.add_argument("--out", default=str(OUT / "report_stage.json"))
    main(parser.parse_args())
