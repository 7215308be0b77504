"""workflow/profiles/local prints one line per finished job: its logger plugin (tools/snakemake-logger-plugin-genorisk),
fed the records Snakemake 9.27 logs for a job (their fields as snakemake/jobs.py and scheduling/job_scheduler.py set
them). A real run through the profile: tests/workflow/test_workflow_summary.py (the gated run)."""

import io
import logging
import re
from types import SimpleNamespace

import pytest
import yaml
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.registry import LoggerPluginRegistry

from workflow_runner import REPO

PROFILE = REPO / "workflow" / "profiles" / "local" / "config.yaml"


def test_the_local_profile_prints_one_line_per_job_and_keeps_going():
    profile = yaml.safe_load(PROFILE.read_text())
    assert profile["logger"] == ["genorisk"]
    assert "printshellcmds" not in profile and "quiet" not in profile  # the plugin decides; --printshellcmds restores
    assert profile["keep-going"] is True and profile["retries"] == 1
    assert LoggerPluginRegistry().is_installed("genorisk"), "make setup installs tools/snakemake-logger-plugin-genorisk"


def handler(**settings):
    """The plugin's handler as Snakemake builds it (default output settings, overridden by `settings`), writing to a
    string buffer in place of stderr."""
    from snakemake_logger_plugin_genorisk import LogHandler

    common = {"printshellcmds": False, "nocolor": True, "quiet": set(), "debug_dag": False, "verbose": False,
              "show_failed_logs": False, "stdout": False, "dryrun": False}  # fmt: skip
    plugin = LogHandler(SimpleNamespace(**{**common, **settings}), None)
    plugin.out.stream = io.StringIO()
    return plugin


def record(msg, level=logging.INFO, **extra):
    return logging.makeLogRecord({"msg": msg, "levelno": level, "levelname": logging.getLevelName(level), **extra})


# The other fields of Snakemake's JOB_INFO record (snakemake/jobs.py, Job.log_info).
JOB_INFO = {"rule_msg": None, "local": True, "input": ["in.bam"], "output": ["out.json"], "benchmark": None,
            "reason": "Missing output files: out.json", "resources": {}, "priority": 0, "threads": 1, "indent": False,
            "is_checkpoint": False, "printshellcmd": True, "is_handover": False, "shellcmd": None}  # fmt: skip


def job_records(jobid, rule, wildcards, done, total):
    """What Snakemake logs for one job that runs and finishes."""
    return [
        record("Select jobs to execute..."),
        record("Execute 1 jobs...", event=LogEvent.JOB_STARTED, jobs=[jobid]),
        record(
            f" Rule: {rule}, Jobid: {jobid}",
            event=LogEvent.JOB_INFO,
            jobid=jobid,
            rule_name=rule,
            wildcards=wildcards,
            log=[f"logs/{rule}.log"],
            **JOB_INFO,
        ),
        record("Shell command: None", event=LogEvent.SHELLCMD, shellcmd=None, indent=False),
        record(f"Finished jobid: {jobid} (Rule: {rule})", event=LogEvent.JOB_FINISHED, job_id=jobid),
        record("Removing temporary output results/calls/bcftools/chunks/0.bcf."),
        record("None", event=LogEvent.PROGRESS, done=done, total=total),
    ]


def shown(plugin, records):
    for item in records:
        plugin.emit(item)
    return plugin.out.stream.getvalue().splitlines()


def test_a_finished_job_is_one_line_with_progress_rule_and_wildcards():
    lines = shown(handler(), [*job_records(7, "qc_sample", {"sample": "demo02"}, 3, 54),
                              *job_records(0, "all", {}, 54, 54)])  # fmt: skip
    # Snakemake's own wording of progress: "3 of 54 steps (6%) done" (3/54 = 5.6%, rounded)
    assert len(lines) == 2
    assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] 3 of 54 steps \(6%\) done: qc_sample \(sample=demo02\)", lines[0])
    assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] 54 of 54 steps \(100%\) done: all", lines[1])


def test_errors_warnings_and_other_messages_are_printed_as_snakemake_prints_them():
    error = record("Error in rule qc_gate", logging.ERROR, event=LogEvent.JOB_ERROR, rule_name="qc_gate",
                   rule_msg=None, jobid=3, input=[], output=[".genorisk/qc_gate.ok"], log=["logs/summary/qc_gate.log"],
                   conda_env=None, shellcmd=None, aux={}, indent=False)  # fmt: skip
    lines = shown(handler(), [record("Building DAG of jobs..."), error, record("genorisk: a note", logging.WARNING)])
    assert lines[0] == "Building DAG of jobs..."
    assert "Error in rule qc_gate:" in lines
    assert "    log: logs/summary/qc_gate.log (check log file(s) for error details)" in lines
    assert lines[-1] == "genorisk: a note"


@pytest.mark.parametrize("asked", ["printshellcmds", "verbose", "dryrun"])
def test_snakemakes_own_job_blocks_come_back_when_asked_for(asked):
    lines = shown(handler(**{asked: True}), job_records(7, "qc_sample", {"sample": "demo02"}, 3, 54))
    assert "localrule qc_sample:" in lines and "    wildcards: sample=demo02" in lines
    assert "3 of 54 steps (6%) done" in lines
    assert ("Shell command: None" in lines) is (asked == "printshellcmds")
    assert "Removing temporary output results/calls/bcftools/chunks/0.bcf." in lines
