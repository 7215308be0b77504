"""Soft filters (scripts/calling/apply_filters.py, in scripts/calling/gather_calls.py): flag records and genotypes,
drop nothing.

Oracles: hand-written VCF lines with hand-derived FT values; on the real trio, bcftools expressions
(`bcftools view -i 'QUAL<..'`, `bcftools query` of FORMAT/DP and GQ) evaluated on the unfiltered cohort VCF.
"""

import subprocess
import sys

import pytest

from calling.apply_filters import add_ft, filter_commands, stream_genotype_filters
from calling.call_chunk_bcftools import call_chunk
from calling.gather_calls import gather
from trio_data import trio_folder
from workflow_runner import query

TRIO = "giab_ceph_trio_hg002_chr20_grch37"
BAMS = {
    "HG001": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "NA12891": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "NA12892": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
}
# Thresholds picked to hit records and genotypes in the trio window (with the defaults 20/5/10 hardly any fail).
FILTERS = {"min_qual": 100, "min_dp": 15, "min_gq": 20}
THRESHOLDS = {"LowDP": ("DP", 5), "LowGQ": ("GQ", 10)}


@pytest.mark.parametrize(
    ("sample", "ft"),
    [
        ("0/1:30,0,40:12:6,6:30", "PASS"),
        ("0/1:30,0,40:4:2,2:30", "LowDP"),  # DP 4 < 5
        ("0/0:0,9,90:12:12,0:9", "LowGQ"),  # GQ 9 < 10
        ("1/1:90,3,0:3:0,3:3", "LowDP;LowGQ"),
        ("0/0:0,15,150:5:5,0:10", "PASS"),  # at the thresholds: not below
        ("./.:.:.:.:.", "."),  # nothing to judge
        ("0/0:0,15,150:12", "PASS"),  # trailing fields dropped: GQ absent, DP passes
    ],
)
def test_ft_of_one_genotype(sample, ft):
    line = f"chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT:PL:DP:AD:GQ\t{sample}\n"
    out = add_ft(line, THRESHOLDS).rstrip("\n").split("\t")
    assert out[8] == "GT:PL:DP:AD:GQ:FT"
    values = out[9].split(":")
    assert len(values) == 6 and values[-1] == ft
    assert values[: len(sample.split(":"))] == sample.split(":")  # the other values are untouched


def test_ft_already_present_is_replaced_and_sites_only_lines_pass_through():
    line = "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT:FT:DP\t0/1:PASS:3\t0/0:LowX:20\n"
    assert add_ft(line, THRESHOLDS) == "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT:FT:DP\t0/1:LowDP:3\t0/0:PASS:20\n"
    sites_only = "chr1\t100\t.\tA\tG\t50\tPASS\t.\n"
    assert add_ft(sites_only, THRESHOLDS) == sites_only


def test_stream_writes_header_lines_with_thresholds_and_skips_undefined_tags():
    lines = [
        "##fileformat=VCFv4.2\n",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\n",
        "chr1\t5\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/1:4\n",
    ]
    out = []
    applied = stream_genotype_filters(lines, out.append, min_dp=5, min_gq=10)
    assert applied == ["LowDP"]  # no FORMAT/GQ in this header: LowGQ cannot be judged, so it is left out
    assert '##FILTER=<ID=LowDP,Description="Genotype filter (FORMAT/FT): FORMAT/DP<5">\n' in out
    assert not any("LowGQ" in line for line in out)
    assert out.index("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\n") == len(out) - 2
    assert out[-1] == "chr1\t5\t.\tA\tG\t50\tPASS\t.\tGT:DP:FT\t0/1:4:LowDP\n"


def test_all_genotype_filters_off_copies_the_stream():
    lines = [
        "##fileformat=VCFv4.2\n",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\n",
        "c\t1\t.\tA\tG\t1\t.\t.\tGT\t0/1\n",
    ]
    out = []
    assert stream_genotype_filters(lines, out.append, min_dp=0, min_gq=0) == []
    assert out == lines
    assert len(filter_commands({"min_qual": 0, "min_dp": 0, "min_gq": 0})) == 1  # a plain bcftools view


# ---------------------------------------------------------------- the real trio cohort, filtered vs not


def header_of(vcf):
    return subprocess.run(["bcftools", "view", "-h", str(vcf)], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def trio_cohorts(tmp_path_factory, plain_trio_reference):
    data = trio_folder()
    work = tmp_path_factory.mktemp("filters")
    fasta = plain_trio_reference
    bams = [data / p for p in BAMS.values()]
    chunk = work / "chunk.bcf"
    call_chunk(list(BAMS), bams, [f"{b}.bai" for b in bams], str(fasta), [("20", 9_999_999, 10_010_000)], chunk)
    plain, filtered = work / "plain.vcf.gz", work / "filtered.vcf.gz"
    gather([str(chunk)], str(fasta), plain, f"{plain}.tbi")
    gather([str(chunk)], str(fasta), filtered, f"{filtered}.tbi", FILTERS)
    return plain, filtered


def test_nothing_is_dropped_and_no_call_changes(trio_cohorts):
    plain, filtered = trio_cohorts
    columns = "%CHROM\t%POS\t%REF\t%ALT\t%QUAL\t%INFO[\t%GT:%PL:%DP:%AD:%GQ]\n"
    assert len(query(plain, "%POS\n")) >= 80  # PROVENANCE: 87 sites before normalisation
    assert query(filtered, columns) == query(plain, columns)


def test_lowqual_is_set_exactly_where_qual_is_below_min_qual(trio_cohorts):
    plain, filtered = trio_cohorts
    low = query(plain, "%CHROM:%POS:%REF:%ALT\n", "-i", "QUAL<100")
    assert len(low) == 5  # measured on this window: 5 of the records have QUAL < 100
    flagged = [
        line.rsplit("\t", 1)[0] for line in query(filtered, "%CHROM:%POS:%REF:%ALT\t%FILTER\n") if "LowQual" in line
    ]
    assert flagged == low
    others = {line.split("\t")[1] for line in query(filtered, "%CHROM:%POS:%REF:%ALT\t%FILTER\n", "-i", "QUAL>=100")}
    assert others == {"PASS"}
    header = subprocess.run(
        ["bcftools", "view", "-h", str(filtered)], capture_output=True, text=True, check=True
    ).stdout
    assert '##FILTER=<ID=LowQual,Description="Set if true: QUAL<100">' in header


def test_ft_is_set_exactly_where_dp_or_gq_is_below_its_minimum(trio_cohorts):
    plain, filtered = trio_cohorts
    dp_gq = [tuple(v.split(":")) for line in query(plain, "[%DP:%GQ\t]\n") for v in line.rstrip("\t").split("\t")]
    ft = [v for line in query(filtered, "[%FT\t]\n") for v in line.rstrip("\t").split("\t")]
    assert len(ft) == len(dp_gq)
    expected = []
    for dp, gq in dp_gq:
        failed = [code for code, value, minimum in (("LowDP", dp, 15), ("LowGQ", gq, 20)) if int(value) < minimum]
        expected.append(";".join(failed) or "PASS")
    assert ft == expected
    assert ft.count("LowDP") + ft.count("LowDP;LowGQ") == 25  # measured: 25 genotypes with DP < 15
    header = subprocess.run(
        ["bcftools", "view", "-h", str(filtered)], capture_output=True, text=True, check=True
    ).stdout
    assert '##FILTER=<ID=LowDP,Description="Genotype filter (FORMAT/FT): FORMAT/DP<15">' in header
    assert '##FILTER=<ID=LowGQ,Description="Genotype filter (FORMAT/FT): FORMAT/GQ<20">' in header
    assert "apply_filters" not in header and sys.executable not in header  # the FT stage leaves no command line
