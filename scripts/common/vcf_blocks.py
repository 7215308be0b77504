"""Reading a cohort VCF in blocks of variants with scikit-allel: the block size and the opened block iterator.

Shared by the statistics when given a VCF rather than the genotype store (allele frequencies, kinship, population
statistics, polygenic scores; the reference panel's scores always): a block holds about `genotypes_per_block`
genotypes, so memory stays flat whatever the cohort's size.
"""

import allel

from common.input_error import InputError

GENOTYPES_PER_BLOCK = 8_000_000
MIN_BLOCK, MAX_BLOCK = 64, 65_536


def block_length(n_samples, genotypes_per_block=GENOTYPES_PER_BLOCK):
    """Variants per block so a block of n_samples holds about genotypes_per_block genotypes (64 to 65,536)."""
    return int(min(MAX_BLOCK, max(MIN_BLOCK, genotypes_per_block // max(n_samples, 1))))


def open_blocks(vcf_path, fields, needs, chunk_length=None, genotypes_per_block=GENOTYPES_PER_BLOCK):
    """(VCF sample IDs, iterator of block dicts with `fields`, biallelic view: alt_number 1); InputError when the VCF
    has no sample columns (`needs`: what the caller computes, for the message). An empty VCF gives no blocks."""
    if chunk_length is None:
        chunk_length = block_length(len(allel.read_vcf_headers(str(vcf_path)).samples), genotypes_per_block)
    _, samples, _, chunks = allel.iter_vcf_chunks(str(vcf_path), fields=fields, alt_number=1, chunk_length=chunk_length)
    samples = [str(s) for s in samples]
    if not samples:
        raise InputError(f"{vcf_path}: the VCF has no sample columns; {needs} need genotypes")
    return samples, (chunk for chunk, *_ in chunks)
