"""Contig naming conventions: 'chr20' vs '20', 'chrM' vs 'MT'.

One place for the question "is this the same contig under the other convention?", asked of alignments, VCF rows
and panels that name contigs as their own tools do (UCSC style with 'chr', Ensembl/NCBI style without).
"""

# Mitochondrion: UCSC writes chrM, Ensembl/NCBI write MT (a plain prefix swap would give chrMT / M).
_SPECIAL = {"MT": "chrM", "chrM": "MT"}


def bare(name):
    """A contig name without its 'chr' prefix (any case): 'chr1', 'Chr1' and '1' all give '1'. For comparing names
    across naming styles; a name that is only a prefix-swap of another (chrM / MT) needs `renamed`."""
    name = str(name)
    return name[3:] if name[:3].lower() == "chr" else name


def other_names(contig):
    """The names `contig` has under the other convention, most specific first ('20' -> ['chr20'])."""
    swapped = contig[3:] if contig.startswith("chr") else f"chr{contig}"
    return [name for name in (_SPECIAL.get(contig), swapped) if name]


def renamed(contig, names):
    """The same contig under the other naming convention if it is among `names`, else None."""
    return next((name for name in other_names(contig) if name in names), None)


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
