"""Alignment QC of one sample: contig check, read and depth metrics, and a pass/warn/fail verdict.

Steps, in order:
1. The alignment must be a complete BAM/CRAM (see index_alignment.check_alignment_readable).
2. Contig check: every contig calling uses (the contigs of the regions BED when given, else every
   contig of the reference .fai) must be in the alignment's @SQ header with the same length.
   Otherwise InputError naming the alignment's basename, with a hint for 'chr' naming mismatches.
3. Metrics, from samtools (1.16): `flagstat` (read counts), `stats` SN lines (insert size,
   error rate), `idxstats` (per-contig counts), and `bedcov -j -d K` over the target intervals
   (depth sums and bases with depth >= K). bedcov with `-j` and its default filter
   (UNMAP, SECONDARY, QCFAIL, DUP excluded; no MAPQ/base-quality cut-off; deletions not counted)
   counts like `samtools depth` defaults, and prints one line per interval, so a whole 30x genome
   is summed without streaming three billion per-base lines. One difference: samtools 1.16 bedcov
   caps the depth of a base at 64,000 (its pileup limit), which only ultra-deep amplicon panels reach.
   Target: the merged regions BED when given, else the reference's non-N bases (runs of
   bases other than N/n found by scanning the FASTA).
   The text outputs of `stats`, `flagstat` and `idxstats` are kept as they are (results/qc/samtools/, what MultiQC
   reads), but for the folders of the paths on the command-line comment of `stats` (the file names stay).
4. Verdict: each metric against its thresholds; `min_*` fails when value < fail and warns when
   value < warn, `max_*` the other way round. No mapped reads -> fail (not a crash).

Output JSON (sorted keys, 2-space indent, trailing newline; floats rounded to 6 significant
digits; null where a metric is undefined, e.g. a rate with a zero denominator):
{
  "sample_id": str,
  "alignment": basename of the BAM/CRAM (no directories),
  "format": "BAM" | "CRAM",
  "metrics": {
    "total_records": int,          all records (flagstat "total", QC-passed + QC-failed)
    "mapped_records": int,         mapped records incl. secondary/supplementary (flagstat "mapped")
    "secondary_records": int, "supplementary_records": int,
    "total_reads": int,            primary records (flagstat "primary")
    "mapped_reads": int,           primary mapped
    "mapped_rate": float|null,     mapped_reads / total_reads
    "duplicate_reads": int,        primary duplicates
    "duplicate_rate": float|null,  duplicate_reads / mapped_reads
    "qc_failed_reads": int,        primary records with the QC-fail flag
    "paired_reads": int, "properly_paired_reads": int,
    "properly_paired_rate": float|null,  properly_paired_reads / paired_reads
    "mean_insert_size": float|null,      samtools stats "insert size average" (null if unpaired)
    "error_rate": float|null,            samtools stats "error rate" (null without mapped bases)
    "mean_depth": float,           depth sum / target bases
    "breadth": float,              covered_bases / target bases
    "covered_bases": int,          target bases with depth >= thresholds.breadth_min_depth
    "per_contig": [{"contig", "length", "mapped", "unmapped"}, ...]  samtools idxstats rows with
                                   any reads, in header order ("*" = unplaced unmapped reads)
  },
  "target": {"kind": "regions" | "non-N reference", "bases": int},
  "verdict": "pass" | "warn" | "fail",
  "reasons": [str, ...],           one per metric beyond a threshold; empty when "pass"
  "thresholds": the config `qc` dict as given,
  "tool_versions": {"samtools": "1.16.1"}
}

Size: over 400 lines because the samtools outputs (flagstat, stats, idxstats, bedcov), the target scan, the metrics
and the verdict of one alignment are read and judged together; each part is small and used only here.
"""

import json
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pysam

from common.atomic import write_text
from common.genomic_chunks import read_bed, read_fai
from common.input_error import InputError
from common.rule_logging import get_logger, redact_paths, setup_logging
from common.tool_run import run, tool_version
from inputs.preflight import check_contigs
from qc.index_alignment import check_alignment_readable

# Bases per bedcov call: each call is one progress line; a human genome is ~30 calls.
BEDCOV_BATCH_BASES = 100_000_000
# Bases per FASTA read while looking for N runs (bounded memory on 250 Mb contigs).
SCAN_CHUNK = 16_000_000
# A line of samtools flagstat's text output: "PASSED + FAILED label", the label maybe ending in "(P% : Q%)".
FLAGSTAT_LINE = re.compile(r"(?P<passed>\d+) \+ (?P<failed>\d+) (?P<label>.+)")
FLAGSTAT_PERCENT = re.compile(r" \([^()]*:[^()]*\)$")
# The samtools outputs kept per sample (results/qc/samtools/{sample}.{kind}.txt), for MultiQC.
SAMTOOLS_KINDS = ("stats", "flagstat", "idxstats")
# (metric, threshold key, words used in the reason, unit): the verdict's checks, in report order.
CHECKS = (
    ("mean_depth", "min_mean_depth", "mean depth", "x"),
    ("breadth", "min_breadth", "breadth", "%"),
    ("mapped_rate", "min_mapped_rate", "mapped rate", "%"),
    ("duplicate_rate", "max_duplicate_rate", "duplicate rate", "%"),
)


# ---------------------------------------------------------------- target intervals


def _base_runs(chunk):
    """Half-open [start, end) runs of non-N bytes in `chunk` (bytes), as two int arrays of equal length."""
    codes = np.frombuffer(chunk, dtype=np.uint8)
    is_base = (codes != ord("N")) & (codes != ord("n"))
    edges = np.diff(np.concatenate(([0], is_base.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def non_n_intervals(fasta, fai, contigs):
    """Half-open intervals [(contig, start, end)] of bases other than N/n on `contigs`, in the given order."""
    log = get_logger()
    intervals = []
    with pysam.FastaFile(str(fasta), filepath_index=str(fai)) as ref:
        for contig in contigs:
            length = ref.get_reference_length(contig)
            for offset in range(0, length, SCAN_CHUNK):
                chunk = ref.fetch(contig, offset, min(offset + SCAN_CHUNK, length)).encode("ascii")
                starts, ends = _base_runs(chunk)
                for start, end in zip((starts + offset).tolist(), (ends + offset).tolist(), strict=True):
                    if intervals and intervals[-1][0] == contig and intervals[-1][2] == start:
                        intervals[-1] = (contig, intervals[-1][1], end)  # a run continuing across chunks
                    else:
                        intervals.append((contig, start, end))
            if length >= SCAN_CHUNK:
                log.info("scanned contig %s (%d bp) for N runs", contig, length)
    return intervals


# ---------------------------------------------------------------- contig check


def header_contigs(alignment, fasta):
    """{contig: length} of the alignment's @SQ lines, in header order."""
    with pysam.AlignmentFile(str(alignment), reference_filename=str(fasta), check_sq=False) as aln:
        return dict(zip(aln.references, aln.lengths, strict=True))


# ---------------------------------------------------------------- samtools metrics


def _with_index(alignment, index):
    """htslib's 'file##idx##index' name, so an index that is not beside the file is used."""
    return f"{alignment}##idx##{index}"


def _thread_args(threads):
    return ["-@", str(threads - 1)] if threads > 1 else []


def _cram_input_args(fmt, fasta):
    """Options telling htslib which reference decodes a CRAM (flagstat and idxstats lack --reference)."""
    return ["--input-fmt-option", f"reference={fasta}"] if fmt == "CRAM" else []


def parse_flagstat(text):
    """samtools flagstat's default text output, QC-passed and QC-failed summed: {key: int}, plus qc_failed_primary.

    Keys are the line labels without the percentage in brackets ("mapped", "primary duplicates", ...; "total" for
    "in total (QC-passed reads + QC-failed reads)"), the names `flagstat -O json` gives the same counts.
    """
    counts, failed_primary = {}, None
    for line in text.splitlines():
        match = FLAGSTAT_LINE.fullmatch(line.strip())
        if not match:
            raise ValueError(f"unexpected samtools flagstat line: {line!r}")
        passed, failed, label = int(match["passed"]), int(match["failed"]), match["label"]
        label = "total" if label.startswith("in total ") else FLAGSTAT_PERCENT.sub("", label)
        counts[label] = passed + failed
        if label == "primary":
            failed_primary = failed
    if failed_primary is None:
        raise ValueError("samtools flagstat output has no 'primary' line (samtools older than 1.13?)")
    counts["qc_failed_primary"] = failed_primary
    return counts


def flagstat_text(alignment, fmt, fasta, threads=1):
    """samtools flagstat's default text output (what parse_flagstat and MultiQC read)."""
    return run(["samtools", "flagstat", *_thread_args(threads), *_cram_input_args(fmt, fasta), alignment])


def stats_text(alignment, fmt, fasta, threads=1):
    """samtools stats' whole output."""
    ref = ["--reference", fasta] if fmt == "CRAM" else []
    return run(["samtools", "stats", *_thread_args(threads), *ref, alignment])


def parse_stats_summary(text):
    """The SN section of samtools stats output as {field (without the colon): number}."""
    summary = {}
    for line in text.splitlines():
        if line.startswith("SN\t"):
            _, key, value = line.split("\t")[:3]
            summary[key.rstrip(":")] = float(value)
    return summary


def portable_stats(text):
    """samtools stats output with the folders of the paths on its '# The command line was:' comment removed.

    The comment names the alignment and reference as given (absolute paths): kept, a batch's results would say where
    its data lives and differ between two copies of the same batch. Everything else is samtools' output unchanged.
    """
    lines = text.split("\n")
    for i, line in enumerate(lines[:10]):
        if line.startswith("# The command line was:"):
            lines[i] = redact_paths(line)
    return "\n".join(lines)


def idxstats_text(alignment, index, fmt, fasta):
    """samtools idxstats' output."""
    return run(["samtools", "idxstats", *_cram_input_args(fmt, fasta), _with_index(alignment, index)])


def parse_idxstats(text):
    """samtools idxstats rows with any reads: [{"contig", "length", "mapped", "unmapped"}] in header order."""
    rows = []
    for line in text.splitlines():
        contig, length, mapped, unmapped = line.split("\t")
        if int(mapped) or int(unmapped):
            rows.append({"contig": contig, "length": int(length), "mapped": int(mapped), "unmapped": int(unmapped)})
    return rows


def _batches(intervals, batch_bases):
    """Consecutive groups of intervals of about `batch_bases` bases each (an interval is never split)."""
    batch, size = [], 0
    for iv in intervals:
        batch.append(iv)
        size += iv[2] - iv[1]
        if size >= batch_bases:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def depth_over(alignment, index, fmt, fasta, intervals, min_depth, batch_bases=BEDCOV_BATCH_BASES):
    """(depth sum, bases with depth >= min_depth) over half-open `intervals`, counted like `samtools depth`.

    `intervals` must not overlap (bedcov counts an overlapped base once per interval).
    """
    log = get_logger()
    ref = ["--reference", fasta] if fmt == "CRAM" else []
    total_bases = sum(end - start for _, start, end in intervals)
    depth_sum = covered = done = 0
    with tempfile.TemporaryDirectory(prefix="genorisk_qc_") as tmp:
        bed = Path(tmp) / "batch.bed"
        for batch in _batches(intervals, batch_bases):
            bed.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in batch))
            out = run(["samtools", "bedcov", "-j", "-d", str(min_depth), *ref, bed, _with_index(alignment, index)])
            for line in out.splitlines():
                fields = line.split("\t")
                depth_sum += int(fields[3])
                covered += int(fields[4])
            done += sum(e - s for _, s, e in batch)
            log.info("depth: %d of %d target bases done (%.0f%%)", done, total_bases, 100 * done / total_bases)
    return depth_sum, covered


# ---------------------------------------------------------------- metrics and verdict


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def round_sig(value, digits=6):
    """Round floats to `digits` significant digits; ints and None pass through."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{digits}g}")
    return value


def read_metrics(counts, summary, depth_sum, covered, target_bases):
    """The metrics dict (without per_contig) from flagstat counts, stats SN fields and depth sums."""
    paired = counts["paired in sequencing"]
    cigar_bases = summary.get("bases mapped (cigar)", 0)
    metrics = {
        "total_records": counts["total"],
        "mapped_records": counts["mapped"],
        "secondary_records": counts["secondary"],
        "supplementary_records": counts["supplementary"],
        "total_reads": counts["primary"],
        "mapped_reads": counts["primary mapped"],
        "mapped_rate": _ratio(counts["primary mapped"], counts["primary"]),
        "duplicate_reads": counts["primary duplicates"],
        "duplicate_rate": _ratio(counts["primary duplicates"], counts["primary mapped"]),
        "qc_failed_reads": counts["qc_failed_primary"],
        "paired_reads": paired,
        "properly_paired_reads": counts["properly paired"],
        "properly_paired_rate": _ratio(counts["properly paired"], paired),
        "mean_insert_size": summary.get("insert size average") if counts["properly paired"] else None,
        "error_rate": summary.get("error rate") if cigar_bases else None,
        "mean_depth": depth_sum / target_bases,
        "breadth": covered / target_bases,
        "covered_bases": covered,
    }
    return {key: round_sig(value) for key, value in metrics.items()}


def _shown(value, threshold, percent):
    """`value` with as few decimals (>= 1) as make it visibly differ from `threshold`."""
    scale = 100 if percent else 1
    for decimals in range(1, 7):
        text = f"{value * scale:.{decimals}f}"
        if float(text) != threshold * scale:
            return text
    return text


def judge(metrics, thresholds):
    """(verdict, reasons) from `metrics` and the config `qc` thresholds; undefined (None) metrics are skipped."""
    reasons, level = [], 0  # 0 pass, 1 warn, 2 fail
    if not metrics["total_reads"]:
        reasons.append("the alignment has no reads")
        level = 2
    elif not metrics["mapped_reads"]:
        reasons.append(f"no mapped reads (0 of {metrics['total_reads']} reads are mapped)")
        level = 2
    for metric, key, words, unit in CHECKS:
        value, limits = metrics.get(metric), thresholds.get(key)
        if value is None or not limits:
            continue
        is_max = key.startswith("max_")
        for severity, name in ((2, "fail"), (1, "warn")):
            limit = limits[name]
            if (value > limit) if is_max else (value < limit):
                percent = unit == "%"
                suffix = "%" if percent else unit
                shown_limit = f"{limit * (100 if percent else 1):g}{suffix}"
                side = "above" if is_max else "below"
                reasons.append(
                    f"{words} {_shown(value, limit, percent)}{suffix} is {side} the {name} threshold {shown_limit}"
                )
                level = max(level, severity)
                break
    return ("pass", "warn", "fail")[level], reasons


def _plain(value):
    """Config values as plain JSON types (Snakemake may hand over its own mapping/list types)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def qc_report(sample_id, alignment, index, fasta, fai, regions, thresholds, threads=1):
    """The QC record of one sample (the JSON layout in the module docstring)."""
    return measure_sample(sample_id, alignment, index, fasta, fai, regions, thresholds, threads)[0]


def measure_sample(sample_id, alignment, index, fasta, fai, regions, thresholds, threads=1):
    """(QC record, {kind: samtools text output} for SAMTOOLS_KINDS) of one sample."""
    log = get_logger()
    name = Path(alignment).name
    fmt = check_alignment_readable(alignment)
    lengths = dict(read_fai(fai))
    if regions:
        intervals = read_bed(regions, list(lengths.items()))  # the same parsing and checks as calling
        needed = {c: lengths[c] for c in dict.fromkeys(c for c, _, _ in intervals)}
    else:
        needed = lengths
    check_contigs(name, needed, header_contigs(alignment, fasta), Path(fasta).name)
    log.info("contig check passed for %d contigs", len(needed))
    if not regions:
        intervals = non_n_intervals(fasta, fai, list(lengths))
    target_bases = sum(end - start for _, start, end in intervals)
    if not target_bases:
        raise InputError(f"reference {Path(fasta).name} has no bases other than N: nothing to measure depth over")
    min_depth = int(thresholds.get("breadth_min_depth", 1))
    texts = {"flagstat": flagstat_text(alignment, fmt, fasta, threads)}
    counts = parse_flagstat(texts["flagstat"])
    log.info("flagstat: %d primary reads, %d mapped", counts["primary"], counts["primary mapped"])
    texts["stats"] = portable_stats(stats_text(alignment, fmt, fasta, threads))
    summary = parse_stats_summary(texts["stats"])
    depth_sum, covered = depth_over(alignment, index, fmt, fasta, intervals, min_depth)
    metrics = read_metrics(counts, summary, depth_sum, covered, target_bases)
    texts["idxstats"] = idxstats_text(alignment, index, fmt, fasta)
    metrics["per_contig"] = parse_idxstats(texts["idxstats"])
    verdict, reasons = judge(metrics, thresholds)
    log.info("verdict %s: %s", verdict, "; ".join(reasons) or "all metrics within thresholds")
    record = {
        "sample_id": sample_id,
        "alignment": name,
        "format": fmt,
        "metrics": metrics,
        "target": {"kind": "regions" if regions else "non-N reference", "bases": target_bases},
        "verdict": verdict,
        "reasons": reasons,
        "thresholds": _plain(thresholds),
        "tool_versions": {"samtools": tool_version("samtools")},
    }
    return record, texts


def write_qc_json(record, path):
    write_text(path, json.dumps(record, sort_keys=True, indent=2) + "\n")


def qc_sample(sample_id, alignment, index, fasta, fai, regions, thresholds, json_out, threads=1, samtools_out=None):
    """Measure one sample and write its QC JSON atomically; return the record.

    `samtools_out`: {kind: path} for any of SAMTOOLS_KINDS, where samtools' text outputs are written (atomically).
    """
    record, texts = measure_sample(sample_id, alignment, index, fasta, fai, regions, thresholds, threads)
    for kind, path in (samtools_out or {}).items():
        write_text(path, texts[kind])
    write_qc_json(record, json_out)
    return record


def main(smk):
    setup_logging(smk.log[0])
    regions = list(smk.input.regions)
    qc_sample(
        smk.wildcards.sample,
        smk.input.alignment,
        smk.input.index,
        smk.input.fasta,
        smk.input.fai,
        regions[0] if regions else None,
        smk.params.thresholds,
        smk.output.json,
        threads=smk.threads,
        samtools_out={kind: smk.output[kind] for kind in SAMTOOLS_KINDS},
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
