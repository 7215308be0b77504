"""How long Snakemake takes to plan (`snakemake -n`) a batch of N samples, and how many jobs the plan has.

Builds a scratch batch of N alignments (links to one valid header-only BAM with its index: the preflight reads
headers, planning reads no data), then times the dry run.
Prints a table and writes JSON (benchmarks/out/plan_scale.json).
Usage: python benchmarks/plan_scale.py [N ...] [--out FILE]   (default: 100 1000; benchmarks/out/plan_scale.json)
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


def make_batch(folder, n_samples):
    folder = Path(folder)
    (folder / "ref.fa").write_text(">chr1\n" + "ACGT" * 250 + "\n")
    template = folder / "template.bam"
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 1000}]}
    with pysam.AlignmentFile(str(template), "wb", header=header):
        pass
    pysam.index(str(template))
    rows = []
    for i in range(n_samples):
        bam = folder / f"s{i:05d}.bam"
        os.symlink(template.name, bam)
        os.symlink(f"{template.name}.bai", f"{bam}.bai")
        rows.append(f"s{i:05d}\t{bam.name}\n")
    (folder / "samples.tsv").write_text("sample_id\talignment\n" + "".join(rows))
    (folder / "config.yaml").write_text("samples: samples.tsv\nreference: ref.fa\n")
    return folder / "config.yaml"


def plan(n_samples):
    with tempfile.TemporaryDirectory() as tmp:
        config = make_batch(tmp, n_samples)
        start = time.perf_counter()
        proc = subprocess.run(
            [SNAKEMAKE, "-n", "--snakefile", str(REPO / "Snakefile"), "--directory", tmp, "--configfile", str(config)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        seconds = time.perf_counter() - start
    total = re.search(r"^total\s+(\d+)", proc.stdout, re.MULTILINE)
    return {"samples": n_samples, "jobs": int(total.group(1)) if total else None, "plan_seconds": round(seconds, 2)}


def main(sizes, out=OUT / "plan_scale.json"):
    rows = [plan(n) for n in sizes]
    print(f"{'samples':>8} {'jobs':>7} {'snakemake -n (s)':>17}")
    for r in rows:
        print(f"{r['samples']:>8} {r['jobs']:>7} {r['plan_seconds']:>17}")
    write_json(out, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000], help="batch sizes (samples)")
    parser.add_argument("--out", default=str(OUT / "plan_scale.json"), help="JSON written")
    args = parser.parse_args()
    main(args.sizes, args.out)
