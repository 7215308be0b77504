"""The contig-name rule (scripts/common/contig_names.py): exact name first, else 'chr' added or removed, the
mitochondrion's chrM/MT/chrMT/M as one contig, and nothing else. Expected names written out by hand."""

import pytest

from common.contig_names import contig_key, map_names, other_names, reference_contig, reference_names_for

UCSC = ["chr1", "chr2", "chr10", "chr11", "chrX", "chrY", "chrM"]
NCBI = ["1", "2", "10", "11", "X", "Y", "MT"]


@pytest.mark.parametrize(
    ("name", "reference", "expected"),
    [
        ("chr1", NCBI, "1"),
        ("1", UCSC, "chr1"),
        ("chrX", NCBI, "X"),
        ("X", UCSC, "chrX"),
        ("chrM", NCBI, "MT"),
        ("MT", UCSC, "chrM"),
        ("chrMT", NCBI, "MT"),
        ("chrMT", UCSC, "chrM"),
        ("M", UCSC, "chrM"),
        ("M", NCBI, "MT"),
        ("chr10", NCBI, "10"),
        ("10", UCSC, "chr10"),
        # as written when the reference has it, whatever it has besides
        ("chr1", UCSC, "chr1"),
        ("1", NCBI, "1"),
        ("chr1", ["1", "chr1"], "chr1"),
        ("1", ["chr1", "1"], "1"),
        ("chrM", ["MT", "chrM"], "chrM"),
        # the other mitochondrion names in preference order: chrM <-> MT first
        ("chrM", ["M", "chrMT", "MT"], "MT"),
        ("MT", ["M", "chrMT", "chrM"], "chrM"),
        ("chrM", ["M", "chrMT"], "chrMT"),
        ("chrM", ["M"], "M"),
    ],
)
def test_a_name_maps_to_the_reference_by_the_rule(name, reference, expected):
    assert reference_contig(name, set(reference)) == expected


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("chr1", ["chr10", "chr11", "10", "11"]),  # no prefix match: chr1 is not chr10
        ("1", ["10", "chr10", "21"]),
        ("chr2", ["chr22", "22"]),
        ("Chr1", ["1", "chr1"]),  # no case folding
        ("chrx", ["X", "chrX"]),
        ("x", ["X", "chrX"]),
        ("23", ["X", "chrX"]),  # no numbers for the sex chromosomes
        ("NC_000001.11", ["1", "chr1"]),  # no accessions
        ("chrUn_KI270302v1", ["Un_KI270302v1_alt", "KI270302.1"]),
        ("chrM", ["chrY", "Y", "m"]),
    ],
)
def test_nothing_else_maps(name, reference):
    assert reference_contig(name, set(reference)) is None


@pytest.mark.parametrize(
    ("name", "others"),
    [
        ("20", ["chr20"]),
        ("chr20", ["20"]),
        ("chrX", ["X"]),
        ("chrM", ["MT", "chrMT", "M"]),
        ("MT", ["chrM", "chrMT", "M"]),
        ("chrMT", ["MT", "chrM", "M"]),
        ("M", ["chrM", "MT", "chrMT"]),
        ("chr", ["chrchr"]),
    ],
)
def test_other_names(name, others):
    assert other_names(name) == others


def test_keys_are_equal_exactly_for_names_the_rule_matches():
    names = [*UCSC, *NCBI, "chrMT", "M", "chr22", "22", "Chr1", "chrx", "23", "chr10_KI270824v1_alt"]
    for a in names:
        for b in names:
            matched = a == b or b in other_names(a)
            assert (contig_key(a) == contig_key(b)) == matched, (a, b)
    assert [contig_key(n) for n in UCSC] == NCBI
    assert {contig_key(n) for n in ("chrM", "MT", "chrMT", "M")} == {"MT"}


def test_map_names_returns_every_name_that_maps_to_nothing():
    mapped, unmapped = map_names(["chr1", "chr22", "chrM", "chr1", "chr2", "chrUn", "chr22"], ["1", "2", "MT", "X"])
    assert mapped == {"chr1": "1", "chrM": "MT", "chr2": "2"}
    assert unmapped == ["chr22", "chrUn"]
    assert map_names([], NCBI) == ({}, [])


def test_a_vcf_header_is_renamed_to_the_reference_by_the_same_rule():
    assert reference_names_for(["1", "MT"], UCSC) == {"chr1": "1", "chr2": "2", "chr10": "10", "chr11": "11",
                                                      "chrX": "X", "chrY": "Y", "chrM": "MT"}  # fmt: skip
    assert reference_names_for(["chr1", "chrX"], UCSC) == {n: n for n in UCSC}
