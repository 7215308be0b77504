"""Calling speed: the workflow's calling against the bare tools, at equal cores and chunking, on the GIAB/CEPH trio.

One scratch batch (the 4 BAMs of ../shared/testdata/giab_ceph_trio_hg002_chr20_grch37, regions 20:10.00-10.01 Mb).
QC and the reference are prepared first, untimed. Then, for 1 and 2 chunks and each caller:
- workflow: `snakemake --cores 2 results/calls/{caller}/cohort.vcf.gz.tbi` (chunk jobs + gather, from a clean
  results/calls/{caller}/), and its `snakemake -n` planning time for the same target;
- bare: the caller over the same chunks, the chunks run in parallel (at most 2 at a time, = --cores 2):
  `bcftools mpileup -a FORMAT/AD,FORMAT/DP | bcftools call -mv` or `freebayes -r`; then, for the same end product,
  `bcftools concat | bcftools norm -a -m -any` + tabix ("bare + gather"; the workflow's gather also soft-filters).
Each timing is the best of --repeats runs (the machine may be shared). Prints a table with ratios;
writes benchmarks/out/calling_speed.json.
Usage: .venv/bin/python benchmarks/calling_speed.py [--repeats 3]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from genomic_chunks import split_into_chunks  # noqa: E402

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TRIO = REPO.parent / "shared" / "testdata" / "giab_ceph_trio_hg002_chr20_grch37"
BAMS = {
    "HG001": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "NA12891": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "NA12892": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
    "HG002": "bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam",
}
WINDOW = ("20", 9_999_999, 10_010_000)
CORES = 2


def make_batch(folder):
    (folder / "window.bed").write_text("\t".join(map(str, WINDOW)) + "\n")
    rows = "".join(f"{s}\t{TRIO / p}\n" for s, p in BAMS.items())
    (folder / "samples.tsv").write_text("sample_id\talignment\n" + rows)


def write_config(folder, n_chunks):
    config = folder / "config.yaml"
    config.write_text(
        f"samples: samples.tsv\nreference: {TRIO / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        f"regions: window.bed\ncallers: [bcftools, freebayes]\ncalling: {{chunks: {n_chunks}}}\n"
    )
    return config


def snakemake(folder, config, *args):
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(folder), "--configfile", str(config)]
    proc = subprocess.run([*cmd, "--cores", str(CORES), *args], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-3000:]}")


def timed(fn, repeats):
    """Best (minimum) wall-clock seconds of `repeats` calls of fn(): the least disturbed by other load, as timeit."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(min(times), 3)


def workflow_run(folder, config, caller):
    def go():
        shutil.rmtree(folder / "results" / "calls" / caller, ignore_errors=True)
        snakemake(folder, config, f"results/calls/{caller}/cohort.vcf.gz.tbi")

    return go


def workflow_plan(folder, config, caller):
    return lambda: snakemake(folder, config, "-n", f"results/calls/{caller}/cohort.vcf.gz.tbi")


def bare_chunk_command(caller, fasta, region, out):
    bams = " ".join(str(TRIO / p) for p in BAMS.values())
    if caller == "bcftools":
        return (f"bcftools mpileup -f {fasta} -r {region} -a FORMAT/AD,FORMAT/DP {bams} -Ou"
                f" | bcftools call -m -v -Ob -o {out}")  # fmt: skip
    return f"freebayes -f {fasta} -r {region} {bams} | bcftools view -Ob -o {out}"


def bare_run(folder, caller, n_chunks, gather):
    """The bare caller over the chunks, CORES at a time; with `gather`, also concat + norm + tabix."""
    fasta = folder / "resources" / "reference" / "genome.fa"
    chunks = split_into_chunks([WINDOW], n_chunks)
    # bcftools -r is 1-based inclusive, freebayes -r is 0-based half-open (like BED)
    regions = [f"{c}:{s + 1}-{e}" if caller == "bcftools" else f"{c}:{s}-{e}" for ((c, s, e),) in chunks]
    work = folder / "bare"

    def go():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        parts = [work / f"part{k}.bcf" for k in range(n_chunks)]
        commands = [bare_chunk_command(caller, fasta, r, p) for r, p in zip(regions, parts)]
        with ThreadPoolExecutor(CORES) as pool:
            list(pool.map(lambda c: subprocess.run(c, shell=True, check=True, capture_output=True), commands))
        if gather:
            out = work / "cohort.vcf.gz"
            subprocess.run(
                f"bcftools concat {' '.join(map(str, parts))} -Ou | bcftools norm -f {fasta} -a --atom-overlaps ."
                f" -m -any -Oz -o {out} && tabix -p vcf {out}",
                shell=True, check=True, capture_output=True,
            )  # fmt: skip

    return go


def main(repeats):
    if not TRIO.is_dir():
        sys.exit(f"test data {TRIO} is absent")
    rows = []
    with tempfile.TemporaryDirectory(prefix="calling_speed_") as tmp:
        folder = Path(tmp)
        make_batch(folder)
        snakemake(folder, write_config(folder, 1), "results/qc/batch_qc.tsv")  # untimed set-up: reference + QC
        for n_chunks in (1, 2):
            config = write_config(folder, n_chunks)
            for caller in ("bcftools", "freebayes"):
                row = {
                    "caller": caller,
                    "chunks": n_chunks,
                    "workflow_s": timed(workflow_run(folder, config, caller), repeats),
                    "workflow_plan_s": timed(workflow_plan(folder, config, caller), repeats),
                    "bare_s": timed(bare_run(folder, caller, n_chunks, gather=False), repeats),
                    "bare_gather_s": timed(bare_run(folder, caller, n_chunks, gather=True), repeats),
                }
                row["ratio_vs_bare"] = round(row["workflow_s"] / row["bare_s"], 2)
                row["ratio_vs_bare_gather"] = round(row["workflow_s"] / row["bare_gather_s"], 2)
                rows.append(row)
    print(
        f"{'caller':<10}{'chunks':>7}{'workflow':>10}{'plan':>8}{'bare':>8}{'bare+gather':>13}{'ratio':>7}{'ratio+g':>9}"
    )
    for r in rows:
        print(f"{r['caller']:<10}{r['chunks']:>7}{r['workflow_s']:>10}{r['workflow_plan_s']:>8}{r['bare_s']:>8}"
              f"{r['bare_gather_s']:>13}{r['ratio_vs_bare']:>7}{r['ratio_vs_bare_gather']:>9}")  # fmt: skip
    result = {"cores": CORES, "repeats": repeats, "region": "20:10,000,000-10,010,000", "samples": len(BAMS),
              "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "rows": rows}  # fmt: skip
    out = REPO / "benchmarks" / "out" / "calling_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out.relative_to(REPO)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)
