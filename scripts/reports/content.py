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
from reports.figures import LABELS, ordinal, short_number
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
    "carrier": "carrier screening",
    "pgx": "pharmacogenomics",
    "prs": "polygenic scores",
    "ancestry": "genetic ancestry",
    "panel_qc": "QC at the panel positions",
    "identity": "sample identity checks",
    "provenance": "provenance",
}
INHERITANCE = {"AR": "autosomal recessive", "AD": "autosomal dominant", "XL": "X-linked", "XLR": "X-linked recessive",
               "XLD": "X-linked dominant", "MT": "mitochondrial"}  # fmt: skip
PGX_STATUS = {
    "called": "Called",
    "ambiguous": "Ambiguous: more than one diplotype fits",
    "no_match": "Not called: no named diplotype fits the genotypes",
    "missing_positions": "Not called: positions without a genotype",
    "no_data": "Not called: no position has a genotype",
}
ANCESTRY_STATUS = {
    "below_min_probability": "no reference group is likely enough",
    "too_few_sites": "too few reference-panel positions have a genotype",
}
ETHICS = [
    ("Intended use", "This report is for research use only. It is not a diagnostic test, has not been clinically "
     "validated and must not be used on its own to make medical decisions. Any finding must be confirmed by an "
     "accredited clinical laboratory and interpreted by a qualified professional, such as a clinical geneticist "
     "or genetic counsellor."),
    ("Consent", "Share results only as the participant agreed when giving consent. Carrier status, APOE genotype and "
     "polygenic scores can matter to relatives and may be unwanted: check the consent record before returning them."),
    ("Privacy", "This report holds personal genetic data, which identifies the participant and their relatives even "
     "without a name. Store and send it only through channels approved for sensitive personal data, give it only to "
     "authorised people, and delete copies that are no longer needed."),
]  # fmt: skip


class Bold(str):
    """A run of bold text inside rich text."""


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


# ---------------------------------------------------------------- number formats


def count_text(value):
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def trim(value, digits):
    """A number with at most `digits` decimals, none when it is whole (15 not 15.0)."""
    return f"{int(value)}" if float(value).is_integer() else f"{value:.{digits}f}"


def percent(value):
    return f"{trim(round(value * 100, 1), 1)} %"


def value_text(key, value):
    """A number as a reader expects it: counts with separators, rates as percentages, ratios with decimals."""
    if value is None:
        return "not available"
    if key in COUNT_KEYS or key == "total_reads":
        return count_text(value)
    if key in ("call_rate", "mapped_rate", "duplicate_rate", "breadth"):
        return percent(value)
    if key == "mean_depth":
        return f"{trim(value, 1)}\u00d7"
    if key == "heterozygosity":
        return f"{value:.3f}"
    return f"{value:.2f}"


def probability_text(value):
    """A probability as a percentage; never rounded up to 100 % (0.998 is 99.8 %, 0.9996 is > 99.9 %)."""
    if value is None:
        return "not available"
    if value > 0.999:
        return "> 99.9 %"
    return f"{trim(round(value * 100, 1), 1)} %"


def fraction_text(n, total):
    return f"{n:,} of {total:,}" + (f" ({percent(n / total)})" if total else "")


def status_sentence(section):
    """'Not run: why.' / 'No result: why.' for a section that has nothing to show."""
    word = "Not run" if section["status"] == "not_run" else "No result"
    return f"{word}: {section['reason']}."


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
        joined = f"Its calls were merged with those of the {others} other sample(s) of this batch"
    else:
        joined = f"Its variants were called together with {others} other sample(s) of this batch"
    return [
        "Sample ", Bold(sid), f" {state[qc['verdict']]}. {joined}. Compared with the reference genome it has ",
        Bold(f"{snv:,}"), " single-letter changes (SNVs) and ", Bold(f"{indel:,}"), " small insertions or deletions "
        f"(indels) at the {variants['n_sites']:,} variant sites of the batch. These counts describe data quality and "
        "overall variation; they are not findings about disease.",
    ]  # fmt: skip


def _carrier_summary(report):
    variants = report["carrier"]
    found = [v for v in variants if v["status"] == "found"]
    no_call = sum(v["status"] == "no_call" for v in variants)
    uncovered = sum(v["status"] == "not_covered" for v in variants)
    if found:
        names = "; ".join(f"{v['gene']} {v['variant']} ({v['zygosity'] or 'found'})" for v in found)
        text = [Bold(f"Found {len(found)} of the {len(variants)} tested variants: "), names + "."]
    elif no_call + uncovered == len(variants):
        return [f"None of the {len(variants)} variants could be tested (no genotype at any of them)."]
    else:
        text = [f"None of the {len(variants) - no_call - uncovered} variants tested was found."]
    if no_call:
        text.append(f" {no_call} could not be tested (no call).")
    if uncovered:
        text.append(f" {uncovered} {'is' if uncovered == 1 else 'are'} {NOT_COVERED_TEXT}.")
    apoe = report.get("apoe")
    if apoe and apoe["genotype"]:
        text.append(f" APOE genotype {apoe['genotype']}.")
    return text


def _pgx_summary(report):
    genes = report["pgx"]
    called = {g: b for g, b in genes.items() if b["status"] == "called"}
    notable = [f"{g} {b['phenotype']} ({b['diplotypes'][0]})" for g, b in called.items()
               if b["phenotype"] and not b["phenotype"].startswith(("Normal", "-1639 GG"))]  # fmt: skip
    text = [f"{len(called)} of {len(genes)} genes called."]
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


def _prs_summary(report):
    parts = []
    for score in report["prs"]:
        if score["status"] == "ok" and score["percentile"] is not None:
            parts.append(f"{score['pgs_id']} ({score['trait'] or 'trait not given'}): {ordinal(score['percentile'])} "
                         f"percentile within this batch of {score['reference']['n_samples']:,}")  # fmt: skip
        else:
            parts.append(f"{score['pgs_id']}: not computed")
    return ["; ".join(parts) + "."]


def _ancestry_summary(report):
    block = report["ancestry"]
    if block["status"] == "assigned":
        return [f"Closest reference group {block['ancestry']} (probability {probability_text(block['probability'])})."]
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
    blocks = [Para(["Quality control verdict: ", Badge(report["qc"]["verdict"])]), Para(_variants_sentence(report))]
    sections = report["sections"]
    findings = []
    builders = {"carrier": _carrier_summary, "pgx": _pgx_summary, "prs": _prs_summary, "ancestry": _ancestry_summary}
    for key in ("carrier", "pgx", "prs", "ancestry"):
        label = Bold(SECTION_TITLES[key].capitalize() + ": ")
        if sections[key]["status"] == "reported":
            findings.append([label, *builders[key](report)])
        else:
            findings.append([label, status_sentence(sections[key])])
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
        bases = "" if target["bases"] is None else f" ({target['bases']:,} bases)"
        rows.append(["Measured over", f"{target['kind'] or 'target'}{bases}", "\u2014"])
    blocks = [Table(["Metric", "This sample", "Limit used for the verdict"], rows, widths=[3, 2, 3])]
    if qc["reasons"]:
        blocks += [Para(["Reasons for the verdict:"]), Bullets([[r] for r in qc["reasons"]])]
    else:
        blocks.append(Para(["All metrics are within their limits."]))
    return blocks


def _position_text(chrom, pos):
    return f"{chrom}:{pos:,}"


def _panel_qc(report):
    section = report["sections"]["panel_qc"]
    blocks = [Heading("Depth and genotype calls at the panel positions")]
    if section["status"] != "reported":
        return blocks + [Para([status_sentence(section)])]
    block = report["panel_qc"]
    rows, header = [], ["Panel", "Positions", "With a genotype", "Call rate"]
    for panel in block["panels"]:
        rate = percent(panel["n_called"] / panel["n_positions"]) if panel["n_positions"] else "not available"
        rows.append([panel["panel"], f"{panel['n_positions']:,}", f"{panel['n_called']:,}", rate])
    sites = block["sites"]
    if sites:
        rate = "not available" if sites["call_rate"] is None else percent(sites["call_rate"])
        rows.append(["All genotyped known positions", f"{sites['n_positions']:,}", f"{sites['n_called']:,}", rate])
    blocks.append(Table(header, rows, numeric_from=1, widths=[4, 2, 2, 2]))
    if sites and sites["depth_median"] is not None:
        depth = (f"Read depth at the genotyped positions: median {trim(sites['depth_median'], 1)}, lowest "
                 f"{sites['depth_min']}.")  # fmt: skip
        if block["min_depth"] is not None:
            depth += (f" {sites['n_below_min_depth']:,} position(s) have fewer than {block['min_depth']} reads, the "
                      "minimum for a genotype: those are no-calls, never read as reference.")  # fmt: skip
        blocks.append(Para([depth]))
    no_calls = block["no_calls"]
    if not no_calls:
        blocks.append(Para([Bold("No-call positions: none."), " Every panel position has a genotype."]))
        return blocks
    blocks.append(Para([Bold(f"No-call positions ({len(no_calls):,}):"), " these positions have no genotype for this "
                        "sample, so nothing is known there (neither variant nor reference)."]))  # fmt: skip
    rows = [
        [_position_text(n["chrom"], n["pos"]), n["rsid"] or "\u2014", ", ".join(n["panels"]) or "\u2014",
         "\u2014" if n["depth"] is None else str(n["depth"]), n["reason"]]
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
    section = report["sections"]["identity"]
    blocks = [Heading("Sample identity checks")]
    if section["status"] != "reported":
        return blocks + [Para([status_sentence(section)])]
    block = report["identity"]
    sex = block["sex"]
    blocks.append(Para([_sex_text(sex)], "notice fail" if sex and sex["agrees"] is False else ""))
    if block["relatives"]:
        rows = [
            [r["sample"], "\u2014" if r["kinship"] is None else f"{r['kinship']:.3f}",
             RELATIONSHIP_WORDS.get(r["relationship"], r["relationship"]),
             RELATIONSHIP_WORDS.get(r["expected_relationship"], r["expected_relationship"] or "not given"),
             {True: "yes", False: "NO", None: "\u2014"}[r["pedigree_agrees"]]]
            for r in block["relatives"]
        ]  # fmt: skip
        header = ["Other sample", "Kinship", "Relationship from the genotypes", "Sample sheet says", "Agrees"]
        blocks.append(Table(header, rows, widths=[2, 1.2, 3, 3, 1]))
    elif block["n_pairs"] and block["n_pairs_too_few_sites"] == block["n_pairs"]:
        blocks.append(Para([f"Relatedness could not be estimated: all {block['n_pairs']} pairs with this sample share "
                            "too few genotyped sites."]))  # fmt: skip
    else:
        blocks.append(Para([
            f"No relative of this sample was found among the {block['n_pairs']} other sample(s)."
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
        median = value_text(key, summary["median"]) if summary else "not available"
        spread = f"{value_text(key, summary['min'])} \u2013 {value_text(key, summary['max'])}" if summary else median
        rows.append([LABELS[key], value_text(key, mine[key]), median, spread])
    header = [
        "Measure",
        "This sample",
        f"Batch median (n = {batch['n_samples']})",
        "Batch range (lowest \u2013 highest)",
    ]
    small = batch["n_samples"] < 3
    blocks = [
        Para([f"Counted over the {variants['n_sites']:,} variant sites called in this batch with {report['caller']} "
              f"(genome build {report['build']}). Sites where the sample matches the reference are not counted."]),
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


# ---------------------------------------------------------------- carrier findings


def _alleles(variant):
    """The genotype in bases, e.g. 'G/A' for '0/1' (panel allele numbers: 0 REF, 1 ALT, 2 another allele)."""
    text = variant["genotype"]
    if not text:
        return "no genotype"
    names = {"0": variant["ref"], "1": variant["alt"], "2": "other", ".": "?"}
    sep = "|" if "|" in text else "/"
    return sep.join(names.get(part, part) for part in text.split(sep))


def _per_gene(positions):
    """'CYP2C19 3, TPMT 1': positions counted per gene, genes in alphabetical order."""
    counts = Counter(p["gene"] for p in positions)
    return ", ".join(f"{gene} {n}" for gene, n in sorted(counts.items()))


def _carrier_result(variant):
    if variant["status"] == "found":
        return Bold(f"FOUND ({variant['zygosity'] or 'carried'})")
    if variant["status"] == "not_found":
        return "Tested, not found"
    if variant["status"] == "not_covered":
        return NOT_COVERED_TEXT[0].upper() + NOT_COVERED_TEXT[1:]
    return f"No call: {variant['reason'] or 'no genotype'}"


def _inheritance(text):
    if not text:
        return "\u2014"
    head, _, rest = text.partition(",")
    return INHERITANCE.get(head.strip(), head.strip()) + (f",{rest}" if rest else "")


def carrier_section(report):
    section = report["sections"]["carrier"]
    if section["status"] != "reported":
        return Section("carrier", "Carrier findings", [Para([status_sentence(section)])])
    variants = report["carrier"]
    found = [v for v in variants if v["status"] == "found"]
    counts = {s: sum(v["status"] == s for v in variants) for s in ("found", "not_found", "no_call", "not_covered")}
    genes = len({v["gene"] for v in variants})
    blocks = [Para([f"{len(variants)} variants in {genes} genes were tested: ", Bold(f"{counts['found']} found"),
                    f", {counts['not_found']} tested and not found, {counts['no_call']} not tested (no call: nothing "
                    "is known there)."])]  # fmt: skip
    if counts["not_covered"]:
        blocks.append(Para([f"{counts['not_covered']} variant(s) {NOT_COVERED_TEXT} (a contig it lacks, N in the "
                            "reference or outside the target regions): nothing is known there "
                            f"({_per_gene(v for v in variants if v['status'] == 'not_covered')})."]))  # fmt: skip
    if found:
        rows = [[Bold(v["gene"]), v["variant"], v["clinvar_id"] or "\u2014", f"{_alleles(v)} ({v['zygosity']})",
                 v["condition"] or "\u2014", v["clinical_significance"] or "\u2014", _inheritance(v["inheritance"])]
                for v in found]  # fmt: skip
        header = ["Gene", "Variant", "ClinVar ID", "Genotype", "Condition", "Classification", "Inheritance"]
        widths = [1.1, 2.8, 1.2, 2.1, 2.2, 1.8, 1.9]
        blocks += [Heading("Found"), Table(header, rows, widths=widths, highlight=[True] * len(rows))]
        blocks.append(Para(["One copy (heterozygous) of a variant for a recessive condition usually means being a "
                            "healthy carrier, which matters for the children of two carriers. Confirm in an "
                            "accredited laboratory and offer genetic counselling before acting on a finding."],
                           "notice"))  # fmt: skip
    rows = [[v["gene"], v["variant"], v["rsid"] or "\u2014", v["clinvar_id"] or "\u2014", _alleles(v),
             _carrier_result(v), "\u2014" if v["depth"] is None else str(v["depth"])] for v in variants]  # fmt: skip
    header = ["Gene", "Variant", "rsID", "ClinVar ID", "Genotype", "Result", "Depth"]
    blocks += [Heading("Every tested variant"),
               Table(header, rows, widths=[1.1, 3.4, 1.4, 1.2, 1.2, 2.6, 0.8],
                     highlight=[v["status"] == "found" for v in variants],
                     small=True)]  # fmt: skip
    apoe = report.get("apoe")
    if apoe:
        blocks.append(Heading("APOE genotype"))
        if apoe["genotype"]:
            text = ["APOE genotype: ", Bold(apoe["genotype"]), ". APOE e4 raises the risk of late-onset Alzheimer "
                    "disease and e2 lowers it; neither predicts whether a person will be affected. Return it only "
                    "to participants who chose to receive it."]  # fmt: skip
        else:
            text = [f"APOE genotype not determined: {apoe['note'] or 'no call'}."]
        if apoe["genotype"] and apoe["note"]:
            text.append(f" Note: {apoe['note']}.")
        blocks.append(Para(text))
    return Section("carrier", "Carrier findings", blocks)


# ---------------------------------------------------------------- pharmacogenomics


def _diplotype_text(block):
    if block["status"] == "called":
        return Bold(block["diplotypes"][0])
    if block["status"] == "ambiguous":
        return "one of " + ", ".join(block["diplotypes"])
    if block["status"] == "missing_positions" and block["possible_diplotypes_if_missing"]:
        more = block["n_possible_diplotypes"] - len(block["possible_diplotypes_if_missing"])
        shown = ", ".join(block["possible_diplotypes_if_missing"])
        return f"not called; possible: {shown}" + (f" and {more} more" if more > 0 else "")
    return "not called"


def _score_text(value):
    return "\u2014" if value is None else (trim(value, 2) if isinstance(value, float) else str(value))


def pgx_section(report):
    section = report["sections"]["pgx"]
    title = "Pharmacogenomics"
    if section["status"] != "reported":
        return Section("pgx", title, [Para([status_sentence(section)])])
    genes = report["pgx"]
    rows = []
    for gene, block in genes.items():
        n_called = sum(genotyped(c) for c in block["calls"])
        rows.append([Bold(gene), [_diplotype_text(block)], block["phenotype"] or "\u2014",
                     _score_text(block["activity_score"]), PGX_STATUS.get(block["status"], block["status"]),
                     fraction_text(n_called, len(block["calls"]))])  # fmt: skip
    header = ["Gene", "Diplotype", "Phenotype (CPIC)", "Activity score", "Result", "Positions with a genotype"]
    blocks = [
        Para(["Star-allele diplotypes (the two copies of each gene) matched to PharmCAT's allele definitions, and the "
              "CPIC phenotype that predicts how the sample's body handles drugs acted on by the gene. A phenotype is "
              "given only when every fitting diplotype agrees on it; a position without a genotype is never taken "
              "as reference, so the gene is then not called."]),
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
        blocks.append(Para([f"{len(uncovered)} defining position(s) {NOT_COVERED_TEXT}: {_per_gene(uncovered)}. "
                            "A gene with such a position is not called."]))  # fmt: skip
    versions = sorted({b["definition_version"] for b in genes.values() if b["definition_version"]})
    warnings = [f"{gene}: {w}" for gene, b in genes.items() for w in b["warnings"]]
    if warnings:
        blocks += [Para(["Matching notes:"]), Bullets([[w] for w in warnings])]
    if versions:
        blocks.append(Para([f"Allele definitions version {', '.join(versions)}. CYP2D6 and gene copy-number "
                            "changes are not tested."], "small"))  # fmt: skip
    return Section("pgx", title, blocks)


# ---------------------------------------------------------------- polygenic scores


def _score_rows(score):
    fraction = score["match_fraction"]
    n_variants = score["n_variants"]
    matched = f"{score['n_matched']:,}" + (f" of {n_variants:,}" if n_variants else "")
    if fraction is not None:
        matched += f" ({percent(fraction)})"
    rows = [
        ["PGS Catalog ID", score["pgs_id"] + (f" ({score['pgs_name']})" if score["pgs_name"] else "")],
        ["Trait", score["trait"] or "not given"],
        ["Publication", score["citation"] or "not given"],
        ["Variants matched in the data", matched],
        ["Variants dropped: strand-ambiguous / multi-allelic",
         f"{score['n_ambiguous']:,} / {score['n_multiallelic']:,}"],
        ["Variants not found in the data", f"{score['n_unmatched']:,}"],
    ]  # fmt: skip
    if score["status"] == "ok":
        rows += [
            ["Score (SUM)", short_number(score["sum"]) if score["sum"] is not None else "not available"],
            ["Alleles counted (DENOM) and average (SUM / DENOM)",
             f"{score['denom']:,} and {short_number(score['avg'])}" if score["avg"] is not None else "not available"],
            ["Percentile", f"{ordinal(score['percentile'])} (of the reference below)"
             if score["percentile"] is not None else "not available"],
            ["Reference distribution", f"the {score['reference']['n_samples']:,} samples of this batch"
             if score["reference"]["name"] == "batch" else score["reference"]["name"]],
            ["Missing genotypes", "filled with twice the batch allele frequency" if score["imputation"] == "mean_2xAF"
             else "not filled (they add nothing to the score)"],
        ]  # fmt: skip
    return rows


def prs_section(report, numbers):
    section = report["sections"]["prs"]
    title = "Polygenic scores"
    if section["status"] != "reported":
        return Section("prs", title, [Para([status_sentence(section)])])
    blocks = [Para(["A polygenic score adds up the effects of many common variants. It places the sample relative "
                    "to a reference group; it is not a diagnosis, and most people with a high score never develop "
                    "the condition. Here the reference is this batch, which may not resemble the general population "
                    "or the sample's ancestry: read the percentile as a rank within the batch only."])]  # fmt: skip
    for score in report["prs"]:
        blocks.append(Heading(f"{score['pgs_id']}: {score['trait'] or 'trait not given'}"))
        blocks.append(Table(["", ""], _score_rows(score), widths=[2, 3]))
        if score["status"] != "ok":
            blocks.append(Para([Bold("Not computed: "), f"{score['reason']}."], "notice"))
            continue
        if score["distribution"] and score["sum"] is not None and score["percentile"] is not None:
            n = score["distribution"]["n"]
            caption = [f"Scores of the {n:,} samples of this batch (grey bars) and this sample's score (orange dashed "
                       f"line): {ordinal(score['percentile'])} percentile."]  # fmt: skip
            if n < 50:
                caption += [" ", Bold(f"Only {n} samples: the percentile is a rough rank, not a population figure.")]
            key = f"prs:{score['pgs_id']}"
            alt = f"Distribution of {score['pgs_id']} in the batch with sample {report['sample_id']} marked"
            blocks.append(Figure(key, alt, caption, numbers[key]))
    return Section("prs", title, blocks)


# ---------------------------------------------------------------- ancestry


def ancestry_section(report, numbers):
    section = report["sections"]["ancestry"]
    title = "Genetic ancestry"
    if section["status"] != "reported":
        return Section("ancestry", title, [Para([status_sentence(section)])])
    block = report["ancestry"]
    if block["status"] == "assigned":
        probability = probability_text(block["probability"])
        text = ["Closest reference group: ", Bold(block["ancestry"]), f" (probability {probability}, "
                f"from {block['panel_sites']:,} reference-panel positions with a genotype)."]  # fmt: skip
    else:
        prob = "" if block["probability"] is None else f" (best probability {probability_text(block['probability'])})"
        text = [Bold("Not assigned"), f": {ANCESTRY_STATUS.get(block['status'], block['status'])}{prob}; "
                f"{block['panel_sites']:,} reference-panel positions have a genotype."]  # fmt: skip
    blocks = [Para(text), Para(["Genetic ancestry is a statistical similarity to reference populations, not ethnicity "
                                "or nationality. It tells how well reference data (e.g. for polygenic scores) fit "
                                "this sample."], "small")]  # fmt: skip
    if "pca" in numbers:
        shown = len(block["batch_points"])
        others = block["n_batch_with_pcs"]
        caption = ["The sample (orange diamond) among the other samples of the batch (grey) on the first two "
                   "principal components of the reference panel."]  # fmt: skip
        if shown < others:
            caption.append(f" {shown:,} of the {others:,} other samples are drawn.")
        if block["panel_groups"]:
            caption.append(" Shaded ellipses hold 95% of each reference group.")
        blocks.append(Figure("pca", f"Principal components 1 and 2 with sample {report['sample_id']} highlighted",
                             caption, numbers["pca"]))  # fmt: skip
    return Section("ancestry", title, blocks)


# ---------------------------------------------------------------- provenance


def _platform_text(platform):
    if not platform:
        return "not recorded"
    python = " ".join(v for v in (platform.get("python_implementation"), platform.get("python")) if v)
    return f"Python {python} on {platform.get('os', 'an unrecorded system')}" if python else str(platform)


def _bytes(value):
    if value is None:
        return "\u2014"
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)


ROLE_WORDS = {"config_file": "configuration file", "sample_sheet": "sample sheet", "reference": "reference genome",
              "regions": "regions (BED)", "alignment": "alignment", "truth_vcf": "truth VCF"}  # fmt: skip


def provenance_section(report):
    section = report["sections"]["provenance"]
    title = "Provenance"
    if section["status"] != "reported":
        return Section("provenance", title, [Para([status_sentence(section)])])
    block = report["provenance"]
    commit = block["git_commit"] + (" (with uncommitted changes)" if block["git_dirty"] else "")
    tools = ", ".join(f"{k} {v}" for k, v in block["tools"].items()) or "not recorded"
    packages = ", ".join(f"{k} {v}" for k, v in block["python_packages"].items()) or "not recorded"
    platform = block["platform"]
    rows = [
        ["Workflow", f"genorisk {block['workflow_version']}"],
        ["Workflow commit", commit],
        ["Configuration hash (SHA-256 of the validated settings)", block["config_sha256"]],
        ["Reference genome build", block["build"]],
        ["Reference genome SHA-256", block["reference_sha256"] or "not recorded"],
        ["Command-line tools", tools],
        ["Python packages", packages],
        ["Platform", _platform_text(platform)],
    ]
    blocks = [Table(["", ""], rows, widths=[2, 4])]
    inputs = [
        [ROLE_WORDS.get(e["role"], e["role"]), e["name"], _bytes(e["bytes"]), e["sha256"]] for e in block["inputs"]
    ]
    blocks += [Heading("Input files (this sample's and the batch's)"),
               Table(["Role", "File", "Size", "SHA-256"], inputs, widths=[1.6, 2.2, 1, 5], small=True,
                     mono=(3,))]  # fmt: skip
    if block["panels"]:
        panels = [[p["role"], p["name"], p["sha256"]] for p in block["panels"]]
        blocks += [
            Heading("Panel files"),
            Table(["Panel", "File", "SHA-256"], panels, widths=[1.8, 2.8, 5], small=True, mono=(2,)),
        ]
    return Section("provenance", title, blocks)


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
    numbers = {key: i for i, key in enumerate(figure_keys(report), start=1)}
    return [
        summary_section(report),
        qc_section(report),
        variants_section(report, numbers),
        carrier_section(report),
        pgx_section(report),
        prs_section(report, numbers),
        ancestry_section(report, numbers),
        provenance_section(report),
    ]
