# The end of a run: results/run_summary.json (the batch at a glance, scripts/summary/run_summary.py), the lines Snakemake
# prints last (onsuccess / onerror), and with qc.fail_batch_on: fail the gate that makes the run exit non-zero when a
# sample failed QC (scripts/summary/qc_gate.py).
from summary import run_summary

RUN_SUMMARY = run_summary.SUMMARY
QC_GATE = ".genorisk/qc_gate.ok"

EXTRA_TARGETS.append(RUN_SUMMARY)
# The gate comes after the manifest: a final target of `rule all` only, outside results/ and the manifest.
if config["qc"]["fail_batch_on"] == "fail":
    FINAL_CHECKS.append(QC_GATE)


rule run_summary:
    input:
        batch_qc=run_summary.BATCH_QC,
        scores=REPORT_STAGE_INPUTS["prs_json"],
        pgx_coverage=REPORT_STAGE_INPUTS["pgx_coverage"],
        carrier_coverage=REPORT_STAGE_INPUTS["carrier_coverage"],
        reports=expand("results/report/{sample}.json", sample=SAMPLE_IDS),
        batch_summary=run_summary.BATCH_SUMMARY,
    output:
        json=report(
            RUN_SUMMARY,
            caption="../report/run_summary.rst",
            category="Batch summary",
            subcategory="Run",
            labels={"name": "Run summary", "type": "table"},
        ),
    log:
        "logs/summary/run_summary.log",
    benchmark:
        "logs/benchmarks/summary/run_summary.tsv"
    localrule: True
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(10),
    params:
        not_run=REPORT_NOT_RUN,
        fail_batch_on=config["qc"]["fail_batch_on"],
    script:
        "../../scripts/summary/run_summary.py"


rule qc_gate:
    input:
        summary=RUN_SUMMARY,
        manifest=MANIFEST,
    output:
        marker=QC_GATE,
    log:
        "logs/summary/qc_gate.log",
    benchmark:
        "logs/benchmarks/summary/qc_gate.tsv"
    # A verdict, not a flaky job: the profiles' retries would only repeat the same failure.
    retries: 0
    localrule: True
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(10),
    script:
        "../../scripts/summary/qc_gate.py"


# Snakemake runs the handlers of the main Snakefile only: a project using genorisk as a module calls them from its own
# (`onsuccess: genorisk.onsuccess(log=log)`, README "Deploying genorisk into your own project").
onsuccess:
    for line in run_summary.end_of_run_lines(True, log):
        logger.info(line)


onerror:
    for line in run_summary.end_of_run_lines(False, log):
        logger.warning(line)
