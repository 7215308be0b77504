"""Read and check the sample sheet: one row per sample, each naming exactly one input.

The row schema (workflow/schemas/samples.schema.yaml) checks each cell; this module checks
what a row schema cannot (the header, unique IDs, exactly one of `alignment` / `vcf` per row,
files that exist, a VCF column used by one row only) and names the file, the row, the sample
and the column in every message.

A row gives an `alignment` (QC'd and called by the workflow) or a `vcf` (already called; imported
by rule import_vcf, one job per distinct file however many rows use it: `vcf_files` groups them).
"""

import csv
import hashlib
import re
from pathlib import Path

import jsonschema

from common.input_error import InputError, path_problem
from inputs.config_loader import load_schema, workdir_relative

INPUT_COLUMNS = ("alignment", "vcf", "truth_vcf", "truth_bed", "pgx_outside_calls")
# The columns naming a sample's main input: each row gives exactly one.
SAMPLE_INPUTS = ("alignment", "vcf")
# What each path column must name, for the message when its pattern does not match.
PATH_KINDS = {
    "alignment": "a .bam or .cram",
    "vcf": "a .vcf, .vcf.gz, .vcf.bgz or .bcf",
    "truth_vcf": "a .vcf, .vcf.gz or .bcf",
    "truth_bed": "a .bed",
    "pgx_outside_calls": "a .tsv or .txt",
}


def _cell_error(sheet, row_no, sample, error, schema):
    column = error.absolute_path[0] if error.absolute_path else None
    where = f"{sheet}: row {row_no} (sample {sample!r})"
    if error.validator == "required":
        column = error.message.split("'")[1]
        return f"{where}: column {column!r} is empty or missing"
    if error.validator in ("pattern", "not", "maxLength") and column == "sample_id":
        return (
            f"{sheet}: row {row_no}: sample_id {error.instance!r} is not allowed: use only letters, digits,"
            " '_', '-' and '.', at most 64 characters, not only dots (no spaces, path separators or shell characters)"
        )
    if error.validator == "pattern" and column in INPUT_COLUMNS:
        return f"{where}: column {column!r}: {error.instance!r} is not {PATH_KINDS[column]} path"
    if error.validator == "dependencies":
        needed, dependent = error.message.split("'")[1], error.message.split("'")[3]
        return f"{where}: column {dependent!r} needs column {needed!r} in the same row"
    if error.validator == "enum":
        allowed = ", ".join(v for v in schema["properties"][column]["enum"] if v)
        return f"{where}: column {column!r}: {error.instance!r} is not one of {allowed}"
    return f"{where}: column {column!r}: {error.message}"


def read_sample_sheet(path, schema_path, may_be_made=frozenset()):
    """Return {sample_id: row} in sheet order, with input paths resolved relative to the sheet.

    `may_be_made` lists resolved paths that a rule of the workflow produces (the demo data),
    which need not exist yet. Raises InputError on the first problem found.
    """
    sheet = Path(path)
    if not sheet.is_file():
        raise InputError(path_problem("sample sheet", sheet, "does not exist"))
    schema = load_schema(schema_path)
    try:
        with open(sheet, newline="", encoding="utf-8-sig") as fh:  # -sig: a spreadsheet's byte-order mark
            lines = [line for line in fh if line.strip() and not line.startswith("#")]
    except UnicodeDecodeError as error:
        raise InputError(
            f"{sheet}: the sample sheet is not UTF-8 text (byte {error.start}); save it as UTF-8 TSV"
        ) from None
    if not lines:
        raise InputError(f"{sheet}: the sample sheet is empty (a header line and at least one sample row are needed)")
    try:
        return _read_rows(sheet, lines, schema, may_be_made)
    except csv.Error as error:
        raise InputError(f"{sheet}: the sample sheet cannot be read as TSV ({error})") from None


def _read_rows(sheet, lines, schema, may_be_made):
    """{sample_id: row} from the non-comment lines of the sheet (header first); InputError on the first problem."""
    known = set(schema["properties"])
    reader = csv.reader(lines, delimiter="\t")
    header = [h.strip() for h in next(reader)]
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InputError(
            f"{sheet}: unknown column {unknown[0]!r} in the header (allowed: {', '.join(schema['properties'])})"
        )
    if len(set(header)) != len(header):
        raise InputError(f"{sheet}: a column name appears twice in the header")
    for column in schema["required"]:
        if column not in header:
            raise InputError(f"{sheet}: required column {column!r} is missing from the header")
    if not any(column in header for column in SAMPLE_INPUTS):
        raise InputError(
            f"{sheet}: required column 'alignment' is missing from the header "
            "(or column 'vcf', for samples that arrive already called)"
        )
    validator = jsonschema.Draft7Validator(schema)
    samples, exists, vcf_columns = {}, {}, {}
    for row_no, cells in enumerate(reader, start=1):
        if len(cells) != len(header):
            raise InputError(f"{sheet}: row {row_no} has {len(cells)} fields, the header has {len(header)}")
        row = {h: c.strip() for h, c in zip(header, cells) if c.strip() != ""}
        sample = row.get("sample_id", "")
        errors = sorted(validator.iter_errors(row), key=lambda e: list(e.absolute_path))
        if errors:
            raise InputError(_cell_error(sheet, row_no, sample, errors[0], schema))
        if sample in samples:
            raise InputError(
                f"{sheet}: row {row_no}: sample_id {sample!r} is a duplicate of row {samples[sample]['row']}"
            )
        where = f"{sheet}: row {row_no} (sample {sample!r})"
        _check_one_input(row, where)
        for column in INPUT_COLUMNS:
            if column in row:
                resolved = workdir_relative(sheet.parent / row[column])
                if resolved not in exists:  # rows sharing a file (one multi-sample VCF) look it up once
                    exists[resolved] = resolved in may_be_made or Path(resolved).is_file()
                if not exists[resolved]:
                    missing = path_problem("file", resolved, "does not exist", written=row[column])
                    raise InputError(f"{where}: column {column!r}: {missing}")
                row[column] = resolved
        if "vcf" in row:
            column_key = (row["vcf"], row.get("vcf_sample"))
            if column_key in vcf_columns:
                first = samples[vcf_columns[column_key]]
                what = f"column {row['vcf_sample']!r} of" if "vcf_sample" in row else "the (single) sample of"
                raise InputError(
                    f"{where}: columns 'vcf'/'vcf_sample': {what} {Path(row['vcf']).name} is already row "
                    f"{first['row']}'s (sample {vcf_columns[column_key]!r}); a VCF column belongs to one row"
                )
            vcf_columns[column_key] = sample
        row["row"] = row_no
        samples[sample] = row
    if not samples:
        raise InputError(f"{sheet}: the sample sheet has a header but no sample rows")
    return samples


def _check_one_input(row, where):
    """InputError unless the row gives exactly one of alignment / vcf."""
    given = [column for column in SAMPLE_INPUTS if column in row]
    if len(given) == 2:
        raise InputError(
            f"{where}: columns 'alignment' and 'vcf' are both given: a row gives exactly one of them "
            "(an alignment to call, or a VCF already called)"
        )
    if not given:
        raise InputError(
            f"{where}: column 'alignment' is empty or missing (each row gives exactly one of 'alignment' or 'vcf')"
        )


def alignment_samples(samples):
    """Sample IDs of the rows giving an alignment, in sheet order (QC'd and called by the workflow)."""
    return [s for s, row in samples.items() if "alignment" in row]


def vcf_samples(samples):
    """Sample IDs of the rows giving a VCF, in sheet order (imported already called)."""
    return [s for s, row in samples.items() if "vcf" in row]


def vcf_file_key(path):
    """A short stable name for one VCF file in result paths: its name's stem and a hash of its path."""
    name = Path(path).name
    for ext in (".gz", ".bgz", ".vcf", ".bcf", ".g"):
        name = name.removesuffix(ext)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40].strip(".") or "vcf"
    return f"{stem}-{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"


# The shape of every vcf_file_key, the `vcf_key` wildcard constraint: fixed, where a list of the batch's keys would make
# planning grow with the square of the number of VCF files (common/id_constraints.py); the hash ending keeps
# `{vcf_key}.tsv` from matching `{vcf_key}.ref_mismatch.tsv`.
VCF_KEY_PATTERN = r"[A-Za-z0-9_.-]+-[0-9a-f]{8}"


def vcf_files(samples):
    """{key: {"path": VCF path, "rows": [(sample_id, vcf_sample or None), ...]}}, files in first-use order.

    Every row using a file is in its entry, in sheet order: the import reads each file once.
    """
    files = {}
    for sample in vcf_samples(samples):
        row = samples[sample]
        entry = files.setdefault(vcf_file_key(row["vcf"]), {"path": row["vcf"], "rows": []})
        entry["rows"].append((sample, row.get("vcf_sample")))
    return files
