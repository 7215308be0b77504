"""Which rule makes each per-sample file, in the plans of batches mixing alignment and VCF rows (header-only inputs,
`snakemake -n`; nothing runs).

The `sample` wildcard is any well-formed ID, not the list of the batch's IDs (workflow/rules/common.smk,
scripts/common/id_constraints.py), so the paths decide: no output of another rule may match a `{sample}` path (the
logs and benchmarks of the batch-level rules beside the per-sample ones, which no rule asks for, are the listed
exception), the VCF rows' QC records come from qc_vcf_rows and only the alignment rows get qc_sample (and gVCF) jobs,
whichever of the two sets is the smaller, and no candidate job fails on a VCF row's missing alignment.
"""

import json
import re
import subprocess
import sys

import pysam
import pytest
from snakemake.io import regex_from_filepattern
from test_incremental_calling import job_counts

from common.id_constraints import ANY_ID, split_pattern
from inputs.sample_sheet import VCF_KEY_PATTERN
from workflow_runner import REPO, snakemake

pytestmark = pytest.mark.workflow
# IDs where one is a prefix, a suffix or a dotted extension of another.
CASES = {
    "more alignments": (["A1", "B.v1", "v1.x"], ["v1", "A"]),
    "more VCF rows": (["A1"], ["v1", "A", "A1.x"]),
}
# Concrete products of batch-level rules that a `{sample}` log or benchmark path matches; none is an output.
SHARED_FOLDER_LOGS = {
    "logs/qc/batch_qc.log",
    "logs/qc/mendel.log",
    "logs/qc/qc_vcf_rows.log",
    "logs/qc/multiqc.log",
    "logs/benchmarks/qc/batch_qc.tsv",
    "logs/benchmarks/qc/mendel.tsv",
    "logs/benchmarks/qc/qc_vcf_rows.tsv",
    "logs/benchmarks/qc/multiqc.tsv",
}
PRODUCTS = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings

snakefile, workdir, configfile = map(Path, sys.argv[1:4])
with SnakemakeApi(OutputSettings(quiet=None)) as api:
    workflow = api.workflow(
        resource_settings=ResourceSettings(), config_settings=ConfigSettings(configfiles=[configfile]),
        storage_settings=StorageSettings(), workdir=workdir, snakefile=snakefile,
    )._workflow
    output = {r.name: {"output": [str(f) for f in r.output], "other": [str(f) for f in r.products()][len(r.output):]}
              for r in workflow.rules}
print("PRODUCTS" + json.dumps(output))
"""


def mixed_batch(folder, alignments, vcf_rows, mode="joint"):
    """Alignment rows (links to one header-only BAM) and VCF rows (columns of one header-only VCF)."""
    (folder / "ref.fa").write_text(">chr1\n" + "ACGT" * 250 + "\n")
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 1000}]}
    with pysam.AlignmentFile(str(folder / "template.bam"), "wb", header=header):
        pass
    pysam.index(str(folder / "template.bam"))
    (folder / "rows.vcf").write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(vcf_rows) + "\n"
    )
    rows = [f"{s}\ttemplate.bam\t\t\n" for s in alignments] + [f"{s}\t\trows.vcf\t{s}\n" for s in vcf_rows]
    (folder / "samples.tsv").write_text("sample_id\talignment\tvcf\tvcf_sample\n" + "".join(rows))
    (folder / "config.yaml").write_text(f"samples: samples.tsv\nreference: ref.fa\ncalling: {{mode: {mode}}}\n")
    return folder / "config.yaml"


@pytest.mark.parametrize("case", list(CASES))
def test_per_sample_jobs_of_a_mixed_batch(tmp_path, case):
    alignments, vcf_rows = CASES[case]
    mode = "incremental" if case == "more alignments" else "joint"
    config = mixed_batch(tmp_path, alignments, vcf_rows, mode)
    shown = snakemake(tmp_path, "-n", configfile=config).stdout
    counts = job_counts(shown)
    assert counts["qc_sample"] == len(alignments) and counts["qc_vcf_rows"] == 1
    assert counts["input_checksums"] == len(alignments) + len(vcf_rows)
    assert counts.get("call_gvcf_bcftools", 0) == (len(alignments) if mode == "incremental" else 0)
    qc_samples = re.findall(r"rule qc_sample:\n(?:    .*\n)*?    output: results/qc/(\S+)\.qc\.json", shown)
    assert sorted(qc_samples) == sorted(alignments)
    for sample in vcf_rows + alignments:  # each QC record asked for alone: the one rule that makes it
        proc = snakemake(tmp_path, "-n", f"results/qc/{sample}.qc.json", configfile=config)
        made_by = {"qc_sample", "qc_vcf_rows"} & set(job_counts(proc.stdout))
        assert made_by == {"qc_sample" if sample in alignments else "qc_vcf_rows"}
        assert "Exception" not in proc.stdout + proc.stderr and "strict-dag" not in proc.stdout + proc.stderr


def test_no_other_output_matches_a_sample_path(tmp_path):
    alignments, vcf_rows = CASES["more alignments"]
    config = mixed_batch(tmp_path, alignments, vcf_rows)
    proc = subprocess.run(
        [sys.executable, "-c", PRODUCTS, str(REPO / "Snakefile"), str(tmp_path), str(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    rules = json.loads(proc.stdout.split("PRODUCTS", 1)[1])
    per_sample = {
        name: [re.compile(regex_from_filepattern(p)) for p in r["output"] + r["other"] if "{sample," in p]
        for name, r in rules.items()
    }
    assert {name for name, patterns in per_sample.items() if patterns} >= {"qc_sample", "input_checksums"}
    # No constraint lists the batch's IDs: the generic one, and the alignment rows' (here: all but the VCF rows).
    paths = [p for r in rules.values() for p in r["output"] + r["other"]]
    constraints = {c for p in paths for c in re.findall(r"\{sample,([^{}]*)\}", p)}
    assert constraints == {ANY_ID, split_pattern(alignments, vcf_rows)}
    assert {c for p in paths for c in re.findall(r"\{vcf_key,((?:[^{}]|\{\d+\})*)\}", p)} == {VCF_KEY_PATTERN}
    clashes = {
        (kind, path)
        for name, r in rules.items()
        for kind in ("output", "other")
        for path in r[kind]
        if "{" not in path
        for other, patterns in per_sample.items()
        if other != name and any(p.match(path) for p in patterns)
    }
    assert clashes == {("other", path) for path in SHARED_FOLDER_LOGS}
