"""results/provenance.json: what produced this batch's results (rule provenance).

Records the workflow version (VERSION) and git commit of the workflow checkout ("unknown" outside git; never fails),
the validated config with its paths relative to the config file's folder, the SHA-256 and size of the config file,
the sample sheet and every input file (alignments, reference, regions, and any other file a config value names, e.g.
panels; each distinct file hashed once, progress logged per GiB), the pins of the set-up (requirements, envs),
tool versions (samtools, bcftools, tabix), the installed versions of the Python packages of requirements.txt, and
the platform (Python version, OS name). Nothing machine- or person-specific: no hostname, user, date or absolute
path. Deterministic JSON (sorted keys), so two runs of the same inputs give the same bytes.

The sheet's per-sample files (alignments, truth files) are hashed once, by rule input_checksums (one job per sample,
`resources/checksums/{sample}.json`: each file's path as given, size, mtime and sha256), so adding a sample to a
finished project hashes only that sample's files. The provenance job takes a recorded sum only while the file still
has the recorded path, size and mtime; a file changed since (even to an older mtime, which Snakemake would not notice)
is hashed again.
"""

import copy
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

from common.atomic import atomic_path
from common.checksums import sha256_file
from common.rule_logging import get_logger, setup_logging
from common.tool_run import tool_version
from inputs.config_loader import PATH_KEYS, PATH_LIST_KEYS

# Config keys whose values the config loader resolved to working-directory paths ("section/key"), and the inputs
# recorded under their own role (not again as config values).
RESOLVED = (*PATH_KEYS, *PATH_LIST_KEYS)
OWN_ROLE = ("samples", "reference", "regions")
# Config values that name a file which must not be hashed (a hash of a short secret would allow guessing it).
NOT_HASHED = ("deliver/secret_file",)
PIN_FILES = ("requirements.txt", "requirements-test.txt", "apt-packages.txt")


def git_state(folder):
    """{"commit": full hash or "unknown", "dirty": tracked files modified (bool) or None}; never raises.

    Only a checkout whose top level is `folder` counts (a workflow copied into another repository is "unknown").
    """
    unknown = {"commit": "unknown", "dirty": None}

    def git(*args):
        proc = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60)
        return proc.stdout.strip() if proc.returncode == 0 else None

    try:
        top = git("rev-parse", "--show-toplevel")
        if not top or os.path.realpath(top) != os.path.realpath(folder):
            return unknown
        commit = git("rev-parse", "--verify", "HEAD")
        if not commit:
            return unknown
        status = git("status", "--porcelain", "--untracked-files=no")
        return {"commit": commit, "dirty": None if status is None else bool(status)}
    except (OSError, subprocess.SubprocessError):
        return unknown


def workflow_version(version_file):
    """The text of the VERSION file, or "unknown" when it is absent."""
    try:
        return Path(version_file).read_text().strip() or "unknown"
    except OSError:
        return "unknown"


WORKFLOW_PREFIX = "{genorisk}/"  # a file shipped with the workflow (e.g. the default ancestry panel)


def relative_to(path, folder, workflow_dir=None):
    """`path` (relative to the working directory, or absolute) relative to `folder`, POSIX style; a file inside
    `workflow_dir` (the checkout) as "{genorisk}/<path in the checkout>", so the record names no machine path and is
    the same wherever the workflow is installed."""
    absolute = os.path.abspath(path)
    if workflow_dir is not None:
        inside = Path(os.path.relpath(absolute, os.path.abspath(workflow_dir)))
        if not inside.as_posix().startswith(".."):
            return WORKFLOW_PREFIX + inside.as_posix()
    return Path(os.path.relpath(absolute, os.path.abspath(folder))).as_posix()


def config_for_record(config, config_dir, workflow_dir=None):
    """The validated config with path values relative to the config folder (absolute strings likewise; files shipped
    in `workflow_dir` as {genorisk}/...)."""

    def relativise(value, key):
        if isinstance(value, dict):
            return {k: relativise(v, f"{key}/{k}" if key else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [relativise(v, key) for v in value]
        if isinstance(value, str) and value and (key in RESOLVED or os.path.isabs(value)):
            return relative_to(value, config_dir, workflow_dir)
        return value

    return relativise(copy.deepcopy(dict(config)), "")


def config_named_files(config, config_dir, skip=NOT_HASHED):
    """[(key, path)] for config values naming an existing file, other than the sheet, reference and regions.

    Loader-resolved keys hold working-directory paths; any other string is tried relative to the config folder
    (a file named by a key the loader does not know yet is still recorded). Keys as "section/key[/index]", sorted.
    """
    found = []

    def walk(value, key, resolved):
        if key in skip or key in OWN_ROLE:
            return
        if isinstance(value, dict):
            for sub, item in value.items():
                name = f"{key}/{sub}" if key else str(sub)
                walk(item, name, name in RESOLVED)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{key}/{i}", resolved)
        elif isinstance(value, str) and value:
            path = Path(value) if resolved else Path(config_dir) / os.path.expanduser(value)
            if path.is_file():
                found.append((key, str(path)))

    walk(dict(config), "", False)
    return sorted(found)


def input_files(config, config_dir, config_files, sample_files):
    """[{"role", "path" (as read), optional "sample_id" / "key"}] in a fixed order: config files, sheet, reference,
    regions, the sheet's per-sample files (sheet order; role = the column, e.g. alignment), then other files that
    config values name. `sample_files`: {sample_id: {column: path}}."""
    files = [{"role": "config_file", "path": str(p)} for p in config_files]
    files.append({"role": "sample_sheet", "path": config["samples"]})
    files.append({"role": "reference", "path": config["reference"]})
    if config.get("regions"):
        files.append({"role": "regions", "path": config["regions"]})
    for sample, columns in sample_files.items():
        files += [{"role": column, "sample_id": sample, "path": path} for column, path in columns.items()]
    files += [{"role": "config_value", "key": k, "path": p} for k, p in config_named_files(config, config_dir)]
    return files


def file_checksum(path, log=None, label=None):
    """{"path" (as given), "bytes", "mtime_ns", "sha256"} of one file; progress lines name `label`, not the path."""
    log = log or get_logger()
    before = os.stat(path)
    label = label or "file"

    def progress(done, size):
        log.info("%s: %.1f GiB hashed", label, done / 2**30)

    digest = sha256_file(path, progress)
    log.info("%s: done (%.2f GiB)", label, before.st_size / 2**30)
    return {"path": str(path), "bytes": before.st_size, "mtime_ns": before.st_mtime_ns, "sha256": digest}


def sample_checksums(sample, files, log=None):
    """{"sample_id", "files": [{"role", "path", "bytes", "mtime_ns", "sha256"}]} of one sample's sheet files
    ({column: path}, in column order); a file named twice is read once."""
    seen, records = {}, []
    for role, path in files.items():
        real = os.path.realpath(path)
        if real not in seen:
            seen[real] = file_checksum(path, log, f"{sample} {role}")
        records.append({**seen[real], "role": role, "path": str(path)})
    return {"sample_id": sample, "files": records}


def write_sample_checksums(sample, files, out_json, log=None):
    with atomic_path(out_json) as tmp:
        Path(tmp).write_text(json.dumps(sample_checksums(sample, files, log), sort_keys=True, indent=2) + "\n")


def read_checksums(paths):
    """{path as given: record} from input_checksums' JSON files."""
    known = {}
    for path in paths:
        for record in json.loads(Path(path).read_text())["files"]:
            known[record["path"]] = record
    return known


def still_current(record, path):
    """True when `path` has the recorded size and mtime (the recorded sum then still describes it)."""
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_size, now.st_mtime_ns) == (record["bytes"], record["mtime_ns"])


def hash_inputs(files, config_dir, log=None, known=None, workflow_dir=None):
    """Add "sha256" and "bytes" to each entry and make its path relative to the config folder (a file shipped in
    `workflow_dir`: {genorisk}/...).

    `known`: {path as given: input_checksums record}; a current record is used instead of reading the file. Each
    distinct file (by real path) is read at most once; progress lines name the role and a counter, not the path.
    """
    log = log or get_logger()
    known = known or {}
    seen = {}
    total = sum(os.path.getsize(f["path"]) for f in files)
    log.info("recording %d input files (%.2f GiB)", len(files), total / 2**30)
    n_known = 0
    records = []
    for i, entry in enumerate(files, start=1):
        real = os.path.realpath(entry["path"])
        record = known.get(str(entry["path"]))
        if real not in seen and record and still_current(record, entry["path"]):
            seen[real] = {"sha256": record["sha256"], "bytes": record["bytes"]}
            n_known += 1
        elif real not in seen:
            if record:
                log.warning("input %d/%d (%s) changed since its checksum job: hashed again", i, len(files),
                            entry["role"])  # fmt: skip
            size = os.path.getsize(real)
            done = file_checksum(real, log, f"input {i}/{len(files)} ({entry['role']}, {size / 2**30:.2f} GiB)")
            seen[real] = {"sha256": done["sha256"], "bytes": done["bytes"]}
        records.append({**entry, "path": relative_to(entry["path"], config_dir, workflow_dir), **seen[real]})
    log.info("%d input file(s) taken from their checksum jobs, %d hashed here", n_known, len(seen) - n_known)
    return records


def tool_versions(tools):
    """{tool: bare version} via tool_run.tool_version; "not found" when the tool is not installed."""
    versions = {}
    for tool in tools:
        try:
            versions[tool] = tool_version(tool)
        except OSError:
            versions[tool] = "not found"
    return versions


def requirement_names(requirements_file):
    """Package names pinned in a pip requirements file (`name==version` lines); [] when the file is absent."""
    try:
        lines = Path(requirements_file).read_text().splitlines()
    except OSError:
        return []
    return [line.split("==")[0].strip() for line in lines if "==" in line and not line.lstrip().startswith("#")]


def package_versions(names):
    """{name: installed version or "not installed"} from importlib.metadata (the environment this job runs in)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def pin_hashes(workflow_dir):
    """{relative path: sha256} of the files that pin the software (requirements, apt list, conda envs)."""
    workflow_dir = Path(workflow_dir)
    paths = [workflow_dir / n for n in PIN_FILES] + sorted((workflow_dir / "envs").glob("*.yaml"))
    return {p.relative_to(workflow_dir).as_posix(): sha256_file(p) for p in paths if p.is_file()}


def platform_record():
    """Python version and OS name only: no hostname, user, kernel build or date."""
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "os": platform.system(),
    }


def build_provenance(config, config_dir, config_files, sample_files, workflow_dir, git, tools, log=None,
                     known=None):  # fmt: skip
    """The provenance record (a dict of plain JSON values). `git`: git_state() of the workflow checkout; `known`:
    read_checksums() of the per-sample checksum jobs."""
    workflow_dir = Path(workflow_dir)
    files = input_files(config, config_dir, config_files, sample_files)
    return {
        "workflow": {
            "name": "genorisk",
            "version": workflow_version(workflow_dir / "VERSION"),
            "git_commit": git["commit"],
            "git_dirty": git["dirty"],
            "pins": pin_hashes(workflow_dir),
        },
        "config": config_for_record(config, config_dir, workflow_dir),
        "inputs": hash_inputs(files, config_dir, log, known, workflow_dir),
        "tools": tool_versions(tools),
        "python_packages": package_versions(requirement_names(workflow_dir / "requirements.txt")),
        "platform": platform_record(),
    }


def provenance_json(record):
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_provenance(path, record):
    with atomic_path(path) as tmp:
        Path(tmp).write_text(provenance_json(record), encoding="utf-8")


def config_folder(config_files):
    """The folder config paths are relative to: the last config file's, as common.smk resolves them."""
    return str(Path(config_files[-1]).parent) if config_files else str(Path.cwd())


def main(smk):
    log = setup_logging(smk.log[0])
    record = build_provenance(
        smk.params.config,
        config_folder(list(smk.params.config_files)),
        list(smk.params.config_files),
        {sample: dict(files) for sample, files in smk.params.sample_files.items()},
        Path(smk.input.version).parent,  # the workflow checkout holds VERSION
        dict(smk.params.git),
        list(smk.params.tools),
        log,
        read_checksums(smk.input.checksums),
    )
    write_provenance(smk.output.json, record)
    log.info("wrote the provenance record (%d input files)", len(record["inputs"]))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
