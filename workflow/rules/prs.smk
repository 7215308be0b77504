# Polygenic scores: PGS Catalog scoring files matched to the primary caller's calls (pgsc_calc's conventions), read
# from the cohort's genotype store (rule vcf_to_store, which keeps every ALT allele for the matching), one row per
# score and sample in results/prs/scores.tsv. Runs by default only when pgs.scoring_files is non-empty.
if config["pgs"]["scoring_files"]:
    EXTRA_TARGETS += ["results/prs/scores.tsv", "results/prs/scores.json"]

# pgs.reference_panel: the panel is scored too, and each sample is read against its ancestry's reference samples
# (the ancestry step's output; the config loader has checked an ancestry panel is used).
PGS_PANEL = config["pgs"]["reference_panel"]
PGS_PANEL_INPUTS = (
    {
        "reference_vcf": PGS_PANEL["vcf"],
        "reference_labels": PGS_PANEL["labels"],
        "ancestry": "results/af/ancestry.tsv",
        "panel_points": "results/af/ancestry_panel.tsv",
    }
    if PGS_PANEL
    else {}
)


rule polygenic_scores:
    input:
        **PGS_PANEL_INPUTS,
        store="results/af/cohort.zarr",
        scoring_files=config["pgs"]["scoring_files"],
    output:
        tsv="results/prs/scores.tsv",
        json="results/prs/scores.json",
        reference="results/prs/reference_scores.tsv",
    log:
        "logs/prs/polygenic_scores.log",
    benchmark:
        "logs/benchmarks/prs/polygenic_scores.tsv"
    conda:
        "../../envs/prs.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(60),
    params:
        build=config["build"],
        min_overlap=lookup(dpath="pgs/min_overlap", within=config),
        drop_ambiguous=lookup(dpath="pgs/drop_ambiguous", within=config),
        impute_min_samples=lookup(dpath="pgs/impute_min_samples", within=config),
        reference=lookup(dpath="pgs/reference", within=config),
        reference_panel=bool(PGS_PANEL),
        min_reference_samples=lookup(dpath="pgs/min_reference_samples", within=config),
        not_requested=consent.refused(CONSENT, "prs"),
    script:
        "../../scripts/prs/polygenic_scores.py"
