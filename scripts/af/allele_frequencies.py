"""Cohort allele frequencies and per-sample genotype statistics from the joint-called VCF (scikit-allel).

Reads the normalised cohort VCF in blocks of variants. Each block gives its rows of `variants.tsv` (AC/AN/AF overall
and per population, missingness, heterozygote counts) and per-sample counts that add up over blocks; `samples.tsv` is
written from the summed counts at the end. A later issue swaps the block source for a zarr store; `block_counts` and
`SampleCounts` are shaped for that (pure functions of one block's arrays, counts that sum).

variants.tsv: one row per record in file order: CHROM POS(1-based) REF ALT AC AN AF, then AC_{pop} AN_{pop} AF_{pop}
for each non-empty population label of the sheet (sorted), then missing_rate (samples with a missing GT / all samples),
n_het, het_freq (n_het / samples with a called GT).
samples.tsv: one row per VCF sample in VCF order: sample_id n_called call_rate (called sites / all sites) n_het
n_hom_alt heterozygosity (n_het / n_called) ti_tv (transitions / transversions over the sample's ALT-carrying SNV
genotypes).
Ratios print with 7 significant digits, and as NA when the denominator is 0. An empty VCF gives a header-only
variants.tsv and one row per sample (zeros and NA) in samples.tsv.
A genotype with any missing allele (`./.`, `./1`) counts as missing; AC/AN count every called allele, as bcftools does.

Records must be biallelic (`bcftools norm -m -any` upstream). Genotypes are read as diploid: a haploid call `1` is
stored by scikit-allel as `1/.` and so counts as missing (the workflow calls all sites diploid today).

`write_allele_frequencies_from_store` reads the genotype store of scripts/af/vcf_to_store.py with dask, one task per
store chunk (`block_counts` + the chunk's text rows; the per-sample counts of the chunks are summed here), through
scripts/af/store_chunks.py (a bounded window of tasks; local threads or a dask.distributed scheduler by address).
"""

from dataclasses import dataclass

import allel
import numpy as np

from af.store_chunks import chunk_tasks, computed_in_windows, open_store
from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

TRANSITIONS = frozenset({("A", "G"), ("G", "A"), ("C", "T"), ("T", "C")})
BASES = frozenset("ACGT")
# (REF, ALT) -> +1 transition, -1 transversion, for the 12 single-base substitutions.
SNV_CLASS = {(r, a): 1 if (r, a) in TRANSITIONS else -1 for r in BASES for a in BASES if r != a}
NA = "NA"
# 7 significant digits, as much as a VCF's float32 AF holds. With 6, the double rounding against a 6-digit published
# AF reaches 1e-6 (379/694 = 0.5461095 prints as 0.54611 here and as 0.546109 in the 1000 Genomes INFO).
RATIO_DIGITS = 7

VARIANT_COLUMNS = ["CHROM", "POS", "REF", "ALT", "AC", "AN", "AF"]
VARIANT_TAIL_COLUMNS = ["missing_rate", "n_het", "het_freq"]
SAMPLE_COLUMNS = ["sample_id", "n_called", "call_rate", "n_het", "n_hom_alt", "heterozygosity", "ti_tv"]


@dataclass
class SampleCounts:
    """Per-sample counts over some variants; `a + b` gives the counts over both sets of variants.

    Arrays have shape (n_samples,).
    """

    n_sites: int
    n_called: np.ndarray
    n_het: np.ndarray
    n_hom_alt: np.ndarray
    n_transitions: np.ndarray
    n_transversions: np.ndarray

    @classmethod
    def zeros(cls, n_samples):
        def zero():
            return np.zeros(n_samples, dtype=np.int64)

        return cls(0, zero(), zero(), zero(), zero(), zero())

    def __add__(self, other):
        return SampleCounts(
            self.n_sites + other.n_sites,
            self.n_called + other.n_called,
            self.n_het + other.n_het,
            self.n_hom_alt + other.n_hom_alt,
            self.n_transitions + other.n_transitions,
            self.n_transversions + other.n_transversions,
        )


@dataclass
class VariantCounts:
    """Per-variant counts of one block. Arrays have shape (n_variants,); `pop_ac`/`pop_an` map label -> array."""

    ac: np.ndarray
    an: np.ndarray
    pop_ac: dict
    pop_an: dict
    n_missing: np.ndarray
    n_het: np.ndarray
    n_samples: int


def snv_classes(ref, alt):
    """+1 for a transition, -1 for a transversion, 0 for anything that is not a single-base substitution.

    `ref`, `alt`: string arrays of shape (n_variants,). Written by hand: scikit-allel has no Ti/Tv classifier.
    """
    classes = [SNV_CLASS.get((str(r).upper(), str(a).upper()), 0) for r, a in zip(ref, alt, strict=True)]
    return np.asarray(classes, dtype=np.int8).reshape(len(ref))


def diploid_masks(gt):
    """(missing, het, hom_alt), boolean (n_variants, n_samples), of biallelic diploid gt (n_variants, n_samples, 2).

    Same as GenotypeArray.is_missing/is_het/is_hom_alt, written on the two allele columns because those reduce over
    the ploidy axis of length 2 and took 0.2 s each on 8,000 x 1,000 genotypes (this: 0.04 s for all three).
    """
    first, second = gt[..., 0], gt[..., 1]
    missing = (first < 0) | (second < 0)
    het = (first != second) & ~missing
    hom_alt = (first == second) & (first > 0)
    return missing, het, hom_alt


def block_counts(gt, ref, alt, subpops):
    """Counts for one block of biallelic variants.

    gt: int array (n_variants, n_samples, 2) of allele indices, -1 = missing; ref, alt: (n_variants,) strings;
    subpops: {label: [sample indices]}. Returns (VariantCounts, SampleCounts).
    """
    g = allel.GenotypeArray(gt)
    n_samples = g.n_samples
    ac = g.count_alleles(max_allele=1)
    pop_ac = g.count_alleles_subpops(subpops, max_allele=1) if subpops else {}
    missing, het, hom_alt = diploid_masks(g.values)
    classes = snv_classes(ref, alt)
    carries_alt = het | hom_alt
    variants = VariantCounts(
        ac=np.asarray(ac[:, 1], dtype=np.int64),
        an=np.asarray(ac.sum(axis=1), dtype=np.int64),
        pop_ac={label: np.asarray(c[:, 1], dtype=np.int64) for label, c in pop_ac.items()},
        pop_an={label: np.asarray(c.sum(axis=1), dtype=np.int64) for label, c in pop_ac.items()},
        n_missing=missing.sum(axis=1),
        n_het=het.sum(axis=1),
        n_samples=n_samples,
    )
    samples = SampleCounts(
        n_sites=g.n_variants,
        n_called=(~missing).sum(axis=0),
        n_het=het.sum(axis=0),
        n_hom_alt=hom_alt.sum(axis=0),
        n_transitions=carries_alt[classes == 1].sum(axis=0),
        n_transversions=carries_alt[classes == -1].sum(axis=0),
    )
    return variants, samples


def ratio(num, den):
    """num / den with RATIO_DIGITS significant digits, or 'NA' where den == 0."""
    return NA if den == 0 else f"{num / den:.{RATIO_DIGITS}g}"


def population_groups(vcf_samples, populations, vcf_path):
    """{label: [VCF sample indices]} for every non-empty label of the sheet, labels sorted.

    A sheet label with no sample in the VCF keeps its (empty) group, so the columns do not depend on the calls.
    """
    unknown = [s for s in vcf_samples if s not in populations]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise InputError(f"{vcf_path}: {len(unknown)} VCF sample(s) are not in the sample sheet: {shown}")
    labels = sorted({label for label in populations.values() if label})
    index = {s: i for i, s in enumerate(vcf_samples)}
    return {label: [index[s] for s in vcf_samples if populations[s] == label] for label in labels}


def variant_header(labels):
    pop_columns = [f"{stat}_{label}" for label in labels for stat in ("AC", "AN", "AF")]
    return VARIANT_COLUMNS + pop_columns + VARIANT_TAIL_COLUMNS


def ratio_column(num, den):
    """ratio(num[i], den[i]) for each i, formatted once per distinct (num, den) pair: (n,) int arrays -> n strings."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=np.int64), np.asarray(den, dtype=np.int64))
    if not num.size:
        return []
    base = int(den.max()) + 1  # one int64 key per pair: np.unique on pair rows sorts 4x slower
    keys, inverse = np.unique(num * base + den, return_inverse=True)
    texts = np.asarray([ratio(int(k // base), int(k % base)) for k in keys], dtype=object)
    return texts[inverse.reshape(-1)]


def int_column(values):
    return [str(v) for v in np.asarray(values).tolist()]


def variant_rows(chrom, pos, ref, alt, counts, labels):
    """Text rows (no newline) of variants.tsv for one block. Built column-wise (the per-cell loop was most of the
    cost at 1 M records)."""
    columns = [
        [str(c) for c in chrom],
        int_column(pos),
        [str(r) for r in ref],
        [str(a) or "." for a in alt],
        int_column(counts.ac),
        int_column(counts.an),
        ratio_column(counts.ac, counts.an),
    ]
    for label in labels:
        pac, pan = counts.pop_ac[label], counts.pop_an[label]
        columns += [int_column(pac), int_column(pan), ratio_column(pac, pan)]
    columns += [
        ratio_column(counts.n_missing, counts.n_samples),
        int_column(counts.n_het),
        ratio_column(counts.n_het, counts.n_samples - np.asarray(counts.n_missing)),
    ]
    return ["\t".join(fields) for fields in zip(*columns, strict=True)]


def sample_rows(vcf_samples, counts):
    """Text rows (no newline) of samples.tsv, one per VCF sample in VCF order."""
    rows = []
    for i, sample in enumerate(vcf_samples):
        called, het = int(counts.n_called[i]), int(counts.n_het[i])
        fields = [
            str(sample),
            str(called),
            ratio(called, counts.n_sites),
            str(het),
            str(int(counts.n_hom_alt[i])),
            ratio(het, called),
            ratio(int(counts.n_transitions[i]), int(counts.n_transversions[i])),
        ]
        rows.append("\t".join(fields))
    return rows


def check_block(block, vcf_path):
    """Refuse what the counts cannot handle: multi-allelic records and allele indices above 1."""
    numalt = block["variants/numalt"]
    bad = np.flatnonzero(numalt > 1)
    if bad.size:
        i = bad[0]
        raise InputError(
            f"{vcf_path}: record {block['variants/CHROM'][i]}:{block['variants/POS'][i]} has {numalt[i]} ALT alleles "
            f"({bad.size} such record(s) in this block); allele frequencies need biallelic records: split them with "
            "`bcftools norm -m -any`"
        )
    too_high = np.flatnonzero((block["calldata/GT"] > 1).any(axis=(1, 2)))
    if too_high.size:
        i = too_high[0]
        raise InputError(
            f"{vcf_path}: record {block['variants/CHROM'][i]}:{block['variants/POS'][i]} has a genotype allele index "
            "above its single ALT allele (malformed GT)"
        )


# --- from the genotype store (scripts/af/vcf_to_store.py) with dask ---------------------------------------------------

# What a dask.distributed worker must import to run store_chunk_result (store_chunks uploads what it lacks).
WORKER_MODULES = ["af.allele_frequencies"]


def store_chunk_result(block, groups, labels, where):
    """variants.tsv text and per-sample counts of one store chunk (runs as a dask task).

    block: {field: array} for store_chunks.STORE_FIELDS, calldata/GT (n_variants, n_samples, 2). Returns (text of
    the rows with newlines, n_variants, counts (5, n_samples) int64: n_called, n_het, n_hom_alt, n_transitions,
    n_transversions).
    """
    check_block(block, where)
    chrom, pos = block["variants/CHROM"], block["variants/POS"]
    ref, alt = block["variants/REF"], block["variants/ALT"]
    variants, samples = block_counts(block["calldata/GT"], ref, alt, groups)
    rows = variant_rows(chrom, pos, ref, alt, variants, labels)
    counts = np.stack(
        [samples.n_called, samples.n_het, samples.n_hom_alt, samples.n_transitions, samples.n_transversions]
    )
    return "".join(row + "\n" for row in rows), len(pos), counts.astype(np.int64)


def write_allele_frequencies_from_store(store_path, populations, variants_tsv, samples_tsv, scheduler=None, threads=1):
    """Write variants.tsv and samples.tsv (layouts in the module docstring).

    store_path: a genotype store of scripts/af/vcf_to_store.py; scheduler: None (local threads, `threads` of them) or a
    dask.distributed scheduler address. Returns (n_variants, n_samples).
    """
    log = get_logger()
    root, where, samples = open_store(store_path)
    groups = population_groups(samples, populations, where)
    labels = list(groups)
    log.info("%d store samples; populations %s", len(samples), {label: len(ix) for label, ix in groups.items()})
    tasks = chunk_tasks(root, store_chunk_result, groups, labels, where, where=where)
    totals = np.zeros((5, len(samples)), dtype=np.int64)
    n_sites = 0
    with atomic_path(variants_tsv) as tmp_variants:
        with open(tmp_variants, "w") as out:
            out.write("\t".join(variant_header(labels)) + "\n")
            for text, n, counts in computed_in_windows(tasks, scheduler, threads, WORKER_MODULES, log):
                out.write(text)
                n_sites += n
                totals += counts
        sample_totals = SampleCounts(n_sites, *totals)
        with atomic_path(samples_tsv) as tmp_samples, open(tmp_samples, "w") as out:
            out.write("\t".join(SAMPLE_COLUMNS) + "\n")
            for row in sample_rows(samples, sample_totals):
                out.write(row + "\n")
    log.info("wrote %d variant rows and %d sample rows", n_sites, len(samples))
    return n_sites, len(samples)


def main(smk):
    setup_logging(smk.log[0])
    write_allele_frequencies_from_store(
        smk.input.store,
        dict(smk.params.populations),
        smk.output.variants,
        smk.output.samples,
        scheduler=smk.params.scheduler,
        threads=smk.threads,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
