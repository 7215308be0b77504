"""Contig names across naming conventions ('chr20' vs '20', 'chrM' vs 'MT'): the one rule every stage matches by.

Panels, VCFs, alignments and references name contigs as their own tools do: UCSC style with a 'chr' prefix
('chr1', 'chrX', 'chrM'), Ensembl/NCBI style without ('1', 'X', 'MT'). Wherever names from two sources meet (a
shipped panel or a ClinVar VCF against the reference, a scoring file or a sample's VCF against the reference's
names, the report joining the findings of several stages), a name is matched by this rule and no other:

1. the name as written, when the other side has it (exact first: a reference holding both 'chr1' and '1' keeps
   each as itself);
2. else the name with its leading 'chr' removed ('chr1' -> '1'), or with 'chr' added ('1' -> 'chr1'); the prefix
   is lower-case 'chr';
3. the mitochondrion's four names chrM, MT, chrMT and M are one contig (chrM <-> MT preferred).

Nothing else: no case folding ('Chr1', 'chrx'), no numbers for sex chromosomes ('23'), no accessions
('NC_000001.11'), no other build's names. `contig_key` is the rule as a key (two names match exactly when their
keys are equal); `reference_contig` and `map_names` apply it against a set of names, exact first.

A name that maps to no contig of the other side is never dropped silently: `map_names` returns it, and each caller
counts and logs it. The panel stages (scripts/sites/panel_to_sites.py: PGx, carrier, ClinVar) list its positions as
not_covered ("contig chr22 is not in the reference") in their coverage tables, which the findings and the report
read; the ancestry sites, the known sites (sites.files), the PGx genotypes read from a VCF and the polygenic-score
matching log how many positions were on such contigs.
"""

PREFIX = "chr"
# The mitochondrion's names, each with the others in order of preference (UCSC's chrM <-> NCBI's MT first, then the
# prefix added or removed).
MITOCHONDRION = {
    "chrM": ("MT", "chrMT", "M"),
    "MT": ("chrM", "chrMT", "M"),
    "chrMT": ("MT", "chrM", "M"),
    "M": ("chrM", "MT", "chrMT"),
}


def _strip(name):
    return name[len(PREFIX) :] if name.startswith(PREFIX) and len(name) > len(PREFIX) else name


def contig_key(name):
    """The contig `name` denotes under the rule, as a key: 'chr1' and '1' give '1', 'chrX' and 'X' give 'X', chrM,
    MT, chrMT and M give 'MT'. Two names match under the rule exactly when their keys are equal (use it to join
    records of two sources; against a set of names, `reference_contig` prefers the exact name)."""
    name = str(name)
    return "MT" if name in MITOCHONDRION else _strip(name)


def other_names(contig):
    """The names `contig` has under the other convention, most preferred first: '20' -> ['chr20'], 'chr20' -> ['20'],
    'chrM' -> ['MT', 'chrMT', 'M'], 'MT' -> ['chrM', 'chrMT', 'M'] (MITOCHONDRION)."""
    contig = str(contig)
    if contig in MITOCHONDRION:
        return list(MITOCHONDRION[contig])
    stripped = _strip(contig)
    return [stripped] if stripped != contig else [PREFIX + contig]


def renamed(contig, names):
    """The same contig under another name of the rule if one is among `names`, else None (`contig` itself is not
    looked at: for messages about a name that did not match as written)."""
    return next((name for name in other_names(contig) if name in names), None)


def reference_contig(name, names):
    """The name among `names` (the reference's, a VCF's) that `name` denotes under the rule, or None: `name` itself
    when present, else its other name (`other_names`, first present)."""
    name = str(name)
    return name if name in names else renamed(name, names)


def map_names(names, reference):
    """({name: reference name}, [names that map to none, first-seen order]) of the distinct `names` (a panel's, a
    file's) against the `reference` names, by the rule of the module docstring."""
    reference = set(reference)
    mapped, unmapped = {}, []
    for name in dict.fromkeys(str(n) for n in names):
        target = reference_contig(name, reference)
        if target is None:
            unmapped.append(name)
        else:
            mapped[name] = target
    return mapped, unmapped


def describe_mapping(mapped):
    """A log phrase for the names that matched under another name ('chr1->1, chr2->2'), or '' when all were exact."""
    return ", ".join(f"{name}->{target}" for name, target in mapped.items() if name != target)


def reference_names_for(observed, reference):
    """{name as the reference has it: name as the file writes it} for every reference contig.

    `observed`: contig names the file uses (its ##contig lines, or the CHROM of its first records); `reference`:
    the reference's contig names. A name the file writes as the reference does is kept; one written under the
    other convention maps to it; reference contigs the file was not seen to use take the convention most of the
    observed names follow (the file's own, when none matched either way).
    """
    reference = list(reference)
    known = set(reference)
    as_written = {}
    same = other = 0
    for name in observed:
        if name in known:
            as_written[name] = name
            same += 1
        else:
            target = renamed(name, known)
            if target is not None and target not in as_written:
                as_written[target] = name
                other += 1
    for name in reference:
        if name not in as_written:
            as_written[name] = other_names(name)[0] if other > same else name
    return {name: as_written[name] for name in reference}
