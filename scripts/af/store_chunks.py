"""Run a function over every chunk of the genotype store (scripts/af/vcf_to_store.py) with dask, a window at a time;
or read its chunks one after the other in this thread (store_blocks: kinship, polygenic scores).

Shared by the statistics that read the store (allele_frequencies, popgen_stats): one dask.delayed task per store
chunk, whose result is small (text rows and per-sample sums); a window of 4 tasks per dask thread is computed at a
time, so memory does not grow with the number of variants. The scheduler is local threads, or a dask.distributed
scheduler given by address (e.g. a dask-jobqueue SLURMCluster the user started); workers that cannot import the
scripts get them uploaded (their folder need not be shared, but the store's path must be readable by them).
"""

import contextlib
import importlib.util
import tempfile
import zipfile
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import zarr

from common.input_error import InputError

STORE_FIELDS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/numalt", "calldata/GT"]
# Imported by every task function's module (dependencies first); callers add their own modules after these.
# The workflow's packages (scripts/<stage>/), zipped for a dask.distributed worker that cannot import them.
SCRIPTS = Path(__file__).resolve().parents[1]
TASKS_PER_THREAD = 4


def open_store(store_path):
    """(zarr group, a description naming the store and the VCF it came from, sample IDs)."""
    root = zarr.open_group(str(store_path), mode="r")
    where = f"{store_path} (from {root.attrs.get('source', 'a VCF')})"
    return root, where, [str(s) for s in root["samples"][:]]


def store_blocks(root, fields, records=None, samples=None):
    """Yield (index of its first record, {field: numpy array}) per store chunk, in variant order, read with zarr in
    this thread (no dask): what a single-pass reader of the store needs, a chunk in memory at a time.

    records: record indices (0-based) whose chunks alone are read (None: every chunk); samples: the calldata/GT
    columns kept, as store column indices (None: all)."""
    gt = root["calldata/GT"]
    n, step = gt.shape[0], gt.chunks[0]
    numbers = range(-(-n // step)) if records is None else np.unique(np.asarray(records, dtype=np.int64) // step)
    for number in numbers:
        start = int(number) * step
        block = {key: root[key][start : start + step] for key in fields if key != "calldata/GT"}
        if "calldata/GT" in fields:
            block["calldata/GT"] = (
                gt[start : start + step] if samples is None else gt.oindex[start : start + step, samples]
            )
        yield start, block


def chunk_tasks(root, function, *args, where="the store"):
    """One dask.delayed function(block, *args) per chunk of the store, in variant order.

    block: {field: numpy array} for STORE_FIELDS, calldata/GT of shape (n_variants, n_samples, 2). An empty store
    gives no task."""
    if not root["calldata/GT"].shape[0]:
        return []
    arrays = {key: da.from_zarr(root[key]) for key in STORE_FIELDS}
    if any(arrays[key].chunks[0] != arrays["calldata/GT"].chunks[0] for key in STORE_FIELDS):
        raise InputError(f"{where}: the store's arrays are chunked differently along variants; rewrite the store")
    gt = arrays["calldata/GT"]
    if gt.numblocks[1:] != (1, 1):
        arrays["calldata/GT"] = gt.rechunk({1: -1, 2: -1})  # a chunk must hold whole records
    blocks = {key: array.to_delayed().reshape(-1) for key, array in arrays.items()}
    task = dask.delayed(function, pure=True)
    return [task(dict(zip(STORE_FIELDS, parts, strict=True)), *args) for parts in zip(*blocks.values())]


@contextlib.contextmanager
def dask_scheduler(address, threads, modules):
    """Yield (keyword arguments for dask.compute, number of parallel tasks): local threads, or the
    dask.distributed scheduler at `address`; `modules`: the scripts a worker needs, uploaded when it lacks them."""
    if not address:
        yield {"scheduler": "threads", "num_workers": threads}, threads
        return
    from distributed import Client

    with Client(address) as client:
        found = client.run(importlib.util.find_spec, modules[-1].split(".")[0])
        if not all(found.values()):
            with tempfile.TemporaryDirectory(prefix="genorisk_worker_") as folder:
                client.upload_file(scripts_zip(Path(folder) / "genorisk_scripts.zip"))
        yield {"scheduler": client}, max(1, sum(client.nthreads().values()))


def scripts_zip(path):
    """Every stage package of scripts/ in one zip at `path` (a worker adds an uploaded zip to its sys.path)."""
    with zipfile.ZipFile(path, "w") as archive:
        for source in sorted(SCRIPTS.glob("*/*.py")):
            archive.write(source, source.relative_to(SCRIPTS).as_posix())
    return str(path)


def computed_in_windows(tasks, scheduler, threads, modules, log=None):
    """Yield each task's result in task order, computing a window of TASKS_PER_THREAD x parallel tasks at a time."""
    with dask_scheduler(scheduler, threads, modules) as (compute_kwargs, parallel):
        window = TASKS_PER_THREAD * parallel  # each compute() waits for its slowest task
        if log:
            log.info("%d chunks, %d tasks in flight", len(tasks), window)
        for first in range(0, len(tasks), window):
            yield from dask.compute(*tasks[first : first + window], **compute_kwargs)
            if log:
                log.info("chunks %d-%d of %d done", first + 1, min(first + window, len(tasks)), len(tasks))
