"""The shipped SLURM profile on a real one-node SLURM cluster (Debian's slurm 22.05 + munge, tools/slurm_cluster.sh).

Two runs side by side (module fixture): the demo through `--workflow-profile workflow/profiles/slurm`, and a one-rule
workflow (tests/data/slurm_oom) whose first attempt asks SLURM for less memory than it holds; the local run compared
with the cluster's is the session's shared demo run (tests/workflow/conftest.py, same project secret and report date).
Oracles: SLURM's own job table (`squeue --states=all`: the cluster keeps finished jobs for MinJobAge=600 s), the
plugin's per-job log files, and byte comparison with the local run.
The cluster is stood up by the fixture and always torn down (daemons stopped, /etc/slurm/slurm.conf removed); the
test skips when it cannot be stood up (not root, packages not installable).
Cluster-specific flags, as a user of a cluster without accounting would pass them: `--cores 2` (the node's size),
`--slurm-status-command squeue` (sacct needs accounting), `--slurm-no-account`.
"""

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from workflow_runner import REPO, SNAKEMAKE, demo_batch, run_env, seed_secret

pytestmark = pytest.mark.workflow
CLUSTER = REPO / "tools" / "slurm_cluster.sh"
PROFILE = REPO / "workflow" / "profiles" / "slurm"
TIMEOUT = 420  # a stuck status query waits forever: the run is killed past this
CLUSTER_FLAGS = ["--cores", "2", "--slurm-status-command", "squeue", "--slurm-no-account",
                 "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs"]  # fmt: skip
SUBMITTED = re.compile(r"^Job \S+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.$", re.MULTILINE)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the SLURM cluster test needs root (it installs slurm and munge and starts their daemons)")
    folder = tmp_path_factory.mktemp("slurm_cluster")
    try:
        up = subprocess.run(["bash", str(CLUSTER), "up", str(folder)], capture_output=True, text=True, timeout=600)
        if up.returncode == 2:
            pytest.skip(up.stderr.strip())
        assert up.returncode == 0, f"cluster did not come up:\n{up.stdout}{up.stderr}"
        yield folder
    finally:
        subprocess.run(["bash", str(CLUSTER), "down", str(folder)], capture_output=True, timeout=120)


def start(cmd, log_path):
    with open(log_path, "w") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=run_env())


def finish(proc, log_path):
    """Wait for a run; kill its whole process group past TIMEOUT. Returns (exit code, log text)."""
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return proc.returncode, Path(log_path).read_text()


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory, shared_demo):
    root = tmp_path_factory.mktemp("slurm_runs")
    batches = {"slurm": root / "slurm", "oom": root / "oom"}
    demo_batch(batches["slurm"])
    seed_secret(batches["slurm"])  # the shared local run's secret: pseudonyms agree
    batches["oom"].mkdir()

    def demo(folder, *args):
        return [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(folder),
                "--configfile", str(folder / "config" / "config.yaml"), *args]  # fmt: skip

    commands = {
        "slurm": demo(batches["slurm"], "--workflow-profile", str(PROFILE), *CLUSTER_FLAGS),
        "oom": [SNAKEMAKE, "--snakefile", str(REPO / "tests" / "data" / "slurm_oom" / "Snakefile"),
                "--directory", str(batches["oom"]), "--workflow-profile", str(PROFILE), *CLUSTER_FLAGS],
    }  # fmt: skip
    procs = {name: start(cmd, root / f"{name}.log") for name, cmd in commands.items()}
    done = {name: finish(proc, root / f"{name}.log") for name, proc in procs.items()}
    jobs = slurm_jobs()
    for name, (code, log) in done.items():
        assert code == 0, f"{name} run failed ({code}); SLURM jobs {jobs}:\n{log[-4000:]}"
    local = {"folder": shared_demo[0], "log": ""}  # the session's local demo run (tests/conftest.py)
    return {name: {"folder": batches[name], "log": done[name][1]} for name in batches} | {"local": local, "jobs": jobs}


def slurm_jobs():
    """{job id: state} of every job the cluster still lists, finished ones included."""
    out = subprocess.run(["squeue", "--states=all", "-h", "-o", "%i %T"], capture_output=True, text=True, timeout=60)
    return dict(line.split() for line in out.stdout.splitlines())


def submissions(log):
    """[(SLURM job id, plugin log path)] in the order the run submitted them."""
    return SUBMITTED.findall(log)


def result_files(folder):
    root = Path(folder)
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "results").rglob("*")) if p.is_file()
    }


def test_demo_jobs_went_through_sbatch_and_slurm_ran_each_to_completion(runs):
    submitted = submissions(runs["slurm"]["log"])
    assert len(submitted) >= 10
    for job_id, log_path in submitted:
        assert runs["jobs"].get(job_id) == "COMPLETED", f"SLURM job {job_id}: {runs['jobs'].get(job_id)}"
        # sbatch's own output file for that job id (`-o .../<jobid>.log`), kept by --slurm-keep-successful-logs
        assert Path(log_path).name == f"{job_id}.log"
        assert "steps (100%) done" in Path(log_path).read_text(), log_path


def test_per_sample_jobs_are_bundled_and_quick_rules_stay_local(runs):
    log_dirs = {Path(path).relative_to(runs["slurm"]["folder"] / ".snakemake" / "slurm_logs").parts[0]
                for _, path in submissions(runs["slurm"]["log"])}  # fmt: skip
    per_sample = [d for d in log_dirs if d.startswith("group_per_sample")]
    assert len(per_sample) == 1, log_dirs  # the demo's 6 samples: one cluster job for their QC, indexes and checksums
    assert not {"rule_qc_sample", "rule_index_alignment", "rule_input_checksums"} & log_dirs
    assert {"rule_call_chunk_bcftools", "rule_gather_calls", "rule_vcf_to_store", "rule_render_reports_0"} <= log_dirs
    local = {"rule_manifest", "rule_batch_qc", "rule_run_summary", "rule_af_tables", "rule_provenance"}
    assert not local & log_dirs
    assert "localrule manifest:" in runs["slurm"]["log"]


def test_slurm_results_are_byte_identical_to_a_local_run(runs):
    slurm, local = result_files(runs["slurm"]["folder"]), result_files(runs["local"]["folder"])
    assert sorted(slurm) == sorted(local)
    differing = [path for path in slurm if slurm[path] != local[path]]
    assert not differing
    assert "results/manifest.sha256" in slurm


def test_a_job_killed_for_memory_is_retried_with_more_and_succeeds(runs):
    submitted = submissions(runs["oom"]["log"])
    assert len(submitted) == 2, runs["oom"]["log"][-3000:]
    (first, first_log), (second, _) = submitted
    assert runs["jobs"][first] in {"FAILED", "OUT_OF_MEMORY"}
    assert "exceeded memory limit" in Path(first_log).read_text()
    assert runs["jobs"][second] == "COMPLETED"
    assert "mem_mb=1000" in runs["oom"]["log"] and "mem_mb=2000" in runs["oom"]["log"]
    assert (runs["oom"]["folder"] / "hog.txt").read_text() == "mem_mb=2000\n"
