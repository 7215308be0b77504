"""The bad-input catalogue: each bad input run through snakemake as a user would, in a scratch batch folder.

Every refused input must give: a non-zero exit, ONE clear message naming the file/row/problem, no
Python traceback, and nothing written (no results/, resources/, logs/ or benchmarks/). Inputs are made
here from the real GIAB/CEPH trio (../shared/testdata; real BAM headers: hs37d5, contig '20' of
63,025,520 bp) with samtools; what makes each one bad is checked with samtools where it can be.
Two real runs: a batch with a BAM without reads and another without an index (both fine: QC fails
one sample, the workflow indexes the other, the rest is called and reported), and a batch where
every sample fails QC (the calling job stops the run; no cohort VCF is left).
"""

import csv
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from workflow_runner import query, snakemake

pytestmark = pytest.mark.workflow
TRIO = "giab_ceph_trio_hg002_chr20_grch37"
BAMS = {
    "HG001": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "NA12891": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "NA12892": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
}
REFERENCE = "reference/hs37d5.chr20.fa.gz"
WINDOW = "20\t9999999\t10010000\n"
TRACEBACK = "Traceback (most recent call last)"
OUTPUT_DIRS = ("results", "resources", "logs", "benchmarks")


@pytest.fixture(scope="module")
def data():
    from conftest import TESTDATA

    folder = TESTDATA / TRIO
    if not folder.is_dir():
        pytest.skip(f"real test data {folder} is absent")
    return folder


def write_batch(batch, data, sheet=None, config=None):
    """samples.tsv (default: the three trio BAMs), config.yaml (default: trio reference, window BED) in `batch`."""
    batch.mkdir(parents=True, exist_ok=True)
    if sheet is None:
        sheet = "sample_id\talignment\n" + "".join(f"{s}\t{data / p}\n" for s, p in BAMS.items())
    (batch / "samples.tsv").write_text(sheet)
    (batch / "window.bed").write_text(WINDOW)
    if config is None:
        config = f"samples: samples.tsv\nreference: {data / REFERENCE}\nregions: window.bed\ncalling: {{chunks: 1}}\n"
    (batch / "config.yaml").write_text(config)
    return batch / "config.yaml"


def sheet_with(data, sample, path):
    """The trio sheet with one more row."""
    return "sample_id\talignment\n" + "".join(f"{s}\t{data / p}\n" for s, p in BAMS.items()) + f"{sample}\t{path}\n"


def samtools(*args, **kwargs):
    return subprocess.run(["samtools", *map(str, args)], check=True, capture_output=True, **kwargs)


def reheadered(data, folder, name, sed):
    """HG001's BAM with its header edited by `sed` (samtools reheader), indexed."""
    src = data / BAMS["HG001"]
    header = folder / "header.sam"
    header.write_text(re.sub(*sed, samtools("view", "-H", src, text=True).stdout))
    out = folder / name
    with open(out, "wb") as fh:
        subprocess.run(["samtools", "reheader", str(header), str(src)], stdout=fh, check=True)
    samtools("index", out)
    return out


# ---------------------------------------------------------------- the refused inputs (snakemake -n)


def missing_alignment(batch, data):
    write_batch(batch, data, sheet_with(data, "GONE", "nope.bam"))
    resolved = re.escape(str(batch.resolve() / "nope.bam"))  # as written in the sheet, then resolved
    where = r"samples\.tsv: row 4 \(sample 'GONE'\): column 'alignment'"
    return rf"{where}: file nope\.bam does not exist \(resolved: {resolved}\)"


def truncated_bam(batch, data):
    cut = batch / "cut.bam"
    batch.mkdir()
    cut.write_bytes((data / BAMS["HG001"]).read_bytes()[:-28])  # without the 28-byte BGZF EOF block
    assert subprocess.run(["samtools", "quickcheck", str(cut)], capture_output=True).returncode != 0
    write_batch(batch, data, sheet_with(data, "CUT", "cut.bam"))
    return r"samples\.tsv row 4 \(sample 'CUT'\): cut\.bam is truncated: it lacks the BGZF end-of-file marker"


def unsorted_bam(batch, data):
    batch.mkdir()
    samtools("sort", "-n", "-o", batch / "byname.bam", data / BAMS["HG001"])
    write_batch(batch, data, sheet_with(data, "BYNAME", "byname.bam"))
    return r"row 4 \(sample 'BYNAME'\): byname\.bam is not sorted by coordinate .*sort it with samtools sort"


def cram_other_reference(batch, data):
    """HG001 as CRAM against the trio reference with one base changed in the read window (same names, lengths).

    The CRAM is made from HG001 with only the @SQ line of contig 20 (the reference has no other contig, and
    htslib writes M5 tags only when it can read every @SQ contig; otherwise it embeds the reference instead).
    """
    batch.mkdir()
    seq = samtools("faidx", data / REFERENCE, "20", text=True).stdout.splitlines()
    pos = 10_000_100  # covered by ~27 HG001 reads
    line, col = (pos - 1) // 60 + 1, (pos - 1) % 60  # faidx writes 60 bases a line after the '>' line
    seq[line] = seq[line][:col] + ("A" if seq[line][col] != "A" else "C") + seq[line][col + 1 :]
    other = batch / "other.fa"
    other.write_text("\n".join(seq) + "\n")
    samtools("faidx", other)
    sam = samtools("view", "-h", data / BAMS["HG001"], text=True).stdout.splitlines(keepends=True)
    only_20 = "".join(x for x in sam if not x.startswith("@SQ") or x.startswith("@SQ\tSN:20\t"))
    subprocess.run(["samtools", "view", "-C", "-T", str(other), "-o", str(batch / "other.cram"), "-"],
                   input=only_20, text=True, check=True, capture_output=True)  # fmt: skip
    m5 = re.search(r"M5:(\w+)", samtools("view", "-H", batch / "other.cram", text=True).stdout).group(1)
    assert m5 == re.search(r"M5:(\w+)", samtools("dict", other, text=True).stdout).group(1)  # the other reference's
    write_batch(batch, data, sheet_with(data, "CRAM", "other.cram"))
    return r"row 4 \(sample 'CRAM'\): other\.cram: the CRAM was made with a different reference: contig '20'"


def chr_prefixed_contigs(batch, data):
    batch.mkdir()
    reheadered(data, batch, "chr.bam", (r"SN:", "SN:chr"))
    write_batch(batch, data, sheet_with(data, "CHR", "chr.bam"))
    return r"row 4 \(sample 'CHR'\): chr\.bam: contig '20' is not in the alignment header: .*names it 'chr20'"


def other_build_length(batch, data):
    batch.mkdir()
    reheadered(data, batch, "grch38len.bam", (r"SN:20\tLN:63025520", "SN:20\tLN:64444167"))
    write_batch(batch, data, sheet_with(data, "B38", "grch38len.bam"))
    return r"grch38len\.bam: contig '20' has length 64444167 in the alignment but 63025520 in the reference .*build"


def duplicate_sample_id(batch, data):
    write_batch(batch, data, sheet_with(data, "HG001", data / BAMS["NA12891"]))
    return r"samples\.tsv: row 4: sample_id 'HG001' is a duplicate of row 1"


def bad_id(sample_id):
    def case(batch, data):
        write_batch(batch, data, sheet_with(data, sample_id, data / BAMS["HG001"]))
        return rf"samples\.tsv: row 4: sample_id {re.escape(repr(sample_id))} is not allowed"

    return case


def empty_sheet(batch, data):
    write_batch(batch, data, "")
    return r"samples\.tsv: the sample sheet is empty"


def unknown_column(batch, data):
    write_batch(batch, data, f"sample_id\talignment\tbarcode\nHG001\t{data / BAMS['HG001']}\tACGT\n")
    return r"samples\.tsv: unknown column 'barcode' in the header"


def reference_missing(batch, data):
    write_batch(batch, data, config="samples: samples.tsv\nreference: nope.fa\n")
    resolved = re.escape(str(batch.resolve() / "nope.fa"))  # as written in the config, then resolved
    return rf"reference FASTA nope\.fa does not exist \(resolved: {resolved}\)"


def scoring_file_missing(batch, data):
    config = write_batch(batch, data)
    with open(config, "a") as fh:
        fh.write("pgs: {scoring_files: [scores/PGS_gone.txt]}\n")
    key = rf"{re.escape(str(config))}: config key 'pgs\.scoring_files'"
    resolved = re.escape(str(batch.resolve() / "scores/PGS_gone.txt"))
    return rf"{key}: file scores/PGS_gone\.txt does not exist \(resolved: {resolved}\)"


def reference_not_fasta(batch, data):
    batch.mkdir()
    (batch / "ref.fa").write_text("chrom\tpos\tref\n20\t100\tA\n")
    write_batch(batch, data, config="samples: samples.tsv\nreference: ref.fa\n")
    return r"reference FASTA \S*ref\.fa does not look like FASTA: it should start with a '>' header line"


def config_wrong_type(batch, data):
    write_batch(batch, data, config=f"samples: samples.tsv\nreference: {data / REFERENCE}\ncalling: {{chunks: two}}\n")
    return r"config\.yaml: config key 'calling\.chunks': 'two' is not of type 'integer'"


def config_float_for_integer(batch, data):
    write_batch(batch, data, config=f"samples: samples.tsv\nreference: {data / REFERENCE}\ncalling: {{chunks: 2.0}}\n")
    return r"config\.yaml: config key 'calling\.chunks': 2\.0 is not of type 'integer'"


def config_unknown_key(batch, data):
    write_batch(batch, data, config=f"samples: samples.tsv\nreference: {data / REFERENCE}\ncallerz: [bcftools]\n")
    return r"config\.yaml: unknown config key 'callerz'"


REFUSED = {
    "missing alignment": missing_alignment,
    "truncated BAM": truncated_bam,
    "unsorted BAM": unsorted_bam,
    "CRAM of another reference": cram_other_reference,
    "chr20 vs 20": chr_prefixed_contigs,
    "contig length of another build": other_build_length,
    "duplicate sample_id": duplicate_sample_id,
    "sample_id with /": bad_id("a/b"),
    "sample_id ..": bad_id(".."),
    "sample_id with space": bad_id("S 2"),
    "sample_id with ;": bad_id("S1;rm"),
    "sample_id with $(...)": bad_id("$(touch pwned)"),
    "empty sample sheet": empty_sheet,
    "unknown column": unknown_column,
    "reference FASTA missing": reference_missing,
    "reference not FASTA": reference_not_fasta,
    "scoring file missing": scoring_file_missing,
    "config key of wrong type": config_wrong_type,
    "config float for an integer": config_float_for_integer,
    "unknown config key": config_unknown_key,
}


def leftovers(batch):
    return [d for d in OUTPUT_DIRS if (batch / d).exists()]


@pytest.fixture(scope="module")
def refused_runs(tmp_path_factory, data):
    """{case: (batch, expected message pattern, CompletedProcess of `snakemake -n`)}, cases run 3 at a time."""
    root = tmp_path_factory.mktemp("refused")

    def build_and_run(numbered):
        number, case = numbered
        batch = root / f"case{number:02d}"
        pattern = REFUSED[case](batch, data)
        return case, (batch, pattern, snakemake(batch, "-n", configfile=batch / "config.yaml", check=False))

    with ThreadPoolExecutor(max_workers=3) as pool:  # each run is one short-lived process; 2 cores here
        runs = dict(pool.map(build_and_run, enumerate(REFUSED)))
    assert not list(root.rglob("pwned"))  # no sample_id was ever run by a shell
    return runs


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_input_is_refused_before_anything_is_written(refused_runs, case):
    batch, pattern, proc = refused_runs[case]
    shown = proc.stdout + proc.stderr  # what the user sees (Snakemake prints a parse error on stdout)
    assert proc.returncode != 0
    assert TRACEBACK not in shown
    assert len(re.findall(pattern, shown)) == 1, shown[-3000:]
    assert len([line for line in shown.splitlines() if line.startswith("genorisk: ")]) == 1  # one message
    assert leftovers(batch) == []


# ---------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def no_reads_no_index_run(tmp_path_factory, data):
    """The trio + EMPTY (header only, same header as HG001), NA12892 copied without its index."""
    batch = tmp_path_factory.mktemp("no_reads")
    samtools("view", "-H", "-b", "-o", batch / "empty.bam", data / BAMS["HG001"])
    shutil.copy(data / BAMS["NA12892"], batch / "na12892.bam")
    sheet = (
        "sample_id\talignment\n"
        f"HG001\t{data / BAMS['HG001']}\nNA12891\t{data / BAMS['NA12891']}\nNA12892\tna12892.bam\nEMPTY\tempty.bam\n"
    )
    config = write_batch(batch, data, sheet)
    proc = snakemake(batch, "--cores", "2", configfile=config, check=False)
    return batch, proc


def test_bam_without_reads_fails_qc_and_the_batch_goes_on(no_reads_no_index_run):
    batch, proc = no_reads_no_index_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert TRACEBACK not in proc.stderr
    assert samtools("view", "-c", batch / "empty.bam", text=True).stdout.strip() == "0"
    rows = {r["sample_id"]: r for r in csv.DictReader(open(batch / "results/qc/batch_qc.tsv"), delimiter="\t")}
    assert (rows["EMPTY"]["verdict"], rows["EMPTY"]["in_cohort"]) == ("fail", "no")
    assert "the alignment has no reads" in rows["EMPTY"]["reasons"]
    assert [rows[s]["in_cohort"] for s in BAMS] == ["yes"] * 3
    vcf = batch / "results/calls/bcftools/cohort.vcf.gz"
    called = subprocess.run(["bcftools", "query", "-l", str(vcf)], capture_output=True, text=True, check=True)
    assert called.stdout.split() == list(BAMS)
    assert len(query(vcf, "%POS\n")) > 50  # PROVENANCE: 87 sites for the four; the trio alone still has many
    for sample in BAMS:
        assert (batch / f"results/report/{sample}.html").stat().st_size > 0


def test_bam_without_index_is_indexed_by_the_workflow(no_reads_no_index_run, data):
    batch, proc = no_reads_no_index_run
    assert proc.returncode == 0
    made = batch / "resources/index/NA12892.bai"
    assert made.is_file() and not (batch / "na12892.bam.bai").exists()
    # the same per-contig counts through the made index as through the one shipped with the data
    ours = samtools("idxstats", f"{batch / 'na12892.bam'}##idx##{made}", text=True).stdout
    assert ours == samtools("idxstats", data / BAMS["NA12892"], text=True).stdout
    assert "genorisk: 2 of 4 alignments have no index beside them (NA12892, EMPTY)" in proc.stderr


@pytest.fixture(scope="module")
def all_fail_run(tmp_path_factory, data):
    batch = tmp_path_factory.mktemp("all_fail")
    sheet = "sample_id\talignment\n" + "".join(f"{s}\t{data / p}\n" for s, p in list(BAMS.items())[:2])
    config = (
        f"samples: samples.tsv\nreference: {data / REFERENCE}\nregions: window.bed\ncalling: {{chunks: 1}}\n"
        "qc: {min_mean_depth: {warn: 1000, fail: 1000}}\n"
    )
    write_batch(batch, data, sheet, config)
    return batch, snakemake(batch, "--cores", "2", configfile=batch / "config.yaml", check=False)


def test_every_sample_failing_qc_stops_the_run_with_one_message(all_fail_run):
    batch, proc = all_fail_run
    assert proc.returncode != 0
    assert TRACEBACK not in proc.stderr
    errors = set(re.findall(r"^ERROR (.*)$", proc.stderr, flags=re.MULTILINE))
    assert errors == {"every sample failed QC (see results/qc/batch_qc.tsv): there is no cohort to call"}
    # the onerror handler's lines come last (before Snakemake's own log hint): the verdicts known so far, then the
    # failed job with its log (the batch's one calling chunk)
    ends = [line for line in proc.stderr.splitlines() if line.startswith("genorisk: ")][-5:]
    assert ends[:4] == [
        "genorisk: batch of 2 samples: 0 pass, 0 warn, 2 fail QC; 0 in the cohort calls",
        "genorisk: FAILED QC, kept out of the cohort calls: HG001, NA12891 (reasons: results/qc/batch_qc.tsv)",
        "genorisk: results/run_summary.json is not written (the run stopped or was asked for other targets)",
        "genorisk: job call_chunk_bcftools failed; its log: logs/calls/bcftools/chunk_0.log",
    ]
    assert ends[4].startswith("genorisk: the run did NOT finish: see the error above (log: .snakemake/log/")
    assert "ERROR every sample failed QC" in (batch / "logs/calls/bcftools/chunk_0.log").read_text()
    rows = list(csv.DictReader(open(batch / "results/qc/batch_qc.tsv"), delimiter="\t"))
    assert [r["verdict"] for r in rows] == ["fail", "fail"]  # mean depth ~23-32x, far below 1000x
    calls = batch / "results/calls"
    assert [p for p in calls.rglob("*") if p.is_file()] == []  # no chunk BCF and no cohort VCF left
    assert not (batch / "results/report").exists()
