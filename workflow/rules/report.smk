# Per-sample reports (JSON findings, self-contained HTML, PDF), rendered for a group of samples per job: one rule
# per group, so a large batch is not thousands of tiny jobs. Every later stage is an optional input (an empty list
# when the stage is off in this batch); its section then says "Not run: <why>" (scripts/reports/stages.py).
# Then one batch-level table: results/report/batch_summary.tsv.
from reports import stages as report_stages

EXTRA_TARGETS.extend(
    [
        *expand("results/report/{sample}.pdf", sample=SAMPLE_IDS),
        "results/report/batch_summary.tsv",
    ]
)

SITES_GENOTYPED = bool(config["sites"]["files"] or PANEL_SITES)
REPORT_NOT_RUN = report_stages.not_run_reasons(
    config, PGX_ENABLED, CARRIER_ENABLED, SITES_GENOTYPED
)
# The batch identifier every report prints: the config's, else one drawn from the sample sheet's bytes.
BATCH_ID = config["report"]["batch_id"] or report_stages.sheet_batch_id(
    config["samples"]
)
# Processes a report job renders its pages with (first attempt). With several parts, one: the jobs then run side by side, which uses
# the cores better than one job at a time with two (a job's reading of the batch's tables is serial;
# benchmarks/README.md, report_stage.py). A batch of one part renders it with two.
REPORT_THREADS = 1 if len(REPORT_PARTS) > 1 else 2
# Panel files whose SHA-256 each report records, with the role shown for them.
REPORT_PANELS = {
    **(
        {path: "pharmacogenomics panel" for path in PGX_PANEL_FILES}
        if PGX_ENABLED
        else {}
    ),
    **({PGX_EXEMPTIONS: "pharmacogenomics panel"} if PGX_ENABLED else {}),
    **({PGX_GUIDANCE: "prescribing guidance"} if PGX_ENABLED else {}),
    **({CARRIER_PANEL: "carrier panel"} if CARRIER_ENABLED else {}),
}
REPORT_STAGE_INPUTS = {
    "pgx": ["results/pgx/pgx_calls.json"] if PGX_ENABLED else [],
    "pgx_guidance": ["results/pgx/guidance.json"] if PGX_ENABLED else [],
    "carrier": ["results/carrier/carrier_findings.json"] if CARRIER_ENABLED else [],
    # What the panel stages' coverage says (report_stages.coverage_reason: no position on this reference).
    "pgx_coverage": PGX_COVERAGE if PGX_ENABLED else [],
    "carrier_coverage": CARRIER_COVERAGE if CARRIER_ENABLED else [],
    "prs_tsv": ["results/prs/scores.tsv"] if config["pgs"]["scoring_files"] else [],
    "prs_json": ["results/prs/scores.json"] if config["pgs"]["scoring_files"] else [],
    # The reference panel's sums (pgs.reference_panel): the report draws the sample's population.
    "prs_reference": (
        ["results/prs/reference_scores.tsv"]
        if config["pgs"]["scoring_files"] and config["pgs"]["reference_panel"]
        else []
    ),
    "sites_vcf": ([SITES_VCF] if SITES_GENOTYPED else []),
    "ancestry": "results/af/ancestry.tsv",
    "panel_points": "results/af/ancestry_panel.tsv",
    "popgen_samples": "results/af/samples.tsv",
    # What the reports show of relatedness.tsv (structure.smk): the related pairs and each sample's pair counts.
    "relatives": "results/af/relatives.tsv",
    "pair_counts": "results/af/relatedness_samples.tsv",
    "panels": list(REPORT_PANELS),
    # The trios' Mendelian check (qc.smk), when the sheet names both parents of a sample.
    "mendel": ["results/qc/mendel.tsv"] if PEDIGREE else [],
    # Hereditary disease findings from a ClinVar release, with consent (clinvar.smk).
    "clinvar": CLINVAR_FINDINGS,
}
# The provenance record, when the workflow has a rule making it (workflow/rules/deliver.smk).
REPORT_PROVENANCE = report_stages.made_by(
    rules, "provenance", "results/provenance.json"
)


# Made when the reports are (its input is theirs): a run that stops before the cohort is called leaves no report file.
rule report_date:
    input:
        genotype_counts="results/af/genotype_counts.tsv",
    output:
        date="results/report/report_date.txt",
    log:
        "logs/report/report_date.log",
    benchmark:
        "logs/benchmarks/report/report_date.tsv"
    localrule: True
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(500),
        runtime=by_attempt(5),
    params:
        date=config["report"]["date"],
    script:
        "../../scripts/reports/report_date.py"


for part, part_samples in enumerate(REPORT_PARTS):

    rule:
        name:
            f"render_reports_{part}"
        input:
            **REPORT_STAGE_INPUTS,
            qc=expand("results/qc/{sample}.qc.json", sample=part_samples),
            batch_qc="results/qc/batch_qc.tsv",
            genotype_counts="results/af/genotype_counts.tsv",
            af_variants="results/af/variants.tsv",
            af_samples="results/af/samples.tsv",
            provenance=REPORT_PROVENANCE,
            schema=SCHEMAS / "report.schema.json",
            report_date="results/report/report_date.txt",
            # The truth benchmark of the primary caller for the job's samples with a truth set (truth.smk).
            truth_benchmark=expand(
                "results/benchmark/{caller}/{sample}.tsv",
                caller=PRIMARY_CALLER,
                sample=[s for s in part_samples if s in TRUTH],
            ),
        output:
            json=expand("results/report/{sample}.json", sample=part_samples),
            html=[
                report(
                    f"results/report/{sample}.html",
                    caption="../report/sample_report.rst",
                    category="Sample reports",
                    subcategory="HTML",
                    labels={"name": sample, "type": "report"},
                )
                for sample in part_samples
            ],
            pdf=expand("results/report/{sample}.pdf", sample=part_samples),
        log:
            f"logs/report/part_{part}.log",
        benchmark:
            f"logs/benchmarks/report/part_{part}.tsv"
        conda:
            "../../envs/report.yaml"
        # Pages are rendered this many samples at a time (forked workers; scripts/reports/render_reports.py).
        threads: by_attempt(REPORT_THREADS)
        resources:
            mem_mb=by_attempt(2000),
            runtime=by_attempt(60),
        params:
            samples=part_samples,
            caller=PRIMARY_CALLER,
            build=config["build"],
            not_run=REPORT_NOT_RUN,
            panel_roles=REPORT_PANELS,
            sites_min_depth=config["sites"]["min_depth"],
            batch_id=BATCH_ID,
            regions=Path(config["regions"]).name if config["regions"] else None,
            truth_files=report_stages.truth_file_names(TRUTH, part_samples),
            pedigree=report_stages.trios_of(PEDIGREE, part_samples),
        script:
            "../../scripts/reports/render_reports.py"


rule batch_summary:
    input:
        json=expand("results/report/{sample}.json", sample=SAMPLE_IDS),
    output:
        tsv=report(
            "results/report/batch_summary.tsv",
            caption="../report/batch_summary.rst",
            category="Batch summary",
            subcategory="Findings",
            labels={"name": "Batch summary", "type": "table"},
        ),
    log:
        "logs/report/batch_summary.log",
    benchmark:
        "logs/benchmarks/report/batch_summary.tsv"
    localrule: True
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(30),
    params:
        samples=SAMPLE_IDS,
    script:
        "../../scripts/reports/batch_summary.py"
