"""Joint calling of one genomic chunk with bcftools mpileup + call, over the QC-passing samples.

Every alignment is linked into a job-private folder under its sample_id (with its index, wherever
that lives), and bcftools' read-group file maps each file to its sample_id: the VCF column is the
sample_id whatever the alignment's read groups say.
"""

import os
import tempfile
from pathlib import Path

from calling.chunk_job import caller_header_line, run_chunk_job
from common.atomic import atomic_path
from common.genomic_chunks import read_fai, write_bed
from common.tool_run import pipeline


def link_alignments(samples, alignments, indexes, folder):
    """Symlink each sample's alignment and index as folder/{sample}.{bam,cram}(+index); return the alignment links."""
    links = []
    for sample, aln, idx in zip(samples, alignments, indexes):
        ext = ".cram" if str(aln).endswith(".cram") else ".bam"
        link = Path(folder) / f"{sample}{ext}"
        os.symlink(os.path.abspath(aln), link)
        os.symlink(os.path.abspath(idx), f"{link}.{'crai' if ext == '.cram' else 'bai'}")
        links.append(link)
    return links


def read_group_lines(samples, links):
    """bcftools mpileup -G lines: every read of the file goes to the column named by sample_id."""
    return "".join(f"*\t{link}\t{sample}\n" for sample, link in zip(samples, links))


def mpileup_command(fasta, bam_list, rg_file, regions_bed, min_mapq, min_baseq):
    return [
        "bcftools", "mpileup", "--no-version", "-f", fasta, "-b", bam_list, "-G", rg_file,
        "-R", regions_bed, "-a", "FORMAT/AD,FORMAT/DP", "-q", str(min_mapq), "-Q", str(min_baseq), "-Ou",
    ]  # fmt: skip


def call_command(out_path=None):
    """bcftools call (multiallelic model, variant sites, with GQ): to `out_path` as BCF, or uncompressed to stdout."""
    output = ["-Ob", "-o", out_path] if out_path else ["-Ou"]
    return ["bcftools", "call", "--no-version", "-m", "-v", "-f", "GQ", *output]


def header_only_command(out_path):
    return ["bcftools", "view", "--no-version", "-h", "-Ob", "-o", out_path]


def annotate_command(header_lines, out_path=None):
    """Add header lines (the caller's version); to `out_path` as BCF, or uncompressed to stdout."""
    output = ["-Ob", "-o", out_path] if out_path else ["-Ou"]
    return ["bcftools", "annotate", "--no-version", "-h", header_lines, *output]


def call_chunk(samples, alignments, indexes, fasta, intervals, out_bcf, min_mapq=0, min_baseq=1):
    """Call `samples` jointly over `intervals` [(contig, start0, end0)] into `out_bcf` (atomically)."""
    with tempfile.TemporaryDirectory(prefix="genorisk_call_") as work, atomic_path(out_bcf, suffix=".bcf") as tmp:
        links = link_alignments(samples, alignments, indexes, work)
        bam_list, rg_file, bed = (Path(work) / n for n in ("alignments.txt", "read_groups.txt", "chunk.bed"))
        bam_list.write_text("".join(f"{link}\n" for link in links))
        rg_file.write_text(read_group_lines(samples, links))
        version_line = Path(work) / "caller.txt"
        version_line.write_text(caller_header_line("bcftools") + "\n")
        mpileup = mpileup_command(fasta, bam_list, rg_file, bed, min_mapq, min_baseq)
        if intervals:
            write_bed(intervals, bed)
            pipeline(mpileup, call_command(), annotate_command(version_line, tmp))
        else:
            # An empty chunk (target shorter than the chunk count) still yields a valid header-only file.
            write_bed([(read_fai(f"{fasta}.fai")[0][0], 0, 1)], bed)
            pipeline(mpileup, call_command(), annotate_command(version_line), header_only_command(tmp))


def main(smk):
    run_chunk_job(smk, call_chunk, "bcftools")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
