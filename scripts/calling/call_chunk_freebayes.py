"""Joint calling of one genomic chunk with freebayes, over the QC-passing samples.

freebayes takes no read-group map (bcftools' `-G`): it names each VCF column by the SM of the read
groups in the alignment headers, merges files that share an SM, keys read groups by ID across all
files, and orders the columns in an order of its own. So the columns are made to be the sample_ids
like this (`label_plan`):

- A file "keeps its labels" when its header has read groups, all with one SM, none of its read-group
  IDs occurs in another file, and its SM is neither another file's SM nor another sample's ID. Its
  column, named by that SM, is renamed to the sample_id afterwards (a header rewrite, no data copy).
- Any other file (no read groups, several SMs, an SM or read-group ID shared with another file) is
  relabelled: the reads of this chunk (`samtools view -M -L chunk.bed`) are copied to a job-private
  BAM with one read group `ID:genorisk.<sample_id> SM:<sample_id>` (header and every read). This
  costs a copy of the chunk's reads, so only the files that need it are copied.

The raw freebayes VCF then gets its header rewritten (columns renamed; the fileDate, commandline
and reference lines dropped: they hold a date and absolute paths; a `##genorisk_caller=freebayes
<version>` line added), and `bcftools view -s` puts the columns in sheet order.

freebayes runs with its own defaults (QUAL is not filtered here; the FILTER work does that after
gathering). The config's calling.min_mapq / min_baseq are floors that both callers honour: freebayes
gets the larger of each and its own default (-m 1, -q 0), so the defaults leave freebayes unchanged
in effect (a base quality of 0 is not used either way on the test sets; see tests).
SNVs that freebayes writes inside MNP or complex alleles are atomised by gather_calls (bcftools norm -a).
"""

import tempfile
from pathlib import Path

from calling.call_chunk_bcftools import link_alignments
from calling.chunk_job import caller_header_line, run_chunk_job
from common.atomic import atomic_path
from common.genomic_chunks import read_fai, write_bed
from common.rule_logging import get_logger
from common.tool_run import pipeline, run

FREEBAYES_DEFAULTS = {"min_mapq": 1, "min_baseq": 0}  # freebayes 1.3.6: -m 1, -q 0
DROPPED_HEADER_KEYS = ("fileDate", "commandline", "reference")  # a date, absolute paths
RELABEL_PREFIX = "genorisk."


def parse_read_groups(header_text):
    """[(ID, SM or None)] of the @RG lines of a SAM header text, in header order."""
    groups = []
    for line in header_text.splitlines():
        if line.startswith("@RG\t"):
            tags = dict(field.split(":", 1) for field in line.split("\t")[1:] if ":" in field)
            groups.append((tags.get("ID"), tags.get("SM")))
    return groups


def alignment_header(alignment):
    """The SAM header text of a BAM/CRAM (no reference needed for the header)."""
    return run(["samtools", "view", "-H", "--no-PG", alignment])


def label_plan(samples, read_groups):
    """{sample: SM it keeps, or None when its file must be relabelled}; see the module docstring for the rule.

    `read_groups` is one [(ID, SM)] list per sample, in the order of `samples`.
    """
    id_owners, sm_owners = {}, {}
    for sample, groups in zip(samples, read_groups):
        for rg_id, sm in groups:
            id_owners.setdefault(rg_id, set()).add(sample)
            sm_owners.setdefault(sm, set()).add(sample)
    plan = {}
    for sample, groups in zip(samples, read_groups):
        sms = {sm for _, sm in groups}
        sm = next(iter(sms)) if len(sms) == 1 else None
        keeps = (
            bool(groups)
            and sm is not None
            and all(id_owners[rg_id] == {sample} for rg_id, _ in groups)
            and sm_owners[sm] == {sample}
            and not (sm in samples and sm != sample)
            and not sm.startswith(RELABEL_PREFIX)
        )
        plan[sample] = sm if keeps else None
    return plan


def relabelled_header(header_text, sample):
    """The header with its @RG lines replaced by the single read group of `sample`."""
    kept = [line for line in header_text.splitlines() if line and not line.startswith("@RG\t")]
    return "\n".join([*kept, relabel_read_group(sample)]) + "\n"


def relabel_read_group(sample):
    return f"@RG\tID:{RELABEL_PREFIX}{sample}\tSM:{sample}"


def relabel_chunk(alignment, sample, fasta, bed, out_bam):
    """Copy the reads of `alignment` overlapping `bed` to `out_bam` (indexed), all in one read group named `sample`."""
    header, tagged = Path(f"{out_bam}.header.sam"), f"{out_bam}.tagged.bam"
    header.write_text(relabelled_header(alignment_header(alignment), sample))
    pipeline(
        ["samtools", "view", "--no-PG", "-u", "-M", "-L", bed, "-T", fasta, alignment],
        ["samtools", "addreplacerg", "--no-PG", "-m", "overwrite_all", "-r", relabel_read_group(sample),
         "-O", "bam,level=1", "-o", tagged, "-"],
    )  # fmt: skip
    # addreplacerg keeps the file's old @RG lines, whose IDs may clash with another file's: replace the header.
    with open(out_bam, "wb") as fh:
        run(["samtools", "reheader", "--no-PG", header, tagged], stdout=fh)
    run(["samtools", "index", out_bam])


def effective_thresholds(min_mapq, min_baseq):
    """freebayes -m and -q: the config's floor or freebayes' own default, whichever is stricter."""
    return max(int(min_mapq), FREEBAYES_DEFAULTS["min_mapq"]), max(int(min_baseq), FREEBAYES_DEFAULTS["min_baseq"])


def freebayes_command(fasta, bam_list, bed, out_vcf, min_mapq, min_baseq):
    mapq, baseq = effective_thresholds(min_mapq, min_baseq)
    return [
        "freebayes", "-f", fasta, "-L", bam_list, "-t", bed,
        "--min-mapping-quality", str(mapq), "--min-base-quality", str(baseq), "-v", out_vcf,
    ]  # fmt: skip


def rewritten_header(raw_vcf, column_names, extra_lines):
    """The raw VCF's header with its columns renamed ({old: new}), dated/path lines dropped, `extra_lines` added."""
    lines = []
    with open(raw_vcf) as fh:
        for line in fh:
            if line.startswith("#CHROM"):
                fields = line.rstrip("\n").split("\t")
                fixed, names = fields[:9], fields[9:]
                lines += extra_lines
                lines.append("\t".join([*fixed, *(column_names[name] for name in names)]))
                break
            if not any(line.startswith(f"##{key}=") for key in DROPPED_HEADER_KEYS):
                lines.append(line.rstrip("\n"))
    return "\n".join(lines) + "\n"


def freebayes_inputs(samples, links, plan, fasta, bed, work):
    """The files freebayes reads, one per sample: the alignment itself, or its relabelled chunk (see label_plan)."""
    relabel = [s for s in samples if plan[s] is None]
    get_logger().info(
        "%d files keep their read-group labels; %d relabelled (no, several or shared SM / read-group ID): %s",
        len(samples) - len(relabel), len(relabel), ", ".join(relabel) or "none",
    )  # fmt: skip
    inputs = []
    for sample, link in zip(samples, links):
        if sample in relabel:
            copy = Path(work) / f"relabelled.{sample}.bam"
            relabel_chunk(link, sample, fasta, bed, copy)
            inputs.append(copy)
        else:
            inputs.append(link)
    return inputs


def call_chunk(samples, alignments, indexes, fasta, intervals, out_bcf, min_mapq=0, min_baseq=1):
    """Call `samples` jointly with freebayes over `intervals` [(contig, start0, end0)] into `out_bcf` (atomically).

    The BCF's columns are `samples`, in that order, whatever the alignments' read groups say.
    """
    with tempfile.TemporaryDirectory(prefix="genorisk_fb_") as work, atomic_path(out_bcf, suffix=".bcf") as tmp:
        work = Path(work)
        bed = work / "chunk.bed"
        # An empty chunk (target shorter than the chunk count) still yields a valid header-only file.
        write_bed(intervals or [(read_fai(f"{fasta}.fai")[0][0], 0, 1)], bed)
        links = link_alignments(samples, alignments, indexes, work)
        plan = label_plan(samples, [parse_read_groups(alignment_header(link)) for link in links])
        inputs = freebayes_inputs(samples, links, plan, fasta, bed, work)
        bam_list, raw, header = work / "alignments.txt", work / "raw.vcf", work / "header.vcf"
        bam_list.write_text("".join(f"{path}\n" for path in inputs))
        run(freebayes_command(fasta, bam_list, bed, raw, min_mapq, min_baseq))
        column_names = {(plan[s] or s): s for s in samples}
        header.write_text(rewritten_header(raw, column_names, [caller_header_line("freebayes")]))
        view = ["bcftools", "view", "--no-version", "--no-update", "-s", ",".join(samples), "-Ob", "-o", tmp]
        pipeline(["bcftools", "reheader", "-h", header, raw], view + ([] if intervals else ["-h"]))


def main(smk):
    run_chunk_job(smk, call_chunk, "freebayes")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
