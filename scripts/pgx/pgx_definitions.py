"""PharmCAT's definition files for one gene, loaded: defining positions, named alleles, exemptions, CPIC phenotypes.

The data model and loader behind scripts/pgx/pgx_match.py (matching) and scripts/pgx/gene_rules.py (the genes
PharmCAT handles specially). Panel folder layout (as PharmCAT's data and ../shared/testdata/
pharmcat_definitions_grch38_all):
    alleles/{GENE}_translation.json   defining positions (`variants`) and named alleles (`namedAlleles`)
    alleles/exemptions.json           per-gene exemptions: extra positions of interest, AMP tier-1 positions,
                                      required positions (NAT2), ignored positions/alleles, unphased diplotype
                                      priorities (NAT2)
    phenotype/{GENE}.json             CPIC allele functions / activity values and, per diplotype, phenotype, lookup
                                      key and activity score; for G6PD and RYR1 only the allele functions (the
                                      opening of upstream's file; gene_rules derives the diplotype phenotype);
                                      none for CYP4F2 (PharmCAT ships none: its diplotype is called without one)
Each file may be stored gzipped (`.json.gz`), as the shipped panel (config/panels/pgx) is.

Exemptions as PharmCAT's DefinitionReader/DataManager apply them: ignored positions and alleles are removed from the
definitions (upstream's shipped translation files already lack them; removing them again is a no-op), required
positions make the gene uncallable when missing, unphased diplotype priorities pick one of several unphased
diplotypes (gene_rules.unphased_priority).
"""

import functools
import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from common.input_error import InputError

PANEL_GENES = (
    "ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP3A4", "CYP3A5", "CYP4F2", "DPYD",
    "G6PD", "IFNL3", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT", "UGT1A1", "VKORC1",
)  # fmt: skip
# Genes PharmCAT ships no phenotype file for: called without a phenotype.
NO_PHENOTYPE_GENES = frozenset({"CYP4F2"})
IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT",
    "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip
NAME_FIRST, NAME_LAST = ("Any", "All", "Reference"), ("Other", "Unknown")


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

    @property
    def components(self):
        """An MNP's SNVs [(offset, REF base, ALT bases)] (RYR1 TC>CT: the two differing bases); [] for other loci.

        Read-based genotyping lists an MNP's SNVs one by one (scripts/sites/genotype_sites.py); pgx_genotypes puts
        them back together."""
        if len(self.ref) < 2 or not self.alts or any(len(a) != len(self.ref) for a in self.alts):
            return []
        return [
            (i, base, tuple(dict.fromkeys(a[i] for a in self.alts if a[i] != base)))
            for i, base in enumerate(self.ref)
            if any(a[i] != base for a in self.alts)
        ]


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
    """One gene's definitions and CPIC phenotype data, as loaded by `load_gene`."""

    gene: str
    version: str
    loci: tuple
    alleles: tuple
    extra_loci: tuple
    amp1_positions: frozenset
    phenotypes: dict  # frozenset(Counter(names).items()) -> (phenotype, activity score or None, lookup key)
    activity: dict  # allele name -> activity value (float) or None
    functions: dict = None  # allele name -> CPIC function text ({} without a phenotype file)
    required_positions: frozenset = frozenset()  # POS that must be called (PharmCAT requiredPositions)
    priorities: tuple = ()  # ((frozenset of diplotype names, the one to pick), ...): unphasedDiplotypePriorities

    @functools.cached_property
    def _index(self):
        keys = {}
        for i, locus in enumerate(self.loci):
            keys.update({locus.pos: i, locus.label: i})
        return keys

    @functools.cached_property
    def _matching(self):
        return {}

    @functools.cached_property
    def reference_name(self):
        return next(a.name for a in self.alleles if a.reference)

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


# ---------------------------------------------------------------------------------------------------- names, alleles


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


def split_diplotype(diplotype):
    """The allele names of 'A/B' (one name for a hemizygous call; names never contain '/' in the definitions)."""
    return diplotype.split("/")


def is_wobble(allele):
    return allele is not None and len(allele) == 1 and allele in IUPAC and len(IUPAC[allele]) > 1


def allele_matches(defined, base):
    """Does a definition allele (base, IUPAC code or sequence) match a sample allele?"""
    if defined == base:
        return True
    return len(base) == 1 and len(defined) == 1 and base in IUPAC.get(defined, "")


# ---------------------------------------------------------------------------------------------------------- loading


def _json_file(path):
    """`path`, or `path.gz` when only the gzipped copy exists (the shipped panel is stored gzipped)."""
    gz = Path(f"{path}.gz")
    return gz if not Path(path).exists() and gz.exists() else Path(path)


def exemptions_path(panel_dir):
    """PharmCAT's per-gene exemptions file in a panel folder."""
    return _json_file(Path(panel_dir) / "alleles" / "exemptions.json")


def definition_paths(panel_dir, gene):
    """The files a gene needs in a panel folder: translation, phenotype, exemptions (.json or .json.gz).

    A gene PharmCAT ships no phenotype file for (NO_PHENOTYPE_GENES) has no "phenotype" entry unless the panel has
    one."""
    panel = Path(panel_dir)
    paths = {"translation": _json_file(panel / "alleles" / f"{gene}_translation.json")}
    phenotype = _json_file(panel / "phenotype" / f"{gene}.json")
    if gene not in NO_PHENOTYPE_GENES or phenotype.exists():
        paths["phenotype"] = phenotype
    paths["exemptions"] = exemptions_path(panel)
    return paths


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
            filled.append(locus.ref if is_wobble(ref_allele) else ref_allele)
    return tuple(filled)


def _phenotype_data(data):
    """(diplotype table, activity values, functions) from a phenotype file; the table may be empty (G6PD and RYR1
    heads, IFNL3)."""
    table = {}
    for row in data.get("diplotypes") or []:
        key = frozenset(Counter({k: int(v) for k, v in row["diplotypekey"].items()}).items())
        table[key] = (row.get("generesult"), _number(row.get("activityScore")), row.get("lookupkey"))
    activity = {a["name"]: _number(a.get("activityValue")) for a in data.get("namedAlleles", [])}
    functions = dict(data.get("haplotypes") or {})
    functions.update({a["name"]: a["functionValue"] for a in data.get("namedAlleles", []) if a.get("functionValue")})
    return table, activity, functions


def _number(value):
    """An activity value/score as a float; None for missing or 'n/a'."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _ignored(exemption):
    """rsIDs and chromosome HGVS names of the exemption's ignored positions."""
    return {p.get("rsid") or p.get("chromosomeHgvsName") for p in exemption.get("ignoredPositions") or []}


def _priorities(exemption):
    rows = exemption.get("unphasedDiplotypePriorities") or []
    return tuple((frozenset(row["list"]), row["pick"]) for row in rows)


def _phenotype_file(paths, gene):
    if "phenotype" not in paths:
        return {}, {}, {}
    data = _read_json(paths["phenotype"])
    if data.get("gene", gene) != gene:
        raise InputError(f"{paths['phenotype']}: file is for gene {data.get('gene')!r}, expected {gene}")
    return _phenotype_data(data)


def load_gene(panel_dir, gene):
    """Load one gene's PharmCAT definitions and CPIC phenotypes from a panel folder; InputError names a bad file."""
    paths = definition_paths(panel_dir, gene)
    data = _read_json(paths["translation"])
    if data.get("gene") != gene:
        raise InputError(f"{paths['translation']}: file is for gene {data.get('gene')!r}, expected {gene}")
    exemption = {}
    if paths["exemptions"].exists():  # optional: a panel may have no exemptions file
        exemption = _read_json(paths["exemptions"]).get(gene) or {}
    ignored = _ignored(exemption)
    keep = [i for i, v in enumerate(data["variants"]) if (v.get("rsid") or v.get("chromosomeHgvsName")) not in ignored]
    loci = tuple(_locus(data["variants"][i]) for i in keep)
    references = [na for na in data["namedAlleles"] if na.get("reference")]
    if len(references) != 1 or any(references[0]["alleles"][i] is None for i in keep):
        raise InputError(f"{paths['translation']}: {gene} needs exactly one fully defined reference allele")
    ignored_alleles = {name.lower() for name in exemption.get("ignoredAlleles", [])}
    suballeles = data.get("suballelesMap") or {}
    ref_alleles = tuple(references[0]["alleles"][i] for i in keep)
    alleles = []
    for na in data["namedAlleles"]:
        cells = tuple(na["alleles"][i] for i in keep)
        if na["name"].lower() in ignored_alleles or not (na.get("reference") or any(c is not None for c in cells)):
            continue
        name = suballeles.get(na["name"], na["name"])
        alleles.append(NamedAllele(name, cells, _fill_blanks(cells, ref_alleles, loci), bool(na.get("reference"))))
    table, activity, functions = _phenotype_file(paths, gene)
    return GeneDefinition(
        gene=gene,
        version=str(data.get("version", "")),
        loci=loci,
        alleles=tuple(alleles),
        extra_loci=tuple(_locus(v) for v in exemption.get("extraPositions", [])),
        amp1_positions=frozenset(int(p) for p in exemption.get("amp1Positions", [])),
        phenotypes=table,
        activity=activity,
        functions=functions,
        required_positions=frozenset(int(p) for p in exemption.get("requiredPositions") or []),
        priorities=_priorities(exemption),
    )
