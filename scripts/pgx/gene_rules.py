"""PharmCAT's gene-specific calling rules, for scripts/pgx/pgx_match.py (the general rules are numbered there).

Re-implemented from PharmCAT's documentation and code (PharmGKB/PharmCAT @ 5431bf1: docs/methods/
Gene-Definition-Exceptions.md and NamedAlleleMatcher-101.md; src/main/java/org/pharmgkb/pharmcat/Constants.java,
haplotype/NamedAlleleMatcher.java, DpydHapB3Matcher.java, ResultBuilder.java, reporter/caller/
LowestFunctionGeneCaller.java); no PharmCAT code is copied.

- Lowest-function genes, DPYD and RYR1 (Constants.LOWEST_FUNCTION_GENES): not matched as diplotypes of named
  alleles but as the variant alleles found (`lowest_function`): with unphased data and more than one heterozygous
  position every variant allele found is listed and the two ranked lowest make the diplotype, presumed in trans; with
  phased or effectively phased data the lowest-ranked allele per chromosome ("Reference" when a chromosome has none)
  over the phasings the phase blocks allow. Rank: DPYD by CPIC activity value (CPIC fluoropyrimidine guideline,
  PMID:29152729; an allele without one ranks as 2.0), RYR1 "Malignant Hyperthermia associated" first
  (LowestFunctionGeneCaller's Ryr1ActivityComparator and Ryr1DiplotypeMalignancyComparator), ties by name.
  DPYD HapB3 is called from the intronic rs75017182 (DpydHapB3Matcher).
- Allele-status genes, CACNA1S, CFTR and RYR1 (variant-style alleles, PharmCAT's Diplotype.
  USE_CPIC_STYLE_DIPLOTYPE_NAMES): the result lists each variant allele found (`variant_alleles`); the phenotype is
  the lookup of the call (CACNA1S, CFTR: the phenotype table; RYR1: `ryr1_phenotype`).
- G6PD, X-linked (Constants.SINGLE_PLOIDY, isXChromo): a male has one allele: every defining position must be
  homozygous (or haploid) and the call is a single allele name; a female is called as two alleles, as any gene.
  Unknown sex: called as two alleles (as PharmCAT does for a diploid genotype), with a note. The diplotype phenotype
  follows CPIC's G6PD table (Gammal et al. 2022, PMID:36049896), as upstream's G6PD.json rows do (config/panels/
  pgx/SOURCE.md): `g6pd_phenotype`.
- NAT2 (Gene-Definition-Exceptions "NAT2", ResultBuilder.build): with unphased data that allows several diplotypes,
  the exemptions' unphasedDiplotypePriorities pick one (from population frequencies) when every diplotype of a
  priority list is among the candidates, with a note. Required positions (rs1801279, rs1801280, rs1799930, rs1208,
  rs1799931): missing one, PharmCAT calls nothing.
- UGT1A1 and CYP2B6 have no special case in PharmCAT's default mode (UGT1A1's `*80+*28` and `*80+*37` are named
  alleles matched as any other; MatchData.isIgnorableCombination drops them only in research combination mode).
"""

import itertools

from pgx.pgx_definitions import Genotype, allele_matches, diplotype_name, name_key, split_diplotype

LOWEST_FUNCTION_GENES = frozenset({"DPYD", "RYR1"})
ALLELE_STATUS_GENES = frozenset({"CACNA1S", "CFTR", "RYR1"})
X_LINKED_GENES = frozenset({"G6PD"})
HAPB3_EXONIC_RSID, HAPB3_INTRONIC_RSID = "rs56038477", "rs75017182"
# Phasings tried for lowest-function genes are 2^(blocks - 1); beyond this many phase blocks the unphased rule is used.
MAX_PHASE_BLOCKS = 12
# A DPYD allele without a CPIC activity value sorts after every valued one (PharmCAT ranks it as 2.0).
UNKNOWN_ACTIVITY = 2.0
MALIGNANT = "Malignant Hyperthermia associated"
RYR1_SUSCEPTIBLE, RYR1_UNCERTAIN = "Malignant Hyperthermia Susceptibility", "Uncertain Susceptibility"
G6PD_NORMAL, G6PD_CNSHA, G6PD_UNCERTAIN = "IV/Normal", "I/Deficient with CNSHA", "Uncertain function"
MALE, FEMALE = "male", "female"


# ------------------------------------------------------------------------------------------------------- phenotypes


def ryr1_phenotype(functions):
    """RYR1: susceptible when either allele is Malignant Hyperthermia associated, else uncertain susceptibility."""
    return RYR1_SUSCEPTIBLE if MALIGNANT in functions else RYR1_UNCERTAIN


def _g6pd_class(function):
    if function == G6PD_NORMAL:
        return "normal"
    if function == G6PD_CNSHA:
        return "cnsha"
    if function and function.endswith("/Deficient"):
        return "deficient"
    return "uncertain"


def g6pd_phenotype(functions):
    """G6PD phenotype for one allele's function (a male) or two (a female), per CPIC's G6PD table."""
    classes = [_g6pd_class(f) for f in functions]
    if "uncertain" in classes:
        return "Indeterminate"
    if all(c == "normal" for c in classes):
        return "Normal"
    if "normal" in classes:
        return "Variable"
    return "Deficient with CNSHA" if all(c == "cnsha" for c in classes) else "Deficient"


DERIVED_PHENOTYPES = {"G6PD": g6pd_phenotype, "RYR1": ryr1_phenotype}


def derived_phenotype(definition, diplotype):
    """(phenotype, activity, lookup key) from the allele functions, for genes shipped without a diplotype table."""
    rule = DERIVED_PHENOTYPES.get(definition.gene)
    functions = [definition.functions.get(name) for name in split_diplotype(diplotype)]
    if rule is None or None in functions:
        return None, None, None
    phenotype = rule(functions)
    return phenotype, None, phenotype


def lookup_key(definition, value):
    """The guideline lookup key of a call, {GENE: value}, or None."""
    return None if value is None else {definition.gene: value}


# ---------------------------------------------------------------------------------------------------------- G6PD


def heterozygous_in_male(definition, sex, sites):
    """Labels of the heterozygous positions when a male is called at an X-linked gene (he has one allele)."""
    if definition.gene not in X_LINKED_GENES or sex != MALE:
        return []
    return [definition.loci[s.index].label for s in sites if s.known is None and s.alleles[0] != s.alleles[1]]


def hemizygous(definition, sex, found):
    """{name: score} of candidate diplotypes as a male's single allele ('A/A' -> 'A'; 'A/B' cannot be his)."""
    if definition.gene not in X_LINKED_GENES or sex != MALE:
        return found
    single = {}
    for name, score in found.items():
        first, second = split_diplotype(name)
        if first == second:
            single[first] = max(score // 2, single.get(first, 0))
    return single


def sex_note(definition, sex):
    if definition.gene not in X_LINKED_GENES or sex in (MALE, FEMALE):
        return []
    return [
        f"sex unknown: {definition.gene} (X-linked) called as two alleles, as for a female; a male has one, and "
        "where every position is homozygous his call is that allele with the same phenotype"
    ]


# --------------------------------------------------------------------------------------------------------- NAT2


def effectively_phased(sites):
    """PharmCAT's 'effectively phased': at most one phase block with a heterozygous position."""
    return len({s.block for s in sites if s.block is not None}) <= 1


def unphased_priority_mode(definition, sites):
    """PharmCAT's unphased priority mode: the gene has priority lists and the data are not effectively phased."""
    return bool(definition.priorities) and not effectively_phased(sites)


def unphased_priority(definition, sites, names):
    """The exemption's pick when unphased data allow every diplotype of a priority list, else None."""
    if not unphased_priority_mode(definition, sites):
        return None
    present = set(names)
    for listed, pick in definition.priorities:
        if listed <= present:
            return pick
    return None


def missing_required(definition, absent_positions):
    return sorted(p for p in definition.required_positions if p in absent_positions)


# ---------------------------------------------------------------------------------------------------------- DPYD


def adjust_hapb3(definition, genotypes, warnings):
    """DPYD: an exonic HapB3 ALT (rs56038477) not matched by an intronic ALT (rs75017182) is read as reference.

    Same phase set: chromosome by chromosome. Otherwise by count: at most as many exonic ALTs as intronic ALTs.
    """
    if definition.gene != "DPYD":
        return genotypes
    try:
        exon, intron = definition.index_of(HAPB3_EXONIC_RSID), definition.index_of(HAPB3_INTRONIC_RSID)
    except ValueError:
        return genotypes
    ge, gi = genotypes[exon], genotypes[intron]
    if ge is None or gi is None or None in (ge.allele1, ge.allele2, gi.allele1, gi.allele2):
        return genotypes
    e_ref, i_ref = definition.loci[exon].ref, definition.loci[intron].ref
    exon_alt = [a != e_ref for a in (ge.allele1, ge.allele2)]
    intron_alt = [a != i_ref for a in (gi.allele1, gi.allele2)]
    if ge.phased and gi.phased and ge.phase_set == gi.phase_set:
        keep = [e and i for e, i in zip(exon_alt, intron_alt)]
    else:
        budget, keep = sum(intron_alt), []
        for e in exon_alt:
            keep.append(e and budget > 0)
            budget -= int(keep[-1])
    if keep == exon_alt:
        return genotypes
    warnings.append(
        f"{HAPB3_EXONIC_RSID} ALT without the intronic {HAPB3_INTRONIC_RSID} ALT is read as reference "
        "(HapB3 is called from the intronic variant)"
    )
    alleles = [a if k else e_ref for a, k in zip((ge.allele1, ge.allele2), keep)]
    adjusted = list(genotypes)
    adjusted[exon] = Genotype(alleles[0], alleles[1], ge.phased, ge.phase_set)
    return adjusted


# ----------------------------------------------------------------------------------------- lowest-function genes


def _present(definition, strand):
    """Non-reference alleles whose every defined (and called) position carries their allele on this chromosome."""
    found = []
    for allele in definition.alleles:
        core = allele.defined & strand.keys()
        if not allele.reference and core and all(allele_matches(allele.alleles[i], strand[i]) for i in core):
            found.append(allele)
    return [a for a in found if not any(a.defined < b.defined for b in found)]


def _rank(definition, name):
    """Lower = reported first: DPYD by activity value, RYR1 malignant first; then by name."""
    if definition.gene == "RYR1":
        return (0.0 if definition.functions.get(name) == MALIGNANT else 1.0), name_key(name)
    activity = definition.activity.get(name)
    return (UNKNOWN_ACTIVITY if activity is None else activity), name_key(name)


def _lowest(definition, names):
    """The lowest-ranked name; the reference allele when there is none."""
    if not names:
        return definition.reference_name
    return min(names, key=lambda name: _rank(definition, name))


def lowest_function(definition, sites):
    """(diplotype name, detail) from the lowest-ranked variant alleles (module docstring).

    Unphased data with more than one heterozygous position: the two lowest-ranked variant alleles found, presumed in
    trans (PharmCAT's haplotype path). Otherwise (phased, phase sets, or at most one heterozygous position) each
    allowed phasing of the phase blocks is tried, the lowest-ranked allele per chromosome taken, and the phasing with
    the lowest summed rank kept, ties by name with Reference first (PharmCAT's diplotype path).
    """
    blocks = sorted({site.block for site in sites if site.block is not None}, key=repr)
    if len(blocks) > MAX_PHASE_BLOCKS or (len(blocks) > 1 and all(b[0] == "unphased" for b in blocks)):
        found = _present_copies(definition, sites)
        lowest = sorted(found, key=lambda name: _rank(definition, name))[:2]
        chosen = lowest + [definition.reference_name] * (2 - len(lowest))
        return diplotype_name(*chosen), {"phased": False, "haplotypes": sorted(found, key=name_key)}
    best = None
    for flips in itertools.product((0, 1), repeat=max(len(blocks) - 1, 0)):
        flip = dict(zip(blocks[1:], flips))
        strands = [{s.index: s.alleles[k ^ flip.get(s.block, 0)] for s in sites} for k in (0, 1)]
        per_strand = [sorted((a.name for a in _present(definition, strand)), key=name_key) for strand in strands]
        chosen = sorted((_lowest(definition, names) for names in per_strand), key=name_key)
        key = (sum(_rank(definition, name)[0] for name in chosen), *(name_key(n) for n in chosen))
        if best is None or key < best[0]:
            best = (key, chosen, per_strand)
    _, chosen, per_strand = best
    return diplotype_name(*chosen), {"phased": True, "strands": per_strand}


def _present_copies(definition, sites):
    """Unphased: each variant allele found, repeated per copy (copies = fewest ALT copies over its positions)."""
    by_index = {s.index: s.alleles for s in sites if s.known is None}
    copies = {}
    for allele in definition.alleles:
        core = allele.defined & by_index.keys()
        if allele.reference or not core:
            continue
        n = min(sum(allele_matches(allele.alleles[i], b) for b in by_index[i]) for i in core)
        if n:
            copies[allele] = n
    for allele in list(copies):
        for other in copies:
            if allele.defined < other.defined:
                copies[allele] = max(0, copies[allele] - copies[other])
    return [a.name for a, n in copies.items() for _ in range(n)]


def variant_alleles(definition, result):
    """Allele-status genes: the call's variant (non-reference) alleles, one entry a copy; None when not called."""
    if definition.gene not in ALLELE_STATUS_GENES:
        return None
    detail = result.get("lowest_function")
    if result["status"] == "called" and detail is not None:
        names = detail["haplotypes"] if not detail["phased"] else [n for strand in detail["strands"] for n in strand]
    elif result["status"] == "called":
        names = split_diplotype(result["diplotypes"][0])
    else:
        return None
    return sorted((n for n in names if n != definition.reference_name), key=name_key)
