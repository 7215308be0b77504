"""Rule run_summary: results/run_summary.json, the batch at a glance; and the end-of-run lines printed from it.

The JSON (keys sorted, no timestamps, no absolute paths; its four top-level keys are a stable interface):
  samples         counts: pass, warn, fail (QC verdicts of samples whose alignment was QC'd), not_applicable (sheet
                  rows that arrived as VCFs: no alignment, so no verdict; they are in the cohort), in_cohort (samples
                  in the cohort calls: pass, warn and not_applicable), total (pass + warn + fail + not_applicable)
  failed_samples  sample IDs with verdict fail (kept out of the cohort calls), in batch QC table order
  refused         scores: {pgs_id: why} for every polygenic score whose status in scores.json is not `scored`;
                  stages: {report section: why} for every stage that did not run in this batch (the reasons of
                  scripts/reports/stages.py, the same words the reports show)
  reports         the folder of the per-sample reports (results/report)
plus warned_samples (IDs with verdict warn), batch_qc and batch_summary (paths of the tables, relative to the batch
folder) and fail_batch_on (the config setting that decides the exit status).

`end_of_run_lines` turns the JSON (or, when the run stopped before it, the batch QC table) into the lines Snakemake's
onsuccess / onerror handlers print last (workflow/rules/summary.smk); a run that stopped also names each failed job and
its log (scripts/summary/failed_jobs.py).
"""

import json
import os
from pathlib import Path

from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from qc.batch_qc import read_batch_qc
from reports import stages as report_stages
from summary.failed_jobs import failed_job_lines

REPORTS = "results/report"
BATCH_QC = "results/qc/batch_qc.tsv"
BATCH_SUMMARY = "results/report/batch_summary.tsv"
SUMMARY = "results/run_summary.json"
VERDICTS = ("pass", "warn", "fail", "not_applicable")
SHOWN_IDS = 10  # sample IDs listed in one end-of-run line


def sample_counts(rows):
    """{pass, warn, fail, not_applicable, in_cohort, total} from batch QC rows (scripts/batch_qc.read_batch_qc)."""
    counts = {verdict: sum(row["verdict"] == verdict for row in rows) for verdict in VERDICTS}
    counts["in_cohort"] = sum(row["in_cohort"] for row in rows)
    counts["total"] = len(rows)
    return counts


def refused_scores(scores_json):
    """{score: why} for every entry of scores.json whose status is not `scored` ({} without a scores.json).

    A score is named by its pgs_id, else by its scoring file's name; the reason is its `reason`, else its status.
    """
    if not scores_json:
        return {}
    try:
        entries = json.loads(Path(scores_json).read_text()).get("scores", [])
    except (json.JSONDecodeError, AttributeError) as error:
        raise InputError(f"scores file {Path(scores_json).name} cannot be read as the scores JSON ({error})") from None
    refused = {}
    for entry in entries:
        status = str(entry.get("status", ""))
        if status == "scored":
            continue
        name = entry.get("pgs_id") or entry.get("scoring_file") or f"score {len(refused) + 1}"
        refused[name] = entry.get("reason") or status or "no status recorded"
    return refused


def run_summary(batch_qc_rows, not_run, scores_json=None, fail_batch_on="never"):
    """The run summary dict from the batch QC rows, the report's not-run reasons ({section: why or None}) and the
    scores JSON path (None when no score was configured)."""
    return {
        "samples": sample_counts(batch_qc_rows),
        "failed_samples": [row["sample_id"] for row in batch_qc_rows if row["verdict"] == "fail"],
        "warned_samples": [row["sample_id"] for row in batch_qc_rows if row["verdict"] == "warn"],
        "refused": {
            "scores": refused_scores(scores_json),
            "stages": {section: why for section, why in not_run.items() if why},
        },
        "reports": REPORTS,
        "batch_qc": BATCH_QC,
        "batch_summary": BATCH_SUMMARY,
        "fail_batch_on": fail_batch_on,
    }


def summary_json(summary):
    return json.dumps(summary, indent=2, sort_keys=True) + "\n"


def write_run_summary(batch_qc_tsv, not_run, json_out, scores_json=None, fail_batch_on="never"):
    summary = run_summary(read_batch_qc(batch_qc_tsv), not_run, scores_json, fail_batch_on)
    write_text(json_out, summary_json(summary))
    counts = summary["samples"]
    get_logger().info(
        "%d samples: %d pass, %d warn, %d fail, %d without QC (VCF rows); %d in the cohort",
        counts["total"], counts["pass"], counts["warn"], counts["fail"], counts["not_applicable"], counts["in_cohort"],
    )  # fmt: skip
    return summary


def listed_ids(ids):
    """At most SHOWN_IDS sample IDs, comma-separated, with how many more."""
    return ", ".join(ids[:SHOWN_IDS]) + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def summary_lines(summary):
    """The end-of-run lines of a run summary dict."""
    c = summary["samples"]
    vcf_rows = f", {c['not_applicable']} arrived as VCFs (no QC verdict)" if c["not_applicable"] else ""
    lines = [
        f"batch of {c['total']} samples: {c['pass']} pass, {c['warn']} warn, {c['fail']} fail QC{vcf_rows}; "
        f"{c['in_cohort']} in the cohort calls"
    ]
    if summary["failed_samples"]:
        lines.append(
            f"FAILED QC, kept out of the cohort calls: {listed_ids(summary['failed_samples'])} "
            f"(reasons: {summary['batch_qc']})"
        )
    if summary.get("warned_samples"):
        lines.append(f"QC warnings: {listed_ids(summary['warned_samples'])}")
    for name, why in sorted(summary["refused"].get("scores", {}).items()):
        lines.append(f"score {name} refused: {why}")
    stages = sorted(summary["refused"].get("stages", {}))
    if stages:
        lines.append(f"not run in this batch: {', '.join(stages)} (why: {SUMMARY} and each report)")
    lines.append(f"reports: {summary['reports']}/ (batch table {summary['batch_summary']}); summary: {SUMMARY}")
    return lines


def _is_current(summary_path, batch_qc_tsv):
    """True when the summary exists and is not older than the batch QC table it was made from."""
    summary, table = Path(summary_path), Path(batch_qc_tsv)
    return summary.is_file() and (not table.is_file() or summary.stat().st_mtime >= table.stat().st_mtime)


def end_of_run_lines(finished, log=None, summary_path=SUMMARY, batch_qc_tsv=BATCH_QC):
    """The lines printed when the run ends: `finished` (onsuccess) or stopped by an error (onerror); `log` is
    Snakemake's log file(s). Reads what exists; never raises (a handler's traceback would hide the run's own error)."""
    try:
        if _is_current(summary_path, batch_qc_tsv):
            summary = json.loads(Path(summary_path).read_text())
            lines = summary_lines(summary)
        elif Path(batch_qc_tsv).is_file():
            summary = run_summary(read_batch_qc(batch_qc_tsv), {})  # the verdicts only: nothing else is known
            lines = summary_lines(summary)[:-1]  # without the reports line
            lines.append(f"{SUMMARY} is not written (the run stopped or was asked for other targets)")
        else:
            summary, lines = None, ["no batch QC table yet (results/qc/batch_qc.tsv): no sample verdicts to show"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        summary, lines = None, [f"the batch summary cannot be shown: {error}"]
    logs = [log] if isinstance(log, (str, os.PathLike)) else list(log or [])
    if not finished:
        try:
            lines += failed_job_lines(logs)
        except (OSError, ValueError, TypeError) as error:
            lines.append(f"the failed jobs cannot be listed: {error}")
    try:
        lines.append(_exit_line(finished, summary, logs))
    except (OSError, ValueError, KeyError, TypeError) as error:
        lines.append(f"the exit status cannot be explained: {error}")
    return [f"genorisk: {line}" for line in lines]


def _exit_line(finished, summary, logs):
    """The last line: what the exit status means for this run (`logs`: Snakemake's log files)."""
    n_failed = summary["samples"]["fail"] if summary else 0
    failed = f"{n_failed} of {summary['samples']['total']} samples failed QC" if n_failed else ""
    if finished:
        return f"finished: exit status 0, but {failed}" if failed else "finished: exit status 0"
    gated = failed and summary.get("fail_batch_on") == "fail"
    log_hint = f" (log: {', '.join(os.path.relpath(p) for p in logs)})" if logs else ""
    if gated:
        return f"exit status non-zero: {failed} and qc.fail_batch_on is fail; any other error is above{log_hint}"
    return f"the run did NOT finish: see the error above{log_hint}"


def main(smk):
    setup_logging(smk.log[0])
    tables = {
        name: report_stages.optional_input(getattr(smk.input, f"{name}_coverage", None)) for name in ("pgx", "carrier")
    }
    write_run_summary(
        smk.input.batch_qc,
        report_stages.with_coverage_reasons(smk.params.not_run, tables),
        smk.output.json,
        scores_json=smk.input.scores[0] if smk.input.scores else None,
        fail_batch_on=smk.params.fail_batch_on,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
