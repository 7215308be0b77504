# Per-sample reports (JSON findings, then self-contained HTML), rendered for a group of
# samples per job: one rule per group, so a large batch is not thousands of tiny jobs.
for part, part_samples in enumerate(REPORT_PARTS):

    rule:
        name:
            f"render_reports_{part}"
        input:
            qc=expand("results/qc/{sample}.qc.json", sample=part_samples),
            batch_qc="results/qc/batch_qc.tsv",
            vcf=f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz",
            tbi=f"results/calls/{PRIMARY_CALLER}/cohort.vcf.gz.tbi",
            af_variants="results/af/variants.tsv",
            af_samples="results/af/samples.tsv",
            schema=SCHEMAS / "report.schema.json",
        output:
            json=expand("results/report/{sample}.json", sample=part_samples),
            html=expand("results/report/{sample}.html", sample=part_samples),
        log:
            f"logs/report/part_{part}.log",
        benchmark:
            f"benchmarks/report/part_{part}.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(30),
        params:
            samples=part_samples,
            caller=PRIMARY_CALLER,
            build=config["build"],
        script:
            "../../scripts/render_reports.py"
