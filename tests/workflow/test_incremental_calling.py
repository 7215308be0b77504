"""Calling mode `incremental` on the real 4-sample GIAB/CEPH batch: a gVCF per sample, the cohort is their merge,
and adding a sample to the finished project reruns only that sample's jobs, the merge and the provenance record, and
no planned job has an old sample's alignment among its inputs (Snakemake's plan).

Oracles: the GIAB v3.3.2 truth of HG001 (44 SNVs inside the clipped confident BED, as joint calling gets them);
each sample's gVCF as bcftools call -g wrote it (a 0/0 in the cohort must sit in one of its reference blocks,
at that block's depth); a sample added under a second ID for the same BAM must get the same genotypes; `sha256sum`
for the provenance record's sums.
"""

import csv
import json
import os
import re
import subprocess

import pytest
from test_mendel import independent_count
from test_workflow_trio import TRUTH, snvs

from trio_data import clipped_truth_bed, trio_folder
from workflow_runner import query, snakemake

pytestmark = pytest.mark.workflow
TRIO = "giab_ceph_trio_hg002_chr20_grch37"
SHEET = {
    "HG001": ("bam/HG001.chr20.10_10p1mb_sorted.bam", "NA12891", "NA12892"),
    "NA12891": ("bam/NA12891.chr20.10_10p1mb_sorted.bam", "", ""),
    "NA12892": ("bam/NA12892.chr20.10_10p1mb_sorted.bam", "", ""),
    "HG002": ("bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam", "", ""),
}
TARGETS = ("results/calls/bcftools/cohort.vcf.gz", "results/qc/mendel.tsv", "results/provenance.json")
COHORT = "results/calls/bcftools/cohort.vcf.gz"
ADDED = "NA12891_again"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    data = trio_folder()
    batch = tmp_path_factory.mktemp("incremental")
    (batch / "window.bed").write_text("20\t9999999\t10010000\n")
    rows = "".join(f"{s}\t{data / p}\t{f}\t{m}\n" for s, (p, f, m) in SHEET.items())
    (batch / "samples.tsv").write_text("sample_id\talignment\tfather\tmother\n" + rows)
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {data / 'reference/hs37d5.chr20.fa.gz'}\nbuild: GRCh37\n"
        "structure:\n  panel: none\n"
        "regions: window.bed\ncalling: {chunks: 2, mode: incremental}\n"
    )
    snakemake(batch, "--cores", "2", *TARGETS, configfile=batch / "config.yaml")
    return batch, data


def sha256sum(path):
    return subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


def job_counts(output):
    """{rule: jobs} from the 'Job stats' table Snakemake prints for a run or a dry run."""
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, flags=re.MULTILINE)}


def planned_inputs(output):
    """[[input path, ...] per job] from the `input:` line of each job a dry run prints."""
    return [line.split(":", 1)[1].strip().split(", ") for line in output.splitlines() if line.startswith("    input: ")]


def gvcf_coverage(gvcf):
    """[(start, end, GT, DP)] of a gVCF's records (a block spans POS..END)."""
    out = []
    for line in query(gvcf, "%POS\t%INFO/END\t[%GT\t%DP]\n"):
        pos, end, gt, dp = line.split("\t")
        out.append((int(pos), int(end) if end != "." else int(pos), gt, dp))
    return out


def test_hg001_snvs_match_the_giab_truth_as_in_joint_mode(project):
    batch, data = project
    bed = clipped_truth_bed(data, batch)
    truth = snvs(data / TRUTH, "HG001", bed)
    called = snvs(batch / COHORT, "HG001", bed)
    assert len(truth) == 44  # PROVENANCE
    assert (len(truth.keys() & called.keys()), len(called.keys() - truth.keys()), len(truth.keys() - called.keys())) \
        == (44, 0, 0)  # fmt: skip
    assert {k: called[k] for k in truth} == truth


def test_cohort_reference_genotypes_come_from_the_samples_reference_blocks(project):
    batch, _ = project
    samples = list(SHEET)
    columns = query(batch / COHORT, "[%SAMPLE\t]\n")[0].rstrip("\t").split("\t")
    assert columns == samples
    coverage = {s: gvcf_coverage(batch / f"results/calls/bcftools/gvcf/{s}.g.vcf.gz") for s in samples}
    filled = 0
    for line in query(batch / COHORT, "%POS[\t%GT:%DP]\n"):
        pos, *calls = line.split("\t")
        for sample, call in zip(samples, calls):
            gt, dp = call.split(":")
            covering = [r for r in coverage[sample] if r[0] <= int(pos) <= r[1]]
            if gt == "./.":  # no read (or another allele of a split site): never inside a reference block
                assert all(r[2] != "0/0" for r in covering), (pos, sample)
            elif gt == "0/0" and all(r[0] < int(pos) for r in covering):  # inside a block, not its own record
                filled += 1
                assert [(r[2], r[3]) for r in covering] == [("0/0", dp)], (pos, sample)
    assert filled > 50  # most hom-ref genotypes of the cohort come from blocks


def test_mendel_table_of_the_trio(project):
    batch, _ = project
    rows = list(csv.DictReader(open(batch / "results/qc/mendel.tsv"), delimiter="\t"))
    assert [(r["child"], r["father"], r["mother"]) for r in rows] == [("HG001", "NA12891", "NA12892")]
    checked, errors = independent_count(batch / COHORT, "HG001", "NA12891", "NA12892")
    assert (int(rows[0]["sites_checked"]), int(rows[0]["errors"])) == (checked, errors)
    assert errors <= 2  # measured here: 2 of 83, both outside GIAB's confident regions (joint calling: 0 of 86)


def test_adding_a_sample_reruns_only_its_jobs_and_the_merge(project):
    """Runs last in this file: it changes the project."""
    batch, data = project
    gvcfs = {s: batch / f"results/calls/bcftools/gvcf/{s}.g.vcf.gz" for s in SHEET}
    before = {s: p.stat().st_mtime_ns for s, p in gvcfs.items()}
    again = batch / "again.bam"  # the same reads under a second ID
    again.symlink_to(data / SHEET["NA12891"][0])
    (batch / "again.bam.bai").symlink_to(data / f"{SHEET['NA12891'][0]}.bai")
    with open(batch / "samples.tsv", "a") as fh:
        fh.write(f"{ADDED}\tagain.bam\t\t\n")
    checksums = {s: batch / f"resources/checksums/{s}.json" for s in SHEET}
    checksums_before = {s: p.stat().st_mtime_ns for s, p in checksums.items()}
    plan = snakemake(batch, "-n", *TARGETS, configfile=batch / "config.yaml")
    shown = plan.stdout + plan.stderr
    counts = job_counts(shown)
    assert counts == {"qc_sample": 1, "call_gvcf_bcftools": 1, "batch_qc": 1, "merge_gvcfs": 1, "mendel": 1,
                      "input_checksums": 1, "provenance": 1}  # fmt: skip
    assert set(re.findall(r"wildcards: sample=(\S+)", shown)) == {ADDED}
    # Paths as absolute names (symlinks not followed: the added sample's file is a link to an old one's)
    inputs = [{os.path.normpath(batch / path) for path in job} for job in planned_inputs(shown)]
    assert len(inputs) == sum(counts.values())  # every planned job's inputs were read off the plan
    old_alignments = {str(data / path) for path, _, _ in SHEET.values()}
    assert [job for job in inputs if old_alignments & job] == []  # no job reads an old sample's alignment
    assert sum(str(batch / "again.bam") in job for job in inputs) == 3  # the new one: its QC, gVCF, checksum jobs
    snakemake(batch, "--cores", "2", *TARGETS, configfile=batch / "config.yaml")
    assert {s: p.stat().st_mtime_ns for s, p in gvcfs.items()} == before  # the others' gVCFs were not redone
    assert {s: p.stat().st_mtime_ns for s, p in checksums.items()} == checksums_before  # nor their checksums
    record = json.loads((batch / "results/provenance.json").read_text())
    sums = {e["sample_id"]: e["sha256"] for e in record["inputs"] if e["role"] == "alignment"}
    files = {**{s: data / path for s, (path, _, _) in SHEET.items()}, ADDED: batch / "again.bam"}
    assert list(sums) == [*SHEET, ADDED]
    assert sums == {s: sha256sum(path) for s, path in files.items()}
    genotypes = query(batch / COHORT, "[%GT\t]\n", "-s", f"NA12891,{ADDED}")
    pairs = [line.rstrip("\t").split("\t") for line in genotypes]
    assert len(pairs) > 80 and all(a == b for a, b in pairs)  # same reads, same genotypes
