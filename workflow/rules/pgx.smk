# Pharmacogene star alleles and CPIC phenotypes for the whole batch (PharmCAT definitions, GRCh38 positions):
# one job writes results/pgx/pgx_calls.json and .tsv. `pgx.enabled: auto` runs it on any GRCh38 batch: rule
# pgx_sites turns the definitions into resources/panels/pgx_sites.vcf (the positions this reference and target
# cover; resources/panels/pgx_coverage.tsv lists the others as not_covered), which genotype_sites genotypes in
# every sample (PGX_SITES, for workflow/rules/sites.smk), unless pgx.vcf gives the genotypes. A sample whose sheet
# row names an outside-call TSV (pgx_outside_calls: CYP2D6, HLA, MT-RNR1 called elsewhere) gets those genes merged in.
# Rule pgx_guidance then looks every sample's results up in the shipped CPIC/DPWG recommendations
# (config/panels/pgx/guidance/SOURCE.md): results/pgx/guidance.tsv and .json.
from pgx import outside_calls as pgx_outside
from pgx import pgx_match
from reports import stages as report_stages

# pgx.vcf and pgx.panel were resolved relative to the config file's folder by config_loader.
PGX_VCF = config["pgx"]["vcf"] if config["pgx"]["vcf"] else SITES_VCF
PGX_PANEL = config["pgx"]["panel"] if config["pgx"]["panel"] else SHIPPED_PGX_PANEL
PGX_ENABLED = report_stages.panel_stage_enabled(config, "pgx")
PGX_SITES = (
    ["resources/panels/pgx_sites.vcf"]
    if PGX_ENABLED and not config["pgx"]["vcf"]
    else []
)
PGX_COVERAGE = ["resources/panels/pgx_coverage.tsv"] if PGX_SITES else []
# Sex for X-linked G6PD: the sheet's, else the inferred sex of results/af/samples.tsv, read only when some sample's
# sheet sex is neither female nor male (the table waits for the batch's population statistics).
PGX_SEXES = {s: SAMPLES[s].get("sex", "") for s in SAMPLE_IDS}
PGX_AF_SAMPLES = (
    ["results/af/samples.tsv"]
    if "G6PD" in config["pgx"]["genes"]
    and any(sex not in ("female", "male") for sex in PGX_SEXES.values())
    else []
)
# The definition files the jobs read, so a panel update re-runs them (the scripts find the folder from them).
PGX_PANEL_FILES = [
    str(path)
    for gene in config["pgx"]["genes"]
    for kind, path in pgx_match.definition_paths(PGX_PANEL, gene).items()
    if kind != "exemptions"
]
PGX_EXEMPTIONS = str(pgx_match.exemptions_path(PGX_PANEL))
# Outside calls, {sample: TSV} (checked by the preflight), and the shipped tables they are read with.
PGX_OUTSIDE_CALLS = {
    s: SAMPLES[s]["pgx_outside_calls"]
    for s in SAMPLE_IDS
    if SAMPLES[s].get("pgx_outside_calls")
}
PGX_OUTSIDE_DIR = str(Path(SHIPPED_PGX_PANEL) / "outside")
PGX_OUTSIDE_TABLES = (
    [str(p) for p in pgx_outside.outside_table_paths(PGX_OUTSIDE_DIR).values()]
    if PGX_OUTSIDE_CALLS
    else []
)
PGX_GUIDANCE = str(Path(SHIPPED_PGX_PANEL) / "guidance" / "guidance.json.gz")

if PGX_ENABLED:
    EXTRA_TARGETS.extend(
        [
            "results/pgx/pgx_calls.json",
            "results/pgx/pgx_calls.tsv",
            "results/pgx/guidance.json",
            "results/pgx/guidance.tsv",
        ]
    )

    rule pgx_sites:
        input:
            panel=PGX_PANEL_FILES,
            exemptions=PGX_EXEMPTIONS,
            fasta=REFERENCE,
            fai=REFERENCE_FAI,
            regions=regions_bed(),
        output:
            vcf="resources/panels/pgx_sites.vcf",
            coverage="resources/panels/pgx_coverage.tsv",
        log:
            "logs/pgx/pgx_sites.log",
        benchmark:
            "logs/benchmarks/pgx/pgx_sites.tsv"
        localrule: True
        conda:
            "../../envs/pgx.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(1000),
            runtime=by_attempt(10),
        params:
            genes=lookup(dpath="pgx/genes", within=config),
        script:
            "../../scripts/pgx/pgx_sites.py"

    rule pgx_genotypes:
        input:
            vcf=PGX_VCF,
            panel=PGX_PANEL_FILES,
            exemptions=PGX_EXEMPTIONS,
            coverage=PGX_COVERAGE,
            outside_calls=list(PGX_OUTSIDE_CALLS.values()),
            outside_tables=PGX_OUTSIDE_TABLES,
            af_samples=PGX_AF_SAMPLES,
        output:
            json="results/pgx/pgx_calls.json",
            tsv="results/pgx/pgx_calls.tsv",
        log:
            "logs/pgx/pgx_genotypes.log",
        benchmark:
            "logs/benchmarks/pgx/pgx_genotypes.tsv"
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
            outside_calls=PGX_OUTSIDE_CALLS,
            outside_dir=PGX_OUTSIDE_DIR,
            sexes=PGX_SEXES,
        script:
            "../../scripts/pgx/pgx_genotypes.py"

    rule pgx_guidance:
        input:
            calls="results/pgx/pgx_calls.json",
            guidance=PGX_GUIDANCE,
        output:
            json="results/pgx/guidance.json",
            tsv="results/pgx/guidance.tsv",
        log:
            "logs/pgx/pgx_guidance.log",
        benchmark:
            "logs/benchmarks/pgx/pgx_guidance.tsv"
        conda:
            "../../envs/pgx.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(30),
        script:
            "../../scripts/pgx/guidance.py"
