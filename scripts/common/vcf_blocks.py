"""How many variants a block of a cohort VCF read with scikit-allel holds.

Used where a VCF is read in blocks rather than the genotype store (polygenic scores' target VCF when given one, the
reference panel's scores always): a block holds about `genotypes_per_block` genotypes, so memory stays flat whatever
the cohort's size.
"""

GENOTYPES_PER_BLOCK = 8_000_000
MIN_BLOCK, MAX_BLOCK = 64, 65_536


def block_length(n_samples, genotypes_per_block=GENOTYPES_PER_BLOCK):
    """Variants per block so a block of n_samples holds about genotypes_per_block genotypes (64 to 65,536)."""
    return int(min(MAX_BLOCK, max(MIN_BLOCK, genotypes_per_block // max(n_samples, 1))))
