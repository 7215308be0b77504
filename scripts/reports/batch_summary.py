"""Rule batch_summary: one row per sample with its key findings, from the per-sample report JSONs.

results/report/batch_summary.tsv, samples in sheet order, columns (COLUMNS):
  sample_id, qc_verdict (pass/warn/fail), in_cohort (yes/no), mean_depth, variant_call_rate, n_snv, n_indel
  panel_call_rate     share of the PGx and carrier panel positions with a genotype; panel_no_calls: how many have none
  carrier_found       carrier status: 'GENE HGVS (zygosity, interpretation)' per found variant, ';'-joined; 'none'
                      (some tested, none found) or 'not tested' (no genotype at any); carrier_no_calls: count
  risk_factors_found  the same for the risk factors; 'not_requested' without the participant's consent
  apoe                APOE genotype (e3/e4), NA, or 'not_requested' without the participant's consent
  clinvar             ClinVar P/LP findings: 'GENE VARIATION_ID (zygosity, interpretation)' per finding, ';'-joined;
                      'none' (some position had a genotype, nothing found), 'not tested' (none had), NA (not run), or
                      'not_requested' without the participant's consent (consent_secondary)
  pgx_phenotypes      'GENE=CPIC phenotype' per gene (';'-joined; given for an ambiguous call whose diplotypes agree
                      on it), else 'ambiguous' or 'not called'
  pgx_diplotypes      'GENE=*1/*17' per gene; several possible diplotypes joined with '|'; 'not called'
  prs_percentiles     'PGS_ID=percentile' (within the batch, 1 decimal) per score; 'refused' when not computed;
                      'not_requested' without the participant's consent
  ancestry, ancestry_probability, inferred_sex, sex_agrees (yes/no/NA)
  pedigree_disagreements   other samples whose relatedness to this one disagrees with the sheet's pedigree
  not_run             report sections whose stage did not run in this batch (';'-joined); no_result: sections with
                      nothing for this sample (e.g. it failed QC); not_requested: sections the participant did not
                      consent to
  n_notices           notices on the report (failed or warned QC, sex or pedigree disagreement, small batch)
NA where a value does not exist (a section not run, a sample not called). Read from the reports only, so the table
says exactly what the reports say.
"""

import json
from pathlib import Path

from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from reports.number_format import fixed, plain, rounded
from reports.sections import genotyped

COLUMNS = ["sample_id", "qc_verdict", "in_cohort", "mean_depth", "variant_call_rate", "n_snv", "n_indel",
           "panel_call_rate", "panel_no_calls", "carrier_found", "carrier_no_calls", "risk_factors_found", "apoe",
           "clinvar", "pgx_phenotypes", "pgx_diplotypes", "prs_percentiles", "ancestry", "ancestry_probability",
           "inferred_sex", "sex_agrees", "pedigree_disagreements", "not_run", "no_result", "not_requested",
           "n_notices"]  # fmt: skip
NA = "NA"


def _text(value):
    """A cell: NA for None, yes/no for booleans, numbers as the JSON keeps them (6 significant digits at most),
    without trailing zeros."""
    if value is None:
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return plain(value, 6)
    return str(value).replace("\t", " ").replace("\n", " ")


def _reported(report, section):
    return report["sections"][section]["status"] == "reported"


def variant_columns(report):
    sample = report["variants"]["sample"]
    if sample is None:
        return {"variant_call_rate": None, "n_snv": None, "n_indel": None}
    return {
        "variant_call_rate": sample["call_rate"],
        "n_snv": sample["n_snv_het"] + sample["n_snv_hom_alt"],
        "n_indel": sample["n_indel_het"] + sample["n_indel_hom_alt"],
    }


def panel_columns(report):
    if not _reported(report, "panel_qc"):
        return {"panel_call_rate": None, "panel_no_calls": None}
    block = report["panel_qc"]
    total = sum(p["n_positions"] for p in block["panels"])
    called = sum(p["n_called"] for p in block["panels"])
    if not total and block["sites"]:
        total, called = block["sites"]["n_positions"], block["sites"]["n_called"]
    return {
        "panel_call_rate": float(rounded(called / total, 4)) if total else None,
        "panel_no_calls": len(block["no_calls"]),
    }


NOT_REQUESTED = "not_requested"


def _found_text(findings):
    found = [f"{v['gene']} {v['variant']} ({', '.join(w for w in (v['zygosity'], v['interpretation']) if w)})"
             for v in findings if v["status"] == "found"]  # fmt: skip
    return "; ".join(found) or ("none" if any(genotyped(v) for v in findings) else "not tested")


def carrier_columns(report):
    columns = {"carrier_found": None, "carrier_no_calls": None, "risk_factors_found": None, "apoe": None}
    if _reported(report, "carrier"):
        columns["carrier_found"] = _found_text(report["carrier"])
        columns["carrier_no_calls"] = sum(v["status"] == "no_call" for v in report["carrier"])
    if _reported(report, "risk_factors"):
        columns["risk_factors_found"] = _found_text(report["risk_factors"])
    if _reported(report, "apoe"):
        columns["apoe"] = report["apoe"]["genotype"]
    for column, section in (("risk_factors_found", "risk_factors"), ("apoe", "apoe")):
        if report["sections"][section]["status"] == NOT_REQUESTED:
            columns[column] = NOT_REQUESTED
    return columns


def clinvar_column(report):
    state = report["sections"].get("clinvar", {}).get("status")
    if state == NOT_REQUESTED:
        return {"clinvar": NOT_REQUESTED}
    if state != "reported":
        return {"clinvar": None}
    block = report["clinvar"]
    found = [f"{f['gene']} {f['variation_id']} ({f['zygosity']}, {f['interpretation']})" for f in block["findings"]]
    tested = any(gene["covered"] for gene in block["genes"].values())
    return {"clinvar": "; ".join(found) or ("none" if tested else "not tested")}


def pgx_columns(report):
    if not _reported(report, "pgx"):
        return {"pgx_phenotypes": None, "pgx_diplotypes": None}
    phenotypes, diplotypes = [], []
    for gene, block in sorted(report["pgx"].items()):
        word = {"called": "no CPIC phenotype", "ambiguous": "ambiguous"}.get(block["status"], "not called")
        phenotypes.append(f"{gene}={block['phenotype'] or word}")
        diplotypes.append(f"{gene}={'|'.join(block['diplotypes']) or 'not called'}")
    return {"pgx_phenotypes": ";".join(phenotypes), "pgx_diplotypes": ";".join(diplotypes)}


def prs_columns(report):
    if not _reported(report, "prs"):
        return {"prs_percentiles": NOT_REQUESTED if report["sections"]["prs"]["status"] == NOT_REQUESTED else None}
    parts = [
        f"{s['pgs_id']}={'refused' if s['percentile'] is None else fixed(s['percentile'], 1)}" for s in report["prs"]
    ]
    return {"prs_percentiles": ";".join(parts)}


def structure_columns(report):
    columns = {"ancestry": None, "ancestry_probability": None, "inferred_sex": None, "sex_agrees": None,
               "pedigree_disagreements": None}  # fmt: skip
    if _reported(report, "ancestry"):
        columns["ancestry"] = report["ancestry"]["ancestry"]
        columns["ancestry_probability"] = report["ancestry"]["probability"]
    if _reported(report, "identity"):
        identity = report["identity"]
        if identity["sex"]:
            columns["inferred_sex"] = identity["sex"]["inferred"]
            columns["sex_agrees"] = identity["sex"]["agrees"]
        disagree = [r["sample"] for r in identity["relatives"] if r["pedigree_agrees"] is False]
        columns["pedigree_disagreements"] = ";".join(disagree) or "none"
    return columns


def summary_row(report):
    """{column: cell text} of one report."""
    sections = report["sections"]
    row = {
        "sample_id": report["sample_id"],
        "qc_verdict": report["qc"]["verdict"],
        "in_cohort": report["in_cohort"],
        "mean_depth": report["qc"]["metrics"]["mean_depth"],
        **variant_columns(report),
        **panel_columns(report),
        **carrier_columns(report),
        **clinvar_column(report),
        **pgx_columns(report),
        **prs_columns(report),
        **structure_columns(report),
        "not_run": ";".join(k for k in sorted(sections) if sections[k]["status"] == "not_run") or "none",
        "no_result": ";".join(k for k in sorted(sections) if sections[k]["status"] == "no_result") or "none",
        "not_requested": ";".join(k for k in sorted(sections) if sections[k]["status"] == NOT_REQUESTED) or "none",
        "n_notices": len(report["notices"]),
    }
    return {column: _text(row[column]) for column in COLUMNS}


def read_report(path, expected_sample):
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read the report JSON: {error}") from None
    if report.get("sample_id") != expected_sample:
        raise InputError(f"{path}: holds sample {report.get('sample_id')!r}, expected {expected_sample!r}")
    if "sections" not in report:
        raise InputError(f"{path}: report version {report.get('report_version')!r} has no sections (made by an older "
                         "genorisk): re-render the reports")  # fmt: skip
    return report


def write_batch_summary(json_paths, samples, out_tsv):
    """Write the table for `samples` (sheet order) from their report JSONs (aligned with `samples`)."""
    if len(json_paths) != len(samples):
        raise ValueError("one report JSON per sample is needed, in sample order")
    lines = ["\t".join(COLUMNS)]
    for path, sample in zip(json_paths, samples, strict=True):
        row = summary_row(read_report(path, sample))
        lines.append("\t".join(row[c] for c in COLUMNS))
    write_text(out_tsv, "\n".join(lines) + "\n")
    get_logger().info("batch summary of %d samples written", len(samples))


def main(smk):
    setup_logging(smk.log[0])
    write_batch_summary(list(smk.input.json), list(smk.params.samples), smk.output.tsv)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
