# Carrier screening / actionable findings for the whole batch: each sample's status at every variant of a cited
# GRCh38 panel (config/panels/carrier, see its SOURCE.md) and its APOE genotype -> results/carrier/carrier_findings
# .json and .tsv. The panel positions must be genotyped hom-ref included (a missing position is a no-call, never
# "not found"): rule carrier_sites turns the panel into resources/panels/carrier_sites.vcf (the positions this
# reference and target cover) and resources/panels/carrier_coverage.tsv (the others: not_covered), and
# genotype_sites genotypes the sites (CARRIER_SITES below, for workflow/rules/sites.smk).
# carrier.panel and carrier.vcf were resolved relative to the config file's folder by config_loader.
from reports import stages as report_stages

CARRIER = config["carrier"]
CARRIER_PANEL = CARRIER["panel"] if CARRIER["panel"] else SHIPPED_CARRIER_PANEL
CARRIER_VCF = CARRIER["vcf"] if CARRIER["vcf"] else SITES_VCF
CARRIER_ENABLED = report_stages.panel_stage_enabled(config, "carrier")
# The sites file genotype_sites adds to sites.files when the findings read its output, and the coverage table.
CARRIER_SITES = (
    ["resources/panels/carrier_sites.vcf"]
    if CARRIER_ENABLED and not CARRIER["vcf"]
    else []
)
CARRIER_COVERAGE = ["resources/panels/carrier_coverage.tsv"] if CARRIER_SITES else []

if CARRIER_ENABLED:
    EXTRA_TARGETS.extend(
        [
            "results/carrier/carrier_findings.json",
            "results/carrier/carrier_findings.tsv",
        ]
    )


rule carrier_sites:
    input:
        panel=CARRIER_PANEL,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        regions=regions_bed(),
    output:
        vcf="resources/panels/carrier_sites.vcf",
        coverage="resources/panels/carrier_coverage.tsv",
    log:
        "logs/carrier/carrier_sites.log",
    benchmark:
        "logs/benchmarks/carrier/carrier_sites.tsv"
    localrule: True
    conda:
        "../../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(10),
    script:
        "../../scripts/carrier/carrier_sites.py"


rule carrier_findings:
    input:
        vcf=CARRIER_VCF,
        panel=CARRIER_PANEL,
        coverage=CARRIER_COVERAGE,
    output:
        json="results/carrier/carrier_findings.json",
        tsv="results/carrier/carrier_findings.tsv",
    log:
        "logs/carrier/carrier_findings.log",
    benchmark:
        "logs/benchmarks/carrier/carrier_findings.tsv"
    conda:
        "../../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(30),
    params:
        samples=SAMPLE_IDS,
        min_depth=lookup(dpath="carrier/min_depth", within=config),
        consent=CONSENT,
    script:
        "../../scripts/carrier/carrier_findings.py"
