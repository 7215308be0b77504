"""The two stable tables of the allele-frequency stage, joined from the rules that compute their parts.

results/af/variants.tsv, one row per cohort record in file order:
  CHROM POS REF ALT AC AN AF, AC_{pop} AN_{pop} AF_{pop} per sheet population, missing_rate n_het het_freq
  (rule allele_frequencies, from the genotype store with dask: allele_counts.tsv), then n_called n_hom_ref n_hom_alt
  het_observed het_expected hwe_p (rule popgen_stats, from the same store with dask: popgen_variants.tsv).
results/af/samples.tsv, one row per VCF sample in VCF order:
  sample_id n_called call_rate n_het n_hom_alt heterozygosity ti_tv (allele_frequencies: sample_counts.tsv), then
  n_sites o_hom e_hom inbreeding_f singletons chrx_sites chrx_het chrx_f chry_alt_calls sheet_sex sex_agrees
  (popgen_stats: popgen_samples.tsv), then inferred_sex (popgen_stats) and ancestry (rule population_structure:
  ancestry.tsv; 'unknown' when not assigned, including when no panel is configured).
Each column's definition is in the docstring of the script that computes it.

The parts are joined row by row: both list the same biallelic records in the same order (the cohort VCF is split
with `bcftools norm -m -any` and allele_frequencies refuses anything else), and every row's CHROM/POS/REF/ALT is
checked, so a stale or foreign part is refused instead of silently misaligned.
"""

import itertools
from pathlib import Path

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from common.tables import read_tsv

KEY = ("CHROM", "POS", "REF", "ALT")
# popgen columns left out of variants.tsv: the key (already there) and n_het (allele_frequencies writes it).
POPGEN_VARIANT_SKIP = {*KEY, "n_het"}
SEX_COLUMN, ANCESTRY_COLUMN = "inferred_sex", "ancestry"
UNKNOWN = "unknown"
PROGRESS_EVERY = 1_000_000


def split_line(line):
    return line.rstrip("\n").split("\t")


def header_of(handle, path, required):
    """The header fields of an open TSV; InputError naming the file when a required column is missing."""
    header = split_line(handle.readline())
    missing = [column for column in required if column not in header]
    if missing:
        raise InputError(f"{path}: column {missing[0]!r} is missing from the header")
    return header


def join_variants(counts_tsv, popgen_tsv, out_tsv):
    """Write variants.tsv from allele_counts.tsv and popgen_variants.tsv (same records, same order). Returns rows."""
    log = get_logger()
    with open(counts_tsv) as counts, open(popgen_tsv) as popgen, atomic_path(out_tsv) as tmp, open(tmp, "w") as out:
        counts_header = header_of(counts, counts_tsv, KEY)
        popgen_header = header_of(popgen, popgen_tsv, KEY)
        counts_key = [counts_header.index(c) for c in KEY]
        popgen_key = [popgen_header.index(c) for c in KEY]
        extra = [i for i, column in enumerate(popgen_header) if column not in POPGEN_VARIANT_SKIP]
        out.write("\t".join(counts_header + [popgen_header[i] for i in extra]) + "\n")
        n = 0
        for n, (left, right) in enumerate(itertools.zip_longest(counts, popgen), start=1):
            if left is None or right is None:
                raise InputError(f"{counts_tsv} and {popgen_tsv} have different numbers of rows (first {n - 1} agree)")
            a, b = split_line(left), split_line(right)
            if [a[i] for i in counts_key] != [b[i] for i in popgen_key]:
                raise InputError(
                    f"{popgen_tsv}: row {n} is {':'.join(b[i] for i in popgen_key)} but row {n} of {counts_tsv} is "
                    f"{':'.join(a[i] for i in counts_key)}; the two tables come from different cohort VCFs"
                )
            out.write("\t".join(a + [b[i] for i in extra]) + "\n")
            if n % PROGRESS_EVERY == 0:
                log.info("%d variant rows joined", n)
    log.info("variants.tsv: %d rows", n)
    return n


def join_samples(counts_tsv, popgen_tsv, ancestry_tsv, out_tsv):
    """Write samples.tsv from sample_counts.tsv, popgen_samples.tsv and ancestry.tsv. Returns the number of rows."""
    counts_header, counts = read_tsv(counts_tsv, ["sample_id"])
    popgen_header, popgen = read_tsv(popgen_tsv, ["sample_id", SEX_COLUMN])
    _, ancestry = read_tsv(ancestry_tsv, ["sample_id", ANCESTRY_COLUMN])
    by_sample = {"popgen": {r["sample_id"]: r for r in popgen}, "ancestry": {r["sample_id"]: r for r in ancestry}}
    popgen_extra = [c for c in popgen_header if c not in ("sample_id", SEX_COLUMN)]
    header = counts_header + popgen_extra + [SEX_COLUMN, ANCESTRY_COLUMN]
    lines = ["\t".join(header)]
    for row in counts:
        sample = row["sample_id"]
        for part, path in (("popgen", popgen_tsv), ("ancestry", ancestry_tsv)):
            if sample not in by_sample[part]:
                raise InputError(f"{path}: sample {sample!r} of {counts_tsv} has no row")
        stats = by_sample["popgen"][sample]
        label = by_sample["ancestry"][sample][ANCESTRY_COLUMN]
        fields = [row[c] for c in counts_header] + [stats[c] for c in popgen_extra]
        fields += [stats[SEX_COLUMN], label if label not in ("", "NA") else UNKNOWN]
        lines.append("\t".join(fields))
    with atomic_path(out_tsv) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    get_logger().info("samples.tsv: %d rows", len(counts))
    return len(counts)


def main(smk):
    setup_logging(smk.log[0])
    join_variants(smk.input.counts, smk.input.popgen_variants, smk.output.variants)
    join_samples(smk.input.sample_counts, smk.input.popgen_samples, smk.input.ancestry, smk.output.samples)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
