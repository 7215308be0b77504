"""Tests of scripts/qc/prepare_reference.py.

Oracles: the .fai files shipped with the real test data (made upstream by `samtools faidx`), the
test data's own plain FASTA, and .fai lines computed by hand for tiny FASTAs.
"""

import bz2
import gzip
import subprocess

import pytest

from common.input_error import InputError
from conftest import require
from qc import prepare_reference as pr

NFCORE = "nfcore_na12878_chr22_grch38"


def outputs(tmp_path):
    out = tmp_path / "resources" / "reference"
    return out / "genome.fa", out / "genome.fa.fai"


def fai_columns(path, n=2):
    """The first `n` columns of each .fai line (name, length, ...)."""
    return [line.split("\t")[:n] for line in path.read_text().splitlines()]


def test_plain_fasta_in_a_read_only_folder_is_copied_unchanged(testdata, tmp_path):
    src = require(testdata / NFCORE / "reference" / "genome.fasta")
    fasta, fai = outputs(tmp_path)
    assert pr.prepare_reference(src, fasta, fai) == ["chr22"]
    assert fasta.read_bytes() == src.read_bytes()
    assert fai.read_text() == (src.parent / "genome.fasta.fai").read_text()  # upstream's index of the same bytes
    assert not fasta.is_symlink()


def test_bgzipped_fasta_is_decompressed(testdata, tmp_path):
    folder = testdata / NFCORE
    src = require(folder / "derived" / "chr22_padded.fa.gz")
    fasta, fai = outputs(tmp_path)
    pr.prepare_reference(src, fasta, fai)
    assert fasta.read_bytes()[:2] != b"\x1f\x8b"
    # a bgzipped FASTA's .fai holds uncompressed offsets, so the plain copy's .fai is identical
    assert fai.read_text() == (folder / "derived" / "chr22_padded.fa.gz.fai").read_text()
    window = subprocess.run(["samtools", "faidx", str(fasta), "chr22:16570000-16610000"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    original = (folder / "reference" / "genome.fasta").read_text()
    assert "".join(window.splitlines()[1:]) == "".join(original.splitlines()[1:])  # PROVENANCE: the padded window


def test_gzip_and_crlf_tiny_fasta(tmp_path):
    src = tmp_path / "in.fa.gz"
    src.write_bytes(gzip.compress(b">a desc\r\nACGT\r\nAC\r\n>b\r\nNNNNN\r\n"))
    fasta, fai = outputs(tmp_path)
    assert pr.prepare_reference(src, fasta, fai) == ["a", "b"]
    assert fasta.read_text() == ">a desc\nACGT\nAC\n>b\nNNNNN\n"
    # name, length, offset of the first base, bases per line, bytes per line (counted by hand)
    assert fai.read_text() == "a\t6\t8\t4\t5\nb\t5\t19\t5\t6\n"


def test_leading_blank_lines_are_dropped(tmp_path):
    src = tmp_path / "in.fa"
    src.write_text("\n\n>c\nACGTA\n")
    fasta, fai = outputs(tmp_path)
    pr.prepare_reference(src, fasta, fai)
    assert fai.read_text() == "c\t5\t3\t5\t6\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"in\.fa is empty"),
        (b"\n\n", r"in\.fa is empty \(no '>' header line\)"),
        (
            b"hello world\n>a\nACGT\n",
            r"in\.fa does not look like FASTA: line 1 should be a '>' header but starts with "
            r"'hello world'",
        ),
        (b">a\nACGT\n>b\nAC\n>a\nAC\n", r"contig name 'a' appears twice \(lines 1 and 5\)"),
        (b">\nACGT\n", r"line 1 is a '>' header without a contig name"),
        (b">a\nACGTACGT\nAC\nACGT\n", r"in\.fa cannot be indexed by samtools faidx: .*Format error"),
        (bz2.compress(b">a\nACGT\n"), r"in\.fa is compressed with bzip2"),
        (gzip.compress(b">a\nACGT\n" * 1000)[:-30], r"in\.fa is not a readable gzip/bgzip file"),
    ],
)
def test_bad_fasta_is_refused_and_leaves_nothing(tmp_path, content, message):
    src = tmp_path / "in.fa"
    src.write_bytes(content)
    fasta, fai = outputs(tmp_path)
    with pytest.raises(InputError, match=message):
        pr.prepare_reference(src, fasta, fai)
    assert list(fasta.parent.iterdir()) == []


def test_missing_fasta_is_named(tmp_path):
    fasta, fai = outputs(tmp_path)
    with pytest.raises(InputError, match=r"reference FASTA .*nowhere\.fa does not exist"):
        pr.prepare_reference(tmp_path / "nowhere.fa", fasta, fai)


@pytest.mark.parametrize("block_bytes", [1, 3, 7, 4_000_000])
def test_copy_is_the_same_whatever_the_read_block_size(tmp_path, monkeypatch, block_bytes):
    """The copy reads blocks of whole lines; headers, CRLF and line numbers must not depend on where blocks end."""
    monkeypatch.setattr(pr, "BLOCK_BYTES", block_bytes)
    src = tmp_path / "in.fa.gz"
    src.write_bytes(gzip.compress(b"\r\n\n>a desc\r\nACGT\r\nAC\r\n>b\r\nNNNNN\r\n>c\nAC"))
    fasta, fai = outputs(tmp_path)
    assert pr.prepare_reference(src, fasta, fai) == ["a", "b", "c"]
    assert fasta.read_text() == ">a desc\nACGT\nAC\n>b\nNNNNN\n>c\nAC"
    dup = tmp_path / "dup.fa"
    dup.write_bytes(b"\n>a\nACGT\n>b\nAC\n\n>a\nAC\n")
    with pytest.raises(InputError, match=r"contig name 'a' appears twice \(lines 2 and 7\)"):
        pr.prepare_reference(dup, *outputs(tmp_path / "dup"))
