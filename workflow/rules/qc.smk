# Reference preparation, alignment indexes and per-sample alignment QC with a verdict; the QC records of
# the sheet rows that arrive already called (VCF rows); Mendelian consistency of the sheet's trios.
from common.id_constraints import id_pattern, split_pattern
from inputs.sample_sheet import (
    VCF_KEY_PATTERN,
    alignment_samples,
    vcf_files,
    vcf_samples,
)

# Sheet rows by input: alignments are QC'd here and called (calling.smk); VCF rows are imported already
# called (calling.smk, import_vcf: one job per distinct file) and get a QC record saying so (qc_vcf_rows).
ALIGNMENT_IDS = alignment_samples(SAMPLES)
VCF_IDS = vcf_samples(SAMPLES)
VCF_FILES = vcf_files(SAMPLES)
# The `sample` constraint of the per-alignment rules (qc_sample, call_gvcf_bcftools): the alignment rows' IDs, never
# a VCF row's (qc_vcf_rows writes those QC records), listing only the smaller of the two sets.
ALIGNMENT_ID_PATTERN = split_pattern(ALIGNMENT_IDS, VCF_IDS)
PEDIGREE = {
    s: {"father": SAMPLES[s].get("father", ""), "mother": SAMPLES[s].get("mother", "")}
    for s in SAMPLE_IDS
    if SAMPLES[s].get("father") and SAMPLES[s].get("mother")
}
# The verdict thresholds of config `qc`; qc.fail_batch_on (the run's exit status, summary.smk) and qc.multiqc (whether
# the MultiQC report is made, multiqc.smk) are no thresholds and stay out of the QC jobs' params, so changing them
# re-runs no QC.
QC_THRESHOLDS = {
    k: v for k, v in config["qc"].items() if k not in ("fail_batch_on", "multiqc")
}
# What samtools printed for each alignment (qc_sample's outputs besides its JSON; MultiQC reads them, multiqc.smk).
SAMTOOLS_OUTPUTS = "results/qc/samtools/{sample}.{kind}.txt"

EXTRA_TARGETS.append("results/qc/mendel.tsv")


rule prepare_reference:
    input:
        fasta=config["reference"],
    output:
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
    log:
        "logs/reference/prepare_reference.log",
    benchmark:
        "logs/benchmarks/reference/prepare_reference.tsv"
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(30),
    script:
        "../../scripts/qc/prepare_reference.py"


rule index_alignment:
    input:
        alignment=alignment,
        fasta=REFERENCE,
    output:
        index="resources/index/{sample}.{ext}",
    log:
        "logs/index/{sample}.{ext}.log",
    benchmark:
        "logs/benchmarks/index/{sample}.{ext}.tsv"
    wildcard_constraints:
        ext="bai|crai",
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(60),
    script:
        "../../scripts/qc/index_alignment.py"


rule qc_sample:
    input:
        alignment=alignment,
        index=sample_alignment_index,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        regions=regions_bed(),
    output:
        json="results/qc/{sample}.qc.json",
        stats="results/qc/samtools/{sample}.stats.txt",
        flagstat="results/qc/samtools/{sample}.flagstat.txt",
        idxstats="results/qc/samtools/{sample}.idxstats.txt",
    log:
        "logs/qc/{sample}.log",
    benchmark:
        "logs/benchmarks/qc/{sample}.tsv"
    wildcard_constraints:
        sample=ALIGNMENT_ID_PATTERN,
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        thresholds=QC_THRESHOLDS,
    script:
        "../../scripts/qc/qc_sample.py"


rule batch_qc:
    input:
        qc=expand("results/qc/{sample}.qc.json", sample=SAMPLE_IDS),
    output:
        tsv=report(
            "results/qc/batch_qc.tsv",
            caption="../report/batch_qc.rst",
            category="Quality control",
            subcategory="Alignments",
            labels={"name": "QC verdicts", "type": "table"},
        ),
    log:
        "logs/qc/batch_qc.log",
    benchmark:
        "logs/benchmarks/qc/batch_qc.tsv"
    localrule: True
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(10),
    script:
        "../../scripts/qc/batch_qc.py"


if VCF_IDS:

    rule qc_vcf_rows:
        input:
            summaries=expand("results/qc/vcf_import/{vcf_key}.tsv", vcf_key=VCF_FILES),
        output:
            qc=expand("results/qc/{sample}.qc.json", sample=VCF_IDS),
            warnings="results/qc/vcf_warnings.tsv",
        log:
            "logs/qc/qc_vcf_rows.log",
        benchmark:
            "logs/benchmarks/qc/qc_vcf_rows.tsv"
        conda:
            "../../envs/calling.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(1000),
            runtime=by_attempt(10),
        params:
            samples=VCF_IDS,
            vcf_keys=list(VCF_FILES),
        script:
            "../../scripts/qc/qc_vcf_rows.py"


rule mendel:
    input:
        vcf=COHORT_VCF,
        tbi=COHORT_TBI,
    output:
        tsv=report(
            "results/qc/mendel.tsv",
            caption="../report/mendel.rst",
            category="Quality control",
            subcategory="Trios",
            labels={"name": "Mendelian consistency", "type": "table"},
        ),
    log:
        "logs/qc/mendel.log",
    benchmark:
        "logs/benchmarks/qc/mendel.tsv"
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(30),
    params:
        pedigree=PEDIGREE,
        build=config["build"],
    script:
        "../../scripts/qc/mendel.py"


# bcftools stats of each caller's cohort calls, with per-sample counts (-s -), for MultiQC (multiqc.smk).
rule bcftools_stats:
    input:
        vcf="results/calls/{caller}/cohort.vcf.gz",
        tbi="results/calls/{caller}/cohort.vcf.gz.tbi",
    output:
        stats="results/qc/bcftools/{caller}.stats.txt",
    log:
        "logs/qc/bcftools_stats/{caller}.log",
    benchmark:
        "logs/benchmarks/qc/bcftools_stats/{caller}.tsv"
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(30),
    script:
        "../../scripts/qc/bcftools_stats.py"
