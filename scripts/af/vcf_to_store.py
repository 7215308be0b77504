"""Cohort VCF -> chunked on-disk genotype store (zarr 2, scikit-allel's layout), parsed on several cores.

Store layout (as `allel.vcf_to_zarr` writes it, so `allel.GenotypeDaskArray(root["calldata/GT"])` reads it):
  samples            (n_samples,) str
  variants/CHROM     (n_variants,) str      variants/POS (n_variants,) int32 (1-based)
  variants/REF       (n_variants,) str      variants/ALT (n_variants,) str, the first ALT allele ("" when none)
  variants/ALTS      (n_variants, MAX_ALTS = 8) str, the ALT alleles in VCF order, the first 8, "" after the last
                     (variants/ALT is its first column; polygenic scores match effect alleles against all of them)
  variants/numalt    (n_variants,) int32, number of ALT alleles of the record (> 1: a multi-allelic record; may
                     exceed 8)
  calldata/GT        (n_variants, n_samples, 2) int8 allele indices, -1 = missing
Every variants/* and calldata/* array is chunked along variants only, `chunk_variants` records per chunk (default:
about 8 M genotypes per chunk), so one chunk holds whole records. Root attrs: `source` (the VCF's file name, no
folder), `chunk_variants`, `layout`.

Why scikit-allel's parser and not bio2zarr (measured here on a synthetic 100,000 x 1,000 bgzipped VCF,
benchmarks/af_scale.py's generator; other jobs kept the load at 3-8, so CPU seconds are the fair number):
`allel.vcf_to_zarr` 8.4 s CPU (17.8 s wall, 322 MiB peak, 44 MB store); bio2zarr 0.2.1 `vcf2zarr convert` 41 s CPU
(55 s wall, 267 MiB peak, 17 MB store), with `-p 2` 46 s CPU (77 s wall). scikit-allel's Cython parser costs a fifth
of the CPU; bio2zarr's smaller store does not pay for that, and it needs zarr 3 (scikit-allel's chunked API needs
zarr 2). The project already depends on scikit-allel. This script, same file: 11 s CPU, 6.2 s wall on 2 workers
(14 MB store); at 1,000,000 x 1,000: 65 s wall, ~110 s CPU, 531 MiB for all processes together, vs 179 s for
`bcftools +fill-tags` (benchmarks/af_scale.py). Parsing every ALT allele (variants/ALTS) costs nothing measurable
there (1,000,000 x 1,000 on an idle machine: 38.8 s wall, 76 s CPU, against 39.3 s and 76 s with the first ALT
only; +29 MiB peak, +0.4% store) and 0.35 us a record at 4 samples (500,000 records: 0.77 s against 0.60 s CPU).

Using both cores: scikit-allel parses on one core, so this script splits the bgzipped VCF itself. A BGZF file is a
series of independently compressed blocks whose sizes are in their headers: `bgzf_blocks` lists them without
decompressing, `plan_parts` cuts the text into parts of about PART_BYTES at block boundaries, and each worker
process decompresses its blocks and parses the records that START inside its part (a record cut by a boundary
belongs to the part holding its first byte; a worker reads on into the next block to finish it). The main process
writes the parts to the store in file order, in whole chunks, with at most 2 parts per worker in flight, so memory
does not grow with the number of variants. No index is needed; a plain-gzip or uncompressed VCF is read by one
process. Tabix regions were not used: records overlapping a region boundary come back twice, and with targeted
calling (config `regions`) equal genomic spans hold very unequal numbers of records.
"""

import contextlib
import gzip
import io
import logging
import multiprocessing
import os
import shutil
import tempfile
import warnings
import zlib
from collections import deque
from pathlib import Path

import allel
import numcodecs
import numpy as np
import zarr

from common.atomic import FILE_MODE_ENV, remove_stale_temporaries
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

VARIANT_FIELDS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/numalt"]
# Parsed with alt_number=MAX_ALTS: variants/ALT comes back (n, MAX_ALTS); parse_chunks stores it as variants/ALTS and
# its first column as variants/ALT, the same values as alt_number=1 gives.
PARSED_FIELDS = [*VARIANT_FIELDS, "calldata/GT"]
FIELDS = [*VARIANT_FIELDS, "variants/ALTS", "calldata/GT"]
STRING_FIELDS = frozenset({"variants/CHROM", "variants/REF", "variants/ALT"})
MAX_ALTS = 8
# Same rule as allele_frequencies.block_length: scikit-allel allocates chunk_length x n_samples x 2 per chunk.
GENOTYPES_PER_CHUNK = 8_000_000
MIN_CHUNK, MAX_CHUNK = 64, 65_536
# Uncompressed VCF text per worker task: 32 MiB is ~8,000 records of 1,000 samples, a fraction of a second to parse.
PART_BYTES = 32 * 2**20
PARSE_BUFFER = 2**20
BGZF_MAGIC = b"\x1f\x8b\x08\x04"
# GT is -1/0/1 int8: bit-shuffled zstd at level 1 makes it small and cheap to write (what allel.vcf_to_zarr uses).
GT_COMPRESSOR = numcodecs.Blosc(cname="zstd", clevel=1, shuffle=numcodecs.Blosc.BITSHUFFLE)
COMPRESSOR = numcodecs.Blosc(cname="zstd", clevel=1, shuffle=numcodecs.Blosc.SHUFFLE)
LAYOUT = "scikit-allel vcf_to_zarr: samples, variants/{CHROM,POS,REF,ALT,numalt}, calldata/GT; variants/ALTS (8)"


def default_chunk_variants(n_samples):
    """Records per store chunk so a chunk holds about GENOTYPES_PER_CHUNK genotypes."""
    return int(min(MAX_CHUNK, max(MIN_CHUNK, GENOTYPES_PER_CHUNK // max(n_samples, 1))))


# --- reading the VCF in parts ------------------------------------------------------------------------------------


def open_text(vcf_path):
    """Binary stream of the VCF's text (gzip/BGZF or plain)."""
    with open(vcf_path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return gzip.open(vcf_path, "rb") if gzipped else open(vcf_path, "rb")


def read_header(vcf_path):
    """(header bytes up to and including the #CHROM line, [sample IDs]). Raises InputError without a #CHROM line."""
    lines = []
    with open_text(vcf_path) as stream:
        for line in stream:
            if not line.startswith(b"#"):
                break
            lines.append(line)
            if line.startswith(b"#CHROM"):
                samples = line.rstrip(b"\r\n").decode().split("\t")[9:]
                return b"".join(lines), samples
    raise InputError(f"{vcf_path}: no #CHROM header line; is this a VCF?")


def bgzf_blocks(vcf_path):
    """Uncompressed start offset of each BGZF block and the file's uncompressed size, read from the block headers.

    Returns (compressed offsets (n_blocks,) int64, uncompressed starts (n_blocks,) int64, total) or None when the
    file is not BGZF. Written by hand: neither htslib's Python bindings nor scikit-allel expose the block list.
    """
    offsets, sizes = [], []
    with open(vcf_path, "rb") as handle:
        position = 0
        while head := handle.read(12):
            if len(head) < 12 or head[:4] != BGZF_MAGIC:
                return None
            extra = handle.read(int.from_bytes(head[10:12], "little"))
            block_size = _bgzf_block_size(extra)
            if block_size is None:
                return None
            handle.seek(position + block_size - 4)
            offsets.append(position)
            sizes.append(int.from_bytes(handle.read(4), "little"))  # ISIZE, the block's uncompressed length
            position += block_size
            handle.seek(position)
    starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
    return np.asarray(offsets, dtype=np.int64), starts[:-1], int(starts[-1])


def _bgzf_block_size(extra):
    """Total block size from the BC subfield of a gzip member's extra field, or None if it has none."""
    i = 0
    while i + 4 <= len(extra):
        length = int.from_bytes(extra[i + 2 : i + 4], "little")
        if extra[i : i + 2] == b"BC" and length == 2:
            return int.from_bytes(extra[i + 4 : i + 6], "little") + 1
        i += 4 + length
    return None


def plan_parts(blocks, header_end, part_bytes=PART_BYTES):
    """Parts of the record text as (compressed offset to start reading at, its uncompressed offset, start, end).

    A part owns the records whose first byte lies in [start, end); starts after the first lie on block boundaries,
    and the reader starts one block earlier when it needs the byte before `start` (to see whether a record begins
    there). The first part starts at `header_end`.
    """
    offsets, ustarts, total = blocks
    if total <= header_end:
        return []
    bounds = [header_end]
    for ustart in ustarts:
        if ustart >= bounds[-1] + part_bytes:
            bounds.append(int(ustart))
    bounds.append(total)
    parts = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        first_byte = start if start == header_end else start - 1
        b = int(np.searchsorted(ustarts, first_byte, side="right")) - 1
        parts.append((int(offsets[b]), int(ustarts[b]), start, end))
    return parts


def _bgzf_payloads(vcf_path, offset):
    """Decompressed BGZF blocks from compressed `offset` to the end of the file."""
    with open(vcf_path, "rb") as handle:
        handle.seek(offset)
        while head := handle.read(12):
            extra = handle.read(int.from_bytes(head[10:12], "little"))
            rest = handle.read(_bgzf_block_size(extra) - 12 - len(extra))
            yield zlib.decompress(rest[:-8], wbits=-15)  # raw deflate between the header and CRC32 + ISIZE


def part_text(vcf_path, part, header_end):
    """Bytes of the records that start in [start, end) of `part` (from plan_parts), ending at a newline or EOF."""
    offset, position, start, end = part
    at_record = start == header_end
    begun = False
    for data in _bgzf_payloads(vcf_path, offset):
        low = 0
        if not begun:
            if at_record:
                if start >= position + len(data):
                    position += len(data)
                    continue
                low = start - position
            else:  # the first record begins after the first newline at or after byte start - 1
                newline = data.find(b"\n", max(start - 1 - position, 0)) if start - 1 < position + len(data) else -1
                if newline < 0:
                    position += len(data)
                    continue
                low = newline + 1
                if position + low >= end:
                    return
            begun = True
        stop_from = max(end - 1 - position, low)
        newline = data.find(b"\n", stop_from) if stop_from < len(data) else -1
        if newline >= 0:
            yield data[low : newline + 1]
            return
        yield data[low:]
        position += len(data)


class _ChunkStream(io.RawIOBase):
    """A readable binary stream over an iterator of byte strings (what scikit-allel's parser reads from)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._rest = memoryview(b"")

    def readable(self):
        return True

    def readinto(self, buffer):
        while not len(self._rest):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = memoryview(chunk)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def parse_chunks(source, chunk_length):
    """scikit-allel's chunks (dicts of FIELDS arrays) of a VCF path or binary stream."""
    with warnings.catch_warnings():  # headers are parsed here; INFO/FILTER lines with extra keys are not our concern
        warnings.filterwarnings("ignore", message="invalid (INFO|FILTER|FORMAT) header", category=UserWarning)
        _, _, _, chunks = allel.iter_vcf_chunks(
            source, fields=PARSED_FIELDS, alt_number=MAX_ALTS, chunk_length=chunk_length, buffer_size=PARSE_BUFFER
        )
    for chunk, *_ in chunks:
        chunk["variants/ALTS"] = chunk["variants/ALT"]
        chunk["variants/ALT"] = chunk["variants/ALTS"][:, 0]
        yield chunk


def parse_part(vcf_path, header, part, chunk_length):
    """One part's records as one dict of FIELDS arrays (None when the part owns no record). Runs in a worker."""
    stream = _ChunkStream([header, *part_text(vcf_path, part, len(header))])
    chunks = list(parse_chunks(stream, chunk_length))
    if not chunks:
        return None
    return {key: np.concatenate([c[key] for c in chunks]) if key in chunks[0] else None for key in FIELDS}


def iter_parts(vcf_path, header, chunk_length, workers, part_bytes):
    """Dicts of FIELDS arrays in file order: parts parsed by `workers` processes, or the whole file by this one."""
    blocks = bgzf_blocks(vcf_path)
    parts = plan_parts(blocks, len(header), part_bytes) if blocks else None
    log = get_logger()
    if parts is None or len(parts) < 2 or workers < 2:
        log.info("parsing in one process (%s)", "not BGZF" if parts is None else f"{len(parts or [])} part(s)")
        yield from parse_chunks(str(vcf_path), chunk_length)
        return
    log.info("parsing %d parts of ~%d MiB with %d worker processes", len(parts), part_bytes >> 20, workers)
    # fork: the workers need nothing but this module's functions; made before this process starts any thread.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending = deque()
        for part in parts:
            pending.append(pool.apply_async(parse_part, (str(vcf_path), header, part, chunk_length)))
            if len(pending) >= 2 * workers:
                if (result := pending.popleft().get()) is not None:
                    yield result
        while pending:
            if (result := pending.popleft().get()) is not None:
                yield result


# --- writing the store -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_directory(target):
    """Yield a temporary folder beside `target`; rename it to `target` on success, remove it on failure.

    atomic.atomic_path is for files (it makes a file and sets a file mode); a directory needs the search bit.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)  # a killed earlier attempt's folder
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o750 if os.environ.get(FILE_MODE_ENV, "600") == "640" else 0o700)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class StoreWriter:
    """Appends records to the store's arrays in whole chunks (a partial chunk would be recompressed on each append)."""

    def __init__(self, folder, samples, chunk_variants, source):
        self.chunk = chunk_variants
        self.root = zarr.open_group(str(folder), mode="w")
        self.root.attrs.update({"layout": LAYOUT, "source": source, "chunk_variants": chunk_variants})
        strings = {"dtype": object, "object_codec": numcodecs.VLenUTF8(), "compressor": COMPRESSOR}
        self.root.array("samples", np.asarray(samples, dtype=object), chunks=(max(len(samples), 1),), **strings)
        self.arrays = {}
        for key in VARIANT_FIELDS:
            kind = strings if key in STRING_FIELDS else {"dtype": "int32", "compressor": COMPRESSOR}
            self.arrays[key] = self.root.zeros(key, shape=(0,), chunks=(chunk_variants,), **kind)
        self.arrays["variants/ALTS"] = self.root.zeros(
            "variants/ALTS", shape=(0, MAX_ALTS), chunks=(chunk_variants, MAX_ALTS), **strings
        )
        self.arrays["calldata/GT"] = self.root.zeros(
            "calldata/GT",
            shape=(0, len(samples), 2),
            chunks=(chunk_variants, max(len(samples), 1), 2),
            dtype="int8",
            compressor=GT_COMPRESSOR,
        )
        self.pending = []
        self.n_pending = 0
        self.n_written = 0

    def add(self, block):
        """Queue one dict of FIELDS arrays; write every whole chunk that is then complete."""
        n = len(block["variants/POS"])
        if n:
            self.pending.append(block)
            self.n_pending += n
        if self.n_pending >= self.chunk:
            self._write(self.n_pending // self.chunk * self.chunk)

    def close(self):
        """Write the last, partial chunk. Returns the number of records written."""
        if self.n_pending:
            self._write(self.n_pending)
        return self.n_written

    def _write(self, n):
        joined = {key: np.concatenate([b[key] for b in self.pending]) for key in FIELDS}
        for key, array in self.arrays.items():
            array.append(joined[key][:n])
        rest = {key: values[n:] for key, values in joined.items()}
        self.n_pending -= n
        self.n_written += n
        self.pending = [rest] if self.n_pending else []


def check_block(block, vcf_path):
    """Refuse a parsed block without genotypes (no GT in FORMAT)."""
    if block.get("calldata/GT") is None:
        raise InputError(f"{vcf_path}: no FORMAT/GT field; the genotype store needs genotypes")


def vcf_to_store(vcf_path, store_path, chunk_variants=None, workers=2, part_bytes=PART_BYTES):
    """Write the genotype store (layout in the module docstring) of a VCF. Returns (n_variants, n_samples).

    chunk_variants: records per store chunk (None: default_chunk_variants). workers: parsing processes.
    """
    log = get_logger()
    # Blosc compressing on several threads gives different bytes from run to run (same data decoded): compress on
    # this thread only, so that the store is byte-identical on a rerun (the manifest hashes it). Measured cost:
    # ~5 ms per 8,000 x 1,000 chunk, while the workers parse.
    numcodecs.blosc.use_threads = False
    header, samples = read_header(vcf_path)
    if not samples:
        raise InputError(f"{vcf_path}: the VCF has no sample columns; the genotype store needs genotypes")
    chunk = chunk_variants or default_chunk_variants(len(samples))
    log.info("%d samples; %d records per chunk", len(samples), chunk)
    with atomic_directory(store_path) as tmp:
        writer = StoreWriter(tmp, samples, chunk, Path(vcf_path).name)
        for number, block in enumerate(iter_parts(vcf_path, header, chunk, workers, part_bytes), start=1):
            check_block(block, vcf_path)
            writer.add(block)
            if number % 20 == 0:
                pos = block["variants/POS"]
                log.info(
                    "%d records, up to %s:%d", writer.n_written + writer.n_pending, block["variants/CHROM"][-1], pos[-1]
                )
        n_variants = writer.close()
    log.info("wrote %d records x %d samples", n_variants, len(samples))
    return n_variants, len(samples)


def main(smk):
    setup_logging(smk.log[0])
    logging.getLogger("genorisk").info("converting %s", Path(smk.input.vcf).name)
    vcf_to_store(smk.input.vcf, smk.output.store, smk.params.chunk_variants, workers=max(1, smk.threads))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
