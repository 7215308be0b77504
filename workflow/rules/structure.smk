# Population structure of the cohort from the primary caller's calls (results/af/):
# relatedness (KING-robust kinship, checked against the sheet's father/mother), ancestry on a
# labelled reference panel (structure.panel; skipped when null) and population-genetics statistics
# (from the genotype store with dask, like the allele frequencies); relatedness reads the store too.
# One script per rule.
EXTRA_TARGETS.extend(
    [
        "results/af/relatedness.tsv",
        "results/af/kinship.png",
        "results/af/ancestry.tsv",
        "results/af/pca.png",
        "results/af/ancestry_panel.tsv",
        "results/af/sfs.tsv",
        "results/af/fst.tsv",
    ]
)


# Panel paths were resolved relative to the config file's folder by config_loader.
STRUCTURE = config["structure"]
PANEL = STRUCTURE["panel"]
PANEL_LABELS = STRUCTURE["panel_labels"]
# The panel's files are named inputs (none without a panel), so a changed panel re-runs ancestry.
PANEL_INPUTS = {"panel": PANEL, "panel_labels": PANEL_LABELS} if PANEL else {}
if PANEL and STRUCTURE["panel_format"] == "peddy":
    PANEL_INPUTS["panel_matrix"] = f"{PANEL}.bin.gz"
# Samples with reads are typed at every panel site (hom-ref counts, too few reads is ./.), not only where the
# cohort calls a variant (scripts/structure/ancestry_sites.py says why); samples sent as VCFs use their cohort records.
ANCESTRY_INPUTS = {**PANEL_INPUTS}
if PANEL and ALIGNMENT_IDS:
    ANCESTRY_INPUTS["sites_vcf"] = (
        f"results/calls/{PRIMARY_CALLER}/ancestry_sites.vcf.gz"
    )

    rule ancestry_sites:
        input:
            **PANEL_INPUTS,
            fasta=REFERENCE,
            fai=REFERENCE_FAI,
        output:
            vcf="results/af/parts/ancestry_sites.vcf",
        log:
            "logs/af/ancestry_sites.log",
        benchmark:
            "logs/benchmarks/af/ancestry_sites.tsv"
        conda:
            "../../envs/structure.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(30),
        params:
            panel_format=lookup(dpath="structure/panel_format", within=config),
        script:
            "../../scripts/structure/ancestry_sites.py"

    rule genotype_ancestry_sites:
        input:
            **CALLED_ALIGNMENTS,
            fasta=REFERENCE,
            fai=REFERENCE_FAI,
            batch_qc="results/qc/batch_qc.tsv",
            sites=["results/af/parts/ancestry_sites.vcf"],
        output:
            vcf="results/calls/{caller}/ancestry_sites.vcf.gz",
            tbi="results/calls/{caller}/ancestry_sites.vcf.gz.tbi",
        log:
            "logs/calls/{caller}/genotype_ancestry_sites.log",
        benchmark:
            "logs/benchmarks/calls/{caller}/genotype_ancestry_sites.tsv"
        wildcard_constraints:
            caller=id_pattern([PRIMARY_CALLER]),
        conda:
            "../../envs/sites.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(60),
        params:
            samples=ALIGNMENT_IDS,
            min_depth=lookup(dpath="sites/min_depth", within=config),
            min_mapq=lookup(dpath="calling/min_mapq", within=config),
            min_baseq=lookup(dpath="calling/min_baseq", within=config),
            allow_empty=True,  # no panel site in the sequenced part of the reference
        script:
            "../../scripts/structure/genotype_ancestry_sites.py"


rule relatedness:
    input:
        store="results/af/cohort.zarr",
    output:
        relatedness="results/af/relatedness.tsv",
        # What a sample's report reads of it (scripts/structure/kinship.py): the related pairs, the pair counts.
        relatives="results/af/relatives.tsv",
        pair_counts="results/af/relatedness_samples.tsv",
        kinship=report(
            "results/af/kinship.png",
            caption="../report/kinship.rst",
            category="Population structure",
            subcategory="Relatedness",
            labels={"name": "Kinship", "type": "figure"},
        ),
    log:
        "logs/af/relatedness.log",
    benchmark:
        "logs/benchmarks/af/relatedness.tsv"
    conda:
        "../../envs/structure.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(60),
    params:
        pedigree={
            s: {
                "father": SAMPLES[s].get("father", ""),
                "mother": SAMPLES[s].get("mother", ""),
            }
            for s in SAMPLE_IDS
        },
        min_sites=lookup(dpath="structure/kinship_min_sites", within=config),
    script:
        "../../scripts/structure/relatedness.py"


rule population_structure:
    input:
        **ANCESTRY_INPUTS,
        vcf=COHORT_VCF,
        tbi=COHORT_TBI,
    output:
        ancestry="results/af/ancestry.tsv",
        pca=report(
            "results/af/pca.png",
            caption="../report/pca.rst",
            category="Population structure",
            subcategory="Ancestry",
            labels={"name": "Ancestry PCA", "type": "figure"},
        ),
        panel_points="results/af/ancestry_panel.tsv",
    log:
        "logs/af/population_structure.log",
    benchmark:
        "logs/benchmarks/af/population_structure.tsv"
    conda:
        "../../envs/structure.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(60),
    params:
        panel_format=lookup(dpath="structure/panel_format", within=config),
        min_probability=lookup(dpath="structure/min_probability", within=config),
        min_sites=lookup(dpath="structure/min_sites", within=config),
    script:
        "../../scripts/structure/population_structure.py"


rule popgen_stats:
    input:
        store="results/af/cohort.zarr",
    output:
        variants="results/af/parts/popgen_variants.tsv",
        samples="results/af/parts/popgen_samples.tsv",
        sfs="results/af/sfs.tsv",
        fst="results/af/fst.tsv",
    log:
        "logs/af/popgen_stats.log",
    benchmark:
        "logs/benchmarks/af/popgen_stats.tsv"
    conda:
        "../../envs/af.yaml"
    threads: by_attempt(2)
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(60),
    params:
        build=config["build"],
        sexes={s: SAMPLES[s].get("sex", "") for s in SAMPLE_IDS},
        populations={s: SAMPLES[s].get("population", "") for s in SAMPLE_IDS},
        scheduler=lookup(dpath="af/scheduler", within=config),
    script:
        "../../scripts/structure/popgen_stats.py"
