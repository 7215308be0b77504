"""Gather the chunk calls in order and normalise them: one joint cohort VCF per caller.

Normalisation (bcftools norm against the reference): atomise MNPs and complex alleles into SNVs
and indels, split multi-allelic records, left-align indels; so every later lookup by position and
allele finds a variant however the caller wrote it. norm re-sorts records that left-alignment moved
(within --site-win), so no separate sort step is needed.

Soft filters (scripts/apply_filters.py, config `filters`) then flag records (FILTER LowQual) and genotypes
(FORMAT/FT LowDP, LowGQ) in the same stream: nothing is dropped and no genotype changes.
"""

import os

from apply_filters import filter_commands
from atomic import atomic_path
from rule_logging import setup_logging
from tool_run import pipeline, run


def normalise_command(fasta, out_vcf=None):
    """bcftools norm to bgzipped `out_vcf`, or (None) as uncompressed BCF to stdout."""
    atomise_and_split = ["-a", "--atom-overlaps", ".", "-m", "-any"]
    output = ["-Oz", "-o", out_vcf] if out_vcf else ["-Ou"]
    return ["bcftools", "norm", "--no-version", "-f", fasta, *atomise_and_split, *output]


def gather(chunks, fasta, out_vcf, out_tbi, filters=None):
    """Concatenate `chunks` (in chunk order), normalise, write bgzipped VCF + tabix index, both atomically.

    `filters` ({min_qual, min_dp, min_gq}, the config block) adds the soft filters; None leaves records as called.
    """
    concat = ["bcftools", "concat", "--no-version", "-Ou", *chunks]
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        if filters is None:
            pipeline(concat, normalise_command(fasta, tmp_vcf))
        else:
            write = ["bcftools", "view", "--no-version", "-Oz", "-o", tmp_vcf, "-"]
            pipeline(concat, normalise_command(fasta), *filter_commands(filters), write)
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)


def main(smk):
    log = setup_logging(smk.log[0])
    log.info("gathering %d chunks", len(smk.input.chunks))
    log.info("soft filters: %s", ", ".join(f"{k}={v}" for k, v in smk.params.filters.items()))
    gather(list(smk.input.chunks), smk.input.fasta, smk.output.vcf, smk.output.tbi, dict(smk.params.filters))
    log.info("cohort calls written")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
