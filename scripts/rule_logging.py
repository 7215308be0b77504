"""Logging set-up for rule scripts: one log file per job, progress lines with a level."""

import logging
import sys

from input_error import InputError


def setup_logging(log_path, name="genorisk"):
    """Send log records of this job to `log_path` (and stderr), replacing earlier handlers."""
    logger = logging.getLogger(name)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    logger.setLevel(logging.INFO)
    fmt = logging.Formatter("%(levelname)s %(message)s")
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
