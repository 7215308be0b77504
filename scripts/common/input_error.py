"""The one exception type for bad user input (config, sample sheet, files), and the wording of a path problem.

Its message is shown to the user as is: it names the file, the row or record, and the problem. A path is named as the
user wrote it (the config value or sheet cell) and, when that is not already the absolute path, as resolved:
"reference FASTA ref.fa does not exist (resolved: /data/batch/ref.fa)".
"""

import os


class InputError(ValueError):
    """Bad input from the user: raised early, before anything is written."""


# Absolute path -> the path as the user wrote it, for paths the config loader and the sheet reader resolved.
_WRITTEN = {}


def remember_written(resolved, written):
    """Record how the user wrote a path the workflow resolved (relative to the config file's or sheet's folder)."""
    _WRITTEN[os.path.abspath(resolved)] = str(written)


def path_problem(what, path, problem, written=None):
    """'{what} {path as written} {problem} (resolved: {absolute path})', the last part only when it adds something.

    `written` defaults to what remember_written recorded for `path`, else `path` as given.
    """
    absolute = os.path.abspath(path)
    shown = written if written is not None else _WRITTEN.get(absolute, str(path))
    resolved = "" if shown == absolute else f" (resolved: {absolute})"
    return f"{what} {shown} {problem}{resolved}"
