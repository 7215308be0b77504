"""Tests for scripts/af/vcf_to_store.py and the store + dask path of scripts/af/allele_frequencies.py.

Expected values come from outside the code: `bcftools query` on the same VCF (every record and genotype of the
store), the hand-worked tables of tests/af/test_allele_frequencies.py, and the 1000 Genomes INFO counts (NYGC's
AC/AN/AF and AC/AN/AF_{POP}_unrel); tests/af/test_allele_frequencies.py checks the same path against bcftools
+fill-tags, bcftools stats and plink2.
"""

import gzip
import random
import shutil
import subprocess

import numpy as np
import pysam
import pytest
import zarr
from test_allele_frequencies import (
    HEADER,
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
from af.store_chunks import store_blocks
from af.vcf_to_store import bgzf_blocks, plan_parts, read_header, vcf_to_store
from common.input_error import InputError
from onekg_data import assert_matches_nygc_info, onekg_vcf_and_populations

STORE_KEYS = ["variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "variants/ALTS", "variants/numalt",
              "calldata/GT"]  # fmt: skip
BGZF_TEXT = 65_280  # uncompressed bytes per BGZF block written by htslib
GENOTYPES = ["0/0", "0/0", "0/1", "1/1", "./.", "0|1", "1|0", "./1", "0/."]


def require_bcftools():
    if shutil.which("bcftools") is None:
        pytest.skip("bcftools is not on PATH")


def random_records(n_records, n_samples, seed=7):
    """VCF records on two contigs: SNVs, indels, a few 2-ALT records, phased, missing and half-missing calls."""
    rng = random.Random(seed)
    records, pos = [], 0
    for i in range(n_records):
        chrom = "chr1" if i < n_records // 2 else "chr2"
        pos = pos + rng.randint(1, 50) if i != n_records // 2 else rng.randint(1, 50)
        ref, alt = rng.choice([("A", "G"), ("C", "T"), ("G", "T"), ("AT", "A"), ("C", "CTT")])
        gts = [rng.choice(GENOTYPES) for _ in range(n_samples)]
        if i % 97 == 5:
            alt += ",TT"
            gts[0] = "1/2"
        records.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT\t" + "\t".join(gts))
    return records


def header_for(n_samples):
    names = "\t".join(f"s{i}" for i in range(n_samples))
    return HEADER.replace(
        "##contig=<ID=chr1,length=10000>", "##contig=<ID=chr1,length=100000>\n##contig=<ID=chr2>"
    ).replace("FORMAT\ts1\ts2\ts3", "FORMAT\t" + names)


def write_text_vcf(path, text, kind):
    """Write `text` as a BGZF (`bgzf`), plain gzip (`gzip`) or uncompressed (`plain`) VCF."""
    if kind == "bgzf":
        plain = path.with_suffix("")
        plain.write_text(text)
        pysam.tabix_compress(str(plain), str(path), force=True)
        plain.unlink()
    elif kind == "gzip":
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def bcftools_table(vcf):
    """Samples and per record (CHROM, POS, REF, first ALT, number of ALTs, [[allele, allele] per sample], [ALTs])
    from bcftools query; '.' alleles as -1."""
    samples = subprocess.run(["bcftools", "query", "-l", vcf], check=True, capture_output=True, text=True)
    fmt = "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n"
    out = subprocess.run(["bcftools", "query", "-f", fmt, vcf], check=True, capture_output=True, text=True)
    rows = []
    for line in out.stdout.splitlines():
        chrom, pos, ref, alt, *gts = line.split("\t")
        alleles = [[-1 if a == "." else int(a) for a in gt.replace("|", "/").split("/")] for gt in gts]
        rows.append((chrom, int(pos), ref, alt.split(",")[0], len(alt.split(",")), alleles, alt.split(",")))
    return samples.stdout.split(), rows


def read_store(store):
    root = zarr.open_group(str(store), mode="r")
    return root, {key: root[key][:] for key in STORE_KEYS}


# --- the store holds exactly what bcftools reads ----------------------------------------------------------------


def start_records_at(header, records, boundaries):
    """Pad the ID of the record before each boundary so that a record starts exactly there (the boundary case of
    part splitting: the byte before a part is then a newline)."""
    records = list(records)
    for boundary in boundaries:
        offset = len(header)
        for i, record in enumerate(records):
            if offset + len(record) + 1 > boundary:
                pad = boundary - offset
                fields = records[i - 1].split("\t")
                fields[2] = "." if pad == 0 else "id" + "x" * (pad - 1)  # "." -> "id" + pad-1 x: pad more bytes
                records[i - 1] = "\t".join(fields)
                break
            offset += len(record) + 1
    return records


@pytest.fixture(scope="module")
def multi_block(tmp_path_factory):
    """A 1,500-record x 150-sample VCF, ~1 MB of text in BGZF blocks of 65,280 bytes (htslib's block size), so part
    boundaries cut records, except: a record starts exactly at the first boundary, and a record with a 65,280-byte
    ID spans the whole third block, so that no record starts in it and the next starts exactly at the fourth."""
    folder = tmp_path_factory.mktemp("multi_block")
    header = header_for(150)
    records = start_records_at(header, random_records(1500, 150), [BGZF_TEXT, 2 * BGZF_TEXT])
    ends = np.cumsum([len(header)] + [len(r) + 1 for r in records])
    long_one = int(np.flatnonzero(ends == 2 * BGZF_TEXT)[0]) - 1
    fields = records[long_one].split("\t")
    fields[2] += "x" * BGZF_TEXT
    records[long_one] = "\t".join(fields)
    return folder, header + "".join(r + "\n" for r in records)


@pytest.mark.parametrize(
    ("kind", "workers"),
    [("bgzf", 2), ("bgzf", 1), ("gzip", 2), ("plain", 2)],
    ids=["bgzf-2-workers", "bgzf-1-process", "plain-gzip", "uncompressed"],
)
def test_store_holds_every_record_and_genotype_bcftools_reads(multi_block, kind, workers):
    require_bcftools()
    folder, text = multi_block
    vcf = write_text_vcf(folder / f"{kind}{workers}.vcf{'' if kind == 'plain' else '.gz'}", text, kind)
    store = folder / f"{kind}{workers}.zarr"
    # part_bytes=1: a new part at every block boundary, records cut in two by most of them
    assert vcf_to_store(vcf, store, chunk_variants=64, workers=workers, part_bytes=1) == (1500, 150)
    samples, rows = bcftools_table(vcf)
    root, arrays = read_store(store)
    assert list(root["samples"][:]) == samples
    assert [str(c) for c in arrays["variants/CHROM"]] == [r[0] for r in rows]
    assert arrays["variants/POS"].tolist() == [r[1] for r in rows]
    assert [str(r) for r in arrays["variants/REF"]] == [r[2] for r in rows]
    assert [str(a) for a in arrays["variants/ALT"]] == [r[3] for r in rows]
    assert arrays["variants/numalt"].tolist() == [r[4] for r in rows]
    assert arrays["variants/ALTS"].tolist() == [r[6] + [""] * (8 - len(r[6])) for r in rows]
    assert np.array_equal(arrays["calldata/GT"], np.array([r[5] for r in rows], dtype=np.int8))
    assert root["calldata/GT"].chunks == (64, 150, 2) and root["variants/POS"].chunks == (64,)
    assert root["variants/ALTS"].chunks == (64, 8)
    assert root.attrs["source"] == vcf.name  # a file name, no folder


def test_parts_cut_records_at_block_boundaries(multi_block):
    """The splitting the test above relies on: many parts, most of their starts inside a record."""
    folder, text = multi_block
    vcf = write_text_vcf(folder / "parts.vcf.gz", text, "bgzf")
    header, samples = read_header(vcf)
    assert len(samples) == 150 and text.startswith(header.decode())
    blocks = bgzf_blocks(vcf)
    assert blocks[2] == len(text.encode())  # uncompressed size from the block headers alone
    parts = plan_parts(blocks, len(header), part_bytes=1)
    assert len(parts) >= 10
    data = text.encode()
    starts_on_record = [data[start - 1] == ord("\n") for _, _, start, _ in parts[1:]]
    assert [start for _, _, start, _ in parts[1:4]] == [BGZF_TEXT, 2 * BGZF_TEXT, 3 * BGZF_TEXT]
    assert starts_on_record[:3] == [True, False, True] and starts_on_record.count(False) >= len(parts) // 2
    assert data[2 * BGZF_TEXT - 1 : 3 * BGZF_TEXT - 1].count(b"\n") == 0  # the third part owns no record
    assert bgzf_blocks(write_text_vcf(folder / "parts_gzip.vcf.gz", text, "gzip")) is None


def test_store_bytes_do_not_depend_on_the_number_of_processes(multi_block):
    """Byte-identical stores from 2 workers and from 1 process (the manifest of a rerun hashes every file)."""
    folder, text = multi_block
    vcf = write_text_vcf(folder / "bytes.vcf.gz", text, "bgzf")
    stores = [folder / "bytes2.zarr", folder / "bytes1.zarr"]
    # 1,000 x 150 x 2 bytes per chunk: several blosc blocks, which blosc compresses on several threads if let
    vcf_to_store(vcf, stores[0], chunk_variants=1000, workers=2, part_bytes=1)
    vcf_to_store(vcf, stores[1], chunk_variants=1000, workers=1)
    files = [sorted(p.relative_to(s) for p in s.rglob("*") if p.is_file()) for s in stores]
    assert files[0] == files[1] and len(files[0]) > 10
    for name in files[0]:
        assert (stores[0] / name).read_bytes() == (stores[1] / name).read_bytes(), name


def test_alts_hold_every_alt_allele_bcftools_prints_up_to_eight(tmp_path):
    """variants/ALTS against `bcftools query -f '%ALT'`: 1, 2 and 9 ALT alleles (8 kept, numalt 9), a spanning
    deletion `*`, a symbolic allele, and ALT `.` (no ALT: numalt 0, ALTS all empty)."""
    require_bcftools()
    records = [
        "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\t1/1\t0/0",
        "chr1\t200\t.\tA\tC,T\t50\tPASS\t.\tGT\t0/2\t1/2\t./.",
        "chr1\t300\t.\tA\tC,G,T,AC,AG,AT,CA,CC,CG\t50\tPASS\t.\tGT\t0/9\t8/1\t0/0",
        "chr1\t400\t.\tAT\tA,*,<DEL>\t50\tPASS\t.\tGT\t0/1\t2/3\t0/0",
        "chr1\t500\t.\tC\t.\t50\tPASS\t.\tGT\t0/0\t0/0\t./.",
    ]
    vcf = write_vcf(tmp_path, records)
    store = tmp_path / "cohort.zarr"
    assert vcf_to_store(vcf, store, chunk_variants=2) == (5, 3)
    out = subprocess.run(["bcftools", "query", "-f", "%ALT\n", vcf], check=True, capture_output=True, text=True)
    alts = [[] if line == "." else line.split(",") for line in out.stdout.splitlines()]
    _, arrays = read_store(store)
    assert arrays["variants/ALTS"].tolist() == [(a + [""] * 8)[:8] for a in alts]
    assert arrays["variants/numalt"].tolist() == [len(a) for a in alts] == [1, 2, 9, 3, 0]
    assert arrays["variants/ALT"].tolist() == [(a or [""])[0] for a in alts]


def test_store_blocks_reads_only_the_chunks_asked_and_the_columns_asked(tmp_path):
    vcf = write_vcf(tmp_path, TINY_RECORDS + ["chr1\t500\t.\tG\tA\t50\tPASS\t.\tGT\t1/1\t0/1\t0/0"])
    store = tmp_path / "cohort.zarr"
    assert vcf_to_store(vcf, store, chunk_variants=2) == (5, 3)
    root, arrays = read_store(store)
    fields = ["variants/POS", "calldata/GT"]
    every = list(store_blocks(root, fields))
    assert [start for start, _ in every] == [0, 2, 4]
    assert np.concatenate([block["variants/POS"] for _, block in every]).tolist() == [100, 200, 300, 400, 500]
    some = list(store_blocks(root, fields, records=[4, 0, 1], samples=np.array([0, 2])))
    assert [start for start, _ in some] == [0, 4]  # records 0 and 1 in chunk 0, 4 in chunk 2; chunk 1 not read
    assert [block["variants/POS"].tolist() for _, block in some] == [[100, 200], [500]]
    assert np.array_equal(some[1][1]["calldata/GT"], [[[1, 1], [0, 0]]])  # s1 and s3 of the last record
    assert np.array_equal(some[0][1]["calldata/GT"], arrays["calldata/GT"][:2][:, [0, 2]])


# --- statistics from the store ----------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_variants", [None, 1, 3])
def test_tiny_vcf_from_store_matches_hand_table(tmp_path, chunk_variants):
    vcf = write_vcf(tmp_path, TINY_RECORDS)
    store = tmp_path / "af" / "cohort.zarr"
    assert vcf_to_store(vcf, store, chunk_variants=chunk_variants) == (4, 3)
    out_v, out_s = tmp_path / "af" / "variants.tsv", tmp_path / "af" / "samples.tsv"
    assert write_allele_frequencies_from_store(store, TINY_POPULATIONS, out_v, out_s, threads=2) == (4, 3)
    header, rows = read_tsv(out_v)
    assert header == VARIANT_HEADER
    assert_cells(rows, VARIANTS, header)
    header, rows = read_tsv(out_s)
    assert header == SAMPLE_HEADER
    assert_cells(rows, SAMPLES, header)
    assert sorted(p.name for p in out_v.parent.iterdir()) == ["cohort.zarr", "samples.tsv", "variants.tsv"]


def test_multiallelic_record_is_refused_from_the_store(tmp_path):
    records = [TINY_RECORDS[0], "chr1\t250\t.\tA\tC,T\t50\tPASS\t.\tGT\t0/2\t1/1\t0/0", TINY_RECORDS[2]]
    store = tmp_path / "cohort.zarr"
    vcf_to_store(write_vcf(tmp_path, records), store)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"cohort\.zarr \(from cohort\.vcf\.gz\): record chr1:250 has 2 ALT alleles"):
        write_allele_frequencies_from_store(store, TINY_POPULATIONS, out / "variants.tsv", out / "samples.tsv")
    assert list(out.iterdir()) == []


def test_empty_vcf_gives_an_empty_store_and_header_only_variants(tmp_path):
    store = tmp_path / "cohort.zarr"
    assert vcf_to_store(write_vcf(tmp_path, []), store) == (0, 3)
    root, arrays = read_store(store)
    assert arrays["calldata/GT"].shape == (0, 3, 2) and list(root["samples"][:]) == ["s1", "s2", "s3"]
    out_v, out_s = tmp_path / "variants.tsv", tmp_path / "samples.tsv"
    assert write_allele_frequencies_from_store(store, TINY_POPULATIONS, out_v, out_s) == (0, 3)
    assert out_v.read_text() == "\t".join(VARIANT_HEADER) + "\n"
    assert read_tsv(out_s)[1] == [[s, "0", "NA", "0", "0", "NA", "NA"] for s in ("s1", "s2", "s3")]


def test_vcf_without_samples_is_refused_and_leaves_no_store(tmp_path):
    sites_only = HEADER.replace("\tFORMAT\ts1\ts2\ts3", "")
    vcf = write_vcf(tmp_path, ["chr1\t100\t.\tA\tG\t50\tPASS\t."], header=sites_only)
    with pytest.raises(InputError, match=r"cohort\.vcf\.gz: the VCF has no sample columns"):
        vcf_to_store(vcf, tmp_path / "af" / "cohort.zarr")
    assert not (tmp_path / "af").exists() or list((tmp_path / "af").iterdir()) == []


# --- 1000 Genomes 30x, 3,202 samples x 903 SNPs ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def onekg_store(tmp_path_factory):
    """The 1000 Genomes window through a store of 12 parts parsed on 2 processes in 10 chunks, and through one of a
    single part and chunk."""
    vcf, populations = onekg_vcf_and_populations()
    out = tmp_path_factory.mktemp("onekg_store")
    counts = vcf_to_store(vcf, out / "cohort.zarr", chunk_variants=100, workers=2, part_bytes=2**20)
    stats = write_allele_frequencies_from_store(
        out / "cohort.zarr", populations, out / "store_variants.tsv", out / "store_samples.tsv", threads=2
    )
    vcf_to_store(vcf, out / "whole.zarr", chunk_variants=1000, workers=1)
    write_allele_frequencies_from_store(
        out / "whole.zarr", populations, out / "whole_variants.tsv", out / "whole_samples.tsv"
    )
    return {"folder": vcf.parent, "out": out, "counts": counts, "stats": stats}


def test_onekg_parts_and_chunks_do_not_change_the_bytes(onekg_store):
    out = onekg_store["out"]
    assert onekg_store["counts"] == onekg_store["stats"] == (903, 3202)
    assert zarr.open_group(str(out / "cohort.zarr"), mode="r")["calldata/GT"].nchunks == 10
    assert zarr.open_group(str(out / "whole.zarr"), mode="r")["calldata/GT"].nchunks == 1
    assert (out / "store_variants.tsv").read_bytes() == (out / "whole_variants.tsv").read_bytes()
    assert (out / "store_samples.tsv").read_bytes() == (out / "whole_samples.tsv").read_bytes()


def test_onekg_store_matches_nygc_info_counts(onekg_store):
    """Overall AC/AN/AF = INFO AC/AN/AF; per superpopulation = INFO AC/AN/AF_{POP}_unrel, at all 903 sites."""
    assert_matches_nygc_info(*read_tsv(onekg_store["out"] / "store_variants.tsv"))
