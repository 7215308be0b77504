"""Atomic output: write to a temporary name beside the target, rename only on success.

A killed or failed job then never leaves a file that looks complete.
"""

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target, suffix=""):
    """Yield a temporary path in the target's folder; rename it to `target` on success.

    `suffix` keeps an extension that tools read the output type from (".vcf.gz", ".png").
    On an exception the temporary file is removed and the target is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or "".join(target.suffixes), dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(target, text):
    """Write `text` to `target` atomically."""
    with atomic_path(target) as tmp:
        Path(tmp).write_text(text)
