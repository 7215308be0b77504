"""Atomic output: write to a temporary name beside the target, rename only on success.

A killed or failed job then never leaves a file that looks complete.
"""

import contextlib
import os
import tempfile
from pathlib import Path

# Mode of finished outputs, octal ("600" owner-only, "640" group-read; unset: mkstemp's 0600), set for the whole run
# by apply_permission_mode from config `permissions.mode` (deliver.smk) and inherited by every job.
FILE_MODE_ENV = "GENORISK_FILE_MODE"
PERMISSION_MODES = {"owner-only": (0o077, "600"), "group-read": (0o027, "640")}  # mode -> (umask, file mode)


def apply_permission_mode(mode):
    """Owner-only or group-readable for everything this process and its children create: umask + FILE_MODE_ENV."""
    umask, file_mode = PERMISSION_MODES[mode]
    os.umask(umask)
    os.environ[FILE_MODE_ENV] = file_mode


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
        os.chmod(tmp, int(os.environ.get(FILE_MODE_ENV, "600"), 8))
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_text(target, text):
    """Write `text` to `target` atomically."""
    with atomic_path(target) as tmp:
        Path(tmp).write_text(text)
