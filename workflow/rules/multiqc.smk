# The batch's MultiQC report (qc.multiqc, default on): MultiQC's samtools and bcftools sections over the outputs of
# qc_sample and bcftools_stats (qc.smk), with our QC verdicts, truth benchmark, Mendel check, allele-frequency and
# call-rate tables as custom content and the provenance's versions (scripts/qc/multiqc_content.py). Included after
# the stages whose tables it shows.
MULTIQC_HTML = "results/qc/multiqc.html"

if config["qc"]["multiqc"]:
    EXTRA_TARGETS.append(MULTIQC_HTML)


rule multiqc:
    input:
        samtools=expand(
            SAMTOOLS_OUTPUTS,
            sample=ALIGNMENT_IDS,
            kind=["stats", "flagstat", "idxstats"],
        ),
        bcftools=expand("results/qc/bcftools/{caller}.stats.txt", caller=CALLERS),
        batch_qc="results/qc/batch_qc.tsv",
        mendel=["results/qc/mendel.tsv"] if PEDIGREE else [],
        benchmarks=expand(
            "results/benchmark/{caller}/{sample}.tsv",
            caller=CALLERS,
            sample=TRUTH_SAMPLES,
        ),
        af_samples="results/af/samples.tsv",
        af_variants="results/af/variants.tsv",
        batch_summary="results/report/batch_summary.tsv",
        provenance=PROVENANCE,
        report_date="results/report/report_date.txt",
    output:
        html=report(
            MULTIQC_HTML,
            caption="../report/multiqc.rst",
            category="Quality control",
            subcategory="Alignments",
            labels={"name": "MultiQC report", "type": "report"},
        ),
        data=directory("results/qc/multiqc_data"),
    log:
        "logs/qc/multiqc.log",
    benchmark:
        "logs/benchmarks/qc/multiqc.tsv"
    conda:
        "../../envs/multiqc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(30),
    params:
        batch_id=BATCH_ID,
    script:
        # Not multiqc.py: that name, beside the script, would shadow the multiqc package.
        "../../scripts/qc/multiqc_report.py"
