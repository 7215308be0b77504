"""Chunking of the calling target: equal sizes by hand arithmetic, no base lost or doubled."""

import pytest

from common.genomic_chunks import read_bed, split_into_chunks, target_intervals
from common.input_error import InputError

CONTIGS = [("c1", 100), ("c2", 50)]


def test_whole_reference_split_in_three():
    # 150 bases -> [0,50) [50,100) [100,150) of the concatenation c1(100) + c2(50).
    chunks = split_into_chunks([("c1", 0, 100), ("c2", 0, 50)], 3)
    assert chunks == [[("c1", 0, 50)], [("c1", 50, 100)], [("c2", 0, 50)]]


def test_uneven_split_spans_contigs():
    # 150 bases in 2 -> 75 each: c1[0,75) | c1[75,100) + c2[0,50)
    assert split_into_chunks([("c1", 0, 100), ("c2", 0, 50)], 2) == [
        [("c1", 0, 75)],
        [("c1", 75, 100), ("c2", 0, 50)],
    ]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 149, 150])
def test_chunks_cover_every_base_once(n):
    intervals = [("c1", 10, 60), ("c1", 70, 100), ("c2", 0, 70)]
    chunks = split_into_chunks(intervals, n)
    bases = [(c, p) for chunk in chunks for c, s, e in chunk for p in range(s, e)]
    assert bases == [(c, p) for c, s, e in intervals for p in range(s, e)]
    sizes = [sum(e - s for _, s, e in chunk) for chunk in chunks]
    assert max(sizes) - min(sizes) <= 1


def test_more_chunks_than_bases_leaves_empty_chunks():
    chunks = split_into_chunks([("c1", 0, 2)], 4)
    assert [len(c) for c in chunks].count(0) == 2


def test_bed_is_sorted_in_reference_order_and_merged(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("track name=x\nc2\t5\t9\nc1\t20\t30\nc1\t25\t40\nc1\t0\t5\n")
    assert read_bed(bed, CONTIGS) == [("c1", 0, 5), ("c1", 20, 40), ("c2", 5, 9)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\t0\t10\n", r"line 1: contig 'chr1' is not in the reference"),
        ("c2\t0\t51\n", r"line 1: interval c2:0-51 is empty or outside the contig \(length 50\)"),
        ("c1\t10\t10\n", r"interval c1:10-10 is empty"),
        ("c1\tten\t20\n", r"line 1 is not a BED interval"),
    ],
)
def test_bad_bed_lines_are_named(tmp_path, line, message):
    bed = tmp_path / "bad.bed"
    bed.write_text(line)
    with pytest.raises(InputError, match=message):
        read_bed(bed, CONTIGS)


def test_target_without_bed_is_every_contig(tmp_path):
    fai = tmp_path / "r.fa.fai"
    fai.write_text("c1\t100\t4\t60\t61\nc2\t50\t110\t60\t61\n")
    assert target_intervals(fai) == [("c1", 0, 100), ("c2", 0, 50)]
