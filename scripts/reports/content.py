"""What the report says, as a list of sections of simple blocks, built from the report JSON alone.

report_html.py and report_pdf.py render the same blocks, so the HTML page and the PDF say the same words and show
the same numbers and figures. Nothing here reads a file: the page can be rebuilt from the JSON
(scripts/deliver/deliver.py
relies on that).

Blocks: Para (rich text; kind "notice", "notice fail" or "small"), Heading, Table (rich cells), Figure (a key of the
figures dict, numbered in page order), Bullets, Terms. Rich text is a list of str, Bold and Badge segments.

Size: over 400 lines because the words of every report section (the report rework of issue 14 moves each section's
words beside its data).
"""

from collections import Counter
from dataclasses import dataclass, field

from af.sample_genotype_counts import COUNT_KEYS
from reports.figures import LABELS
from reports.number_format import (
    NOT_AVAILABLE,
    count,
    decimals,
    depth,
    fixed,
    fraction,
    percent,
    probability,
)
from reports.sections import NOT_COVERED_TEXT, genotyped

QC_METRICS = ("total_reads", "mapped_rate", "duplicate_rate", "mean_depth", "breadth")
RATE_KEYS = ("ti_tv", "heterozygosity", "call_rate")
VERDICT_STYLE = {  # verdict -> (word shown, symbol, background colour): never colour alone
    "pass": ("PASS", "\u2713", "#1A7F37"),
    "warn": ("WARNING", "!", "#9A5B00"),
    "fail": ("FAIL", "\u2717", "#B42318"),
    "not_applicable": ("NOT APPLICABLE", "\u2013", "#4A5568"),  # arrived as a VCF: no alignment to check
}
SECTION_TITLES = {
    "carrier": "carrier status",
    "risk_factors": "risk factors",
    "apoe": "APOE genotype",
    "pgx": "pharmacogenomics",
    "pgx_guidance": "medication guidance",
    "prs": "polygenic scores",
    "ancestry": "genetic ancestry",
    "panel_qc": "QC at the panel positions",
    "identity": "sample identity checks",
    "provenance": "provenance",
}
PGX_STATUS = {
    "called": "Called",
    "ambiguous": "Ambiguous: more than one diplotype fits",
    "no_match": "Not called: no named diplotype fits the genotypes",
    "missing_positions": "Not called: positions without a genotype",
    "no_data": "Not called: no position has a genotype",
}
OUTSIDE_CALL_TEXT = (
    ' A gene "from an outside call" was called by another tool and given in the sample sheet (an outside-call file);'
    " genorisk checked that its diplotype, phenotype and activity score agree, but has no genotypes behind it."
)
ANCESTRY_STATUS = {
    "below_min_probability": "no reference group is likely enough",
    "too_few_sites": "too few reference-panel positions have a genotype",
}
ETHICS = [
    ("Intended use", "This report is for research use only. It is not a diagnostic test, has not been clinically "
     "validated and must not be used on its own to make medical decisions. Any finding must be confirmed by an "
     "accredited clinical laboratory and interpreted by a qualified professional, such as a clinical geneticist "
     "or genetic counsellor."),
    ("Consent", "This report holds only what the participant asked to receive: the APOE genotype, secondary findings "
     "(risk factors) and polygenic scores are computed only with their consent (sample-sheet columns consent_apoe, "
     "consent_secondary, consent_prs), and a section without it says only \"not requested\". Carrier status can "
     "matter to relatives: check the consent record before sharing it."),
    ("Privacy", "This report holds personal genetic data, which identifies the participant and their relatives even "
     "without a name. Store and send it only through channels approved for sensitive personal data, give it only to "
     "authorised people, and delete copies that are no longer needed."),
]  # fmt: skip


class Bold(str):
    """A run of bold text inside rich text."""


class Link(str):
    """A web address inside rich text: a link in the HTML, the address itself in the PDF."""


@dataclass(frozen=True)
class Badge:
    """The QC verdict as a coloured word with a symbol."""

    verdict: str


@dataclass
class Para:
    text: list
    kind: str = ""


@dataclass
class Heading:
    text: str


@dataclass
class Table:
    """header: column titles (all empty: no header row); rows: lists of rich cells; numeric_from: first right-aligned
    column (None: none); highlight: per row, draw it emphasised (a found variant); widths: relative column widths
    for the PDF; small: smaller type."""

    header: list
    rows: list
    numeric_from: int | None = None
    highlight: list | None = None
    widths: list | None = None
    small: bool = False
    mono: tuple = ()  # columns of codes (hashes): monospace, broken anywhere


@dataclass
class Figure:
    key: str
    alt: str
    caption: list
    number: int = 0


@dataclass
class Bullets:
    items: list


@dataclass
class Terms:
    pairs: list


@dataclass
class Section:
    key: str
    title: str
    blocks: list = field(default_factory=list)


def rich(value):
    """Rich text as a list of segments."""
    if isinstance(value, list):
        return value
    if isinstance(value, (str, Badge)):
        return [value]
    return [str(value)]


# ---------------------------------------------------------------- numbers of the QC table


def value_text(key, value):
    """A number as a reader expects it: counts with separators, rates as percentages, ratios with decimals."""
    if value is None:
        return NOT_AVAILABLE
    if key in COUNT_KEYS or key == "total_reads":
        return count(value)
    if key in ("call_rate", "mapped_rate", "duplicate_rate", "breadth"):
        return percent(value)
    if key == "mean_depth":
        return depth(value)
    if key == "heterozygosity":
        return fixed(value, 3)
    return fixed(value, 2)


def status_sentence(section):
    """'Not run: why.' / 'No result: why.' for a section that has nothing to show; a section left out by consent
    says only 'Not requested.' (its reason, the consent column, stays in the JSON)."""
    if section["status"] == "not_requested":
        return "Not requested."
    word = "Not run" if section["status"] == "not_run" else "No result"
    return f"{word}: {section['reason']}."


def status_note(report, key):
    """The paragraph that stands for section `key` when it has nothing to show (its status sentence), or None when
    it is reported."""
    section = report["sections"][key]
    return None if section["status"] == "reported" else Para([status_sentence(section)])


# ---------------------------------------------------------------- summary


def _variants_sentence(report):
    sid, qc, variants = report["sample_id"], report["qc"], report["variants"]
    if not variants["called"]:
        return [
            "Sample ", Bold(sid), " has ", Bold("no variant results"), f": it was {variants['not_called_reason']}. "
            "Only its quality-control results are shown.",
        ]  # fmt: skip
    mine, batch = variants["sample"], variants["batch"]
    snv = mine["n_snv_het"] + mine["n_snv_hom_alt"]
    indel = mine["n_indel_het"] + mine["n_indel_hom_alt"]
    state = {
        "pass": "passed sequencing quality control",
        "warn": "passed sequencing quality control with warnings",
        "not_applicable": "arrived already called (a VCF), so sequencing quality control does not apply",
    }
    others = batch["n_samples"] - 1
    if not others:
        joined = "It is the only sample of this batch"
    elif qc["verdict"] == "not_applicable":  # a VCF row: called elsewhere, merged into the cohort here
        joined = f"Its calls were merged with those of the {count(others)} other sample(s) of this batch"
    else:
        joined = f"Its variants were called together with {count(others)} other sample(s) of this batch"
    return [
        "Sample ", Bold(sid), f" {state[qc['verdict']]}. {joined}. Compared with the reference genome it has ",
        Bold(count(snv)), " single-letter changes (SNVs) and ", Bold(count(indel)), " small insertions or deletions "
        f"(indels) at the {count(variants['n_sites'])} variant sites of the batch. These counts describe data quality "
        "and overall variation; they are not findings about disease.",
    ]  # fmt: skip


def _pgx_summary(report):
    genes = report["pgx"]
    called = {g: b for g, b in genes.items() if b["status"] == "called"}
    notable = [f"{g} {b['phenotype']} ({b['diplotypes'][0] if b['diplotypes'] else 'outside call'})"
               for g, b in called.items() if b["phenotype"] and not _usual_phenotype(b["phenotype"])]  # fmt: skip
    text = [f"{len(called)} of {len(genes)} genes called."]
    outside = [g + (" (replacing genorisk's call)" if b["replaced"] else "") for g, b in genes.items()
               if b["source"] == "outside"]  # fmt: skip
    if outside:
        text.append(f" From the sample's outside-call file: {', '.join(outside)}.")
    if notable:
        text += [" Not the usual function: ", Bold("; ".join(notable)), "."]
    elif called:
        text.append(" Every called gene has the usual (normal) function.")
    ambiguous = [f"{g} ({' or '.join(b['diplotypes'])})" for g, b in genes.items() if b["status"] == "ambiguous"]
    if ambiguous:
        text.append(f" Ambiguous, more than one diplotype fits: {'; '.join(ambiguous)}.")
    uncalled = [g for g, b in genes.items() if b["status"] not in ("called", "ambiguous")]
    if uncalled:
        text.append(f" Not called: {', '.join(uncalled)} (see the table).")
    return text


# CPIC's words for "no variant of the kind the guideline acts on was found" in the allele-status genes: RYR1 and
# CACNA1S without a malignant-hyperthermia variant are "Uncertain Susceptibility", CFTR without an
# ivacaftor-responsive variant "ivacaftor non-responsive in CF patients" (PharmCAT's phenotype tables).
USUAL_STATUS = ("uncertain susceptibility", "ivacaftor non-responsive in cf patients")


def _usual_phenotype(phenotype):
    """Normal function, VKORC1's -1639 GG, an allele-status gene without a variant of interest (USUAL_STATUS), or
    negative for every HLA allele of interest."""
    terms = [t.strip() for t in phenotype.split(";")]
    lowered = phenotype.lower()
    return lowered.startswith(("normal", "-1639 gg")) or lowered in USUAL_STATUS or all(
        t.endswith(" negative") for t in terms)  # fmt: skip


def _ancestry_summary(report):
    block = report["ancestry"]
    if block["status"] == "assigned":
        return [f"Closest reference group {block['ancestry']} (probability {probability(block['probability'])})."]
    return [f"Not assigned: {ANCESTRY_STATUS.get(block['status'], block['status'])}."]


def _identity_summary(report):
    block = report["identity"]
    text = []
    sex = block["sex"]
    if sex and sex["agrees"] is False:
        text.append(Bold(f"Inferred sex ({sex['inferred']}) differs from the sample sheet ({sex['sheet']}). "))
    disagree = [r for r in block["relatives"] if r["pedigree_agrees"] is False]
    if disagree:
        text.append(Bold(f"Relatedness disagrees with the sample sheet for {len(disagree)} pair(s). "))
    return text


def summary_section(report):
    from reports.methods import about_table  # here: it builds on this module's blocks

    blocks = [about_table(report), Para(["Quality control verdict: ", Badge(report["qc"]["verdict"])]),
              Para(_variants_sentence(report))]  # fmt: skip
    from reports import medication_guidance, panel_findings, score_section  # here: they build on this module's blocks

    sections = report["sections"]
    findings = []
    builders = {"carrier": panel_findings.carrier_summary, "risk_factors": panel_findings.risk_factor_summary,
                "pgx": _pgx_summary, "pgx_guidance": medication_guidance.summary, "prs": score_section.summary,
                "ancestry": _ancestry_summary, "apoe": panel_findings.apoe_summary}  # fmt: skip
    for key in ("carrier", "risk_factors", "pgx", "pgx_guidance", "prs", "ancestry", "apoe"):
        label = Bold(SECTION_TITLES[key][0].upper() + SECTION_TITLES[key][1:] + ": ")
        if sections[key]["status"] == "reported":
            findings.append([label, *builders[key](report)])
        else:
            findings.append([label, status_sentence(sections[key])])
    if "clinvar" in sections:
        from reports import clinvar_findings  # here: it builds on this module's blocks

        label = Bold(clinvar_findings.TITLE + ": ")
        reported = sections["clinvar"]["status"] == "reported"
        findings.append(
            [label, *(clinvar_findings.summary(report) if reported else [status_sentence(sections["clinvar"])])]
        )
    if sections["identity"]["status"] == "reported" and _identity_summary(report):
        findings.append([Bold("Identity checks: "), *_identity_summary(report)])
    blocks.append(Para([Bold("What was found")]))
    blocks.append(Bullets(findings))
    for notice in report["notices"]:
        blocks.append(Para([Bold("Note: "), notice], "notice fail" if "failed QC" in notice else "notice"))
    blocks.append(Para([Bold(report["disclaimer"])], "notice"))
    return Section("summary", "Summary", blocks)


# ---------------------------------------------------------------- QC


def _limit_text(metric, limit):
    if not limit:
        return "\u2014"
    word = "below" if limit["direction"] == "min" else "above"
    return f"warning {word} {value_text(metric, limit['warn'])}; fail {word} {value_text(metric, limit['fail'])}"


def _sequencing_qc(report):
    qc = report["qc"]
    min_depth = qc["breadth_min_depth"]
    names = {
        "total_reads": "Reads sequenced",
        "mapped_rate": "Reads aligned to the reference",
        "duplicate_rate": "Duplicate reads",
        "mean_depth": "Mean sequencing depth (reads per base)",
        "breadth": f"Breadth: target bases covered by \u2265 {min_depth} read(s)"
        if min_depth
        else "Breadth: target bases covered",
    }
    rows = [["Verdict", [Badge(qc["verdict"])], "\u2014"]]
    rows += [[names[m], value_text(m, qc["metrics"][m]), _limit_text(m, qc["thresholds"].get(m))] for m in QC_METRICS]
    target = qc["target"]
    if target["kind"] or target["bases"] is not None:
        bases = "" if target["bases"] is None else f" ({count(target['bases'])} bases)"
        rows.append(["Measured over", f"{target['kind'] or 'target'}{bases}", "\u2014"])
    blocks = [Table(["Metric", "This sample", "Limit used for the verdict"], rows, widths=[3, 2, 3])]
    if qc["reasons"]:
        blocks += [Para(["Reasons for the verdict:"]), Bullets([[r] for r in qc["reasons"]])]
    else:
        blocks.append(Para(["All metrics are within their limits."]))
    return blocks


def _position_text(chrom, pos):
    return f"{chrom}:{count(pos)}"


def _panel_qc(report):
    blocks = [Heading("Depth and genotype calls at the panel positions")]
    if note := status_note(report, "panel_qc"):
        return blocks + [note]
    block = report["panel_qc"]
    rows, header = [], ["Panel", "Positions", "With a genotype", "Call rate"]
    for panel in block["panels"]:
        rate = percent(panel["n_called"] / panel["n_positions"]) if panel["n_positions"] else NOT_AVAILABLE
        rows.append([panel["panel"], count(panel["n_positions"]), count(panel["n_called"]), rate])
    sites = block["sites"]
    if sites:
        rate = NOT_AVAILABLE if sites["call_rate"] is None else percent(sites["call_rate"])
        rows.append(["All genotyped known positions", count(sites["n_positions"]), count(sites["n_called"]), rate])
    blocks.append(Table(header, rows, numeric_from=1, widths=[4, 2, 2, 2]))
    if sites and sites["depth_median"] is not None:
        text = (f"Read depth at the genotyped positions: median {decimals(sites['depth_median'], 1)}, lowest "
                f"{count(sites['depth_min'])}.")  # fmt: skip
        if block["min_depth"] is not None:
            text += (f" {count(sites['n_below_min_depth'])} position(s) have fewer than {block['min_depth']} reads, "
                     "the minimum for a genotype: those are no-calls, never read as reference.")  # fmt: skip
        blocks.append(Para([text]))
    no_calls = block["no_calls"]
    if not no_calls:
        tested = sum(panel["n_positions"] for panel in block["panels"]) + (sites["n_positions"] if sites else 0)
        if tested:
            blocks.append(Para([Bold("No-call positions: none."), " Every panel position has a genotype."]))
        else:  # no position was looked at: nothing can be said to have a genotype
            blocks.append(
                Para([Bold("No panel position was genotyped"), " for this sample: nothing is known at them."])
            )
        return blocks
    blocks.append(Para([Bold(f"No-call positions ({count(len(no_calls))}):"), " these positions have no genotype for "
                        "this sample, so nothing is known there (neither variant nor reference)."]))  # fmt: skip
    rows = [
        [_position_text(n["chrom"], n["pos"]), n["rsid"] or "\u2014", ", ".join(n["panels"]) or "\u2014",
         "\u2014" if n["depth"] is None else count(n["depth"]), n["reason"]]
        for n in no_calls
    ]  # fmt: skip
    blocks.append(Table(["Position", "rsID", "Panel", "Depth", "Why no genotype"], rows, widths=[2.4, 1.6, 2.2, 1, 3],
                        small=True))  # fmt: skip
    return blocks


RELATIONSHIP_WORDS = {
    "duplicate_or_mz": "duplicate sample or identical twin",
    "first_degree": "first-degree relative (parent, child, sibling)",
    "second_degree": "second-degree relative",
    "third_degree": "third-degree relative",
    "unrelated": "unrelated",
    "too_few_sites": "too few shared sites to tell",
}


def _sex_text(sex):
    if sex is None:
        return "Genetic sex: not available."
    if sex["inferred"] in ("unknown", "ambiguous"):
        text = f"Genetic sex could not be inferred ({sex['inferred']}: too little or unclear chromosome X/Y data)"
    else:
        text = f"Genetic sex inferred from chromosomes X and Y: {sex['inferred']}"
    if sex["sheet"]:
        agree = {True: "agrees", False: "DISAGREES (possible sample swap)", None: "cannot be compared"}[sex["agrees"]]
        text += f"; the sample sheet says {sex['sheet']}: {agree}."
    else:
        text += "; the sample sheet gives no sex."
    return text


def _identity(report):
    blocks = [Heading("Sample identity checks")]
    if note := status_note(report, "identity"):
        return blocks + [note]
    block = report["identity"]
    sex = block["sex"]
    blocks.append(Para([_sex_text(sex)], "notice fail" if sex and sex["agrees"] is False else ""))
    if block["relatives"]:
        rows = [
            [r["sample"], "\u2014" if r["kinship"] is None else fixed(r['kinship'], 3),
             RELATIONSHIP_WORDS.get(r["relationship"], r["relationship"]),
             RELATIONSHIP_WORDS.get(r["expected_relationship"], r["expected_relationship"] or "not given"),
             {True: "yes", False: "NO", None: "\u2014"}[r["pedigree_agrees"]]]
            for r in block["relatives"]
        ]  # fmt: skip
        header = ["Other sample", "Kinship", "Relationship from the genotypes", "Sample sheet says", "Agrees"]
        blocks.append(Table(header, rows, widths=[2, 1.2, 3, 3, 1]))
    elif block["n_pairs"] and block["n_pairs_too_few_sites"] == block["n_pairs"]:
        blocks.append(Para([f"Relatedness could not be estimated: all {count(block['n_pairs'])} pairs with this sample "
                            "share too few genotyped sites."]))  # fmt: skip
    else:
        blocks.append(Para([
            f"No relative of this sample was found among the {count(block['n_pairs'])} other sample(s)."
            if block["n_pairs"] else "Relatedness was not checked: the batch has no other sample."
        ]))  # fmt: skip
    return blocks


def qc_section(report):
    from reports import accuracy  # here, not at the top: accuracy builds its words from this module's blocks

    blocks = _sequencing_qc(report) + _panel_qc(report) + _identity(report)
    blocks += accuracy.blocks(report)
    return Section("qc", "Sequencing quality control", blocks)


# ---------------------------------------------------------------- variants


GLOSSARY = [
    ("SNV", "Single-nucleotide variant: one DNA letter differs from the reference genome."),
    ("Indel", "A small insertion or deletion of DNA letters."),
    ("Heterozygous / homozygous alternate", "The variant is on one copy / on both copies of the chromosome."),
    ("Call rate", "Share of the batch's variant sites where this sample has a genotype."),
    ("Ti/Tv", "Ratio of transitions to transversions among SNVs; about 2.0-2.1 genome-wide and about 3 in exomes for "
     "good data."),
]  # fmt: skip


def variants_section(report, numbers):
    variants, sid = report["variants"], report["sample_id"]
    if not variants["called"]:
        text = [Bold("No variant results:"), f" sample {sid} was {variants['not_called_reason']}. Its variants were "
                "not called, so no counts or figures are shown for it."]  # fmt: skip
        return Section("variants", "Variants", [Para(text)])
    mine, batch = variants["sample"], variants["batch"]
    rows = []
    for key in (*COUNT_KEYS, *RATE_KEYS):
        summary = batch[key]
        median = value_text(key, summary["median"]) if summary else NOT_AVAILABLE
        spread = f"{value_text(key, summary['min'])} \u2013 {value_text(key, summary['max'])}" if summary else median
        rows.append([LABELS[key], value_text(key, mine[key]), median, spread])
    header = [
        "Measure",
        "This sample",
        f"Batch median (n\u00a0=\u00a0{count(batch['n_samples'])})",
        "Batch range (lowest \u2013 highest)",
    ]
    small = batch["n_samples"] < 3
    blocks = [
        Para([f"Counted over the {count(variants['n_sites'])} variant sites called in this batch with "
              f"{report['caller']} (genome build {report['build']}). Sites where the sample matches the reference "
              "are not counted."]),
        Table(header, rows, numeric_from=1, widths=[4, 2, 2, 2.4]),
        Figure("counts", f"Heterozygous and homozygous SNV and indel counts of sample {sid} next to the batch",
               ["Number of heterozygous and homozygous-alternate SNV and indel calls. Grey points are the samples of "
                "the batch (this sample included), the black bar their median; the orange diamond and dashed line "
                "mark this sample."], numbers["counts"]),
        Figure("scatter", f"Heterozygosity against call rate, sample {sid} highlighted",
               ["Heterozygosity against call rate for every sample of the batch. A sample far from the others may "
                "have a quality problem (e.g. contamination raises heterozygosity). \u00d7N marks N samples at the "
                "same point.", *([" ", Bold("The batch has fewer than 3 samples, so this comparison shows little.")]
                                 if small else [])], numbers["scatter"]),
        Heading("Terms used"),
        Terms([(term, [text]) for term, text in GLOSSARY]),
    ]  # fmt: skip
    return Section("variants", "Variants compared with the batch", blocks)


# ---------------------------------------------------------------- panel positions


def per_gene(positions):
    """'CYP2C19 3, TPMT 1': positions counted per gene, genes in alphabetical order."""
    counts = Counter(p["gene"] for p in positions)
    return ", ".join(f"{gene} {n}" for gene, n in sorted(counts.items()))


# ---------------------------------------------------------------- pharmacogenomics


def _diplotype_text(block):
    if block["status"] == "called":
        return Bold(block["diplotypes"][0]) if block["diplotypes"] else "not given (phenotype or score only)"
    if block["status"] == "ambiguous":
        return "one of " + ", ".join(block["diplotypes"])
    if block["status"] == "missing_positions" and block["possible_diplotypes_if_missing"]:
        more = block["n_possible_diplotypes"] - len(block["possible_diplotypes_if_missing"])
        shown = ", ".join(block["possible_diplotypes_if_missing"])
        return f"not called; possible: {shown}" + (f" and {more} more" if more > 0 else "")
    return "not called"


def _score_text(value):
    if isinstance(value, str):  # an outside call's '≥4.0' (three or more CYP2D6 copies)
        return value
    return "\u2014" if value is None else decimals(value, 2)


def _pgx_result_text(block):
    text = PGX_STATUS.get(block["status"], block["status"])
    if block["source"] == "outside":
        text += " from an outside call" + ("; replaces genorisk's own call" if block["replaced"] else "")
    return text


def pgx_section(report):
    title = "Pharmacogenomics"
    if note := status_note(report, "pgx"):
        return Section("pgx", title, [note])
    genes = report["pgx"]
    rows = []
    for gene, block in genes.items():
        n_called = sum(genotyped(c) for c in block["calls"])
        positions = "\u2014" if block["source"] == "outside" else fraction(n_called, len(block["calls"]))
        rows.append([Bold(gene), [_diplotype_text(block)], block["phenotype"] or "\u2014",
                     _score_text(block["activity_score"]), _pgx_result_text(block), positions])  # fmt: skip
    header = ["Gene", "Diplotype", "Phenotype (CPIC)", "Activity score", "Result", "Positions with a genotype"]
    blocks = [
        Para(["Star-allele diplotypes (the two copies of each gene) matched to PharmCAT's allele definitions, and the "
              "CPIC phenotype that predicts how the sample's body handles drugs acted on by the gene. A phenotype is "
              "given only when every fitting diplotype agrees on it; a position without a genotype is never taken "
              "as reference, so the gene is then not called."
              + (OUTSIDE_CALL_TEXT if any(b["source"] == "outside" for b in genes.values()) else "")]),
        Table(header, rows, widths=[1.2, 2.8, 2.2, 1, 2.4, 1.6]),
    ]  # fmt: skip
    detail = []
    for gene, block in genes.items():
        for call in block["calls"]:
            if call["status"] != "ref":
                word = {"variant": "variant", "not_covered": NOT_COVERED_TEXT}.get(call["status"], "no call")
                detail.append([gene, call["rsid"] or "\u2014", _position_text(call["chrom"], call["pos"]),
                               call["genotype"], word])  # fmt: skip
    if detail:
        blocks += [Heading("Positions with a variant or without a genotype"),
                   Table(["Gene", "rsID", "Position", "Genotype", "Status"], detail, widths=[1.2, 1.6, 2.2, 1.4, 1.4],
                         small=True),
                   Para(["Every other defining position has the reference genotype."], "small")]  # fmt: skip
    uncovered = [c | {"gene": gene} for gene, b in genes.items() for c in b["calls"] if c["status"] == "not_covered"]
    if uncovered:
        blocks.append(Para([f"{len(uncovered)} defining position(s) {NOT_COVERED_TEXT}: {per_gene(uncovered)}. "
                            "A gene with such a position is not called."]))  # fmt: skip
    versions = sorted({b["definition_version"] for b in genes.values() if b["definition_version"]})
    warnings = [f"{gene}: {w}" for gene, b in genes.items() for w in b["warnings"]]
    if warnings:
        blocks += [Para(["Matching notes:"]), Bullets([[w] for w in warnings])]
    if versions:
        untested = ("Gene copy-number changes are not tested from the sample's data (CYP2D6 is an outside call)."
                    if "CYP2D6" in genes else "CYP2D6 and gene copy-number changes are not tested.")  # fmt: skip
        blocks.append(Para([f"Allele definitions version {', '.join(versions)}. {untested}"], "small"))
    return Section("pgx", title, blocks)


# ---------------------------------------------------------------- ancestry


def ancestry_section(report, numbers):
    title = "Genetic ancestry"
    if note := status_note(report, "ancestry"):
        return Section("ancestry", title, [note])
    block = report["ancestry"]
    if block["status"] == "assigned":
        text = ["Closest reference group: ", Bold(block["ancestry"]), f" (probability "
                f"{probability(block['probability'])}, from {count(block['panel_sites'])} reference-panel positions "
                "with a genotype)."]  # fmt: skip
    else:
        prob = "" if block["probability"] is None else f" (best probability {probability(block['probability'])})"
        text = [Bold("Not assigned"), f": {ANCESTRY_STATUS.get(block['status'], block['status'])}{prob}; "
                f"{count(block['panel_sites'])} reference-panel positions have a genotype."]  # fmt: skip
    blocks = [Para(text), Para(["Genetic ancestry is a statistical similarity to reference populations, not ethnicity "
                                "or nationality. It tells how well reference data (e.g. for polygenic scores) fit "
                                "this sample."], "small")]  # fmt: skip
    if "pca" in numbers:
        shown = len(block["batch_points"])
        others = block["n_batch_with_pcs"]
        caption = ["The sample (orange diamond) among the other samples of the batch (grey) on the first two "
                   "principal components of the reference panel."]  # fmt: skip
        if shown < others:
            caption.append(f" {count(shown)} of the {count(others)} other samples are drawn.")
        if block["panel_groups"]:
            caption.append(" Shaded ellipses hold 95% of each reference group.")
        blocks.append(Figure("pca", f"Principal components 1 and 2 with sample {report['sample_id']} highlighted",
                             caption, numbers["pca"]))  # fmt: skip
    return Section("ancestry", title, blocks)


# ---------------------------------------------------------------- the document


def figure_keys(report):
    """The figures the page shows, in page order (render_html embeds exactly these)."""
    keys = ["counts", "scatter"] if report["variants"]["called"] else []
    if report["sections"]["prs"]["status"] == "reported":
        keys += [f"prs:{s['pgs_id']}" for s in report["prs"]
                 if s["status"] == "ok" and s["distribution"] and None not in (s["sum"], s["percentile"])]  # fmt: skip
    ancestry = report.get("ancestry")
    if report["sections"]["ancestry"]["status"] == "reported" and None not in ancestry["pcs"][:2]:
        keys.append("pca")
    return keys


def document(report):
    """[Section] of the whole report, in page order."""
    from reports import clinvar_findings, medication_guidance, methods, panel_findings, score_section  # build on this

    numbers = {key: i for i, key in enumerate(figure_keys(report), start=1)}
    return [
        summary_section(report),
        qc_section(report),
        variants_section(report, numbers),
        *panel_findings.sections(report),
        *clinvar_findings.section(report),
        pgx_section(report),
        medication_guidance.section(report),
        score_section.section(report, numbers),
        ancestry_section(report, numbers),
        methods.methods_section(report),
        methods.provenance_section(report),
    ]
