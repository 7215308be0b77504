"""The words of the report's sign-off parts: who and when (the identifiers at the top), methods, limitations per
section, and the provenance condensed to what a reader checks (the full checksums stay in results/provenance.json,
whose own SHA-256 the report prints).

Limitations are listed only for the sections this report holds: a section left out by consent (not requested) is
not described either.
"""

from reports import clinvar_findings, medication_guidance, score_section
from reports.content import Bold, Bullets, Heading, Para, Section, Table, status_note

DASH = "\u2014"
# What each section's test cannot see, in a reader's words (sources: config/panels/*/SOURCE.md and the tools' own
# documentation; CYP2D6 and HLA need dedicated callers, as PharmCAT's documentation says).
LIMITATIONS = {
    "variants": "Only single-letter changes (SNVs) and small insertions or deletions are called. Copy-number "
    "changes, larger deletions or duplications, structural rearrangements and repeat expansions (such as those of "
    "fragile X syndrome or Huntington disease) are not detected, nor is anything outside the target.",
    "carrier": 'Only the listed variants are tested: "not found" says nothing about other variants in the same '
    "genes. Conditions caused mostly by deletions or copy-number changes (for example alpha-thalassaemia, spinal "
    "muscular atrophy) or repeat expansions (fragile X) are not tested. Whether two variants in one gene lie on the "
    "same or on different copies cannot be told without testing the parents.",
    "risk_factors": "Only the listed risk-factor variants are tested; other inherited thrombophilias (antithrombin, "
    "protein C or protein S deficiency) and acquired risks are not.",
    "apoe": "APOE is read from two positions. When the two are not phased, one copy of each variant is read as "
    "e2/e4 (the alternative e1/e3 needs the very rare e1 form).",
    "pgx": "Star alleles are matched only at the positions the allele definitions list, so a rare variant elsewhere "
    "in a gene is missed. CYP2D6 (copy-number changes and hybrid genes), HLA-A and HLA-B need dedicated callers and "
    "are not called here.",
    "clinvar": clinvar_findings.LIMITATION,
    "ancestry": "Genetic ancestry is a similarity to the groups of the reference panel; it is not ethnicity, and "
    "groups missing from the panel cannot be recognised.",
}
SECTION_NAMES = {"variants": "Variants", "carrier": "Carrier status", "risk_factors": "Risk factors",
                 "apoe": "APOE genotype", "pgx": "Pharmacogenomics", "pgx_guidance": "Medication guidance",
                 "prs": "Polygenic scores", "clinvar": "Hereditary disease findings (ClinVar)",
                 "ancestry": "Genetic ancestry"}  # fmt: skip


def about_table(report):
    """The identifiers a lab signs off: sample, batch, report date, versions, reference."""
    provenance = report.get("provenance") or {}
    version = f"report format {report['report_version']}"
    if provenance.get("workflow_version"):
        version = f"genorisk {provenance['workflow_version']}, {version}"
    rows = [
        ["Sample", Bold(report["sample_id"])],
        ["Batch", report["batch_id"]],
        ["Report date", report["report_date"]],
        ["Version", version],
        ["Reference genome", report["build"]],
    ]
    return Table(["", ""], rows, widths=[2, 5])


def _versions(mapping):
    return ", ".join(f"{name} {version}" for name, version in mapping.items()) or "not recorded"


def _limitation(report, key):
    """LIMITATIONS[key]; for pharmacogenomics, what the sample's outside calls (if any) add; for the medication
    guidance, its data version and known gaps."""
    if key == "pgx_guidance":
        return medication_guidance.limitation(report)
    if key == "prs":
        return score_section.limitation(report)
    outside = sorted(g for g, b in report["pgx"].items() if b["source"] == "outside") if key == "pgx" else []
    if not outside:
        return LIMITATIONS[key]
    return (f"{LIMITATIONS[key]} In this report {', '.join(outside)} come from outside calls made by other tools "
            "(the sample sheet's outside-call file): genorisk checked that each call's diplotype, phenotype and "
            "activity score agree, not the genotypes behind it, and the other tool's own limits apply.")  # fmt: skip


def methods_section(report):
    methods = report["methods"]
    target = f"the target regions of {methods['target']}" if methods["target"] else "the whole reference genome"
    depth = methods["panel_min_depth"]
    blocks = [
        Para([f"Reads were aligned to {methods['build']} and variants called with {methods['caller']} over "
              f"{target}. Panel positions (carrier, risk-factor, pharmacogenomic) were genotyped at every position, "
              "the reference allele included"
              + (f", with at least {depth} read(s) for a genotype" if depth else "")
              + ": a position without a genotype is reported as not known, never as the reference."]),
        *([Para([clinvar_findings.methods_text(report)])] if clinvar_findings.methods_text(report) else []),
        Para([f"Quality-control verdicts use the thresholds shown in the quality-control table. Tools: "
              f"{_versions(methods['tools'])}. Python packages: {_versions(methods['python_packages'])}."], "small"),
        Heading("Limitations"),
    ]  # fmt: skip
    shown = ["variants"] if report["variants"]["called"] else []
    shown += [key for key in ("carrier", "risk_factors", "apoe", "clinvar", "pgx", "pgx_guidance", "prs", "ancestry")
              if report["sections"].get(key, {}).get("status") == "reported"]  # fmt: skip
    blocks.append(Bullets([[Bold(f"{SECTION_NAMES[key]}: "), _limitation(report, key)] for key in shown]))
    blocks.append(Para(["Every finding must be confirmed by an accredited clinical laboratory before medical use."]))
    return Section("methods", "Methods and limitations", blocks)


def provenance_section(report):
    title = "Provenance"
    if note := status_note(report, "provenance"):
        return Section("provenance", title, [note])
    block = report["provenance"]
    commit = block["git_commit"] + (" (with uncommitted changes)" if block["git_dirty"] else "")
    rows = [
        ["Workflow", f"genorisk {block['workflow_version']}, commit {commit}"],
        ["Configuration digest (SHA-256 of the validated settings)", block["config_sha256"]],
        ["Provenance record digest (SHA-256 of results/provenance.json)", block["record_sha256"] or "not recorded"],
        ["Reference genome", f"{block['build']}, SHA-256 {block['reference_sha256'] or 'not recorded'}"],
    ]
    roles = {}
    for panel in block["panels"]:
        roles.setdefault(panel["role"], []).append(panel["name"])
    panels = "; ".join(f"{role}: {names[0]}" if len(names) == 1 else f"{role}: {len(names)} files"
                       for role, names in roles.items())  # fmt: skip
    blocks = [
        Table(["", ""], rows, widths=[2.2, 4], mono=(1,)),
        Para([f"The provenance record lists the SHA-256 of every input file ({len(block['inputs'])} for this "
              f"sample and its batch), the tool and package versions and the full settings"
              + (f"; panels used: {panels}" if panels else "") + "."], "small"),
    ]  # fmt: skip
    return Section("provenance", title, blocks)
