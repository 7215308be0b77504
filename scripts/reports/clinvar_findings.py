"""The report's hereditary disease findings from a ClinVar release (issue 16), data and words together.

Source (read once per report job, `read_stage_inputs`): results/clinvar/findings.json (scripts/clinvar/
clinvar_findings.py): the release (the ClinVar VCF's fileDate), the review-star threshold, and per sample either
{"status": "not_requested"} (no consent_secondary and no ordered gene) or the genes screened with their P/LP position
counts (covered / not_covered / no_call) and the findings; "withheld" lists, per sample without consent, the P/LP
positions its panel QC and delivered VCF leave out.

The report's `clinvar` key: {"status": "not_requested"} and nothing else for a sample without consent; otherwise
{"status": "reported", "release", "min_review_stars", "genes", "findings"} (the stable keys of issue 16); None when
the stage did not run (no clinvar.vcf) or has nothing for the sample. The section's status sits in
report["sections"]["clinvar"] like every other section's.

Words: zygosity as a reader says it, what a finding means by the gene's inheritance (heterozygous in a dominant gene:
at risk; one copy in a recessive gene: carrier; two copies, or two findings in one recessive gene: possibly affected,
to be confirmed clinically), the Variation ID with its ClinVar link, and per gene how many P/LP positions had a
genotype, so "nothing found" is never said of a gene whose positions were not covered, nor "no variant found" of a
sample none of whose positions had a genotype (NONE_TYPED: a BAM without reads at any of them).
"""

from common.contig_names import contig_key
from common.input_error import InputError
from inputs.consent import not_requested_reason
from reports import sections as rs
from reports.content import Bold, Heading, Link, Para, Section, Table, status_note
from reports.panel_findings import ZYGOSITY

TITLE = "Hereditary disease findings (ClinVar)"
NOT_RUN_REASON = "no ClinVar release was given (clinvar.vcf is not set)"
FINDING_KEYS = ("gene", "chrom", "pos", "ref", "alt", "variation_id", "clnsig", "review_stars", "zygosity",
                "inheritance", "interpretation")  # fmt: skip
EXTRA_KEYS = ("hgvs", "condition", "genotype", "review_status", "clinvar_url", "depth")
COUNT_KEYS = ("covered", "not_covered", "no_call")
INTERPRETATION = {
    "at_risk": "At risk for a dominant condition",
    "carrier": "Carrier",
    "possibly_affected": "Possibly affected: confirm clinically",
}
INHERITANCE = {"AD": "dominant", "AR": "recessive", "XLD": "X-linked dominant", "XLR": "X-linked recessive",
               "XL": "X-linked"}  # fmt: skip
DASH = "\u2014"
NONE_TYPED = ("Not known: no pathogenic or likely pathogenic position of these genes had a genotype for this sample "
              "(not covered or no call; see the table per gene), so nothing can be said either way.")  # fmt: skip
NOT_COVERED_NOTE = ("Not covered: the position is not on this reference or outside the target. No call: too few reads "
                    "or no genotype. Neither is ever read as the reference.")  # fmt: skip


# ---------------------------------------------------------------- data


def read_findings(path):
    """findings.json as a dict; InputError when a key the report needs is missing."""
    data = rs.read_json(path, "ClinVar findings")
    missing = [k for k in ("release", "min_review_stars", "samples", "withheld") if k not in (data or {})]
    if missing:
        raise InputError(f"{path}: ClinVar findings without {', '.join(missing)}")
    return data


def read_stage_inputs(inputs):
    """{"clinvar": findings.json or None} for render_reports.load_stages (`inputs["clinvar"]`: path or None)."""
    path = inputs.get("clinvar")
    return {"clinvar": read_findings(path) if path else None}


def withheld(stages, sample):
    """{(contig key, pos)} of the P/LP positions a sample without consent has left out of its panel QC and VCF."""
    data = stages.get("clinvar") or {}
    return {(contig_key(str(chrom)), int(pos)) for chrom, pos in (data.get("withheld") or {}).get(sample, [])}


def report_finding(finding):
    return {key: finding.get(key) for key in (*FINDING_KEYS, *EXTRA_KEYS)}


def report_block(block):
    """A reported sample's `clinvar` key: the stable keys, findings ordered by position."""
    genes = {gene: {**{k: int(counts[k]) for k in COUNT_KEYS}, "inheritance": counts.get("inheritance"),
                    "condition": counts.get("condition")} for gene, counts in block["genes"].items()}  # fmt: skip
    order = {gene: i for i, gene in enumerate(genes)}
    findings = sorted((report_finding(f) for f in block["findings"]),
                      key=lambda f: (order.get(f["gene"], len(order)), f["pos"]))  # fmt: skip
    return {"status": rs.REPORTED, "release": block["release"], "min_review_stars": block["min_review_stars"],
            "genes": genes, "findings": findings}  # fmt: skip


def stage_block(sample, verdict, stages, not_run=None):
    """(section status, `clinvar` block or None) of one sample."""
    data = stages.get("clinvar")
    if data is None:
        return rs.status(rs.NOT_RUN, (not_run or {}).get("clinvar") or NOT_RUN_REASON), None
    block = data["samples"].get(sample)
    if block is None:
        return rs.status(rs.NO_RESULT, rs.absent_reason(verdict, "the ClinVar screening")), None
    if block.get("status") == rs.NOT_REQUESTED:
        return rs.status(rs.NOT_REQUESTED, not_requested_reason("secondary")), {"status": rs.NOT_REQUESTED}
    return rs.status(rs.REPORTED), report_block(block)


# ---------------------------------------------------------------- words


def _reported(report):
    return "clinvar" in report.get("sections", {}) and report["sections"]["clinvar"]["status"] == rs.REPORTED


def _clnsig(finding):
    stars = finding["review_stars"]
    return f"{finding['clnsig'].replace('_', ' ')} ({stars} review star{'s' if stars != 1 else ''})"


def _variant(finding):
    return finding["hgvs"] or f"{finding['chrom']}:{finding['pos']} {finding['ref']}>{finding['alt']}"


def gene_result(gene, counts, found_genes):
    """What the screening says of one gene, never "nothing found" where no position had a genotype."""
    total = sum(counts[k] for k in COUNT_KEYS)
    untyped = counts["not_covered"] + counts["no_call"]
    if gene in found_genes:
        return Bold("found: see above")
    if total == 0:
        return "no pathogenic or likely pathogenic record in this release"
    if counts["covered"] == 0:
        return "not known: no position had a genotype"
    if untyped:
        return f"nothing found at the {counts['covered']} position(s) with a genotype; {untyped} not known"
    return "nothing found"


def _meaning_notice(findings):
    kinds = {f["interpretation"] for f in findings}
    text = []
    if "at_risk" in kinds:
        text.append("At risk: one copy of a disease-causing variant in a gene of a dominant condition raises the risk "
                    "of that condition; not everyone with it becomes ill. Relatives may carry it too. ")  # fmt: skip
    if "possibly_affected" in kinds:
        text.append("Possibly affected: both copies of a recessive gene may carry a variant (two copies of one "
                    "variant, or two variants an unphased test cannot place on different copies). ")  # fmt: skip
    if "carrier" in kinds:
        text.append("Carrier: one copy in a gene of a recessive condition; usually healthy, but relevant for "
                    "children with a partner who carries a variant in the same gene. ")  # fmt: skip
    text.append(
        "Confirm in an accredited clinical laboratory and offer genetic counselling before acting on a finding."
    )
    return Para(text, "notice fail" if kinds & {"at_risk", "possibly_affected"} else "notice")


def links(findings):
    """Each finding's Variation ID with its ClinVar page (a link in the HTML, the address in the PDF)."""
    parts = []
    for f in findings:
        parts += [f"{f['gene']} {f['variation_id']}: ", Link(f["clinvar_url"]) if f["clinvar_url"] else DASH, ". "]
    return parts


def section(report):
    """The report section; nothing for a report made before it."""
    if "clinvar" not in report.get("sections", {}):
        return []
    if note := status_note(report, "clinvar"):
        return [Section("clinvar", TITLE, [note])]
    block = report["clinvar"]
    findings, genes = block["findings"], block["genes"]
    blocks = [Para([f"Variants that ClinVar (release {block['release']}) classifies as pathogenic or likely "
                    f"pathogenic, with at least {block['min_review_stars']} review star(s), in {len(genes)} genes of "
                    "hereditary cancer and other actionable conditions. These are secondary findings, reported only "
                    "with the participant's consent or for the genes the test was ordered for."])]  # fmt: skip
    if findings:
        rows = [[Bold(f["gene"]), _variant(f), f["variation_id"], _clnsig(f), ZYGOSITY.get(f["zygosity"], DASH),
                 INHERITANCE.get(f["inheritance"], f["inheritance"]), Bold(INTERPRETATION[f["interpretation"]])]
                for f in findings]  # fmt: skip
        header = ["Gene", "Variant (HGVS)", "Variation ID", "ClinVar classification", "Zygosity", "Inheritance",
                  "What it means"]  # fmt: skip
        blocks += [
            Heading("Found"),
            Table(header, rows, widths=[0.9, 2.4, 1, 1.7, 1.9, 1, 1.7], highlight=[True] * len(rows)),
            _meaning_notice(findings),
            Para(["ClinVar records: ", *links(findings)], "small"),
        ]
    elif any(c["covered"] for c in genes.values()):
        blocks.append(Para(["No pathogenic or likely pathogenic ClinVar variant was found at the positions with a "
                            "genotype; the table below says per gene how many positions that was."]))  # fmt: skip
    else:
        blocks.append(Para([NONE_TYPED]))
    found_genes = {f["gene"] for f in findings}
    listed = {gene: c for gene, c in genes.items() if sum(c[k] for k in COUNT_KEYS)}
    rows = [[Bold(gene), c["condition"] or DASH, INHERITANCE.get(c["inheritance"], c["inheritance"] or DASH),
             str(sum(c[k] for k in COUNT_KEYS)), str(c["covered"]), str(c["not_covered"]), str(c["no_call"]),
             gene_result(gene, c, found_genes)] for gene, c in listed.items()]  # fmt: skip
    header = ["Gene", "Condition", "Inheritance", "P/LP positions", "With a genotype", "Not covered", "No call",
              "Result"]  # fmt: skip
    if rows:
        blocks += [
            Heading("Coverage per gene"),
            Table(header, rows, numeric_from=None, widths=[0.9, 2.2, 1, 0.9, 0.9, 0.9, 0.8, 2.4], small=True),
            Para([NOT_COVERED_NOTE], "small"),
        ]
    empty = [gene for gene in genes if gene not in listed]
    if empty:
        blocks.append(Para([f"Not tested, as this ClinVar release has no pathogenic or likely pathogenic record in "
                            f"them: {', '.join(empty)}."], "small"))  # fmt: skip
    return [Section("clinvar", TITLE, blocks)]


def summary(report):
    """The summary bullet's text (after its label)."""
    block = report["clinvar"]
    findings = block["findings"]
    text = []
    for kind in ("at_risk", "possibly_affected", "carrier"):
        these = [f for f in findings if f["interpretation"] == kind]
        if these:
            names = "; ".join(f"{f['gene']} {_variant(f)} ({ZYGOSITY.get(f['zygosity'], 'found')})" for f in these)
            text += [f"{INTERPRETATION[kind]}: ", Bold(names), ". "]
    genes = block["genes"]
    unknown = sorted(g for g, c in genes.items() if c["not_covered"] + c["no_call"])
    typed = sum(1 for c in genes.values() if c["covered"])
    if not findings and not typed:
        return [NONE_TYPED]
    if not findings:
        text.append(f"no pathogenic or likely pathogenic variant found in the {typed} gene(s) with positions tested. ")
    if unknown:
        text.append(f"Not fully tested: {', '.join(unknown)}.")
    return text


def methods_text(report):
    """The methods' sentence on the ClinVar release and threshold; None when the section is not reported."""
    if not _reported(report):
        return None
    block = report["clinvar"]
    return (f"Hereditary disease findings: NCBI ClinVar release {block['release']} (the VCF's fileDate); records "
            f"classified pathogenic or likely pathogenic with at least {block['min_review_stars']} review star(s), "
            f"conflicting interpretations excluded, in {len(block['genes'])} genes; every sample was genotyped at "
            "their positions and its own calls were looked up too.")  # fmt: skip


LIMITATION = ("Only variants ClinVar classifies as pathogenic or likely pathogenic in the listed genes are looked "
              "for: variants of uncertain significance, variants not yet in ClinVar, copy-number changes and large "
              "deletions are not reported, so nothing found does not rule out a hereditary condition. Classifications "
              "change between ClinVar releases.")  # fmt: skip
