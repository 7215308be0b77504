"""Calling speed: the workflow's calling against the bare tools, at equal cores and chunking.

Workloads:
- trio: the 4 BAMs of ../shared/testdata/giab_ceph_trio_hg002_chr20_grch37, regions 20:10.00-10.01 Mb (a 10 kb window,
  where fixed costs dominate; skipped when the test data is absent or with --no-trio);
- sim<N>mb: the project's own demo simulator (scripts/demo/simulate_demo.py) scaled to one N Mb contig x 6 samples x
  --depth (default 25x), all BAM, variant density as in the demo (--sizes-mb, default 0.5,2).
In a scratch batch per workload the reference and QC are prepared first, untimed. Then, for each chunk count
(--chunks, default 1,2) and each caller:
- workflow: `snakemake --cores 2 results/calls/{caller}/cohort.vcf.gz.tbi` (chunk jobs + gather, from a clean
  results/calls/{caller}/), and its `snakemake -n` planning time for the same target;
- bare: the caller over the same chunks (same BED pieces as the workflow's genomic_chunks), the chunks run in
  parallel (at most 2 at a time, = --cores 2): `bcftools mpileup -a FORMAT/AD,FORMAT/DP | bcftools call -mv` or
  `freebayes -t chunk.bed`; then, for the same end product, `bcftools concat | bcftools norm -a -m -any` + tabix
  ("bare + gather"; the workflow's gather also soft-filters). Chunks-only and with-gather times come from one run.
Each timing is the best of --repeats runs (the machine may be shared). Prints a table with ratios and 2-vs-1-chunk
speedups; writes benchmarks/out/calling_speed.json.
Usage: .venv/bin/python benchmarks/calling_speed.py [--repeats 3] [--sizes-mb 0.5,2] [--inputs DIR]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_output import OUT, write_json

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from common.genomic_chunks import split_into_chunks, target_intervals, write_bed  # noqa: E402

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
SIM_SEED = 20261125  # the demo rule's seed
CALLERS = ("bcftools", "freebayes")


# ---------------------------------------------------------------- workloads


def trio_workload(folder):
    """The trio window batch: {name, folder, alignments, config_head, regions}."""
    (folder / "window.bed").write_text("\t".join(map(str, WINDOW)) + "\n")
    alignments = [TRIO / p for p in BAMS.values()]
    rows = "".join(f"{s}\t{a}\n" for s, a in zip(BAMS, alignments))
    (folder / "samples.tsv").write_text("sample_id\talignment\n" + rows)
    reference = TRIO / "reference/hs37d5.chr20.fa.gz"
    head = f"samples: samples.tsv\nreference: {reference}\nbuild: GRCh37\nregions: window.bed\n"
    return {"name": "trio_10kb", "folder": folder, "alignments": alignments, "config_head": head,
            "regions": folder / "window.bed", "bases": WINDOW[2] - WINDOW[1], "samples": len(BAMS)}  # fmt: skip


def demo_density():
    """(SNVs, indels) per base of sequence in the demo genome: its random variants over its windows' bases."""
    from demo import simulate_demo as sim

    panels = REPO / "config" / "panels"
    windows = sim.make_windows(sim.panel_sites(panels / "pgx", panels / "carrier" / "carrier_panel.tsv"))
    bases = sum(w.length for w in windows)
    return sim.N_SNVS / bases, sim.N_INDELS / bases


def scaled_genome(size_bp, seed=SIM_SEED):
    """A simulate_demo.DemoGenome of one `size_bp` contig "chr1" (one window covering it, no panel sites), with the
    demo's variant density and genotype model: the simulator's own functions with an explicit window instead of the
    panels' (the module itself is not changed)."""
    from demo import simulate_demo as sim

    windows = [sim.Window(0, "chr1", 0, size_bp)]
    codes = [sim.markov_chain(sim.stream(seed, sim.STREAM_GENOME), size_bp)]
    snv_rate, indel_rate = demo_density()
    variants = sim.choose_variants(seed, windows, codes, [], n_snvs=max(1, round(snv_rate * size_bp)),
                                   n_indels=max(1, round(indel_rate * size_bp)))  # fmt: skip
    alleles = sim.draw_genotypes(seed, len(variants))
    return sim.DemoGenome([], windows, codes, {"chr1": size_bp}, variants, alleles, {})


def simulate_scaled_inputs(out_dir, size_bp, depth, threads):
    """reference.fa + one BAM per demo sample for one `size_bp` contig at `depth`, with the demo simulator.

    Repeats simulate_demo.simulate_sample's steps (read pairs, FASTQ, minimap2 + lift, fixmate, sort, markdup) on
    the genome of scaled_genome at another depth. No truth VCF (not needed) and no CRAM (all BAM).
    """
    from demo import simulate_demo as sim

    done = out_dir / "DONE"
    if done.exists():
        return
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    genome = scaled_genome(size_bp)
    reference = out_dir / "reference.fa"
    with open(reference, "wb") as out:
        out.write(b">chr1\n" + sim.fasta_lines(sim.BASES[genome.codes[0]]))
    compact = out_dir / "windows.fa"  # the window's name (w000) for minimap2; lifted back to chr1
    sim.write_compact_fasta(genome.windows, genome.codes, compact)
    for index, sample in enumerate(sim.DEMO_SAMPLES):
        work = out_dir / f"work_{sample}"
        work.mkdir()
        pairs = sim.simulate_pairs(SIM_SEED, index, sim.sample_haplotypes(genome, index, sample), depth)
        sim.write_fastq(pairs[0], pairs[2], work / "r1.fq")
        sim.write_fastq(pairs[1], pairs[3], work / "r2.fq")
        del pairs
        sim.align(compact, genome.windows, genome.lengths, None, work / "r1.fq", work / "r2.fq", f"LIB-{index + 1}",
                  out_dir / f"{sample}.bam", work, threads)  # fmt: skip
        shutil.rmtree(work)
        print(f"  simulated {sample} ({size_bp / 1e6:g} Mb, {depth}x)", flush=True)
    for sample in sim.DEMO_SAMPLES:  # the bare tools read the region through an index (the workflow makes its own)
        subprocess.run(["samtools", "index", out_dir / f"{sample}.bam"], check=True)
    done.write_text(f"{size_bp} {depth}\n")


def scaled_workload(folder, inputs_dir, size_mb, depth):
    """A simulated batch of size_mb Mb x 6 samples x depth; inputs cached in inputs_dir (reused when complete)."""
    from demo import simulate_demo as sim

    size_bp = int(round(size_mb * 1_000_000))
    source = inputs_dir / f"sim_{size_bp}bp_{depth}x"
    start = time.perf_counter()
    simulate_scaled_inputs(source, size_bp, depth, CORES)
    print(f"  inputs ready in {time.perf_counter() - start:.0f} s ({source})", flush=True)
    alignments = [source / f"{s}.bam" for s in sim.DEMO_SAMPLES]
    rows = "".join(f"{s}\t{a}\n" for s, a in zip(sim.DEMO_SAMPLES, alignments))
    (folder / "samples.tsv").write_text("sample_id\talignment\n" + rows)
    head = f"samples: samples.tsv\nreference: {source / 'reference.fa'}\nbuild: other\n"
    return {"name": f"sim_{size_mb:g}mb_{depth}x", "folder": folder, "alignments": alignments, "config_head": head,
            "regions": None, "bases": size_bp, "samples": len(alignments)}  # fmt: skip


def write_config(workload, n_chunks, callers):
    config = workload["folder"] / "config.yaml"
    config.write_text(workload["config_head"] + f"callers: [{', '.join(callers)}]\ncalling: {{chunks: {n_chunks}}}\n")
    return config


# ---------------------------------------------------------------- timing


def snakemake(folder, config, *args):
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(folder), "--configfile", str(config)]
    proc = subprocess.run([*cmd, "--cores", str(CORES), *args], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-3000:]}")


def timed(fn, repeats):
    """Best (minimum) wall-clock seconds of `repeats` calls of fn(): the least disturbed by other load, as timeit.

    fn() may return a dict of sub-timings; those of the best run are returned as well.
    """
    best, best_parts = None, {}
    for _ in range(repeats):
        start = time.perf_counter()
        parts = fn() or {}
        elapsed = time.perf_counter() - start
        if best is None or elapsed < best:
            best, best_parts = elapsed, parts
    return round(best, 3), {k: round(v, 3) for k, v in best_parts.items()}


def workflow_run(folder, config, caller):
    def go():
        shutil.rmtree(folder / "results" / "calls" / caller, ignore_errors=True)
        snakemake(folder, config, f"results/calls/{caller}/cohort.vcf.gz.tbi")

    return go


def workflow_plan(folder, config, caller):
    return lambda: snakemake(folder, config, "-n", f"results/calls/{caller}/cohort.vcf.gz.tbi")


def bare_chunk_command(caller, fasta, alignments, bed, out):
    bams = " ".join(map(str, alignments))
    if caller == "bcftools":
        # -q/-Q and -f GQ as the workflow runs them with the schema defaults (calling.min_mapq 0, min_baseq 1),
        # so both do the same work (bcftools' own -Q default, 13, would skip more bases).
        return (f"bcftools mpileup -f {fasta} -R {bed} -a FORMAT/AD,FORMAT/DP -q 0 -Q 1 {bams} -Ou"
                f" | bcftools call -m -v -f GQ -Ob -o {out}")  # fmt: skip
    return f"freebayes -f {fasta} -t {bed} {bams} | bcftools view -Ob -o {out}"


def bare_run(workload, caller, n_chunks):
    """The bare caller over the workflow's chunks, CORES at a time, then concat + norm + tabix.

    Returns a go() whose sub-timings are {"chunks_s": calling only}; its total is calling + gather.
    """
    folder = workload["folder"]
    fasta = folder / "resources" / "reference" / "genome.fa"
    chunks = split_into_chunks(target_intervals(f"{fasta}.fai", workload["regions"]), n_chunks)
    work = folder / "bare"

    def go():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        beds = [work / f"chunk{k}.bed" for k in range(n_chunks)]
        for bed, intervals in zip(beds, chunks):
            write_bed(intervals, bed)
        parts = [work / f"part{k}.bcf" for k in range(n_chunks)]
        commands = [bare_chunk_command(caller, fasta, workload["alignments"], b, p) for b, p in zip(beds, parts)]
        start = time.perf_counter()
        with ThreadPoolExecutor(CORES) as pool:
            list(pool.map(lambda c: subprocess.run(c, shell=True, check=True, capture_output=True), commands))
        chunks_s = time.perf_counter() - start
        out = work / "cohort.vcf.gz"
        subprocess.run(
            f"bcftools concat {' '.join(map(str, parts))} -Ou | bcftools norm -f {fasta} -a --atom-overlaps ."
            f" -m -any -Oz -o {out} && tabix -p vcf {out}",
            shell=True, check=True, capture_output=True,
        )  # fmt: skip
        return {"chunks_s": chunks_s}

    return go


def measure(workload, chunk_counts, callers, repeats):
    """Rows {workload, caller, chunks, workflow_s, workflow_plan_s, bare_s, bare_gather_s, ratios} for one workload."""
    folder = workload["folder"]
    start = time.perf_counter()
    snakemake(folder, write_config(workload, chunk_counts[0], callers), "results/qc/batch_qc.tsv")  # untimed set-up
    print(f"  reference + QC prepared in {time.perf_counter() - start:.0f} s (untimed)", flush=True)
    rows = []
    for n_chunks in chunk_counts:
        config = write_config(workload, n_chunks, callers)
        for caller in callers:
            workflow_s, _ = timed(workflow_run(folder, config, caller), repeats)
            plan_s, _ = timed(workflow_plan(folder, config, caller), repeats)
            bare_gather_s, parts = timed(bare_run(workload, caller, n_chunks), repeats)
            row = {"workload": workload["name"], "caller": caller, "chunks": n_chunks, "workflow_s": workflow_s,
                   "workflow_plan_s": plan_s, "bare_s": parts["chunks_s"], "bare_gather_s": bare_gather_s}  # fmt: skip
            # The workflow's wall time includes its own planning; "ex plan" subtracts the separately timed `-n`.
            row["ratio_vs_bare_gather"] = round(workflow_s / bare_gather_s, 2)
            row["ratio_ex_plan_vs_bare_gather"] = round((workflow_s - plan_s) / bare_gather_s, 2)
            row["ratio_vs_bare"] = round(workflow_s / row["bare_s"], 2)
            rows.append(row)
            print(f"  {caller} {n_chunks} chunk(s): workflow {workflow_s} s (plan {plan_s}), bare+gather "
                  f"{bare_gather_s} s", flush=True)  # fmt: skip
    return rows


def speedups(rows, base=1):
    """Per (workload, caller, chunks>base): speedup t(base chunks)/t(chunks) for the workflow and bare+gather."""
    index = {(r["workload"], r["caller"], r["chunks"]): r for r in rows}
    result = []
    for r in rows:
        one = index.get((r["workload"], r["caller"], base))
        if r["chunks"] == base or one is None:
            continue
        wf = one["workflow_s"] / r["workflow_s"]
        wf_ex = (one["workflow_s"] - one["workflow_plan_s"]) / (r["workflow_s"] - r["workflow_plan_s"])
        bare = one["bare_gather_s"] / r["bare_gather_s"]
        result.append({"workload": r["workload"], "caller": r["caller"], "chunks": r["chunks"],
                       "workflow_speedup": round(wf, 2), "workflow_speedup_ex_plan": round(wf_ex, 2),
                       "bare_speedup": round(bare, 2),
                       "speedup_ratio_workflow_vs_bare": round(wf / bare, 2)})  # fmt: skip
    return result


def break_even(rows, workloads, caller, chunks):
    """Size (Mb) above which `chunks` chunks beat 1 chunk in the workflow, from a straight-line fit t = a + b*size
    through the simulated workloads (needs >= 2 sizes); None when it cannot be estimated."""
    sizes = {w["name"]: w["bases"] / 1e6 for w in workloads if w["regions"] is None}
    points = {}
    for r in rows:
        if r["workload"] in sizes and r["caller"] == caller and r["chunks"] in (1, chunks):
            points.setdefault(r["chunks"], []).append((sizes[r["workload"]], r["workflow_s"]))
    if len(points.get(1, [])) < 2 or len(points.get(chunks, [])) < 2:
        return None
    fits = {}
    for k, pts in points.items():
        (x0, y0), (x1, y1) = min(pts), max(pts)
        slope = (y1 - y0) / (x1 - x0)
        fits[k] = (y0 - slope * x0, slope)
    (a1, b1), (a2, b2) = fits[1], fits[chunks]
    if b1 <= b2:
        return None
    return round(max((a2 - a1) / (b1 - b2), 0.0), 3)


# ---------------------------------------------------------------- report


def print_tables(rows, speeds):
    head = (f"{'workload':<16}{'caller':<10}{'chunks':>7}{'workflow':>10}{'plan':>8}{'bare':>8}{'bare+g':>8}"
            f"{'wf/bare+g':>11}{'ex-plan':>9}")  # fmt: skip
    print(head)
    for r in rows:
        print(f"{r['workload']:<16}{r['caller']:<10}{r['chunks']:>7}{r['workflow_s']:>10}{r['workflow_plan_s']:>8}"
              f"{r['bare_s']:>8}{r['bare_gather_s']:>8}{r['ratio_vs_bare_gather']:>11}"
              f"{r['ratio_ex_plan_vs_bare_gather']:>9}")  # fmt: skip
    print()
    print(f"{'workload':<16}{'caller':<10}{'chunks':>7}{'wf speedup':>12}{'ex-plan':>9}{'bare speedup':>14}"
          f"{'wf/bare':>9}")  # fmt: skip
    for s in speeds:
        print(f"{s['workload']:<16}{s['caller']:<10}{s['chunks']:>7}{s['workflow_speedup']:>12}"
              f"{s['workflow_speedup_ex_plan']:>9}{s['bare_speedup']:>14}"
              f"{s['speedup_ratio_workflow_vs_bare']:>9}")  # fmt: skip


def main(args):
    chunk_counts = [int(c) for c in args.chunks.split(",")]
    callers = [c for c in args.callers.split(",") if c]
    sizes = [float(s) for s in args.sizes_mb.split(",") if s]
    rows, workloads = [], []
    with tempfile.TemporaryDirectory(prefix="calling_speed_") as tmp:
        inputs_dir = Path(args.inputs) if args.inputs else Path(tmp) / "inputs"
        if not args.no_trio and TRIO.is_dir():
            print("workload trio_10kb", flush=True)
            (Path(tmp) / "trio").mkdir()
            workloads.append(trio_workload(Path(tmp) / "trio"))
            rows += measure(workloads[-1], chunk_counts, callers, args.repeats)
        elif not args.no_trio:
            print(f"trio test data {TRIO} is absent: trio workload skipped", flush=True)
        for size in sizes:
            print(f"workload sim {size:g} Mb x 6 samples x {args.depth}x", flush=True)
            folder = Path(tmp) / f"sim_{size:g}"
            folder.mkdir()
            workloads.append(scaled_workload(folder, inputs_dir, size, args.depth))
            rows += measure(workloads[-1], chunk_counts, callers, args.repeats)
    speeds = speedups(rows)
    even = {f"{c}_{k}": break_even(rows, workloads, c, k) for c in callers for k in chunk_counts if k != 1}
    print_tables(rows, speeds)
    print(f"\nestimated break-even size (Mb) for chunking, workflow, linear fit over the simulated sizes: {even}")
    result = {"cores": CORES, "repeats": args.repeats,
              "workloads": [{"name": w["name"], "bases": w["bases"], "samples": w["samples"],
                             "regions": "20:10,000,000-10,010,000" if w["regions"] else "whole genome"}
                            for w in workloads],
              "rows": rows, "speedups": speeds, "break_even_mb": even,
              "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    write_json(args.out, result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of N runs per timing")
    parser.add_argument("--sizes-mb", default="0.5,2", help="simulated genome sizes in Mb, comma-separated ('' = none)")
    parser.add_argument("--depth", type=int, default=25, help="simulated mean depth")
    parser.add_argument("--chunks", default="1,2", help="chunk counts, comma-separated (1 must be first)")
    parser.add_argument("--callers", default=",".join(CALLERS))
    parser.add_argument("--no-trio", action="store_true", help="skip the 10 kb trio window")
    parser.add_argument("--inputs", help="folder to keep (and reuse) the simulated inputs; default: a temp folder")
    parser.add_argument("--out", default=str(OUT / "calling_speed.json"), help="JSON written")
    main(parser.parse_args())
