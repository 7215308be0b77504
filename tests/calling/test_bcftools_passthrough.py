"""The bcftools wrapper (scripts/calling/call_chunk_bcftools.py) passes bcftools options through faithfully.

Oracle: bcftools 1.16's own expected outputs (../shared/testdata/bcftools_1.16_mpileup_test_3samples_chr17/expected),
compared byte for byte after removing the `##bcftools*` and `##reference` header lines, as upstream test/test.pl does.
The wrapper always asks for FORMAT/AD,FORMAT/DP (mpileup) and GQ (call): the expected file is reduced to the
same annotations with `bcftools annotate -x`, never our output enlarged.
"""

import subprocess

import pytest

from calling.call_chunk_bcftools import call_command, mpileup_command, read_group_lines

SET = "bcftools_1.16_mpileup_test_3samples_chr17"
SAMPLES = ["HG00100", "HG00101", "HG00102"]  # the SM of mpileup.{1,2,3}.bam


@pytest.fixture
def data(testdata):
    return testdata / SET


def comparable(vcf_text):
    """The VCF text without the header lines that carry versions and paths (as upstream test.pl drops them)."""
    return "".join(
        line for line in vcf_text.splitlines(keepends=True) if not line.startswith(("##bcftools", "##reference"))
    )


def as_vcf(cmd, stdin_bytes=None):
    """Run a bcftools command (binary output) and return its records as VCF text."""
    out = subprocess.run([str(c) for c in cmd], input=stdin_bytes, capture_output=True, check=True).stdout
    return subprocess.run(
        ["bcftools", "view", "--no-version", "-"], input=out, capture_output=True, check=True
    ).stdout.decode()


def test_mpileup_wrapper_reproduces_upstream_mpileup_5(data, tmp_path):
    """mpileup.5.out = `bcftools mpileup -a DP,AD,ADF,ADR,SP,INFO/AD,INFO/ADF,INFO/ADR -r17:100-600 -f ref 3 BAMs`.

    Our wrapper, over the BED interval 17:100-600, with the read-group file mapping each BAM to its SM and
    bcftools' default thresholds (-q 0 -Q 1), asks for FORMAT/AD,DP only: dropping the other annotations from the
    expected file must leave it identical to ours, header included.
    """
    bams = [data / f"mpileup.{i}.bam" for i in (1, 2, 3)]
    bam_list, rg_file, bed = tmp_path / "bams.txt", tmp_path / "rg.txt", tmp_path / "region.bed"
    bam_list.write_text("".join(f"{b}\n" for b in bams))
    rg_file.write_text(read_group_lines(SAMPLES, bams))
    bed.write_text("17\t99\t600\n")
    ours = as_vcf(mpileup_command(data / "mpileup.ref.fa", bam_list, rg_file, bed, min_mapq=0, min_baseq=1))
    reduce = ["bcftools", "annotate", "--no-version", "-x", "FORMAT/ADF,FORMAT/ADR,FORMAT/SP,INFO/AD,INFO/ADF,INFO/ADR"]
    expected = subprocess.run([*reduce, str(data / "expected" / "mpileup.5.out")], capture_output=True, check=True)
    assert comparable(ours) == comparable(expected.stdout.decode())
    assert sum(1 for line in ours.splitlines() if not line.startswith("#")) == 502  # 501 positions, one with an indel


def test_call_wrapper_reproduces_upstream_call_mpileup_1(data):
    """call.mpileup.1.out = `bcftools call --no-version -mv mpileup_sites.vcf`; the wrapper adds `-f GQ` only."""
    ours = as_vcf(call_command(), (data / "mpileup_sites.vcf").read_bytes())
    without_gq = subprocess.run(["bcftools", "annotate", "--no-version", "-x", "FORMAT/GQ", "-"], input=ours.encode(),
                                capture_output=True, check=True).stdout.decode()  # fmt: skip
    expected = (data / "expected" / "call.mpileup.1.out").read_text()
    assert comparable(without_gq) == comparable(expected)
    assert sum(1 for line in expected.splitlines() if not line.startswith("#")) == 11
    assert "##FORMAT=<ID=GQ," in ours  # what the wrapper adds, and all it adds
