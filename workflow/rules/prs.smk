# Polygenic scores: PGS Catalog scoring files matched to the primary caller's cohort VCF (pgsc_calc's conventions),
# one row per score and sample in results/prs/scores.tsv. Runs by default only when pgs.scoring_files is non-empty.
if config["pgs"]["scoring_files"]:
    EXTRA_TARGETS += ["results/prs/scores.tsv", "results/prs/scores.json"]


rule polygenic_scores:
    input:
        vcf=COHORT_VCF,
        scoring_files=config["pgs"]["scoring_files"],
    output:
        tsv="results/prs/scores.tsv",
        json="results/prs/scores.json",
    log:
        "logs/prs/polygenic_scores.log",
    benchmark:
        "benchmarks/prs/polygenic_scores.tsv"
    conda:
        "../../envs/prs.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        build=config["build"],
        min_overlap=lookup(dpath="pgs/min_overlap", within=config),
        drop_ambiguous=lookup(dpath="pgs/drop_ambiguous", within=config),
        impute_min_samples=lookup(dpath="pgs/impute_min_samples", within=config),
        reference=lookup(dpath="pgs/reference", within=config),
        not_requested=consent.refused(CONSENT, "prs"),
    script:
        "../../scripts/prs/polygenic_scores.py"
