"""Check a batch folder against its results/manifest.sha256 without rerunning anything.

    cd BATCH && python /path/to/genorisk/scripts/deliver/verify_manifest.py results/manifest.sha256
    python scripts/deliver/verify_manifest.py --directory BATCH results/manifest.sha256

Lists files that DIFFER (other bytes), are MISSING, or are EXTRA (result files that it does not list, in the
folder holding all its files: results/). Exit 0 only when every file matches and none is extra; 1 otherwise; 2 when
the manifest cannot be read. Temporary files that a killed job left behind (see make_manifest.py) are noted, not
counted as extra. Reads manifests written by `sha256sum` as well (text or binary mode, escaped names).
"""

import argparse
import os
import re
import sys
from pathlib import Path

# Run as a file by a reviewer (python scripts/deliver/verify_manifest.py), not by Snakemake: find the stage packages.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.checksums import sha256_file  # noqa: E402
from deliver.manifest import leftover_files, listed_files  # noqa: E402

LINE = re.compile(r"^(\\?)([0-9a-fA-F]{64}) [ *](.+)$")


class ManifestError(ValueError):
    """The manifest file is unreadable or not in sha256sum format."""


def unescape_name(name):
    """Undo GNU sha256sum's escaping of a name (\\\\ -> \\, \\n -> newline, \\r -> carriage return)."""
    return re.sub(r"\\(.)", lambda m: {"\\": "\\", "n": "\n", "r": "\r"}.get(m.group(1), m.group(0)), name)


def read_manifest(path):
    """[(path, hex digest)] in file order; ManifestError names the file and line of a malformed entry."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: cannot be read ({error})") from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = LINE.match(line)
        if not match:
            raise ManifestError(f"{path}: line {number} is not a sha256sum line ('<64 hex digits>  <path>')")
        escaped, digest, name = match.groups()
        entries.append((unescape_name(name) if escaped else name, digest.lower()))
    if not entries:
        raise ManifestError(f"{path}: the manifest lists no file")
    return entries


def compare(manifest_path):
    """{"different", "missing", "extra", "leftover", "matching"}: sorted path lists, relative to the working directory.

    Extra files are looked for in the deepest folder holding every listed file (results/ for the workflow's
    manifest), wherever the manifest file itself is, so one batch can be checked against another's manifest.
    """
    entries = read_manifest(manifest_path)
    listed = {os.path.normpath(p) for p, _ in entries}
    result = {"different": [], "missing": [], "matching": []}
    for path, digest in entries:
        if not os.path.isfile(path):
            result["missing"].append(path)
        elif sha256_file(path) != digest:
            result["different"].append(path)
        else:
            result["matching"].append(path)
    scope = os.path.commonpath([os.path.dirname(p) or "." for p in listed]) or "."
    # The batch's own manifest (same name, at the top of the scope) is no extra file when checking another's.
    present = listed_files(scope, exclude=[manifest_path, Path(scope) / Path(manifest_path).name])
    result["extra"] = [p for p in present if os.path.normpath(p) not in listed]
    result["leftover"] = leftover_files(scope)
    return {key: sorted(paths) for key, paths in result.items()}


def report_lines(result):
    lines = [f"{word} {path}" for key, word in (("different", "DIFFERENT"), ("missing", "MISSING"),
                                                ("extra", "EXTRA")) for path in result[key]]  # fmt: skip
    if result["leftover"]:
        lines.append(f"note: {len(result['leftover'])} temporary file(s) of unfinished jobs ignored")
    bad = len(result["different"]) + len(result["missing"]) + len(result["extra"])
    lines.append(
        f"{len(result['matching'])} file(s) match; {len(result['different'])} differ, {len(result['missing'])} missing,"
        f" {len(result['extra'])} extra" + ("" if bad else ": all files match the manifest")
    )
    return lines, bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", help="the manifest, e.g. results/manifest.sha256 (paths in it are relative to DIR)")
    parser.add_argument("--directory", "-d", default=".", help="the batch folder (working directory of the run)")
    args = parser.parse_args(argv)
    try:
        os.chdir(args.directory)
        result = compare(args.manifest)
    except (ManifestError, OSError) as error:
        print(f"verify_manifest: {error}", file=sys.stderr)
        return 2
    lines, bad = report_lines(result)
    print("\n".join(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
