"""Atomic output: write to a temporary name beside the target, rename only on success.

A killed or failed job then never leaves a file that looks complete. A job killed with SIGKILL cannot remove its
temporary names, so the next attempt at the same output removes them first (`remove_stale_temporaries`): only names
of our own pattern for that output, `.NAME.XXXXXXXX[SUFFIX]` (tempfile's 8 random characters; a tool's index of the
temporary file, `[SUFFIX].tbi` etc., included), never anything else. Scratch folders beside an output come from
`work_folder` (`.NAME.KIND.XXXXXXXX`), which does the same for its own kind.
"""

import contextlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

# Mode of finished outputs, octal ("600" owner-only, "640" group-read; unset: mkstemp's 0600), set for the whole run
# by apply_permission_mode from config `permissions.mode` (deliver.smk) and inherited by every job.
FILE_MODE_ENV = "GENORISK_FILE_MODE"
PERMISSION_MODES = {"owner-only": (0o077, "600"), "group-read": (0o027, "640")}  # mode -> (umask, file mode)
RANDOM_PART = "[a-z0-9_]{8}"  # what tempfile.mkstemp / mkdtemp put between prefix and suffix
INDEX_SIDECARS = (".tbi", ".csi", ".fai", ".bai", ".crai")  # what a tool may write beside a temporary file


def apply_permission_mode(mode):
    """Owner-only or group-readable for everything this process and its children create: umask + FILE_MODE_ENV."""
    umask, file_mode = PERMISSION_MODES[mode]
    os.umask(umask)
    os.environ[FILE_MODE_ENV] = file_mode


def temporary_names(name, suffix=""):
    """The regex (full match) of the temporary names of an output called `name`: `.NAME.XXXXXXXX[SUFFIX][index]`."""
    sidecars = "|".join(re.escape(s) for s in INDEX_SIDECARS)
    return re.compile(rf"\.{re.escape(name)}\.{RANDOM_PART}{re.escape(suffix)}(?:{sidecars})?")


def _stale_entries(folder, patterns):
    """The entries of `folder` named by one of `patterns` ({prefix: full-match regex}); none when it does not exist."""
    try:
        hidden = [e for e in os.scandir(folder) if e.name.startswith(".")]  # a report folder holds thousands of files
    except FileNotFoundError:
        return []
    return [e for e in hidden if any(e.name.startswith(p) and rx.fullmatch(e.name) for p, rx in patterns.items())]


def _remove(entries, what):
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
    removed = sorted(e.name for e in entries)
    if removed:
        logging.getLogger("genorisk").info(
            "removed %d temporary name(s) of %s left by an earlier, interrupted attempt", len(removed), what
        )
    return removed


def remove_stale_temporaries(target, suffix=""):
    """Remove the temporary files or folders of `target` that an earlier, killed attempt left beside it.

    Only names matching temporary_names(target's name, suffix) go. Snakemake never runs two jobs for one output at
    once, so a temporary of this output is always a dead attempt's. Returns the removed names, sorted.
    """
    target = Path(target)
    patterns = {f".{target.name}.": temporary_names(target.name, suffix)}
    return _remove(_stale_entries(target.parent, patterns), target.name)


def remove_stale_temporaries_of(targets):
    """remove_stale_temporaries for the outputs of a job that writes many (each with its own suffixes as atomic_path
    gives them), listing each folder once; then atomic_path(..., stale_removed=True) for each. Returns the removed
    names, sorted."""
    folders = {}
    for target in map(Path, targets):
        pattern = temporary_names(target.name, "".join(target.suffixes))
        folders.setdefault(target.parent, {})[f".{target.name}."] = pattern
    removed = []
    for folder, patterns in folders.items():
        removed += _remove(_stale_entries(folder, patterns), f"{len(patterns)} output(s) in {folder.name}/")
    return sorted(removed)


@contextlib.contextmanager
def atomic_path(target, suffix="", stale_removed=False):
    """Yield a temporary path in the target's folder; rename it to `target` on success.

    `suffix` keeps an extension that tools read the output type from (".vcf.gz", ".png").
    On an exception the temporary file is removed and the target is left untouched. Temporaries of the same output
    left by a killed earlier attempt are removed first (unless `stale_removed`: remove_stale_temporaries_of did).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = suffix or "".join(target.suffixes)
    if not stale_removed:
        remove_stale_temporaries(target, suffix)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, int(os.environ.get(FILE_MODE_ENV, "600"), 8))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(target, text):
    """Write `text` to `target` atomically."""
    with atomic_path(target) as tmp:
        Path(tmp).write_text(text)


@contextlib.contextmanager
def work_folder(target, kind):
    """A private scratch folder beside `target`, `.NAME.KIND.XXXXXXXX`, removed afterwards (also on an exception).

    Use it instead of tempfile.TemporaryDirectory(prefix=".kind_", dir=...) for scratch space next to an output:
    the folder a killed earlier attempt at the same output and kind left is removed first, and nothing of another
    output's or another kind's (a job running beside it) is touched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent / f"{target.name}.{kind}")
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.{kind}.", dir=target.parent) as folder:
        yield folder
