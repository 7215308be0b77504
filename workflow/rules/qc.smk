# Reference preparation, alignment indexes and per-sample alignment QC with a verdict.


rule prepare_reference:
    input:
        fasta=config["reference"],
    output:
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
    log:
        "logs/reference/prepare_reference.log",
    benchmark:
        "benchmarks/reference/prepare_reference.tsv"
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(30),
    script:
        "../../scripts/prepare_reference.py"


rule index_alignment:
    input:
        alignment=alignment,
        fasta=REFERENCE,
    output:
        index="resources/index/{sample}.{ext}",
    log:
        "logs/index/{sample}.{ext}.log",
    benchmark:
        "benchmarks/index/{sample}.{ext}.tsv"
    wildcard_constraints:
        ext="bai|crai",
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(60),
    script:
        "../../scripts/index_alignment.py"


rule qc_sample:
    input:
        alignment=alignment,
        index=sample_alignment_index,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        regions=regions_bed(),
    output:
        json="results/qc/{sample}.qc.json",
    log:
        "logs/qc/{sample}.log",
    benchmark:
        "benchmarks/qc/{sample}.tsv"
    retries: 1
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        thresholds=lookup(dpath="qc", within=config),
    script:
        "../../scripts/qc_sample.py"


rule batch_qc:
    input:
        qc=expand("results/qc/{sample}.qc.json", sample=SAMPLE_IDS),
    output:
        tsv="results/qc/batch_qc.tsv",
    log:
        "logs/qc/batch_qc.log",
    benchmark:
        "benchmarks/qc/batch_qc.tsv"
    conda:
        "../../envs/qc.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(10),
    script:
        "../../scripts/batch_qc.py"
