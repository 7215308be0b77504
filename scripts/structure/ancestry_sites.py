"""Rule ancestry_sites: the reference panel's SNV sites as a sites VCF, so genotype_ancestry_sites types every sample
at every panel site from its reads (hom-ref included; too few reads: ./.), not only where the cohort calls a variant.

Why: a cohort VCF lists a site only where some sample carries the ALT allele, so from it alone a hom-ref sample is
indistinguishable from an uncovered one; projecting on ALT-carrying sites only biases the PC coordinates.

Each panel site is checked against the reference: written as the panel has it when the reference base is the panel's
REF, with REF and ALT exchanged when the reference carries the panel's ALT (scripts/reference_panel.align_to_panel
reads either orientation), and left out (counted in the log) when the reference has neither, when it is not a
single-base site, or when its contig is absent or too short. Contigs take the reference's names ('chr20' or '20'):
a panel contig is the reference's of the same name, else of its other name under the contig-name rule
(scripts/common/contig_names.py); the log counts the sites on contigs the reference lacks, naming those contigs.
A reference on which no panel site matches and some have another base is refused (the panel is of another build);
one where the panel sites are only N or absent (a sliced or masked test reference) gives a header-only VCF.
Output: VCFv4.2, one record per kept site in reference order, ID '.', no INFO.
"""

from pathlib import Path

import pysam

from common.atomic import write_text
from common.contig_names import describe_mapping, map_names
from common.genomic_chunks import read_fai
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from structure.reference_panel import load_panel

MISMATCH = "reference base is neither panel allele"


def oriented_sites(panel, fasta_path, fai_path):
    """([(contig name, .fai index, pos, ref, alt)] in reference order, {reason: count left out}, number swapped).

    Panel contigs are the reference's under the contig-name rule (scripts/common/contig_names.py)."""
    contigs = {name: (name, i, length) for i, (name, length) in enumerate(read_fai(fai_path))}
    named, absent = map_names(panel.chrom, contigs)
    if describe_mapping(named):
        get_logger().info("panel contigs named otherwise in the reference: %s", describe_mapping(named))
    kept, left_out, swapped = [], {}, 0

    def leave(reason):
        left_out[reason] = left_out.get(reason, 0) + 1

    with pysam.FastaFile(str(fasta_path)) as fasta:
        for chrom, pos, ref, alt in zip(panel.chrom, panel.pos, panel.ref, panel.alt, strict=True):
            target = contigs.get(named.get(str(chrom)))
            if target is None:
                leave(f"contig absent from the reference ({', '.join(absent)})")
                continue
            if pos > target[2]:
                leave("beyond the end of its contig in the reference")
                continue
            if len(ref) != 1 or len(alt) != 1:
                leave("not a single-base site")
                continue
            base = fasta.fetch(target[0], int(pos) - 1, int(pos)).upper()
            if base == "N":
                leave("reference base is N (not sequenced in this reference)")
            elif base == ref.upper():
                kept.append((target[0], target[1], int(pos), ref.upper(), alt.upper()))
            elif base == alt.upper():
                swapped += 1
                kept.append((target[0], target[1], int(pos), alt.upper(), ref.upper()))
            else:
                leave(MISMATCH)
    kept.sort(key=lambda site: (site[1], site[2], site[3], site[4]))
    return kept, left_out, swapped


def sites_vcf_text(sites, fai_path):
    lengths = dict(read_fai(fai_path))
    used = list(dict.fromkeys(name for name, *_ in sites))
    lines = ["##fileformat=VCFv4.2", *(f"##contig=<ID={name},length={lengths[name]}>" for name in used)]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += [f"{name}\t{pos}\t.\t{ref}\t{alt}\t.\t.\t." for name, _, pos, ref, alt in sites]
    return "\n".join(lines) + "\n"


def write_ancestry_sites(panel, fasta_path, fai_path, out_vcf, panel_name="the panel"):
    """Write the sites VCF of `panel` (a GenotypePanel) for this reference; returns the number of sites written."""
    log = get_logger()
    sites, left_out, swapped = oriented_sites(panel, fasta_path, fai_path)
    for reason, count in sorted(left_out.items()):
        log.info("%d panel site(s) left out: %s", count, reason)
    mismatched = left_out.get(MISMATCH, 0)
    if not sites and mismatched:
        raise InputError(
            f"{panel_name}: none of its {panel.n_variants} sites matches the reference ({mismatched} have another base "
            "there): the panel and the reference are of different builds (set structure.panel to the panel of the "
            "reference's build)"
        )
    if not sites:
        log.warning("no panel site lies in the sequenced part of the reference: no sites to genotype")
    write_text(out_vcf, sites_vcf_text(sites, fai_path))
    log.info("%d of %d panel sites written (%d with REF and ALT exchanged)", len(sites), panel.n_variants, swapped)
    return len(sites)


def main(smk):
    setup_logging(smk.log[0])
    panel = load_panel(smk.input.panel, smk.params.panel_format, smk.input.panel_labels)
    write_ancestry_sites(panel, smk.input.fasta, smk.input.fai, smk.output.vcf, Path(smk.input.panel).name)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
