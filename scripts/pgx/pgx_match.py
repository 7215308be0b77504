"""Star-allele (named allele) matching for pharmacogenes, following PharmCAT's rules, with CPIC phenotypes.

Pure library: it matches one sample's genotypes at one gene's defining positions, with the definitions loaded by
scripts/pgx/pgx_definitions.py (panel layout there) and the gene-specific rules of scripts/pgx/gene_rules.py; it never
reads a VCF (scripts/pgx/pgx_genotypes.py does). Re-implemented from PharmCAT's documented and coded behaviour
(PharmGKB/PharmCAT @ 5431bf1, `org.pharmgkb.pharmcat.haplotype`: NamedAlleleMatcher, MatchData, DiplotypeMatcher,
CombinationUtil, NamedAllele, DpydHapB3Matcher, ResultBuilder; reporter LowestFunctionGeneCaller; docs/methods/
NamedAlleleMatcher-101.md and Gene-Definition-Exceptions.md); no PharmCAT code is copied. Genes: PANEL_GENES, every
gene of PharmCAT's with allele definitions but CYP2D6.

Matching rules (PharmCAT's, unless marked "genorisk"):
1. Blank cells. A named allele with no value at a position takes the reference named allele's value there
   (PharmCAT `MatchData.defaultMissingAllelesToReference`, applied to every standard gene): a blank means
   "reference", not "anything". The reference allele is the definition row flagged `reference` (CYP2C19: *38, whose
   sequence is GRCh38's; *1 carries rs3758581 G).
2. Alleles. IUPAC ambiguity codes in a definition (R, Y, M, S, ...) match any base they stand for; other alleles
   (including indels written as VCF sequences) match only the identical sequence.
3. Consistency. A diplotype A/B explains the sample when, at every called position, one allele of the genotype is
   matched by A and the other by B. Which genotype allele goes to A is free per phase block: each unphased
   heterozygous position is its own block (both phasings are tried), phased positions with the same PS form one block,
   and phased positions without PS form one block (PharmCAT `CombinationUtil.generatePermutations`).
4. Score and ranking. An allele's score is the number of positions its definition gives (non-blank cells; the
   reference allele scores every position), minus 1 for each IUPAC position at which the sample base on that allele is
   the reference base (PharmCAT `NamedAllele.scoreForSample`). A diplotype's score is the sum of its two alleles'
   scores under the best phasing. Candidates are ranked by score (highest first), then by allele names in PharmCAT's
   haplotype-name order. The score only makes the choice repeatable: the most specific definitions win (PharmCAT
   docs: unphased alternatives are "all equally possible and valid"). PharmCAT's default output is the top-score tie
   set; it is kept in `pharmcat_top`, while `diplotypes` lists every candidate, best first (PharmCAT's all-results
   mode).
5. Names. The two alleles are written in PharmCAT's haplotype-name order: "Reference"/"Any"/"All" first, then text
   and numbers compared piecewise with numbers as numbers (*1/*17, *2/*17, *3B/*3C). Sub-alleles are reported under
   their core name (SLCO1B1 *45.001 -> *45, the definition's `suballelesMap`).
6. Undocumented variation (an ALT at a defining position that no definition uses): for CACNA1S, DPYD, G6PD, NUDT15,
   RYR1 and TPMT (PharmCAT's TREAT_UNDOCUMENTED_VARIATIONS_AS_REFERENCE) it is read as the reference base, with a
   warning; elsewhere it is kept, so no named allele matches it and the gene is not called.
7. DPYD and RYR1 are lowest-function genes (CPIC fluoropyrimidine guideline, PMID:29152729; PharmCAT
   Gene-Definition-Exceptions; gene_rules.lowest_function). Unphased data with more than one heterozygous position:
   every variant allele found is listed and the two lowest-ranked ones (DPYD: lowest activity; RYR1: Malignant
   Hyperthermia associated first; ties by name) make the diplotype, presumed in trans. Phased data, phase sets, or
   at most one heterozygous position: every phasing the phase blocks allow is tried, the lowest-ranked variant
   allele on each chromosome taken ("Reference" when a chromosome has none), and the phasing with the lowest summed
   rank kept (ties by name, Reference first). HapB3 (rs75017182 + rs56038477) is called
   from the intronic rs75017182 when the two disagree: an exonic rs56038477 ALT without the intronic ALT is read as
   reference, with a warning (PharmCAT DpydHapB3Matcher); an allele whose defining positions are a subset of another
   allele found with it (c.1129-5923C>G within HapB3) is not counted again.
8. Phenotype. The diplotype's allele names, as a multiset, are looked up in the phenotype file's `diplotypes`
   (`diplotypekey`): the CPIC phenotype (`generesult`, e.g. "Intermediate Metabolizer", VKORC1 "-1639 AG"),
   activity score (null where CPIC gives none) and guideline lookup key (`lookupkey`: the phenotype, or the activity
   score as text for CYP2C9 and DPYD). G6PD and RYR1 are shipped with their allele functions only: their phenotype
   (= lookup key) is derived (gene_rules.g6pd_phenotype, ryr1_phenotype); CYP4F2 has no phenotype data and IFNL3 no
   diplotype table (null). genorisk: `phenotype`/`activity_score`/`lookup_key` are given only when every listed
   diplotype agrees on them (an unphased TPMT *1/*3A vs *3B/*3C is ambiguous: null), for DPYD and RYR1 from rule 7.
9. Missing data (genorisk, stricter than PharmCAT). A position absent from the VCF, a no-call, or a half call (`1/.`)
   is never assumed reference: the gene is not called (`diplotypes` is empty) and `possible_diplotypes_if_missing`
   lists every diplotype that some genotype at the missing positions would turn into an exact match (its alleles
   explain every called position; a half call must be explained by one of them), ranked as in rule 4 with scores
   over the called positions. PharmCAT instead matches on the called positions only and reports the top of that
   list; that is kept in `pharmcat_top` for comparison. At most MAX_POSSIBLE possible diplotypes are listed;
   `n_possible_diplotypes` counts all of them.
10. Not covered (genorisk). A position the reference or target cannot say anything about (its contig is absent, the
   reference has N there, or it lies outside `regions`; scripts/sites/panel_to_sites.py) is `not_covered`: any genotype
   given for it is ignored, and it is missing data exactly as in rule 9 (listed in `not_covered`, not `missing`).
11. X-linked G6PD (gene_rules): a male has one allele; every called position must be homozygous (a heterozygous one
   makes the gene `no_match` with a warning) and the diplotype is a single allele name ("A- 202A_376G"); a female is
   matched as any gene; unknown sex: matched as two alleles, with a note. Phenotype per CPIC's G6PD table.
12. NAT2 (gene_rules): unphased data allowing every diplotype of one of the exemptions' unphased priority lists are
   called as its pick, with a note (`candidates` keeps them all); a missing required position leaves `pharmcat_top`
   empty (PharmCAT calls nothing). With other positions missing, `pharmcat_top` is PharmCAT's priority-mode answer:
   the pick, else every candidate (PharmCAT does not cut unphased NAT2 candidates to the top score).

Result of `match_gene` (one gene, one sample; JSON-ready):
    gene, definition_version      the gene and the definitions' data version
    status                        called (one diplotype) | ambiguous (several) | no_match (no named diplotype explains
                                  the calls) | missing_positions (not called, see rule 9) | no_data (nothing called)
    diplotypes                    rule 4 ranking, best first; [] unless every position is called
    phenotype, activity_score     rule 8; null when ambiguous or not called
    lookup_key                    {GENE: lookup key} of the call (rule 8), what guideline tables are keyed by; null
                                  when not called or the candidates disagree
    pharmcat_top                  what PharmCAT's default mode reports (top-score ties; DPYD: its lowest-function call)
    candidates                    [{diplotype, score, phenotype, activity_score}] behind `diplotypes`, or behind
                                  `possible_diplotypes_if_missing` when positions are missing
    missing                       rsIDs (chrom:pos where there is none) of the no-call positions
    not_covered                   the same for the positions this reference/target does not cover (rule 10)
    possible_diplotypes_if_missing, n_possible_diplotypes   rule 9
    lowest_function               DPYD, RYR1: {phased: true, strands: [[...], [...]]} or {phased: false, haplotypes}
    variant_alleles               CACNA1S, CFTR, RYR1 (allele-status genes): the call's variant alleles, one entry a
                                  copy ([] = none found); null for other genes or when not called
    sex                           G6PD: "male" / "female" as used (rule 11), null when unknown; null for other genes
    calls                         [{rsid, chrom, pos, genotype ('C/T', 'C|T', './.', 'T/.'), status: ref | variant
                                  | no_call | not_covered}] for every defining position, in definition order
    extra_calls                   the same for the exemptions' extra positions of interest (reported, not matched)
    warnings                      undocumented alleles, HapB3 reinterpretation, missing AMP tier-1 positions

Not implemented: CYP2D6 and copy-number/structural alleles; PharmCAT's research "combination"/partial allele calls
(a sample no named diplotype explains is `no_match`); PharmCAT's DPWG tie-break for DPYD and the SLCO1B1
rs4149056-only fallback (reporter features).

Size: over 400 lines because PharmCAT's general matching rules (one numbered list in this docstring, which the
result fields refer to) act together; definitions and gene-specific rules live in pgx_definitions and gene_rules.
"""

from collections import Counter
from dataclasses import dataclass

from pgx.gene_rules import (
    LOWEST_FUNCTION_GENES,
    X_LINKED_GENES,
    adjust_hapb3,
    derived_phenotype,
    hemizygous,
    heterozygous_in_male,
    lookup_key,
    lowest_function,
    missing_required,
    sex_note,
    unphased_priority,
    unphased_priority_mode,
    variant_alleles,
)
from pgx.pgx_definitions import (  # noqa: F401  (re-exported: the workflow and tests import them from here)
    PANEL_GENES,
    Genotype,
    allele_matches,
    definition_paths,
    diplotype_name,
    exemptions_path,
    is_wobble,
    load_gene,
    name_key,
    split_diplotype,
)

# PharmCAT's NamedAlleleMatcher.TREAT_UNDOCUMENTED_VARIATIONS_AS_REFERENCE.
UNDOCUMENTED_AS_REFERENCE = frozenset({"CACNA1S", "DPYD", "G6PD", "NUDT15", "RYR1", "TPMT"})
MAX_POSSIBLE = 25


@dataclass(frozen=True)
class _Site:
    """A called position as the matcher sees it: `block` None for homozygous, `known` set for half calls."""

    index: int
    ref: str
    alleles: tuple
    block: object = None
    known: str | None = None


# --------------------------------------------------------------------------------------------------------- matching


def _as_genotype(value):
    if value is None or isinstance(value, Genotype):
        return value
    return Genotype(*value)


def _raw_genotypes(definition, calls):
    """Per locus: the Genotype given for it (None when left out)."""
    raw = [None] * len(definition.loci)
    for key, value in calls.items():
        raw[definition.index_of(key)] = _as_genotype(value)
    return raw


def _normalise(definition, raw, warnings):
    """Per locus: a Genotype with upper-case alleles (undocumented ALTs handled, rule 6) or None when not called."""
    genotypes = []
    for locus, genotype in zip(definition.loci, raw, strict=True):
        if genotype is None or (genotype.allele1 is None and genotype.allele2 is None):
            genotypes.append(None)
            continue
        known = {locus.ref, *locus.alts}
        alleles = []
        for allele in (genotype.allele1, genotype.allele2):
            allele = allele.upper() if allele is not None else None
            if allele is not None and allele not in known:
                if definition.gene in UNDOCUMENTED_AS_REFERENCE:
                    warnings.append(f"{locus.label}: undocumented allele {allele} read as reference {locus.ref}")
                    allele = locus.ref
                else:
                    warnings.append(f"{locus.label}: undocumented allele {allele}; no named allele can match it")
            alleles.append(allele)
        genotypes.append(Genotype(alleles[0], alleles[1], genotype.phased, genotype.phase_set))
    return genotypes


def _sites(definition, genotypes):
    """The called positions as _Site records (half calls keep their one known allele)."""
    sites = []
    for i, genotype in enumerate(genotypes):
        if genotype is None:
            continue
        ref, a1, a2 = definition.loci[i].ref, genotype.allele1, genotype.allele2
        if a1 is None or a2 is None:
            sites.append(_Site(i, ref, (a1 or a2,) * 2, block=("half", i), known=a1 or a2))
        elif a1 == a2:
            sites.append(_Site(i, ref, (a1, a2)))
        elif genotype.phased:
            sites.append(_Site(i, ref, (a1, a2), block=("ps", genotype.phase_set)))
        else:
            sites.append(_Site(i, ref, (a1, a2), block=("unphased", i)))
    return sites


def _allele_score(allele, called):
    """PharmCAT's base score: defined cells among the called positions (every called position for the reference)."""
    return len(allele.defined & called)


def _pair_score(a, b, sites, base_score):
    """Best PharmCAT score of diplotype a/b over the phasings the sites allow, or None when a/b does not fit.

    `base_score` is a + b's count of defined cells among the called positions; IUPAC deductions are taken off it.
    """
    blocks = {}  # block -> [wobble deduction with orientation 0, with orientation 1]; None = orientation impossible
    deduction = 0
    for site in sites:
        fa, fb = a.filled[site.index], b.filled[site.index]
        if site.known is not None:
            if not (allele_matches(fa, site.known) or allele_matches(fb, site.known)):
                return None
            continue
        s1, s2 = site.alleles
        if site.block is None:
            if not (allele_matches(fa, s1) and allele_matches(fb, s1)):
                return None
            deduction += _wobble_deduction(a, site, s1) + _wobble_deduction(b, site, s1)
            continue
        options = blocks.setdefault(site.block, [0, 0])
        for o, (base_a, base_b) in enumerate(((s1, s2), (s2, s1))):
            if options[o] is not None and allele_matches(fa, base_a) and allele_matches(fb, base_b):
                options[o] += _wobble_deduction(a, site, base_a) + _wobble_deduction(b, site, base_b)
            else:
                options[o] = None
    for options in blocks.values():
        valid = [d for d in options if d is not None]
        if not valid:
            return None
        deduction += min(valid)
    return base_score - deduction


def _wobble_deduction(allele, site, base):
    """1 when the allele's IUPAC code at this site is satisfied by the reference base (PharmCAT scoreForSample)."""
    return 1 if is_wobble(allele.alleles[site.index]) and base == site.ref else 0


def _candidates(definition, sites):
    """All diplotypes consistent with the called sites: {name: score}, best score kept per reported name."""
    called = frozenset(site.index for site in sites)
    viable = [definition.alleles[k] for k in sorted(_viable(definition, sites))]
    scores = [_allele_score(a, called) for a in viable]
    found = {}
    for x, a in enumerate(viable):
        for y in range(x, len(viable)):
            score = _pair_score(a, viable[y], sites, scores[x] + scores[y])
            if score is not None:
                name = diplotype_name(a.name, viable[y].name)
                found[name] = max(score, found.get(name, score))
    return found


def _viable(definition, sites):
    """Indices of the alleles that match one of the two genotype alleles at every fully called site."""
    viable = set(range(len(definition.alleles)))
    for site in sites:
        if site.known is None:
            s1, s2 = site.alleles
            viable &= definition.alleles_matching(site.index, s1) | definition.alleles_matching(site.index, s2)
    return viable


def _ranked(found):
    """[(name, score)] best first: score descending, then the allele names in PharmCAT's order."""
    return sorted(found.items(), key=lambda item: (-item[1], *(name_key(n) for n in split_diplotype(item[0]))))


# ------------------------------------------------------------------------------------------------------- phenotype


def phenotype_of(definition, diplotype):
    """(CPIC phenotype, activity score, lookup key value) for a diplotype name (a single allele name for a male's
    X-linked gene); (None, None, None) when the phenotype data have no such row (rule 8)."""
    if not definition.phenotypes:
        return derived_phenotype(definition, diplotype)
    key = frozenset(Counter(split_diplotype(diplotype)).items())
    return definition.phenotypes.get(key, (None, None, None))


def _candidate_rows(definition, ranked):
    rows = []
    for name, score in ranked:
        phenotype, activity, lookup = phenotype_of(definition, name)
        rows.append(
            {
                "diplotype": name,
                "score": score,
                "phenotype": phenotype,
                "activity_score": activity,
                "lookup_key": lookup_key(definition, lookup),
            }
        )
    return rows


def _shared(rows, key):
    values = {json_key(row[key]) for row in rows}
    return rows[0][key] if len(values) == 1 else None


def json_key(value):
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


# ------------------------------------------------------------------------------------------------------------ output


def _call_rows(loci, genotypes, raw, not_covered=frozenset()):
    rows, missing, uncovered = [], [], []
    for locus, genotype, original in zip(loci, genotypes, raw, strict=True):
        if locus.pos in not_covered:
            status = "not_covered"
            uncovered.append(locus.label)
        elif genotype is None or None in (genotype.allele1, genotype.allele2):
            status = "no_call"
            missing.append(locus.label)
        else:  # as the VCF has it (an undocumented ALT read as reference is still a variant here)
            status = "ref" if {original.allele1.upper(), original.allele2.upper()} == {locus.ref} else "variant"
        rows.append(
            {
                "rsid": locus.rsid,
                "chrom": locus.chrom,
                "pos": locus.pos,
                "genotype": genotype_text(original),
                "status": status,
            }
        )
    return rows, missing, uncovered


def genotype_text(genotype):
    """'C/T', 'C|T', 'T/.' or './.' for a Genotype (or None)."""
    if genotype is None:
        return "./."
    sep = "|" if genotype.phased else "/"
    return f"{genotype.allele1 or '.'}{sep}{genotype.allele2 or '.'}"


def _extra_rows(definition, extra_calls, not_covered=frozenset()):
    rows = []
    for locus in definition.extra_loci:
        uncovered = locus.pos in not_covered
        genotype = _as_genotype(extra_calls.get(locus.pos)) if extra_calls and not uncovered else None
        if uncovered:
            status = "not_covered"
        elif genotype is None or None in (genotype.allele1, genotype.allele2):
            status = "no_call"
        else:
            status = "ref" if {genotype.allele1, genotype.allele2} == {locus.ref} else "variant"
        rows.append(
            {
                "rsid": locus.rsid,
                "chrom": locus.chrom,
                "pos": locus.pos,
                "genotype": genotype_text(genotype),
                "status": status,
            }
        )
    return rows


def match_gene(definition, calls, extra_calls=None, not_covered=frozenset(), sex=None):
    """Match one sample's calls for one gene; returns the result dict described in the module docstring.

    `calls` maps a defining position (int POS, rsID or 'chrom:pos') to a Genotype, a tuple
    (allele1, allele2[, phased[, phase_set]]) or None (no call); positions left out are no-calls.
    `extra_calls` maps POS of the exemption's extra positions of interest (reported, never used for matching).
    `not_covered`: POS of the (defining or extra) positions this reference/target does not cover (rule 10).
    `sex`: "male", "female" or None (unknown); used for X-linked genes only (rule 11).
    """
    warnings = []
    raw = [None if locus.pos in not_covered else genotype
           for locus, genotype in zip(definition.loci, _raw_genotypes(definition, calls), strict=True)]  # fmt: skip
    genotypes = adjust_hapb3(definition, _normalise(definition, raw, warnings), warnings)
    call_rows, missing, uncovered = _call_rows(definition.loci, genotypes, raw, not_covered)
    sites = _sites(definition, genotypes)
    absent = missing + uncovered
    missing_amp1 = [label for label, pos in _labels_at(definition, absent) if pos in definition.amp1_positions]
    if missing_amp1:
        warnings.append(f"missing AMP tier-1 position(s): {', '.join(missing_amp1)}")
    x_linked = definition.gene in X_LINKED_GENES
    warnings.extend(sex_note(definition, sex))
    result = {
        "gene": definition.gene,
        "definition_version": definition.version,
        "status": None,
        "diplotypes": [],
        "phenotype": None,
        "activity_score": None,
        "lookup_key": None,
        "pharmcat_top": [],
        "candidates": [],
        "missing": missing,
        "not_covered": uncovered,
        "possible_diplotypes_if_missing": [],
        "n_possible_diplotypes": 0,
        "lowest_function": None,
        "variant_alleles": None,
        "sex": (sex if sex in ("male", "female") else None) if x_linked else None,
        "calls": call_rows,
        "extra_calls": _extra_rows(definition, extra_calls, not_covered),
        "warnings": warnings,
    }
    heterozygous = heterozygous_in_male(definition, sex, sites)
    if not sites:
        result["status"] = "no_data"
    elif heterozygous:
        result["status"] = "no_match"
        warnings.append(f"heterozygous at {', '.join(heterozygous)} in a male, who has one {definition.gene} allele")
    elif absent:
        _uncallable(definition, sites, result, sex, [pos for _, pos in _labels_at(definition, absent)])
    else:
        _callable(definition, sites, result, sex)
    result["variant_alleles"] = variant_alleles(definition, result)
    return result


def _labels_at(definition, labels):
    return [(loc.label, loc.pos) for loc in definition.loci if loc.label in labels]


def _found(definition, sites, sex):
    """Rule 3's consistent diplotypes {name: score}; a male's X-linked ones as single alleles (rule 11)."""
    return hemizygous(definition, sex, _candidates(definition, sites))


def _callable(definition, sites, result, sex):
    """Every position called: all consistent diplotypes, best first (rules 7 and 12 for their genes)."""
    if definition.gene in LOWEST_FUNCTION_GENES:
        name, detail = lowest_function(definition, sites)
        row = _candidate_rows(definition, [(name, _found(definition, sites, sex).get(name))])[0]
        result.update(status="called", diplotypes=[name], pharmcat_top=[name], lowest_function=detail, candidates=[row])
        result.update(phenotype=row["phenotype"], activity_score=row["activity_score"], lookup_key=row["lookup_key"])
        return
    ranked = _ranked(_found(definition, sites, sex))
    if not ranked:
        result["status"] = "no_match"
        return
    rows = _candidate_rows(definition, ranked)
    pick = unphased_priority(definition, sites, [r["diplotype"] for r in rows])
    if pick is not None:
        row = next(r for r in rows if r["diplotype"] == pick)
        names = ", ".join(r["diplotype"] for r in rows)
        result["warnings"].append(
            f"unphased {definition.gene} variants allow {len(rows)} diplotypes ({names}); {pick} is reported"
            f", PharmCAT's pick from population frequencies (unphasedDiplotypePriorities)"
        )
        result.update(status="called", diplotypes=[pick], pharmcat_top=[pick], candidates=rows)
        result.update(phenotype=row["phenotype"], activity_score=row["activity_score"], lookup_key=row["lookup_key"])
        return
    result.update(
        status="called" if len(rows) == 1 else "ambiguous",
        diplotypes=[r["diplotype"] for r in rows],
        phenotype=_shared(rows, "phenotype"),
        activity_score=_shared(rows, "activity_score"),
        lookup_key=_shared(rows, "lookup_key"),
        pharmcat_top=[name for name, score in ranked if score == ranked[0][1]],
        candidates=rows,
    )


def _uncallable(definition, sites, result, sex, absent_positions):
    """Missing positions: list what the missing genotypes could make the call (rule 9); call nothing."""
    found = _found(definition, sites, sex)
    called = frozenset(s.index for s in sites)
    pharmcat = {n: s for n, s in found.items() if _all_alleles_scored(definition, n, called)}
    required = missing_required(definition, absent_positions)
    if required:
        labels = [loc.label for loc in definition.loci if loc.pos in required]
        result["warnings"].append(f"missing required position(s) {', '.join(labels)}: PharmCAT does not call the gene")
    elif definition.gene in LOWEST_FUNCTION_GENES and not any(s.known is not None for s in sites):
        name, detail = lowest_function(definition, sites)
        result["lowest_function"] = detail
        result["pharmcat_top"] = [name]
        found.setdefault(name, 0)
    elif pharmcat and not any(s.known is not None for s in sites):
        ranked_pc = _ranked(pharmcat)
        names = [n for n, _ in ranked_pc]
        pick = unphased_priority(definition, sites, names)
        # PharmCAT's unphased priority mode keeps every candidate, then picks (rule 12)
        top = [n for n, s in ranked_pc if s == ranked_pc[0][1]]
        result["pharmcat_top"] = [pick] if pick else names if unphased_priority_mode(definition, sites) else top
    ranked = _ranked(found)
    result.update(
        status="missing_positions" if ranked else "no_match",
        candidates=_candidate_rows(definition, ranked[:MAX_POSSIBLE]),
        possible_diplotypes_if_missing=[name for name, _ in ranked[:MAX_POSSIBLE]],
        n_possible_diplotypes=len(ranked),
    )


def _all_alleles_scored(definition, diplotype, called):
    """PharmCAT drops alleles with no defined cell left among the called positions; do both alleles survive?"""
    names = split_diplotype(diplotype)
    return all(any(a.name == n and a.defined & called for a in definition.alleles) for n in names)
