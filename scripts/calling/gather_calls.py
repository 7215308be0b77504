"""Gather the chunk calls in order and normalise them: one joint cohort VCF per caller.

Normalisation (bcftools norm against the reference): atomise MNPs and complex alleles into SNVs
and indels, split multi-allelic records, left-align indels; so every later lookup by position and
allele finds a variant however the caller wrote it. norm re-sorts records that left-alignment moved
(within --site-win), so no separate sort step is needed.

Soft filters (scripts/calling/apply_filters.py, config `filters`) then flag records (FILTER LowQual) and genotypes
(FORMAT/FT LowDP, LowGQ) in the same stream: nothing is dropped and no genotype changes.

Samples that arrived already called (sheet rows with `vcf`, imported by scripts/calling/import_vcf.py, already
normalised the same way) join the called samples by `merge_into_cohort`, which scripts/calling/merge_gvcfs.py (the
incremental mode) uses too:
- `bcftools merge` WITHOUT -0: a sample without a record at a position gets the no-call ./., never 0/0;
  with gVCF inputs `merge --gvcf` fills a sample's genotype inside its reference blocks with 0/0 and the
  block's (minimum) depth, so a block counts as covered;
- records without an ALT allele (gVCF blocks, ALT '.' reference records no input varies at) are dropped,
  then the same normalisation. Every other record stays, whoever carries its ALT: a record an imported VCF
  has is data, hom-ref included (a site where the VCF rows' samples are all 0/0 has AC 0, a result; a
  polygenic score or a panel reads those 0/0 as "reference here", not as missing);
- the samples are put in sample-sheet order;
- more than MERGE_GROUP files are merged in groups first (the open-file limit).
Without imported samples, joint calls take exactly the path they always took.
"""

import gzip
import os
import re
from pathlib import Path

from calling.apply_filters import filter_commands
from common.atomic import atomic_path, work_folder
from common.rule_logging import get_logger, setup_logging
from common.tool_run import pipeline, run

# ALT IDs of a gVCF's "any other allele": bcftools call -g writes <*>, GATK <NON_REF>.
GVCF_ALT_IDS = ("*", "NON_REF")
# Files merged at once at most (bcftools merge keeps each open; a common open-file limit is 1,024).
MERGE_GROUP = 500


def normalise_command(fasta, out_vcf=None, output_type="z"):
    """bcftools norm to `out_vcf` (bgzipped VCF, or `output_type`), or (None) as uncompressed BCF to stdout."""
    atomise_and_split = ["-a", "--atom-overlaps", ".", "-m", "-any"]
    output = [f"-O{output_type}", "-o", out_vcf] if out_vcf else ["-Ou"]
    return ["bcftools", "norm", "--no-version", "-f", fasta, *atomise_and_split, *output]


def is_gvcf_header(text):
    """True for a gVCF's header: INFO/END declared and a symbolic any-other allele (<*> or <NON_REF>).

    END alone is not enough: plain VCFs declare it for structural variants (the 1000 Genomes panel does).
    """
    has_end = re.search(r"^##INFO=<ID=END,", text, flags=re.MULTILINE)
    alts = "|".join(re.escape(a) for a in GVCF_ALT_IDS)
    return bool(has_end and re.search(rf"^##ALT=<ID=({alts}),", text, flags=re.MULTILINE))


def vcf_header(path):
    """The header text of a VCF/BCF: VCF text (plain, bgzip or gzip) read up to its #CHROM line here (thousands
    of gVCFs cost no process each); BCF through bcftools view -h."""
    if str(path).endswith(".bcf"):
        return run(["bcftools", "view", "-h", path])
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    lines = []
    with gzip.open(path, "rt") if compressed else open(path) as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            lines.append(line)
            if line.startswith("#CHROM"):
                break
    return "".join(lines)


def header_samples(text):
    """Sample names of a VCF header's #CHROM line."""
    for line in text.splitlines():
        if line.startswith("#CHROM"):
            return line.split("\t")[9:]
    return []


def merge_command(inputs, fasta, gvcf, output=("-Ou",)):
    """bcftools merge of `inputs` without -0 (a position a file lacks is a no-call); --gvcf with `gvcf`."""
    return ["bcftools", "merge", "--no-version", *(["-g", fasta] if gvcf else []), *output, *inputs]


def merge_in_groups(inputs, fasta, gvcf, work, group_size=MERGE_GROUP):
    """Inputs for the final merge: each group of `group_size` files merged first into an indexed BCF under `work`
    (bcftools keeps every input open: ~1,000 files meet the usual open-file limit). Merged gVCF groups keep
    their blocks, so the final merge fills reference genotypes as a single merge would."""
    if len(inputs) <= group_size:
        return list(inputs)
    groups = []
    for start in range(0, len(inputs), group_size):
        part = inputs[start : start + group_size]
        if len(part) == 1:
            groups.append(part[0])
            continue
        out = str(Path(work) / f"group{len(groups)}.bcf")
        run(merge_command(part, fasta, gvcf, ("-Ob", "-o", out)))
        run(["bcftools", "index", out])
        groups.append(out)
    return merge_in_groups(groups, fasta, gvcf, work, group_size)


def merge_stages(inputs, fasta, gvcf):
    """Pipe stages merging `inputs` (indexed VCF/BCF, disjoint samples) into normalised variant records.

    No -0: a position a file lacks is a no-call. With `gvcf`, reference blocks fill their samples with 0/0.
    """
    if len(inputs) == 1:  # bcftools merge needs two files
        source = ["bcftools", "view", "--no-version", "-Ou", inputs[0]]
    else:
        source = merge_command(inputs, fasta, gvcf)
    stages = [source, ["bcftools", "view", "--no-version", "--min-alleles", "2", "-Ou"]]
    if gvcf:
        stages.append(["bcftools", "annotate", "--no-version", "-x", "INFO/END,INFO/MinDP", "-Ou"])
    stages.append(normalise_command(fasta))
    return stages


def cohort_order(names, samples):
    """The merged file's sample `names` put in sample-sheet order (`samples`); None when already so."""
    rank = {s: i for i, s in enumerate(samples or [])}
    ordered = sorted(names, key=lambda s: rank.get(s, len(rank)))
    return None if ordered == list(names) else ordered


def write_cohort(stages, out_vcf, out_tbi, filters=None, order=None, work=None):
    """Run `stages` (the last writing uncompressed BCF to stdout), filter, order samples, write VCF + index.

    `order` (sample names) is written to a file in `work`: thousands of names exceed one argument's size limit.
    """
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        select = []
        if order:
            order_file = Path(work) / "order.txt"
            order_file.write_text("".join(f"{name}\n" for name in order))
            select = ["-S", str(order_file)]
        write = ["bcftools", "view", "--no-version", *select, "-Oz", "-o", tmp_vcf, "-"]
        pipeline(*stages, *(filter_commands(filters) if filters is not None else []), write)
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)


def merge_into_cohort(inputs, fasta, out_vcf, out_tbi, filters=None, samples=None, gvcf=None,
                      group_size=MERGE_GROUP):  # fmt: skip
    """Merge called and imported (g)VCFs into the cohort VCF (module docstring); `samples` gives the order.

    `gvcf` None: merge as gVCFs when any input is one (read from the headers).
    """
    log = get_logger()
    headers = [vcf_header(p) for p in inputs]
    if gvcf is None:
        gvcf = any(is_gvcf_header(h) for h in headers)
    names = [name for text in headers for name in header_samples(text)]
    log.info("merging %d files, %d samples%s", len(inputs), len(names), " (as gVCFs)" if gvcf else "")
    with work_folder(out_vcf, "merge") as work:
        merged = merge_in_groups(list(inputs), fasta, gvcf, work, group_size)
        write_cohort(merge_stages(merged, fasta, gvcf), out_vcf, out_tbi, filters, cohort_order(names, samples), work)


def gather(chunks, fasta, out_vcf, out_tbi, filters=None, imported=(), samples=None):
    """Concatenate `chunks` (in chunk order), normalise, write bgzipped VCF + tabix index, both atomically.

    `filters` ({min_qual, min_dp, min_gq}, the config block) adds the soft filters; None leaves records as called.
    `imported` (BCFs of samples that arrived already called) are merged in; `samples` (sheet order) orders them.
    """
    concat = ["bcftools", "concat", "--no-version", "-Ou", *chunks]
    if imported:
        with work_folder(out_vcf, "gather") as work:
            called = []
            if chunks:
                called = [str(Path(work) / "called.bcf")]
                pipeline(concat, normalise_command(fasta, called[0], "b"))
                run(["bcftools", "index", called[0]])
            merge_into_cohort([*called, *imported], fasta, out_vcf, out_tbi, filters, samples)
        return
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        if filters is None:
            pipeline(concat, normalise_command(fasta, tmp_vcf))
        else:
            write = ["bcftools", "view", "--no-version", "-Oz", "-o", tmp_vcf, "-"]
            pipeline(concat, normalise_command(fasta), *filter_commands(filters), write)
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)


def main(smk):
    log = setup_logging(smk.log[0])
    imported = list(smk.input.imported)
    log.info("gathering %d chunks, merging %d imported VCF files", len(smk.input.chunks), len(imported))
    log.info("soft filters: %s", ", ".join(f"{k}={v}" for k, v in smk.params.filters.items()))
    gather(
        list(smk.input.chunks),
        smk.input.fasta,
        smk.output.vcf,
        smk.output.tbi,
        dict(smk.params.filters),
        imported,
        list(smk.params.samples),
    )
    log.info("cohort calls written")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
