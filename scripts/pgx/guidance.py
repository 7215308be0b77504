"""Rule pgx_guidance: the CPIC and DPWG prescribing recommendations for each sample's pharmacogene results.

Inputs: results/pgx/pgx_calls.json ({sample: {gene: result}}, scripts/pgx/pgx_genotypes.py; outside calls arrive as
gene results of the same shape with `source: "outside"`) and the shipped recommendation data
(config/panels/pgx/guidance/guidance.json.gz, made by tools/guidance_data.py from PharmCAT 2.12's guideline files;
SOURCE.md there). Outputs: results/pgx/guidance.json ({sample: [row]}, one line per sample) and guidance.tsv (one
line per row, TSV_COLUMNS).

Which guidelines: every guideline (CPIC, and DPWG as a second source) with at least one of its lookup genes among the
sample's results (the genes the panel calls plus any outside call); a guideline whose genes are all absent is about a
gene this batch did not test and gives no row. Each drug of a guideline is looked up on its own.

The lookup, per gene of the guideline's lookup keys:
- A gene is usable when its status is `called`, or `ambiguous` with every fitting diplotype giving the same phenotype
  and activity score (pgx_match rule 8 then fills them; a lookup by diplotype stays unusable). Anything else (not
  in the results, ambiguous phenotype, no_match, missing_positions, no_data, positions not covered) is not, and the
  row says why. Nothing is ever assumed reference or normal.
- Its value: the result's `lookup_key` ({GENE: value or [values]}, PharmCAT's phenotype-file key) when present, else
  derived as the data's README describes: the activity score as text for CYP2C9, CYP2D6 and DPYD ("1.0"), allele
  status for HLA-A/HLA-B ("*57:01 positive" when a called allele is *57:01), the phenotype otherwise. DPWG rows
  keyed by a diplotype ("{'*1': 1.0, '*3': 1.0}", CYP2C9 and UGT1A1) win over its phenotype rows (the more specific
  row; PharmCAT 2.x matched them so); DPWG's DPYD rows are "score (phenotype)", or "score (Phenotyping)" where DPWG
  gives that instead. DPWG splits DPYD score 1.0 into both by which variants make it; genorisk does not make that
  split, so that DPWG row cannot be assessed (the CPIC row still is).
- Every gene usable: the rows whose lookup keys equal the sample's values, one row per population (clopidogrel's
  "CVI ACS PCI", "CVI non-ACS non-PCI", "NVI"). No row with those values: cannot be assessed, saying so.
- A multi-gene guideline with some genes usable and others not: CPIC writes rows for exactly this case, keyed
  "No Result" for the gene without a result ("Based on TPMT status, ... NUDT15 genotype is not available"); such a
  row is the guideline's own recommendation for a missing result (PharmCAT uses it too, e.g. carbamazepine without
  HLA-A), never one for an assumed genotype, and is given with the missing genes and why in `why`. Without such a
  row, or with no gene usable: cannot be assessed, with every gene's why.
- A guideline without lookup rows (CPIC warfarin: a dosing algorithm; peginterferon/ribavirin and IFNL3 in this
  data) cannot be assessed, saying so.

`actionable` (is_actionable): the recommendation changes standard prescribing. A row is actionable when all hold:
1. it is a recommendation (status `recommendation`);
2. its classification is not "No recommendation" (either source), nor, for CPIC, "N/A" or missing (CPIC's N/A rows
   say "No recommendation"/"n/a"); DPWG's rows in this data are mostly classed "N/A" whatever they say, so for
   DPWG the class decides nothing more;
3. PharmGKB marks it as carrying dosing information, an alternative drug or other prescribing guidance (the flags
   dosingInformation, alternateDrugAvailable, otherPrescribingGuidance): a row without any says nothing beyond
   prescribing as usual;
4. its recommendation proper (the lines before a heading such as "Other Considerations") asks for a change: its
   leading sentence is not a standard-prescribing statement (STANDARD_LEADS: "Initiate therapy with recommended
   starting dose", "No adjustments needed ...", "NO action is needed ...", "Use ... label recommended ... dosing",
   "Prescribe desired starting dose", "No reason to avoid", ...), or a later sentence of it changes the dose or the
   drug (CHANGE_WORDS: reduce, increase, avoid, alternative, contraindicated, lower, higher, do not, a percentage).
   The flags of (3) are set on some standard rows too (SLCO1B1 normal function: "Prescribe desired starting dose and
   adjust doses based on disease-specific guidelines"), so the text decides; a standard lead followed by a change
   counts as a change (CYP2C19 and PPIs: "Initiate standard starting daily dose. For chronic therapy ... consider
   50% reduction"; normal metabolizers: "... Consider increasing dose by 50-100% for the treatment of H. pylori"),
   as does a change for some indications only. The lead is the first sentence after any "No X genotype is
   available." and without a "Based on X status," opening.
Rows for a normal result, "No recommendation" rows and rows that only ask to follow the label are therefore not
actionable; a dose change, an alternative drug, a contraindication, or a test or monitoring asked for before or
while prescribing is: when in doubt, a row is shown as actionable rather than hidden among the standard ones.

Size: over 400 lines because the lookup rules of both sources, the actionable rule and the batch's two outputs
belong to one decision per row; tests/pgx/test_guidance.py checks them against PharmCAT's example.
"""

import gzip
import json
import re
from collections import Counter
from pathlib import Path

from common.atomic import atomic_path
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging

RECOMMENDATION, CANNOT = "recommendation", "cannot_be_assessed"
NO_RESULT = "No Result"
ACTIVITY_SCORE_GENES = frozenset({"CYP2C9", "CYP2D6", "DPYD"})
ALLELE_STATUS_GENES = frozenset({"HLA-A", "HLA-B"})
SOURCES = ("CPIC", "DPWG")
TSV_COLUMNS = ["sample_id", "drug", "source", "population", "status", "actionable", "classification", "lookup",
               "genes", "why", "recommendation", "guideline", "guideline_url", "pmids", "data_version"]  # fmt: skip
ROW_COLUMNS = ("drug", "source", "population", "status", "classification", "why", "recommendation", "guideline")
NA = "NA"
GENERAL = "general"  # the population of a row the guideline does not split by population (DPWG: null)
STATUS_WORDS = {
    "ambiguous": "ambiguous: more than one diplotype fits, with different phenotypes",
    "no_match": "not called: no named diplotype fits the genotypes",
    "missing_positions": "not called: positions without a genotype",
    "no_data": "not called: no position has a genotype",
}
NOT_ACTIONABLE_CLASSES = frozenset({"No recommendation"})
CPIC_WITHOUT_GUIDANCE = frozenset({"N/A", None})
STANDARD_LEADS = re.compile(
    r"(initiate (therapy with )?(the )?(recommended|standard) (starting|standard of care)"
    r"|initiate standard dosing"
    r"|no adjustments? (is |are )?needed"
    r"|no action (is )?(needed|required|recommended)"
    r"|use \S+ label recommended"
    r"|prescribe (the )?desired starting dose"
    r"|the guideline does not provide a recommendation"
    r"|no reason to avoid"
    r"|there is no need to avoid"
    r"|use \S+ per standard dosing"
    r"|if considering \S+, use at standard dose"
    r"|use \S+ according to the product label"
    r"|start with (the )?normal (starting|initial) dose"
    r"|use aminoglycoside antibiotics at standard doses"
    r"|clinical findings, family history"
    r"|there is insufficient information available to make a dosage recommendation"
    r"|no recommendation)",
    re.IGNORECASE,
)
CHANGE_WORDS = re.compile(r"\b(reduc|increas|avoid|alternative|contraindicat|contra-indicat|lower\b|higher\b|do not\b)"
                          r"|\d+ ?%", re.IGNORECASE)  # fmt: skip
GENOTYPE_NOT_AVAILABLE = re.compile(r"^no \S+ genotype is available\.?\s*", re.IGNORECASE)
BASED_ON = re.compile(r"^based (on )?\S+( status)?,\s*", re.IGNORECASE)


# ---------------------------------------------------------------- data


def load_guidance(path):
    """The shipped data (tools/guidance_data.py's layout); InputError when it is not that."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read the prescribing guidance data: {error}") from None
    if not isinstance(data, dict) or "guidelines" not in data or "data_version" not in data:
        raise InputError(f"{path}: not the prescribing guidance data (no guidelines / data_version)")
    return data


def drug_rows(guideline):
    """{drug: [recommendation]} of one guideline; drugs without rows (no lookup data) map to []."""
    rows = {drug: [] for drug in guideline["drugs"]}
    for rec in guideline["recommendations"]:
        rows.setdefault(rec["drug"], []).append(rec)
    return rows


def lookup_genes(guideline, recs):
    """The genes a drug's rows are keyed by; the guideline's genes when it has no rows."""
    genes = sorted({gene for rec in recs for gene in rec["lookup"]})
    return genes or list(guideline["genes"])


# ---------------------------------------------------------------- one gene


def gene_why(gene, result):
    """Why a gene's result cannot be used for a lookup, or None when it can."""
    if result is None:
        return f"{gene} was not tested (not in the panel, no outside call)"
    status = result.get("status")
    if status == "called":
        return None
    if status == "ambiguous" and (result.get("phenotype") is not None or result.get("lookup_key")):
        return None
    not_covered = len(result.get("not_covered") or [])
    missing = len(result.get("missing") or [])
    detail = []
    if missing:
        detail.append(f"{missing} position(s) without a genotype")
    if not_covered:
        detail.append(f"{not_covered} position(s) not covered by the reference/target")
    if status == "missing_positions" and detail:
        return f"{gene} not called: {' and '.join(detail)}"
    return f"{gene} {STATUS_WORDS.get(status, f'not called ({status})')}"


def _score_text(score):
    return None if score is None else repr(float(score))


def diplotype_key(diplotype):
    """DPWG's diplotype lookup form: "*1/*3" -> "{'*1': 1.0, '*3': 1.0}", "*28/*28" -> "{'*28': 2.0}"."""
    counts = Counter(diplotype.split("/"))
    return "{" + ", ".join(f"'{allele}': {float(n)}" for allele, n in sorted(counts.items())) + "}"


def _alleles(result):
    diplotypes = result.get("diplotypes") or []
    return set(diplotypes[0].split("/")) if result.get("status") == "called" and diplotypes else None


def candidate_values(gene, result, wanted):
    """The values a usable result can be looked up by, most specific first, restricted to the guideline's `wanted`
    values for the gene (see the module docstring), and the value to show (the first of them, else the first
    value the result has)."""
    given = (result.get("lookup_key") or {}).get(gene)
    given = [given] if isinstance(given, str) else list(given or [])
    phenotype, score = result.get("phenotype"), _score_text(result.get("activity_score"))
    derived = []
    alleles = _alleles(result)
    if alleles is not None:
        derived.append(diplotype_key(result["diplotypes"][0]))
    if gene in ALLELE_STATUS_GENES:
        for value in sorted(wanted):
            allele, _, state = value.partition(" ")
            if state in ("positive", "negative") and alleles is not None:
                derived.append(f"{allele} {'positive' if allele in alleles else 'negative'}")
        if phenotype:
            derived.append(phenotype)
    if gene == "DPYD" and score is not None:
        derived += [f"{score} ({phenotype})", f"{score} (Phenotyping)"]
    if gene in ACTIVITY_SCORE_GENES:
        derived.append(score)
    derived.append(phenotype)
    ordered = list(dict.fromkeys(v for v in [*given, *derived] if v))
    if gene in ALLELE_STATUS_GENES:  # shown first: the status of an allele this guideline is about
        about = {value.partition(" ")[0] for value in wanted}
        ordered.sort(key=lambda value: value.partition(" ")[0] not in about)
    matching = [v for v in ordered if v in wanted]
    plain = [v for v in ordered if not v.startswith("{")]  # a diplotype key is shown only when a row uses it
    return matching, (matching or plain or [None])[0]


def dpyd_split(gene, values, wanted):
    """DPWG's DPYD score 1.0 exists as "(Intermediate Metabolizer)" and "(Phenotyping)": undecidable here."""
    if gene != "DPYD" or not values:
        return None
    score = values[0].split(" ")[0]
    split = sorted(v for v in wanted if v.split(" ")[0] == score and "(" in v)
    if len(split) > 1:
        return (
            f"DPWG gives DPYD activity score {score} two recommendations ({' and '.join(split)}) depending on which "
            "variants make the score; genorisk does not make that distinction (see the CPIC row)"
        )
    return None


# ---------------------------------------------------------------- one drug


def _base(guideline, drug, genes):
    return {
        "drug": drug,
        "source": guideline["source"],
        "guideline": guideline["name"],
        "url": guideline["url"],
        "citations": [dict(c) for c in guideline["citations"]],
        "genes": list(genes),
    }


def _cannot(guideline, drug, genes, why, lookup=None):
    return {**_base(guideline, drug, genes), "status": CANNOT, "why": why, "population": None,
            "classification": None, "recommendation": None, "implications": [], "lookup": lookup or {},
            "actionable": False}  # fmt: skip


def _given(guideline, drug, genes, rec, lookup, why=None):
    row = {**_base(guideline, drug, genes), "status": RECOMMENDATION, "why": why,
           "population": rec["population"] or GENERAL, "classification": rec["classification"],
           "recommendation": rec["text"], "implications": list(rec["implications"]),
           "lookup": dict(lookup)}  # fmt: skip
    row["actionable"] = is_actionable(guideline["source"], rec)
    return row


def _matching(recs, choices):
    """Rows whose every lookup gene has a value among choices[gene] (ordered, most specific first); when several
    values of a gene match, the rows of the most specific one."""
    best = None
    for rec in recs:
        if set(rec["lookup"]) != set(choices):
            continue
        ranks = []
        for gene, value in rec["lookup"].items():
            if value not in choices[gene]:
                break
            ranks.append(choices[gene].index(value))
        else:
            rank = tuple(ranks)
            if best is None or rank < best[0]:
                best = (rank, [rec])
            elif rank == best[0]:
                best[1].append(rec)
    return best[1] if best else []


def assess_drug(guideline, drug, recs, results):
    """The rows of one drug of one guideline for one sample's results ({gene: result}); [] when none of its genes
    was tested."""
    genes = lookup_genes(guideline, recs)
    if not any(gene in results for gene in genes):
        return []
    if not recs:
        why = (f"the {guideline['source']} data has no lookup table for this drug (the guideline gives a dosing "
               "algorithm or no genotype-based recommendation here)")  # fmt: skip
        return [_cannot(guideline, drug, genes, why)]
    whys = {gene: gene_why(gene, results.get(gene)) for gene in genes}
    choices, shown = {}, {}
    for gene in genes:
        if whys[gene] is None:
            wanted = {rec["lookup"][gene] for rec in recs if gene in rec["lookup"]}
            choices[gene], shown[gene] = candidate_values(gene, results[gene], wanted)
            split = dpyd_split(gene, choices[gene], wanted) if guideline["source"] == "DPWG" else None
            if split:
                return [_cannot(guideline, drug, genes, split, shown)]
    usable = [g for g in genes if whys[g] is None]
    missing = [g for g in genes if whys[g] is not None]
    if not usable:
        return [_cannot(guideline, drug, genes, "; ".join(whys[g] for g in genes))]
    lookup = {g: shown[g] for g in usable} | dict.fromkeys(missing, NO_RESULT)
    if missing:
        matched = _matching(recs, {**{g: choices[g] for g in usable}, **{g: [NO_RESULT] for g in missing}})
        if not matched:
            why = "; ".join(whys[g] for g in missing) + " (the guideline has no recommendation without it)"
            return [_cannot(guideline, drug, genes, why, lookup)]
        why = "; ".join(whys[g] for g in missing) + ": the guideline's recommendation for a missing result"
    else:
        matched = _matching(recs, choices)
        if not matched:
            values = ", ".join(f"{g}={shown[g]}" if shown[g] else f"{g} without a phenotype to look up" for g in genes)
            return [_cannot(guideline, drug, genes, f"the guideline has no recommendation for {values}", lookup)]
        why = None
    rows = []
    for rec in matched:
        used = {gene: value for gene, value in rec["lookup"].items()}
        rows.append(_given(guideline, drug, genes, rec, used, why))
    return rows


# ---------------------------------------------------------------- actionable


def is_heading(line):
    """A heading line of a recommendation text ("Other Considerations"): at most three words, no end punctuation."""
    return len(line.split()) <= 3 and line[-1:] not in ".:;,)" and not line.startswith("- ")


def body_lines(text):
    """The recommendation proper: its lines before the first heading, list markers removed."""
    lines = []
    for line in (text or "").splitlines():
        if is_heading(line.strip()):
            break
        if line.strip():
            lines.append(line.removeprefix("- ").strip())
    return lines


def lead_sentence(text):
    """The first sentence of a recommendation, after any 'No X genotype is available.' and without a 'Based on X
    status,' opening."""
    lines = body_lines(text)
    lead = lines[0] if lines else ""
    while True:
        stripped = GENOTYPE_NOT_AVAILABLE.sub("", lead)
        if stripped == lead:
            break
        lead = stripped or (lines[1] if len(lines) > 1 else "")
    lead = BASED_ON.sub("", lead)
    return re.split(r"(?<=\.)\s|;", lead, maxsplit=1)[0].strip()


def is_actionable(source, rec):
    """Does the recommendation change standard prescribing? The rule and its reasons: module docstring."""
    classification = rec["classification"]
    if classification in NOT_ACTIONABLE_CLASSES:
        return False
    if source == "CPIC" and classification in CPIC_WITHOUT_GUIDANCE:
        return False
    if not (rec["dosing_information"] or rec["alternate_drug"] or rec["other_guidance"]):
        return False
    lead = lead_sentence(rec["text"])
    if not STANDARD_LEADS.match(lead):
        return True
    rest = " ".join(body_lines(rec["text"])).split(lead, 1)[-1]
    return bool(CHANGE_WORDS.search(rest))


# ---------------------------------------------------------------- samples and outputs


def _order(row):
    return (row["drug"], SOURCES.index(row["source"]) if row["source"] in SOURCES else len(SOURCES),
            row["guideline"], row["population"] or "")  # fmt: skip


def sample_rows(results, guidance):
    """Every row of one sample ({gene: result}), sorted by drug, source, guideline and population, each with the
    data's version."""
    rows = []
    for guideline in guidance["guidelines"]:
        for drug, recs in drug_rows(guideline).items():
            rows += assess_drug(guideline, drug, recs, results)
    return [row | {"data_version": guidance["data_version"]} for row in sorted(rows, key=_order)]


def batch_rows(calls, guidance):
    """{sample: [row]} in the order of pgx_calls.json."""
    return {sample: sample_rows(results, guidance) for sample, results in calls.items()}


def json_text(rows_by_sample):
    """One line per sample (as pgx_calls.json), keys sorted: the report job reads only its own samples' lines."""
    lines = [f"{json.dumps(s)}: {json.dumps(rows, sort_keys=True, ensure_ascii=False)}"
             for s, rows in rows_by_sample.items()]  # fmt: skip
    return "{\n" + ",\n".join(lines) + ("\n" if lines else "") + "}\n"


def _cell(value):
    if value is None or value == "" or value == []:
        return NA
    return " ".join(str(value).split())


def tsv_text(rows_by_sample, data_version):
    """The batch table (TSV_COLUMNS); a recommendation's lines are joined by spaces (the JSON keeps them)."""
    out = ["\t".join(TSV_COLUMNS)]
    for sample, rows in rows_by_sample.items():
        for row in rows:
            values = {
                "sample_id": sample,
                **{k: row[k] for k in ROW_COLUMNS},
                "actionable": "yes" if row["actionable"] else "no",
                "lookup": ";".join(f"{g}={v}" for g, v in row["lookup"].items()),
                "genes": ";".join(row["genes"]),
                "guideline_url": row["url"],
                "pmids": ";".join(str(c["pmid"]) for c in row["citations"] if c.get("pmid")),
                "data_version": data_version,
            }
            out.append("\t".join(_cell(values[c]) for c in TSV_COLUMNS))
    return "\n".join(out) + "\n"


def read_calls(path):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: cannot read the pharmacogene calls: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InputError(f"{path}: expected {{sample: {{gene: result}}}}")
    return data


def pgx_guidance(calls_path, guidance_path, json_path, tsv_path, log=None):
    log = log or get_logger()
    guidance = load_guidance(guidance_path)
    rows = batch_rows(read_calls(calls_path), guidance)
    with atomic_path(json_path) as tmp:
        Path(tmp).write_text(json_text(rows), encoding="utf-8")
    with atomic_path(tsv_path) as tmp:
        Path(tmp).write_text(tsv_text(rows, guidance["data_version"]), encoding="utf-8")
    for sample, sample_rows_ in rows.items():
        counts = Counter(r["status"] for r in sample_rows_)
        actionable = sum(r["actionable"] for r in sample_rows_)
        log.info("%s: %d recommendation row(s), %d actionable, %d drug(s) cannot be assessed", sample,
                 counts[RECOMMENDATION], actionable, counts[CANNOT])  # fmt: skip
    log.info("prescribing guidance data version %s", guidance["data_version"])


def main(smk):
    log = setup_logging(smk.log[0])
    pgx_guidance(smk.input.calls, smk.input.guidance, smk.output.json, smk.output.tsv, log)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
