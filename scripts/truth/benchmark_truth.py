"""Benchmark one caller's cohort calls against per-sample truth sets (e.g. GIAB): one job per caller.

For each sample with a truth VCF: results/benchmark/{caller}/{sample}.tsv (one row for SNVs, one for indels)
and a figure, results/benchmark/{caller}/{sample}.png. The comparison, one function per step:

1. Scope (`benchmark_scope`): where the two sides are compared. The truth's confident-region BED intersected
   with the calling regions (config `regions`); without a truth BED, the calling regions; without regions,
   every reference contig. Without a truth BED a call missing from the truth is "not in truth", which need
   not be a false positive: the TSV's `note` column says so.
2. Carried variants (`carried_variants`): the truth VCF and the cohort calls go through the very same bcftools
   steps, so a variant written two ways (an MNP or its SNVs; an indel placed anywhere in its repeat) compares
   equal: take the sample's column; keep records within PAD bases of the scope (normalising can move a record
   into it); `bcftools norm` against the reference as gather_calls does (atomise MNP/complex alleles, split
   multi-allelic records, left-align indels); keep records whose POS is inside the scope, whose FILTER is PASS
   or '.' (records the filters flagged, e.g. LowQual, are not calls; genotype-level FORMAT/FT flags are not
   applied), and whose genotype carries the ALT allele. Result: {(chrom, pos, ref, alt): genotype}.
3. Matching (`compare`): allele-aware. A variant is a TP when the sample carries the same ALT allele at the
   same normalised position on both sides, an FP when only called, an FN when only in the truth. SNVs (REF and
   ALT one base) and indels (REF and ALT lengths differ) are counted apart; other alleles (symbolic, '*') are
   left out and logged.
4. Genotype concordance: among the TPs, the fraction whose unphased genotypes are equal ('1|0' equals '0/1').
5. precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R); "NA" when a denominator is 0.

TSV columns: sample, caller, type (snv|indel), scope (truth_bed+regions|truth_bed|regions|genome), truth (= TP+FN),
called (= TP+FP), tp, fp, fn, precision, recall, f1 (4 decimals), gt_concordant (TPs with equal genotypes),
gt_concordance, note (empty, or why FP means "not in truth", or why there is nothing to count).

Before comparing, the truth's REF alleles inside the scope are checked against the reference (a truth on
another build is refused with a message); records in the padding whose REF disagrees are dropped (norm -c x):
sliced test references are N outside their window.
"""

import dataclasses
import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

from common.atomic import atomic_path, write_text
from common.genomic_chunks import read_bed, read_fai, write_bed
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from common.tool_run import ToolError, pipeline, run

# Bases around the scope read before normalising: left-alignment moves an indel at most across its repeat, so only
# an indel in a repeat longer than this, at the very edge of the scope, could be misplaced (the same on both sides).
PAD = 1000
TYPES = ("snv", "indel")
BASES = set("ACGTN")
COLUMNS = (
    "sample", "caller", "type", "scope", "truth", "called", "tp", "fp", "fn",
    "precision", "recall", "f1", "gt_concordant", "gt_concordance", "note",
)  # fmt: skip
COLOURS = {"snv": "#3b6ea5", "indel": "#e08a2c"}
LABELS = {"snv": "SNVs", "indel": "indels"}
SCOPE_TEXT = {
    "truth_bed+regions": "truth BED within the calling regions",
    "truth_bed": "truth BED",
    "regions": "calling regions (no truth BED)",
    "genome": "whole reference (no truth BED, no regions)",
}
NOT_IN_TRUTH = "no truth BED: fp counts calls not in the truth, which need not be false"


@dataclasses.dataclass
class Counts:
    """Matching counts of one variant type; gt_concordant counts TPs whose genotypes agree too."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    gt_concordant: int = 0

    @property
    def precision(self):
        return ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self):
        return ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self):
        p, r = self.precision, self.recall
        return None if p is None or r is None or p + r == 0 else 2 * p * r / (p + r)

    @property
    def gt_concordance(self):
        return ratio(self.gt_concordant, self.tp)


def ratio(numerator, denominator):
    return numerator / denominator if denominator else None


# --- 1. scope ---------------------------------------------------------------------------------------------


def intersect(a, b, contig_order):
    """Intersection of two interval lists [(contig, start0, end0)], each sorted by `contig_order` and merged.

    Written by hand: bedtools is not a dependency and bcftools cannot intersect BED files.
    """
    order = {name: i for i, name in enumerate(contig_order)}
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        (ca, sa, ea), (cb, sb, eb) = a[i], b[j]
        if ca == cb and max(sa, sb) < min(ea, eb):
            out.append((ca, max(sa, sb), min(ea, eb)))
        if (order[ca], ea) <= (order[cb], eb):
            i += 1
        else:
            j += 1
    return out


def benchmark_scope(fai, truth_bed=None, regions_bed=None):
    """(intervals, name): the truth BED ∩ the calling regions, whichever of them is given, else every contig."""
    contigs = read_fai(fai)
    whole = [(name, 0, length) for name, length in contigs]
    truth = read_bed(truth_bed, contigs) if truth_bed else None
    regions = read_bed(regions_bed, contigs) if regions_bed else None
    if truth and regions:
        return intersect(truth, regions, [name for name, _ in contigs]), "truth_bed+regions"
    if truth:
        return truth, "truth_bed"
    if regions:
        return regions, "regions"
    return whole, "genome"


def padded(intervals, pad, contig_lengths):
    """The intervals widened by `pad` on each side (clipped to the contig), merged again."""
    lengths = dict(contig_lengths)
    out = []
    for contig, start, end in intervals:
        start, end = max(0, start - pad), min(lengths[contig], end + pad)
        if out and out[-1][0] == contig and start <= out[-1][2]:
            out[-1] = (contig, out[-1][1], max(out[-1][2], end))
        else:
            out.append((contig, start, end))
    return out


# --- 2. carried variants ----------------------------------------------------------------------------------


def vcf_samples(vcf):
    return run(["bcftools", "query", "-l", vcf]).split()


def truth_column(truth_vcf, sample):
    """The truth VCF's column for `sample`: its only column, or the one named like the sample."""
    columns = vcf_samples(truth_vcf)
    if len(columns) == 1:
        return columns[0]
    if sample in columns:
        return sample
    raise InputError(
        f"truth VCF {truth_vcf} (sample {sample!r}): it has {len(columns)} sample columns and none is named {sample!r}"
    )


def has_index(vcf):
    return any(os.path.exists(f"{vcf}.{ext}") for ext in ("tbi", "csi"))


def select_near_scope(vcf, column, padded_bed):
    """bcftools view: the column, records near the scope (through the index when there is one)."""
    where = ["-R", padded_bed] if has_index(vcf) else ["-T", padded_bed]
    return ["bcftools", "view", "--no-version", "-s", column, *where, "-Ou", vcf]


def normalise(fasta):
    """Atomise, split, left-align: the options of gather_calls; -c x drops records whose REF is not the reference's."""
    return ["bcftools", "norm", "--no-version", "-f", fasta, "-c", "x", "-a", "--atom-overlaps", ".", "-m", "-any",
            "-Ou"]  # fmt: skip


def keep_carried_in_scope(scope_bed):
    return ["bcftools", "view", "--no-version", "-T", scope_bed, "-f", "PASS,.", "-i", 'GT="alt"', "-Ou"]


def query_variants(out_path):
    return ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n", "-o", out_path]


def carried_variants(vcf, column, fasta, scope_bed, padded_bed, work):
    """{(chrom, pos, ref, alt): genotype} of the variants `column` carries inside the scope, normalised (step 2)."""
    table = Path(work) / "variants.tsv"
    pipeline(
        select_near_scope(vcf, column, padded_bed), normalise(fasta), keep_carried_in_scope(scope_bed),
        query_variants(table),
    )  # fmt: skip
    variants = {}
    with open(table) as fh:
        for line in fh:
            chrom, pos, ref, alt, gt = line.rstrip("\n").split("\t")
            variants[(chrom, int(pos), ref, alt)] = gt
    return variants


def check_truth_reference(truth_vcf, column, fasta, scope_bed, sample):
    """Refuse a truth whose REF alleles inside the scope disagree with the reference (another build, say)."""
    try:
        pipeline(
            ["bcftools", "view", "--no-version", "-s", column, "-T", scope_bed, "-Ou", truth_vcf],
            ["bcftools", "norm", "--no-version", "-f", fasta, "-c", "e", "-Ou", "-o", os.devnull],
        )
    except ToolError as error:
        raise InputError(
            f"truth VCF {truth_vcf} (sample {sample!r}) does not match the reference inside the benchmark scope: "
            f"{str(error).strip().splitlines()[-1]} (is it on the same genome build, with the same contig names?)"
        ) from None


# --- 3-5. matching ----------------------------------------------------------------------------------------


def variant_type(ref, alt):
    """'snv', 'indel', or None for anything else (symbolic or '*' alleles, and MNPs, which norm -a splits)."""
    if not (set(ref) <= BASES and set(alt) <= BASES):
        return None
    if len(ref) == len(alt) == 1:
        return "snv"
    return "indel" if len(ref) != len(alt) else None


def unphased(gt):
    """'1|0' -> '0/1': genotypes compared by allele content, whatever the phasing."""
    return "/".join(sorted(gt.replace("|", "/").split("/")))


def by_type(variants):
    """{type: {variant: genotype}} for the SNV and indel types; the rest under None."""
    out = {t: {} for t in (*TYPES, None)}
    for key, gt in variants.items():
        out[variant_type(key[2], key[3])][key] = gt
    return out


def compare(truth, calls):
    """{type: Counts}: allele-aware matching of two {variant: genotype} maps (steps 3-4)."""
    truth_by, calls_by = by_type(truth), by_type(calls)
    counts = {}
    for kind in TYPES:
        t, c = truth_by[kind], calls_by[kind]
        shared = t.keys() & c.keys()
        concordant = sum(unphased(t[k]) == unphased(c[k]) for k in shared)
        counts[kind] = Counts(tp=len(shared), fp=len(c.keys() - t.keys()), fn=len(t.keys() - c.keys()),
                              gt_concordant=concordant)  # fmt: skip
    return counts


# --- outputs ----------------------------------------------------------------------------------------------


def fmt(value):
    return "NA" if value is None else f"{value:.4f}"


def table_rows(sample, caller, scope, counts, note=""):
    """The TSV rows (dicts keyed by COLUMNS), SNVs then indels; `counts` None when the sample was not called."""
    rows = []
    for kind in TYPES:
        c = counts[kind] if counts else None
        row = {"sample": sample, "caller": caller, "type": kind, "scope": scope, "note": note}
        if c is None:
            row.update({k: "NA" for k in COLUMNS if k not in row})
        else:
            row.update(truth=c.tp + c.fn, called=c.tp + c.fp, tp=c.tp, fp=c.fp, fn=c.fn, precision=fmt(c.precision),
                       recall=fmt(c.recall), f1=fmt(c.f1), gt_concordant=c.gt_concordant,
                       gt_concordance=fmt(c.gt_concordance))  # fmt: skip
        rows.append(row)
    return rows


def write_table(rows, tsv):
    lines = ["\t".join(COLUMNS)] + ["\t".join(str(row[k]) for k in COLUMNS) for row in rows]
    write_text(tsv, "\n".join(lines) + "\n")


def plot(sample, caller, scope, bases, counts, note, png):
    """Two panels: precision/recall/F1/genotype concordance per type, and the TP/FP/FN counts behind them."""
    fig = Figure(figsize=(11, 5), dpi=100)
    left, right = fig.subplots(1, 2)
    fig.suptitle(f"{sample}: {caller} calls vs truth\nscope: {SCOPE_TEXT[scope]}, {bases:,} bp", fontsize=12)
    metrics = ("precision", "recall", "f1", "gt_concordance")
    width = 0.38
    for offset, kind in zip((-width / 2, width / 2), TYPES):
        values = [getattr(counts[kind], m) if counts else None for m in metrics]
        xs = [i + offset for i in range(len(metrics))]
        bars = left.bar(xs, [v or 0 for v in values], width, label=LABELS[kind], color=COLOURS[kind])
        left.bar_label(bars, ["NA" if v is None else f"{v:.3f}" for v in values], fontsize=9, padding=2)
    left.set_xticks(range(len(metrics)), ["precision", "recall", "F1", "genotype\nconcordance"])
    left.set_ylim(0, 1.25)
    left.set_ylabel("fraction")
    left.legend(loc="upper center", ncols=2, frameon=False)
    left.set_title("Allele-aware match after normalisation", fontsize=11)
    labels = ("TP", "FP" if scope.startswith("truth_bed") else "not in truth", "FN")
    for offset, kind in zip((-width / 2, width / 2), TYPES):
        values = [counts[kind].tp, counts[kind].fp, counts[kind].fn] if counts else [0, 0, 0]
        bars = right.bar([i + offset for i in range(3)], values, width, label=LABELS[kind], color=COLOURS[kind])
        right.bar_label(bars, fontsize=9, padding=2)
    right.set_xticks(range(3), labels)
    right.set_ylabel("variants")
    right.margins(y=0.2)
    right.set_title("Counts", fontsize=11)
    right.legend(loc="upper right", frameon=False)
    if note:
        fig.text(0.5, 0.01, note, ha="center", fontsize=9, style="italic")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    with atomic_path(png, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})


# --- one sample, one caller -------------------------------------------------------------------------------


def benchmark_sample(sample, caller, calls_vcf, truth_vcf, fasta, tsv, png, truth_bed=None, regions_bed=None):
    """Compare `sample`'s calls with its truth (steps 1-5); write the TSV and the figure. Returns {type: Counts}."""
    log = get_logger()
    contigs = read_fai(f"{fasta}.fai")
    scope, scope_name = benchmark_scope(f"{fasta}.fai", truth_bed, regions_bed)
    bases = sum(end - start for _, start, end in scope)
    note = "" if truth_bed else NOT_IN_TRUTH
    if sample not in vcf_samples(calls_vcf):
        log.warning("%s: not in the %s calls (failed QC?); benchmark left empty", sample, caller)
        note = "sample not in the cohort calls (failed QC?)"
        write_table(table_rows(sample, caller, scope_name, None, note), tsv)
        plot(sample, caller, scope_name, bases, None, note, png)
        return None
    column = truth_column(truth_vcf, sample)
    with tempfile.TemporaryDirectory(prefix="genorisk_truth_") as work:
        scope_bed, padded_bed = Path(work) / "scope.bed", Path(work) / "padded.bed"
        # An empty scope (a BED outside the calling regions) still needs a valid BED: one base, then nothing counted.
        write_bed(scope or [(contigs[0][0], 0, 1)], scope_bed)
        write_bed(padded(scope, PAD, contigs) or [(contigs[0][0], 0, 1)], padded_bed)
        check_truth_reference(truth_vcf, column, fasta, scope_bed, sample)
        truth = carried_variants(truth_vcf, column, fasta, scope_bed, padded_bed, work) if scope else {}
        calls = carried_variants(calls_vcf, sample, fasta, scope_bed, padded_bed, work) if scope else {}
    skipped = len(by_type(truth)[None]) + len(by_type(calls)[None])
    counts = compare(truth, calls)
    if not truth:
        note = "; ".join(filter(None, [note, "no truth variants in the scope (contig names? build?)"]))
    log.info(
        "%s (%s, scope %s, %d bases): SNV TP %d FP %d FN %d; indel TP %d FP %d FN %d; %d other alleles left out",
        sample, caller, scope_name, bases, counts["snv"].tp, counts["snv"].fp,
        counts["snv"].fn, counts["indel"].tp, counts["indel"].fp, counts["indel"].fn, skipped,
    )  # fmt: skip
    write_table(table_rows(sample, caller, scope_name, counts, note), tsv)
    plot(sample, caller, scope_name, bases, counts, note, png)
    return counts


def main(smk):
    setup_logging(smk.log[0])
    regions = smk.input.regions[0] if smk.input.regions else None
    for sample, tsv, png in zip(smk.params.samples, smk.output.tsv, smk.output.png):
        truth = smk.params.truth[sample]
        benchmark_sample(sample, smk.wildcards.caller, smk.input.vcf, truth["vcf"], smk.input.fasta, tsv, png,
                         truth_bed=truth["bed"], regions_bed=regions)  # fmt: skip


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
