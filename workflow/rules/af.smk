# Cohort allele frequencies and per-sample statistics (scikit-allel) from the primary caller's calls.


rule allele_frequencies:
    input:
        vcf=f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz",
        tbi=f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz.tbi",
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
    threads: 1
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(60),
    params:
        populations={s: SAMPLES[s].get("population", "") for s in SAMPLE_IDS},
    script:
        "../../scripts/allele_frequencies.py"
