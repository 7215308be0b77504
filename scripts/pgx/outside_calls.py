"""Outside calls: pharmacogene results made by other tools, given per sample as PharmCAT's outside-call TSV.

The sample sheet's `pgx_outside_calls` column names the file (PharmCAT docs/using/Outside-Call-Format.md): one line a
gene, up to four tab-separated fields: gene symbol, diplotype (or single allele), phenotype, activity score; lines
starting with '#' and blank lines are skipped. Typical use: CYP2D6 from a dedicated caller (copy number and hybrid
alleles are beyond a VCF), HLA-A/HLA-B from HLA typing, MT-RNR1. A gene genorisk also calls may be given too: the
outside call then replaces genorisk's own (`replaced: true`, with a warning the report shows), as in PharmCAT.

Each line becomes a gene result of the shape of pgx_match.match_gene's (no positions: `calls` is empty) plus
    source        "outside"
    lookup_key    {GENE: [values]}: what CPIC guideline rows are looked up by, as PharmCAT keys them. A list, as in
                  PharmCAT's `lookupKeys`: HLA-B has one value per allele of interest, and a CYP2D6 phenotype given
                  without a diplotype or score stands for every score in its range
    outside_call  {file (name only), line}
    replaced, replaced_call   set by merge_outside_results: whether it replaces genorisk's call, and that call
Genes and how each line is read (no field may contradict another: a mismatch is an error, where PharmCAT warns):
- CYP2D6: each allele's CPIC activity value (PharmCAT phenotype/CYP2D6.json `activityValues`, shipped as
  config/panels/pgx/outside/CYP2D6.head.json), summed; the phenotype from CPIC's activity-score ranges (below). A
  value 'n/a' (uncertain or unknown function) gives score 'n/a' and phenotype Indeterminate (PharmCAT docs/FAQs.md);
  '≥3.0' (three or more copies) sums to '≥X'. A sub-allele is read as its core allele (*4.024 -> *4), an exact copy
  number above the table's as its '≥3' bin (*1x4 -> *1x≥3), each with a warning (PharmCAT's conversions); 'xN'
  (copy number unknown) is an error. A score alone gives the phenotype; a phenotype alone gives every CPIC score in
  its range as lookup keys.
- HLA-A, HLA-B: "positive"/"negative" for each allele of interest (PharmCAT Constants: HLA-A *31:01; HLA-B *15:02,
  *57:01, *58:01); alleles are read to two fields (B*57:01:01 -> *57:01). A phenotype alone ("*57:01 positive";
  several joined by ';') is taken as given.
- MT-RNR1: one allele (mitochondrial), its phenotype from PharmCAT phenotype/MT_RNR1.json. An allele written without
  the 'm.' prefix that the table has with it (1555A>G) is read as m.1555A>G, with a warning: PharmCAT 3.1 leaves it
  unassigned (its own example file does this and gets "n/a"); genorisk names the variant the file means.
- genorisk's own genes (config pgx.genes): the diplotype's CPIC phenotype and activity score from the panel's
  phenotype table (pgx_match.phenotype_of); lookup key the activity score for CYP2C9 and DPYD (PharmCAT's activity
  score genes), else the phenotype.
Any other gene, a gene listed twice, a line with more than four fields or nothing but a gene, an allele or phenotype
the tables do not know: InputError naming the file, the line and the problem (raised at workflow start by the
preflight, before any job runs).

CYP2D6 activity score -> phenotype (CPIC CYP2D6 genotype-to-phenotype standardization, Caudle et al., Clin Transl
Sci 2020, PMID 31647186, as PharmCAT applies it): 0 Poor Metabolizer; 0.25 to 1.0 Intermediate Metabolizer
(PharmCAT src/test Cyp2d6Test.testCyp2d6PhenotypeHasMultipleActivityScore); 1.25 to 2.25 Normal Metabolizer
(PipelineTest.testOutsideCallActivityScore: 1.25 is Normal); above 2.25 Ultrarapid Metabolizer (PharmCAT
docs/using/Calling-CYP2D6.md). The scores the activity values can sum to are CPIC's list in PharmCAT's
docs/Phenotypes-List.md (0.0 to 3.0 in steps of 0.25, 4.0, ≥3.0 to ≥3.75, ≥4.0, ≥5.0, ≥6.0).

Size: over 400 lines because the format's four kinds of gene (CYP2D6 activity scores, HLA allele presence, the
mitochondrial MT-RNR1, genorisk's own tables) each read the same three fields their own way, and share one line
reader, one set of checks and the merge into genorisk's results.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from common.input_error import InputError
from common.rule_logging import get_logger
from pgx.pgx_match import diplotype_name, phenotype_of

OUTSIDE_ONLY_GENES = ("CYP2D6", "HLA-A", "HLA-B", "MT-RNR1")
HLA_ALLELES_OF_INTEREST = {"HLA-A": ("*31:01",), "HLA-B": ("*15:02", "*57:01", "*58:01")}
ACTIVITY_SCORE_GENES = frozenset({"CYP2C9", "CYP2D6", "DPYD"})
MAX_FIELDS = 4
GTE = "\u2265"
NA = "n/a"
INDETERMINATE = "Indeterminate"
# (lowest, highest, phenotype): CPIC's CYP2D6 ranges (module docstring); scores come in steps of 0.25.
CYP2D6_RANGES = (
    (0.0, 0.0, "Poor Metabolizer"),
    (0.25, 1.0, "Intermediate Metabolizer"),
    (1.25, 2.25, "Normal Metabolizer"),
    (2.5, float("inf"), "Ultrarapid Metabolizer"),
)
# PharmCAT's phenotype shorthands (Outside-Call-Format.md: EM is read as Normal Metabolizer).
PHENOTYPE_ABBREVIATIONS = {
    "pm": "poor metabolizer",
    "im": "intermediate metabolizer",
    "nm": "normal metabolizer",
    "em": "normal metabolizer",
    "um": "ultrarapid metabolizer",
}
NOT_GIVEN = "not given"  # a CYP2D6 phenotype given without a diplotype or score
OUTSIDE_FILES = {"cyp2d6": "CYP2D6.head.json", "mt_rnr1": "MT_RNR1.json"}


@dataclass(frozen=True)
class Tables:
    """What reading outside calls needs: CYP2D6 activity values, MT-RNR1 phenotypes, genorisk's gene definitions."""

    cyp2d6_activity: dict  # allele -> activity value text ('1.0', '≥3.0', 'n/a')
    mt_rnr1: dict  # allele -> (phenotype, lookup key)
    definitions: dict  # gene -> pgx_match.GeneDefinition of genorisk's own genes


class LineError(ValueError):
    """A problem of one line; read_outside_calls adds the file and line number."""


def outside_table_paths(outside_dir):
    """The shipped tables outside calls are read with (config/panels/pgx/outside/)."""
    return {key: Path(outside_dir) / name for key, name in OUTSIDE_FILES.items()}


def _read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: outside-call table not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None


def load_tables(outside_dir, definitions):
    """Tables from the shipped files and the already loaded definitions ({gene: GeneDefinition})."""
    paths = outside_table_paths(outside_dir)
    cyp2d6 = _read_json(paths["cyp2d6"])
    mt_rnr1 = _read_json(paths["mt_rnr1"])
    phenotypes = {}
    for row in mt_rnr1.get("diplotypes", []):
        (allele,) = row["diplotypekey"]
        phenotypes[allele] = (row["generesult"], row["lookupkey"])
    return Tables(dict(cyp2d6["activityValues"]), phenotypes, dict(definitions))


# ---------------------------------------------------------------------------------------------------- scores


def parse_score(text):
    """(value, at_least) for '1.25' or '≥3.0' ('>=3.0' too); None for 'n/a'. LineError for anything else."""
    text = text.strip().replace(">=", GTE)
    if text.lower() == NA:
        return None
    at_least = text.startswith(GTE)
    try:
        value = float(text.removeprefix(GTE))
    except ValueError:
        raise LineError(f"activity score {text!r} is not a number") from None
    if value < 0 or (value * 4) != int(value * 4):
        raise LineError(f"activity score {text!r} is not a CPIC score (0 or more, in steps of 0.25)")
    return value, at_least


def score_text(score):
    """'1.0', '0.25', '≥4.0' (PharmCAT's spelling); 'n/a' for None."""
    if score is None:
        return NA
    value, at_least = score
    return f"{GTE if at_least else ''}{float(value)!r}"


def add_scores(a, b):
    """The diplotype score of two allele scores: unknown if either is, '≥' if either is."""
    if a is None or b is None:
        return None
    return a[0] + b[0], a[1] or b[1]


def cyp2d6_phenotype(score):
    """CPIC's phenotype for a CYP2D6 activity score (None: n/a -> Indeterminate)."""
    if score is None:
        return INDETERMINATE
    value = score[0]
    for low, high, phenotype in CYP2D6_RANGES:
        if low <= value <= high or (high == float("inf") and value > CYP2D6_RANGES[2][1]):
            return phenotype
    raise LineError(f"activity score {score_text(score)} falls in no CPIC range")


def cyp2d6_scores(tables):
    """Every CYP2D6 diplotype score the activity values can make, as text, in numeric order."""
    values = {parse_score(v) for v in tables.cyp2d6_activity.values()} - {None}
    sums = {add_scores(a, b) for a in values for b in values}
    return [score_text(s) for s in sorted(sums, key=lambda s: (s[0], s[1]))]


# ---------------------------------------------------------------------------------------------------- alleles


def _alleles(gene, diplotype, max_alleles=2):
    """The allele names of a diplotype field, gene prefix stripped ('CYP2C9*1/CYP2C9*3' -> ['*1', '*3'])."""
    alleles = [a.strip() for a in diplotype.split("/")]
    if len(alleles) > max_alleles:
        raise LineError(f"{gene} {diplotype!r} has {len(alleles)} alleles, at most {max_alleles} are allowed")
    alleles = [re.sub(rf"^{re.escape(gene)}\s*", "", a) for a in alleles]
    if any(a in ("", ".") for a in alleles):
        raise LineError(f"{gene} {diplotype!r}: an allele is empty or '.' (leave a gene not called out of the file)")
    return alleles


def cyp2d6_allele(name, tables, warnings):
    """The table's name for a CYP2D6 allele, converting sub-alleles and exact copy numbers (module docstring)."""
    table = tables.cyp2d6_activity
    if name in table:
        return name
    if "xN" in name:
        raise LineError(f"CYP2D6 allele {name!r}: an unknown copy number (xN) cannot be linked to a CPIC score")
    core = re.sub(r"^(\*\d+)\.\d+", r"\1", name)
    copies = re.match(r"^(.*x)(\d+)$", core)
    if copies and int(copies.group(2)) >= 3 and f"{copies.group(1)}{GTE}3" in table:
        core = f"{copies.group(1)}{GTE}3"
    if core not in table:
        raise LineError(f"CYP2D6 allele {name!r} has no CPIC activity value in PharmCAT's table")
    warnings.append(f"CYP2D6 allele {name} read as {core} (the name CPIC's activity values use)")
    return core


def hla_allele(gene, name, warnings):
    """'*57:01' from '*57:01', 'B*57:01' or '*57:01:01:02' (two fields, as PharmCAT reads HLA alleles)."""
    letter = gene[-1]
    written = name
    if name.startswith(f"{letter}*"):
        name = name[1:]
    match = re.fullmatch(r"(\*\d{2,3}:\d{2,3})((?::\d{2,3})*[A-Z]?)", name)
    if not match:
        raise LineError(f"{gene} allele {written!r} is not an HLA allele name like *57:01")
    if match.group(2):
        warnings.append(f"{gene} allele {written} read as {match.group(1)} (two fields)")
    return match.group(1)


# ---------------------------------------------------------------------------------------------------- phenotypes


def phenotype_key(text, gene):
    """A phenotype written freely, as a comparison key: gene and '(UM)'-style suffixes dropped, British spelling,
    plurals and PharmCAT's shorthands (PM, IM, NM, EM, UM) read as CPIC terms, case folded."""
    text = re.sub(rf"\b{re.escape(gene)}\b", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\([A-Za-z]{2}\)", " ", text)
    text = " ".join(text.split()).casefold()
    text = PHENOTYPE_ABBREVIATIONS.get(text, text)
    text = text.replace("metaboliser", "metabolizer").replace("extensive metabolizer", "normal metabolizer")
    return re.sub(r"metabolizers\b", "metabolizer", text)


def canonical_phenotype(text, gene, known):
    """The term of `known` that `text` writes; LineError when none."""
    by_key = {phenotype_key(term, gene): term for term in known}
    term = by_key.get(phenotype_key(text, gene))
    if term is None:
        shown = "; ".join(sorted(known)[:8]) + ("; ..." if len(known) > 8 else "")
        raise LineError(f"{gene} phenotype {text!r} is not one of the CPIC terms ({shown})")
    return term


def _disagree(gene, what, derived, given_what, given):
    return LineError(f"{gene}: the {what} gives {derived}, but the line's {given_what} is {given}")


# ---------------------------------------------------------------------------------------------------- genes


def _cyp2d6(fields, tables, warnings):
    diplotype, phenotype, score = fields
    known = sorted({p for _, _, p in CYP2D6_RANGES} | {INDETERMINATE})
    given_phenotype = canonical_phenotype(phenotype, "CYP2D6", known) if phenotype else None
    given_score = parse_score(score) if score else None
    if score and given_score is not None and score_text(given_score) not in cyp2d6_scores(tables):
        raise LineError(f"CYP2D6 activity score {score} is not a CPIC score ({', '.join(cyp2d6_scores(tables))})")
    if diplotype:
        alleles = [cyp2d6_allele(a, tables, warnings) for a in _alleles("CYP2D6", diplotype)]
        if len(alleles) != 2:
            raise LineError(f"CYP2D6 {diplotype!r} is one allele; CYP2D6 needs two (e.g. *1/*4, or *5 for a deletion)")
        label = diplotype_name(*alleles)
        a, b = (parse_score(tables.cyp2d6_activity[x]) for x in alleles)
        final, what = add_scores(a, b), f"diplotype {label}"
        if score and score_text(given_score) != score_text(final):
            raise _disagree("CYP2D6", what, f"activity score {score_text(final)}", "score", score)
    elif score:
        label, final, what = None, given_score, f"activity score {score}"
    else:
        lookup = [s for s in cyp2d6_scores(tables) if cyp2d6_phenotype(parse_score(s)) == given_phenotype]
        return None, given_phenotype, NOT_GIVEN, lookup or [NA]
    derived_phenotype = cyp2d6_phenotype(final)
    if given_phenotype and given_phenotype != derived_phenotype:
        raise _disagree("CYP2D6", what, derived_phenotype, "phenotype", phenotype)
    return label, derived_phenotype, final, [score_text(final)]


def _hla(gene, fields, warnings):
    diplotype, phenotype, score = fields
    if score:
        raise LineError(f"{gene} has no activity score (its results are allele positive/negative)")
    of_interest = HLA_ALLELES_OF_INTEREST[gene]
    given = {}
    for term in (t.strip() for t in phenotype.split(";") if t.strip()) if phenotype else ():
        match = re.fullmatch(r"(\*\d+:\d+)\s+(positive|negative)", term, flags=re.IGNORECASE)
        if not match or match.group(1) not in of_interest:
            raise LineError(f"{gene} phenotype {term!r} is not '<allele> positive|negative' for one of "
                            f"{', '.join(of_interest)}")  # fmt: skip
        given[match.group(1)] = match.group(2).lower()
    if not diplotype:
        lookup = [f"{a} {given[a]}" for a in of_interest if a in given]
        return None, "; ".join(lookup), None, lookup
    alleles = [hla_allele(gene, a, warnings) for a in _alleles(gene, diplotype)]
    label = diplotype_name(*alleles) if len(alleles) == 2 else alleles[0]
    lookup = [f"{a} {'positive' if a in alleles else 'negative'}" for a in of_interest]
    for allele, state in given.items():
        if f"{allele} {state}" not in lookup:
            raise _disagree(gene, f"diplotype {label}", f"{allele} {'negative' if state == 'positive' else 'positive'}",
                            "phenotype", f"{allele} {state}")  # fmt: skip
    return label, "; ".join(lookup), None, lookup


def _mt_rnr1(fields, tables, warnings):
    allele_field, phenotype, score = fields
    if score:
        raise LineError("MT-RNR1 has no activity score")
    known = sorted({p for p, _ in tables.mt_rnr1.values()})
    given = canonical_phenotype(phenotype, "MT-RNR1", known) if phenotype else None
    if not allele_field:
        lookup = sorted({key for p, key in tables.mt_rnr1.values() if p == given})
        return None, given, None, lookup
    if "/" in allele_field:
        raise LineError(f"MT-RNR1 {allele_field!r}: MT-RNR1 is mitochondrial, give one allele (e.g. m.1555A>G)")
    (allele,) = _alleles("MT-RNR1", allele_field, max_alleles=1)
    if allele not in tables.mt_rnr1 and f"m.{allele}" in tables.mt_rnr1:
        warnings.append(f"MT-RNR1 allele {allele} read as m.{allele} (the name PharmCAT's table uses)")
        allele = f"m.{allele}"
    if allele not in tables.mt_rnr1:
        raise LineError(f"MT-RNR1 allele {allele!r} is not in PharmCAT's MT-RNR1 table")
    derived, key = tables.mt_rnr1[allele]
    if given and given != derived:
        raise _disagree("MT-RNR1", f"allele {allele}", derived, "phenotype", phenotype)
    return allele, derived, None, [key]


def _own_gene(gene, fields, tables):
    """A gene genorisk also calls: its CPIC table in the panel (pgx_match's loaded definition)."""
    diplotype, phenotype, score = fields
    definition = tables.definitions[gene]
    rows = {(phenotype_row[0], phenotype_row[1]) for phenotype_row in definition.phenotypes.values()}
    by_activity = gene in ACTIVITY_SCORE_GENES
    given_phenotype = canonical_phenotype(phenotype, gene, {p for p, _ in rows if p}) if phenotype else None
    given_score = parse_score(score) if score else None
    if score and not by_activity:
        raise LineError(f"{gene} is not an activity-score gene: leave the fourth field empty")
    if score and given_score is None:
        raise LineError(f"{gene} activity score 'n/a' says nothing: give the diplotype or phenotype instead")
    if score and given_score is not None and given_score[0] not in {s for _, s in rows}:
        raise LineError(f"{gene} activity score {score} is not one of the gene's CPIC scores")
    if diplotype:
        alleles = _alleles(gene, diplotype)
        label = diplotype_name(*alleles) if len(alleles) == 2 else alleles[0]
        derived_phenotype, derived_score, derived_lookup = phenotype_of(definition, label)
        if derived_phenotype is None and derived_score is None:
            raise LineError(f"{gene} diplotype {label} is not in the gene's CPIC phenotype table")
        if given_phenotype and given_phenotype != derived_phenotype:
            raise _disagree(gene, f"diplotype {label}", derived_phenotype, "phenotype", phenotype)
        if score and given_score != (derived_score, False):
            raise _disagree(gene, f"diplotype {label}", f"activity score {derived_score}", "score", score)
        key = score_text((derived_score, False)) if by_activity and derived_score is not None else derived_phenotype
        return label, derived_phenotype, derived_score, [derived_lookup or key]
    if score:
        phenotypes = {p for p, s in rows if s == given_score[0]}
        if given_phenotype and given_phenotype not in phenotypes:
            raise _disagree(gene, f"activity score {score}", "; ".join(sorted(phenotypes)), "phenotype", phenotype)
        shown = given_phenotype or (phenotypes.pop() if len(phenotypes) == 1 else None)
        return None, shown, given_score[0], [score_text(given_score)]
    if by_activity:
        lookup = sorted({score_text((s, False)) for p, s in rows if p == given_phenotype and s is not None})
        return None, given_phenotype, None, lookup
    return None, given_phenotype, None, [given_phenotype]


def outside_genes(tables):
    """The genes an outside-call file may name: CYP2D6, HLA-A, HLA-B, MT-RNR1 and genorisk's own genes."""
    return sorted(set(OUTSIDE_ONLY_GENES) | set(tables.definitions))


def read_line(gene, fields, tables):
    """One line's gene result (see the module docstring). fields: [diplotype, phenotype, activity score], '' = none."""
    warnings = []
    if gene == "CYP2D6":
        label, phenotype, score, lookup = _cyp2d6(fields, tables, warnings)
        # a number; text for a '≥' score; None for 'n/a' or a phenotype given alone
        activity = None if score is None or score is NOT_GIVEN else score_text(score) if score[1] else score[0]
    elif gene in HLA_ALLELES_OF_INTEREST:
        label, phenotype, activity, lookup = _hla(gene, fields, warnings)
    elif gene == "MT-RNR1":
        label, phenotype, activity, lookup = _mt_rnr1(fields, tables, warnings)
    else:
        label, phenotype, activity, lookup = _own_gene(gene, fields, tables)
    diplotypes = [label] if label else []
    return {
        "gene": gene,
        "definition_version": None,
        "status": "called",
        "source": "outside",
        "diplotypes": diplotypes,
        "phenotype": phenotype or None,
        "activity_score": activity,
        "lookup_key": {gene: lookup},
        "pharmcat_top": list(diplotypes),
        "candidates": [],
        "missing": [],
        "not_covered": [],
        "possible_diplotypes_if_missing": [],
        "n_possible_diplotypes": 0,
        "lowest_function": None,
        "calls": [],
        "extra_calls": [],
        "warnings": warnings,
        "replaced": False,
    }


def read_outside_calls(path, tables):
    """{gene: result} of one outside-call file, in file order; InputError naming the file and line on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: the outside-call file is not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the outside-call file ({error.strerror})") from None
    results, lines = {}, {}
    allowed = outside_genes(tables)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}: line {number}"
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) > MAX_FIELDS:
            raise InputError(f"{where}: {len(fields)} tab-separated fields, at most {MAX_FIELDS} are allowed "
                             "(gene, diplotype, phenotype, activity score)")  # fmt: skip
        gene = fields[0]
        if gene not in allowed:
            raise InputError(f"{where}: unknown gene {gene!r} (outside calls are read for {', '.join(allowed)})")
        if gene in lines:
            raise InputError(f"{where}: {gene} is listed twice (line {lines[gene]} too); give one call a gene")
        rest = (fields[1:] + ["", "", ""])[:3]
        if not any(rest):
            raise InputError(f"{where}: {gene} has no diplotype, phenotype or activity score (fields 2 to 4)")
        try:
            result = read_line(gene, rest, tables)
        except LineError as error:
            raise InputError(f"{where}: {error}") from None
        result["outside_call"] = {"file": path.name, "line": number}
        results[gene], lines[gene] = result, number
    if not results:
        raise InputError(f"{path}: the outside-call file names no gene (one line a gene: gene, diplotype, ...)")
    return results


def read_batch(outside_calls, tables):
    """{sample: {gene: result}} for {sample: file path}, in the given sample order."""
    return {sample: read_outside_calls(path, tables) for sample, path in outside_calls.items()}


def _call_summary(result):
    parts = [" or ".join(result["diplotypes"]) or result["status"].replace("_", " ")]
    if result.get("phenotype"):
        parts.append(result["phenotype"])
    return ", ".join(parts)


def merge_outside_results(results, outside):
    """genorisk's {sample: {gene: result}} with the outside results in: a gene genorisk also called is replaced in
    place (`replaced`, `replaced_call` and a warning), other genes are appended in gene-name order; a sample only in
    `outside` is appended. Returns a new dict; neither input is changed."""
    merged = {sample: dict(per_gene) for sample, per_gene in results.items()}
    for sample, per_gene in outside.items():
        target = merged.setdefault(sample, {})
        for gene in sorted(per_gene):
            result = dict(per_gene[gene])
            own = target.get(gene)
            if own is not None:
                result["replaced"] = True
                result["replaced_call"] = {k: own[k] for k in ("status", "diplotypes", "phenotype", "activity_score")}
                note = f"an outside call replaces genorisk's own call ({_call_summary(own)})"
                result["warnings"] = [*result["warnings"], note]
            target[gene] = result
    return merged


def merge_outside_calls(results, outside_calls, outside_dir, definitions):
    """Rule pgx_genotypes' hook: `results` with the outside calls of {sample: file} merged in (unchanged when none)."""
    if not outside_calls:
        return results
    outside = read_batch(outside_calls, load_tables(outside_dir, definitions))
    log = get_logger()
    for sample, per_gene in outside.items():
        replaced = [g for g in per_gene if g in results.get(sample, {})]
        log.info("%s: outside calls for %s%s", sample, ", ".join(per_gene),
                 f" (replacing genorisk's {', '.join(replaced)})" if replaced else "")  # fmt: skip
    return merge_outside_results(results, outside)
