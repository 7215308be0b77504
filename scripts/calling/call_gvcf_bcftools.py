"""One sample's genomic VCF with bcftools (calling mode `incremental`): mpileup | call -m -g over the target.

Every site the reads cover is written: variant records as in joint calling (GT:PL:DP:AD:GQ), and runs of
hom-ref sites as reference blocks (ALT '.', INFO/END, FORMAT/DP the block's minimum depth). `-g MIN_DP`
puts sites with depth below MIN_DP in records of their own, so a block's depth never hides a shallow site
from the LowDP genotype filter (filters.min_dp). Positions without reads are absent: no-calls once merged.
The column is the sample_id (bcftools' read-group file maps the file to it, as in joint calling).

The job depends on this sample's alignment and the reference only, never on the batch (no batch QC input):
adding a sample to a project leaves every other sample's gVCF untouched. rule merge_gvcfs picks the
QC-passing samples.
"""

import os
import tempfile
from pathlib import Path

from calling.call_chunk_bcftools import link_alignments, mpileup_command, read_group_lines
from common.atomic import atomic_path
from common.genomic_chunks import target_intervals, write_bed
from common.rule_logging import setup_logging
from common.tool_run import pipeline, run


def gvcf_call_command(out_path, block_min_depth):
    """bcftools call writing a bgzipped gVCF: hom-ref blocks for sites with depth >= block_min_depth."""
    return [
        "bcftools", "call", "--no-version", "-m", "-g", str(max(1, int(block_min_depth))), "-f", "GQ",
        "-Oz", "-o", out_path,
    ]  # fmt: skip


def call_gvcf(sample, alignment, index, fasta, intervals, out_gvcf, out_tbi, block_min_depth=5, min_mapq=0,
              min_baseq=1):  # fmt: skip
    """Write `sample`'s gVCF over `intervals` [(contig, start0, end0)] and its tabix index, both atomically."""
    with (
        tempfile.TemporaryDirectory(prefix="genorisk_gvcf_") as work,
        atomic_path(out_gvcf, suffix=".g.vcf.gz") as tmp,
        atomic_path(out_tbi, suffix=".tbi") as tmp_tbi,
    ):
        links = link_alignments([sample], [alignment], [index], work)
        bam_list, rg_file, bed = (Path(work) / n for n in ("alignments.txt", "read_groups.txt", "target.bed"))
        bam_list.write_text(f"{links[0]}\n")
        rg_file.write_text(read_group_lines([sample], links))
        write_bed(intervals, bed)
        pipeline(
            mpileup_command(fasta, bam_list, rg_file, bed, min_mapq, min_baseq),
            gvcf_call_command(tmp, block_min_depth),
        )
        run(["tabix", "-f", "-p", "vcf", tmp])
        os.replace(f"{tmp}.tbi", tmp_tbi)


def main(smk):
    log = setup_logging(smk.log[0])
    regions = smk.input.regions[0] if smk.input.regions else None
    intervals = target_intervals(smk.input.fai, regions)
    log.info("gVCF of one sample over %d intervals, %d bases", len(intervals), sum(e - s for _, s, e in intervals))
    call_gvcf(
        smk.params.sample,
        smk.input.alignment,
        smk.input.index,
        smk.input.fasta,
        intervals,
        smk.output.gvcf,
        smk.output.tbi,
        smk.params.block_min_depth,
        smk.params.min_mapq,
        smk.params.min_baseq,
    )
    log.info("gVCF written")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
