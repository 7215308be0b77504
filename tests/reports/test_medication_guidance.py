"""scripts/reports/medication_guidance.py: the words of the Medication guidance section, on hand-made rows."""

from reports import medication_guidance as mg
from reports.content import Bullets, Heading, Para, Table


def row(drug, actionable, status="recommendation", source="CPIC", population="general", why=None, **extra):
    given = status == "recommendation"
    return {"drug": drug, "source": source, "guideline": f"Annotation of {source} Guideline for {drug}",
            "population": population if given else None, "classification": "Strong" if given else None,
            "recommendation": f"Text for {drug}.\nOther Considerations\nMore." if given else None,
            "lookup": {"CYP2C19": "Poor Metabolizer"}, "genes": ["CYP2C19"], "citations": ["1"],
            "url": f"https://x/{drug}", "actionable": actionable, "status": status, "why": why,
            "data_version": "2024-03-25-16-13", **extra}  # fmt: skip


def report(rows, status="reported"):
    return {"pgx_guidance": rows, "sections": {"pgx_guidance": {"status": status, "reason": None}}}


def texts(blocks):
    out = []
    for block in blocks:
        if isinstance(block, (Heading,)):
            out.append(("h", block.text))
        elif isinstance(block, Para):
            out.append(("p", "".join(map(str, block.text))))
        elif isinstance(block, Table):
            out.append(("t", [str(r[0]) for r in block.rows]))
        elif isinstance(block, Bullets):
            out.append(("b", ["".join(map(str, item)) for item in block.items]))
    return out


def test_words_of_a_lookup():
    assert mg.lookup_text({"CYP2D6": "1.0", "HLA-A": "No Result", "HLA-B": "*15:02 positive"}) == (
        "CYP2D6 activity score 1.0; HLA-A no result; HLA-B *15:02 positive"
    )
    assert mg.lookup_text({"DPYD": "1.5 (Intermediate Metabolizer)"}) == "DPYD 1.5 (Intermediate Metabolizer)"
    assert mg.population_text("CVI ACS PCI") == "cardiovascular: acute coronary syndrome and/or PCI"
    assert mg.population_text(None) == "all patients" and mg.population_text("new code") == "new code"
    assert mg.strength({"classification": "N/A"}) == "not graded"


def test_section_leads_with_the_actionable_rows_then_the_rest_compactly():
    rows = [row("abacavir", False), row("codeine", True),
            row("clopidogrel", True, population="CVI ACS PCI"), row("clopidogrel", True, population="NVI"),
            row("warfarin", False, "cannot_be_assessed", why="no lookup table"),
            row("tramadol", False, "cannot_be_assessed", why="no lookup table")]  # fmt: skip
    found = texts(mg.section(report(rows)).blocks)
    headings = [t for kind, t in found if kind == "h"]
    assert headings == [
        "Changes to standard prescribing: 2 drug(s)", "Codeine", "Clopidogrel",
        "Standard prescribing or no recommendation: 1 drug(s)", "Cannot be assessed: 2 drug(s)",
    ]  # fmt: skip
    paragraphs = [t for kind, t in found if kind == "p"]
    head = "CPIC, cardiovascular: acute coronary syndrome and/or PCI: Strong. Looked up with CYP2C19 Poor Metabolizer."
    assert head in paragraphs
    assert "Other Considerations" in paragraphs and "More." in paragraphs
    assert ("t", ["abacavir"]) in found
    assert ("b", ["warfarin (CPIC), tramadol (CPIC): no lookup table"]) in found


def test_summary_and_limitation():
    rows = [row("codeine", True), row("codeine", True, source="DPWG"), row("warfarin", False, "cannot_be_assessed",
            why="x")]  # fmt: skip
    assert "".join(map(str, mg.summary(report(rows)))) == (
        "a guideline changes standard prescribing for 1 drug(s): codeine. 1 drug(s) cannot be assessed (see the "
        "section)."
    )
    assert "".join(map(str, mg.summary(report([row("x", False)])))) == (
        "no guideline recommendation changes standard prescribing."
    )
    limitation = mg.limitation(report(rows))
    assert "data version 2024-03-25-16-13" in limitation and "metoprolol (CYP2D6), hydralazine (NAT2)" in limitation


def test_a_section_without_its_stage_says_why():
    section = mg.section({"pgx_guidance": [], "sections": {"pgx_guidance": {"status": "not_run", "reason": "why"}}})
    assert texts(section.blocks) == [("p", "Not run: why.")]
