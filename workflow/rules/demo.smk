# The demo batch: a deterministic simulation (fixed seed) with a known truth, made on demand. Its genome carries
# the shipped panels' GRCh38 positions with their REF alleles (scripts/demo/simulate_demo.py), read from the shipped
# panel files below, so the panels apply to the demo unchanged.
from pgx import pgx_match

# Every definition file the simulator reads (translation, phenotype, exemptions), so a panel update re-runs it;
# the first is alleles/CYP2C19_translation.json(.gz), from which the script finds the panel folder.
DEMO_PGX_FILES = list(
    dict.fromkeys(
        str(path)
        for gene in pgx_match.PANEL_GENES
        for path in pgx_match.definition_paths(SHIPPED_PGX_PANEL, gene).values()
    )
)

if config["demo"]:

    rule simulate_demo:
        input:
            pgx_panel=DEMO_PGX_FILES,
            carrier_panel=SHIPPED_CARRIER_PANEL,
            clinvar_vcf=DEMO_CLINVAR_VCF,
            ancestry_sites=f"{SHIPPED_ANCESTRY_PANEL}/GRCH38.sites",
            ancestry_matrix=f"{SHIPPED_ANCESTRY_PANEL}/GRCH38.sites.bin.gz",
            ancestry_labels=f"{SHIPPED_ANCESTRY_PANEL}/labels_2504.tsv",
        output:
            **DEMO_FILES,
        log:
            "logs/demo/simulate_demo.log",
        benchmark:
            "logs/benchmarks/demo/simulate_demo.tsv"
        conda:
            "../../envs/demo.yaml"
        threads: by_attempt(2)
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(20),
        params:
            seed=20261125,
        script:
            "../../scripts/demo/simulate_demo.py"
