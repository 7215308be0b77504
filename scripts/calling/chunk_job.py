"""What every chunk-calling job does the same way, whatever the caller: which samples, which bases, progress lines.

Each caller's script (call_chunk_bcftools.py, call_chunk_freebayes.py) supplies only its `call_chunk` function.
"""

from common.genomic_chunks import split_into_chunks, target_intervals
from common.input_error import InputError
from common.rule_logging import setup_logging
from common.tool_run import tool_version
from qc.batch_qc import cohort_samples


def caller_header_line(tool):
    """`##genorisk_caller=<tool> <version>`: the caller and version that made the calls, in the VCF header."""
    return f"##genorisk_caller={tool} {tool_version(tool)}"


def cohort_in_sheet_order(sheet_samples, batch_qc_tsv):
    """Indexes (into the sheet's alignment samples) of those in the cohort, in sheet order; refuse an empty cohort."""
    wanted = set(cohort_samples(batch_qc_tsv))
    if not wanted:
        raise InputError("every sample failed QC (see results/qc/batch_qc.tsv): there is no cohort to call")
    order = [i for i, s in enumerate(sheet_samples) if s in wanted]
    if not order:
        raise InputError("every alignment failed QC (see results/qc/batch_qc.tsv): there is nothing to call")
    return order


def run_chunk_job(smk, call_chunk, caller):
    """The Snakemake entry shared by the chunk rules: pick the cohort and the chunk's intervals, then call."""
    log = setup_logging(smk.log[0])
    chunk, n_chunks = int(smk.params.chunk), int(smk.params.n_chunks)
    order = cohort_in_sheet_order(smk.params.samples, smk.input.batch_qc)
    regions = smk.input.regions[0] if smk.input.regions else None
    intervals = split_into_chunks(target_intervals(smk.input.fai, regions), n_chunks)[chunk]
    bases = sum(e - s for _, s, e in intervals)
    log.info("%s chunk %d/%d: %d intervals, %d bases, %d samples", caller, chunk + 1, n_chunks, len(intervals), bases,
             len(order))  # fmt: skip
    call_chunk(
        [smk.params.samples[i] for i in order],
        [smk.input.alignments[i] for i in order],
        [smk.input.indexes[i] for i in order],
        smk.input.fasta,
        intervals,
        smk.output.bcf,
        smk.params.min_mapq,
        smk.params.min_baseq,
    )
    log.info("%s chunk %d/%d done", caller, chunk + 1, n_chunks)
