"""Rule pgx_sites: the PGx panel's defining positions (PharmCAT definitions) -> the covered positions as a sites VCF
(genotyped by rule genotype_sites) and a coverage
table of every position (scripts/sites/panel_to_sites.py)."""

from pathlib import Path

from common.rule_logging import setup_logging
from sites.panel_to_sites import pgx_positions, write_panel_sites


def main(smk):
    setup_logging(smk.log[0])
    write_panel_sites(
        pgx_positions(Path(smk.input.exemptions).parents[1], smk.params.genes),
        smk.input.fai,
        smk.output.vcf,
        fasta_path=smk.input.fasta,
        regions_bed=smk.input.regions[0] if smk.input.regions else None,
        coverage_tsv=smk.output.coverage,
        merge_alleles=True,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
