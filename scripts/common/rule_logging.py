"""Logging set-up for rule scripts: one log file per job, progress lines with a level.

Everything a job has to say goes to its log file: our progress lines (INFO and up), the warnings of the libraries it
runs (Python's `warnings` and any library logger, WARNING and up) and, in a Snakemake job, whatever else reaches the
process's stderr (htslib's `[W::...]` lines from pysam, an unexpected error's traceback). The terminal gets only our
own warnings and errors, one line each, so a run prints one line per job (the local profile's `--logger genorisk`).

Job logs are shared with whoever runs or debugs the workflow, so they must not say where the input data lives: every
line has the folders of absolute paths removed (`/data/patients/HG001.bam` is logged as `HG001.bam`), whether the path
comes from our message, a tool's command line or a tool's own error text (folders with spaces are not recognised).
"""

import atexit
import logging
import os
import re
import subprocess
import sys

from common.input_error import InputError

# The folder part of an absolute path (also inside 'file##idx##/x.bai', '--x=/y', 'file:///z').
ABSOLUTE_FOLDERS = re.compile(r"(?<![\w.~-])/(?:[^\s/'\"]+/)+")


def redact_paths(text):
    """`text` with the folders of absolute paths removed, file names kept."""
    return ABSOLUTE_FOLDERS.sub("", text)


class PathRedactingFormatter(logging.Formatter):
    """`LEVEL message`, the message of another library's logger as `LEVEL logger: message`; folders removed."""

    def __init__(self, traceback=True):
        super().__init__("%(levelname)s %(message)s")
        self.traceback = traceback

    def format(self, record):
        if record.name != "genorisk" and not record.name.startswith("genorisk."):
            record = logging.makeLogRecord(
                {**record.__dict__, "msg": f"{record.name}: {record.getMessage().rstrip()}", "args": None}
            )
        if not self.traceback and record.exc_info:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return redact_paths(super().format(record))


JOB_HANDLER = "genorisk job log"  # the name of the handlers setup_logging adds, so a second call replaces them


def setup_logging(log_path, name="genorisk", capture_stderr=None):
    """Send this job's log records and the warnings of the libraries it runs to `log_path`; our own warnings and
    errors to stderr too. Replaces the handlers an earlier call added.

    `capture_stderr` (default: when the script runs as a Snakemake job) sends the process's stderr (file descriptor 2,
    which child processes inherit) to the log as well, folders removed, so what libraries and tools write there
    directly (htslib's messages through pysam) stays in the log.
    """
    root, logger = logging.getLogger(), logging.getLogger(name)
    for owner in (root, logger):
        for old in [h for h in owner.handlers if h.get_name() == JOB_HANDLER]:
            owner.removeHandler(old)
            old.close()
    open(log_path, "w").close()  # a new log; written in append mode, as the stderr copier writes to it too
    log_file = logging.FileHandler(log_path, mode="a")
    log_file.setFormatter(PathRedactingFormatter())
    if capture_stderr is None:
        capture_stderr = _in_snakemake_job()
    if capture_stderr:
        _capture_stderr(log_path)
    to_terminal = logging.StreamHandler(_CAPTURE.get("terminal", sys.stderr))
    to_terminal.setLevel(logging.WARNING)
    to_terminal.setFormatter(PathRedactingFormatter(traceback=False))
    for handler, owner in ((log_file, root), (to_terminal, logger)):
        handler.set_name(JOB_HANDLER)
        owner.addHandler(handler)
    root.setLevel(logging.WARNING)  # other libraries' warnings and errors; their INFO chatter is left out
    logger.setLevel(logging.INFO)
    # warnings.warn(...) -> logger py.warnings -> the log file; off first, so a second call (tests) installs it again
    logging.captureWarnings(False)
    logging.captureWarnings(True)
    sys.excepthook = _job_excepthook
    return logger


# Copies what reaches file descriptor 2 into the job's log, line by line, folders of absolute paths removed. A process
# of its own: a thread of the job would need the GIL, which pysam holds while htslib writes its messages.
_STDERR_COPIER = """
import re, sys
folders = re.compile(sys.argv[2])
with open(sys.argv[1], "a", encoding="utf-8") as log:
    for line in sys.stdin.buffer:
        log.write(folders.sub("", line.decode("utf-8", "replace")))
        log.flush()
"""
_CAPTURE = {}  # "terminal": stderr before file descriptor 2 was captured; "copier": the process copying it to the log


def _capture_stderr(log_path):
    """Point file descriptor 2 at a copier into `log_path`, keeping the terminal for our own warnings and errors."""
    sys.stderr.flush()
    if "terminal" not in _CAPTURE:
        _CAPTURE["terminal"] = os.fdopen(os.dup(2), "w", buffering=1)
        atexit.register(_finish_capture)
    read_end, write_end = os.pipe()
    command = [sys.executable, "-I", "-S", "-c", _STDERR_COPIER, str(log_path), ABSOLUTE_FOLDERS.pattern]
    _CAPTURE["copier"] = subprocess.Popen(
        command, stdin=read_end, stdout=subprocess.DEVNULL, stderr=_CAPTURE["terminal"]
    )
    os.close(read_end)
    os.dup2(write_end, 2)
    os.close(write_end)


def _finish_capture():
    """At exit: close the pipe so the copier reads it to its end, and wait: the log is whole when the job ends."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        _CAPTURE["copier"].wait(timeout=60)
    except subprocess.TimeoutExpired:  # a child process of the job still holds the pipe: its lines may come later
        pass


def _in_snakemake_job():
    """True when this process runs a rule's script: Snakemake puts its `snakemake` object into the script (__main__)."""
    smk = getattr(sys.modules.get("__main__"), "snakemake", None)
    return type(smk).__module__.startswith("snakemake.")


def _job_excepthook(kind, error, tb):
    """An uncaught error: its message to the log and stderr (exit 1), its traceback to the log only; an InputError
    (the user's to fix) has none."""
    if issubclass(kind, InputError):
        logging.getLogger("genorisk").error("%s", error)
    else:
        logging.getLogger("genorisk").error("%s: %s", kind.__name__, error, exc_info=(kind, error, tb))


def get_logger(name="genorisk"):
    return logging.getLogger(name)
