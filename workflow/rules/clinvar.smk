# Hereditary disease risk from a ClinVar release (issue 16): the P/LP records of NCBI's ClinVar VCF in a gene list
# (config/panels/clinvar, see its SOURCE.md) become sites genotyped in every sample (CLINVAR_SITES, for
# workflow/rules/sites.smk), and every called variant is looked up -> results/clinvar/findings.json and .tsv.
# Secondary findings: computed only with consent_secondary, except clinvar.ordered_genes (scripts/inputs/consent.py).
CLINVAR = config["clinvar"]
CLINVAR_ENABLED = bool(CLINVAR["vcf"])
CLINVAR_GENES = CLINVAR["genes"] if CLINVAR["genes"] else SHIPPED_CLINVAR_GENES
CLINVAR_SITES = ["resources/panels/clinvar_sites.vcf"] if CLINVAR_ENABLED else []
CLINVAR_COVERAGE = ["resources/panels/clinvar_coverage.tsv"] if CLINVAR_ENABLED else []
CLINVAR_FINDINGS = ["results/clinvar/findings.json"] if CLINVAR_ENABLED else []

if CLINVAR_ENABLED:
    EXTRA_TARGETS.extend(
        ["results/clinvar/findings.json", "results/clinvar/findings.tsv"]
    )


rule clinvar_sites:
    input:
        vcf=CLINVAR["vcf"] or [],
        genes=CLINVAR_GENES,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        regions=regions_bed(),
    output:
        vcf="resources/panels/clinvar_sites.vcf",
        coverage="resources/panels/clinvar_coverage.tsv",
        json="resources/clinvar/plp.json",
    log:
        "logs/clinvar/clinvar_sites.log",
    benchmark:
        "logs/benchmarks/clinvar/clinvar_sites.tsv"
    conda:
        "../../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(30),
    params:
        min_review_stars=lookup(dpath="clinvar/min_review_stars", within=config),
        # the user's reference, as the build check's message names it (the rule reads the prepared copy)
        reference_name=Path(config["reference"]).name,
    script:
        "../../scripts/clinvar/clinvar_sites.py"


rule clinvar_findings:
    input:
        sites_vcf=SITES_VCF,
        calls_vcf=COHORT_VCF,
        plp_json="resources/clinvar/plp.json",
        coverage_tsv="resources/panels/clinvar_coverage.tsv",
        genes_path=CLINVAR_GENES,
    output:
        json="results/clinvar/findings.json",
        tsv="results/clinvar/findings.tsv",
    log:
        "logs/clinvar/clinvar_findings.log",
    benchmark:
        "logs/benchmarks/clinvar/clinvar_findings.tsv"
    conda:
        "../../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(30),
    params:
        samples=SAMPLE_IDS,
        consent=CONSENT,
        ordered_genes=CLINVAR["ordered_genes"],
        min_depth=lookup(dpath="sites/min_depth", within=config),
    script:
        "../../scripts/clinvar/clinvar_findings.py"
