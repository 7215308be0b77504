"""Rule carrier_findings: every sample's status at every carrier-panel variant, and its APOE genotype, one batch file.

Input: a VCF/BCF with genotypes at the panel positions, hom-ref included (the workflow's
results/calls/{caller}/sites.vcf.gz from rule genotype_sites, whose sites include resources/panels/carrier_sites.vcf),
and the panel (config/panels/carrier/carrier_panel.tsv, checked by scripts/carrier/carrier_panel.py).
Outputs:
    carrier_findings.json  {sample_id: [findings]}: one finding per panel row (panel order; kind carrier /
                           risk_factor / apoe; status found / not_found / no_call / not_covered / not_requested,
                           genotype in panel allele numbers and as bases on the plus and the gene's coding
                           strand, zygosity, interpretation of a carrier finding, depth, reason, and the row's
                           ClinVar annotation), then one "apoe_genotype" finding (e2/e3/e4, no_call or
                           not_requested).
    carrier_findings.tsv   one line per sample and finding, TSV_COLUMNS.
Consent (sample-sheet columns consent_apoe / consent_secondary, scripts/inputs/consent.py): a sample that did not
consent to a kind of finding has it not_requested: the rows are not looked at, so no genotype of theirs is written.
Samples: the sheet's order; a sheet sample absent from the VCF (failed QC: not genotyped) gets no_call everywhere,
with that reason. A panel position missing from the VCF is no_call, never not_found; one that rule carrier_sites'
coverage table (scripts/sites/panel_to_sites.py) lists as not covered by the reference/target is not_covered.
"""

import json
from collections import Counter
from pathlib import Path

from carrier.carrier_panel import (
    NOT_COVERED_TEXT,
    STATUS_NO_CALL,
    STATUS_NOT_COVERED,
    STATUS_NOT_REQUESTED,
    find_carriers,
    load_panel,
    read_site_calls,
)
from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from reports.stages import coverage_reason
from sites.panel_to_sites import read_not_covered

TSV_COLUMNS = [
    "sample_id",
    "kind",
    "gene",
    "hgvs",
    "rsid",
    "chrom",
    "pos",
    "ref",
    "alt",
    "status",
    "genotype",
    "coding_genotype",
    "zygosity",
    "interpretation",
    "depth",
    "clinical_significance",
    "review_status",
    "condition",
    "reason",
]
NA = "NA"
ABSENT_REASON = "sample not in the genotype file (e.g. failed QC)"


def absent_sample_findings(panel, not_covered=None, consent=None):
    """The findings of a sample the VCF does not have: no_call for every row and for APOE (not_covered and
    not_requested stay)."""
    findings = find_carriers(panel, {}, not_covered=not_covered, consent=consent)
    for finding in findings:
        if finding["status"] in (STATUS_NOT_COVERED, STATUS_NOT_REQUESTED):
            continue
        if NOT_COVERED_TEXT not in (finding.get("note") or ""):
            finding["note" if finding["kind"] == "apoe_genotype" else "reason"] = ABSENT_REASON
    return findings


def batch_findings(vcf_path, panel_path, samples=None, min_depth=8, coverage_tsv=None, consent=None):
    """{sample: [findings]} in sheet order (`samples`; None: the VCF's samples).

    coverage_tsv: rule carrier_sites' coverage table (None: every row is taken as covered);
    consent: {sample: {"apoe": bool, "secondary": bool}} (None or a sample absent: everything requested)."""
    consent = consent or {}
    log = get_logger()
    panel = load_panel(panel_path)
    log.info("panel: %d variants in %d genes", len(panel), len({v.gene for v in panel}))
    not_covered = read_not_covered(coverage_tsv)
    if not_covered:
        per_gene = Counter(gene for gene, *_ in not_covered)
        log.warning("not covered by this reference/target, per gene: %s",
                    ", ".join(f"{g} {n}" for g, n in sorted(per_gene.items())))  # fmt: skip
    uncovered_reason = coverage_reason(coverage_tsv)
    if uncovered_reason:
        log.warning("the report shows this stage as not run: %s", uncovered_reason)
    wanted, calls = read_site_calls(vcf_path, samples)
    if samples and not wanted:
        raise InputError(f"{vcf_path}: none of the sample sheet's IDs is a sample of this VCF")
    order = samples if samples is not None else wanted
    results = {}
    for sample in order:
        if sample in calls:
            results[sample] = find_carriers(panel, calls[sample], min_depth, not_covered, consent.get(sample))
        else:
            results[sample] = None
    absent = [s for s, r in results.items() if r is None]
    for sample in absent:
        results[sample] = absent_sample_findings(panel, not_covered, consent.get(sample))
    if absent:
        log.info("%d sample(s) not in the genotype file (all no_call): %s", len(absent), ", ".join(absent))
    for sample in wanted:
        counts = Counter(f["status"] for f in results[sample] if f["kind"] != "apoe_genotype")
        apoe = next(f for f in results[sample] if f["kind"] == "apoe_genotype")
        log.info(
            "%s: %d found, %d not_found, %d no_call, %d not_covered, %d not_requested; APOE %s",
            sample,
            counts["found"],
            counts["not_found"],
            counts[STATUS_NO_CALL],
            counts[STATUS_NOT_COVERED],
            counts[STATUS_NOT_REQUESTED],
            apoe["genotype"] or apoe["status"],
        )
    return results


def _text(value):
    return NA if value is None else str(value)


def tsv_lines(results):
    """The TSV text lines (header first)."""
    lines = ["\t".join(TSV_COLUMNS)]
    for sample, findings in results.items():
        for f in findings:
            row = {**f, "sample_id": sample}
            if f["kind"] == "apoe_genotype":
                row = {"sample_id": sample, "kind": f["kind"], "gene": "APOE", "status": f["status"]}
                row.update(genotype=f["genotype"], reason=f["note"])
            lines.append("\t".join(_text(row.get(column)) for column in TSV_COLUMNS))
    return lines


def write_carrier_findings(
    vcf_path, panel_path, json_path, tsv_path, samples=None, min_depth=8, coverage_tsv=None, consent=None
):
    """Write the batch JSON and TSV (atomically); returns the results."""
    results = batch_findings(vcf_path, panel_path, samples, min_depth, coverage_tsv, consent)
    write_text(json_path, json.dumps(results, indent=1) + "\n")
    write_text(tsv_path, "\n".join(tsv_lines(results)) + "\n")
    get_logger().info("wrote %s and %s", Path(json_path).name, Path(tsv_path).name)
    return results


def main(smk):
    setup_logging(smk.log[0])
    write_carrier_findings(
        smk.input.vcf,
        smk.input.panel,
        smk.output.json,
        smk.output.tsv,
        samples=list(smk.params.samples),
        min_depth=smk.params.min_depth,
        coverage_tsv=smk.input.coverage[0] if smk.input.coverage else None,
        consent=dict(smk.params.consent),
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
