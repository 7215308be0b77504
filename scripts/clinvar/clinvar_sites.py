"""Rule clinvar_sites: the P/LP records of the ClinVar VCF in the gene list -> the positions every sample is genotyped
at, and what the findings rule needs to know about them.

Outputs:
- resources/panels/clinvar_sites.vcf: the covered P/LP records as sites (scripts/sites/panel_to_sites.py: one
  record per P/LP record, ID the Variation ID, contigs named as the reference names them), genotyped by
  genotype_sites in every sample, hom-ref and no-call kept;
- resources/panels/clinvar_coverage.tsv: every P/LP position, covered or not_covered with the reason;
- resources/clinvar/plp.json: {"release", "source", "min_review_stars", "counts", "records": [...]}, the kept
  records with their annotation (scripts/clinvar/clinvar_db.py), the counts of the selection.
The ClinVar VCF's build is checked against the reference first (clinvar_db.check_build).
"""

import json
from pathlib import Path

from clinvar.clinvar_db import check_build, load_genes, select_records
from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from sites.panel_to_sites import PanelPosition, write_panel_sites


def positions(records):
    """[PanelPosition] of the kept records, file order."""
    return [PanelPosition(r.gene, r.chrom, r.pos, r.ref, (r.alt,), (r.variation_id,) if r.variation_id != "." else (),
                          f"CLINVAR_GENE={r.gene};CLNVID={r.variation_id}") for r in records]  # fmt: skip


def plp_json_text(vcf_path, release, min_review_stars, counts, records):
    data = {
        "release": release,
        "source": Path(vcf_path).name,
        "min_review_stars": min_review_stars,
        "counts": counts,
        "records": [r.as_dict() for r in records],
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def clinvar_sites(vcf_path, genes_path, fasta_path, fai_path, out_vcf, out_coverage, out_json, min_review_stars=1,
                  regions_bed=None, reference_name=None):  # fmt: skip
    """Select, check the build, write the three outputs (atomically); returns (release, records, counts)."""
    log = get_logger()
    genes = load_genes(genes_path)
    release, records, counts = select_records(vcf_path, genes, min_review_stars)
    if release is None:
        raise InputError(f"{Path(vcf_path).name}: no ##fileDate header line: the release date cannot be reported")
    log.info("%s (release %s): %s", Path(vcf_path).name, release, ", ".join(f"{k} {v}" for k, v in counts.items()))
    check_build(records, vcf_path, fasta_path, reference_name)
    write_panel_sites(positions(records), fai_path, out_vcf, fasta_path=fasta_path, regions_bed=regions_bed,
                      coverage_tsv=out_coverage)  # fmt: skip
    write_text(out_json, plp_json_text(vcf_path, release, min_review_stars, counts, records))
    return release, records, counts


def main(smk):
    setup_logging(smk.log[0])
    clinvar_sites(
        smk.input.vcf,
        smk.input.genes,
        smk.input.fasta,
        smk.input.fai,
        smk.output.vcf,
        smk.output.coverage,
        smk.output.json,
        min_review_stars=smk.params.min_review_stars,
        regions_bed=smk.input.regions[0] if smk.input.regions else None,
        reference_name=smk.params.reference_name,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
