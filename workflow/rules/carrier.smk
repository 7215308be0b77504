# Carrier screening / actionable findings for the whole batch: each sample's status at every variant of a cited
# GRCh38 panel (config/panels/carrier, see its SOURCE.md) and its APOE genotype -> results/carrier/carrier_findings
# .json and .tsv. The panel positions must be genotyped hom-ref included (a missing position is a no-call, never
# "not found"): rule carrier_sites turns the panel into resources/panels/carrier_sites.vcf, which genotype_sites
# genotypes when it is among its sites (CARRIER_SITES below, for workflow/rules/sites.smk).
# carrier.panel and carrier.vcf were resolved relative to the config file's folder by config_loader.
CARRIER = config["carrier"]
CARRIER_PANEL = (
    CARRIER["panel"]
    if CARRIER["panel"]
    else str(
        Path(workflow.basedir) / "config" / "panels" / "carrier" / "carrier_panel.tsv"
    )
)
CARRIER_VCF = (
    CARRIER["vcf"] if CARRIER["vcf"] else f"results/calls/{PRIMARY_CALLER}/sites.vcf.gz"
)
CARRIER_ENABLED = CARRIER["enabled"] is True or (
    CARRIER["enabled"] == "auto"
    and config["build"] == "GRCh38"
    and bool(CARRIER["vcf"] or config["sites"]["files"])
)
CARRIER_SITES_VCF = "resources/panels/carrier_sites.vcf"
# The sites file genotype_sites should add to sites.files when the findings read its output.
CARRIER_SITES = [CARRIER_SITES_VCF] if CARRIER_ENABLED and not CARRIER["vcf"] else []

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
        fai=REFERENCE_FAI,
    output:
        vcf=CARRIER_SITES_VCF,
    log:
        "logs/carrier/carrier_sites.log",
    benchmark:
        "benchmarks/carrier/carrier_sites.tsv"
    conda:
        "../../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(10),
    script:
        "../../scripts/panel_to_sites.py"


rule carrier_findings:
    input:
        vcf=CARRIER_VCF,
        panel=CARRIER_PANEL,
    output:
        json="results/carrier/carrier_findings.json",
        tsv="results/carrier/carrier_findings.tsv",
    log:
        "logs/carrier/carrier_findings.log",
    benchmark:
        "benchmarks/carrier/carrier_findings.tsv"
    conda:
        "../../envs/pgx.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(30),
    params:
        samples=SAMPLE_IDS,
        min_depth=lookup(dpath="carrier/min_depth", within=config),
    script:
        "../../scripts/carrier_findings.py"
