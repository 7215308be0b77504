"""The incremental mode's merge (scripts/calling/merge_gvcfs.py, gather_calls.merge_into_cohort) on real gVCFs.

The four GIAB/CEPH gVCFs are made here with bare bcftools (mpileup | call -m -g 5 over the window the reads
cover). Oracles: the batch QC table written here by hand (who is in the cohort), the gVCFs' own records, and one
bcftools merge of all files against the same merge done in groups (the path large cohorts take).
"""

import subprocess

import pytest

from calling.gather_calls import cohort_order, is_gvcf_header, merge_into_cohort, vcf_header
from calling.merge_gvcfs import cohort_gvcfs, merge_gvcfs
from common.rule_logging import setup_logging
from trio_data import TRIO_BAMS, trio_folder
from workflow_runner import query

BAMS = TRIO_BAMS
FILTERS = {"min_qual": 20, "min_dp": 5, "min_gq": 10}
HEADER = "sample_id\tverdict\tin_cohort\tmean_depth\tbreadth\tmapped_rate\tduplicate_rate\ttotal_reads\treasons\n"


@pytest.fixture(scope="module")
def gvcfs(tmp_path_factory, plain_trio_reference):
    data = trio_folder()
    folder = tmp_path_factory.mktemp("gvcfs")
    ref = plain_trio_reference
    paths = {}
    for sample, bam in BAMS.items():
        (folder / f"{sample}.rg").write_text(f"*\t{data / bam}\t{sample}\n")
        out = folder / f"{sample}.g.vcf.gz"
        subprocess.run(f"bcftools mpileup -f {ref} -r 20:10000000-10010000 -a FORMAT/AD,FORMAT/DP "
                       f"-G {folder / sample}.rg {data / bam} -Ou | bcftools call -m -g 5 -f GQ -Oz -o {out} "
                       f"&& tabix -p vcf {out}", shell=True, check=True, capture_output=True)  # fmt: skip
        paths[sample] = str(out)
    return ref, paths


@pytest.fixture(autouse=True)
def job_log(tmp_path):
    setup_logging(tmp_path / "job.log")


def test_only_the_qc_passing_samples_are_merged(tmp_path):
    table = tmp_path / "batch_qc.tsv"
    rows = ["A\tpass\tyes\t30\t1\t1\t0\t10\t", "B\tfail\tno\t1\t1\t1\t0\t10\tlow", "C\twarn\tyes\t9\t1\t1\t0\t9\t"]
    table.write_text(HEADER + "\n".join(rows) + "\n")
    assert cohort_gvcfs(["A", "B", "C"], ["a.g", "b.g", "c.g"], table) == ["a.g", "c.g"]


def test_cohort_order_follows_the_sheet():
    assert cohort_order(["B", "A", "C"], ["A", "B", "C"]) == ["A", "B", "C"]
    assert cohort_order(["A", "B"], ["A", "B", "C"]) is None  # already in order: no reordering stage


def test_gvcf_headers_are_told_from_plain_ones(gvcfs):
    _, paths = gvcfs
    assert is_gvcf_header(vcf_header(paths["HG001"]))
    assert not is_gvcf_header("##INFO=<ID=END,Number=1,Type=Integer>\n#CHROM\n")  # the 1000 Genomes panel declares END


def test_merging_in_groups_gives_the_single_merge(gvcfs, tmp_path):
    ref, paths = gvcfs
    order = list(BAMS)
    files = [paths[s] for s in reversed(order)]  # merged in another order than the sheet's
    single, grouped = tmp_path / "single.vcf.gz", tmp_path / "grouped.vcf.gz"
    merge_gvcfs(files, [], str(ref), single, f"{single}.tbi", FILTERS, order)
    merge_into_cohort(files, str(ref), grouped, f"{grouped}.tbi", FILTERS, order, gvcf=True, group_size=2)
    fmt = "%POS %REF %ALT %FILTER[ %GT:%DP:%FT]\n"
    assert query(single, fmt) == query(grouped, fmt) and len(query(single, fmt)) > 80
    assert query(single, "[%SAMPLE ]\n")[0].split() == order
    # a variant of one sample is 0/0 at the block depth for another sample whose gVCF has a block there
    blocks = [line.split() for line in query(paths["NA12892"], "%POS %INFO/END [%DP]\n")]
    for line in query(single, "%POS[ %GT:%DP]\n", "-s", "NA12892"):
        pos, call = line.split()
        inside = [b for b in blocks if b[1] != "." and int(b[0]) < int(pos) <= int(b[1])]
        if inside:
            assert call == f"0/0:{inside[0][2]}", (pos, call)
