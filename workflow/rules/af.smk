# Cohort allele frequencies and per-sample statistics (scikit-allel + dask) from the primary caller's calls:
# the VCF is converted once to a chunked genotype store (zarr), which the statistics read.
# The store is kept (not temp): the structure stage (kinship, popgen) and the polygenic scores read it too.
# The parts computed by several rules (results/af/parts/) are joined into the two stable tables, variants.tsv
# and samples.tsv (scripts/af/af_tables.py gives their layouts); the parts are kept, so a new ancestry panel
# re-joins the tables without recounting the cohort.


rule vcf_to_store:
    input:
        vcf=COHORT_VCF,
        tbi=COHORT_TBI,
    output:
        store=directory("results/af/cohort.zarr"),
    log:
        "logs/af/vcf_to_store.log",
    benchmark:
        "logs/benchmarks/af/vcf_to_store.tsv"
    conda:
        "../../envs/af.yaml"
    threads: by_attempt(2)
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        chunk_variants=lookup(dpath="af/chunk_variants", within=config),
    script:
        "../../scripts/af/vcf_to_store.py"


rule allele_frequencies:
    input:
        store="results/af/cohort.zarr",
    output:
        variants="results/af/parts/allele_counts.tsv",
        samples="results/af/parts/sample_counts.tsv",
    log:
        "logs/af/allele_frequencies.log",
    benchmark:
        "logs/benchmarks/af/allele_frequencies.tsv"
    conda:
        "../../envs/af.yaml"
    threads: by_attempt(2)
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        populations={s: SAMPLES[s].get("population", "") for s in SAMPLE_IDS},
        scheduler=lookup(dpath="af/scheduler", within=config),
    script:
        "../../scripts/af/allele_frequencies.py"


# Per-sample genotype counts (SNV/indel het and hom-alt, other, no-calls) for the reports, counted once per batch
# from the store: each report job reads this table instead of parsing the whole cohort VCF again.
rule genotype_counts:
    input:
        store="results/af/cohort.zarr",
    output:
        tsv="results/af/genotype_counts.tsv",
    log:
        "logs/af/genotype_counts.log",
    benchmark:
        "logs/benchmarks/af/genotype_counts.tsv"
    conda:
        "../../envs/af.yaml"
    threads: by_attempt(2)
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        scheduler=lookup(dpath="af/scheduler", within=config),
    script:
        "../../scripts/af/genotype_counts.py"


rule af_tables:
    input:
        counts="results/af/parts/allele_counts.tsv",
        popgen_variants="results/af/parts/popgen_variants.tsv",
        sample_counts="results/af/parts/sample_counts.tsv",
        popgen_samples="results/af/parts/popgen_samples.tsv",
        ancestry="results/af/ancestry.tsv",
    output:
        variants="results/af/variants.tsv",
        samples="results/af/samples.tsv",
    log:
        "logs/af/af_tables.log",
    benchmark:
        "logs/benchmarks/af/af_tables.tsv"
    localrule: True
    conda:
        "../../envs/af.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(60),
    script:
        "../../scripts/af/af_tables.py"


rule af_figures:
    input:
        variants="results/af/variants.tsv",
        samples="results/af/samples.tsv",
    output:
        spectrum=report(
            "results/af/af_spectrum.png",
            caption="../report/af_spectrum.rst",
            category="Allele frequencies",
            subcategory="Cohort",
            labels={"name": "Allele frequency spectrum", "type": "figure"},
        ),
        het_call_rate=report(
            "results/af/heterozygosity_call_rate.png",
            caption="../report/heterozygosity_call_rate.rst",
            category="Allele frequencies",
            subcategory="Samples",
            labels={"name": "Heterozygosity and call rate", "type": "figure"},
        ),
    log:
        "logs/af/af_figures.log",
    benchmark:
        "logs/benchmarks/af/af_figures.tsv"
    localrule: True
    conda:
        "../../envs/structure.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(60),
    script:
        "../../scripts/af/af_figures.py"
