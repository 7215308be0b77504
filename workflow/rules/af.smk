# Cohort allele frequencies and per-sample statistics (scikit-allel + dask) from the primary caller's calls:
# the VCF is converted once to a chunked genotype store (zarr), which the statistics read.
# The store is kept (not temp): the structure stage may read it too.


rule vcf_to_store:
    input:
        vcf=f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz",
        tbi=f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz.tbi",
    output:
        store=directory("results/af/cohort.zarr"),
    log:
        "logs/af/vcf_to_store.log",
    benchmark:
        "benchmarks/af/vcf_to_store.tsv"
    retries: 1
    conda:
        "../../envs/af.yaml"
    threads: 2
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        chunk_variants=lookup(dpath="af/chunk_variants", within=config),
    script:
        "../../scripts/vcf_to_store.py"


rule allele_frequencies:
    input:
        store="results/af/cohort.zarr",
    output:
        variants="results/af/variants.tsv",
        samples="results/af/samples.tsv",
    log:
        "logs/af/allele_frequencies.log",
    benchmark:
        "benchmarks/af/allele_frequencies.tsv"
    retries: 1
    conda:
        "../../envs/af.yaml"
    threads: 2
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        populations={s: SAMPLES[s].get("population", "") for s in SAMPLE_IDS},
        scheduler=lookup(dpath="af/scheduler", within=config),
    script:
        "../../scripts/allele_frequencies.py"
