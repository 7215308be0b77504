"""genorisk's terminal output (`snakemake --logger genorisk`, set in workflow/profiles/local): one line per job.

Snakemake prints a block of ten or more lines when a job starts (input, output, log, reason, resources, ...), then two
more when it finishes. This handler prints instead one line when a job finishes:

    [22:54:18] 12 of 54 steps (22%) done: qc_sample (sample=demo02)

and everything else but Snakemake's routine (the job counts, warnings, a failed job's "Error in rule" block with its
log path, the workflow's own end-of-run lines) as Snakemake's default handler would, with its filter (`--quiet`) and
colours. Nothing is lost: Snakemake's complete log, `.snakemake/log/*.snakemake.log`, keeps the full job blocks (its
file handler is Snakemake's own). The terminal shows Snakemake's own job blocks again with `--printshellcmds` (and the
shell commands) or `--verbose`, and in a dry run (`-n`), which exists to show them.
"""

import logging
import sys
import time
from dataclasses import dataclass

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase

# Plain INFO records (no event) of Snakemake's routine, one or more per job: the scheduling rounds and each temp()
# file removed after its last use. Snakemake's complete log keeps them.
ROUTINE = ("Select jobs to execute...", "Removing temporary output ")
# Events folded into the one line per finished job.
JOB_EVENTS = {LogEvent.JOB_INFO, LogEvent.JOB_STARTED, LogEvent.SHELLCMD, LogEvent.JOB_FINISHED}


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    """No settings: the common ones (--printshellcmds, --verbose, --quiet, --nocolor, --stdout) decide."""


def job_label(rule, wildcards):
    """`rule (name=value, ...)`, or the rule alone without wildcards."""
    shown = ", ".join(f"{name}={value}" for name, value in (wildcards or {}).items())
    return f"{rule} ({shown})" if shown else rule


def is_routine(record):
    """True for the plain INFO records of Snakemake's routine (ROUTINE)."""
    message = record.msg if isinstance(record.msg, str) else ""
    return getattr(record, "event", None) is None and record.levelno == logging.INFO and message.startswith(ROUTINE)


def progress_line(created, done, total, labels):
    """The line printed when jobs finish: time, Snakemake's "N of M steps (P%) done", the finished jobs' labels."""
    from snakemake.logging import format_percentage

    clock = time.strftime("%H:%M:%S", time.localtime(created))
    return f"[{clock}] {done} of {total} steps ({format_percentage(done, total)}) done: {'; '.join(labels) or 'job'}"


class LogHandler(LogHandlerBase):
    def __post_init__(self):
        from snakemake.logging import ColorizingTextHandler, DefaultFilter, DefaultFormatter

        s = self.common_settings
        # Snakemake's own job blocks when asked for (--printshellcmds, --verbose) and in a dry run.
        self.full = bool(s.printshellcmds or s.verbose or s.dryrun)
        self.filter_ = DefaultFilter(s.quiet, s.debug_dag, s.verbose, s.dryrun, s.printshellcmds)
        self.out = ColorizingTextHandler(
            nocolor=s.nocolor,
            stream=sys.stdout if s.stdout else sys.stderr,
            formatter=DefaultFormatter(s.quiet, s.show_failed_logs),
        )
        self.labels = {}  # jobid -> label, from the job's JOB_INFO record
        self.finished = []  # labels of the jobs finished since the last progress line

    def emit(self, record):
        event = getattr(record, "event", None)
        if event == LogEvent.JOB_INFO:
            self.labels[record.jobid] = job_label(record.rule_name, record.wildcards)
        elif event == LogEvent.JOB_FINISHED:
            self.finished.append(self.labels.pop(record.job_id, f"job {record.job_id}"))
        elif event == LogEvent.PROGRESS:
            finished, self.finished = self.finished, []
        if not self.filter_.filter(record):
            return
        if self.full:
            self.out.emit(record)
        elif event == LogEvent.PROGRESS:
            line = progress_line(record.created, record.done, record.total, finished)
            # An event of our own: printed as it is, in the colour of Snakemake's progress lines.
            self.out.emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO, "levelname": "INFO",
                                                 "event": "genorisk_progress"}))  # fmt: skip
        elif event not in JOB_EVENTS and not is_routine(record):
            self.out.emit(record)

    @property
    def writes_to_stream(self):
        return True

    @property
    def writes_to_file(self):
        return False

    @property
    def has_filter(self):
        return True

    @property
    def has_formatter(self):
        return True

    @property
    def needs_rulegraph(self):
        return False
