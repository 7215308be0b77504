"""Allele frequencies from the genotype store on a dask.distributed cluster (config af.scheduler).

A two-worker LocalCluster (worker processes: `processes=True`, started in about 1 s here) and a scheduler + two
workers started with the `dask` command line from another folder, which cannot import scripts/ (so the script
uploads its modules) must give the bytes of the single-process run, which tests/af/test_vcf_to_store.py checks
against the hand-worked tables and the 1000 Genomes INFO counts; the overall AC/AN are checked against INFO here too.
"""

import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, get_task_stream
from test_allele_frequencies import (
    SAMPLE_HEADER,
    SAMPLES,
    TINY_POPULATIONS,
    TINY_RECORDS,
    VARIANT_HEADER,
    VARIANTS,
    assert_cells,
    read_tsv,
    write_vcf,
)

from af.allele_frequencies import write_allele_frequencies_from_store
from af.vcf_to_store import vcf_to_store
from onekg_data import onekg_vcf_and_populations

DASK = str(Path(sys.executable).parent / "dask")


@pytest.fixture(scope="module")
def onekg(tmp_path_factory):
    """The 1000 Genomes window's store in 10 chunks, and the single-process (one local thread) outputs from it."""
    vcf, populations = onekg_vcf_and_populations()
    out = tmp_path_factory.mktemp("onekg_dist")
    vcf_to_store(vcf, out / "cohort.zarr", chunk_variants=100)
    write_allele_frequencies_from_store(out / "cohort.zarr", populations, out / "v1.tsv", out / "s1.tsv", threads=1)
    return {"folder": vcf.parent, "out": out, "populations": populations}


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def run_on(address, onekg, name):
    """Outputs from the store via the scheduler at `address`; returns (variants bytes, samples bytes, workers used)."""
    out = onekg["out"]
    with Client(address) as client, get_task_stream(client=client) as stream:
        counts = write_allele_frequencies_from_store(
            out / "cohort.zarr", onekg["populations"], out / f"{name}_v.tsv", out / f"{name}_s.tsv", scheduler=address
        )
    assert counts == (903, 3202)
    workers = {task["worker"] for task in stream.data if "store_chunk_result" in str(task["key"])}
    return (out / f"{name}_v.tsv").read_bytes(), (out / f"{name}_s.tsv").read_bytes(), workers


def test_local_cluster_gives_the_single_process_bytes(onekg, cluster):
    variants, samples, workers = run_on(cluster.scheduler_address, onekg, "local_cluster")
    assert len(workers) == 2  # both workers ran chunks
    assert variants == (onekg["out"] / "v1.tsv").read_bytes()
    assert samples == (onekg["out"] / "s1.tsv").read_bytes()
    header, rows = read_tsv(onekg["out"] / "local_cluster_v.tsv")
    with open(onekg["folder"] / "expected" / "af_from_vcf_info.tsv") as handle:
        expected = [(r["POS"], r["AC"], r["AN"]) for r in csv.DictReader(handle, delimiter="\t")]
    assert [(r[1], r[header.index("AC")], r[header.index("AN")]) for r in rows] == expected


def test_local_cluster_tiny_vcf_matches_hand_table(tmp_path, cluster):
    store = tmp_path / "cohort.zarr"
    vcf_to_store(write_vcf(tmp_path, TINY_RECORDS), store, chunk_variants=1)
    out_v, out_s = tmp_path / "variants.tsv", tmp_path / "samples.tsv"
    write_allele_frequencies_from_store(store, TINY_POPULATIONS, out_v, out_s, scheduler=cluster.scheduler_address)
    header, rows = read_tsv(out_v)
    assert header == VARIANT_HEADER
    assert_cells(rows, VARIANTS, header)
    header, rows = read_tsv(out_s)
    assert header == SAMPLE_HEADER
    assert_cells(rows, SAMPLES, header)


@pytest.fixture
def command_line_cluster(tmp_path):
    """`dask scheduler` + `dask worker --nworkers 2` on 127.0.0.1, run from an empty folder without PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    scheduler_file = tmp_path / "scheduler.json"
    common = {"cwd": tmp_path, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                scheduler_file,
            ],
            **common,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        worker_args = ["--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
        procs.append(
            subprocess.Popen(
                [DASK, "worker", "--scheduler-file", scheduler_file, *worker_args, "--local-directory", tmp_path],
                **common,
            )
        )
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
            specs = client.run(importlib.util.find_spec, "allele_frequencies")
            assert not any(specs.values()), "the workers should not see scripts/ (the upload is under test)"
            yield address
            client.shutdown()  # scheduler and workers exit (faster than terminating the nanny processes)
    finally:
        for proc in reversed(procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(timeout=30)


def test_workers_that_cannot_import_the_scripts_get_them_and_give_the_same_bytes(onekg, command_line_cluster):
    variants, samples, workers = run_on(command_line_cluster, onekg, "cli_cluster")
    assert len(workers) == 2
    assert variants == (onekg["out"] / "v1.tsv").read_bytes()
    assert samples == (onekg["out"] / "s1.tsv").read_bytes()


def test_local_cluster_gives_the_single_process_population_statistics(onekg, cluster):
    """popgen_stats reads the same store through the same chunk runner: HWE, F, sex, SFS and Fst tables from the
    two-worker cluster equal the one-thread run's bytes (which tests/structure/test_popgen_stats.py ties to plink2)."""
    from structure.popgen_stats import write_popgen_stats_from_store

    out = onekg["out"]
    names = ("variants", "samples", "sfs", "fst")
    runs = {}
    for run, scheduler in (("single", None), ("cluster", cluster.scheduler_address)):
        outputs = [out / f"popgen_{run}_{name}.tsv" for name in names]
        with Client(cluster.scheduler_address) as client, get_task_stream(client=client) as stream:
            used = write_popgen_stats_from_store(out / "cohort.zarr", "GRCh38", {}, onekg["populations"], outputs,
                                                 scheduler=scheduler, threads=1)  # fmt: skip
        assert used == 903
        runs[run] = [path.read_bytes() for path in outputs]
        workers = {task["worker"] for task in stream.data if "popgen_block" in str(task["key"])}
        assert len(workers) == (2 if scheduler else 0)
    assert runs["cluster"] == runs["single"]
    assert runs["single"][3].count(b"\n") == 1 + 10  # header + the 10 pairs of the 5 superpopulations
