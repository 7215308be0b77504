"""Rule carrier_sites: the carrier panel as a sites VCF, so genotype_sites genotypes every panel position.

Output (resources/panels/carrier_sites.vcf): VCFv4.2, one record per panel row in reference order (the reference's
.fai order, then position), REF/ALT as in the panel, ID = the rsID (or clinvar:<Variation ID>, or '.'),
INFO CARRIER_GENE and CLNVID. Contigs are named as the reference names them: 'chr7' when the .fai has chr7, '7'
when it has 7 (the panel is 'chr'-named, GRCh38). Rows on contigs the reference lacks, or beyond a contig's end
(a sliced reference), are left out and logged (genotype_sites would skip or refuse them); the carrier findings then
report them as no_call. A reference holding none of the panel rows is refused (InputError): it is not the GRCh38
the panel is written for (or is sliced away from every panel gene), and genotyping an empty sites file would fail
later with a less telling message.
"""

from pathlib import Path

from atomic import write_text
from carrier_panel import canonical_chrom, load_panel
from genomic_chunks import read_fai
from input_error import InputError
from rule_logging import get_logger, setup_logging

HEADER = [
    "##fileformat=VCFv4.2",
    '##INFO=<ID=CARRIER_GENE,Number=1,Type=String,Description="Gene of the carrier panel row">',
    '##INFO=<ID=CLNVID,Number=1,Type=String,Description="ClinVar Variation ID of the panel row (NA: not found)">',
]


def reference_names(fai_path):
    """{canonical contig name: (the reference's own name, index in the .fai, length)}."""
    return {canonical_chrom(name): (name, i, length) for i, (name, length) in enumerate(read_fai(fai_path))}


def record_id(variant):
    if variant.rsid != ".":
        return variant.rsid
    return f"clinvar:{variant.clinvar_variation_id}" if variant.clinvar_variation_id != "NA" else "."


def sites_vcf_text(panel, contigs):
    """The VCF text for `panel` rows on `contigs` ({canonical: (name, order, length)}); returns (text, left out)."""
    kept, left_out = [], []
    for variant in panel:
        target = contigs.get(canonical_chrom(variant.chrom))
        inside = target is not None and variant.pos + len(variant.ref) - 1 <= target[2]
        (kept if inside else left_out).append((target, variant))
    kept.sort(key=lambda item: (item[0][1], item[1].pos, item[1].ref, item[1].alt))
    used = sorted({target for target, _ in kept}, key=lambda t: t[1])
    lines = [*HEADER, *(f"##contig=<ID={name},length={length}>" for name, _, length in used)]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    for (name, _, _), v in kept:
        info = f"CARRIER_GENE={v.gene};CLNVID={v.clinvar_variation_id}"
        lines.append(f"{name}\t{v.pos}\t{record_id(v)}\t{v.ref}\t{v.alt}\t.\t.\t{info}")
    return "\n".join(lines) + "\n", [v for _, v in left_out]


def panel_to_sites(panel_path, fai_path, out_vcf):
    """Write the sites VCF of the panel for this reference (atomically); returns the number of records."""
    log = get_logger()
    panel = load_panel(panel_path)
    contigs = reference_names(fai_path)
    text, left_out = sites_vcf_text(panel, contigs)
    if len(left_out) == len(panel):
        names = ", ".join(name for name, _, _ in list(contigs.values())[:5]) + (", ..." if len(contigs) > 5 else "")
        raise InputError(
            f"{Path(panel_path).name}: none of the {len(panel)} carrier panel rows (GRCh38, chr1..chrX) lies on the "
            f"reference ({names}); set carrier.enabled: false for a reference of another build"
        )
    if left_out:
        shown = ", ".join(f"{v.gene} {v.chrom}:{v.pos}" for v in left_out[:5]) + (", ..." if len(left_out) > 5 else "")
        log.warning("%d panel row(s) off the reference (contig absent or too short) left out: %s", len(left_out), shown)
    write_text(out_vcf, text)
    n = len(panel) - len(left_out)
    log.info("%s: %d of %d panel rows written as sites", Path(out_vcf).name, n, len(panel))
    return n


def main(smk):
    setup_logging(smk.log[0])
    panel_to_sites(smk.input.panel, smk.input.fai, smk.output.vcf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
