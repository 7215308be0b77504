"""Star-allele (named allele) matching for pharmacogenes, following PharmCAT's rules, with CPIC phenotypes.

Pure library: it reads PharmCAT's definition files for one gene and matches one sample's genotypes at that gene's
defining positions; it never reads a VCF (scripts/pgx/pgx_genotypes.py does). Re-implemented from PharmCAT's
documented and
coded behaviour (PharmGKB/PharmCAT @ 5431bf1, `org.pharmgkb.pharmcat.haplotype`: NamedAlleleMatcher, MatchData,
DiplotypeMatcher, CombinationUtil, NamedAllele, DpydHapB3Matcher; reporter LowestFunctionGeneCaller; docs/methods/
NamedAlleleMatcher-101.md and Gene-Definition-Exceptions.md); no PharmCAT code is copied.

Panel folder layout (as PharmCAT's data and ../shared/testdata/pharmcat_positions_grch38/definitions):
    alleles/{GENE}_translation.json   defining positions (`variants`) and named alleles (`namedAlleles`)
    alleles/exemptions.json           per-gene exemptions (extra positions of interest, AMP tier-1 positions)
    phenotype/{GENE}.json             CPIC allele function / activity and diplotype -> phenotype / activity score

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
6. Undocumented variation (an ALT at a defining position that no definition uses): for DPYD, NUDT15 and TPMT
   (PharmCAT's TREAT_UNDOCUMENTED_VARIATIONS_AS_REFERENCE genes in the panel) it is read as the reference base, with a
   warning; elsewhere it is kept, so no named allele matches it and the gene is not called.
7. DPYD is a lowest-function gene (CPIC fluoropyrimidine guideline, PMID:29152729; PharmCAT
   Gene-Definition-Exceptions). Unphased data with more than one heterozygous position: every variant allele found
   is listed and the two lowest-activity ones (ties by name) make the diplotype, presumed in trans. Phased data,
   phase sets, or at most one heterozygous position: every phasing the phase blocks allow is tried, the
   lowest-activity variant allele on each chromosome taken ("Reference" when a chromosome has none), and the phasing
   with the lowest summed activity kept (ties by name, Reference first). HapB3 (rs75017182 + rs56038477) is called
   from the intronic rs75017182 when the two disagree: an exonic rs56038477 ALT without the intronic ALT is read as
   reference, with a warning (PharmCAT DpydHapB3Matcher); an allele whose defining positions are a subset of another
   allele found with it (c.1129-5923C>G within HapB3) is not counted again.
8. Phenotype. The diplotype's allele names, as a multiset, are looked up in the phenotype file's `diplotypes`
   (`diplotypekey`): the CPIC phenotype (`generesult`, e.g. "Intermediate Metabolizer", VKORC1 "-1639 AG") and
   activity score (null where CPIC gives none). genorisk: `phenotype`/`activity_score` are given only when every
   listed diplotype agrees on them (an unphased TPMT *1/*3A vs *3B/*3C is ambiguous: null), for DPYD from rule 7.
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

Result of `match_gene` (one gene, one sample; JSON-ready):
    gene, definition_version      the gene and the definitions' data version
    status                        called (one diplotype) | ambiguous (several) | no_match (no named diplotype explains
                                  the calls) | missing_positions (not called, see rule 9) | no_data (nothing called)
    diplotypes                    rule 4 ranking, best first; [] unless every position is called
    phenotype, activity_score     rule 8; null when ambiguous or not called
    pharmcat_top                  what PharmCAT's default mode reports (top-score ties; DPYD: its lowest-function call)
    candidates                    [{diplotype, score, phenotype, activity_score}] behind `diplotypes`, or behind
                                  `possible_diplotypes_if_missing` when positions are missing
    missing                       rsIDs (chrom:pos where there is none) of the no-call positions
    not_covered                   the same for the positions this reference/target does not cover (rule 10)
    possible_diplotypes_if_missing, n_possible_diplotypes   rule 9
    lowest_function               DPYD only: {phased: true, strands: [[...], [...]]} or {phased: false, haplotypes}
    calls                         [{rsid, chrom, pos, genotype ('C/T', 'C|T', './.', 'T/.'), status: ref | variant
                                  | no_call | not_covered}] for every defining position, in definition order
    extra_calls                   the same for the exemptions' extra positions of interest (reported, not matched)
    warnings                      undocumented alleles, HapB3 reinterpretation, missing AMP tier-1 positions

Not implemented: CYP2D6 and copy-number/structural alleles; PharmCAT's research "combination"/partial allele calls
(a sample no named diplotype explains is `no_match`); NAT2-style unphased priority lists and ignored positions in
exemptions (refused if a panel uses them); PharmCAT's DPWG tie-break for DPYD and the SLCO1B1 rs4149056-only
fallback (reporter features).

Size: over 400 lines because PharmCAT's matching rules (one numbered list in this docstring) and their special cases
act on one data model; the rules refer to each other.
"""

import functools
import gzip
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from common.input_error import InputError

PANEL_GENES = ("CYP2C19", "CYP2C9", "DPYD", "NUDT15", "SLCO1B1", "TPMT", "VKORC1")
IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT",
    "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip
# PharmCAT's NamedAlleleMatcher.TREAT_UNDOCUMENTED_VARIATIONS_AS_REFERENCE.
UNDOCUMENTED_AS_REFERENCE = frozenset({"CACNA1S", "DPYD", "G6PD", "NUDT15", "RYR1", "TPMT"})
LOWEST_FUNCTION_GENES = frozenset({"DPYD"})
HAPB3_EXONIC_RSID, HAPB3_INTRONIC_RSID = "rs56038477", "rs75017182"
NAME_FIRST, NAME_LAST = ("Any", "All", "Reference"), ("Other", "Unknown")
MAX_POSSIBLE = 25
# Phasings tried for DPYD are 2^(blocks - 1); beyond this many phase blocks the unphased rule is used.
MAX_DPYD_BLOCKS = 12
# A DPYD allele without a CPIC activity value sorts after every valued one (PharmCAT ranks it as 2.0).
UNKNOWN_ACTIVITY = 2.0


@dataclass(frozen=True)
class Locus:
    """One defining position: GRCh38 chromosome and 1-based position, REF and the ALTs the definitions use."""

    chrom: str
    pos: int
    rsid: str | None
    ref: str
    alts: tuple

    @property
    def label(self):
        return self.rsid or f"{self.chrom}:{self.pos}"


@dataclass(frozen=True)
class NamedAllele:
    """A named allele: `alleles` as defined (None = blank), `filled` with blanks taken from the reference allele."""

    name: str
    alleles: tuple
    filled: tuple
    reference: bool

    @functools.cached_property
    def defined(self):
        """Indices of the positions the definition gives (all of them for the reference allele)."""
        return frozenset(i for i, a in enumerate(self.alleles) if a is not None)


@dataclass(frozen=True)
class GeneDefinition:
    """One gene's definitions and CPIC phenotype table, as loaded by `load_gene`."""

    gene: str
    version: str
    loci: tuple
    alleles: tuple
    extra_loci: tuple
    amp1_positions: frozenset
    phenotypes: dict  # frozenset(Counter(names).items()) -> (phenotype, activity score or None)
    activity: dict  # allele name -> activity value (float) or None

    @functools.cached_property
    def _index(self):
        keys = {}
        for i, locus in enumerate(self.loci):
            keys.update({locus.pos: i, locus.label: i})
        return keys

    @functools.cached_property
    def _matching(self):
        return {}

    def alleles_matching(self, index, base):
        """Indices (into `alleles`) of the named alleles whose filled value at locus `index` matches `base`."""
        key = (index, base)
        if key not in self._matching:
            hits = (k for k, allele in enumerate(self.alleles) if allele_matches(allele.filled[index], base))
            self._matching[key] = frozenset(hits)
        return self._matching[key]

    def index_of(self, key):
        """The locus index for a position (int), an rsID or a 'chrom:pos' label."""
        try:
            return self._index[key]
        except KeyError:
            raise ValueError(f"{self.gene}: {key!r} is not a defining position") from None


@dataclass(frozen=True)
class Genotype:
    """A sample's call at one position: alleles as bases/sequences (None = missing allele)."""

    allele1: str | None
    allele2: str | None
    phased: bool = False
    phase_set: int | None = None


@dataclass(frozen=True)
class _Site:
    """A called position as the matcher sees it: `block` None for homozygous, `known` set for half calls."""

    index: int
    ref: str
    alleles: tuple
    block: object = None
    known: str | None = None


# ---------------------------------------------------------------------------------------------------------- loading


def _json_file(path):
    """`path`, or `path.gz` when only the gzipped copy exists (the shipped panel is stored gzipped)."""
    gz = Path(f"{path}.gz")
    return gz if not Path(path).exists() and gz.exists() else Path(path)


def exemptions_path(panel_dir):
    """PharmCAT's per-gene exemptions file in a panel folder."""
    return _json_file(Path(panel_dir) / "alleles" / "exemptions.json")


def definition_paths(panel_dir, gene):
    """The files a gene needs in a panel folder: translation, phenotype, exemptions (.json or .json.gz)."""
    panel = Path(panel_dir)
    return {
        "translation": _json_file(panel / "alleles" / f"{gene}_translation.json"),
        "phenotype": _json_file(panel / "phenotype" / f"{gene}.json"),
        "exemptions": exemptions_path(panel),
    }


def _read_json(path):
    try:
        with gzip.open(path, "rt") if str(path).endswith(".gz") else open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: PGx definition file not found") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None


def _locus(variant):
    return Locus(
        variant["chromosome"],
        int(variant["position"]),
        variant.get("rsid"),
        variant["ref"],
        tuple(variant.get("alts") or ()),
    )


def _fill_blanks(alleles, reference, loci):
    """Blank cells take the reference allele's value; an IUPAC code there becomes the position's REF."""
    filled = []
    for allele, ref_allele, locus in zip(alleles, reference, loci, strict=True):
        if allele is not None:
            filled.append(allele)
        else:
            filled.append(locus.ref if _is_wobble(ref_allele) else ref_allele)
    return tuple(filled)


def _phenotype_table(data, path):
    table = {}
    for row in data.get("diplotypes", []):
        key = frozenset(Counter({k: int(v) for k, v in row["diplotypekey"].items()}).items())
        table[key] = (row.get("generesult"), _number(row.get("activityScore")))
    if not table:
        raise InputError(f"{path}: no diplotypes in the phenotype file")
    activity = {a["name"]: _number(a.get("activityValue")) for a in data.get("namedAlleles", [])}
    return table, activity


def _number(value):
    """An activity value/score as a float; None for missing or 'n/a'."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check_exemption(exemption, path, gene):
    unsupported = [
        k for k in ("ignoredPositions", "unphasedDiplotypePriorities", "requiredPositions") if exemption.get(k)
    ]
    if unsupported:
        features = ", ".join(unsupported)
        raise InputError(f"{path}: {gene} uses exemption feature(s) {features}, which genorisk does not support")


def load_gene(panel_dir, gene):
    """Load one gene's PharmCAT definitions and CPIC phenotypes from a panel folder; InputError names a bad file."""
    paths = definition_paths(panel_dir, gene)
    data = _read_json(paths["translation"])
    if data.get("gene") != gene:
        raise InputError(f"{paths['translation']}: file is for gene {data.get('gene')!r}, expected {gene}")
    loci = tuple(_locus(v) for v in data["variants"])
    references = [na for na in data["namedAlleles"] if na.get("reference")]
    if len(references) != 1 or any(a is None for a in references[0]["alleles"]):
        raise InputError(f"{paths['translation']}: {gene} needs exactly one fully defined reference allele")
    exemption = {}
    if paths["exemptions"].exists():  # optional: a panel may have no exemptions file
        exemption = _read_json(paths["exemptions"]).get(gene) or {}
    _check_exemption(exemption, paths["exemptions"], gene)
    ignored = {name.lower() for name in exemption.get("ignoredAlleles", [])}
    suballeles = data.get("suballelesMap") or {}
    ref_alleles = references[0]["alleles"]
    alleles = tuple(
        NamedAllele(
            suballeles.get(na["name"], na["name"]),
            tuple(na["alleles"]),
            _fill_blanks(na["alleles"], ref_alleles, loci),
            bool(na.get("reference")),
        )
        for na in data["namedAlleles"]
        if na["name"].lower() not in ignored
    )
    table, activity = _phenotype_table(_read_json(paths["phenotype"]), paths["phenotype"])
    return GeneDefinition(
        gene=gene,
        version=str(data.get("version", "")),
        loci=loci,
        alleles=alleles,
        extra_loci=tuple(_locus(v) for v in exemption.get("extraPositions", [])),
        amp1_positions=frozenset(int(p) for p in exemption.get("amp1Positions", [])),
        phenotypes=table,
        activity=activity,
    )


# ------------------------------------------------------------------------------------------------------------ names


@functools.lru_cache(maxsize=4096)
def name_key(name):
    """PharmCAT's haplotype-name order: Reference/Any/All first, Unknown/Other last, digits compared as numbers."""
    group = 0 if name in NAME_FIRST else 2 if name in NAME_LAST else 1
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", name))
    return group, parts


def diplotype_name(name1, name2):
    """'A/B' with the two names in PharmCAT's order."""
    first, second = sorted((name1, name2), key=name_key)
    return f"{first}/{second}"


# --------------------------------------------------------------------------------------------------------- matching


def _is_wobble(allele):
    return allele is not None and len(allele) == 1 and allele in IUPAC and len(IUPAC[allele]) > 1


def allele_matches(defined, base):
    """Does a definition allele (base, IUPAC code or sequence) match a sample allele?"""
    if defined == base:
        return True
    return len(base) == 1 and len(defined) == 1 and base in IUPAC.get(defined, "")


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
    return 1 if _is_wobble(allele.alleles[site.index]) and base == site.ref else 0


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
    return sorted(found.items(), key=lambda item: (-item[1], *(name_key(n) for n in _split(item[0]))))


def _split(diplotype):
    """The two allele names of 'A/B' (names never contain '/' in the panel's definitions)."""
    return diplotype.split("/")


# ------------------------------------------------------------------------------------------------------- phenotype


def phenotype_of(definition, diplotype):
    """(CPIC phenotype, activity score) for a diplotype name, or (None, None) when the table has no such row."""
    key = frozenset(Counter(_split(diplotype)).items())
    return definition.phenotypes.get(key, (None, None))


def _candidate_rows(definition, ranked):
    rows = []
    for name, score in ranked:
        phenotype, activity = phenotype_of(definition, name)
        rows.append({"diplotype": name, "score": score, "phenotype": phenotype, "activity_score": activity})
    return rows


def _shared(rows, key):
    values = {row[key] for row in rows}
    return values.pop() if len(values) == 1 else None


# ------------------------------------------------------------------------------------------------------------ DPYD


def _adjust_hapb3(definition, genotypes, warnings):
    """DPYD: an exonic HapB3 ALT (rs56038477) not matched by an intronic ALT (rs75017182) is read as reference.

    Same phase set: chromosome by chromosome. Otherwise by count: at most as many exonic ALTs as intronic ALTs.
    """
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


def _present(definition, strand):
    """Non-reference alleles whose every defined (and called) position carries their allele on this chromosome."""
    found = []
    for allele in definition.alleles:
        core = allele.defined & strand.keys()
        if not allele.reference and core and all(allele_matches(allele.alleles[i], strand[i]) for i in core):
            found.append(allele)
    return [a for a in found if not any(a.defined < b.defined for b in found)]


def _activity_key(definition, name):
    activity = definition.activity.get(name)
    return (UNKNOWN_ACTIVITY if activity is None else activity, name_key(name))


def _lowest(definition, names):
    """The lowest-activity name (ties by name); the reference allele when there is none."""
    if not names:
        return _reference_name(definition)
    return min(names, key=lambda name: _activity_key(definition, name))


def _reference_name(definition):
    return next(a.name for a in definition.alleles if a.reference)


def _lowest_function(definition, sites):
    """DPYD rule 7: (diplotype name, detail) from the lowest-activity variant alleles.

    Unphased data with more than one heterozygous position: the two lowest-activity variant alleles found, presumed
    in trans (PharmCAT's haplotype path). Otherwise (phased, phase sets, or at most one heterozygous position) each
    allowed phasing of the phase blocks is tried, the lowest-activity allele per chromosome taken, and the phasing
    with the lowest summed activity kept, ties by name with Reference first (PharmCAT's diplotype path).
    """
    blocks = sorted({site.block for site in sites if site.block is not None}, key=repr)
    if len(blocks) > MAX_DPYD_BLOCKS or (len(blocks) > 1 and all(b[0] == "unphased" for b in blocks)):
        found = _present_copies(definition, sites)
        lowest = sorted(found, key=lambda name: _activity_key(definition, name))[:2]
        chosen = lowest + [_reference_name(definition)] * (2 - len(lowest))
        return diplotype_name(*chosen), {"phased": False, "haplotypes": sorted(found, key=name_key)}
    best = None
    for flips in itertools.product((0, 1), repeat=max(len(blocks) - 1, 0)):
        flip = dict(zip(blocks[1:], flips))
        strands = [{s.index: s.alleles[k ^ flip.get(s.block, 0)] for s in sites} for k in (0, 1)]
        per_strand = [sorted((a.name for a in _present(definition, strand)), key=name_key) for strand in strands]
        chosen = sorted((_lowest(definition, names) for names in per_strand), key=name_key)
        key = (sum(_activity_key(definition, name)[0] for name in chosen), *(name_key(n) for n in chosen))
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


def match_gene(definition, calls, extra_calls=None, not_covered=frozenset()):
    """Match one sample's calls for one gene; returns the result dict described in the module docstring.

    `calls` maps a defining position (int POS, rsID or 'chrom:pos') to a Genotype, a tuple
    (allele1, allele2[, phased[, phase_set]]) or None (no call); positions left out are no-calls.
    `extra_calls` maps POS of the exemption's extra positions of interest (reported, never used for matching).
    `not_covered`: POS of the (defining or extra) positions this reference/target does not cover (rule 10).
    """
    warnings = []
    raw = [None if locus.pos in not_covered else genotype
           for locus, genotype in zip(definition.loci, _raw_genotypes(definition, calls), strict=True)]  # fmt: skip
    genotypes = _normalise(definition, raw, warnings)
    if definition.gene == "DPYD":
        genotypes = _adjust_hapb3(definition, genotypes, warnings)
    call_rows, missing, uncovered = _call_rows(definition.loci, genotypes, raw, not_covered)
    sites = _sites(definition, genotypes)
    absent = missing + uncovered
    missing_amp1 = [label for label, pos in _labels_at(definition, absent) if pos in definition.amp1_positions]
    if missing_amp1:
        warnings.append(f"missing AMP tier-1 position(s): {', '.join(missing_amp1)}")
    result = {
        "gene": definition.gene,
        "definition_version": definition.version,
        "status": None,
        "diplotypes": [],
        "phenotype": None,
        "activity_score": None,
        "pharmcat_top": [],
        "candidates": [],
        "missing": missing,
        "not_covered": uncovered,
        "possible_diplotypes_if_missing": [],
        "n_possible_diplotypes": 0,
        "lowest_function": None,
        "calls": call_rows,
        "extra_calls": _extra_rows(definition, extra_calls, not_covered),
        "warnings": warnings,
    }
    if not sites:
        result["status"] = "no_data"
        return result
    if absent:
        return _uncallable(definition, sites, result)
    return _callable(definition, sites, result)


def _labels_at(definition, labels):
    return [(loc.label, loc.pos) for loc in definition.loci if loc.label in labels]


def _callable(definition, sites, result):
    """Every position called: all consistent diplotypes, best first (DPYD: the lowest-function call)."""
    if definition.gene in LOWEST_FUNCTION_GENES:
        name, detail = _lowest_function(definition, sites)
        phenotype, activity = phenotype_of(definition, name)
        score = _candidates(definition, sites).get(name)  # PharmCAT's score when it is also an exact diplotype
        row = {"diplotype": name, "score": score, "phenotype": phenotype, "activity_score": activity}
        result.update(
            status="called",
            diplotypes=[name],
            phenotype=phenotype,
            activity_score=activity,
            pharmcat_top=[name],
            lowest_function=detail,
            candidates=[row],
        )
        return result
    ranked = _ranked(_candidates(definition, sites))
    if not ranked:
        result["status"] = "no_match"
        return result
    rows = _candidate_rows(definition, ranked)
    result.update(
        status="called" if len(rows) == 1 else "ambiguous",
        diplotypes=[r["diplotype"] for r in rows],
        phenotype=_shared(rows, "phenotype"),
        activity_score=_shared(rows, "activity_score"),
        pharmcat_top=[name for name, score in ranked if score == ranked[0][1]],
        candidates=rows,
    )
    return result


def _uncallable(definition, sites, result):
    """Missing positions: list what the missing genotypes could make the call (rule 9); call nothing."""
    found = _candidates(definition, sites)
    called = frozenset(s.index for s in sites)
    pharmcat = {n: s for n, s in found.items() if _all_alleles_scored(definition, n, called)}
    if definition.gene in LOWEST_FUNCTION_GENES and not any(s.known is not None for s in sites):
        name, detail = _lowest_function(definition, sites)
        result["lowest_function"] = detail
        result["pharmcat_top"] = [name]
        found.setdefault(name, 0)
    elif pharmcat and not any(s.known is not None for s in sites):
        ranked_pc = _ranked(pharmcat)
        result["pharmcat_top"] = [n for n, s in ranked_pc if s == ranked_pc[0][1]]
    ranked = _ranked(found)
    result.update(
        status="missing_positions" if ranked else "no_match",
        candidates=_candidate_rows(definition, ranked[:MAX_POSSIBLE]),
        possible_diplotypes_if_missing=[name for name, _ in ranked[:MAX_POSSIBLE]],
        n_possible_diplotypes=len(ranked),
    )
    return result


def _all_alleles_scored(definition, diplotype, called):
    """PharmCAT drops alleles with no defined cell left among the called positions; do both alleles survive?"""
    names = _split(diplotype)
    return all(any(a.name == n and a.defined & called for a in definition.alleles) for n in names)
