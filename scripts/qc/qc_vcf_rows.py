"""QC records of the sheet rows that arrive already called (VCF rows), and their warning table (rule qc_vcf_rows).

Alignment QC does not apply to a VCF row, so its results/qc/{sample}.qc.json has the verdict "not_applicable"
(batch QC keeps it in the cohort), no alignment metrics (null), and reasons saying what the import found, which
the sample's report shows: records left out because their REF differs from the reference, ##contig lengths
that differ, no record in the calling target, no genotype at all. No file names: reports are delivered.

results/qc/vcf_warnings.tsv lists the same per sample, one line per warning:
    sample_id  vcf_key  warning  count  detail
warning is one of ref_mismatch (count = records left out; they are listed in
results/qc/vcf_import/{vcf_key}.ref_mismatch.tsv), contig_length, no_records, no_genotypes.
"""

import json

from calling.import_vcf import SUMMARY_COLUMNS, read_summary
from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

VERDICT = "not_applicable"
WARNING_COLUMNS = ("sample_id", "vcf_key", "warning", "count", "detail")
METRICS = ("total_reads", "mapped_rate", "duplicate_rate", "mean_depth", "breadth")
ARRIVED = "arrived already called (a VCF): alignment QC does not apply"


def sample_warnings(row, vcf_key):
    """[(warning, count, detail)] for one sample's import summary row."""
    found = []
    if row["records_ref_mismatch"]:
        found.append(
            (
                "ref_mismatch",
                row["records_ref_mismatch"],
                f"{row['records_ref_mismatch']} of {row['records_in_target']} records left out: their REF differs "
                f"from the reference (listed in results/qc/vcf_import/{vcf_key}.ref_mismatch.tsv)",
            )
        )
    for text in row["warnings"]:
        kind = "no_records" if text.startswith("no record") else "contig_length"
        found.append((kind, 0 if kind == "no_records" else 1, text))
    if row["records_imported"] and not row["genotypes_called"]:
        found.append(("no_genotypes", row["records_imported"], "every imported genotype of this sample is missing"))
    return found


def qc_record(row, warnings):
    """The QC JSON of one VCF row (module docstring)."""
    reasons = [ARRIVED]
    for kind, _, detail in warnings:
        reasons.append(detail.split(" (listed in")[0] if kind == "ref_mismatch" else detail)
    return {
        "sample_id": row["sample_id"],
        "input": "vcf",
        "verdict": VERDICT,
        "reasons": reasons,
        "metrics": dict.fromkeys(METRICS),
        "target": {"kind": None, "bases": None},
        "thresholds": {},
        "vcf": {key: row[key] for key in SUMMARY_COLUMNS[2:8]},
    }


def vcf_rows_qc(summaries, samples, qc_jsons, warnings_tsv):
    """Write each VCF row's QC JSON (`qc_jsons` in `samples` order) and the warning table from the import summaries.

    `summaries`: {vcf_key: summary table path}. Returns {sample: [(warning, count, detail)]}.
    """
    log = get_logger()
    rows = {}
    for vcf_key, path in summaries.items():
        for row in read_summary(path):
            rows[row["sample_id"]] = (vcf_key, row)
    missing = [s for s in samples if s not in rows]
    if missing:
        raise InputError(f"sample {missing[0]!r} is in no VCF import summary")
    table, found = [], {}
    for sample, qc_json in zip(samples, qc_jsons, strict=True):
        vcf_key, row = rows[sample]
        found[sample] = sample_warnings(row, vcf_key)
        table += [(sample, vcf_key, *warning) for warning in found[sample]]
        write_text(qc_json, json.dumps(qc_record(row, found[sample]), sort_keys=True, indent=2) + "\n")
    lines = ["\t".join(WARNING_COLUMNS), *("\t".join(str(v) for v in line) for line in table)]
    write_text(warnings_tsv, "\n".join(lines) + "\n")
    log.info("%d VCF rows, %d with warnings", len(samples), sum(bool(w) for w in found.values()))
    return found


def main(smk):
    setup_logging(smk.log[0])
    summaries = dict(zip(smk.params.vcf_keys, smk.input.summaries, strict=True))
    vcf_rows_qc(summaries, list(smk.params.samples), list(smk.output.qc), smk.output.warnings)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
