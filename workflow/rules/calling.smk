# Calling of the QC-passing samples, by `calling.mode`:
# - joint (default): the alignments are called together, scattered over genomic chunks, gathered and
#   normalised (gather_calls);
# - incremental (bcftools): each alignment gets its own gVCF once (call_gvcf_bcftools, independent of the
#   batch) and the cohort is their merge (merge_gvcfs): a new sample costs its gVCF and the merge.
#   freebayes is called jointly in both modes.
# Sheet rows that arrive already called (VCFs) are imported, one job per distinct file (import_vcf), and
# merged into the cohort in both modes. Every mode writes results/calls/{caller}/cohort.vcf.gz.
INCREMENTAL = config["calling"]["mode"] == "incremental"
JOINT_CALLERS = [c for c in CALLERS if not (INCREMENTAL and c == "bcftools")]
IMPORTED = expand("results/calls/imported/{vcf_key}.bcf", vcf_key=VCF_FILES)
GVCF = "results/calls/bcftools/gvcf/{sample}.g.vcf.gz"

# The alignment rows' files and indexes in sheet order (a VCF row has none).
CALLED_ALIGNMENTS = {
    "alignments": [SAMPLES[s]["alignment"] for s in ALIGNMENT_IDS],
    "indexes": [alignment_index_of(s) for s in ALIGNMENT_IDS],
}


rule call_chunk_bcftools:
    input:
        **CALLED_ALIGNMENTS,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        batch_qc="results/qc/batch_qc.tsv",
        regions=regions_bed(),
    output:
        bcf=temp("results/calls/bcftools/chunks/{chunk}.bcf"),
    log:
        "logs/calls/bcftools/chunk_{chunk}.log",
    benchmark:
        "logs/benchmarks/calls/bcftools/chunk_{chunk}.tsv"
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(120),
    params:
        samples=ALIGNMENT_IDS,
        chunk="{chunk}",
        n_chunks=len(CHUNKS),
        min_mapq=lookup(dpath="calling/min_mapq", within=config),
        min_baseq=lookup(dpath="calling/min_baseq", within=config),
    script:
        "../../scripts/calling/call_chunk_bcftools.py"


rule call_chunk_freebayes:
    input:
        **CALLED_ALIGNMENTS,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        batch_qc="results/qc/batch_qc.tsv",
        regions=regions_bed(),
    output:
        bcf=temp("results/calls/freebayes/chunks/{chunk}.bcf"),
    log:
        "logs/calls/freebayes/chunk_{chunk}.log",
    benchmark:
        "logs/benchmarks/calls/freebayes/chunk_{chunk}.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(120),
    params:
        samples=ALIGNMENT_IDS,
        chunk="{chunk}",
        n_chunks=len(CHUNKS),
        min_mapq=lookup(dpath="calling/min_mapq", within=config),
        min_baseq=lookup(dpath="calling/min_baseq", within=config),
    script:
        "../../scripts/calling/call_chunk_freebayes.py"


rule gather_calls:
    input:
        chunks=(
            expand("results/calls/{{caller}}/chunks/{chunk}.bcf", chunk=CHUNKS)
            if ALIGNMENT_IDS
            else []
        ),
        imported=IMPORTED,
        imported_csi=expand("{bcf}.csi", bcf=IMPORTED),
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
    output:
        vcf="results/calls/{caller}/cohort.vcf.gz",
        tbi="results/calls/{caller}/cohort.vcf.gz.tbi",
    log:
        "logs/calls/{caller}/gather_calls.log",
    benchmark:
        "logs/benchmarks/calls/{caller}/gather_calls.tsv"
    wildcard_constraints:
        caller=id_pattern(JOINT_CALLERS),
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        filters=lookup(dpath="filters", within=config),
        samples=SAMPLE_IDS,
    script:
        "../../scripts/calling/gather_calls.py"


rule import_vcf:
    input:
        vcf=vcf_file_path,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        regions=regions_bed(),
    output:
        bcf="results/calls/imported/{vcf_key}.bcf",
        csi="results/calls/imported/{vcf_key}.bcf.csi",
        summary="results/qc/vcf_import/{vcf_key}.tsv",
        mismatches="results/qc/vcf_import/{vcf_key}.ref_mismatch.tsv",
    log:
        "logs/calls/import_vcf/{vcf_key}.log",
    benchmark:
        "logs/benchmarks/calls/import_vcf/{vcf_key}.tsv"
    wildcard_constraints:
        vcf_key=VCF_KEY_PATTERN,
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(120),
    params:
        columns=vcf_file_rows,
        reference_name=Path(config["reference"]).name,
    script:
        "../../scripts/calling/import_vcf.py"


rule call_gvcf_bcftools:
    input:
        alignment=alignment,
        index=sample_alignment_index,
        fasta=REFERENCE,
        fai=REFERENCE_FAI,
        regions=regions_bed(),
    output:
        gvcf=GVCF,
        tbi=f"{GVCF}.tbi",
    log:
        "logs/calls/bcftools/gvcf/{sample}.log",
    benchmark:
        "logs/benchmarks/calls/bcftools/gvcf/{sample}.tsv"
    wildcard_constraints:
        sample=ALIGNMENT_ID_PATTERN,
    conda:
        "../../envs/calling.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(240),
    params:
        sample="{sample}",
        block_min_depth=lookup(dpath="filters/min_dp", within=config),
        min_mapq=lookup(dpath="calling/min_mapq", within=config),
        min_baseq=lookup(dpath="calling/min_baseq", within=config),
    script:
        "../../scripts/calling/call_gvcf_bcftools.py"


if INCREMENTAL:

    rule merge_gvcfs:
        input:
            gvcfs=expand(GVCF, sample=ALIGNMENT_IDS),
            tbis=expand(f"{GVCF}.tbi", sample=ALIGNMENT_IDS),
            imported=IMPORTED,
            imported_csi=expand("{bcf}.csi", bcf=IMPORTED),
            fasta=REFERENCE,
            fai=REFERENCE_FAI,
            batch_qc="results/qc/batch_qc.tsv",
        output:
            vcf="results/calls/bcftools/cohort.vcf.gz",
            tbi="results/calls/bcftools/cohort.vcf.gz.tbi",
        log:
            "logs/calls/bcftools/merge_gvcfs.log",
        benchmark:
            "logs/benchmarks/calls/bcftools/merge_gvcfs.tsv"
        conda:
            "../../envs/calling.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(120),
        params:
            gvcf_samples=ALIGNMENT_IDS,
            samples=SAMPLE_IDS,
            filters=lookup(dpath="filters", within=config),
        script:
            "../../scripts/calling/merge_gvcfs.py"
