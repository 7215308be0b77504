"""Rules pgx_sites and carrier_sites: a shipped panel as a sites VCF for this reference, and its coverage table.

Any batch on GRCh38 genotypes the shipped panels by default: these rules turn the panel into the sites that
genotype_sites genotypes in every sample (hom-ref included), keeping only the positions this reference and target
can say anything about. A panel contig is the reference's contig of the same name, else of its other name under the
contig-name rule (scripts/common/contig_names.py: 'chr' added or removed, chrM/MT/chrMT/M), so a 'chr'-named panel
runs on a '1'-named reference and an NCBI-named ClinVar VCF on a 'chr'-named one; the log names each renamed contig
and counts the positions on contigs the reference lacks. Every panel position is classified (`not_covered_reason`):
- on a contig the reference lacks (under the rule), or beyond the end of a shorter contig (a sliced reference): not
  covered;
- with an N anywhere in the reference under its REF allele (a padded or masked reference): not covered;
- outside `regions` when a target BED is configured (its first base outside every interval): not covered;
- otherwise covered. A REF that disagrees with a non-N reference base is left to genotype_sites, which refuses it
  (a reference of another build is an error, not a gap).
Not-covered positions are never genotyped and never read as reference: the findings call them `not_covered`
(distinct from `no_call`, a covered position without a usable genotype).

Outputs:
- sites VCF (resources/panels/{pgx,carrier}_sites.vcf): VCFv4.2, contigs named as the reference names them ('chr7'
  or '7'; the shipped panels are 'chr'-named GRCh38), in the reference's .fai order then position. PGx: one record per
  (position, REF) with the ALTs and rsIDs of every definition using it (defining and exemption extra positions).
  Carrier: one record per panel row, ID = rsID (or clinvar:<Variation ID>, or '.'), INFO CARRIER_GENE and CLNVID.
  No covered position gives a header-only VCF (the stage then does not run; scripts/reports/stages.py says why).
- coverage TSV (resources/panels/{pgx,carrier}_coverage.tsv): one row per panel position per gene, COVERAGE_COLUMNS,
  status `covered` or `not_covered` with the reason.
"""

import bisect
import csv
import dataclasses
from collections import Counter
from pathlib import Path

from carrier.carrier_panel import load_panel
from common.atomic import write_text
from common.contig_names import contig_key, describe_mapping, map_names
from common.genomic_chunks import read_bed, read_fai
from common.rule_logging import get_logger, setup_logging

COVERAGE_COLUMNS = ["gene", "chrom", "pos", "ref", "alt", "id", "status", "reason"]
COVERED, NOT_COVERED = "covered", "not_covered"
NOT_IN_REFERENCE = "contig {} is not in the reference"  # a position's reason (coverage TSV, reports), per contig
ABSENT_CONTIGS = "on contigs the reference lacks"  # the same positions counted together in the log's summary
HEADER = [
    "##fileformat=VCFv4.2",
    '##INFO=<ID=CARRIER_GENE,Number=1,Type=String,Description="Gene of the carrier panel row">',
    '##INFO=<ID=CLNVID,Number=1,Type=String,Description="ClinVar Variation ID of the panel row (NA: not found)">',
    '##INFO=<ID=CLINVAR_GENE,Number=1,Type=String,Description="Gene of the ClinVar record (rule clinvar_sites)">',
]


@dataclasses.dataclass(frozen=True)
class PanelPosition:
    """One position of a panel for one gene: contig as the panel names it, 1-based POS, REF, ALTs, IDs, INFO text."""

    gene: str
    chrom: str
    pos: int
    ref: str
    alts: tuple
    ids: tuple = ()
    info: str = "."


def carrier_id(variant):
    if variant.rsid != ".":
        return variant.rsid
    return f"clinvar:{variant.clinvar_variation_id}" if variant.clinvar_variation_id != "NA" else "."


def carrier_positions(panel_path):
    """[PanelPosition] of the carrier panel, one per row, in file order."""
    return [
        PanelPosition(
            v.gene,
            v.chrom,
            v.pos,
            v.ref,
            (v.alt,),
            (carrier_id(v),) if carrier_id(v) != "." else (),
            f"CARRIER_GENE={v.gene};CLNVID={v.clinvar_variation_id}",
        )  # fmt: skip
        for v in load_panel(panel_path)
    ]


def pgx_positions(panel_dir, genes):
    """[PanelPosition] of every defining and exemption extra position of `genes` (definition order per gene); an MNP
    (RYR1 has two) as its SNVs, which genotype_sites can genotype and pgx_genotypes puts back together."""
    from pgx.pgx_match import load_gene  # PharmCAT definitions; the carrier rule does not need them

    positions = []
    for gene in genes:
        definition = load_gene(panel_dir, gene)
        for locus in (*definition.loci, *definition.extra_loci):
            ids = (locus.rsid,) if locus.rsid else ()
            parts = [(locus.pos + i, ref, alts) for i, ref, alts in locus.components]  # an MNP: its SNVs
            for pos, ref, alts in parts or [(locus.pos, locus.ref, tuple(locus.alts))]:
                positions.append(PanelPosition(gene, locus.chrom, pos, ref, alts, ids))
    return positions


# ---------------------------------------------------------------- coverage


def reference_names(fai_path):
    """{the reference's contig name: (index in the .fai, length)}."""
    return {name: (i, length) for i, (name, length) in enumerate(read_fai(fai_path))}


def panel_contigs(positions, contigs):
    """{panel contig name: the reference's name} of the panel contigs the reference has under the contig-name rule
    (scripts/common/contig_names.py: as written, else 'chr' added or removed, chrM/MT/chrMT/M), logged with the
    panel contigs it lacks (their positions are not_covered, never dropped)."""
    mapped, unmapped = map_names((p.chrom for p in positions), contigs)
    renamed = describe_mapping(mapped)
    if renamed:
        get_logger().info("panel contigs named otherwise in the reference: %s", renamed)
    if unmapped:
        missing = set(unmapped)
        counts = Counter(p.chrom for p in positions if p.chrom in missing)
        get_logger().warning(
            "%d panel position(s) on contigs the reference lacks (not covered): %s",
            sum(counts.values()), ", ".join(f"{name} {counts[name]}" for name in unmapped),
        )  # fmt: skip
    return mapped


def target_starts(regions_bed, fai_path):
    """{contig: ([start0], [end0])} of the merged target intervals, or None without a target."""
    if not regions_bed:
        return None
    by_contig = {}
    for contig, start, end in read_bed(regions_bed, read_fai(fai_path)):
        starts, ends = by_contig.setdefault(contig, ([], []))
        starts.append(start)
        ends.append(end)
    return by_contig


def in_target(target, contig, pos):
    """Is 1-based `pos` inside a merged interval of `target` on `contig`?"""
    starts, ends = target.get(contig, ((), ()))
    i = bisect.bisect_right(starts, pos - 1) - 1
    return i >= 0 and pos - 1 < ends[i]


def not_covered_reason(position, contigs, names, fasta=None, target=None):
    """Why this reference/target cannot say anything at `position`, or None when it is covered (module docstring).

    contigs: reference_names(); names: panel_contigs(); fasta: a pysam.FastaFile of the reference (None: no N
    check); target: target_starts().
    """
    name = names.get(position.chrom)
    if name is None:
        return NOT_IN_REFERENCE.format(position.chrom)
    _, length = contigs[name]
    end = position.pos + len(position.ref) - 1
    if end > length:
        return f"beyond the end of {name} in the reference ({length:,} bp)"
    if fasta is not None and "N" in fasta.fetch(name, position.pos - 1, end).upper():
        return "the reference has N there"
    if target is not None and not in_target(target, name, position.pos):
        return "outside the target regions (config key regions)"
    return None


def classify(positions, fai_path, fasta_path=None, regions_bed=None):
    """[(position, reason or None)] for every panel position (None: covered)."""
    import pysam

    contigs = reference_names(fai_path)
    names = panel_contigs(positions, contigs)
    target = target_starts(regions_bed, fai_path)
    fasta = pysam.FastaFile(str(fasta_path)) if fasta_path else None
    try:
        return [(p, not_covered_reason(p, contigs, names, fasta, target)) for p in positions]
    finally:
        if fasta is not None:
            fasta.close()


def coverage_lines(classified):
    """The coverage TSV lines (header first)."""
    lines = ["\t".join(COVERAGE_COLUMNS)]
    for p, reason in classified:
        cells = [p.gene, p.chrom, str(p.pos), p.ref, ",".join(p.alts) or ".", ";".join(p.ids) or "."]
        lines.append("\t".join([*cells, NOT_COVERED if reason else COVERED, reason or "."]))
    return lines


def read_not_covered(path):
    """{(gene, contig key, POS, REF): reason} of the not-covered rows of a coverage TSV (None: {})."""
    if not path:
        return {}
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {
        (r["gene"], contig_key(r["chrom"]), int(r["pos"]), r["ref"]): r["reason"]
        for r in rows
        if r["status"] == NOT_COVERED
    }


# ---------------------------------------------------------------- the sites VCF


def vcf_records(classified, contigs, merge_alleles):
    """[(contig name, order, pos, ref, alts, ids, info)] of the covered positions, in reference order (contigs named
    as the reference names them).

    merge_alleles: one record per (position, REF), ALTs and IDs united in first-seen order (PGx); else one per entry.
    """
    records = {}
    names, _ = map_names((p.chrom for p, reason in classified if not reason), contigs)
    for n, (p, reason) in enumerate(classified):
        if reason:
            continue
        name = names[p.chrom]
        order = contigs[name][0]
        key = (order, p.pos, p.ref) if merge_alleles else (order, p.pos, p.ref, p.alts, n)
        alts, ids, _ = records.setdefault(key, ([], [], (name, p.info)))
        alts.extend(a for a in p.alts if a not in alts)
        ids.extend(i for i in p.ids if i not in ids)
    ordered = sorted(records.items(), key=lambda item: item[0][:3] + (tuple(item[1][0]),))
    return [(name, key[0], key[1], key[2], alts, ids, info) for key, (alts, ids, (name, info)) in ordered]


def sites_vcf_text(records, contigs):
    """The VCF text of vcf_records() (contig lines for the contigs used)."""
    used = {name: order for name, order, *_ in records}
    lengths = {name: length for name, (_, length) in contigs.items()}
    lines = [*HEADER, *(f"##contig=<ID={n},length={lengths[n]}>" for n in sorted(used, key=used.get))]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    for name, _, pos, ref, alts, ids, info in records:
        lines.append(f"{name}\t{pos}\t{';'.join(ids) or '.'}\t{ref}\t{','.join(alts)}\t.\t.\t{info}")
    return "\n".join(lines) + "\n"


def write_panel_sites(positions, fai_path, out_vcf, fasta_path=None, regions_bed=None, coverage_tsv=None,
                      merge_alleles=False):  # fmt: skip
    """Write the sites VCF of the covered positions (and the coverage TSV), atomically; returns the classification."""
    log = get_logger()
    classified = classify(positions, fai_path, fasta_path, regions_bed)
    contigs = reference_names(fai_path)
    write_text(out_vcf, sites_vcf_text(vcf_records(classified, contigs, merge_alleles), contigs))
    if coverage_tsv:
        write_text(coverage_tsv, "\n".join(coverage_lines(classified)) + "\n")
    uncovered = Counter(p.gene for p, reason in classified if reason)
    n_covered = len(classified) - sum(uncovered.values())
    log.info("%s: %d of %d panel positions covered", Path(out_vcf).name, n_covered, len(classified))
    if uncovered:
        # one count for all absent contigs: the line logged before this one lists them
        reasons = Counter(ABSENT_CONTIGS if reason == NOT_IN_REFERENCE.format(p.chrom) else reason
                          for p, reason in classified if reason)  # fmt: skip
        log.warning(
            "not covered by this reference/target, per gene: %s (%s)",
            ", ".join(f"{gene} {n}" for gene, n in sorted(uncovered.items())),
            "; ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())),
        )
    return classified


def panel_to_sites(panel_path, fai_path, out_vcf, fasta_path=None, regions_bed=None, coverage_tsv=None):
    """The carrier panel's sites VCF for this reference; returns the number of records (covered rows)."""
    classified = write_panel_sites(carrier_positions(panel_path), fai_path, out_vcf, fasta_path, regions_bed,
                                   coverage_tsv)  # fmt: skip
    return sum(reason is None for _, reason in classified)


def run_rule(smk, positions_of, merge_alleles):
    """The entry of rules pgx_sites and carrier_sites: log, then write the positions `positions_of(smk)` gives."""
    setup_logging(smk.log[0])
    write_panel_sites(
        positions_of(smk),
        smk.input.fai,
        smk.output.vcf,
        fasta_path=smk.input.fasta,
        regions_bed=smk.input.regions[0] if smk.input.regions else None,
        coverage_tsv=smk.output.coverage,
        merge_alleles=merge_alleles,
    )
