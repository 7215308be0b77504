"""Import the sheet rows of one VCF file that arrive already called (rule import_vcf, one job per distinct file).

VCFs are taken as other tools write them: without ##contig lines (PharmCAT's test VCFs, array and vendor exports),
contigs named with or without 'chr' whatever the reference does, records in any order, plain text, bgzip or plain
gzip without an index, phased or unphased, half-calls, haploid genotypes (1000 Genomes writes males' chrX as `0`/`1`),
ALT '.' at reference sites.

One pass over the file however many rows use it (2,504 columns of the 1000 Genomes panel: about a second).
One bcftools stream:
1. VCF text only: `reheader -h` declares every reference contig as the file names it (its ##contig lines, else
   the CHROM of its first records, decide 'chr20' or '20'), so a file without ##contig lines can be filtered
   by region and written as BCF (plain gzip, which reheader cannot read, is decompressed first).
2. `view -S columns -T target`: only the rows' columns, in sheet order; only records in the calling target
   (the regions BED, else every reference contig); a gVCF block overlapping the target is kept.
3. `annotate -x QUAL,INFO,FORMAT/FT` (a gVCF keeps INFO/END), `--rename-chrs` to the reference's names: the
   provider's QUAL is on its caller's scale (the 1000 Genomes panel writes 0, which our LowQual filter would
   flag everywhere) and its INFO (AC, AF of its own cohort) does not describe ours; FT is set again by our
   filters. FILTER and the other FORMAT fields stay.
4. `reheader -h`: a clean header: the reference's contigs with their lengths, the FORMAT/FILTER/ALT lines, the
   columns renamed to sample_ids. The provider's command lines and paths are not carried into our results.
5. `sort` (records in any order), then `+fixploidy -f 2`: a haploid genotype becomes the homozygous diploid one
   (`1` -> `1/1`, `.` -> `./.`), as a diploid caller writes a male's chrX and as the called samples of the
   cohort are coded; half-calls (`1/.`) stay as they are.
6. gVCF only: `view --trim-alt-alleles` drops the symbolic <*>/<NON_REF> allele no genotype uses, so GATK
   blocks look like bcftools' (ALT '.') and variant records keep their called alleles.
7. `norm -f reference -c wx`, then the cohort's normalisation (atomise, split, left-align; gather_calls):
   a record whose REF differs from the reference is left out and listed (norm's REF_MISMATCH lines).
When more than half of the records in the target disagree, the job stops: the VCF is of another build.
A ##contig length that differs from the reference's is a warning only: the REF check decides.

Outputs: the samples as BCF (+ CSI index), a summary table (one row per sample), the left-out records.
Every record of the file in the target is kept with its genotypes, hom-ref and ALT '.' records included (they
say "reference here"; the cohort merge decides what it keeps). Nothing here makes a genotype: a position the
file lacks stays absent (a no-call once merged, never 0/0).

Size: over 400 lines because one bcftools stream and the header work it needs (contig naming, undeclared tags);
split, each part would be used only by the other.
"""

import gzip
import os
import re
import subprocess
from pathlib import Path

from calling.gather_calls import header_samples, is_gvcf_header, normalise_command, vcf_header
from common.atomic import atomic_path, work_folder, write_text
from common.contig_names import reference_names_for
from common.genomic_chunks import read_fai, target_intervals, write_bed
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from common.tool_run import ToolError, run

SUMMARY_COLUMNS = (
    "sample_id",
    "vcf_sample",
    "kind",
    "records_in_target",
    "records_ref_mismatch",
    "records_imported",
    "genotypes_called",
    "genotypes_missing",
    "warnings",
)
MISMATCH_COLUMNS = ("chrom", "pos", "vcf_ref", "reference_ref")
# Header lines kept from the provider's VCF (the contigs come from the reference, INFO only END for a gVCF).
KEPT_HEADER = ("##fileformat=", "##FILTER=", "##FORMAT=", "##ALT=")
# Records of a VCF text file read for what they use (contig naming when no ##contig line says, tags its header
# does not declare).
SCAN_RECORDS = 10_000
# More than this fraction of the records in the target with another REF: the VCF is of another build.
MAX_MISMATCH_FRACTION = 0.5
WARNING_SEPARATOR = "; "


# ---------------------------------------------------------------- header


def header_contigs(text):
    """{contig: length or None} of a VCF header's ##contig lines, in header order."""
    contigs = {}
    for match in re.finditer(r"^##contig=<(.*)>$", text, flags=re.MULTILINE):
        fields = dict(re.findall(r"(\w+)=([^,>]*)", match.group(1)))
        if "ID" in fields:
            contigs[fields["ID"]] = int(fields["length"]) if fields.get("length", "").isdigit() else None
    return contigs


def contig_length_warnings(vcf_contigs, reference_lengths):
    """Messages for ##contig lengths that differ from the reference's (a warning: the REF check decides)."""
    return [
        f"##contig {name} has length {length} in the VCF header but {reference_lengths[name]} in the reference"
        for name, length in vcf_contigs.items()
        if length is not None and name in reference_lengths and reference_lengths[name] != length
    ]


def is_plain_gzip(path):
    """True for gzip that is not BGZF (no extra field): bcftools reads it, reheader and htslib seeking cannot."""
    with open(path, "rb") as fh:
        start = fh.read(4)
    return start[:2] == b"\x1f\x8b" and not start[3] & 0x04


def scan_records(path, limit=SCAN_RECORDS):
    """What the first `limit` records of a VCF text file (plain or gzip) use: {"contigs": [CHROM in file order],
    "info": {key: has a value}, "filter": {names}, "format": {keys}}."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    seen = {"contigs": {}, "info": {}, "filter": set(), "format": set()}
    with gzip.open(path, "rt") if compressed else open(path) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t", 9)
            seen["contigs"].setdefault(fields[0], None)
            if len(fields) > 7 and fields[7] != ".":
                for item in fields[7].split(";"):
                    key, has_value = item.partition("=")[::2]
                    seen["info"][key] = seen["info"].get(key, False) or bool(has_value)
            if len(fields) > 6:
                seen["filter"].update(f for f in fields[6].split(";") if f not in (".", "PASS"))
            if len(fields) > 8:
                seen["format"].update(fields[8].split(":"))
            limit -= 1
            if limit <= 0:
                break
    seen["contigs"] = list(seen["contigs"])
    return seen


def undeclared_lines(text, seen):
    """Header lines declaring the INFO, FILTER and FORMAT tags the records use but the header does not declare
    (PharmCAT's test VCFs write INFO flags such as `star-2`): bcftools refuses to subset samples otherwise."""
    declared = {kind: set(re.findall(rf"^##{kind}=<ID=([^,>]+)", text, flags=re.MULTILINE))
                for kind in ("INFO", "FILTER", "FORMAT")}  # fmt: skip
    note = 'Description="used by the records, not declared by the file"'
    lines = [
        f"##INFO=<ID={key},Number=.,Type=String,{note}>"
        if has_value
        else f"##INFO=<ID={key},Number=0,Type=Flag,{note}>"
        for key, has_value in sorted(seen["info"].items())
        if key not in declared["INFO"]
    ]
    lines += [f"##FILTER=<ID={name},{note}>" for name in sorted(seen["filter"] - declared["FILTER"])]
    lines += [f"##FORMAT=<ID={key},Number=.,Type=String,{note}>" for key in sorted(seen["format"] - declared["FORMAT"])]
    return lines


def contig_naming(vcf_name, observed, fai_contigs):
    """{reference contig: name in the VCF} from the names the VCF was seen to use; InputError when none is a
    reference contig under either convention (the file is of another genome, or its contigs are unusual)."""
    names = reference_names_for(observed, [name for name, _ in fai_contigs])
    if observed and not set(observed) & set(names.values()):
        shown = ", ".join(repr(c) for c in observed[:3]) + (", ..." if len(observed) > 3 else "")
        raise InputError(
            f"{vcf_name}: none of its contigs ({shown}) is a contig of the reference, with or without 'chr': "
            "it was made on another reference"
        )
    return names


def input_header(text, fai_contigs, naming, seen):
    """The provider's header with its ##contig lines replaced by the reference's contigs as the file names them, and
    the tags its records use undeclared declared."""
    lines = [line for line in text.splitlines() if not line.startswith(("##contig=", "#CHROM"))]
    lines += undeclared_lines(text, seen)
    lines += [f"##contig=<ID={naming[name]},length={length}>" for name, length in fai_contigs]
    lines += [line for line in text.splitlines() if line.startswith("#CHROM")]
    return "\n".join(lines) + "\n"


def columns_to_import(rows, vcf_samples, vcf_name):
    """[(vcf column, sample_id)] for the sheet `rows` [(sample_id, vcf_sample or None)]; InputError naming the row.

    A row without vcf_sample takes the file's only column.
    """
    columns = []
    for sample_id, column in rows:
        if column is None:
            if len(vcf_samples) != 1:
                raise InputError(
                    f"sample {sample_id!r}: {vcf_name} has {len(vcf_samples)} sample columns: name this row's "
                    "column in vcf_sample"
                )
            column = vcf_samples[0]
        elif column not in vcf_samples:
            raise InputError(f"sample {sample_id!r}: {vcf_name} has no sample column {column!r} (vcf_sample)")
        columns.append((column, sample_id))
    return columns


def clean_header(text, fai_contigs, sample_ids, gvcf):
    """The imported file's header: kept provider lines, the reference's contigs, columns named by sample_id."""
    lines = [line for line in text.splitlines() if line.startswith(KEPT_HEADER)]
    if gvcf:
        lines += [line for line in text.splitlines() if line.startswith("##INFO=<ID=END,")]
    if not lines or not lines[0].startswith("##fileformat="):
        lines.insert(0, "##fileformat=VCFv4.2")
    lines += [f"##contig=<ID={name},length={length}>" for name, length in fai_contigs]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *sample_ids]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the stream


def import_commands(vcf, fasta, files, gvcf, out_bcf, text_input=True):
    """The bcftools stages of the import (module docstring), the last writing `out_bcf`.

    `files`: the job's work files {columns, targets, input_header, rename, header, sort_dir}; `rename` may be None.
    """
    overlap = ["--targets-overlap", "1"] if gvcf else []
    remove = "QUAL,^INFO/END,FORMAT/FT" if gvcf else "QUAL,INFO,FORMAT/FT"
    rename = ["--rename-chrs", files["rename"]] if files["rename"] else []
    stages, source = [], vcf
    if text_input:
        if is_plain_gzip(vcf):
            stages.append(["gzip", "-dc", vcf])
            source = "-"
        stages.append(["bcftools", "reheader", "-h", files["input_header"], source])
        source = "-"
    stages += [
        ["bcftools", "view", "--no-version", "-S", files["columns"], "-T", files["targets"], *overlap, "-I", "-Ou",
         source],
        ["bcftools", "annotate", "--no-version", "-x", remove, *rename, "-Ov"],
        ["bcftools", "reheader", "-h", files["header"], "-"],
        ["bcftools", "sort", "-T", files["sort_dir"], "-Ou", "-"],
        ["bcftools", "+fixploidy", "--no-version", "-Ou", "-", "--", "-f", "2"],
    ]  # fmt: skip
    if gvcf:
        stages.append(["bcftools", "view", "--no-version", "--trim-alt-alleles", "-Ou"])
    stages.append(["bcftools", "norm", "--no-version", "-f", fasta, "-c", "wx", "-Ou"])
    stages.append(normalise_command(fasta, out_bcf, "b"))
    return stages


def run_stream(stages, work):
    """Run `stages` as one pipe, each stage's stderr to its own file (a long REF_MISMATCH list cannot block
    the pipe); return the stderr texts; ToolError naming the first failed stage."""
    log = get_logger()
    log.info("running: %s", " | ".join(" ".join(str(c) for c in s) for s in stages))
    procs, errs, upstream = [], [], None
    for i, cmd in enumerate(stages):
        err_path = Path(work) / f"stage{i}.err"
        with open(err_path, "w") as err:
            last = i == len(stages) - 1
            proc = subprocess.Popen(
                [str(c) for c in cmd], stdin=upstream, stdout=None if last else subprocess.PIPE, stderr=err
            )
        if upstream is not None:
            upstream.close()
        upstream = proc.stdout
        procs.append(proc)
        errs.append(err_path)
    codes = [proc.wait() for proc in procs]
    texts = [path.read_text(errors="replace") for path in errs]
    for cmd, code, text in zip(stages, codes, texts):
        if code != 0:
            tail = "\n".join(line for line in text.splitlines() if not line.startswith("REF_MISMATCH"))[-500:]
            raise ToolError(f"{cmd[0]} {cmd[1]} failed (exit {code}): {tail.strip()}")
    return texts


def parse_mismatches(norm_stderr):
    """[(chrom, pos, vcf_ref, reference_ref)] from bcftools norm -c w's REF_MISMATCH lines."""
    found = []
    for line in norm_stderr.splitlines():
        if line.startswith("REF_MISMATCH\t"):
            fields = line.split("\t")
            found.append((fields[1], int(fields[2]), fields[3], fields[4] if len(fields) > 4 else ""))
    return found


def parse_norm_total(norm_stderr):
    """Records bcftools norm read (its 'Lines total/split/realigned/skipped' summary), 0 when absent."""
    match = re.search(r"total/split/realigned/skipped:\s*(\d+)/", norm_stderr)
    return int(match.group(1)) if match else 0


def sample_missing_counts(bcf):
    """{sample: genotypes missing} over the records of `bcf` (bcftools stats -s -, PSC nMissing)."""
    counts = {}
    for line in run(["bcftools", "stats", "-s", "-", bcf]).splitlines():
        if line.startswith("PSC\t"):
            fields = line.split("\t")
            counts[fields[2]] = int(fields[13])
    return counts


def record_count(bcf):
    """Records of an indexed BCF (bcftools index -n)."""
    return int(run(["bcftools", "index", "-n", bcf]).strip() or 0)


def check_build(vcf_name, reference_name, checked, mismatches):
    """InputError when more than half of the records in the target have another REF than the reference."""
    if checked and len(mismatches) > MAX_MISMATCH_FRACTION * checked:
        shown = ", ".join(f"{c}:{p} {v}/{r}" for c, p, v, r in mismatches[:3])
        raise InputError(
            f"{vcf_name}: the REF allele differs from the reference {reference_name} at {len(mismatches):,} of "
            f"{checked:,} records in the calling target (e.g. {shown}, VCF/reference): the VCF was made on "
            "another genome build (or reference) than `reference`; give the VCF of the reference's build or the "
            "reference it was called on"
        )


# ---------------------------------------------------------------- the import


def import_vcf(vcf, rows, fasta, fai, regions, out_bcf, out_csi, summary_tsv, mismatch_tsv, reference_name=None):
    """Import the `rows` [(sample_id, vcf_sample or None)] of `vcf` (module docstring); return the summary rows."""
    log = get_logger()
    vcf_name = Path(vcf).name
    reference_name = reference_name or Path(fasta).name
    text = vcf_header(vcf)
    gvcf = is_gvcf_header(text)
    columns = columns_to_import(rows, header_samples(text), vcf_name)
    fai_contigs = read_fai(fai)
    declared = header_contigs(text)
    text_input = not str(vcf).endswith(".bcf")
    seen = scan_records(vcf) if text_input else {"contigs": []}
    observed = list(declared) or seen["contigs"]
    naming = contig_naming(vcf_name, observed, fai_contigs)
    renames = {written: name for name, written in naming.items() if written != name}
    if renames:
        log.info("%s: contigs renamed to the reference's names (e.g. %s -> %s)", vcf_name, *next(iter(renames.items())))
    warnings = contig_length_warnings({renames.get(c, c): n for c, n in declared.items()}, dict(fai_contigs))
    for warning in warnings:
        log.warning("%s: %s", vcf_name, warning)
    log.info("%s: %s with %d columns to import", vcf_name, "gVCF" if gvcf else "VCF", len(columns))
    with (
        work_folder(out_bcf, "import") as work,
        atomic_path(out_bcf, suffix=".bcf") as tmp_bcf,
        atomic_path(out_csi, suffix=".csi") as tmp_csi,
    ):
        names = ("columns.txt", "target.bed", "input_header.vcf", "rename.txt", "header.vcf", "sort")
        files = dict(zip(("columns", "targets", "input_header", "rename", "header", "sort_dir"),
                         (Path(work) / n for n in names)))  # fmt: skip
        files["columns"].write_text("".join(f"{column}\n" for column, _ in columns))
        write_bed([(naming[c], s, e) for c, s, e in target_intervals(fai, regions)], files["targets"])
        declared_text = input_header(text, fai_contigs, naming, seen) if text_input else text
        files["input_header"].write_text(declared_text)
        files["header"].write_text(clean_header(declared_text, fai_contigs, [s for _, s in columns], gvcf))
        files["sort_dir"].mkdir()
        if renames:
            files["rename"].write_text("".join(f"{old}\t{new}\n" for old, new in renames.items()))
        else:
            files["rename"] = None
        stderr = run_stream(import_commands(vcf, fasta, files, gvcf, tmp_bcf, text_input), work)
        norm_err = stderr[-2]
        mismatches, checked = parse_mismatches(norm_err), parse_norm_total(norm_err)
        log.info("%s: %d records in the target, %d with another REF left out", vcf_name, checked, len(mismatches))
        check_build(vcf_name, reference_name, checked, mismatches)
        run(["bcftools", "index", "-f", tmp_bcf])
        imported = record_count(tmp_bcf)
        missing = sample_missing_counts(tmp_bcf) if imported else {}
        os.replace(f"{tmp_bcf}.csi", tmp_csi)
    if not checked:
        warnings.append("no record of the VCF is in the calling target")
    summary = [
        {
            "sample_id": sample_id,
            "vcf_sample": column,
            "kind": "gvcf" if gvcf else "vcf",
            "records_in_target": checked,
            "records_ref_mismatch": len(mismatches),
            "records_imported": imported,
            "genotypes_called": imported - missing.get(sample_id, 0),
            "genotypes_missing": missing.get(sample_id, 0),
            "warnings": WARNING_SEPARATOR.join(warnings),
        }
        for column, sample_id in columns
    ]
    write_table(summary_tsv, SUMMARY_COLUMNS, [[row[c] for c in SUMMARY_COLUMNS] for row in summary])
    write_table(mismatch_tsv, MISMATCH_COLUMNS, mismatches)
    return summary


def write_table(path, columns, rows):
    """A TSV with a header line, atomically."""
    lines = ["\t".join(columns), *("\t".join(str(v) for v in row) for row in rows)]
    write_text(path, "\n".join(lines) + "\n")


def read_summary(path):
    """Rows of an import summary table as dicts (numbers as int, warnings as a list)."""
    lines = Path(path).read_text().splitlines()
    if not lines or tuple(lines[0].split("\t")) != SUMMARY_COLUMNS:
        raise InputError(f"VCF import summary {Path(path).name}: the header is not {' '.join(SUMMARY_COLUMNS)}")
    rows = []
    for line in lines[1:]:
        row = dict(zip(SUMMARY_COLUMNS, line.split("\t"), strict=True))
        for key in SUMMARY_COLUMNS[3:8]:
            row[key] = int(row[key])
        row["warnings"] = row["warnings"].split(WARNING_SEPARATOR) if row["warnings"] else []
        rows.append(row)
    return rows


def main(smk):
    log = setup_logging(smk.log[0])
    rows = [(sample, column) for sample, column in smk.params.columns]
    log.info("importing %d samples from one VCF file", len(rows))
    regions = smk.input.regions[0] if smk.input.regions else None
    import_vcf(
        smk.input.vcf,
        rows,
        smk.input.fasta,
        smk.input.fai,
        regions,
        smk.output.bcf,
        smk.output.csi,
        smk.output.summary,
        smk.output.mismatches,
        reference_name=os.path.basename(smk.params.reference_name),
    )
    log.info("import done")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
