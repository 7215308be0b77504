"""The jobs a run left failed, with their log files, read from Snakemake's own log (.snakemake/log/*.snakemake.log).

Snakemake writes an "Error in rule NAME:" block for every failed attempt of a job, naming its jobid and log files,
and "Finished jobid: N" when a job succeeds (a retry included). A job failed in the end when it has an error block
and no later "Finished" line. The end-of-run lines (run_summary.end_of_run_lines) name these jobs and their logs, so
the terminal of a run that stopped says where to read why, whichever logger printed the run.
"""

import re
from pathlib import Path

SHOWN_JOBS = 10  # failed jobs listed one per line; the rest are counted
_ERROR = re.compile(r"^(\s*)Error in rule (\S+):$")
_FIELD = re.compile(r"^\s+(jobid|log): (.*)$")
_FINISHED = re.compile(r"^\s*Finished jobid: (\d+) ")
_LOG_HINT = " (check log file(s) for error details)"


def failed_jobs(lines):
    """[(rule, [log files])] of the jobs whose last attempt failed, in the order they first failed, from the lines of
    Snakemake's log."""
    failed, block = {}, None  # jobid -> (rule, logs); the error block being read: (indent, rule, fields)
    for line in [*lines, ""]:
        if block is not None:
            indent, rule, fields = block
            field = _FIELD.match(line)
            if field and len(line) - len(line.lstrip()) > indent:
                fields.setdefault(field.group(1), field.group(2))
                continue
            if line.strip() and len(line) - len(line.lstrip()) > indent:
                continue  # another field of the block (message, output, shell, ...)
            logs = fields.get("log", "").removesuffix(_LOG_HINT)
            failed.setdefault(fields.get("jobid", f"{rule} {len(failed)}"), (rule, logs.split(", ") if logs else []))
            block = None
        error = _ERROR.match(line)
        if error:
            block = (len(error.group(1)), error.group(2), {})
        finished = _FINISHED.match(line)
        if finished:
            failed.pop(finished.group(1), None)
    return list(failed.values())


def failed_job_lines(snakemake_logs):
    """One line per failed job (at most SHOWN_JOBS) naming its log files, from Snakemake's log files; [] when none
    failed or the logs cannot be read."""
    lines = []
    for path in snakemake_logs:
        try:
            lines += Path(path).read_text(errors="replace").splitlines()
        except OSError:
            continue
    jobs = failed_jobs(lines)
    shown = [
        f"job {rule} failed; its log: {', '.join(logs)}" if logs else f"job {rule} failed (it has no log file)"
        for rule, logs in jobs[:SHOWN_JOBS]
    ]
    if len(jobs) > SHOWN_JOBS:
        shown.append(f"and {len(jobs) - SHOWN_JOBS} more failed jobs (Snakemake's log names them)")
    return shown
