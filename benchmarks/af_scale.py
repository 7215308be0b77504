"""Cohort allele frequencies at scale: our VCF -> genotype store conversion and statistics vs plink2 and bcftools.

Generates a synthetic cohort VCF (fixed seed: two contigs, SNVs with Beta(0.3, 2)-distributed allele frequencies,
1% missing genotypes; bgzipped and tabix-indexed), then times, each as its own process:
  convert          scripts/af/vcf_to_store.py (2 parsing processes) -> cohort.zarr
  stats            scripts/af/allele_frequencies.py from the store (dask, 2 local threads) -> variants/samples.tsv
  popgen           scripts/structure/popgen_stats.py from the store (HWE, het counts, F, singletons, SFS, Fst; 2
  threads)
  tables           scripts/af/af_tables.py: the two parts joined into the stage's variants.tsv / samples.tsv
  plink2_pfile_hardy plink2 --pfile --hardy (the bare counterpart of popgen's per-variant HWE)
  plink2_vcf_freq  plink2 --vcf --freq (VCF import included)
  plink2_import    plink2 --vcf --make-pgen
  plink2_pfile_freq plink2 --pfile --freq
  fill_tags        bcftools +fill-tags -- -t AC,AN,AF (-Ob), 1 thread; fill_tags_2t with --threads 2
For each: wall seconds, CPU seconds (user + system, children included) and peak memory: the largest single process
(wait4's ru_maxrss) and the whole process tree (RSS summed over the tree, sampled every 50 ms). Checks that our AC/AN
equal plink2's at every record, prints a table with ratios and writes benchmarks/out/af_scale_<V>x<S>.json.
The machine's load average is recorded: on a shared machine, compare CPU seconds when wall times are noisy.

Usage: .venv/bin/python benchmarks/af_scale.py [N_VARIANTS [N_SAMPLES]] [--populations K] [--keep] [--out FILE]
Default 100,000 x 500 (about a minute). The 1,000,000 x 1,000 run (a 4 GB VCF text, ~200 MB bgzipped; ~10 min,
~1.5 GB of scratch space in $TMPDIR):
  .venv/bin/python benchmarks/af_scale.py 1000000 1000
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
from bench_output import OUT, write_json

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
SEED = 20260806
GT_TEXT = np.frombuffer(b"0/0\t0/1\t1/1\t./.\t", dtype=np.uint8).reshape(4, 4)
BASES = np.array(list("ACGT"))
VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length={l1}>\n##contig=<ID=chr2,length={l2}>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"
)


# --- synthetic cohort --------------------------------------------------------------------------------------------


def write_synthetic_vcf(path, n_variants, n_samples, seed=SEED, block=5000, missing=0.01):
    """Bgzipped, tabix-indexed VCF of biallelic SNVs: half on chr1, half on chr2; genotypes 0/0 0/1 1/1 ./."""
    rng = np.random.default_rng(seed)
    half = n_variants // 2
    gaps = rng.integers(1, 200, size=n_variants)
    pos = np.concatenate([np.cumsum(gaps[:half]), np.cumsum(gaps[half:])])
    ref = rng.integers(0, 4, size=n_variants)
    alt = (ref + rng.integers(1, 4, size=n_variants)) % 4
    lengths = (int(pos[half - 1]) + 1000 if half else 1000, int(pos[-1]) + 1000 if n_variants > half else 1000)
    samples = "\t".join(f"S{i:07d}" for i in range(n_samples))
    with open(path, "wb") as raw:
        bgzip = subprocess.Popen(["bgzip", "-@", "2", "-c"], stdin=subprocess.PIPE, stdout=raw)
        out = bgzip.stdin
        out.write(VCF_HEADER.format(l1=lengths[0], l2=lengths[1], samples=samples).encode())
        for start in range(0, n_variants, block):
            n = min(block, n_variants - start)
            freq = rng.beta(0.3, 2.0, size=n)[:, None]
            codes = (rng.random((n, n_samples)) < freq).astype(np.uint8) + (rng.random((n, n_samples)) < freq)
            codes[rng.random((n, n_samples)) < missing] = 3
            text = GT_TEXT[codes].reshape(n, n_samples * 4)
            text[:, -1] = ord("\n")
            for i in range(n):
                k = start + i
                chrom = "chr1" if k < half else "chr2"
                out.write(f"{chrom}\t{pos[k]}\t.\t{BASES[ref[k]]}\t{BASES[alt[k]]}\t.\tPASS\t.\tGT\t".encode())
                out.write(text[i].tobytes())
        out.close()
        if bgzip.wait():
            raise RuntimeError("bgzip failed")
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


# --- our two steps, run as child processes of this script -----------------------------------------------------------


def step_convert(vcf, store):
    from af.vcf_to_store import vcf_to_store

    vcf_to_store(vcf, store, workers=2)


def population_labels(samples, n_populations):
    labels = [f"P{i + 1}" for i in range(int(n_populations))] + [""]
    return {s: labels[i % len(labels)] if int(n_populations) else "" for i, s in enumerate(samples)}


def step_stats(store, folder, n_populations):
    import zarr

    from af.allele_frequencies import write_allele_frequencies_from_store

    samples = [str(s) for s in zarr.open_group(store, mode="r")["samples"][:]]
    write_allele_frequencies_from_store(
        store, population_labels(samples, n_populations), Path(folder, "variants.tsv"), Path(folder, "samples.tsv"),
        threads=2,
    )  # fmt: skip


def step_popgen(vcf, folder, n_populations):
    """popgen_stats as the rule runs it: from the genotype store (written by `convert` in `folder`), 2 dask threads."""
    import allel

    from structure.popgen_stats import write_popgen_stats_from_store

    samples = [str(s) for s in allel.read_vcf_headers(str(vcf)).samples]
    out = [Path(folder, name) for name in ("popgen_variants.tsv", "popgen_samples.tsv", "sfs.tsv", "fst.tsv")]
    store = Path(folder, "cohort.zarr")
    write_popgen_stats_from_store(store, "other", {}, population_labels(samples, n_populations), out, threads=2)


def step_tables(folder):
    from af.af_tables import join_samples, join_variants

    folder = Path(folder)
    join_variants(folder / "variants.tsv", folder / "popgen_variants.tsv", folder / "joined_variants.tsv")
    samples = [line.split("\t", 1)[0] for line in (folder / "samples.tsv").read_text().splitlines()[1:]]
    ancestry = folder / "ancestry.tsv"
    ancestry.write_text("sample_id\tancestry\n" + "".join(f"{s}\tNA\n" for s in samples))
    join_samples(folder / "samples.tsv", folder / "popgen_samples.tsv", ancestry, folder / "joined_samples.tsv")


# --- measuring ----------------------------------------------------------------------------------------------------


def tree_rss(proc):
    """RSS in bytes of a process and all its descendants (0 once it is gone)."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(name, cmd, env=None):
    """Run cmd; return {name, wall_s, cpu_s, max_rss_mib (largest process), tree_rss_mib (sampled sum)}.

    The largest process comes from /usr/bin/time (Debian package `time`) when present: wait4's own ru_maxrss of a
    child of this process counts this process's memory too (the high-water mark survives fork + exec).
    """
    timer = Path(tempfile.mkstemp(suffix=".maxrss")[1])
    prefix = ["/usr/bin/time", "-f", "%M", "-o", timer] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    child = subprocess.Popen(
        [str(c) for c in [*prefix, *cmd]], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = [0]
    done = threading.Event()

    def sample():
        proc = psutil.Process(child.pid)
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(proc))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    timer_text = timer.read_text() if prefix else ""
    timer.unlink()
    if child.returncode:
        sys.exit(f"{name} failed ({child.returncode}): {' '.join(map(str, cmd))}\n{stderr.decode()[-3000:]}")
    row = {
        "step": name,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "max_rss_mib": round((int(timer_text.split()[-1]) if prefix else usage.ru_maxrss) / 1024, 1),  # KiB
        "tree_rss_mib": round(peak[0] / 2**20, 1),
    }
    print(f"  {name}: {row['wall_s']} s wall, {row['cpu_s']} s CPU, {row['tree_rss_mib']} MiB", flush=True)
    return row


def bcftools_env():
    from common.tool_run import bcftools_plugin_env

    return bcftools_plugin_env() or sys.exit("bcftools plugin fill-tags.so not found (set BCFTOOLS_PLUGINS)")


def check_against_plink2(variants_tsv, afreq):
    """Our AC/AN/AF equal plink2's ALT_FREQS x OBS_CT / OBS_CT at every record. Returns the number of records."""
    with open(variants_tsv) as ours, open(afreq) as theirs:
        ours_rows = csv.reader(ours, delimiter="\t")
        theirs_rows = csv.DictReader(theirs, delimiter="\t")
        header = next(ours_rows)
        ac, an, af = header.index("AC"), header.index("AN"), header.index("AF")
        n = 0
        for row, other in zip(ours_rows, theirs_rows, strict=True):
            obs = int(other["OBS_CT"])
            assert int(row[an]) == obs, (row[:2], other)
            assert abs(int(row[ac]) - float(other["ALT_FREQS"]) * obs) < 1e-3, (row[:2], other)
            assert row[af] == "NA" or abs(float(row[af]) - float(other["ALT_FREQS"])) < 1e-6, (row[:2], other)
            n += 1
    return n


def run(n_variants, n_samples, n_populations, folder, out=None):
    folder = Path(folder)
    vcf = folder / "cohort.vcf.gz"
    print(f"generating {n_variants:,} x {n_samples:,} ...", flush=True)
    start = time.perf_counter()
    write_synthetic_vcf(vcf, n_variants, n_samples)
    generate_s = round(time.perf_counter() - start, 1)
    me = [sys.executable, __file__]
    plink = ["plink2", "--threads", "2", "--memory", "2000", "--vcf-half-call", "missing"]
    load_before = os.getloadavg()
    rows = [
        measure("convert", [*me, "_convert", vcf, folder / "cohort.zarr"]),
        measure("stats", [*me, "_stats", folder / "cohort.zarr", folder, n_populations]),
        measure("popgen", [*me, "_popgen", vcf, folder, n_populations]),
        measure("tables", [*me, "_tables", folder]),
        measure("plink2_vcf_freq", [*plink, "--vcf", vcf, "--freq", "--out", folder / "vcf"]),
        measure("plink2_import", [*plink, "--vcf", vcf, "--make-pgen", "--out", folder / "pgen"]),
        measure("plink2_pfile_freq", [*plink[:5], "--pfile", folder / "pgen", "--freq", "--out", folder / "pfile"]),
        measure("plink2_pfile_hardy", [*plink[:5], "--pfile", folder / "pgen", "--hardy", "--out", folder / "pfile"]),
    ]
    fill = ["bcftools", "+fill-tags", "--no-version", "-Ob", "-o", folder / "filled.bcf"]
    rows.append(measure("fill_tags", [*fill, vcf, "--", "-t", "AC,AN,AF"], env=bcftools_env()))
    rows.append(measure("fill_tags_2t", [*fill, "--threads", "2", vcf, "--", "-t", "AC,AN,AF"], env=bcftools_env()))
    load_after = os.getloadavg()
    checked = check_against_plink2(folder / "variants.tsv", folder / "pfile.afreq")
    assert checked == n_variants, (checked, n_variants)
    by = {r["step"]: r for r in rows}

    def quotient(value, denominator):
        return round(value / denominator, 2) if denominator else None  # a step too quick to time at a tiny size

    def ratio(a, b, key):
        return quotient(by[a][key], by[b][key])

    ratios = {
        f"{a}/{b} {key}": ratio(a, b, key)
        for a, b in [
            ("convert", "fill_tags"),
            ("convert", "fill_tags_2t"),
            ("stats", "plink2_pfile_freq"),
            ("stats", "plink2_vcf_freq"),
            ("convert", "plink2_import"),
            ("popgen", "plink2_pfile_hardy"),
        ]
        for key in ("wall_s", "cpu_s")
    }
    total = {k: round(by["convert"][k] + by["stats"][k], 2) for k in ("wall_s", "cpu_s")}
    ratios["convert+stats/plink2_vcf_freq wall_s"] = quotient(total["wall_s"], by["plink2_vcf_freq"]["wall_s"])
    ratios["convert+stats/fill_tags wall_s"] = quotient(total["wall_s"], by["fill_tags"]["wall_s"])
    stage = sum(by[step]["wall_s"] for step in ("convert", "stats", "popgen", "tables"))
    ratios["whole stage (convert+stats+popgen+tables)/plink2_vcf_freq wall_s"] = quotient(
        stage, by["plink2_vcf_freq"]["wall_s"]
    )
    store_mib = sum(f.stat().st_size for f in (folder / "cohort.zarr").rglob("*") if f.is_file()) / 2**20
    result = {
        "variants": n_variants,
        "samples": n_samples,
        "populations": n_populations,
        "seed": SEED,
        "cores": os.cpu_count(),
        "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        "generate_s": generate_s,
        "vcf_mib": round(vcf.stat().st_size / 2**20, 1),
        "store_mib": round(store_mib, 1),
        "records_checked_against_plink2": checked,
        "steps": rows,
        "ratios": ratios,
    }
    print_table(result)
    target = Path(out) if out else OUT / f"af_scale_{n_variants}x{n_samples}.json"
    write_json(target, result)
    return result


def print_table(result):
    print(
        f"\n{result['variants']:,} variants x {result['samples']:,} samples; VCF {result['vcf_mib']} MiB, store "
        f"{result['store_mib']} MiB; load average {result['load_average_1min']} on {result['cores']} cores"
    )
    print(f"{'step':<18} {'wall s':>8} {'CPU s':>8} {'max RSS MiB':>12} {'tree RSS MiB':>13}")
    for r in result["steps"]:
        print(f"{r['step']:<18} {r['wall_s']:>8} {r['cpu_s']:>8} {r['max_rss_mib']:>12} {r['tree_rss_mib']:>13}")
    print("ratios:")
    for name, value in result["ratios"].items():
        print(f"  {name:<40} {value}")


def main(argv):
    if argv and argv[0] == "_convert":
        return step_convert(*argv[1:])
    if argv and argv[0] == "_stats":
        return step_stats(*argv[1:])
    if argv and argv[0] == "_popgen":
        return step_popgen(*argv[1:])
    if argv and argv[0] == "_tables":
        return step_tables(*argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("variants", nargs="?", type=int, default=100_000)
    parser.add_argument("samples", nargs="?", type=int, default=500)
    parser.add_argument("--populations", type=int, default=0, help="population labels for the stats (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (printed)")
    parser.add_argument("--out", help="JSON written (default: benchmarks/out/af_scale_<variants>x<samples>.json)")
    args = parser.parse_args(argv)
    for tool in ("bgzip", "tabix", "plink2", "bcftools"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH")
    folder = tempfile.mkdtemp(prefix="af_scale.")
    try:
        run(args.variants, args.samples, args.populations, folder, out=args.out)
    finally:
        if args.keep:
            print(f"scratch folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
