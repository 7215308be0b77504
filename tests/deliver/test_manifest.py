"""results/manifest.sha256 (scripts/deliver/manifest.py) and its checker (scripts/deliver/verify_manifest.py).

Oracle: GNU coreutils `sha256sum`, which must accept our manifest (`sha256sum -c`) and whose own output our checker
must accept; digests of known strings from FIPS 180-2 / coreutils.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deliver.manifest import listed_files, write_manifest

REPO = Path(__file__).resolve().parents[2]
VERIFY = [sys.executable, str(REPO / "scripts" / "deliver" / "verify_manifest.py")]
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2, SHA-256("abc")
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A batch folder with results/ files (nested, empty, binary, a zarr store's hidden metadata), leftovers of killed
    jobs, Snakemake's marker, and a file outside results/."""
    files = {
        "results/qc/a.json": b"abc",
        "results/qc/empty.tsv": b"",
        "results/calls/x/cohort.vcf.gz": bytes(range(256)) * 100,
        "results/report/with space.html": b"<html>\n",
        "results/af/cohort.zarr/.zgroup": b'{"zarr_format": 2}',  # a result, though its name starts with "."
        "results/af/cohort.zarr/.snakemake_timestamp": b"",  # Snakemake's marker in a directory output
        "results/qc/.a.json.k3j9x0q_.json": b"half-written",  # atomic_path's temporary file (mkstemp) of a killed job
        "results/.deliver.ab12cd34/GR-X/GR-X.report.html": b"<html>",  # deliver's staging folder of a killed job
        "logs/qc/a.log": b"not a result",
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sha256sum(*args, cwd):
    return subprocess.run(["sha256sum", *args], capture_output=True, text=True, cwd=cwd)


def verify(*args, cwd):
    return subprocess.run([*VERIFY, *args], capture_output=True, text=True, cwd=cwd)


def test_manifest_is_accepted_by_sha256sum_and_lists_every_result_but_itself(batch):
    write_manifest("results/manifest.sha256")
    check = sha256sum("-c", "results/manifest.sha256", cwd=batch)
    assert check.returncode == 0, check.stdout + check.stderr
    ok = [line.rsplit(": ", 1)[0] for line in check.stdout.splitlines() if line.endswith(": OK")]
    assert ok == ["results/af/cohort.zarr/.zgroup", "results/calls/x/cohort.vcf.gz", "results/qc/a.json",
                  "results/qc/empty.tsv", "results/report/with space.html"]  # fmt: skip
    lines = Path("results/manifest.sha256").read_text().splitlines()
    assert lines[2] == f"{ABC_SHA256}  results/qc/a.json"
    assert lines[3] == f"{EMPTY_SHA256}  results/qc/empty.tsv"


def test_manifest_bytes_match_sha256sum_output_for_the_same_files(batch):
    write_manifest("results/manifest.sha256")
    listed = listed_files("results", exclude=["results/manifest.sha256"])
    expected = sha256sum(*listed, cwd=batch).stdout
    assert Path("results/manifest.sha256").read_text() == expected


def test_names_with_backslash_or_newline_are_escaped_like_sha256sum(batch):
    odd = ["results/back\\slash.txt", "results/new\nline.txt"]
    for name in odd:
        Path(name).write_bytes(b"abc")
    write_manifest("results/manifest.sha256")
    check = sha256sum("-c", "results/manifest.sha256", cwd=batch)
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = Path("results/manifest.sha256").read_text().splitlines()
    ours = [line for line in manifest if "slash" in line or "line" in line]
    theirs = sha256sum(*odd, cwd=batch).stdout.splitlines()
    assert ours == theirs
    assert verify("results/manifest.sha256", cwd=batch).returncode == 0


def test_verify_passes_a_complete_batch_and_notes_leftovers_of_killed_jobs(batch):
    write_manifest("results/manifest.sha256")
    proc = verify("results/manifest.sha256", cwd=batch)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines()[-1] == "5 file(s) match; 0 differ, 0 missing, 0 extra: all files match the manifest"
    assert "note: 2 temporary file(s) of unfinished jobs ignored" in proc.stdout


def test_verify_lists_differing_missing_and_extra_files(batch):
    write_manifest("results/manifest.sha256")
    Path("results/qc/a.json").write_bytes(b"abd")
    os.unlink("results/qc/empty.tsv")
    Path("results/qc/new.json").write_bytes(b"{}")
    Path("results/af/cohort.zarr/.zattrs").write_bytes(b"{}")  # a new hidden result is extra too
    proc = verify("results/manifest.sha256", cwd=batch)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[:4] == [
        "DIFFERENT results/qc/a.json",
        "MISSING results/qc/empty.tsv",
        "EXTRA results/af/cohort.zarr/.zattrs",
        "EXTRA results/qc/new.json",
    ]
    assert proc.stdout.splitlines()[-1] == "3 file(s) match; 1 differ, 1 missing, 2 extra"


def test_verify_reads_a_manifest_written_by_sha256sum_in_binary_mode(batch):
    listed = listed_files("results")
    Path("results/manifest.sha256").write_text(sha256sum("--binary", *listed, cwd=batch).stdout)
    assert "*results/qc/a.json" in Path("results/manifest.sha256").read_text()
    proc = verify("--directory", str(batch), "results/manifest.sha256", cwd=REPO)
    assert proc.returncode == 0, proc.stdout


def test_another_batch_checks_against_this_batchs_manifest(batch, tmp_path_factory):
    write_manifest("results/manifest.sha256")
    other = tmp_path_factory.mktemp("other")
    for path in listed_files("results"):
        (other / path).parent.mkdir(parents=True, exist_ok=True)
        (other / path).write_bytes(Path(path).read_bytes())
    (other / "results/report/with space.html").write_bytes(b"<html>changed\n")
    proc = verify("--directory", str(other), str(batch / "results/manifest.sha256"), cwd=batch)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == "DIFFERENT results/report/with space.html"
    assert "EXTRA" not in proc.stdout  # the other batch's own manifest.sha256 is not an extra file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "lists no file"),
        ("not a manifest line\n", "line 1 is not a sha256sum line"),
        (f"{ABC_SHA256[:-1]}  results/qc/a.json\n", "line 1 is not a sha256sum line"),
    ],
)
def test_verify_refuses_a_malformed_manifest_with_exit_2(batch, text, message):
    Path("results/bad.sha256").write_text(text)
    proc = verify("results/bad.sha256", cwd=batch)
    assert proc.returncode == 2
    assert message in proc.stderr and "results/bad.sha256" in proc.stderr


def test_verify_of_a_missing_manifest_exits_2(batch):
    proc = verify("results/manifest.sha256", cwd=batch)
    assert proc.returncode == 2 and "cannot be read" in proc.stderr
