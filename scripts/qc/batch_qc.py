"""The batch QC table: one row per sample (input order) from the per-sample QC JSONs.

Columns (tab-separated, one header line):
    sample_id  verdict  in_cohort  mean_depth  breadth  mapped_rate  duplicate_rate  total_reads  reasons
`in_cohort` is "yes" unless the verdict is "fail": failed samples are kept out of the cohort calls,
and the calling rule reads this column (through `cohort_samples`). A sheet row that arrives already called
(a VCF, scripts/qc/qc_vcf_rows.py) has the verdict "not_applicable", NA metrics and in_cohort "yes".
Numbers are written as in the JSON (6 significant digits), "NA" when undefined; `reasons` are joined
with "; " (empty when none).

`read_batch_qc(path)` and `cohort_samples(path)` are the readers other scripts import.
"""

import json
from pathlib import Path

from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

COLUMNS = (
    "sample_id",
    "verdict",
    "in_cohort",
    "mean_depth",
    "breadth",
    "mapped_rate",
    "duplicate_rate",
    "total_reads",
    "reasons",
)
METRIC_COLUMNS = ("mean_depth", "breadth", "mapped_rate", "duplicate_rate", "total_reads")
VERDICTS = ("pass", "warn", "fail", "not_applicable")
REASON_SEPARATOR = "; "
NA = "NA"


def load_qc_json(path):
    """One per-sample QC record; InputError naming the file when it lacks what the table needs."""
    name = Path(path).name
    try:
        record = json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise InputError(f"QC file {name} is not valid JSON: {error}") from None
    missing = [key for key in ("sample_id", "verdict", "reasons", "metrics") if key not in record]
    missing += [f"metrics.{key}" for key in METRIC_COLUMNS if key not in record.get("metrics", {})]
    if missing:
        raise InputError(f"QC file {name} lacks {', '.join(missing)}")
    if record["verdict"] not in VERDICTS:
        raise InputError(f"QC file {name}: verdict {record['verdict']!r} is not one of {', '.join(VERDICTS)}")
    return record


def _cell(value):
    if value is None:
        return NA
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def table_row(record):
    """The table cells of one QC record, in COLUMNS order (strings)."""
    metrics = record["metrics"]
    row = {
        "sample_id": record["sample_id"],
        "verdict": record["verdict"],
        "in_cohort": "no" if record["verdict"] == "fail" else "yes",
        **{key: _cell(metrics[key]) for key in METRIC_COLUMNS},
        "reasons": REASON_SEPARATOR.join(r.replace("\t", " ").replace("\n", " ") for r in record["reasons"]),
    }
    return [row[column] for column in COLUMNS]


def batch_qc(qc_jsons, tsv_out):
    """Write the batch table from per-sample QC JSON paths (in sample-sheet order); return the rows."""
    log = get_logger()
    rows, seen = [], set()
    for path in qc_jsons:
        record = load_qc_json(path)
        if record["sample_id"] in seen:
            raise InputError(f"QC file {Path(path).name}: sample {record['sample_id']!r} appears twice in the batch")
        seen.add(record["sample_id"])
        rows.append(table_row(record))
    lines = ["\t".join(COLUMNS), *("\t".join(row) for row in rows)]
    write_text(tsv_out, "\n".join(lines) + "\n")
    kept = sum(row[2] == "yes" for row in rows)
    log.info("%d samples, %d in the cohort, %d failed QC", len(rows), kept, len(rows) - kept)
    if not kept:
        log.warning("every sample failed QC: the cohort is empty")
    return rows


def _parse_number(text, cast):
    return None if text == NA else cast(text)


def read_batch_qc(path):
    """Rows of a batch QC table as dicts, in file order.

    Keys are COLUMNS. Types: sample_id, verdict (str); in_cohort (bool); mean_depth, breadth,
    mapped_rate, duplicate_rate (float or None for NA); total_reads (int or None); reasons (list of str).
    """
    name = Path(path).name
    lines = Path(path).read_text().splitlines()
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise InputError(f"batch QC table {name}: the header is not {' '.join(COLUMNS)}")
    rows = []
    for line_no, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise InputError(f"batch QC table {name} line {line_no}: {len(cells)} fields, expected {len(COLUMNS)}")
        row = dict(zip(COLUMNS, cells, strict=True))
        if row["in_cohort"] not in ("yes", "no"):
            raise InputError(
                f"batch QC table {name} line {line_no}: in_cohort is {row['in_cohort']!r}, expected yes or no"
            )
        row["in_cohort"] = row["in_cohort"] == "yes"
        for key in ("mean_depth", "breadth", "mapped_rate", "duplicate_rate"):
            row[key] = _parse_number(row[key], float)
        row["total_reads"] = _parse_number(row["total_reads"], int)
        row["reasons"] = row["reasons"].split(REASON_SEPARATOR) if row["reasons"] else []
        rows.append(row)
    return rows


def cohort_samples(path):
    """Sample IDs with in_cohort = yes, in table order (the samples joint calling uses)."""
    return [row["sample_id"] for row in read_batch_qc(path) if row["in_cohort"]]


def main(smk):
    setup_logging(smk.log[0])
    batch_qc(list(smk.input.qc), smk.output.tsv)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
