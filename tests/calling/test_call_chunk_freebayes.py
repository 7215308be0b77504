"""freebayes chunk calling (scripts/calling/call_chunk_freebayes.py) on real reads.

Oracles: freebayes' own regression baselines (../shared/testdata/freebayes_tiny_na12878/expected, v1.3.10; PROVENANCE:
1.3.6 gives identical CHROM..GT on region2 and region3), the 14 GIAB SNVs of that set, bare freebayes run in the test
on the GIAB/CEPH trio, and hand-written read-group tables for the column-naming rule.
"""

import subprocess

import pysam
import pytest

from calling.call_chunk_freebayes import (
    call_chunk,
    effective_thresholds,
    label_plan,
    parse_read_groups,
    relabelled_header,
)
from calling.gather_calls import gather
from common.genomic_chunks import split_into_chunks

TINY = "freebayes_tiny_na12878"
TRIO = "giab_ceph_trio_hg002_chr20_grch37"
TRIO_BAMS = {
    "child": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "father": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "mother": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
}
TRIO_WINDOW = ("20", 9_999_999, 10_010_000)  # 0-based half-open: where the trio's reads are


def records(vcf, fields="%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n", *args):
    out = subprocess.run(
        ["bcftools", "query", "-f", fields, *args, str(vcf)], capture_output=True, text=True, check=True
    )
    return [tuple(line.split("\t")) for line in out.stdout.splitlines()]


def tiny(testdata):
    return testdata / TINY


# --- column naming: hand-written read-group tables -------------------------------------------------------


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        # one SM per file, IDs and SMs distinct: every file keeps its labels (renamed afterwards)
        ({"a": [("r1", "A1"), ("r2", "A1")], "b": [("r3", "B1")]}, {"a": "A1", "b": "B1"}),
        # no read groups: relabelled
        ({"a": [], "b": [("r3", "B1")]}, {"a": None, "b": "B1"}),
        # the same SM in two files would be merged into one column by freebayes: both relabelled
        ({"a": [("r1", "X")], "b": [("r2", "X")], "c": [("r3", "C")]}, {"a": None, "b": None, "c": "C"}),
        # the same read-group ID in two files (freebayes keys read groups by ID): both relabelled
        ({"a": [("r1", "A1")], "b": [("r1", "B1")]}, {"a": None, "b": None}),
        # a file with two SMs: relabelled, the other kept
        ({"a": [("r1", "A1"), ("r2", "A2")], "b": [("r3", "B1")]}, {"a": None, "b": "B1"}),
        # an SM that is another sample's ID (labels swapped between files): relabelled
        ({"a": [("r1", "b")], "b": [("r2", "B1")]}, {"a": None, "b": "B1"}),
        # an SM equal to the file's own sample ID is fine
        ({"a": [("r1", "a")]}, {"a": "a"}),
        # an SM missing from the read group: relabelled
        ({"a": [("r1", None)]}, {"a": None}),
    ],
)
def test_label_plan_keeps_only_unambiguous_labels(groups, expected):
    assert label_plan(list(groups), list(groups.values())) == expected


def test_read_groups_of_a_real_header(testdata):
    """mpileup.1.bam: 53 read groups, all SM HG00100 (counted with grep over samtools' header)."""
    bam = testdata / "bcftools_1.16_mpileup_test_3samples_chr17" / "mpileup.1.bam"
    header = subprocess.run(["samtools", "view", "-H", str(bam)], capture_output=True, text=True, check=True).stdout
    grep = subprocess.run(["grep", "-c", "^@RG"], input=header, capture_output=True, text=True).stdout
    groups = parse_read_groups(header)
    assert len(groups) == int(grep) == 53
    assert {sm for _, sm in groups} == {"HG00100"} and groups[0][0] == "ERR013140"


def test_relabelled_header_has_one_read_group():
    header = "@HD\tVN:1.6\n@SQ\tSN:q\tLN:10\n@RG\tID:x\tSM:1\n@RG\tID:y\tSM:2\n@PG\tID:bwa\n"
    assert relabelled_header(header, "S1") == "@HD\tVN:1.6\n@SQ\tSN:q\tLN:10\n@PG\tID:bwa\n@RG\tID:genorisk.S1\tSM:S1\n"


@pytest.mark.parametrize(
    ("config", "expected"), [((0, 1), (1, 1)), ((0, 0), (1, 0)), ((20, 13), (20, 13)), ((1, 0), (1, 0))]
)
def test_thresholds_are_the_stricter_of_config_and_freebayes_default(config, expected):
    assert effective_thresholds(*config) == expected  # freebayes 1.3.6 defaults: -m 1, -q 0


# --- freebayes' regression baselines ----------------------------------------------------------------------


@pytest.mark.parametrize(("region", "baseline"), [((1000, 5000), "region2"), ((5000, 10000), "region3")])
def test_chunk_matches_the_upstream_baseline(testdata, tmp_path, region, baseline):
    """`freebayes -r q:1000-5000` (0-based, BED-like) upstream == our chunk over the BED interval q 1000 5000."""
    data = tiny(testdata)
    bam = data / "NA12878.chr22.tiny.bam"
    out = tmp_path / "chunk.bcf"
    call_chunk(["NA12878"], [bam], [f"{bam}.bai"], str(data / "q.fa"), [("q", *region)], out)
    expected = records(data / "expected" / f"tiny_chr22_{baseline}.vcf")
    assert records(out) == expected and len(expected) in (67, 46)
    header = str(pysam.VariantFile(str(out)).header)
    assert list(pysam.VariantFile(str(out)).header.samples) == ["NA12878"]  # the BAM's SM is "1"
    assert "##genorisk_caller=freebayes 1.3.6\n" in header
    assert "fileDate" not in header and "commandline" not in header and str(testdata) not in header


def test_empty_chunk_is_a_header_only_file_with_the_columns(testdata, tmp_path):
    data = tiny(testdata)
    bam = data / "NA12878.chr22.tiny.bam"
    out = tmp_path / "empty.bcf"
    call_chunk(["S1"], [bam], [f"{bam}.bai"], str(data / "q.fa"), [], out)
    assert records(out) == [] and list(pysam.VariantFile(str(out)).header.samples) == ["S1"]


# --- the 14 GIAB SNVs of the tiny set: atomisation matters ------------------------------------------------


def giab_snvs(data):
    return {(r[1], r[2], r[3]) for r in records(data / "NA12878.chr22.tiny.giab.vcf", "%CHROM\t%POS\t%REF\t%ALT\n")}


def carried_snvs(vcf_bytes, *norm_args):
    """{(pos, ref, alt)} of the SNVs the single sample carries, after `bcftools norm norm_args`."""
    normed = subprocess.run(
        ["bcftools", "norm", *norm_args, "-Ou", "-"], input=vcf_bytes, capture_output=True, check=True
    )
    snvs = subprocess.run(
        ["bcftools", "query", "-i", 'GT="alt" && TYPE="snp"', "-f", "%POS\t%REF\t%ALT\n", "-"],
        input=normed.stdout, capture_output=True, check=True,
    ).stdout  # fmt: skip
    return {tuple(line.split("\t")) for line in snvs.decode().splitlines()}


def test_all_14_giab_snvs_need_atomisation_which_the_workflow_path_does(testdata, tmp_path):
    data = tiny(testdata)
    truth = giab_snvs(data)
    assert len(truth) == 14
    bam, fasta = data / "NA12878.chr22.tiny.bam", str(data / "q.fa")
    bare = subprocess.run(["freebayes", "-f", fasta, str(bam)], capture_output=True, check=True).stdout
    as_written = carried_snvs(bare, "-m", "-any")  # split multi-allelics only
    atomised = carried_snvs(bare, "-f", fasta, "-a", "--atom-overlaps", ".", "-m", "-any")
    assert len(truth & as_written) == 12  # FIELD_NOTES: two SNVs sit inside MNP/complex alleles
    assert len(truth & atomised) == 14
    # the workflow path: chunked freebayes (3 chunks, like q.regions), gathered and normalised by gather_calls
    chunks = []
    for k, intervals in enumerate(split_into_chunks([("q", 0, 12356)], 3)):
        chunks.append(str(tmp_path / f"c{k}.bcf"))
        call_chunk(["NA12878"], [bam], [f"{bam}.bai"], fasta, intervals, chunks[-1])
    gather(chunks, fasta, tmp_path / "cohort.vcf.gz", tmp_path / "cohort.vcf.gz.tbi")
    ours = {(p, r, a) for _, p, r, a, gt in records(tmp_path / "cohort.vcf.gz") if "1" in gt and len(r) == len(a) == 1}
    assert truth <= ours


# --- relabelling: files freebayes would merge or refuse ---------------------------------------------------


def test_files_sharing_a_read_group_are_relabelled_not_merged(testdata, tmp_path):
    """The tiny BAM, its CRAM and an RG-less copy: same SM "1" and read-group ID, or none at all.

    Bare freebayes merges the BAM and the CRAM into one column "1" (shown here). Each of our columns holds one
    file's reads: the same reads give the same genotypes in every column, at the sites of the single-sample upstream
    baseline for this region.
    """
    data = tiny(testdata)
    bam, fasta = data / "NA12878.chr22.tiny.bam", str(data / "q.fa")
    cram, crai = tmp_path / "tiny.cram", tmp_path / "tiny.cram.crai"
    cram.symlink_to(data / "NA12878.chr22.tiny.cram")
    subprocess.run(["samtools", "index", str(cram)], check=True)
    no_rg = tmp_path / "no_rg.bam"
    subprocess.run(
        f"samtools view -h {bam} | grep -v '^@RG' | sed 's/\\tRG:Z:[^\\t]*//' | samtools view -b -o {no_rg} - "
        f"&& samtools index {no_rg}",
        shell=True, check=True,
    )  # fmt: skip
    merged = subprocess.run(["freebayes", "-f", fasta, "-r", "q:1000-5000", str(bam), str(cram)], capture_output=True)
    assert merged.stdout.decode().split("\n#CHROM")[1].split("\n")[0].split("\t")[9:] == ["1"]  # one merged column

    out = tmp_path / "three.bcf"
    call_chunk(["bam", "cram", "norg"], [bam, cram, no_rg], [f"{bam}.bai", crai, f"{no_rg}.bai"], fasta,
               [("q", 1000, 5000)], out)  # fmt: skip
    assert list(pysam.VariantFile(str(out)).header.samples) == ["bam", "cram", "norg"]
    three = records(out)
    assert all(r[4] == r[5] == r[6] for r in three)  # the same reads give the same genotype in every column
    baseline = records(data / "expected" / "tiny_chr22_region2.vcf")
    assert [r[:5] for r in three] == baseline


# --- the trio: chunked == bare freebayes over the same chunks ---------------------------------------------


def bare_freebayes(testdata, reference, chunks, folder):
    """Bare freebayes per chunk (`-r`, 0-based like BED), concatenated, columns picked by SM, normalised like gather."""
    bams = [str(testdata / TRIO / p) for p in TRIO_BAMS.values()]
    parts = []
    for k, ((contig, start, end),) in enumerate(chunks):
        part = folder / f"bare{k}.vcf.gz"
        subprocess.run(f"freebayes -f {reference} -r {contig}:{start}-{end} {' '.join(bams)} | bgzip > {part}",
                       shell=True, check=True)  # fmt: skip
        parts.append(str(part))
    out = folder / "bare.vcf.gz"
    subprocess.run(
        f"bcftools concat {' '.join(parts)} -Ou | bcftools view -s HG001,NA12891,NA12892 -Ou"
        f" | bcftools norm -f {reference} -a --atom-overlaps . -m -any -Oz -o {out}",
        shell=True, check=True, capture_output=True,
    )  # fmt: skip
    return out


@pytest.mark.parametrize("n_chunks", [1, 2])
def test_chunked_trio_calls_equal_bare_freebayes_per_chunk(testdata, plain_trio_reference, tmp_path, n_chunks):
    """CHROM/POS/REF/ALT/GT equal (QUAL differs in the 6th digit at QUAL ~1e-12 sites: freebayes' float order).

    freebayes' calls depend a little on where a region starts (2 chunks differ from 1 at 5 of 247 records near
    the reads' end), so the oracle is bare freebayes over the same chunks.
    """
    samples = list(TRIO_BAMS)
    alignments = [testdata / TRIO / p for p in TRIO_BAMS.values()]
    chunk_intervals = split_into_chunks([TRIO_WINDOW], n_chunks)
    chunks = []
    for k, intervals in enumerate(chunk_intervals):
        chunks.append(str(tmp_path / f"chunk{k}.bcf"))
        call_chunk(samples, alignments, [f"{a}.bai" for a in alignments], str(plain_trio_reference), intervals,
                   chunks[-1])  # fmt: skip
    gather(chunks, str(plain_trio_reference), tmp_path / "cohort.vcf.gz", tmp_path / "cohort.vcf.gz.tbi")
    bare = bare_freebayes(testdata, plain_trio_reference, chunk_intervals, tmp_path)
    ours = records(tmp_path / "cohort.vcf.gz")
    assert ours == records(bare) and len(ours) > 200
    assert list(pysam.VariantFile(str(tmp_path / "cohort.vcf.gz")).header.samples) == samples
