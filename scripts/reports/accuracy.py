"""The report's accuracy checks, data and words together: the sample's truth benchmark and its Mendelian check.

Sources (read once per report job, `read_stage_inputs`):
- truth_benchmark  results/benchmark/{caller}/{sample}.tsv of the report's caller (scripts/truth/benchmark_truth.py:
                   a row for SNVs and one for indels), for the job's samples whose sheet row gives truth_vcf; the
                   truth VCF and BED are named by file name only (the rule passes the names, never a path)
- mendel           results/qc/mendel.tsv (scripts/qc/mendel.py: a row per trio the sheet's father/mother columns
                   name), and the sheet's pedigree of the job's samples

Section statuses: "not_run" when the sheet gives no truth set for the sample / names no parents for it and names it
nobody's parent; "no_result" when the benchmark has no counts (the sample was not called) or the sample's trio was
left out of the Mendelian check (a member is not in the cohort calls); else "reported". Numbers are the TSVs' own,
kept to SIG_DIGITS significant digits (reports.sections.sig), so the JSON is byte-stable.
"""

from pathlib import Path

from common.input_error import InputError
from reports import sections as rs
from reports.content import Bold, Heading, Para, Table, status_note
from reports.number_format import count, fixed, fraction, percent

BENCHMARK_COLUMNS = ("sample", "caller", "type", "scope", "truth", "called", "tp", "fp", "fn", "precision", "recall",
                     "f1", "gt_concordant", "gt_concordance", "note")  # fmt: skip
BENCHMARK_COUNTS = ("truth", "called", "tp", "fp", "fn", "gt_concordant")
BENCHMARK_RATES = ("precision", "recall", "f1", "gt_concordance")
MENDEL_COLUMNS = ("child", "father", "mother", "sites_checked", "errors", "error_rate")
TYPES = ("snv", "indel")
NO_TRUTH = "no truth set was given for this sample in the sample sheet"
NO_PARENTS = "no parents were given for this sample in the sample sheet, nor is it named there as a parent"
TRIO_LEFT_OUT = "its trio was not checked: the child or a parent is not in the cohort calls (failed QC or left out)"
SCOPE_WORDS = {  # benchmark_truth's scope column, for a reader
    "truth_bed+regions": "inside the truth set's confident regions, within the calling regions",
    "truth_bed": "inside the truth set's confident regions",
    "regions": "inside the calling regions; no confident regions were given, so a call missing from the truth "
    "need not be false",
    "genome": "over the whole reference; no confident regions and no calling regions were given",
}
TYPE_WORDS = {"snv": "SNVs", "indel": "Indels"}


# ---------------------------------------------------------------- data


def _count(path, row, key):
    text = row[key].strip()
    if text in ("", "NA"):
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{path}: {row['type']} row: {key} is {text!r}, not a count") from None


def _benchmark_type(path, row):
    """One variant type's counts and rates; InputError when truth != TP + FN or called != TP + FP."""
    counts = {key: _count(path, row, key) for key in BENCHMARK_COUNTS}
    try:
        rates = {key: rs.sig(rs.number(row[key])) for key in BENCHMARK_RATES}
    except ValueError as error:
        raise InputError(f"{path}: {row['type']} row: {error}") from None
    if None not in counts.values():
        if counts["truth"] != counts["tp"] + counts["fn"] or counts["called"] != counts["tp"] + counts["fp"]:
            raise InputError(f"{path}: {row['type']} row: truth must be tp + fn and called tp + fp")
    return {"type": row["type"], **counts, **rates}


def read_benchmark(path):
    """{"sample", "caller", "scope", "note", "types": [snv, indel]} of one benchmark TSV."""
    rows = rs.read_tsv(path, BENCHMARK_COLUMNS)
    if [r["type"] for r in rows] != list(TYPES):
        raise InputError(f"{path}: expected one snv row and one indel row, found types {[r['type'] for r in rows]}")
    for key in ("sample", "caller", "scope", "note"):
        if len({r[key] for r in rows}) != 1:
            raise InputError(f"{path}: the rows differ in column {key!r}")
    first = rows[0]
    if first["scope"] not in SCOPE_WORDS:
        raise InputError(f"{path}: unknown scope {first['scope']!r}")
    return {"sample": first["sample"], "caller": first["caller"], "scope": first["scope"],
            "note": first["note"].strip() or None, "types": [_benchmark_type(path, r) for r in rows]}  # fmt: skip


def read_benchmarks(paths):
    """{sample: read_benchmark} of the job's benchmark TSVs (one per sample with a truth set)."""
    found = {}
    for path in paths:
        table = read_benchmark(path)
        if table["sample"] in found:
            raise InputError(f"{path}: sample {table['sample']!r} has a second benchmark table")
        found[table["sample"]] = table
    return found


def read_mendel(path):
    """[{"child", "father", "mother", "sites_checked", "errors", "error_rate"}] of mendel.tsv, in its order."""
    trios = []
    for row in rs.read_tsv(path, MENDEL_COLUMNS):
        try:
            checked, errors = int(row["sites_checked"]), int(row["errors"])
            rate = rs.sig(rs.number(row["error_rate"]))
        except ValueError as error:
            raise InputError(f"{path}: trio of child {row['child']!r}: {error}") from None
        trios.append({"child": row["child"], "father": row["father"], "mother": row["mother"],
                      "sites_checked": checked, "errors": errors, "error_rate": rate})  # fmt: skip
    return trios


def read_stage_inputs(inputs):
    """What the two blocks read, for render_reports.load_stages. `inputs`: {"truth_benchmark": [paths],
    "truth_files": {sample: {"vcf": name, "bed": name or None}}, "mendel": path or None, "pedigree": {child:
    {"father", "mother"}}}."""
    paths = inputs.get("truth_benchmark") or []
    return {
        "truth_benchmark": read_benchmarks(paths) if paths else None,
        "truth_files": dict(inputs.get("truth_files") or {}),
        "mendel": read_mendel(inputs["mendel"]) if inputs.get("mendel") else None,
        "pedigree": dict(inputs.get("pedigree") or {}),
    }


def benchmark_section(sample, benchmarks, truth_files, verdict):
    """(section status, block or None): the sample's counts per variant type against its truth set."""
    table = (benchmarks or {}).get(sample)
    if table is None:
        return rs.status(rs.NOT_RUN, NO_TRUTH), None
    if all(t["tp"] is None for t in table["types"]):
        return rs.status(rs.NO_RESULT, rs.absent_reason(verdict, "the truth benchmark")), None
    names = (truth_files or {}).get(sample) or {}
    block = {
        "truth_vcf": Path(names["vcf"]).name if names.get("vcf") else None,
        "truth_bed": Path(names["bed"]).name if names.get("bed") else None,
        "caller": table["caller"],
        "scope": table["scope"],
        "note": table["note"],
        "types": table["types"],
    }
    return rs.status(rs.REPORTED), block


def mendel_section(sample, trios, pedigree):
    """(section status, {"as_child": trio or None, "as_parent": [trios by child]} or None)."""
    trios = trios or []
    as_child = next((dict(t) for t in trios if t["child"] == sample), None)
    as_parent = sorted((dict(t) for t in trios if sample in (t["father"], t["mother"])), key=lambda t: t["child"])
    if as_child or as_parent:
        return rs.status(rs.REPORTED), {"as_child": as_child, "as_parent": as_parent}
    named = any(sample in (child, p.get("father"), p.get("mother")) for child, p in (pedigree or {}).items())
    if named:
        return rs.status(rs.NO_RESULT, TRIO_LEFT_OUT), None
    return rs.status(rs.NOT_RUN, NO_PARENTS), None


def stage_blocks(sample, verdict, stages):
    """({"truth_benchmark": status, "mendel": status}, {"truth_benchmark": block, "mendel": block}) of one sample."""
    bench_status, bench = benchmark_section(sample, stages.get("truth_benchmark"), stages.get("truth_files"), verdict)
    mendel_status, mendel = mendel_section(sample, stages.get("mendel"), stages.get("pedigree"))
    return {"truth_benchmark": bench_status, "mendel": mendel_status}, {"truth_benchmark": bench, "mendel": mendel}


# ---------------------------------------------------------------- words


def _rate(value):
    return "not available" if value is None else fixed(value, 4)


def _count_text(value):
    return "not available" if value is None else count(value)


def benchmark_blocks(report):
    blocks = [Heading("Accuracy against the truth set")]
    if note := status_note(report, "truth_benchmark"):
        return blocks + [note]
    block = report["truth_benchmark"]
    truth = [Bold(block["truth_vcf"] or "the sheet's truth VCF")]
    if block["truth_bed"]:
        truth += [" (confident regions ", Bold(block["truth_bed"]), ")"]
    blocks.append(Para([f"This sample's {block['caller']} calls compared with its truth set ", *truth,
                        f", {SCOPE_WORDS[block['scope']]}. A true positive is a variant in both, a false positive a "
                        "call the truth lacks, a false negative a truth variant that was not called. Precision = "
                        "TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 \u00d7 precision \u00d7 recall / (precision "
                        "+ recall)."]))  # fmt: skip
    rows = [[TYPE_WORDS.get(t["type"], t["type"]), _count_text(t["truth"]), _count_text(t["tp"]),
             _count_text(t["fp"]), _count_text(t["fn"]), _rate(t["precision"]), _rate(t["recall"]), _rate(t["f1"])]
            for t in block["types"]]  # fmt: skip
    header = ["Variant type", "Truth variants", "True positives", "False positives", "False negatives", "Precision",
              "Recall", "F1"]  # fmt: skip
    blocks.append(Table(header, rows, numeric_from=1, widths=[1.4, 1.3, 1.3, 1.3, 1.3, 1.1, 1.1, 1.1]))
    agree = "; ".join(f"{TYPE_WORDS.get(t['type'], t['type'])} {fraction(t['gt_concordant'], t['tp'])}"
                      for t in block["types"] if None not in (t["gt_concordant"], t["tp"]))  # fmt: skip
    blocks.append(Para([f"True positives whose genotype (one or two copies) also agrees with the truth: {agree}."]))
    if block["note"]:
        blocks.append(Para([f"Note: {block['note']}."], "small"))
    return blocks


def _error_rate(value):
    """As a percentage; a rate above 0 but below 0.1 % is never shown as 0 %."""
    if value is None:
        return "not available"
    return "< 0.1\u00a0%" if 0 < value < 0.001 else percent(value)


def mendel_blocks(report):
    blocks = [Heading("Mendelian consistency")]
    if note := status_note(report, "mendel"):
        return blocks + [note]
    block, sample = report["mendel"], report["sample_id"]
    text = []
    if block["as_child"]:
        trio = block["as_child"]
        text += ["Checked as the child of ", Bold(trio["father"]), " (father) and ", Bold(trio["mother"]),
                 " (mother). "]  # fmt: skip
    for trio in block["as_parent"]:
        role, other = ("father", "mother") if trio["father"] == sample else ("mother", "father")
        text += [f"Checked as the {role} of ", Bold(trio["child"]), f" ({other} {trio[other]}). "]
    text.append("At each site where the child has a genotype, a genotype that cannot be made of one allele of each "
                "parent is a Mendelian error. A few come from calling errors; many point to a sample swap or a wrong "
                "parent in the sample sheet.")  # fmt: skip
    trios = ([block["as_child"]] if block["as_child"] else []) + block["as_parent"]
    rows = [[t["child"], t["father"], t["mother"], f"{t['sites_checked']:,}", f"{t['errors']:,}",
             _error_rate(t["error_rate"])] for t in trios]  # fmt: skip
    header = ["Child", "Father", "Mother", "Sites checked", "Mendelian errors", "Error rate"]
    return blocks + [Para(text), Table(header, rows, numeric_from=3, widths=[1.6, 1.6, 1.6, 1.3, 1.3, 1.1])]


def blocks(report):
    """The report's accuracy blocks (content.qc_section appends them); nothing for a report made before them."""
    if "truth_benchmark" not in report.get("sections", {}):
        return []
    return benchmark_blocks(report) + mendel_blocks(report)
