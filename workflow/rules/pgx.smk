# Pharmacogene star alleles and CPIC phenotypes for the whole batch (PharmCAT definitions, GRCh38 positions):
# one job writes results/pgx/pgx_calls.json and .tsv. `pgx.enabled: auto` runs it only on GRCh38 with genotypes
# at the panel positions (pgx.vcf, or sites.files for results/calls/{caller}/sites.vcf.gz), as on the demo.
import pgx_match

# pgx.vcf and pgx.panel were resolved relative to the config file's folder by config_loader.
PGX_VCF = (
    config["pgx"]["vcf"]
    if config["pgx"]["vcf"]
    else (
        f"results/calls/{PRIMARY_CALLER}/sites.vcf.gz"
        if config["sites"]["files"]
        else None
    )
)
PGX_PANEL = (
    config["pgx"]["panel"]
    if config["pgx"]["panel"]
    else str(Path(workflow.basedir) / "config" / "panels" / "pgx")
)
PGX_ENABLED = config["pgx"]["enabled"] is True or (
    config["pgx"]["enabled"] == "auto"
    and config["build"] == "GRCh38"
    and PGX_VCF is not None
)
# The definition files the job reads, so a panel update re-runs it (the script finds the folder from them).
PGX_PANEL_FILES = [
    str(path)
    for gene in config["pgx"]["genes"]
    for kind, path in pgx_match.definition_paths(PGX_PANEL, gene).items()
    if kind != "exemptions"
]
PGX_EXEMPTIONS = str(pgx_match.exemptions_path(PGX_PANEL))
if PGX_ENABLED and PGX_VCF is None:
    raise WorkflowError(
        "genorisk: pgx.enabled is true but there are no genotypes at the panel positions: "
        "set pgx.vcf, or list the panel positions in sites.files"
    )

if PGX_ENABLED:
    EXTRA_TARGETS.extend(["results/pgx/pgx_calls.json", "results/pgx/pgx_calls.tsv"])

    rule pgx_genotypes:
        input:
            vcf=PGX_VCF,
            panel=PGX_PANEL_FILES,
            exemptions=PGX_EXEMPTIONS,
        output:
            json="results/pgx/pgx_calls.json",
            tsv="results/pgx/pgx_calls.tsv",
        log:
            "logs/pgx/pgx_genotypes.log",
        benchmark:
            "benchmarks/pgx/pgx_genotypes.tsv"
        conda:
            "../../envs/pgx.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(30),
        params:
            genes=lookup(dpath="pgx/genes", within=config),
            min_depth=lookup(dpath="pgx/min_depth", within=config),
            samples=SAMPLE_IDS,
        script:
            "../../scripts/pgx_genotypes.py"
