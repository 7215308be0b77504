"""results/manifest.sha256: the SHA-256 of every result file, in `sha256sum` format (rule manifest, the last rule).

Paths are relative to the working directory (the batch folder), so `sha256sum -c results/manifest.sha256` and
`python scripts/deliver/verify_manifest.py results/manifest.sha256` work there. The manifest covers every regular
file under
its own folder (results/) except itself, Snakemake's empty `.snakemake_timestamp` markers, and temporary files or
folders that a killed job can leave behind: scripts/common/atomic.py's `.NAME.XXXXXXXX[SUFFIX]` (mkstemp: 8 random
characters) and deliver's `.deliver.XXXXXXXX` staging folder. Other hidden files are results (a zarr store keeps its
metadata in `.zarray`, `.zgroup`, `.zattrs`).
"""

import os
import re
from pathlib import Path

from common.atomic import atomic_path
from common.checksums import sha256_file
from common.rule_logging import get_logger, setup_logging

SNAKEMAKE_MARKER = ".snakemake_timestamp"  # Snakemake's empty marker file in directory outputs
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}(\.[A-Za-z0-9_.-]+)?$")  # ".NAME." + mkstemp's 8 characters [+ suffix]


def is_temporary(name):
    """True for a temporary file or folder name of an unfinished write (see the module docstring)."""
    return bool(TEMPORARY.match(name))


def _walk(folder):
    """(path, name, inside a temporary folder) for every file under `folder`, in walk order."""
    for root, _, files in os.walk(folder):
        in_temporary = any(is_temporary(part) for part in Path(root).relative_to(folder).parts)
        for name in files:
            yield Path(root) / name, name, in_temporary


def listed_files(folder, exclude=()):
    """Sorted POSIX paths (as given: relative stays relative) of the result files under `folder`."""
    excluded = {os.path.normpath(p) for p in exclude}
    found = [
        path.as_posix()
        for path, name, in_temporary in _walk(folder)
        if not (in_temporary or is_temporary(name) or name == SNAKEMAKE_MARKER)
        and os.path.normpath(path) not in excluded
        and path.is_file()
    ]
    return sorted(found)


def leftover_files(folder):
    """Sorted paths of temporary files under `folder` that killed jobs left behind (not results)."""
    return sorted(path.as_posix() for path, name, in_temporary in _walk(folder) if in_temporary or is_temporary(name))


def escape_name(path):
    """(prefix, name) as GNU sha256sum writes them: names with a backslash or newline are escaped, line led by '\\'."""
    if "\\" not in path and "\n" not in path and "\r" not in path:
        return "", path
    return "\\", path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def manifest_line(digest, path):
    prefix, name = escape_name(path)
    return f"{prefix}{digest}  {name}\n"


def manifest_text(paths, log=None):
    """The manifest's text for `paths` (hashed in the given order)."""
    log = log or get_logger()
    lines = []
    for i, path in enumerate(paths, start=1):

        def progress(done, total, i=i):
            log.info("file %d/%d: %.1f of %.1f GiB hashed", i, len(paths), done / 2**30, total / 2**30)

        lines.append(manifest_line(sha256_file(path, progress), path))
    return "".join(lines)


def write_manifest(manifest_path, log=None):
    """Hash every result file under the manifest's folder (paths relative to the working directory)."""
    log = log or get_logger()
    manifest_path = Path(manifest_path)
    paths = listed_files(manifest_path.parent, exclude=[manifest_path])
    total = sum(os.path.getsize(p) for p in paths)
    log.info("hashing %d files (%.1f MiB)", len(paths), total / 2**20)
    text = manifest_text(paths, log)
    with atomic_path(manifest_path) as tmp:
        Path(tmp).write_text(text)
    log.info("wrote the manifest of %d files", len(paths))


def targets_except(targets, excluded):
    """A Snakemake input function: `targets()` minus `excluded`, called when the DAG is built (after every stage
    file has added its targets), so the manifest waits for every final result of every stage."""

    def inputs(wildcards):
        return [target for target in targets() if target not in excluded]

    return inputs


def main(smk):
    log = setup_logging(smk.log[0])
    write_manifest(smk.output.manifest, log)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
