# Joint calling of the QC-passing samples, scattered over genomic chunks, gathered and normalised.


rule call_chunk_bcftools:
    input:
        unpack(cohort_alignments),
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        batch_qc="results/qc/batch_qc.tsv",
        regions=regions_bed(),
    output:
        bcf=temp("results/calls/bcftools/chunks/{chunk}.bcf"),
    log:
        "logs/calls/bcftools/chunk_{chunk}.log",
    benchmark:
        "benchmarks/calls/bcftools/chunk_{chunk}.tsv"
    retries: 1
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(120),
    params:
        samples=SAMPLE_IDS,
        chunk="{chunk}",
        n_chunks=len(CHUNKS),
        min_mapq=lookup(dpath="calling/min_mapq", within=config),
        min_baseq=lookup(dpath="calling/min_baseq", within=config),
    script:
        "../../scripts/call_chunk_bcftools.py"


rule call_chunk_freebayes:
    input:
        unpack(cohort_alignments),
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        batch_qc="results/qc/batch_qc.tsv",
        regions=regions_bed(),
    output:
        bcf=temp("results/calls/freebayes/chunks/{chunk}.bcf"),
    log:
        "logs/calls/freebayes/chunk_{chunk}.log",
    benchmark:
        "benchmarks/calls/freebayes/chunk_{chunk}.tsv"
    retries: 1
    conda:
        "../../envs/freebayes.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(120),
    params:
        samples=SAMPLE_IDS,
        chunk="{chunk}",
        n_chunks=len(CHUNKS),
        min_mapq=lookup(dpath="calling/min_mapq", within=config),
        min_baseq=lookup(dpath="calling/min_baseq", within=config),
    script:
        "../../scripts/call_chunk_freebayes.py"


rule gather_calls:
    input:
        chunks=expand("results/calls/{{caller}}/chunks/{chunk}.bcf", chunk=CHUNKS),
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
    output:
        vcf="results/calls/{caller}/cohort.vcf.gz",
        tbi="results/calls/{caller}/cohort.vcf.gz.tbi",
    log:
        "logs/calls/{caller}/gather_calls.log",
    benchmark:
        "benchmarks/calls/{caller}/gather_calls.tsv"
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        filters=lookup(dpath="filters", within=config),
    script:
        "../../scripts/gather_calls.py"
