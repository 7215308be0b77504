"""Truth benchmarking (scripts/truth/benchmark_truth.py, rule benchmark_truth).

Oracles: hand-counted cases on a tiny hand-made reference (every case below says what it must count as), the GIAB
truths of the real test sets (PROVENANCE numbers: HG001 44/0/0 SNVs in the clipped BED; NA12878 chr22 window SNVs
TP 70 FP 7 FN 0), and `bcftools isec` run in the test as an independent implementation of the site comparison.
"""

import csv
import subprocess
from pathlib import Path

import pysam
import pytest

from calling.call_chunk_bcftools import call_chunk
from calling.gather_calls import gather
from common.input_error import InputError
from inputs.sample_sheet import read_sample_sheet
from trio_data import clipped_truth_bed, trio_folder
from truth.benchmark_truth import Counts, benchmark_sample, intersect, padded, unphased, variant_type
from workflow_runner import query, snakemake

# --- a tiny hand-made reference and hand-counted cases -----------------------------------------------------

RANDOM = (
    "GCTAAAGACAATTACATAACATACACGTCAGCACGAAACTTGTTGGCCCAGTGTGAATCGCTTAAGGGTTAAGTAAGTGTGATGCATACGCCTTTACTTGCTGTGT"
    "CCACCCCATCGGACTGGCATTTTTATTACACTCAGAAACAGAACTCGGGTAATTTTGACAGGTCACGCAGAGGCGCGCCCTCCTGAAGTGCGTG"
)
SEQ = RANDOM[:58] + "GCACACACAT" + RANDOM[68:]  # 1-based 59..68: G, a CA repeat (60-67), T
BED_END = 170  # the truth BED is c1:0-170


def base(pos):
    return SEQ[pos - 1]


def other(pos, nth=0):
    """The nth base that differs from the reference at pos."""
    return [b for b in "ACGT" if b != base(pos)][nth]


def vcf_text(sample, records):
    """A VCF with contig c1 and the given (pos, ref, alt, filter, gt) records."""
    header = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID=c1,length={len(SEQ)}>",
        '##FILTER=<ID=LowQual,Description="low quality">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", sample]),
    ]
    body = ["\t".join(["c1", str(p), ".", r, a, "50", f, ".", "GT", gt]) for p, r, a, f, gt in records]
    return "\n".join(header + body) + "\n"


def truth_records():
    return [
        (10, base(10), other(10), "PASS", "0|1"),  # a: TP, genotypes agree
        (20, base(20), other(20), "PASS", "1|1"),  # b: TP, genotypes differ (calls 0/1)
        (30, base(30) + base(31), other(30) + other(31), "PASS", "1|1"),  # c: an MNP = 2 SNV TPs (calls: 2 SNVs)
        (59, "GCA", "G", "PASS", "0|1"),  # d: the CA deletion, left-aligned (calls: right-shifted) -> indel TP
        (100, base(100), other(100), "PASS", "0|1"),  # e: SNV FN
        (150, base(150), other(150, 0), "PASS", "0|1"),  # j: other ALT than the call -> SNV FN (+ FP below)
        (160, base(160), base(160) + other(160), "PASS", "1|0"),  # k: insertion missed -> indel FN
        (165, base(165), other(165), "PASS", "0|0"),  # l: not carried: nothing
        (180, base(180), other(180), "PASS", "0|1"),  # i: outside the BED: nothing
    ]


def call_records():
    return [
        (10, base(10), other(10), "PASS", "0/1"),
        (20, base(20), other(20), "PASS", "0/1"),
        (30, base(30), other(30), ".", "1/1"),  # FILTER "." counts like PASS
        (31, base(31), other(31), "PASS", "1/1"),
        (65, "ACA", "A", "PASS", "0/1"),  # d, written right-shifted in the repeat
        (120, base(120), other(120), "PASS", "0/1"),  # f: SNV FP
        (130, base(130), other(130), "PASS", "0/0"),  # g: not carried: nothing
        (140, base(140), other(140), "LowQual", "0/1"),  # h: filtered: nothing
        (150, base(150), other(150, 1), "PASS", "0/1"),  # j: SNV FP
        (180, base(180), other(180), "PASS", "0/1"),  # i: outside the BED: nothing
    ]


# Hand count: SNV TP a,b,c,c = 4 (genotypes agree for a,c,c = 3), FP f,j = 2, FN e,j = 2; indel TP d, FN k.
HAND_TABLE = [
    "sample\tcaller\ttype\tscope\ttruth\tcalled\ttp\tfp\tfn\tprecision\trecall\tf1\tgt_concordant\tgt_concordance\tnote",
    "S1\ttoy\tsnv\ttruth_bed\t6\t6\t4\t2\t2\t0.6667\t0.6667\t0.6667\t3\t0.7500\t",
    "S1\ttoy\tindel\ttruth_bed\t2\t1\t1\t0\t1\t1.0000\t0.5000\t0.6667\t1\t1.0000\t",
]


@pytest.fixture
def toy(tmp_path):
    """Reference, truth (column 'NA0001'), calls (column 'S1', bgzipped + indexed), BED, in tmp_path."""
    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">c1\n{SEQ}\n")
    pysam.faidx(str(fasta))
    truth = tmp_path / "truth.vcf"
    truth.write_text(vcf_text("NA0001", truth_records()))
    calls = tmp_path / "calls.vcf.gz"
    pysam.tabix_compress(str(write(tmp_path / "calls.vcf", vcf_text("S1", call_records()))), str(calls))
    pysam.tabix_index(str(calls), preset="vcf")
    bed = write(tmp_path / "truth.bed", f"c1\t0\t{BED_END}\n")
    return {"fasta": fasta, "truth": truth, "calls": calls, "bed": bed, "dir": tmp_path}


def write(path, text):
    path.write_text(text)
    return path


def run_toy(toy, truth=None, bed="default", regions=None, name="out"):
    out = toy["dir"] / name
    counts = benchmark_sample(
        "S1", "toy", str(toy["calls"]), str(truth or toy["truth"]), str(toy["fasta"]), out.with_suffix(".tsv"),
        out.with_suffix(".png"), truth_bed=toy["bed"] if bed == "default" else bed, regions_bed=regions,
    )  # fmt: skip
    return counts, out.with_suffix(".tsv").read_text().splitlines(), out.with_suffix(".png")


def test_hand_counted_cases(toy):
    counts, table, png = run_toy(toy)
    assert table == HAND_TABLE
    assert counts["snv"] == Counts(tp=4, fp=2, fn=2, gt_concordant=3)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_outputs_are_byte_stable(toy):
    _, first, png1 = run_toy(toy, name="one")
    _, second, png2 = run_toy(toy, name="two")
    assert first == second and png1.read_bytes() == png2.read_bytes()
    assert not list(toy["dir"].glob(".*"))  # no temporary files left


def test_without_a_bed_the_regions_are_the_scope_and_fp_is_not_in_truth(toy):
    regions = write(toy["dir"] / "regions.bed", "c1\t0\t200\n")
    _, table, _ = run_toy(toy, bed=None, regions=regions)
    # the site at 180 now counts: TP 5 of 7 truth SNVs, calls 7 -> precision 5/7
    assert table[1].split("\t")[:12] == ["S1", "toy", "snv", "regions", "7", "7", "5", "2", "2", "0.7143", "0.7143",
                                         "0.7143"]  # fmt: skip
    assert table[1].endswith("calls not in the truth, which need not be false")


def test_the_bed_is_intersected_with_the_calling_regions(toy):
    regions = write(toy["dir"] / "regions.bed", "c1\t0\t25\n")  # keeps a (10) and b (20) only
    _, table, _ = run_toy(toy, regions=regions)
    assert [row.split("\t")[3:9] for row in table[1:]] == [
        ["truth_bed+regions", "2", "2", "2", "0", "0"],
        ["truth_bed+regions", "0", "0", "0", "0", "0"],
    ]
    assert table[2].split("\t")[9:12] == ["NA", "NA", "NA"]  # 0/0: undefined, not 0 or 1


def test_a_truth_on_another_reference_is_refused(toy):
    records = truth_records()
    records[0] = (10, other(10, 2), other(10), "PASS", "0|1")  # REF that is not the reference's, inside the BED
    bad = write(toy["dir"] / "bad.vcf", vcf_text("NA0001", records))
    with pytest.raises(InputError, match=r"bad\.vcf \(sample 'S1'\) does not match the reference .*same genome build"):
        run_toy(toy, truth=bad)


def test_a_wrong_ref_outside_the_scope_is_ignored(toy):
    """Sliced test references are N outside their window: truth records there are dropped, not fatal."""
    records = truth_records() + [(190, other(190, 2), other(190), "PASS", "0|1")]
    sliced = write(toy["dir"] / "sliced.vcf", vcf_text("NA0001", records))
    assert run_toy(toy, truth=sliced)[1] == HAND_TABLE


def test_a_truth_with_several_columns_needs_one_named_like_the_sample(toy):
    two = write(toy["dir"] / "two.vcf", vcf_text("A", truth_records()).replace("\tA\n", "\tA\tB\n"))
    with pytest.raises(InputError, match=r"two\.vcf \(sample 'S1'\): it has 2 sample columns and none is named 'S1'"):
        run_toy(toy, truth=two)


def test_a_sample_missing_from_the_calls_gets_na_rows(toy):
    calls = toy["calls"]
    counts = benchmark_sample("S9", "toy", str(calls), str(toy["truth"]), str(toy["fasta"]), toy["dir"] / "s9.tsv",
                              toy["dir"] / "s9.png", truth_bed=toy["bed"])  # fmt: skip
    row = (toy["dir"] / "s9.tsv").read_text().splitlines()[1].split("\t")
    assert counts is None and row[4:14] == ["NA"] * 10 and row[14] == "sample not in the cohort calls (failed QC?)"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([("1", 0, 10)], [("1", 5, 20)], [("1", 5, 10)]),
        ([("1", 0, 10), ("1", 20, 30)], [("1", 5, 25)], [("1", 5, 10), ("1", 20, 25)]),
        ([("1", 0, 10)], [("1", 10, 20)], []),  # half-open: touching is not overlapping
        ([("2", 0, 10)], [("1", 0, 10), ("2", 5, 8)], [("2", 5, 8)]),  # contig order from the reference
        ([("1", 0, 100), ("2", 0, 100)], [("1", 50, 60), ("2", 0, 1)], [("1", 50, 60), ("2", 0, 1)]),
    ],
)
def test_intersect(a, b, expected):
    assert intersect(a, b, ["1", "2"]) == expected


def test_padding_is_clipped_and_merged():
    assert padded([("1", 5, 10), ("1", 30, 40), ("2", 95, 99)], 10, [("1", 45), ("2", 100)]) == [
        ("1", 0, 45),
        ("2", 85, 100),
    ]


@pytest.mark.parametrize(
    ("ref", "alt", "kind"),
    [("A", "G", "snv"), ("A", "AT", "indel"), ("ATG", "A", "indel"), ("AT", "GC", None), ("A", "*", None),
     ("A", "<DEL>", None)],
)  # fmt: skip
def test_variant_type(ref, alt, kind):
    assert variant_type(ref, alt) == kind


def test_genotypes_compare_unphased():
    assert unphased("1|0") == unphased("0/1") == "0/1" and unphased("1|1") != unphased("0/1")


def test_metrics_by_hand():
    c = Counts(tp=3, fp=1, fn=2, gt_concordant=2)
    assert (c.precision, c.recall, round(c.f1, 6), round(c.gt_concordance, 6)) == (0.75, 0.6, 0.666667, 0.666667)
    assert Counts().precision is None and Counts().f1 is None


# --- real data: nf-core NA12878 chr22 window vs GIAB v4.2.1 (no BED) ---------------------------------------

NFCORE = "nfcore_na12878_chr22_grch38"
WINDOW = "chr22\t16569999\t16610000\n"  # chr22:16,570,000-16,610,000


def isec_counts(truth_vcf, calls_vcf, truth_col, calls_col, fasta, bed, types, folder):
    """[FN, FP, TP] by `bcftools isec` over both sides prepared by the test's own bcftools commands."""
    prepared = []
    for name, vcf, col in (("truth", truth_vcf, truth_col), ("calls", calls_vcf, calls_col)):
        out = folder / f"isec_{name}_{types}.vcf.gz"
        subprocess.run(
            f"bcftools view -s {col} -T {bed} {vcf} -Ou | bcftools norm -f {fasta} -a --atom-overlaps . -m -any -Ou"
            f" | bcftools view -T {bed} -f PASS,. -v {types} -i 'GT=\"alt\"' -Oz -o {out} && tabix -f {out}",
            shell=True, check=True, capture_output=True,
        )  # fmt: skip
        prepared.append(str(out))
    isec = folder / f"isec_{types}"
    subprocess.run(["bcftools", "isec", "-p", str(isec), *prepared], check=True, capture_output=True)
    return [len(query(isec / f"000{i}.vcf", "%POS\n")) for i in range(3)]


def test_nfcore_na12878_snv_recall_against_giab(testdata, tmp_path):
    data = testdata / NFCORE
    fasta = tmp_path / "chr22.fa"
    with open(fasta, "w") as fh:
        subprocess.run(["bgzip", "-dc", str(data / "derived" / "chr22_padded.fa.gz")], stdout=fh, check=True)
    pysam.faidx(str(fasta))
    regions = write(tmp_path / "window.bed", WINDOW)
    bam = data / "bam" / "NA12878.chr22.bam"
    call_chunk(["NA12878"], [bam], [f"{bam}.bai"], str(fasta), [("chr22", 16569999, 16610000)], tmp_path / "c.bcf")
    calls = tmp_path / "cohort.vcf.gz"
    gather([str(tmp_path / "c.bcf")], str(fasta), calls, tmp_path / "cohort.vcf.gz.tbi")
    truth = data / "truth" / "NA12878_GIAB.chr22.vcf.gz"
    counts = benchmark_sample("NA12878", "bcftools", str(calls), str(truth), str(fasta), tmp_path / "b.tsv",
                              tmp_path / "b.png", regions_bed=regions)  # fmt: skip
    snv = counts["snv"]
    assert snv.recall >= 0.99
    assert (snv.tp, snv.fp, snv.fn) == (70, 7, 0)  # PROVENANCE: SNPs only TP 70, FP 7, FN 0
    assert isec_counts(truth, calls, "HG001", "NA12878", fasta, regions, "snps", tmp_path) == [snv.fn, snv.fp, snv.tp]
    row = (tmp_path / "b.tsv").read_text().splitlines()[1]
    assert row.split("\t")[3] == "regions" and "not in the truth" in row


# --- the GIAB/CEPH trio through the workflow, both callers ------------------------------------------------

TRIO = "giab_ceph_trio_hg002_chr20_grch37"
GIAB = (
    "truth/HG001_chr20_GRCh37_GIAB_highconf_CG-IllFB-IllGATKHC-Ion-10X-SOLID_CHROM1-X_v.3.3.2_highconf_"
    "PGandRTGphasetransfer.vcf.gz"
)
TRIO_SHEET = {
    "HG001": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "NA12891": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "NA12892": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
    "HG002": "bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam",
}


@pytest.fixture(scope="module")
def trio_two_callers(tmp_path_factory):
    data = trio_folder()
    batch = tmp_path_factory.mktemp("trio_truth")
    clipped_truth_bed(data, batch)
    write(batch / "window.bed", "20\t9999999\t10010000\n")
    rows = [f"{s}\t{data / p}\t\t\n" for s, p in TRIO_SHEET.items()]
    rows[0] = f"HG001\t{data / TRIO_SHEET['HG001']}\t{data / GIAB}\tconfident_clipped.bed\n"
    write(batch / "samples.tsv", "sample_id\talignment\ttruth_vcf\ttruth_bed\n" + "".join(rows))
    write(
        batch / "config.yaml",
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        "regions: window.bed\ncallers: [bcftools, freebayes]\ncalling: {chunks: 2}\n",
    )
    targets = [f"results/benchmark/{c}/HG001.{ext}" for c in ("bcftools", "freebayes") for ext in ("tsv", "png")]
    snakemake(batch, "--cores", "2", *targets, configfile=batch / "config.yaml")  # this stage only, not the reports
    return batch, data


def benchmark_rows(batch, caller):
    with open(batch / f"results/benchmark/{caller}/HG001.tsv") as fh:
        return {row["type"]: row for row in csv.DictReader(fh, delimiter="\t")}


@pytest.mark.workflow
@pytest.mark.parametrize("caller", ["bcftools", "freebayes"])
def test_trio_hg001_snvs_are_all_found_by_both_callers(trio_two_callers, caller):
    batch, _ = trio_two_callers
    snv = benchmark_rows(batch, caller)["snv"]
    assert (snv["truth"], snv["tp"], snv["fp"], snv["fn"]) == ("44", "44", "0", "0")  # PROVENANCE / FIELD_NOTES
    assert (snv["precision"], snv["recall"], snv["scope"]) == ("1.0000", "1.0000", "truth_bed+regions")
    png = batch / f"results/benchmark/{caller}/HG001.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (batch / f"results/benchmark/{caller}/HG002.tsv").exists()  # no truth columns for HG002


@pytest.mark.workflow
@pytest.mark.parametrize("caller", ["bcftools", "freebayes"])
def test_trio_counts_agree_with_bcftools_isec(trio_two_callers, caller):
    batch, data = trio_two_callers
    rows = benchmark_rows(batch, caller)
    calls = batch / f"results/calls/{caller}/cohort.vcf.gz"
    fasta, bed = batch / "resources/reference/genome.fa", batch / "confident_clipped.bed"
    for kind, types in (("snv", "snps"), ("indel", "indels")):
        (batch / caller).mkdir(exist_ok=True)
        expected = isec_counts(data / GIAB, calls, "HG001", "HG001", fasta, bed, types, batch / caller)
        assert expected == [int(rows[kind]["fn"]), int(rows[kind]["fp"]), int(rows[kind]["tp"])], kind


@pytest.mark.workflow
def test_trio_freebayes_columns_and_provenance(trio_two_callers):
    batch, _ = trio_two_callers
    header = pysam.VariantFile(str(batch / "results/calls/freebayes/cohort.vcf.gz")).header
    assert list(header.samples) == list(TRIO_SHEET)  # sheet order, not freebayes' own (it wrote NA12891, HG001, ...)
    assert "##genorisk_caller=freebayes 1.3.6" in str(header)


# --- the sample sheet's truth columns ---------------------------------------------------------------------

SAMPLES_SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "samples.schema.yaml"


def test_truth_columns_resolve_relative_to_the_sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "batch"
    sub.mkdir()
    for name in ("a.bam", "b.bam", "t.vcf.gz", "t.bed"):
        (sub / name).write_bytes(b"")
    sheet = write(
        sub / "samples.tsv", "sample_id\talignment\ttruth_vcf\ttruth_bed\nS1\ta.bam\tt.vcf.gz\tt.bed\nS2\tb.bam\t\t\n"
    )
    samples = read_sample_sheet(sheet, SAMPLES_SCHEMA)
    assert (samples["S1"]["truth_vcf"], samples["S1"]["truth_bed"]) == ("batch/t.vcf.gz", "batch/t.bed")
    assert "truth_vcf" not in samples["S2"] and "truth_bed" not in samples["S2"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "S1\ta.bam\tmissing.vcf.gz\t",
            r"row 1 \(sample 'S1'\): column 'truth_vcf': file missing\.vcf\.gz does not exist",
        ),
        ("S1\ta.bam\tt.txt\t", r"column 'truth_vcf': 't\.txt' is not a \.vcf, \.vcf\.gz or \.bcf path"),
        ("S1\ta.bam\tt.vcf\tt.txt", r"column 'truth_bed': 't\.txt' is not a \.bed path"),
        ("S1\ta.bam\t\tt.bed", r"row 1 \(sample 'S1'\): column 'truth_bed' needs column 'truth_vcf' in the same row"),
    ],
)
def test_bad_truth_columns_are_named(tmp_path, row, message):
    for name in ("a.bam", "t.vcf", "t.txt", "t.bed"):
        (tmp_path / name).write_bytes(b"")
    sheet = write(tmp_path / "samples.tsv", f"sample_id\talignment\ttruth_vcf\ttruth_bed\n{row}\n")
    with pytest.raises(InputError, match=message):
        read_sample_sheet(sheet, SAMPLES_SCHEMA)
