"""How long Snakemake takes to plan (`snakemake -n`) a batch of N samples, its peak memory, and the plan's job count.

Builds a scratch batch of N alignments (links to one valid header-only BAM with its index: the preflight reads
headers, planning reads no data), or with `--rows vcf` of N rows each with its own header-only single-sample VCF (one
import job per file), then times the dry run.
Peak memory is the dry run's maximum resident set size (os.wait4's rusage: the process and the children it waited
for). Growth per sample: each size's CPU time and memory over the smallest size's, against the ratio of sample counts
(1.0 = linear).
Prints a table and writes JSON (benchmarks/out/plan_scale.json).
Usage: python benchmarks/plan_scale.py [N ...] [--rows bam|vcf] [--out FILE]   (default: 1000 10000, BAM rows; the
issue's target: 10,000 under 60 s and 4 GiB; JSON to benchmarks/out/plan_scale.json)
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pysam
from bench_output import OUT, write_json

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
)


def make_batch(folder, n_samples, rows="bam"):
    folder = Path(folder)
    (folder / "ref.fa").write_text(">chr1\n" + "ACGT" * 250 + "\n")
    (folder / "config.yaml").write_text("samples: samples.tsv\nreference: ref.fa\n")
    if rows == "vcf":
        for i in range(n_samples):
            (folder / f"s{i:05d}.vcf").write_text(VCF_HEADER.format(sample=f"s{i:05d}"))
        sheet = "".join(f"s{i:05d}\ts{i:05d}.vcf\n" for i in range(n_samples))
        (folder / "samples.tsv").write_text("sample_id\tvcf\n" + sheet)
        return folder / "config.yaml"
    template = folder / "template.bam"
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 1000}]}
    with pysam.AlignmentFile(str(template), "wb", header=header):
        pass
    pysam.index(str(template))
    lines = []
    for i in range(n_samples):
        bam = folder / f"s{i:05d}.bam"
        os.symlink(template.name, bam)
        os.symlink(f"{template.name}.bai", f"{bam}.bai")
        lines.append(f"s{i:05d}\t{bam.name}\n")
    (folder / "samples.tsv").write_text("sample_id\talignment\n" + "".join(lines))
    return folder / "config.yaml"


def plan(n_samples, rows="bam"):
    with tempfile.TemporaryDirectory() as tmp:
        config = make_batch(tmp, n_samples, rows)
        cmd = [SNAKEMAKE, "-n", "--snakefile", str(REPO / "Snakefile"), "--directory", tmp, "--configfile", str(config)]
        with tempfile.TemporaryFile("w+") as out:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            out.seek(0)
            stdout = out.read()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"snakemake -n failed for {n_samples} samples:\n{stdout[-3000:]}")
    total = re.search(r"^total\s+(\d+)", stdout, re.MULTILINE)
    return {
        "samples": n_samples,
        "rows": rows,
        "jobs": int(total.group(1)) if total else None,
        "plan_seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),  # less sensitive than wall time to a shared machine
        "peak_rss_mib": round(usage.ru_maxrss / 1024),  # ru_maxrss is in KiB on Linux
    }


def main(sizes, out=OUT / "plan_scale.json", sheet_rows="bam"):
    rows = [plan(n, sheet_rows) for n in sorted(sizes)]
    base = rows[0]
    for r in rows:
        scale = r["samples"] / base["samples"]
        r["cpu_growth_per_sample"] = round(r["cpu_seconds"] / base["cpu_seconds"] / scale, 2)
        r["memory_growth_per_sample"] = round(r["peak_rss_mib"] / base["peak_rss_mib"] / scale, 2)
    print(f"{'samples':>8} {'jobs':>7} {'wall (s)':>9} {'CPU (s)':>8} {'peak RSS MiB':>13} {'CPU/sample vs first':>20}")
    for r in rows:
        print(
            f"{r['samples']:>8} {r['jobs']:>7} {r['plan_seconds']:>9} {r['cpu_seconds']:>8} {r['peak_rss_mib']:>13}"
            f" {r['cpu_growth_per_sample']:>20}"
        )
    write_json(out, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000], help="batch sizes (samples)")
    parser.add_argument("--rows", choices=["bam", "vcf"], default="bam", help="what each sheet row gives")
    parser.add_argument("--out", default=str(OUT / "plan_scale.json"), help="JSON written")
    args = parser.parse_args()
    main(args.sizes, args.out, args.rows)
