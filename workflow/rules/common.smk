# Configuration, sample sheet and the small input functions every stage uses.
# Longer logic lives in scripts/*.py modules, which the tests import.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

# scripts/ is on the module path (the Snakefile puts GENORISK_DIR/scripts there).
from inputs.config_loader import check_input_files, load_config
from common.id_constraints import ANY_ID
from common.input_error import InputError
from inputs.sample_sheet import INPUT_COLUMNS, read_sample_sheet
from inputs import alignment_index
from inputs import consent, preflight
from demo import demo_layout
from reports import parts as report_parts

SCHEMAS = GENORISK_DIR / "workflow" / "schemas"

# The panels shipped under config/panels/: the defaults of pgx.panel and carrier.panel, and what the demo carries.
SHIPPED_PGX_PANEL = str(GENORISK_DIR / "config" / "panels" / "pgx")
SHIPPED_CARRIER_PANEL = str(
    GENORISK_DIR / "config" / "panels" / "carrier" / "carrier_panel.tsv"
)
SHIPPED_CLINVAR_GENES = str(
    GENORISK_DIR / "config" / "panels" / "clinvar" / "clinvar_genes.tsv"
)
DEMO_CLINVAR_VCF = str(
    GENORISK_DIR / "config" / "panels" / "clinvar" / "demo_clinvar_GRCh38.vcf"
)
# The default ancestry panel for builds GRCh37 and GRCh38 (structure.panel unset; `none` turns ancestry off).
SHIPPED_ANCESTRY_PANEL = str(GENORISK_DIR / "config" / "panels" / "ancestry")

# Paths in a config file are relative to that file's folder (the last one given wins).
CONFIG_FILE = Path(workflow.configfiles[-1]) if workflow.configfiles else None
CONFIG_DIR = CONFIG_FILE.parent if CONFIG_FILE else Path.cwd()

try:
    _checked = load_config(
        config,
        CONFIG_DIR,
        SCHEMAS / "config.schema.yaml",
        str(CONFIG_FILE or "config"),
        shipped_ancestry=SHIPPED_ANCESTRY_PANEL,
    )
    config.clear()
    config.update(_checked)
    DEMO_FILES = demo_layout.demo_files() if config["demo"] else {}
    SAMPLES = read_sample_sheet(
        config["samples"],
        SCHEMAS / "samples.schema.yaml",
        may_be_made=set(DEMO_FILES.values()),
    )
    # Header-level input checks, once: cluster jobs re-read this file and skip them.
    if workflow.is_main_process:
        check_input_files(
            config, set(DEMO_FILES.values()), str(CONFIG_FILE or "config")
        )
        for note in preflight.check_inputs(
            SAMPLES,
            config["reference"],
            config["samples"],
            config["regions"],
            may_be_made=set(DEMO_FILES.values()),
        ):
            logger.info(f"genorisk: {note}")
        for note in preflight.check_outside_calls(
            SAMPLES,
            config["samples"],
            config["pgx"]["genes"],
            config["pgx"]["panel"] or SHIPPED_PGX_PANEL,
            str(Path(SHIPPED_PGX_PANEL) / "outside"),
        ):
            logger.info(f"genorisk: {note}")
except InputError as error:
    raise WorkflowError(f"genorisk: {error}") from None

SAMPLE_IDS = list(SAMPLES)
# {sample: {"apoe", "secondary", "prs": bool}}: what each participant asked to receive (scripts/inputs/consent.py).
CONSENT = consent.batch_consent(SAMPLES, config["consent"])
CALLERS = config["callers"]
PRIMARY_CALLER = CALLERS[0]
CHUNKS = [str(i) for i in range(config["calling"]["chunks"])]
REPORT_PARTS = report_parts.partition(SAMPLE_IDS, config["report"]["samples_per_job"])

# The primary caller's cohort calls and known-sites genotypes: what the stages after calling read.
COHORT_VCF = f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz"
COHORT_TBI = f"{COHORT_VCF}.tbi"
SITES_VCF = f"results/calls/{PRIMARY_CALLER}/sites.vcf.gz"

# The reference all rules read, a local plain FASTA with its index (freebayes and CRAM
# decoding need plain FASTA; the user's may be bgzipped or in a read-only folder).
REFERENCE = "resources/reference/genome.fa"
REFERENCE_FAI = f"{REFERENCE}.fai"


# `sample` is any well-formed ID (the sheet schema's characters), not a list of the batch's IDs: Snakemake copies a
# constraint into every path of a rule and rescans it for each job, so a list made planning grow with the square of
# the batch (scripts/common/id_constraints.py). No other output matches a `{sample}` path: the only paths beside one
# of the same form are the VCF rows' QC records (qc_vcf_rows; qc_sample's own constraint excludes them) and the logs
# and benchmarks of batch-level rules next to the per-sample ones (logs/qc/batch_qc.log), which no rule asks for.
wildcard_constraints:
    sample=ANY_ID,
    caller="|".join(CALLERS),
    chunk=r"\d+",


def by_attempt(base):
    """A resource that grows with each retry: base, 2 x base, ..."""
    return lambda wildcards, attempt: base * attempt


def alignment(wildcards):
    return SAMPLES[wildcards.sample]["alignment"]


def alignment_index_of(sample):
    """The alignment's index: beside it when present, else made by the index_alignment rule."""
    path = SAMPLES[sample]["alignment"]
    return alignment_index.existing_index(path) or alignment_index.made_index_path(
        sample, path
    )


def sample_alignment_index(wildcards):
    return alignment_index_of(wildcards.sample)


def sample_files_of(sample):
    """The sheet's input files of one sample, {column: path}: its alignment or VCF, and any truth files."""
    return {c: SAMPLES[sample][c] for c in INPUT_COLUMNS if c in SAMPLES[sample]}


def sample_file_columns(wildcards):
    return sample_files_of(wildcards.sample)


def sample_file_paths(wildcards):
    return list(sample_files_of(wildcards.sample).values())


# One VCF file's path and rows (qc.smk's VCF_FILES), input and params of import_vcf. A dict look-up per job, where
# lookup(dpath=...) walks the whole dict, which made planning grow with the square of the number of VCF files.
def vcf_file_path(wildcards):
    return VCF_FILES[wildcards.vcf_key]["path"]


def vcf_file_rows(wildcards):
    return VCF_FILES[wildcards.vcf_key]["rows"]


def regions_bed():
    return [config["regions"]] if config["regions"] else []


# Stage files append their deliverables here, so `rule all` needs no edit when a stage is added.
EXTRA_TARGETS = []
# Checks that come after the manifest (summary.smk's QC gate): targets of `rule all` only, not of the manifest.
FINAL_CHECKS = []


def all_targets():
    return [
        *EXTRA_TARGETS,
        "results/qc/batch_qc.tsv",
        *expand("results/qc/{sample}.qc.json", sample=SAMPLE_IDS),
        *expand("results/calls/{caller}/cohort.vcf.gz.tbi", caller=CALLERS),
        "results/af/variants.tsv",
        "results/af/samples.tsv",
        "results/af/af_spectrum.png",
        "results/af/heterozygosity_call_rate.png",
        *expand(
            "results/report/{sample}.{ext}", sample=SAMPLE_IDS, ext=["json", "html"]
        ),
    ]


def final_targets():
    """The default target's inputs, every result (all_targets, which the manifest covers) then the final checks."""
    return [*all_targets(), *FINAL_CHECKS]
