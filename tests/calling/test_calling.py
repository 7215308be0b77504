"""Chunked joint calling and gathering (scripts/calling/call_chunk_bcftools.py, scripts/calling/gather_calls.py) on
the real
GIAB/CEPH trio: the result equals the bare bcftools pipeline on the same region, columns carry our sample IDs."""

import subprocess

import pysam
import pytest

from calling.call_chunk_bcftools import call_chunk, read_group_lines
from calling.gather_calls import gather
from common.genomic_chunks import split_into_chunks

TRIO = "giab_ceph_trio_hg002_chr20_grch37"
BAMS = {
    "child": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "father": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "mother": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
}
REGION = [("20", 9_999_999, 10_010_000)]  # 0-based half-open: 20:10,000,000-10,010,000


def records(vcf):
    """[(chrom, pos, ref, alt, genotypes...)] of a VCF/BCF, genotypes as '0/1' strings."""
    fmt = "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n"
    out = subprocess.run(["bcftools", "query", "-f", fmt, str(vcf)], capture_output=True, text=True, check=True)
    return [tuple(line.split("\t")) for line in out.stdout.splitlines()]


def bare_pipeline(testdata, reference, out):
    """The bare tools, as a user would type them: mpileup | call | norm, one region, one process."""
    bams = [str(testdata / TRIO / p) for p in BAMS.values()]
    cmd = (
        f"bcftools mpileup -f {reference} -r 20:10000000-10010000 -a FORMAT/AD,FORMAT/DP {' '.join(bams)} -Ou"
        f" | bcftools call -m -v -Ou | bcftools norm -f {reference} -a --atom-overlaps . -m -any -Oz -o {out}"
    )
    subprocess.run(cmd, shell=True, check=True, capture_output=True)
    return out


def test_read_group_file_maps_every_file_to_its_sample_id():
    assert read_group_lines(["a", "b"], ["/x/a.bam", "/x/b.cram"]) == "*\t/x/a.bam\ta\n*\t/x/b.cram\tb\n"


@pytest.mark.parametrize("n_chunks", [1, 2, 3])
def test_chunked_calls_equal_the_bare_pipeline(testdata, plain_trio_reference, tmp_path, n_chunks):
    samples = list(BAMS)
    alignments = [testdata / TRIO / p for p in BAMS.values()]
    indexes = [f"{a}.bai" for a in alignments]
    chunks = []
    for k, intervals in enumerate(split_into_chunks(REGION, n_chunks)):
        out = tmp_path / f"chunk{k}.bcf"
        call_chunk(samples, alignments, indexes, str(plain_trio_reference), intervals, out)
        chunks.append(str(out))
    cohort, tbi = tmp_path / "cohort.vcf.gz", tmp_path / "cohort.vcf.gz.tbi"
    gather(chunks, str(plain_trio_reference), cohort, tbi)
    bare = bare_pipeline(testdata, plain_trio_reference, tmp_path / "bare.vcf.gz")

    ours = records(cohort)
    assert ours == records(bare)
    assert len(ours) >= 80  # PROVENANCE: 87 sites called jointly over the four samples' window
    assert tbi.exists() and not list(tmp_path.glob(".*"))  # no temporary files left behind
    header = pysam.VariantFile(str(cohort)).header
    assert list(header.samples) == samples  # the alignments' SM tags say HG001/NA12891/NA12892
    text = str(header)
    assert "##bcftools_" not in text and str(tmp_path) not in text  # no command lines or absolute paths
    version = subprocess.run(["bcftools", "--version"], capture_output=True, text=True).stdout.split()[1]
    assert f"##genorisk_caller=bcftools {version}\n" in text  # the caller and its version, for the report


def test_empty_chunk_gives_a_header_only_file(testdata, plain_trio_reference, tmp_path):
    alignment = testdata / TRIO / BAMS["child"]
    out = tmp_path / "empty.bcf"
    call_chunk(["child"], [alignment], [f"{alignment}.bai"], str(plain_trio_reference), [], out)
    assert records(out) == []
    assert list(pysam.VariantFile(str(out)).header.samples) == ["child"]
