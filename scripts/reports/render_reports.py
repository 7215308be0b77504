"""Per-sample reports: a JSON of findings (checked against report.schema.json), a self-contained HTML page and a PDF.

One job renders a group of samples. Every sample gets all three files, also a sample that failed QC: its report says
plainly that it was not called and carries no variant numbers. The batch comparison (median, range, figures) is
over the in-cohort samples, i.e. the columns of the cohort VCF.

Sources of each number:
- QC verdict, reasons and metrics: results/qc/{sample}.qc.json; cohort membership: results/qc/batch_qc.tsv.
- Het / hom-alt counts of SNVs and indels and no-calls: results/af/genotype_counts.tsv, counted once per batch from
  the genotype store (scripts/af/genotype_counts.py); given a VCF instead, counted here from it (one pass).
- Ti/Tv, heterozygosity and call rate: results/af/samples.tsv (the allele-frequency step's definitions).
- Panel QC, identity checks, carrier findings, pharmacogenomics, polygenic scores, ancestry and provenance: the later
  stages' outputs, each optional (sections.py says which file gives what). A stage that is off in this batch
  gives a section that says "Not run: <why>" (the why comes from the workflow: stages.py, called by report.smk).
- Truth benchmark and Mendelian check: results/benchmark/{caller}/{sample}.tsv and results/qc/mendel.tsv (accuracy.py,
  which holds their data and words); ClinVar findings: results/clinvar/findings.json (clinvar_findings.py, likewise).

Report layout: the JSON has one top-level key per section; reports/content.py turns it into sections of blocks that
html_page.py (the page) and pdf.py (the PDF) render, so both say the same. Figures: figures.py.
Outputs are byte-stable: sorted keys, numbers at 6 significant digits (sections.sig; the text rounds them once,
reports/number_format.py), no timestamps or paths, PNGs and PDFs without dates.

Size: over 400 lines because the report job's readers of every stage's batch outputs and the per-sample assembly
(its split into readers and assembly is planned with the report rework of issue 14).
"""

import json
import multiprocessing
from pathlib import Path

import jsonschema
import numpy as np

from af.sample_genotype_counts import INDEL, OTHER, REF, SNV, allele_class, count_genotypes, read_table
from common.atomic import atomic_path, remove_stale_temporaries_of
from common.checksums import sha256_file
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from reports import accuracy, clinvar_findings, medication_guidance
from reports import sections as rs
from reports import stages as report_stages
from reports.content import COUNT_KEYS, QC_METRICS, RATE_KEYS, VERDICT_STYLE, figure_keys
from reports.figures import counts_figure, het_callrate_figure, pca_figure, prs_figure
from reports.html_page import render_html
from reports.number_format import rounded
from reports.pdf import pdf_bytes
from reports.sections import number as _number
from reports.sections import read_tsv

# re-exported: deliver.py and tests use them here
__all__ = ["INDEL", "OTHER", "REF", "SNV", "allele_class", "count_genotypes", "counts_figure", "het_callrate_figure",
           "render_html"]  # fmt: skip

REPORT_VERSION = "2.2"
DISCLAIMER = (
    "For research use only. This report is not a diagnostic test and has not been validated for clinical "
    "decision-making. Any finding must be confirmed by an accredited clinical laboratory before medical use."
)
# metric -> (key in the QC thresholds, direction): the config's qc block names limits by what they bound.
QC_THRESHOLD_KEYS = {
    "mapped_rate": ("min_mapped_rate", "min"),
    "duplicate_rate": ("max_duplicate_rate", "max"),
    "mean_depth": ("min_mean_depth", "min"),
    "breadth": ("min_breadth", "min"),
}


# ---------------------------------------------------------------- reading inputs


def _flag(text, path, sample):
    value = (text or "").strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise InputError(f"{path}: sample {sample!r}: in_cohort is {text!r}, expected true/false")


def read_batch_qc(path):
    """{sample_id: {"verdict", "in_cohort"}} from batch_qc.tsv."""
    rows = read_tsv(path, ("sample_id", "verdict", "in_cohort"))
    return {
        r["sample_id"]: {"verdict": r["verdict"], "in_cohort": _flag(r["in_cohort"], path, r["sample_id"])}
        for r in rows
    }


def read_sample_stats(path):
    """{sample_id: {"ti_tv", "heterozygosity", "call_rate", "n_het", "n_hom_alt"}} from the af step's samples.tsv."""
    rows = read_tsv(path, ("sample_id", "n_het", "n_hom_alt", "call_rate", "heterozygosity", "ti_tv"))
    stats = {}
    for row in rows:
        try:
            stats[row["sample_id"]] = {
                k: _number(row[k]) for k in ("ti_tv", "heterozygosity", "call_rate", "n_het", "n_hom_alt")
            }
        except ValueError as error:
            raise InputError(f"{path}: sample {row['sample_id']!r}: {error}") from None
    return stats


def read_qc(path, expected_sample):
    """A sample's QC JSON; InputError if it is unreadable, names another sample or lacks the verdict."""
    try:
        qc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read the QC JSON: {error}") from None
    if qc.get("sample_id") != expected_sample:
        raise InputError(f"{path}: holds sample {qc.get('sample_id')!r}, expected {expected_sample!r}")
    if qc.get("verdict") not in VERDICT_STYLE:
        raise InputError(f"{path}: verdict {qc.get('verdict')!r} is not one of pass, warn, fail, not_applicable")
    return qc


# ---------------------------------------------------------------- report content


def cohort_table(counts, stats, batch_qc, vcf_path, stats_path, batch_qc_path):
    """{sample: counts + rates} for the in-cohort samples (VCF order); checks the three sources agree.

    vcf_path: where `counts` came from, the cohort VCF or its genotype_counts.tsv (named in messages)."""
    in_cohort = {s for s, row in batch_qc.items() if row["in_cohort"]}
    in_vcf = set(counts)
    if in_vcf - set(batch_qc):
        raise InputError(f"{vcf_path}: sample {sorted(in_vcf - set(batch_qc))[0]!r} is not in {batch_qc_path}")
    if in_cohort != in_vcf:
        odd = sorted(in_cohort ^ in_vcf)[0]
        where = "marked in_cohort but absent from" if odd in in_cohort else "marked not in_cohort but present in"
        raise InputError(f"{batch_qc_path}: sample {odd!r} is {where} the cohort VCF {vcf_path}")
    table = {}
    for sample, sample_counts in counts.items():
        if sample not in stats:
            raise InputError(f"{stats_path}: sample {sample!r} of the cohort VCF has no row")
        rates = {key: rs.sig(stats[sample][key]) for key in RATE_KEYS}
        table[sample] = {**sample_counts, **rates}
        n_het = sample_counts["n_snv_het"] + sample_counts["n_indel_het"]
        if stats[sample]["n_het"] is not None and stats[sample]["n_het"] < n_het:
            get_logger().warning(
                "sample %s: %s has n_het %s, fewer than the %d SNV+indel het calls in the VCF",
                sample,
                Path(stats_path).name,
                stats[sample]["n_het"],
                n_het,
            )
    return table


def batch_summary(cohort):
    """{"n_samples", key: {"median", "min", "max"} or None} over the in-cohort samples (None values skipped)."""
    summary = {"n_samples": len(cohort)}
    for key in (*COUNT_KEYS, *RATE_KEYS):
        values = np.array([row[key] for row in cohort.values() if row[key] is not None], dtype=float)
        if values.size == 0:
            summary[key] = None
            continue
        is_count = key in COUNT_KEYS
        median = float(np.median(values))
        summary[key] = {
            "median": float(rounded(median, 1)) if is_count else rs.sig(median),
            "min": int(values.min()) if is_count else rs.sig(float(values.min())),
            "max": int(values.max()) if is_count else rs.sig(float(values.max())),
        }
    return summary


def _qc_thresholds(thresholds):
    """{metric: {"direction", "warn", "fail"}} from the QC step's thresholds (the config's qc block layout)."""
    found = {}
    for metric, (key, direction) in QC_THRESHOLD_KEYS.items():
        limit = (thresholds or {}).get(key)
        if isinstance(limit, dict) and {"warn", "fail"} <= set(limit):
            found[metric] = {"direction": direction, "warn": limit["warn"], "fail": limit["fail"]}
    return found


def qc_section(qc):
    """The report's qc block from a sample's QC JSON."""
    metrics = qc.get("metrics") or {}
    total_reads = metrics.get("total_reads")
    target = qc.get("target") or {}
    min_depth = (qc.get("thresholds") or {}).get("breadth_min_depth")
    return {
        "verdict": qc["verdict"],
        "reasons": [str(r) for r in qc.get("reasons") or []],
        "metrics": {
            "total_reads": None if total_reads is None else int(total_reads),
            **{key: rs.sig(metrics.get(key)) for key in QC_METRICS[1:]},
        },
        "target": {"kind": target.get("kind"), "bases": None if target.get("bases") is None else int(target["bases"])},
        "thresholds": _qc_thresholds(qc.get("thresholds")),
        "breadth_min_depth": min_depth if isinstance(min_depth, int) else None,
    }


def _reasons_text(reasons):
    return "; ".join(reasons) if reasons else "no reason was recorded"


def notices_for(qc, in_cohort, batch):
    """Plain-language notes the reader must see."""
    notices = []
    if qc["verdict"] == "fail":
        notices.append(
            f"This sample failed QC and was not called: {_reasons_text(qc['reasons'])}. "
            "No variant results are reported for it."
        )
    elif not in_cohort:
        notices.append(
            "This sample was left out of the cohort variant calls, so no variant results are reported for it."
        )
    elif qc["verdict"] == "warn":
        notices.append(
            f"This sample passed QC with warnings: {_reasons_text(qc['reasons'])}. Read its results with caution."
        )
    if in_cohort and batch["n_samples"] < 3:
        notices.append(
            f"The batch has only {batch['n_samples']} called sample(s): too few for the batch comparison "
            "to show what is typical."
        )
    return notices


# Reasons used when a caller gives no stage results and no reason (e.g. a report rendered outside the workflow).
DEFAULT_NOT_RUN = {
    "panel_qc": "no panel positions were genotyped in this run",
    "identity": "the population-structure stage did not run",
    "carrier": "carrier screening did not run in this batch",
    "risk_factors": "carrier screening (which looks at the risk factors) did not run in this batch",
    "apoe": "carrier screening (which works out the APOE genotype) did not run in this batch",
    "pgx": "pharmacogenomics did not run in this batch",
    "pgx_guidance": "pharmacogenomics (which the medication guidance looks up) did not run in this batch",
    "prs": "no polygenic score was computed in this batch",
    "ancestry": "ancestry was not estimated in this batch",
    "provenance": "the provenance record was not made",
}
EMPTY_SECTIONS = {"panel_qc": None, "identity": None, "carrier": [], "risk_factors": [], "apoe": None, "pgx": {},
                  "pgx_guidance": [], "prs": [], "ancestry": None, "provenance": None}  # fmt: skip


def stage_sections(sample_id, verdict, stages=None, not_run=None):
    """The later sections of one sample: {"sections": {name: status}, name: block, ...} (EMPTY_SECTIONS' keys).

    `stages`: what the job read (load_stages); a stage absent from it is not run, with the reason from `not_run`.
    """
    stages, not_run = stages or {}, not_run or {}
    out = dict(EMPTY_SECTIONS)
    sections = {}

    def reason(name):
        return not_run.get(name) or DEFAULT_NOT_RUN[name]

    withheld = set()
    if stages.get("carrier") is not None:
        statuses, blocks = rs.carrier_section(sample_id, stages["carrier"], verdict)
        sections.update(statuses)
        out.update(blocks)
        withheld = rs.withheld_positions(stages["carrier"].get(sample_id))
    withheld |= clinvar_findings.withheld(stages, sample_id)  # ClinVar positions the participant did not consent to
    if stages.get("pgx") is not None:
        sections["pgx"], out["pgx"] = rs.pgx_section(sample_id, stages["pgx"], verdict)
    if stages.get("pgx_guidance") is not None:
        sections["pgx_guidance"], out["pgx_guidance"] = medication_guidance.stage_block(
            sample_id, stages["pgx_guidance"], verdict
        )
    if stages.get("prs") is not None:
        sections["prs"], out["prs"] = rs.prs_section(sample_id, stages["prs"], verdict)
    if stages.get("ancestry") is not None:
        sections["ancestry"], out["ancestry"] = rs.ancestry_section(
            sample_id, stages["ancestry"], verdict, stages.get("panel_groups")
        )
    if stages.get("popgen") is not None or stages.get("relatedness") is not None:
        pairs = (stages.get("relatedness") or {}).get(sample_id)
        sections["identity"], out["identity"] = rs.identity_section(sample_id, stages.get("popgen"), pairs, verdict)
    if stages.get("sites") is not None or sections.get("pgx") or sections.get("carrier"):
        findings = out["carrier"] + out["risk_factors"] + (out["apoe"]["sites"] if out["apoe"] else [])
        sections["panel_qc"], out["panel_qc"] = rs.panel_qc_section(
            sample_id, stages.get("sites"), out["pgx"], findings, stages.get("sites_min_depth"), verdict, withheld
        )
    if stages.get("provenance") is not None:
        sections["provenance"], out["provenance"] = rs.provenance_section(
            sample_id, stages["provenance"], stages.get("panels"), stages.get("build"), stages.get("provenance_sha256")
        )
        if out["provenance"] and (sections.get("prs") or {}).get("status") == rs.NOT_REQUESTED:
            # the scoring files would name the scores the participant declined: left to provenance.json
            out["provenance"]["inputs"] = [e for e in out["provenance"]["inputs"] if "pgs/" not in e["role"]]
    sections["clinvar"], out["clinvar"] = clinvar_findings.stage_block(sample_id, verdict, stages, not_run)
    if out["provenance"] and sections["clinvar"]["status"] == rs.NOT_REQUESTED:
        # the ClinVar release file is named by the section the participant declined: left to provenance.json
        out["provenance"]["inputs"] = [e for e in out["provenance"]["inputs"] if "clinvar/" not in e["role"]]
    out["sections"] = {name: sections.get(name) or rs.status(rs.NOT_RUN, reason(name)) for name in DEFAULT_NOT_RUN}
    out["sections"]["clinvar"] = sections["clinvar"]
    accuracy_statuses, accuracy_blocks = accuracy.stage_blocks(sample_id, verdict, stages)
    out["sections"].update(accuracy_statuses)
    out.update(accuracy_blocks)
    return out


def identity_notices(identity):
    """Notices for a sex or pedigree disagreement: either can mean a sample swap."""
    notices = []
    if identity and identity["sex"] and identity["sex"]["agrees"] is False:
        sex = identity["sex"]
        notices.append(
            f"The sex inferred from the genotypes ({sex['inferred']}) differs from the sample sheet ({sex['sheet']}): "
            "check for a sample swap before using any result."
        )
    disagree = [r["sample"] for r in (identity or {}).get("relatives", []) if r["pedigree_agrees"] is False]
    if disagree:
        notices.append(
            f"Relatedness to {', '.join(disagree)} disagrees with the pedigree in the sample sheet: check for a "
            "sample swap before using any result."
        )
    return notices


def methods_block(caller, build, stages=None, run_info=None):
    """What the report's methods section states: caller, build, target, depth threshold, tool and package versions
    (from the provenance record; empty without one)."""
    stages, run_info = stages or {}, run_info or {}
    provenance = stages.get("provenance") or {}
    return {
        "caller": caller,
        "build": build,
        "target": run_info.get("regions"),
        "panel_min_depth": stages.get("sites_min_depth"),
        "tools": {str(k): str(v) for k, v in sorted((provenance.get("tools") or {}).items())},
        "python_packages": {str(k): str(v) for k, v in sorted((provenance.get("python_packages") or {}).items())},
    }


def build_report(sample_id, qc, in_cohort, cohort, batch, n_sites, caller, build, stages=None, not_run=None,
                 run_info=None):  # fmt: skip
    """The report dict of one sample; every top-level key is one section (later sections: stage_sections).

    run_info: {"report_date", "batch_id", "regions" (file name or None)} of the run (None: 'not recorded')."""
    run_info = run_info or {}
    qc_block = qc_section(qc)
    if qc_block["verdict"] == "fail" and in_cohort:
        raise InputError(f"sample {sample_id!r}: QC verdict is fail but batch_qc marks it in the cohort")
    reason = None
    if not in_cohort:
        reason = (
            "not called because it failed QC"
            if qc_block["verdict"] == "fail"
            else "not called because it was left out of the cohort calls"
        )
    later = stage_sections(sample_id, qc_block["verdict"], stages, not_run)
    return {
        "report_version": REPORT_VERSION,
        "report_date": run_info.get("report_date") or "not recorded",
        "batch_id": run_info.get("batch_id") or "not recorded",
        "methods": methods_block(caller, build, stages, run_info),
        "sample_id": sample_id,
        "caller": caller,
        "build": build,
        "qc": qc_block,
        "in_cohort": in_cohort,
        "variants": {
            "called": in_cohort,
            "not_called_reason": reason,
            "n_sites": n_sites,
            "sample": dict(cohort[sample_id]) if in_cohort else None,
            "batch": batch,
        },
        **later,
        "notices": notices_for(qc_block, in_cohort, batch) + identity_notices(later["identity"]),
        "disclaimer": DISCLAIMER,
    }


def validate_report(report, schema):
    """Raise ValueError naming the sample and the offending key when the report breaks the schema."""
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(report), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise ValueError(
            f"report of sample {report.get('sample_id')!r} breaks the report schema at {where}: {errors[0].message}"
        )


def report_json_text(report):
    return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- figures and the job


def figures_for(report, cohort):
    """{key: PNG} of every figure the report shows (reports.content.figure_keys), drawn under report["sample_id"].

    `cohort`: render_reports.cohort_table keyed by the same sample IDs (the variant figures need the batch's
    counts); the polygenic-score and ancestry figures come from the report alone.
    """
    sample = report["sample_id"]
    figures = {}
    for key in figure_keys(report):
        if key == "counts":
            figures[key] = counts_figure(cohort, sample)
        elif key == "scatter":
            figures[key] = het_callrate_figure(cohort, sample)
        elif key == "pca":
            figures[key] = pca_figure(report["ancestry"], sample)
        else:
            score = next(s for s in report["prs"] if f"prs:{s['pgs_id']}" == key)
            figures[key] = prs_figure(score, sample)
    return figures


def load_stages(samples, inputs, build, log=None):
    """What the later sections read, once per job. `inputs`: {name: path or None} (see render_reports)."""
    log = log or get_logger()
    get = inputs.get
    stages = {"build": build, "sites_min_depth": get("sites_min_depth")}
    # stage key -> (the inputs it needs, all given; their reader)
    readers = {
        "pgx": (["pgx"], lambda path: rs.read_pgx(path, samples)),
        "pgx_guidance": (["pgx_guidance"], lambda path: medication_guidance.read_guidance(path, samples)),
        "carrier": (["carrier"], rs.read_carrier),
        "prs": (["prs_tsv", "prs_json"], lambda tsv, js: rs.read_prs(tsv, js, get("prs_reference"))),
        "ancestry": (["ancestry"], rs.read_ancestry),
        "panel_groups": (["panel_points"], lambda path: rs.panel_groups(rs.read_panel_points(path))),
        "popgen": (["popgen_samples"], rs.read_popgen_samples),
        "relatedness": (["relatives", "pair_counts"], lambda rows, counts: rs.read_relatives(rows, counts, samples)),
        "sites": (["sites_vcf"], lambda path: rs.read_sites(path, samples)),
        "provenance": (["provenance"], rs.read_provenance),
        "provenance_sha256": (["provenance"], sha256_file),
    }
    for key, (names, reader) in readers.items():
        paths = [get(name) for name in names]
        if all(paths):
            stages[key] = reader(*paths)
    stages["panels"] = rs.panel_hashes(get("panel_files") or [])
    stages.update(accuracy.read_stage_inputs(inputs))
    stages.update(clinvar_findings.read_stage_inputs(inputs))
    log.info("later sections read: %s", ", ".join(k for k in sorted(stages) if stages[k] is not None) or "none")
    return stages


def uncovered_stages(stages, inputs, not_run, log):
    """A panel stage that ran on a reference holding none of its positions is not run (report_stages.coverage_reason):
    its results leave `stages`, and so do empty panel sites when no panel stage is left; returns `not_run` with the
    reasons."""
    tables = {name: inputs.get(f"{name}_coverage") for name in ("pgx", "carrier")}
    updated = report_stages.with_coverage_reasons(not_run, tables)
    uncovered = False
    for name in tables:
        if updated.get(name) and updated.get(name) != (not_run or {}).get(name):
            stages.pop(name, None)
            if name == "pgx":
                stages.pop("pgx_guidance", None)
            uncovered = True
            log.info("%s section not run: %s", name, updated[name])
    not_run = updated
    panels_left = "pgx" in stages or "carrier" in stages
    if uncovered and not panels_left and not any((stages.get("sites") or {}).values()):
        stages.pop("sites", None)
        not_run["panel_qc"] = report_stages.NO_POSITION_COVERED
    return not_run


def _write(path, data):
    with atomic_path(path, stale_removed=True) as tmp:  # write_pages removed them for all of the job's files
        Path(tmp).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


# What the page workers read, set before the pool forks (inherited, never pickled): (reports, cohort, paths).
_PAGES = None


def _write_pages(i):
    """Figures, JSON, HTML and PDF of the i-th report."""
    reports, cohort, json_paths, html_paths, pdf_paths = _PAGES
    report = reports[i]
    figures = figures_for(report, cohort)
    _write(json_paths[i], report_json_text(report))
    _write(html_paths[i], render_html(report, figures))
    if pdf_paths is not None and pdf_paths[i] is not None:
        _write(pdf_paths[i], pdf_bytes(report, figures))
    return report["qc"]["verdict"]


def write_pages(reports, cohort, json_paths, html_paths, pdf_paths, threads, log):
    """Write every report's files, `threads` samples at a time (forked workers; each file is written whole, atomically,
    and its bytes do not depend on the worker). Logs each sample in sample order."""
    global _PAGES
    remove_stale_temporaries_of([*json_paths, *html_paths, *(p for p in pdf_paths or [] if p is not None)])
    _PAGES = (reports, cohort, json_paths, html_paths, pdf_paths)
    try:
        if threads > 1 and len(reports) > 1:
            with multiprocessing.get_context("fork").Pool(min(threads, len(reports))) as pool:
                verdicts = pool.imap(_write_pages, range(len(reports)))
                for i, verdict in enumerate(verdicts):
                    log.info("wrote the report of sample %d/%d (verdict %s)", i + 1, len(reports), verdict)
        else:
            for i in range(len(reports)):
                log.info("wrote the report of sample %d/%d (verdict %s)", i + 1, len(reports), _write_pages(i))
    finally:
        _PAGES = None


def render_reports(
    samples,
    qc_paths,
    batch_qc_path,
    vcf_path,
    af_samples_path,
    schema_path,
    json_paths,
    html_paths,
    caller,
    build,
    log=None,
    pdf_paths=None,
    stage_inputs=None,
    not_run=None,
    genotype_counts_path=None,
    run_info=None,
    threads=1,
):
    """Write {sample}.json (schema-checked), {sample}.html and, with pdf_paths, {sample}.pdf (lists aligned by position;
    a None in pdf_paths skips that sample's PDF).

    The per-sample genotype counts come from `genotype_counts_path` (results/af/genotype_counts.tsv, counted once
    per batch) when given, else from the cohort VCF at `vcf_path` (one pass over it: the whole cohort per job).

    stage_inputs: {"pgx", "pgx_guidance", "carrier", "prs_tsv", "prs_json", "prs_reference", "ancestry", "panel_points",
    "popgen_samples", "relatives", "pair_counts", "sites_vcf", "provenance", "pgx_coverage", "carrier_coverage":
    path or None,
    "sites_min_depth": int, "panel_files": [(role, path)], "truth_benchmark": [paths], "truth_files", "mendel",
    "pedigree" (accuracy.py), "clinvar" (clinvar_findings.py)};
    not_run: {section: why its stage did not run} (report_stages.not_run_reasons).
    """
    log = log or get_logger()
    if not len(samples) == len(qc_paths) == len(json_paths) == len(html_paths):
        raise ValueError("samples, qc, json and html lists must have the same length and order")
    if pdf_paths is not None and len(pdf_paths) != len(samples):
        raise ValueError("pdf paths must be aligned with the samples")
    schema = json.loads(Path(schema_path).read_text())
    batch_qc = read_batch_qc(batch_qc_path)
    if genotype_counts_path is not None:
        counts, n_sites = read_table(genotype_counts_path)
    else:
        counts, n_sites = count_genotypes(vcf_path, log)
    cohort = cohort_table(
        counts, read_sample_stats(af_samples_path), batch_qc, genotype_counts_path or vcf_path, af_samples_path,
        batch_qc_path,
    )  # fmt: skip
    batch = batch_summary(cohort)
    log.info("cohort: %d samples, %d variant sites", len(cohort), n_sites)
    stages = load_stages(samples, stage_inputs or {}, build, log)
    not_run = uncovered_stages(stages, stage_inputs or {}, not_run, log)
    reports = []
    for sample, qc_path in zip(samples, qc_paths, strict=True):
        if sample not in batch_qc:
            raise InputError(f"{batch_qc_path}: sample {sample!r} has no row")
        report = build_report(
            sample, read_qc(qc_path, sample), batch_qc[sample]["in_cohort"], cohort, batch, n_sites, caller, build,
            stages, not_run, run_info,
        )  # fmt: skip
        validate_report(report, schema)
        reports.append(report)
    write_pages(reports, cohort, json_paths, html_paths, pdf_paths, threads, log)


def stage_inputs_of(smk):
    """The optional stage inputs of the rule (an empty list when a stage is off) as {name: path or None}."""
    names = ("pgx", "pgx_guidance", "carrier", "prs_tsv", "prs_json", "prs_reference", "ancestry", "panel_points",
             "popgen_samples", "relatives", "pair_counts", "sites_vcf", "provenance", "pgx_coverage",
             "carrier_coverage", "mendel", "clinvar")  # fmt: skip
    found = {}
    for name in names:
        found[name] = report_stages.optional_input(getattr(smk.input, name, None))
    roles = dict(smk.params.panel_roles)
    panels = smk.input.panels
    found["panel_files"] = [(roles[str(p)], str(p)) for p in ([panels] if isinstance(panels, str) else panels)]
    found["sites_min_depth"] = smk.params.sites_min_depth
    found["truth_benchmark"] = list(getattr(smk.input, "truth_benchmark", None) or [])
    found["truth_files"] = dict(getattr(smk.params, "truth_files", None) or {})
    found["pedigree"] = dict(getattr(smk.params, "pedigree", None) or {})
    return found


def main(smk):
    log = setup_logging(smk.log[0])
    render_reports(
        list(smk.params.samples),
        list(smk.input.qc),
        smk.input.batch_qc,
        None,
        smk.input.af_samples,
        smk.input.schema,
        list(smk.output.json),
        list(smk.output.html),
        smk.params.caller,
        smk.params.build,
        log,
        pdf_paths=list(smk.output.pdf),
        stage_inputs=stage_inputs_of(smk),
        not_run=dict(smk.params.not_run),
        genotype_counts_path=smk.input.genotype_counts,
        run_info={
            "report_date": Path(smk.input.report_date).read_text().strip(),
            "batch_id": smk.params.batch_id,
            "regions": smk.params.regions,
        },
        threads=smk.threads,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
