"""Sheet rows that arrive already called (column `vcf`) through the workflow, in joint calling mode.

1. A mixed batch on the GIAB/CEPH trio: the parents as BAMs, HG001 as the GIAB v3.3.2 truth VCF (a plain VCF),
   HG002 as a gVCF made here with bare bcftools (mpileup | call -g). Oracles: the truth VCF's own records
   (HG001's genotypes; a position it lacks is ./., never 0/0), the gVCF's blocks (HG002's 0/0 and depth),
   PROVENANCE (the trio is Mendelian-consistent) and the independent Mendel count of tests/qc/test_mendel.py.
2. A VCF of another build (positions shifted): the run stops with one message, no cohort VCF is left.
The 2,504-row 1000 Genomes batch is in tests/workflow/test_workflow_vcf_panel.py.
"""

import csv
import json
import re
import subprocess

import pytest
from test_import_vcf import edited_vcf
from test_mendel import independent_count

from workflow_runner import query, snakemake

pytestmark = pytest.mark.workflow
TRIO = "giab_ceph_trio_hg002_chr20_grch37"
TRUTH = (
    "truth/HG001_chr20_GRCh37_GIAB_highconf_CG-IllFB-IllGATKHC-Ion-10X-SOLID_CHROM1-X_v.3.3.2"
    "_highconf_PGandRTGphasetransfer.vcf.gz"
)
PANEL = "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
CHR22 = "nfcore_na12878_chr22_grch38/derived/chr22_padded.fa.gz"
COHORT = "results/calls/bcftools/cohort.vcf.gz"
TARGETS = (COHORT, "results/qc/mendel.tsv", "results/qc/batch_qc.tsv")


@pytest.fixture(scope="module")
def testdata_dir():
    from conftest import TESTDATA

    if not (TESTDATA / TRIO).is_dir() or not (TESTDATA / PANEL).is_dir():
        pytest.skip(f"real test data {TESTDATA / TRIO} or {TESTDATA / PANEL} is absent")
    return TESTDATA


def window_batch(tmp_path_factory, name):
    """A batch folder with the trio's 10 kb window as window.bed."""
    batch = tmp_path_factory.mktemp(name)
    (batch / "window.bed").write_text("20\t9999999\t10010000\n")
    return batch


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory, testdata_dir, plain_trio_reference):
    data, ref = testdata_dir / TRIO, plain_trio_reference
    batch = window_batch(tmp_path_factory, "mixed")
    bam = data / "bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam"
    subprocess.run(f"bcftools mpileup -f {ref} -r 20:10000000-10010000 -a FORMAT/AD,FORMAT/DP {bam} -Ou"
                   f" | bcftools call -m -g 5 -Oz -o {batch / 'hg002.g.vcf.gz'}", shell=True, check=True,
                   capture_output=True)  # fmt: skip
    sheet = (
        "sample_id\talignment\tvcf\tvcf_sample\tfather\tmother\n"
        f"HG001\t\t{data / TRUTH}\tHG001\tNA12891\tNA12892\n"
        f"NA12891\t{data / 'bam/NA12891.chr20.10_10p1mb_sorted.bam'}\t\t\t\t\n"
        f"NA12892\t{data / 'bam/NA12892.chr20.10_10p1mb_sorted.bam'}\t\t\t\t\n"
        "HG002\t\thg002.g.vcf.gz\t\t\t\n"
    )
    (batch / "samples.tsv").write_text(sheet)
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        "structure:\n  panel: none\n"
        "regions: window.bed\ncalling: {chunks: 2}\n"
    )
    snakemake(batch, "--cores", "2", *TARGETS, configfile=batch / "config.yaml")
    return batch, data


def unphased(gt):
    return "/".join(sorted(gt.replace("|", "/").split("/")))


def test_mixed_cohort_columns_and_batch_qc(mixed_run):
    batch, _ = mixed_run
    assert query(batch / COHORT, "[%SAMPLE\t]\n")[0].split() == ["HG001", "NA12891", "NA12892", "HG002"]
    rows = {r["sample_id"]: r for r in csv.DictReader(open(batch / "results/qc/batch_qc.tsv"), delimiter="\t")}
    assert {s: (r["verdict"], r["in_cohort"]) for s, r in rows.items()} == {
        "HG001": ("not_applicable", "yes"),
        "NA12891": ("pass", "yes"),
        "NA12892": ("pass", "yes"),
        "HG002": ("not_applicable", "yes"),
    }
    assert rows["HG001"]["mean_depth"] == "NA"
    record = json.loads((batch / "results/qc/HG001.qc.json").read_text())
    assert record["reasons"] == ["arrived already called (a VCF): alignment QC does not apply"]
    assert (batch / "results/qc/vcf_warnings.tsv").read_text() == "sample_id\tvcf_key\twarning\tcount\tdetail\n"


def test_run_summary_counts_vcf_rows_apart_from_the_qc_verdicts(mixed_run, tmp_path):
    from summary.run_summary import summary_lines, write_run_summary

    batch, _ = mixed_run
    summary = write_run_summary(batch / "results/qc/batch_qc.tsv", {}, tmp_path / "run_summary.json")
    # the table above: two BAMs pass, two rows arrived as VCFs; all four are in the cohort
    assert summary["samples"] == {"pass": 2, "warn": 0, "fail": 0, "not_applicable": 2, "in_cohort": 4, "total": 4}
    assert summary["failed_samples"] == []
    assert summary_lines(summary)[0] == (
        "batch of 4 samples: 2 pass, 0 warn, 0 fail QC, 2 arrived as VCFs (no QC verdict); 4 in the cohort calls"
    )


def test_a_plain_vcf_sample_keeps_its_genotypes_and_a_position_it_lacks_is_a_no_call(mixed_run):
    batch, data = mixed_run
    truth = {}  # the truth's records in the window, split: (pos, ref, alt) -> unphased GT
    split = subprocess.run(f"bcftools view -r 20:10000000-10010000 {data / TRUTH} -Ou | bcftools norm -m -any",
                           shell=True, capture_output=True, text=True, check=True).stdout  # fmt: skip
    for line in split.splitlines():
        if not line.startswith("#"):
            f = line.split("\t")
            truth[(int(f[1]), f[3], f[4])] = unphased(f[9].split(":")[0])
    truth_positions = {pos for pos, _, _ in truth}
    absent = agree = 0
    for line in query(batch / COHORT, "%POS\t%REF\t%ALT\t[%GT]\n", "-s", "HG001"):
        pos, ref, alt, gt = line.split("\t")
        if int(pos) not in truth_positions:
            absent += 1
            assert gt == "./.", (pos, ref, alt, gt)  # never reference
        elif (int(pos), ref, alt) in truth and "." not in gt:
            agree += unphased(gt) == truth[(int(pos), ref, alt)]
            assert unphased(gt) == truth[(int(pos), ref, alt)], (pos, ref, alt)
    assert absent >= 5 and agree >= 60  # sites only the parents or HG002 carry; the truth's own variants


def test_a_gvcf_sample_is_reference_inside_its_blocks_at_their_depth(mixed_run):
    batch, _ = mixed_run
    blocks = []
    for line in query(batch / "hg002.g.vcf.gz", "%POS\t%INFO/END\t[%GT\t%DP]\n"):
        pos, end, gt, dp = line.split("\t")
        if end != ".":
            blocks.append((int(pos), int(end), dp))
    inside = 0
    for line in query(batch / COHORT, "%POS\t[%GT:%DP]\n", "-s", "HG002"):
        pos, call = line.split("\t")
        covering = [b for b in blocks if b[0] < int(pos) <= b[1]]
        if covering:
            inside += 1
            assert call == f"0/0:{covering[0][2]}", (pos, call)
    assert inside >= 10  # the parents' and HG001's variants where HG002 is hom-ref (13 here)


def test_the_trio_with_a_vcf_child_is_mendelian_consistent(mixed_run):
    batch, _ = mixed_run
    rows = list(csv.DictReader(open(batch / "results/qc/mendel.tsv"), delimiter="\t"))
    assert [(r["child"], r["errors"]) for r in rows] == [("HG001", "0")]  # PROVENANCE: a consistent trio
    checked, errors = independent_count(batch / COHORT, "HG001", "NA12891", "NA12892")
    assert (int(rows[0]["sites_checked"]), errors) == (checked, 0) and checked > 50


def test_vcf_of_another_build_stops_the_run_with_one_message(tmp_path, testdata_dir):
    """The panel's NA12878 on the 40 kb window reference (its base 1 = chr22:16,570,000, PROVENANCE), every
    position 7 bases off: most REFs disagree (a small reference keeps the run short)."""
    panel = testdata_dir / PANEL
    window = testdata_dir / "nfcore_na12878_chr22_grch38/reference/genome.fasta"
    offset = 16_570_000 - 1 - 7
    edited_vcf(panel / "1000GP.chr22.vcf.gz", tmp_path / "shifted.vcf.gz", "NA12878",
               lambda fields, n: fields.__setitem__(1, str(int(fields[1]) - offset)))  # fmt: skip
    (tmp_path / "samples.tsv").write_text("sample_id\tvcf\nS1\tshifted.vcf.gz\n")
    (tmp_path / "config.yaml").write_text(f"samples: samples.tsv\nreference: {window}\n")
    proc = snakemake(tmp_path, "--cores", "2", COHORT, configfile=tmp_path / "config.yaml", check=False)
    assert proc.returncode != 0
    errors = set(re.findall(r"^ERROR (.*)$", proc.stderr, flags=re.MULTILINE))
    assert len(errors) == 1 and re.match(
        r"shifted\.vcf\.gz: the REF allele differs from the reference genome\.fasta at \d+ of \d+ records "
        r".*another genome build", next(iter(errors)))  # fmt: skip
    assert not (tmp_path / COHORT).exists() and not list((tmp_path / "results/calls").rglob("*.bcf"))


@pytest.fixture(scope="module")
def bare_run(tmp_path_factory, testdata_dir, plain_trio_reference):
    """HG001 called by bare bcftools (mpileup -a AD,DP | call -mv), written as other tools may hand it over (no
    ##contig lines, 'chr20' for the reference's '20', plain text without an index), beside three BAMs."""
    data, ref = testdata_dir / TRIO, plain_trio_reference
    batch = window_batch(tmp_path_factory, "bare")
    bam = data / "bam/HG001.chr20.10_10p1mb_sorted.bam"
    bare = f"bcftools mpileup -f {ref} -r 20:10000000-10010000 -a AD,DP {bam} -Ou | bcftools call -mv"
    called = subprocess.run(bare, shell=True, check=True, capture_output=True, text=True).stdout
    (batch / "hg001.bare.vcf").write_text(called)  # as bcftools wrote it, for the oracle
    lines = [line if line.startswith("#") else "chr" + line for line in called.splitlines()
             if not line.startswith("##contig")]  # fmt: skip
    (batch / "hg001.vcf").write_text("\n".join(lines) + "\n")
    bams = {s: data / f"bam/{s}.chr20.10_10p1mb_sorted.bam" for s in ("NA12891", "NA12892")}
    bams["HG002"] = data / "bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam"
    sheet = "sample_id\talignment\tvcf\n" + "".join(f"{s}\t{p}\t\n" for s, p in bams.items()) + "HG001\t\thg001.vcf\n"
    (batch / "samples.tsv").write_text(sheet)
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        "structure:\n  panel: none\n"
        "regions: window.bed\ncalling: {chunks: 2}\n"
    )
    snakemake(batch, "--cores", "2", COHORT, configfile=batch / "config.yaml")
    return batch, ref


def test_every_variant_of_a_bare_bcftools_vcf_row_is_in_the_cohort(bare_run):
    """The oracle: the same VCF normalised by bare bcftools norm as the cohort is (atomise, split, left-align)."""
    batch, ref = bare_run
    normalised = subprocess.run(
        f"bcftools norm -f {ref} -a --atom-overlaps . -m -any {batch / 'hg001.bare.vcf'}",
        shell=True, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    expected = {}
    for line in normalised.splitlines():
        if not line.startswith("#"):
            f = line.split("\t")
            expected[(int(f[1]), f[3], f[4])] = f[9].split(":")[0]
    cohort = {}
    for line in query(batch / COHORT, "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n", "-s", "HG001"):
        chrom, pos, ref_allele, alt, gt = line.split("\t")
        assert chrom == "20"
        cohort[(int(pos), ref_allele, alt)] = gt
    assert len(expected) >= 40
    assert {k: cohort.get(k) for k in expected} == expected
