"""Rule carrier_findings: every sample's status at every carrier-panel variant, and its APOE genotype, one batch file.

Input: a VCF/BCF with genotypes at the panel positions, hom-ref included (the workflow's
results/calls/{caller}/sites.vcf.gz from rule genotype_sites, whose sites include resources/panels/carrier_sites.vcf),
and the panel (config/panels/carrier/carrier_panel.tsv, checked by scripts/carrier/carrier_panel.py).
Outputs:
    carrier_findings.json  {sample_id: [findings]}: one finding per panel row (panel order; status found /
                           not_found / no_call / not_covered, genotype in panel allele numbers, zygosity, depth,
                           reason, and the row's ClinVar annotation), then one "apoe_genotype" finding (e2/e3/e4
                           or no_call).
    carrier_findings.tsv   one line per sample and finding, TSV_COLUMNS.
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
    "zygosity",
    "depth",
    "clinical_significance",
    "review_status",
    "condition",
    "reason",
]
NA = "NA"
ABSENT_REASON = "sample not in the genotype file (e.g. failed QC)"


def absent_sample_findings(panel, not_covered=None):
    """The findings of a sample the VCF does not have: no_call for every row and for APOE (not_covered stays)."""
    findings = find_carriers(panel, {}, not_covered=not_covered)
    for finding in findings:
        if finding["status"] != STATUS_NOT_COVERED and NOT_COVERED_TEXT not in (finding.get("note") or ""):
            finding["reason" if finding["kind"] == "panel_variant" else "note"] = ABSENT_REASON
    return findings


def batch_findings(vcf_path, panel_path, samples=None, min_depth=8, coverage_tsv=None):
    """{sample: [findings]} in sheet order (`samples`; None: the VCF's samples).

    coverage_tsv: rule carrier_sites' coverage table (None: every row is taken as covered)."""
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
        results[sample] = find_carriers(panel, calls[sample], min_depth, not_covered) if sample in calls else None
    absent = [s for s, r in results.items() if r is None]
    for sample in absent:
        results[sample] = absent_sample_findings(panel, not_covered)
    if absent:
        log.info("%d sample(s) not in the genotype file (all no_call): %s", len(absent), ", ".join(absent))
    for sample in wanted:
        counts = Counter(f["status"] for f in results[sample] if f["kind"] == "panel_variant")
        apoe = next(f for f in results[sample] if f["kind"] == "apoe_genotype")
        log.info(
            "%s: %d found, %d not_found, %d no_call, %d not_covered; APOE %s",
            sample,
            counts["found"],
            counts["not_found"],
            counts[STATUS_NO_CALL],
            counts[STATUS_NOT_COVERED],
            apoe["genotype"] or "no_call",
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


def write_carrier_findings(vcf_path, panel_path, json_path, tsv_path, samples=None, min_depth=8, coverage_tsv=None):
    """Write the batch JSON and TSV (atomically); returns the results."""
    results = batch_findings(vcf_path, panel_path, samples, min_depth, coverage_tsv)
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
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
