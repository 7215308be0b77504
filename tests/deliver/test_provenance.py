"""results/provenance.json (scripts/deliver/provenance.py).

Oracles: `sha256sum` for file hashes, `git rev-parse` in a repository made here, `samtools/bcftools --version`
first lines, the packages' own __version__ attributes, and the machine's hostname / user name (which must not appear).
"""

import getpass
import json
import os
import platform
import shutil
import socket
import subprocess
from pathlib import Path

import numpy
import pytest
import snakemake
import yaml

from deliver.provenance import (
    build_provenance,
    config_for_record,
    git_state,
    package_versions,
    provenance_json,
    read_checksums,
    requirement_names,
    tool_versions,
    write_provenance,
    write_sample_checksums,
)

REPO = Path(__file__).resolve().parents[2]


def sha256sum(path):
    return subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


def first_line_version(tool):
    """'1.16' from 'bcftools 1.16' / 'samtools 1.16.1': the second word of the first line."""
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, errors="replace").stdout
    return out.splitlines()[0].split()[1]


def git(folder, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}  # fmt: skip
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True, env=env)


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A batch folder (the working directory) with config/, data/ and a workflow checkout copy with pins."""
    config_dir = tmp_path / "batch" / "config"
    data = tmp_path / "data"  # outside the batch folder, like real inputs
    for folder in (config_dir, data):
        folder.mkdir(parents=True)
    (config_dir / "config.yaml").write_text("samples: samples.tsv\nreference: ../../data/ref.fa\n")
    (config_dir / "samples.tsv").write_text("sample_id\talignment\nS1\t../../data/S1.bam\nS2\t../../data/S2.cram\n")
    (config_dir / "panel.tsv").write_text("gene\tCYP2D6\n")
    (config_dir / "future.tsv").write_text("a key the config loader does not resolve (yet)\n")
    (config_dir / "secret").write_text("0123456789abcdef0123456789abcdef\n")
    (data / "ref.fa").write_text(">chr1\nACGT\n")
    (data / "S1.bam").write_bytes(b"BAM\x01" + bytes(1000))
    (data / "S2.cram").write_bytes(b"CRAM" + bytes(500))
    workflow = tmp_path / "workflow"
    (workflow / "envs").mkdir(parents=True)
    (workflow / "VERSION").write_text("0.1.0\n")
    (workflow / "requirements.txt").write_text("# pins\nnumpy==2.4.6\npyyaml==6.0.4\nno-such-package-xyz==1.0\n")
    (workflow / "envs" / "qc.yaml").write_text("dependencies: [python=3.11]\n")
    monkeypatch.chdir(tmp_path / "batch")
    config = {  # as common.smk hands it over: validated, top-level paths relative to the working directory
        "samples": "config/samples.tsv",
        "reference": os.path.abspath(data / "ref.fa"),
        "regions": None,
        "build": "other",
        "pgs": {"scoring_files": ["config/panel.tsv"]},
        "deliver": {"secret_file": "config/secret", "recipients": []},
        "future": {"table": "future.tsv"},  # as written in the config file: relative to its folder
    }
    sample_files = {"S1": {"alignment": os.path.abspath(data / "S1.bam")},
                    "S2": {"alignment": os.path.abspath(data / "S2.cram")}}  # fmt: skip
    return {"config": config, "config_dir": "config", "config_files": ["config/config.yaml"],
            "sample_files": sample_files, "workflow": workflow, "data": data, "root": tmp_path}  # fmt: skip


def record_of(batch, git=None, tools=("samtools", "bcftools"), known=None):
    return build_provenance(
        batch["config"], batch["config_dir"], batch["config_files"], batch["sample_files"], batch["workflow"],
        git or {"commit": "unknown", "dirty": None}, list(tools), known=known,
    )  # fmt: skip


def test_every_input_file_is_hashed_with_its_path_relative_to_the_config_folder(batch):
    inputs = record_of(batch)["inputs"]
    by_path = {entry["path"]: entry for entry in inputs}
    data = batch["data"]
    expected = {
        "config.yaml": ("config_file", sha256sum("config/config.yaml")),
        "samples.tsv": ("sample_sheet", sha256sum("config/samples.tsv")),
        "../../data/ref.fa": ("reference", sha256sum(data / "ref.fa")),
        "../../data/S1.bam": ("alignment", sha256sum(data / "S1.bam")),
        "../../data/S2.cram": ("alignment", sha256sum(data / "S2.cram")),
        "future.tsv": ("config_value", sha256sum("config/future.tsv")),
        "panel.tsv": ("config_value", sha256sum("config/panel.tsv")),
    }
    assert {p: (e["role"], e["sha256"]) for p, e in by_path.items()} == expected
    assert [e["path"] for e in inputs] == list(expected)  # fixed order: config, sheet, reference, samples, others
    assert by_path["../../data/S1.bam"]["bytes"] == 1004 and by_path["../../data/S1.bam"]["sample_id"] == "S1"
    assert by_path["panel.tsv"]["key"] == "pgs/scoring_files/0" and by_path["future.tsv"]["key"] == "future/table"


def test_the_secret_file_is_never_hashed(batch):
    record = record_of(batch)
    assert sha256sum("config/secret") not in json.dumps(record)
    assert record["config"]["deliver"]["secret_file"] == "secret"  # its name is recorded, not its content


def test_a_file_named_twice_is_read_once(batch, monkeypatch):
    from deliver import provenance

    batch["sample_files"]["S2"] = dict(batch["sample_files"]["S1"])
    reads = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda path, progress=None: reads.append(path) or real(path))
    inputs = record_of(batch)["inputs"]
    hashed = [e for e in inputs if e["role"] == "alignment"]
    assert len(hashed) == 2 and hashed[0]["sha256"] == hashed[1]["sha256"] == sha256sum(batch["data"] / "S1.bam")
    assert sum(os.path.basename(p) == "S1.bam" for p in reads) == 1


def test_config_paths_are_relative_to_the_config_folder_and_nothing_absolute_remains(batch):
    record = config_for_record(batch["config"], "config")
    assert record["samples"] == "samples.tsv"
    assert record["reference"] == "../../data/ref.fa"
    assert record["pgs"] == {"scoring_files": ["panel.tsv"]}
    assert record["deliver"]["secret_file"] == "secret" and record["future"] == {"table": "future.tsv"}
    text = provenance_json(record_of(batch))
    assert str(batch["root"]) not in text and '"/' not in text


def test_no_hostname_user_or_date_and_identical_bytes_on_a_rerun(batch, tmp_path):
    write_provenance(tmp_path / "one.json", record_of(batch))
    write_provenance(tmp_path / "two.json", record_of(batch))
    text = (tmp_path / "one.json").read_text()
    assert text == (tmp_path / "two.json").read_text()
    for private in (socket.gethostname(), getpass.getuser(), platform.node()):
        if len(private) > 3:  # a 'root' user name would match JSON words; it is checked as a whole value below
            assert private not in text
    values = json.dumps(json.loads(text)["platform"])
    assert getpass.getuser() not in values and socket.gethostname() not in values
    assert json.loads(text)["platform"] == {"os": platform.system(), "python": platform.python_version(),
                                            "python_implementation": platform.python_implementation()}  # fmt: skip
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_tool_versions_match_the_tools_own_first_line():
    versions = tool_versions(["samtools", "bcftools", "no-such-tool-xyz"])
    assert versions["samtools"] == first_line_version("samtools")
    assert versions["bcftools"] == first_line_version("bcftools")
    assert versions["no-such-tool-xyz"] == "not found"


def test_python_package_versions_are_the_installed_ones():
    names = requirement_names(REPO / "requirements.txt")
    assert {"snakemake", "numpy", "pyyaml"} <= set(names)
    versions = package_versions(["snakemake", "numpy", "pyyaml", "no-such-package-xyz"])
    assert versions == {"snakemake": snakemake.__version__, "numpy": numpy.__version__, "pyyaml": yaml.__version__,
                        "no-such-package-xyz": "not installed"}  # fmt: skip


def test_workflow_block_records_version_pins_and_git(batch):
    git_info = {"commit": "a" * 40, "dirty": False}
    workflow = record_of(batch, git_info)["workflow"]
    assert workflow["version"] == "0.1.0" and workflow["git_commit"] == "a" * 40 and workflow["git_dirty"] is False
    assert workflow["pins"] == {
        "requirements.txt": sha256sum(batch["workflow"] / "requirements.txt"),
        "envs/qc.yaml": sha256sum(batch["workflow"] / "envs" / "qc.yaml"),
    }


def test_the_version_of_this_checkout_is_in_VERSION():
    assert (REPO / "VERSION").read_text().strip() == "0.1.0"


def test_git_state_of_a_checkout_and_of_a_plain_folder(tmp_path):
    repo = tmp_path / "checkout"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "Snakefile").write_text("rule all:\n")
    git(repo, "add", "Snakefile")
    git(repo, "commit", "-q", "-m", "first")
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    assert git_state(repo) == {"commit": head, "dirty": False}
    (repo / "untracked.txt").write_text("x")  # untracked files (e.g. a run's results) do not make it dirty
    assert git_state(repo) == {"commit": head, "dirty": False}
    (repo / "Snakefile").write_text("rule all:\n    input: []\n")
    assert git_state(repo) == {"commit": head, "dirty": True}
    inner = repo / "workflow_copy"
    inner.mkdir()
    assert git_state(inner) == {"commit": "unknown", "dirty": None}  # another checkout's commit is not ours
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_state(plain) == {"commit": "unknown", "dirty": None}


def test_git_state_never_fails_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on PATH
    assert shutil.which("git") is None
    assert git_state(tmp_path) == {"commit": "unknown", "dirty": None}


def test_a_fresh_repository_without_commits_is_unknown(tmp_path):
    git(tmp_path, "init", "-q")
    assert git_state(tmp_path) == {"commit": "unknown", "dirty": None}


# ---------------------------------------------------------------- per-sample checksums (rule input_checksums)


def checksum_files(batch, folder):
    """Each sample's checksum JSON as rule input_checksums writes it; returns the paths."""
    paths = []
    for sample, files in batch["sample_files"].items():
        paths.append(folder / f"{sample}.json")
        write_sample_checksums(sample, files, paths[-1])
    return paths


def counting_reads(monkeypatch):
    from deliver import provenance

    reads = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda path, progress=None: reads.append(path) or real(path))
    return reads


def test_sample_checksums_match_sha256sum_and_record_size_and_mtime(batch, tmp_path):
    (path,) = checksum_files({"sample_files": {"S1": batch["sample_files"]["S1"]}}, tmp_path)
    record = json.loads(path.read_text())
    bam = batch["data"] / "S1.bam"
    assert record == {"sample_id": "S1", "files": [{
        "role": "alignment", "path": str(bam), "bytes": 1004, "mtime_ns": bam.stat().st_mtime_ns,
        "sha256": sha256sum(bam)}]}  # fmt: skip


def test_the_record_is_the_same_whether_sums_come_from_checksum_jobs_or_not(batch, tmp_path, monkeypatch):
    known = read_checksums(checksum_files(batch, tmp_path))
    reads = counting_reads(monkeypatch)
    with_jobs = record_of(batch, tools=(), known=known)
    assert not any(os.path.basename(p) in ("S1.bam", "S2.cram") for p in reads)  # not read again
    assert any(os.path.basename(p) == "ref.fa" for p in reads)  # the batch's own inputs are hashed here
    without = record_of(batch, tools=())
    assert provenance_json(with_jobs) == provenance_json(without)
    assert "mtime" not in provenance_json(with_jobs)


@pytest.mark.parametrize("mtime_shift_ns", [10**9, -(10**9)], ids=["newer", "older"])
def test_a_file_changed_since_its_checksum_job_is_hashed_again(batch, tmp_path, mtime_shift_ns):
    known = read_checksums(checksum_files(batch, tmp_path))
    bam = batch["data"] / "S1.bam"
    before = bam.stat()
    bam.write_bytes(b"BAM\x01" + bytes(999) + b"\x07")  # same size, other bytes
    os.utime(bam, ns=(before.st_atime_ns, before.st_mtime_ns + mtime_shift_ns))  # older: Snakemake would not rerun
    inputs = record_of(batch, tools=(), known=known)["inputs"]
    (entry,) = [e for e in inputs if e.get("sample_id") == "S1"]
    assert entry["sha256"] == sha256sum(bam) != known[str(bam)]["sha256"]


def test_a_file_shipped_with_the_workflow_is_recorded_without_a_machine_path(tmp_path):
    from deliver.provenance import relative_to

    checkout, batch = tmp_path / "opt" / "genorisk", tmp_path / "batches" / "b1"
    (checkout / "config" / "panels").mkdir(parents=True)
    batch.mkdir(parents=True)
    shipped = checkout / "config" / "panels" / "GRCH38.sites"
    # the same record wherever the checkout is installed; a batch file stays relative to the config folder
    assert relative_to(shipped, batch, checkout) == "{genorisk}/config/panels/GRCH38.sites"
    assert relative_to(batch / "samples.tsv", batch, checkout) == "samples.tsv"
    assert relative_to(shipped, batch) == "../../opt/genorisk/config/panels/GRCH38.sites"
