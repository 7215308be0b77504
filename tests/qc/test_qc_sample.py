"""Tests of scripts/qc/qc_sample.py (and the input checks of scripts/qc/index_alignment.py it shares).

Oracles: hand arithmetic on tiny BAMs built here with pysam; `samtools depth -a` / `samtools coverage`
run in the test on real data; the read counts stated in the test data's PROVENANCE.md files.
Size: 29 cases of one script; they share the tiny-BAM builders at the top, so they stay together.
"""

import json
import shutil
import subprocess

import pysam
import pytest

from common.input_error import InputError
from conftest import require
from qc import index_alignment as ia
from qc import qc_sample as qs

THRESHOLDS = {
    "min_mean_depth": {"warn": 15, "fail": 5},
    "min_breadth": {"warn": 0.95, "fail": 0.8},
    "min_mapped_rate": {"warn": 0.95, "fail": 0.8},
    "max_duplicate_rate": {"warn": 0.2, "fail": 0.5},
    "breadth_min_depth": 1,
}
TRIO = "giab_ceph_trio_hg002_chr20_grch37"
HG001_BAM = "HG001.chr20.10_10p1mb_sorted.bam"
NFCORE = "nfcore_na12878_chr22_grch38"
TINY = "freebayes_tiny_na12878"


# ---------------------------------------------------------------- helpers


def samtools(*args):
    return subprocess.run(["samtools", *map(str, args)], capture_output=True, text=True, check=True).stdout


def depth_oracle(bam, bed, min_depth=1):
    """(positions, depth sum, positions with depth >= min_depth) from `samtools depth -a -b BED`, summed here."""
    positions = total = covered = 0
    for line in samtools("depth", "-a", "-b", bed, bam).splitlines():
        depth = int(line.split("\t")[2])
        positions += 1
        total += depth
        covered += depth >= min_depth
    return positions, total, covered


def write_bed(path, *intervals):
    path.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in intervals))
    return path


def write_fasta(path, contigs):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in contigs.items()))
    pysam.faidx(str(path))
    return path


def write_bam(path, contigs, reads, sort_order="coordinate"):
    """A BAM with @SQ lines {name: length} and `reads` [(name, contig, pos0, cigar, flag, seq)], written as given."""
    header = pysam.AlignmentHeader.from_dict(
        {"HD": {"VN": "1.6", "SO": sort_order}, "SQ": [{"SN": n, "LN": ln} for n, ln in contigs.items()]}
    )
    names = list(contigs)
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for name, contig, pos, cigar, flag, seq in reads:
            read = pysam.AlignedSegment(header)
            read.query_name, read.flag = name, flag
            read.reference_id = names.index(contig) if contig else -1
            read.reference_start = pos
            if cigar:
                read.cigarstring, read.mapping_quality = cigar, 0 if name == "mq0" else 60
            read.query_sequence = seq
            read.query_qualities = pysam.qualitystring_to_array("I" * len(seq))
            out.write(read)
    return path


# A 100 bp reference: 20 N, 60 bases, 20 N (target = the 60 non-N bases 20..79, 0-based).
TINY_SEQ = "N" * 20 + ("ACGTTGCA" * 8)[:60] + "N" * 20


def tiny_reads():
    """Reads of the hand-counted BAM, sorted by position; comments give the bases each adds to `samtools depth`."""
    s = TINY_SEQ
    return [
        ("r1", "t", 20, "10M", 0, s[20:30]),  # 20-29
        ("r4", "t", 20, "10M", 1024, s[20:30]),  # duplicate: not counted
        ("r2", "t", 25, "10M", 0, s[25:35]),  # 25-34
        ("r3", "t", 30, "4M2D4M", 0, s[30:34] + s[36:40]),  # 30-33 and 36-39 (a deletion is not depth)
        ("r5", "t", 40, "10M", 256, s[40:50]),  # secondary: not counted
        ("r6", "t", 50, "10M", 512, s[50:60]),  # QC fail: not counted
        ("r7", "t", 60, None, 4, s[60:70]),  # unmapped (placed beside its mate): not counted
        ("mq0", "t", 70, "10M", 0, s[70:80]),  # MAPQ 0 is counted (no MAPQ cut-off): 70-79
        ("r9", "t", 75, "10M", 2048, s[75:85]),  # supplementary is counted: 75-79 in the target, 80-84 are N
    ]


@pytest.fixture
def tiny(tmp_path):
    """(bam, index, fasta, fai) of the hand-counted sample, the index in another folder than the BAM."""
    fasta = write_fasta(tmp_path / "ref.fa", {"t": TINY_SEQ})
    for folder in ("aln", "idx"):
        (tmp_path / folder).mkdir()
    bam = write_bam(tmp_path / "aln" / "tiny.bam", {"t": 100}, tiny_reads())
    index = tmp_path / "idx" / "tiny.bai"
    samtools("index", "-o", index, bam)
    return bam, index, fasta, f"{fasta}.fai"


# ---------------------------------------------------------------- hand-counted tiny BAM


def test_tiny_bam_metrics_match_hand_counts(tiny, tmp_path):
    bam, index, fasta, fai = tiny
    out = tmp_path / "out" / "tiny.qc.json"
    qs.qc_sample("tiny", bam, index, fasta, fai, None, THRESHOLDS, out)
    record = json.loads(out.read_text())
    m = record["metrics"]
    # depth per target base: 20-24:1, 25-29:2, 30-33:2, 34:1, 35:0, 36-39:1, 40-69:0, 70-74:1, 75-79:2
    assert record["target"] == {"kind": "non-N reference", "bases": 60}
    assert m["mean_depth"] == round(43 / 60, 6) and m["covered_bases"] == 29 and m["breadth"] == round(29 / 60, 6)
    # 9 records: 1 secondary, 1 supplementary -> 7 primary; r7 unmapped -> 6 primary mapped; r4 the one duplicate
    assert (m["total_records"], m["mapped_records"], m["total_reads"], m["mapped_reads"]) == (9, 8, 7, 6)
    assert (m["secondary_records"], m["supplementary_records"], m["qc_failed_reads"]) == (1, 1, 1)
    assert m["mapped_rate"] == round(6 / 7, 6) and m["duplicate_rate"] == round(1 / 6, 6)
    assert m["paired_reads"] == 0 and m["properly_paired_rate"] is None and m["mean_insert_size"] is None
    assert m["per_contig"] == [{"contig": "t", "length": 100, "mapped": 8, "unmapped": 1}]
    assert record["verdict"] == "fail"
    assert record["reasons"] == [
        "mean depth 0.7x is below the fail threshold 5x",
        "breadth 48.3% is below the fail threshold 80%",
        "mapped rate 85.7% is below the warn threshold 95%",
    ]


def test_flagstat_text_parses_to_the_counts_samtools_gives_as_json(tiny):
    bam, _, fasta, _ = tiny
    counts = qs.parse_flagstat(qs.flagstat_text(bam, "BAM", fasta))
    oracle = json.loads(samtools("flagstat", "-O", "json", bam))
    passed, failed = oracle["QC-passed reads"], oracle["QC-failed reads"]
    shared = [key for key in passed if not key.endswith("%") and "mapQ" not in key]  # JSON spells "(mapQ >= 5)"
    assert len(shared) >= 14
    assert {key: counts[key] for key in shared} == {key: passed[key] + failed[key] for key in shared}
    assert counts["qc_failed_primary"] == failed["primary"] == 1


def test_flagstat_parser_refuses_what_it_does_not_know():
    with pytest.raises(ValueError, match="unexpected samtools flagstat line: 'garbage'"):
        qs.parse_flagstat("3 + 0 in total (QC-passed reads + QC-failed reads)\ngarbage\n")
    with pytest.raises(ValueError, match="no 'primary' line"):
        qs.parse_flagstat("3 + 0 in total (QC-passed reads + QC-failed reads)\n3 + 0 mapped (100.00% : N/A)\n")


def test_samtools_outputs_are_kept_without_folders(tiny, tmp_path):
    bam, index, fasta, fai = tiny
    outputs = {kind: tmp_path / "samtools" / f"tiny.{kind}.txt" for kind in qs.SAMTOOLS_KINDS}
    qs.qc_sample("tiny", bam, index, fasta, fai, None, THRESHOLDS, tmp_path / "tiny.qc.json", samtools_out=outputs)
    assert outputs["flagstat"].read_text() == samtools("flagstat", bam)
    assert outputs["idxstats"].read_text() == samtools("idxstats", f"{bam}##idx##{index}")
    kept, plain = outputs["stats"].read_text().splitlines(), samtools("stats", bam).splitlines()
    assert kept[0].startswith("# This file was produced by samtools stats")  # what MultiQC looks for
    command = [line for line in kept if line.startswith("# The command line was:")]
    assert command == ["# The command line was:  stats tiny.bam"]
    assert [line for line in kept if not line.startswith("# The command line")] == [
        line for line in plain if not line.startswith("# The command line")
    ]


def test_breadth_min_depth_counts_bases_at_or_above_it(tiny):
    bam, index, fasta, fai = tiny
    record = qs.qc_report("tiny", bam, index, fasta, fai, None, {**THRESHOLDS, "breadth_min_depth": 2})
    assert record["metrics"]["covered_bases"] == 14  # 25-29, 30-33, 75-79 have depth 2
    assert record["metrics"]["breadth"] == round(14 / 60, 6)


def test_json_layout_is_stable(tiny, tmp_path):
    bam, index, fasta, fai = tiny
    out = tmp_path / "tiny.qc.json"
    qs.qc_sample("tiny", bam, index, fasta, fai, None, THRESHOLDS, out)
    text = out.read_text()
    record = json.loads(text)
    assert text == json.dumps(record, sort_keys=True, indent=2) + "\n"
    assert set(record) == {
        "sample_id", "alignment", "format", "metrics", "target", "verdict", "reasons", "thresholds", "tool_versions"
    }  # fmt: skip
    assert record["alignment"] == "tiny.bam" and record["format"] == "BAM" and record["thresholds"] == THRESHOLDS
    version = subprocess.run(["samtools", "--version"], capture_output=True, check=True).stdout.split()[1].decode()
    assert record["tool_versions"] == {"samtools": version}
    assert str(tmp_path) not in text
    qs.qc_sample("tiny", bam, index, fasta, fai, None, THRESHOLDS, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text


def test_zero_mapped_reads_is_a_fail_verdict_not_a_crash(tmp_path):
    fasta = write_fasta(tmp_path / "ref.fa", {"t": TINY_SEQ})
    reads = [(f"u{i}", "t" if i < 2 else None, 30 if i < 2 else -1, None, 4, "ACGTACGTAC") for i in range(4)]
    bam = write_bam(tmp_path / "unmapped.bam", {"t": 100}, reads)
    samtools("index", bam)
    record = qs.qc_report("u", bam, f"{bam}.bai", fasta, f"{fasta}.fai", None, THRESHOLDS)
    assert record["verdict"] == "fail"
    assert record["reasons"][0] == "no mapped reads (0 of 4 reads are mapped)"
    m = record["metrics"]
    assert (m["total_reads"], m["mapped_reads"], m["mean_depth"], m["breadth"]) == (4, 0, 0.0, 0.0)
    assert m["duplicate_rate"] is None and m["error_rate"] is None


def test_alignment_without_reads_fails_with_a_reason(tmp_path):
    fasta = write_fasta(tmp_path / "ref.fa", {"t": TINY_SEQ})
    bam = write_bam(tmp_path / "empty.bam", {"t": 100}, [])
    samtools("index", bam)
    record = qs.qc_report("e", bam, f"{bam}.bai", fasta, f"{fasta}.fai", None, THRESHOLDS)
    assert record["verdict"] == "fail" and record["reasons"][0] == "the alignment has no reads"
    assert record["metrics"]["mapped_rate"] is None


# ---------------------------------------------------------------- verdict arithmetic

GOOD = {"total_reads": 1000, "mapped_reads": 990, "mean_depth": 30.0, "breadth": 0.99, "mapped_rate": 0.99,
        "duplicate_rate": 0.05}  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "verdict", "reasons"),
    [
        ({}, "pass", []),
        ({"mean_depth": 15.0}, "pass", []),  # equal to warn: not below it
        ({"mean_depth": 14.99}, "warn", ["mean depth 14.99x is below the warn threshold 15x"]),
        ({"mean_depth": 3.1}, "fail", ["mean depth 3.1x is below the fail threshold 5x"]),
        ({"mean_depth": 4.96}, "fail", ["mean depth 4.96x is below the fail threshold 5x"]),
        ({"mean_depth": 5.0}, "warn", ["mean depth 5.0x is below the warn threshold 15x"]),
        ({"breadth": 0.9}, "warn", ["breadth 90.0% is below the warn threshold 95%"]),
        ({"breadth": 0.7999}, "fail", ["breadth 79.99% is below the fail threshold 80%"]),
        ({"mapped_rate": 0.5}, "fail", ["mapped rate 50.0% is below the fail threshold 80%"]),
        ({"duplicate_rate": 0.2}, "pass", []),  # equal to warn: not above it
        ({"duplicate_rate": 0.25}, "warn", ["duplicate rate 25.0% is above the warn threshold 20%"]),
        ({"duplicate_rate": 0.6}, "fail", ["duplicate rate 60.0% is above the fail threshold 50%"]),
        ({"duplicate_rate": None}, "pass", []),  # undefined metric: no judgement
        (
            {"mean_depth": 10.0, "duplicate_rate": 0.55},
            "fail",
            [
                "mean depth 10.0x is below the warn threshold 15x",
                "duplicate rate 55.0% is above the fail threshold 50%",
            ],
        ),
    ],
)
def test_verdict_table(changes, verdict, reasons):
    assert qs.judge({**GOOD, **changes}, THRESHOLDS) == (verdict, reasons)


def test_verdict_skips_thresholds_not_configured():
    assert qs.judge({**GOOD, "mean_depth": 1.0}, {"min_breadth": {"warn": 0.9, "fail": 0.5}}) == ("pass", [])


# ---------------------------------------------------------------- contig check


def header_only_bam(path, contigs):
    return write_bam(path, contigs, [])


def check(tmp_path, ref_contigs, bam_contigs, bam_name="HG001.bam"):
    """Run the contig check of qc_report: reference .fai from {name: length}, a header-only BAM."""
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">placeholder\nA\n")  # never read: the contig check runs before any sequence is
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("".join(f"{n}\t{ln}\t0\t60\t61\n" for n, ln in ref_contigs.items()))
    bam = header_only_bam(tmp_path / bam_name, bam_contigs)
    return qs.qc_report("s", bam, f"{bam}.bai", fasta, fai, None, THRESHOLDS)


def test_chr_prefix_in_the_alignment_is_named(tmp_path):
    bam_contigs = {"chr1": 249250621, "chr2": 243199373, "chr3": 198022430, "chr20": 63025520}
    message = (
        r"^HG001\.bam: contig '20' is not in the alignment header: the alignment names it 'chr20' and the reference "
        r"ref\.fa names it '20' \('chr' prefix vs none\)"
    )
    with pytest.raises(InputError, match=message):
        check(tmp_path, {"20": 63025520}, bam_contigs)


def test_missing_chr_prefix_in_the_alignment_is_named(tmp_path):
    with pytest.raises(InputError, match=r"contig 'chr20' is not in the alignment header: the alignment names it '20'"):
        check(tmp_path, {"chr20": 63025520, "chr21": 48129895}, {"20": 63025520, "21": 48129895})


def test_missing_contig_without_naming_hint(tmp_path):
    with pytest.raises(InputError, match=r"^HG001\.bam: contig 'X' is not in the alignment header \(it has '1'\): it "
                       r"was aligned to another reference than ref\.fa$"):  # fmt: skip
        check(tmp_path, {"1": 1000, "X": 500}, {"1": 1000})


def test_contig_of_other_length_is_named(tmp_path):
    with pytest.raises(InputError, match=r"contig '1' has length 1001 in the alignment but 1000 in the reference ref"):
        check(tmp_path, {"1": 1000}, {"1": 1001, "2": 5})


def test_alignment_may_list_more_contigs_than_the_reference(tmp_path):
    fasta = write_fasta(tmp_path / "ref.fa", {"t": TINY_SEQ})
    bam = write_bam(tmp_path / "more.bam", {"t": 100, "decoy": 50}, [("a", "t", 20, "10M", 0, TINY_SEQ[20:30])])
    samtools("index", bam)
    record = qs.qc_report("m", bam, f"{bam}.bai", fasta, f"{fasta}.fai", None, THRESHOLDS)
    assert record["metrics"]["mean_depth"] == round(10 / 60, 6)


def test_regions_restrict_the_contig_check_to_their_contigs(tmp_path):
    fasta = write_fasta(tmp_path / "ref.fa", {"t": TINY_SEQ, "other": "ACGT" * 10})
    bam = write_bam(tmp_path / "x.bam", {"t": 100}, [("a", "t", 20, "10M", 0, TINY_SEQ[20:30])])
    samtools("index", bam)
    with pytest.raises(InputError, match=r"x\.bam: contig 'other' is not in the alignment header"):
        qs.qc_report("x", bam, f"{bam}.bai", fasta, f"{fasta}.fai", None, THRESHOLDS)
    bed = write_bed(tmp_path / "r.bed", ("t", 25, 35))
    record = qs.qc_report("x", bam, f"{bam}.bai", fasta, f"{fasta}.fai", bed, THRESHOLDS)
    assert record["target"] == {"kind": "regions", "bases": 10}
    assert record["metrics"]["mean_depth"] == 0.5  # 25-29 covered by the read, 30-34 not


# ---------------------------------------------------------------- real data


@pytest.fixture
def hg001(testdata, tmp_path):
    """HG001 BAM linked into one folder, its index copied into another (qc must use the index it is given)."""
    src = require(testdata / TRIO / "bam" / HG001_BAM)
    (tmp_path / "aln").mkdir()
    (tmp_path / "idx").mkdir()
    bam = tmp_path / "aln" / HG001_BAM
    bam.symlink_to(src)
    index = tmp_path / "idx" / "HG001.bai"
    shutil.copy(f"{src}.bai", index)
    ref = testdata / TRIO / "reference" / "hs37d5.chr20.fa.gz"
    return bam, index, ref, f"{ref}.fai"


def test_hg001_window_depth_matches_samtools_depth_and_coverage(hg001, tmp_path):
    bam, index, ref, fai = hg001
    bed = write_bed(tmp_path / "window.bed", ("20", 9_999_999, 10_010_000))
    record = qs.qc_report("HG001", bam, index, ref, fai, bed, THRESHOLDS)
    m = record["metrics"]
    positions, total, covered = depth_oracle(bam.resolve(), bed)
    assert record["target"] == {"kind": "regions", "bases": positions} and positions == 10_001
    assert m["mean_depth"] == float(f"{total / positions:.6g}")
    assert m["breadth"] == float(f"{covered / positions:.6g}")
    coverage = samtools("coverage", "-H", "-r", "20:10000000-10010000", bam.resolve()).split("\t")
    assert m["mean_depth"] == pytest.approx(float(coverage[6]), abs=1e-4)  # meandepth
    assert 100 * m["breadth"] == pytest.approx(float(coverage[5]), abs=1e-3)  # coverage (%)
    assert 20 < m["mean_depth"] < 35  # PROVENANCE: ~27x


def test_hg001_read_counts_match_provenance_and_flagstat(hg001, tmp_path):
    bam, index, ref, fai = hg001
    bed = write_bed(tmp_path / "window.bed", ("20", 9_999_999, 10_010_000))
    record = qs.qc_report("HG001", bam, index, ref, fai, bed, THRESHOLDS)
    m = record["metrics"]
    assert (m["total_records"], m["mapped_records"]) == (1823, 1820)  # PROVENANCE.md: 1,823 (1,820/3)
    assert m["per_contig"] == [{"contig": "20", "length": 63_025_520, "mapped": 1820, "unmapped": 3}]
    flagstat = samtools("flagstat", bam.resolve()).splitlines()
    primary = int(next(line for line in flagstat if line.endswith(" primary")).split()[0])
    primary_mapped = int(next(line for line in flagstat if " primary mapped " in line).split()[0])
    assert (m["total_reads"], m["mapped_reads"]) == (primary, primary_mapped)
    assert m["mapped_rate"] == float(f"{primary_mapped / primary:.6g}")
    assert record["verdict"] == "pass" and record["reasons"] == []


def test_hg001_without_regions_measures_the_non_n_reference(hg001):
    bam, index, ref, fai = hg001
    record = qs.qc_report("HG001", bam, index, ref, fai, None, THRESHOLDS)
    # PROVENANCE.md: real sequence only at 20:9,999,841-10,099,980 (100,140 bp), the rest is N
    assert record["target"] == {"kind": "non-N reference", "bases": 100_140}
    depth = samtools("depth", "-a", "-r", "20:9999841-10099980", bam.resolve()).splitlines()
    total = sum(int(line.split("\t")[2]) for line in depth)
    assert len(depth) == 100_140 and record["metrics"]["mean_depth"] == float(f"{total / 100_140:.6g}")
    assert record["verdict"] == "fail"  # reads cover only ~10 kb of the 100 kb
    assert record["reasons"][0].startswith("mean depth 2.3x is below the fail threshold 5x")


def test_hg002_breadth_at_30x_matches_samtools_depth(testdata, tmp_path):
    bam = require(testdata / TRIO / "bam" / "HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam")
    ref = testdata / TRIO / "reference" / "hs37d5.chr20.fa.gz"
    bed = write_bed(tmp_path / "r.bed", ("20", 10_000_000, 10_050_000), ("20", 10_040_000, 10_090_000))
    record = qs.qc_report("HG002", bam, f"{bam}.bai", ref, f"{ref}.fai", bed, {**THRESHOLDS, "breadth_min_depth": 30})
    merged = write_bed(tmp_path / "merged.bed", ("20", 10_000_000, 10_090_000))  # the overlap counted once
    positions, total, covered = depth_oracle(bam, merged, min_depth=30)
    assert record["target"]["bases"] == positions == 90_000
    assert record["metrics"]["covered_bases"] == covered
    assert record["metrics"]["mean_depth"] == float(f"{total / positions:.6g}")


def test_nfcore_bam_against_the_sliced_reference_fails_the_length_check(testdata):
    folder = testdata / NFCORE
    bam = require(folder / "bam" / "NA12878.chr22.bam")
    ref = require(folder / "reference" / "genome.fasta")
    with pytest.raises(
        InputError,
        match=r"^NA12878\.chr22\.bam: contig 'chr22' has length 50818468 in the alignment but 40001 in the reference "
        r"genome\.fasta: a different genome build \(or a sliced reference\)$",
    ):
        qs.qc_report("NA12878", bam, f"{bam}.bai", ref, f"{ref}.fai", None, THRESHOLDS)


def test_nfcore_bam_against_the_padded_reference_passes(testdata, tmp_path):
    folder = testdata / NFCORE
    bam = require(folder / "bam" / "NA12878.chr22.bam")
    ref = require(folder / "derived" / "chr22_padded.fa.gz")
    bed = write_bed(tmp_path / "w.bed", ("chr22", 16_569_999, 16_610_000))
    record = qs.qc_report("NA12878", bam, f"{bam}.bai", ref, f"{ref}.fai", bed, THRESHOLDS)
    coverage = samtools("coverage", "-H", "-r", "chr22:16570000-16610000", bam).split("\t")
    assert record["target"]["bases"] == int(coverage[2]) - int(coverage[1]) + 1 == 40_001
    assert record["metrics"]["mean_depth"] == pytest.approx(float(coverage[6]), abs=1e-4)
    assert (record["metrics"]["total_records"], record["metrics"]["mapped_records"]) == (10_071, 10_062)  # PROVENANCE


def test_cram_with_index_elsewhere(testdata, tmp_path):
    folder = testdata / TINY
    cram = require(folder / "NA12878.chr22.tiny.cram")
    ref = folder / "q.fa"
    index = tmp_path / "idx" / "tiny.crai"
    ia.index_alignment(cram, index)
    bed = write_bed(tmp_path / "q.bed", ("q", 0, 12_356))
    record = qs.qc_report("NA12878", cram, index, ref, f"{ref}.fai", bed, THRESHOLDS)
    assert record["format"] == "CRAM"
    assert (record["metrics"]["total_records"], record["metrics"]["mapped_records"]) == (3333, 3326)  # PROVENANCE
    positions, total, _ = depth_oracle(folder / "NA12878.chr22.tiny.bam", bed)  # the same reads as BAM
    assert record["metrics"]["mean_depth"] == float(f"{total / positions:.6g}")


# ---------------------------------------------------------------- index_alignment input checks


def sorted_reads():
    return [("a", "t", 20, "10M", 0, TINY_SEQ[20:30]), ("b", "t", 40, "10M", 0, TINY_SEQ[40:50])]


def test_index_is_written_where_asked_and_is_usable(tmp_path):
    bam = write_bam(tmp_path / "s.bam", {"t": 100}, sorted_reads())
    index = tmp_path / "resources" / "index" / "S.bai"
    ia.index_alignment(bam, index)
    assert samtools("idxstats", f"{bam}##idx##{index}").splitlines()[0] == "t\t100\t2\t0"
    assert samtools("view", "-c", "-X", bam, index, "t:41-50").strip() == "1"
    assert sorted(p.name for p in index.parent.iterdir()) == ["S.bai"]


def test_cram_index_agrees_with_the_bam_index(testdata, tmp_path):
    folder = testdata / TINY
    cram = require(folder / "NA12878.chr22.tiny.cram")
    index = tmp_path / "t.crai"
    ia.index_alignment(cram, index)
    region = "q:1000-2000"
    from_cram = samtools("view", "-c", "--reference", folder / "q.fa", "-X", cram, index, region)
    from_bam = samtools("view", "-c", folder / "NA12878.chr22.tiny.bam", region)
    assert int(from_cram) == int(from_bam) > 0


def test_unsorted_bam_is_refused(tmp_path):
    bam = write_bam(tmp_path / "u.bam", {"t": 100}, list(reversed(sorted_reads())), sort_order="unsorted")
    index = tmp_path / "out" / "u.bai"
    with pytest.raises(InputError, match=r"^u\.bam is not sorted by coordinate; sort it with samtools sort"):
        ia.index_alignment(bam, index)
    assert list(index.parent.iterdir()) == []  # no partial index left


def test_truncated_bam_is_refused_by_index_and_qc(tmp_path):
    fasta = write_fasta(tmp_path / "ref.fa", {"t": TINY_SEQ})
    bam = write_bam(tmp_path / "t.bam", {"t": 100}, sorted_reads())
    samtools("index", bam)
    data = bam.read_bytes()
    assert data[-28:] == ia.BGZF_EOF  # the block samtools/pysam end every BAM with
    cut = tmp_path / "cut.bam"
    cut.write_bytes(data[:-28])
    with pytest.raises(InputError, match=r"^cut\.bam is truncated: it lacks the BGZF end-of-file marker"):
        ia.index_alignment(cut, tmp_path / "cut.bai")
    with pytest.raises(InputError, match=r"^cut\.bam is truncated"):
        qs.qc_report("c", cut, f"{bam}.bai", fasta, f"{fasta}.fai", None, THRESHOLDS)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"@HD\tVN:1.6\n", r"^alignment x\.bam is not a BAM or CRAM file"),
        (b"", r"^alignment x\.bam is empty"),
        (None, r"^alignment x\.bam does not exist"),
    ],
)
def test_not_an_alignment_is_refused(tmp_path, content, message):
    path = tmp_path / "x.bam"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        ia.index_alignment(path, tmp_path / "x.bai")


def test_bam_with_a_crai_name_is_refused(tmp_path):
    bam = write_bam(tmp_path / "s.bam", {"t": 100}, sorted_reads())
    with pytest.raises(InputError, match=r"s\.bam is a BAM file but its index would be written as S\.crai"):
        ia.index_alignment(bam, tmp_path / "S.crai")
