"""Joint calling of one genomic chunk with bcftools mpileup + call, over the QC-passing samples.

Every alignment is linked into a job-private folder under its sample_id (with its index, wherever
that lives), and bcftools' read-group file maps each file to its sample_id: the VCF column is the
sample_id whatever the alignment's read groups say.
"""

import os
import tempfile
from pathlib import Path

from atomic import atomic_path
from batch_qc import cohort_samples
from genomic_chunks import read_fai, split_into_chunks, target_intervals, write_bed
from input_error import InputError
from rule_logging import setup_logging
from tool_run import pipeline


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


def call_chunk(samples, alignments, indexes, fasta, intervals, out_bcf, min_mapq=0, min_baseq=1):
    """Call `samples` jointly over `intervals` [(contig, start0, end0)] into `out_bcf` (atomically)."""
    with tempfile.TemporaryDirectory(prefix="genorisk_call_") as work, atomic_path(out_bcf, suffix=".bcf") as tmp:
        links = link_alignments(samples, alignments, indexes, work)
        bam_list, rg_file, bed = (Path(work) / n for n in ("alignments.txt", "read_groups.txt", "chunk.bed"))
        bam_list.write_text("".join(f"{link}\n" for link in links))
        rg_file.write_text(read_group_lines(samples, links))
        mpileup = mpileup_command(fasta, bam_list, rg_file, bed, min_mapq, min_baseq)
        if intervals:
            write_bed(intervals, bed)
            pipeline(mpileup, call_command(tmp))
        else:
            # An empty chunk (target shorter than the chunk count) still yields a valid header-only file.
            write_bed([(read_fai(f"{fasta}.fai")[0][0], 0, 1)], bed)
            pipeline(mpileup, call_command(), header_only_command(tmp))


def main(smk):
    log = setup_logging(smk.log[0])
    chunk, n_chunks = int(smk.params.chunk), int(smk.params.n_chunks)
    wanted = set(cohort_samples(smk.input.batch_qc))
    if not wanted:
        raise InputError("every sample failed QC (see results/qc/batch_qc.tsv): there is no cohort to call")
    order = [i for i, s in enumerate(smk.params.samples) if s in wanted]  # params.samples: the alignment rows
    if not order:
        raise InputError("every alignment failed QC (see results/qc/batch_qc.tsv): there is nothing to call")
    samples = [smk.params.samples[i] for i in order]
    regions = smk.input.regions[0] if smk.input.regions else None
    intervals = split_into_chunks(target_intervals(smk.input.fai, regions), n_chunks)[chunk]
    bases = sum(e - s for _, s, e in intervals)
    log.info(
        "chunk %d/%d: %d intervals, %d bases, %d samples", chunk + 1, n_chunks, len(intervals), bases, len(samples)
    )
    call_chunk(
        samples,
        [smk.input.alignments[i] for i in order],
        [smk.input.indexes[i] for i in order],
        smk.input.fasta,
        intervals,
        smk.output.bcf,
        smk.params.min_mapq,
        smk.params.min_baseq,
    )
    log.info("chunk %d/%d done", chunk + 1, n_chunks)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
