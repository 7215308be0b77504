"""Logging set-up for rule scripts: one log file per job, progress lines with a level.

Job logs are shared with whoever runs or debugs the workflow, so they must not say where the input data lives: every
line has the folders of absolute paths removed (`/data/patients/HG001.bam` is logged as `HG001.bam`), whether the path
comes from our message, a tool's command line or a tool's own error text (folders with spaces are not recognised).
"""

import logging
import re
import sys

from common.input_error import InputError

# The folder part of an absolute path (also inside 'file##idx##/x.bai', '--x=/y', 'file:///z').
ABSOLUTE_FOLDERS = re.compile(r"(?<![\w.~-])/(?:[^\s/'\"]+/)+")


def redact_paths(text):
    """`text` with the folders of absolute paths removed, file names kept."""
    return ABSOLUTE_FOLDERS.sub("", text)


class PathRedactingFormatter(logging.Formatter):
    def format(self, record):
        return redact_paths(super().format(record))


def setup_logging(log_path, name="genorisk"):
    """Send log records of this job to `log_path` (and stderr), replacing earlier handlers."""
    logger = logging.getLogger(name)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    logger.setLevel(logging.INFO)
    fmt = PathRedactingFormatter("%(levelname)s %(message)s")
    for handler in (logging.FileHandler(log_path, mode="w"), logging.StreamHandler(sys.stderr)):
        handler.setFormatter(fmt)
        logger.addHandler(handler)
    sys.excepthook = _input_error_hook
    return logger


def _input_error_hook(kind, error, tb):
    """An uncaught InputError is the user's to fix: its message to the log and stderr, no traceback (exit 1)."""
    if issubclass(kind, InputError):
        logging.getLogger("genorisk").error("%s", error)
    else:
        sys.__excepthook__(kind, error, tb)


def get_logger(name="genorisk"):
    return logging.getLogger(name)
