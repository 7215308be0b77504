"""Per-sample genotype counts of the cohort from the genotype store, once per batch: results/af/genotype_counts.tsv.

The report jobs read this table (scripts/reports/render_reports.py) instead of each parsing the whole cohort VCF again.
Layout and definitions: scripts/af/sample_genotype_counts.py. One dask task per store chunk (scripts/af/store_chunks.py,
like allele_frequencies); the store holds biallelic records only (its first ALT), so a multi-allelic record stops
the job with the same message as allele_frequencies (split them with `bcftools norm -m -any` upstream, as the
workflow does).
"""

import numpy as np

from af.allele_frequencies import check_block
from af.sample_genotype_counts import COUNT_KEYS, allele_classes, count_block, write_table
from af.store_chunks import chunk_tasks, computed_in_windows, open_store
from common.rule_logging import get_logger, setup_logging

# What a dask.distributed worker must import to run chunk_counts (store_chunks uploads the packages it lacks).
WORKER_MODULES = ["af.allele_frequencies", "af.sample_genotype_counts", "af.genotype_counts"]


def chunk_counts(block, where):
    """(len(COUNT_KEYS), n_samples) int64 counts and the number of records of one store chunk (a dask task).

    block: {field: array} for store_chunks.STORE_FIELDS, calldata/GT (n_variants, n_samples, 2)."""
    check_block(block, where)
    alt = np.asarray(block["variants/ALT"]).reshape(-1, 1)
    classes = allele_classes(block["variants/REF"], alt)
    return count_block(block["calldata/GT"], classes), len(block["variants/POS"])


def write_genotype_counts(store_path, out_tsv, scheduler=None, threads=1):
    """Write genotype_counts.tsv from the store; returns (n_sites, n_samples)."""
    log = get_logger()
    root, where, samples = open_store(store_path)
    totals = np.zeros((len(COUNT_KEYS), len(samples)), dtype=np.int64)
    n_sites = 0
    tasks = chunk_tasks(root, chunk_counts, where, where=where)
    for counts, n in computed_in_windows(tasks, scheduler, threads, WORKER_MODULES, log):
        totals += counts
        n_sites += n
    write_table(out_tsv, samples, totals, n_sites)
    log.info("counted the genotypes of %d records x %d samples", n_sites, len(samples))
    return n_sites, len(samples)


def main(smk):
    setup_logging(smk.log[0])
    write_genotype_counts(smk.input.store, smk.output.tsv, scheduler=smk.params.scheduler, threads=smk.threads)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
