# Reproducibility and data protection: the provenance record, pseudonymised deliverables per sample, and the
# manifest of every result file (the last rule). The file mode of what the run writes (`permissions`) and the git
# state in the provenance are set once in the Snakefile.
from deliver.manifest import targets_except

PROVENANCE = "results/provenance.json"
DELIVER_DIR = "results/deliver"
PSEUDONYMS = "results/restricted/pseudonyms.tsv"
MANIFEST = "results/manifest.sha256"

EXTRA_TARGETS += [PROVENANCE, DELIVER_DIR, PSEUDONYMS, MANIFEST]

# The config loader resolved deliver.secret_file and deliver.recipients against the config file's folder.
DELIVER_SECRET = config["deliver"]["secret_file"]
RECIPIENTS = config["deliver"]["recipients"]
# Per-sample input files of the sheet (alignment, truth files): hashed in the provenance, their names kept out
# of the deliverables.
SAMPLE_FILES = {s: sample_files_of(s) for s in SAMPLE_IDS}
# The sheet's optional pseudonym column replaces the keyed-hash pseudonym of its row.
PSEUDONYM_OVERRIDES = {
    s: SAMPLES[s]["pseudonym"] for s in SAMPLE_IDS if SAMPLES[s].get("pseudonym")
}
TOOLS = ["samtools", "bcftools", "tabix", *(c for c in CALLERS if c != "bcftools")]
# One checksum job per sample: adding a sample hashes only its files (not a result: holds paths and mtimes).
CHECKSUMS = "resources/checksums/{sample}.json"


rule input_checksums:
    input:
        sample_file_paths,
    output:
        json=CHECKSUMS,
    log:
        "logs/deliver/input_checksums/{sample}.log",
    benchmark:
        "logs/benchmarks/deliver/input_checksums/{sample}.tsv"
    conda:
        "../../envs/deliver.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(500),
        runtime=by_attempt(240),
    params:
        files=sample_file_columns,
    script:
        "../../scripts/deliver/input_checksums.py"


rule provenance:
    input:
        sheet=config["samples"],
        reference=config["reference"],
        regions=regions_bed(),
        checksums=expand(CHECKSUMS, sample=SAMPLE_IDS),
        version=GENORISK_DIR / "VERSION",
    output:
        json=PROVENANCE,
    log:
        "logs/deliver/provenance.log",
    benchmark:
        "logs/benchmarks/deliver/provenance.tsv"
    localrule: True
    conda:
        "../../envs/deliver.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(240),
    params:
        config=config,
        config_files=[str(p) for p in workflow.configfiles],
        sample_files=SAMPLE_FILES,
        git=GIT_STATE,
        tools=TOOLS,
    script:
        "../../scripts/deliver/provenance.py"


rule deliver:
    input:
        json=expand("results/report/{sample}.json", sample=SAMPLE_IDS),
        html=expand("results/report/{sample}.html", sample=SAMPLE_IDS),
        vcf=COHORT_VCF,
        tbi=COHORT_TBI,
        batch_qc="results/qc/batch_qc.tsv",
        af_samples="results/af/samples.tsv",
        schema=SCHEMAS / "report.schema.json",
        secret=[DELIVER_SECRET] if DELIVER_SECRET else [],
        # The positions of a section a participant did not consent to are left out of their delivered VCF.
        carrier=REPORT_STAGE_INPUTS["carrier"],
        clinvar=REPORT_STAGE_INPUTS["clinvar"],
    output:
        deliver=directory(DELIVER_DIR),
        mapping=PSEUDONYMS,
    log:
        "logs/deliver/deliver.log",
    benchmark:
        "logs/benchmarks/deliver/deliver.tsv"
    conda:
        "../../envs/deliver.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(120),
    params:
        samples=SAMPLE_IDS,
        overrides=PSEUDONYM_OVERRIDES,
        input_files=SAMPLE_FILES,
        secret_file=DELIVER_SECRET,
        default_secret=".genorisk/secret",
        recipients=RECIPIENTS,
    script:
        "../../scripts/deliver/deliver.py"


# Input: every final target of every stage but the manifest itself, listed when the DAG is built.
rule manifest:
    input:
        targets_except(all_targets, [MANIFEST]),
    output:
        manifest=MANIFEST,
    log:
        "logs/deliver/manifest.log",
    benchmark:
        "logs/benchmarks/deliver/manifest.tsv"
    localrule: True
    conda:
        "../../envs/deliver.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(120),
    script:
        "../../scripts/deliver/manifest.py"
