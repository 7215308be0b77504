"""The words of the carrier panel's three sections, one per kind of finding (the panel's `kind` column):

- carrier status for recessive conditions (kind carrier): one copy = carrier; two copies, or two or more variants
  in one gene = possibly affected, to be confirmed clinically (carrier_panel.interpret);
- risk factors (kind risk_factor: factor V Leiden, prothrombin G20210A): one copy / two copies and what that means;
- the APOE genotype (kind apoe), returned only to a participant who asked for it (consent_apoe).

Genotypes are written as a person reads them: zygosity in words, and the alleles on the gene's coding strand next
to the HGVS name (HBB c.20A>T heterozygous is A/T, although the VCF on the plus strand has T/A); the plus-strand
VCF genotype is kept in the JSON and shown in small print for specialists. The sources of the wording are cited in
config/panels/carrier/SOURCE.md.
"""

from collections import Counter

from reports.content import Bold, Heading, Para, Section, Table, per_gene, status_note
from reports.sections import NOT_COVERED_TEXT

TITLES = {
    "carrier": "Carrier status for recessive conditions",
    "risk_factors": "Risk factors",
    "apoe": "APOE genotype",
}
ZYGOSITY = {
    "heterozygous": "heterozygous: one copy of the variant",
    "homozygous": "homozygous: two copies of the variant",
    "hemizygous": "hemizygous: one copy, on the only copy of its chromosome",
}
INTERPRETATION = {"carrier": "Carrier", "possibly_affected": "Possibly affected: confirm clinically"}
DASH = "\u2014"


def result_words(finding):
    """The result of one panel variant in words: zygosity for a found variant, else why nothing was found."""
    if finding["status"] == "found":
        return ZYGOSITY.get(finding["zygosity"], "found")
    if finding["status"] == "not_found":
        return "not found: no copy of the variant"
    if finding["status"] == "not_covered":
        return f"not known: {NOT_COVERED_TEXT}"
    return f"not known: no genotype ({finding['reason'] or 'no call'})"


def genotype_cell(finding):
    """The coding-strand genotype, or a dash when there is none."""
    return finding["coding_genotype"] or DASH


def genomic_text(finding):
    """'chr11:5,227,002 T/A': where the variant is on the reference and its VCF (plus-strand) genotype."""
    genotype = finding["genomic_genotype"] or "no genotype"
    return f"{finding['chrom']}:{finding['pos']:,} {genotype}"


def variant_name(finding):
    return f"{finding['gene']} {finding['variant']}"


def _counts(findings):
    return Counter(f["status"] for f in findings)


def _tested_sentence(findings, what):
    counts = _counts(findings)
    genes = len({f["gene"] for f in findings})
    text = [
        f"{len(findings)} {what} in {genes} gene(s) were tested: ",
        Bold(f"{counts['found']} found"),
        f", {counts['not_found']} not found",
    ]
    if counts["no_call"]:
        text.append(f", {counts['no_call']} not known (no genotype: nothing is known there)")
    if counts["not_covered"]:
        uncovered = per_gene(f for f in findings if f["status"] == "not_covered")
        text.append(f", {counts['not_covered']} {NOT_COVERED_TEXT} ({uncovered}): nothing is known there")
    return Para([*text, "."])


def _all_tested_table(findings):
    """Every tested variant: gene, HGVS, coding-strand genotype, result words, depth, and the genomic position with
    the VCF genotype in small print for specialists."""
    rows = [
        [
            f["gene"],
            f["variant"],
            genotype_cell(f),
            result_words(f),
            DASH if f["depth"] is None else str(f["depth"]),
            genomic_text(f),
        ]
        for f in findings
    ]
    header = [
        "Gene",
        "Variant (HGVS)",
        "Genotype (gene's strand)",
        "Result",
        "Depth",
        "Reference position, VCF genotype",
    ]
    return Table(
        header,
        rows,
        widths=[1, 3.2, 1.5, 2.8, 0.9, 2.6],
        highlight=[f["status"] == "found" for f in findings],
        small=True,
    )


def _strand_note(findings):
    minus = sorted({f["gene"] for f in findings if f["strand"] == "-"})
    text = (
        "Genotypes are written on each gene's coding strand, as its HGVS name is, so c.20A>T reads A (reference) "
        "and T (variant). "
    )
    if minus:
        text += (
            f"{', '.join(minus)} lie on the minus strand of the reference, so the VCF genotype in the last column "
            "(plus strand) shows the complementary bases."
        )
    return Para([text], "small")


def _found_table(found, meaning, widths):
    """The "Found" heading and table of a section: gene, HGVS, coding-strand genotype, zygosity, condition, and what
    the finding means (`meaning`: finding -> cell)."""
    rows = [[Bold(f["gene"]), f["variant"], genotype_cell(f), ZYGOSITY.get(f["zygosity"], f["zygosity"]),
             f["condition"] or DASH, meaning(f)] for f in found]  # fmt: skip
    header = ["Gene", "Variant (HGVS)", "Genotype", "Zygosity", "Condition", "What it means"]
    return [Heading("Found"), Table(header, rows, widths=widths, highlight=[True] * len(rows))]


def _panel_section(report, key, intro, tested, meaning, widths, notes):
    """A panel section (carrier, risk factors): what it is (`intro`), what was tested, the "Found" table (`meaning`:
    finding -> cell; `widths`), the blocks `notes(found, findings)` gives, then every tested variant."""
    title = TITLES[key]
    if note := status_note(report, key):
        return Section(key, title, [note])
    findings = report[key]
    found = [f for f in findings if f["status"] == "found"]
    blocks = [Para([intro]), _tested_sentence(findings, tested)]
    if found:
        blocks += _found_table(found, meaning, widths)
    blocks += notes(found, findings)
    blocks += [Heading("Every tested variant"), _all_tested_table(findings), _strand_note(findings)]
    return Section(key, title, blocks)


CARRIER_INTRO = (
    "A recessive condition affects a person who has a disease-causing variant on both copies of a gene. A carrier has "
    "one copy: usually healthy, but when both parents carry a variant in the same gene, each child has a 1 in 4 chance "
    "of the condition."
)


def _carrier_notes(found, findings):
    if not found:
        return []
    affected = sorted({f["gene"] for f in found if f["interpretation"] == "possibly_affected"})
    if affected:
        text = [
            Bold("Possibly affected: "),
            f"in {', '.join(affected)} both copies of the gene may carry a variant (two copies of one variant, or two "
            "different variants whose copies an unphased test cannot tell apart). This needs clinical confirmation in "
            "an accredited laboratory, and genetic counselling.",
        ]
        return [Para(text, "notice fail")]
    text = (
        "Being a carrier matters for the children of two carriers of the same condition. Confirm in an accredited "
        "laboratory and offer genetic counselling before acting on a finding."
    )
    return [Para([text], "notice")]


def carrier_section(report):
    meaning = lambda f: Bold(INTERPRETATION[f["interpretation"]])  # noqa: E731
    widths = [1, 2.8, 1.1, 2.4, 2.4, 2]
    return _panel_section(report, "carrier", CARRIER_INTRO, "variants for recessive conditions", meaning, widths,
                          _carrier_notes)  # fmt: skip


RISK_MEANING = {
    "heterozygous": "One copy: a raised risk. Many people with one copy never develop the condition.",
    "homozygous": "Two copies: a higher risk than with one copy. Discuss with a clinician.",
    "hemizygous": "One copy on the only copy of its chromosome: discuss with a clinician.",
}
RISK_INTRO = (
    "A risk factor is a common variant that raises the chance of a condition without causing it on its own; it is not "
    "a carrier state for a recessive condition. The result adds to other risks and is read with them by a clinician."
)


def _risk_factor_notes(found, findings):
    if not any("thrombophilia" in (f["condition"] or "").lower() for f in findings):
        return []
    text = (
        "Factor V Leiden and prothrombin G20210A raise the risk of blood clots in the veins (deep-vein thrombosis, "
        "pulmonary embolism). Their risk adds to that of pregnancy, oestrogen-containing contraception or hormone "
        "therapy, surgery, immobility and long travel; two copies, or one copy of each, raise it more than one copy."
    )
    return [Para([text], "notice" if found else "small")]


def risk_factor_section(report):
    meaning = lambda f: RISK_MEANING.get(f["zygosity"], DASH)  # noqa: E731
    widths = [0.9, 2.6, 1, 2.2, 2.4, 2.8]
    return _panel_section(report, "risk_factors", RISK_INTRO, "risk-factor variants", meaning, widths,
                          _risk_factor_notes)  # fmt: skip


def apoe_section(report):
    title = TITLES["apoe"]
    if note := status_note(report, "apoe"):
        return Section("apoe", title, [note])
    apoe = report["apoe"]
    blocks = [
        Para(
            [
                "Returned because the participant asked to receive it. APOE has three common forms, e2, e3 and e4, "
                "set by two positions (rs429358 and rs7412)."
            ]
        )
    ]
    if apoe["genotype"]:
        e4 = apoe["genotype"].count("e4")
        meaning = {
            0: "No e4 copy.",
            1: "One e4 copy: a raised risk of late-onset Alzheimer disease.",
            2: "Two e4 copies: a higher risk of late-onset Alzheimer disease than one copy.",
        }[e4]
        blocks.append(
            Para(
                [
                    "APOE genotype: ",
                    Bold(apoe["genotype"]),
                    f". {meaning} e4 raises the risk of late-onset "
                    "Alzheimer disease and e2 lowers it; neither predicts whether a person will develop it. "
                    "Offer genetic counselling with this result.",
                ]
            )
        )
        if apoe["note"]:
            blocks.append(Para([f"Note: {apoe['note']}."], "small"))
    else:
        blocks.append(Para([Bold("APOE genotype not determined"), f": {apoe['note'] or 'no call'}."]))
    rows = [
        [
            f["rsid"] or DASH,
            f["variant"],
            genotype_cell(f),
            result_words(f),
            DASH if f["depth"] is None else str(f["depth"]),
            genomic_text(f),
        ]
        for f in apoe["sites"]
    ]
    header = ["rsID", "Variant (HGVS)", "Genotype", "Result", "Depth", "Reference position, VCF genotype"]
    blocks.append(Table(header, rows, widths=[1.1, 3, 1.1, 2.8, 0.9, 2.6], small=True))
    return Section("apoe", title, blocks)


# ---------------------------------------------------------------- summary lines


def _found_names(found):
    return "; ".join(f"{variant_name(f)} ({ZYGOSITY.get(f['zygosity'], 'found')})" for f in found)


def carrier_summary(report):
    findings = report["carrier"]
    found = [f for f in findings if f["status"] == "found"]
    untyped = sum(f["status"] in ("no_call", "not_covered") for f in findings)
    if found:
        words = []
        for interpretation in ("possibly_affected", "carrier"):
            these = [f for f in found if f["interpretation"] == interpretation]
            if these:
                label = "Possibly affected, confirm clinically" if interpretation != "carrier" else "Carrier"
                words += [Bold(f"{label}: "), _found_names(these), ". "]
        text = words
    elif untyped == len(findings):
        return [f"none of the {len(findings)} variants could be tested (no genotype at any of them)."]
    else:
        text = [f"not a carrier of any of the {len(findings) - untyped} variants tested. "]
    if untyped:
        text.append(f"{untyped} variant(s) not known (no genotype).")
    return text


def risk_factor_summary(report):
    findings = report["risk_factors"]
    found = [f for f in findings if f["status"] == "found"]
    untyped = sum(f["status"] in ("no_call", "not_covered") for f in findings)
    text = (
        [Bold(_found_names(found) + ". ")] if found else [f"none of the {len(findings) - untyped} tested was found. "]
    )
    if untyped:
        text.append(f"{untyped} not known (no genotype).")
    return text


def apoe_summary(report):
    apoe = report["apoe"]
    return [Bold(apoe["genotype"]), "."] if apoe["genotype"] else [f"not determined ({apoe['note'] or 'no call'})."]


def sections(report):
    return [carrier_section(report), risk_factor_section(report), apoe_section(report)]
