"""Gather the chunk calls in order and normalise them: one joint cohort VCF per caller.

Normalisation (bcftools norm against the reference): atomise MNPs and complex alleles into SNVs
and indels, split multi-allelic records, left-align indels; so every later lookup by position and
allele finds a variant however the caller wrote it. norm re-sorts records that left-alignment moved
(within --site-win), so no separate sort step is needed.
"""

import os

from atomic import atomic_path
from rule_logging import setup_logging
from tool_run import pipeline, run


def normalise_command(fasta, out_vcf):
    atomise_and_split = ["-a", "--atom-overlaps", ".", "-m", "-any"]
    return ["bcftools", "norm", "--no-version", "-f", fasta, *atomise_and_split, "-Oz", "-o", out_vcf]


def gather(chunks, fasta, out_vcf, out_tbi):
    """Concatenate `chunks` (in chunk order), normalise, write bgzipped VCF + tabix index, both atomically."""
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        pipeline(["bcftools", "concat", "--no-version", "-Ou", *chunks], normalise_command(fasta, tmp_vcf))
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)


def main(smk):
    log = setup_logging(smk.log[0])
    log.info("gathering %d chunks", len(smk.input.chunks))
    gather(list(smk.input.chunks), smk.input.fasta, smk.output.vcf, smk.output.tbi)
    log.info("cohort calls written")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
