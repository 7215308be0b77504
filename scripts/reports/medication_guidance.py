"""The report's "Medication guidance" section, data and words together: the CPIC and DPWG recommendations looked up
with the sample's pharmacogene results (rule pgx_guidance, scripts/pgx/guidance.py).

Source: results/pgx/guidance.json ({sample: [row]}, one line per sample; read once per report job for its own
samples). The report's `pgx_guidance` list keeps of each row: drug, source, guideline, population, classification,
recommendation (plain text, lines kept), lookup ({gene: value looked up by}), genes, citations (PMIDs), url,
actionable, status (recommendation | cannot_be_assessed), why, data_version.

Section statuses: "not_run" with pharmacogenomics (same reason), "no_result" when the sample has no line in the
guidance file (it was not genotyped), else "reported" (possibly with no row: no tested gene has a guideline).

The page leads with the rows that change standard prescribing (pgx.guidance.is_actionable), in full; then the
other recommendations one line per drug and guideline; then the drugs that cannot be assessed, grouped by why. What a
prescriber could misread is spelled out: population codes in words, DPWG's ungraded rows as "not graded" (not "N/A"),
a lookup made without a gene ("no result") named as such.
"""

from pgx.guidance import is_heading
from reports import sections as rs
from reports.content import Bold, Bullets, Heading, Para, Section, Table, status_note
from reports.number_format import count

TITLE = "Medication guidance"
KEYS = ("drug", "source", "guideline", "population", "classification", "recommendation", "lookup", "genes", "url",
        "actionable", "status", "why")  # fmt: skip
NOT_GRADED = ("N/A", None)
ACTIVITY_SCORE_GENES = ("CYP2C9", "CYP2D6", "DPYD")
POPULATIONS = {  # CPIC's population codes in a prescriber's words
    "general": "all patients",
    "adults": "adults",
    "pediatrics": "children",
    "child >40kg_adult": "adults and children over 40 kg",
    "CVI ACS PCI": "cardiovascular: acute coronary syndrome and/or PCI",
    "CVI non-ACS non-PCI": "cardiovascular: not ACS, not PCI",
    "NVI": "neurovascular (stroke, TIA)",
    "PHT naive": "not taken phenytoin before",
    "PHT use >3mos": "phenytoin taken over 3 months without reaction",
    "CBZ naive": "not taken carbamazepine before",
    "CBZ use >3mos": "carbamazepine taken over 3 months without reaction",
    "CBZ-no alternatives": "carbamazepine-naive, no alternative available",
    "OXC naive": "not taken oxcarbazepine before",
    "OXC use >3 mos": "oxcarbazepine taken over 3 months without reaction",
}
# The shipped data's known gaps (config/panels/pgx/guidance/SOURCE.md; update both together).
KNOWN_GAPS = (
    "CPIC metoprolol (CYP2D6), hydralazine (NAT2) and the aminoglycosides dibekacin, neomycin, netilmicin and "
    "ribostamycin (MT-RNR1) are missing, as is DPWG mavacamten; CPIC warfarin (a dosing flowchart) and "
    "peginterferon/ribavirin (IFNL3) have no lookup rows and are reported as not assessable; some 2025 revisions of "
    "texts and of DPWG's classifications are not included"
)


# ---------------------------------------------------------------- data


def read_guidance(path, samples=None):
    """{sample: [row]} from guidance.json, for `samples` only."""
    return rs.read_sample_lines(path, samples, "prescribing guidance")


def report_row(row):
    return {**{key: row[key] for key in KEYS}, "citations": [str(c["pmid"]) for c in row["citations"] if c["pmid"]],
            "data_version": row.get("data_version")}  # fmt: skip


def stage_block(sample, guidance, verdict):
    """(section status, [row]) of one sample."""
    if sample not in guidance:
        return rs.status(rs.NO_RESULT, rs.absent_reason(verdict, "pharmacogenomics")), []
    return rs.status(rs.REPORTED), [report_row(row) for row in guidance[sample]]


# ---------------------------------------------------------------- words


def population_text(code):
    return POPULATIONS.get(code, code) if code else POPULATIONS["general"]


def strength(row):
    if row["classification"] in NOT_GRADED:
        return "not graded"
    return row["classification"]


def lookup_text(lookup):
    """'CYP2C19 Poor Metabolizer; CYP2D6 activity score 1.0; HLA-A no result'."""
    parts = []
    for gene, value in lookup.items():
        if value == "No Result":
            parts.append(f"{gene} no result")
        elif gene in ACTIVITY_SCORE_GENES and value[:1].isdigit() and " " not in value:
            parts.append(f"{gene} activity score {value}")
        else:
            parts.append(f"{gene} {value}")
    return "; ".join(parts)


def recommendation_blocks(text):
    """The recommendation's words as blocks: its paragraphs, list items as bullets, and what follows a heading
    ("Other Considerations") in small print under that heading in bold."""
    blocks, items, small = [], [], False
    for line in (text or "").splitlines():
        if line.startswith("- "):
            items.append([line[2:]])
            continue
        if items:
            blocks.append(Bullets(items))
            items = []
        if is_heading(line):
            small = True
            blocks.append(Para([Bold(line)], "small"))
        else:
            blocks.append(Para([line], "small" if small else ""))
    if items:
        blocks.append(Bullets(items))
    return blocks


def first_sentence(text):
    line = (text or "").splitlines()[0] if text else ""
    head, dot, _ = line.partition(". ")
    return head + (dot.strip() if dot else "")


def _guideline_label(row):
    return f"{row['source']}" + (f" ({', '.join(row['genes'])})" if len(row["genes"]) > 1 else "")


def _looked_up(row):
    text = [lookup_text(row["lookup"])]
    if row["why"]:
        text += [" ", Bold("Without a result: "), row["why"]]
    return text


def _actionable_blocks(rows):
    """Per drug a heading; per guideline row its strength, patients and lookup, then the recommendation in full."""
    blocks = []
    for drug in dict.fromkeys(r["drug"] for r in rows):
        blocks.append(Heading(drug[0].upper() + drug[1:]))
        for r in (r for r in rows if r["drug"] == drug):
            head = [Bold(f"{r['source']}, {population_text(r['population'])}: {strength(r)}."),
                    f" Looked up with {lookup_text(r['lookup'])}."]  # fmt: skip
            if r["why"]:
                head += [" ", Bold("Gene without a result: "), f"{r['why']}."]
            blocks += [Para(head), *recommendation_blocks(r["recommendation"])]
    return blocks


def _other_table(rows):
    """One line per drug and guideline: populations and strengths together, the first sentence of each distinct
    recommendation."""
    grouped = {}
    for r in rows:
        grouped.setdefault((r["drug"], r["source"], r["guideline"]), []).append(r)
    body = []
    for (drug, _source, _name), group in grouped.items():
        by_population = (f"{strength(r)} ({population_text(r['population'])})" for r in group)
        strengths = "; ".join(dict.fromkeys(by_population)) if len(group) > 1 else strength(group[0])
        leads = " / ".join(dict.fromkeys(first_sentence(r["recommendation"]) for r in group))
        body.append([drug, _guideline_label(group[0]), strengths, leads, _looked_up(group[0])])
    header = ["Drug", "Guideline", "Strength", "Recommendation (first sentence)", "Looked up with"]
    return Table(header, body, widths=[1.2, 0.9, 1.6, 4.1, 1.8], small=True)


def _cannot_bullets(rows):
    by_why = {}
    for r in rows:
        by_why.setdefault(r["why"], []).append(f"{r['drug']} ({r['source']})")
    return Bullets([[Bold(", ".join(dict.fromkeys(drugs)) + ": "), why] for why, drugs in by_why.items()])


def _references(rows):
    """One line per guideline: its name, address and PMIDs, sorted by name."""
    refs = {(r["guideline"], r["url"]): r["citations"] for r in rows}
    items = []
    for (name, url), pmids in sorted(refs.items()):
        cite = f" (PMID {', '.join(pmids)})" if pmids else ""
        items.append([f"{name.removeprefix('Annotation of ')}: {url}{cite}"])
    return Bullets(items)


def summary(report):
    """The summary line: the drugs whose recommendation changes standard prescribing, and how many cannot be
    assessed."""
    rows = report["pgx_guidance"]
    actionable = list(dict.fromkeys(r["drug"] for r in rows if r["actionable"]))
    cannot = {r["drug"] for r in rows if r["status"] == "cannot_be_assessed"}
    text = ([f"a guideline changes standard prescribing for {count(len(actionable))} drug(s): ",
             Bold(", ".join(actionable)), "."]
            if actionable else ["no guideline recommendation changes standard prescribing."])  # fmt: skip
    if cannot:
        text.append(f" {count(len(cannot))} drug(s) cannot be assessed (see the section).")
    return text


def section(report):
    if note := status_note(report, "pgx_guidance"):
        return Section("pgx_guidance", TITLE, [note])
    rows = report["pgx_guidance"]
    actionable = [r for r in rows if r["actionable"]]
    other = [r for r in rows if r["status"] == "recommendation" and not r["actionable"]]
    cannot = [r for r in rows if r["status"] == "cannot_be_assessed"]
    blocks = [Para(["What the CPIC and DPWG guidelines recommend for this sample's pharmacogene results (previous "
                    "section), for every drug whose guideline uses a gene tested here. The recommendations are the "
                    "guidelines' own words and apply only if the drug is being considered; they do not replace "
                    "clinical judgement, other drugs taken, or organ function. A gene without a result is never "
                    "assumed normal: the drug is listed as not assessable, or, where the guideline gives a "
                    "recommendation for a missing result, that one is shown and says so."])]  # fmt: skip
    if not rows:
        blocks.append(Para(["No guideline uses a gene tested for this sample."]))
        return Section("pgx_guidance", TITLE, blocks)
    drugs = len({r["drug"] for r in actionable})
    blocks.append(Heading(f"Changes to standard prescribing: {count(drugs)} drug(s)"))
    if actionable:
        blocks += _actionable_blocks(actionable)
    else:
        blocks.append(Para(["None of the recommendations below changes standard prescribing."]))
    if other:
        drugs = len({r["drug"] for r in other})
        blocks += [Heading(f"Standard prescribing or no recommendation: {count(drugs)} drug(s)"), _other_table(other)]
    if cannot:
        drugs = len({r["drug"] for r in cannot})
        blocks += [Heading(f"Cannot be assessed: {count(drugs)} drug(s)"), _cannot_bullets(cannot)]
    blocks += [
        Para(["Strength: the guideline's classification of its recommendation (CPIC: Strong, Moderate, Optional); "
              "DPWG's recommendations in this data carry no grade (\"not graded\"). \"No result\" in a lookup: the "
              "guideline's recommendation for when that gene has no result."], "small"),
        Para([Bold("Guidelines cited: ")], "small"),
        _references([r for r in rows if r["status"] == "recommendation"] or rows),
    ]  # fmt: skip
    return Section("pgx_guidance", TITLE, blocks)


def limitation(report):
    """The section's limitation: the data version and its known gaps."""
    versions = sorted({r["data_version"] for r in report["pgx_guidance"] if r.get("data_version")})
    version = ", ".join(versions) or "not recorded"
    return (f"Recommendations are CPIC and DPWG guideline annotations from PharmGKB/ClinPGx as shipped by PharmCAT "
            f"2.12 (data version {version}). Known gaps against the 2025 guidelines: {KNOWN_GAPS}. Guidelines are "
            "revised; check the guideline before prescribing. CYP2D6, HLA-A and HLA-B are used only when called "
            "elsewhere and given as outside calls.")  # fmt: skip
