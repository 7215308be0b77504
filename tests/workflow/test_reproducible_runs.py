"""Byte-identical reruns, recovery from SIGKILL, Snakemake's lock, and the demo's manifest, provenance and deliverables.

Two demo batches: A is the session's shared clean demo run (tests/conftest.py); C runs in the module fixture: while it
runs, a second snakemake in its folder must be refused; it is killed with SIGKILL (whole process group) once the
calling stage has started, then resumed (`--unlock`, then `--rerun-incomplete`) and must end with A's bytes. (Two
clean runs agree byte for byte in the SLURM test, cluster against local, and in the trio test.) Both batches get the
same project secret, so pseudonyms agree, and the same report date.
Oracles: byte comparison between independent runs, `sha256sum -c`, `openssl dgst -hmac` for the pseudonyms.
"""

import base64
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deliver.manifest import listed_files
from workflow_runner import DEMO_SECRET as SECRET
from workflow_runner import REPO, SNAKEMAKE, demo_batch, run_env, seed_secret

pytestmark = pytest.mark.workflow
SAMPLES = [f"demo0{i}" for i in range(1, 7)]
VERIFY = [sys.executable, str(REPO / "scripts" / "deliver" / "verify_manifest.py")]
TIMEOUT = 600
# Temporary names of unfinished writes, spelled out here: `.NAME.` + tempfile's 8 random characters [+ suffix], and
# the `.import_` / `.merge_` / `.gather_` scratch folders of tempfile.TemporaryDirectory.
LEFTOVER = re.compile(r"^\.(?:.+\.[a-z0-9_]{8}(?:\..+)?|(?:import|merge|gather)_[a-z0-9_]{8})$")
# Planted after the kill, as a killed attempt at each of these outputs (written only late in a run) would leave them.
PLANTED = ["results/.manifest.sha256.k1ll3d00.sha256", "results/report/.demo01.html.k1ll3d_9.html"]


def command(folder, *args):
    configfile = Path(folder) / "config" / "config.yaml"
    return [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(folder),
            "--configfile", str(configfile), "--cores", "2", *args]  # fmt: skip


def start(folder, log_name):
    log = open(Path(folder).parent / log_name, "w")  # noqa: SIM115 (closed by the fixture)
    proc = subprocess.Popen(
        command(folder), stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=run_env()
    )
    return proc, log


def wait_for(condition, proc, what):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"snakemake ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def result_files(folder):
    """{path relative to the batch folder: bytes} of every regular file under results/ (hidden ones too)."""
    root = Path(folder)
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "results").rglob("*")) if p.is_file()
    }


def finished_files(folder):
    """{path: bytes} of the files under results/ that are not temporary files of unfinished writes."""
    root = Path(folder)
    return {Path(p).relative_to(root).as_posix(): Path(p).read_bytes() for p in listed_files(root / "results")}


def leftovers(folder):
    """Paths (relative to the batch folder) of temporary files or folders under results/ (os.walk, hidden included)."""
    found = []
    for root, dirs, files in os.walk(Path(folder) / "results"):
        found += [(Path(root) / n).relative_to(folder).as_posix() for n in dirs + files if LEFTOVER.match(n)]
    return sorted(found)


def run(folder, *args):
    return subprocess.run(command(folder, *args), capture_output=True, text=True, timeout=TIMEOUT, env=run_env())


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared_demo):
    folders = {name: tmp_path_factory.mktemp(name) for name in ("run_kill",)}
    for folder in folders.values():
        demo_batch(folder)
        seed_secret(folder)
    procs, logs = {}, []
    try:
        for name, folder in folders.items():
            procs[name], log = start(folder, f"{name}.log")
            logs.append(log)
        locks = folders["run_kill"] / ".snakemake" / "locks"
        wait_for(lambda: locks.is_dir() and any(locks.iterdir()), procs["run_kill"], "run C took its lock")
        intruder = run(folders["run_kill"], "--rerun-incomplete")  # passes the incomplete-files check, meets the lock
        batch_qc = folders["run_kill"] / "results" / "qc" / "batch_qc.tsv"
        wait_for(batch_qc.exists, procs["run_kill"], "the kill run reached the calling stage")
        os.killpg(procs["run_kill"].pid, signal.SIGKILL)
        procs["run_kill"].wait(TIMEOUT)
        at_kill = finished_files(folders["run_kill"])
        left_at_kill = leftovers(folders["run_kill"])
        for name in PLANTED:
            (folders["run_kill"] / name).parent.mkdir(parents=True, exist_ok=True)
            (folders["run_kill"] / name).write_text("half written by a killed attempt\n")
        after_kill = run(folders["run_kill"], "--rerun-incomplete")
        unlock = run(folders["run_kill"], "--unlock")
        resumed = run(folders["run_kill"], "--rerun-incomplete")
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in logs:
            log.close()
    return {**folders, "run_a": shared_demo[0], "intruder": intruder, "at_kill": at_kill, "left_at_kill": left_at_kill,
            "after_kill": after_kill, "unlock": unlock, "resumed": resumed}  # fmt: skip


def test_a_killed_and_resumed_run_ends_with_the_clean_runs_bytes(runs):
    assert runs["resumed"].returncode == 0, runs["resumed"].stderr[-3000:]
    a, b = result_files(runs["run_a"]), result_files(runs["run_kill"])
    assert len(a) > 40
    assert sorted(a) == sorted(b)
    differing = [path for path in a if a[path] != b[path]]
    assert differing == []


def test_a_second_snakemake_in_the_same_folder_is_refused(runs):
    intruder = runs["intruder"]
    assert intruder.returncode != 0
    assert "Directory cannot be locked" in intruder.stdout + intruder.stderr
    # and nothing of C was touched: resumed, it ends with A's bytes (the test above)


def test_every_file_present_at_the_kill_was_complete(runs):
    final = result_files(runs["run_a"])
    assert runs["at_kill"], "nothing was written before the kill"
    partial = [path for path, data in runs["at_kill"].items() if final.get(path) != data]
    assert partial == []  # atomic writes: a file either has its final bytes or does not exist yet


def test_a_killed_run_needs_unlock_then_resumes_to_the_clean_runs_manifest(runs):
    stale = runs["after_kill"]
    assert stale.returncode != 0 and "--unlock" in stale.stdout + stale.stderr  # SIGKILL leaves Snakemake's lock
    assert runs["unlock"].returncode == 0
    assert runs["resumed"].returncode == 0, runs["resumed"].stderr[-3000:]
    manifest = runs["run_a"] / "results" / "manifest.sha256"
    verify = [*VERIFY, "--directory", str(runs["run_kill"]), str(manifest)]
    check = subprocess.run(verify, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:]
    assert check.stdout.splitlines()[-1].endswith("0 differ, 0 missing, 0 extra: all files match the manifest")


def test_the_resumed_run_leaves_no_temporary_of_the_killed_jobs(runs):
    assert runs["resumed"].returncode == 0
    assert all(LEFTOVER.match(Path(name).name) for name in PLANTED)  # the planted names are leftovers to this test
    assert leftovers(runs["run_kill"]) == [], f"left at the kill: {runs['left_at_kill']}"
    assert leftovers(runs["run_a"]) == []


def test_the_manifest_lists_every_result_and_sha256sum_accepts_it(runs):
    folder = runs["run_a"]
    check = subprocess.run(["sha256sum", "-c", "results/manifest.sha256"], capture_output=True, text=True, cwd=folder)
    assert check.returncode == 0, check.stdout[-2000:]
    checked = sorted(line.rsplit(": ", 1)[0] for line in check.stdout.splitlines())
    find = ["find", "results", "-type", "f", "!", "-name", ".snakemake_timestamp", "!", "-name", "manifest.sha256"]
    assert checked == sorted(subprocess.run(find, capture_output=True, text=True, cwd=folder).stdout.splitlines())
    assert "results/provenance.json" in checked and "results/restricted/pseudonyms.tsv" in checked
    verify = subprocess.run([*VERIFY, "results/manifest.sha256"], capture_output=True, text=True, cwd=folder)
    assert verify.returncode == 0, verify.stdout


def test_results_and_logs_are_owner_only(runs):
    folder = runs["run_a"]
    for top in ("results", "logs"):
        for path in [folder / top, *(folder / top).rglob("*")]:
            expected = 0o700 if path.is_dir() else 0o600
            assert stat.S_IMODE(path.stat().st_mode) == expected, path.relative_to(folder)


def openssl_pseudonym(sample):
    mac = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", SECRET, "-binary"], input=sample.encode(),
                         capture_output=True, check=True).stdout  # fmt: skip
    return "GR-" + base64.b32encode(mac).decode()[:12]


def test_demo_deliverables_are_pseudonymous(runs):
    folder = runs["run_a"]
    names = {s: openssl_pseudonym(s) for s in SAMPLES}
    deliver = folder / "results" / "deliver"
    assert sorted(p.name for p in deliver.iterdir() if not p.name.startswith(".")) == sorted(names.values())
    mapping = (folder / "results" / "restricted" / "pseudonyms.tsv").read_text().splitlines()
    assert mapping == ["sample_id\tpseudonym", *(f"{s}\t{names[s]}" for s in SAMPLES)]
    for name in names.values():
        files = sorted(p.name for p in (deliver / name).iterdir())
        assert files == [f"{name}.report.html", f"{name}.report.json", f"{name}.vcf.gz", f"{name}.vcf.gz.tbi"]
        vcf = deliver / name / f"{name}.vcf.gz"
        vcf_text = subprocess.run(["bcftools", "view", "--no-version", str(vcf)], capture_output=True, text=True,
                                  check=True).stdout  # fmt: skip
        assert not vcf_text.splitlines()[-1].startswith("#")  # has records
        for text in (vcf_text, *((deliver / name / f).read_text() for f in files[:2])):
            assert "demo0" not in text and str(folder) not in text
    log_text = (folder / "logs" / "deliver" / "deliver.log").read_text()
    assert "sample 6/6 delivered" in log_text
    assert "demo0" not in log_text and "results/" not in log_text and str(folder) not in log_text


def test_demo_provenance_hashes_the_inputs_and_names_no_machine_path(runs):
    import json

    folder = runs["run_a"]
    text = (folder / "results" / "provenance.json").read_text()
    assert str(folder) not in text and str(REPO) not in text
    record = json.loads(text)
    alignments = {e["sample_id"]: e for e in record["inputs"] if e["role"] == "alignment"}
    for sample, entry in alignments.items():
        ext = "cram" if sample == "demo06" else "bam"
        path = folder / "resources" / "demo" / f"{sample}.{ext}"
        assert entry["path"] == f"../resources/demo/{sample}.{ext}"  # relative to the config folder
        assert entry["sha256"] == subprocess.run(["sha256sum", str(path)], capture_output=True, text=True,
                                                 check=True).stdout.split()[0]  # fmt: skip
    assert sorted(alignments) == SAMPLES
    assert record["workflow"]["version"] == (REPO / "VERSION").read_text().strip()
    assert record["config"]["samples"] == "samples.tsv" and record["config"]["demo"] is True
