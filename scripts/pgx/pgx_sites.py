"""Rule pgx_sites: the PGx panel's defining positions (PharmCAT definitions) -> the covered positions as a sites VCF
(genotyped by rule genotype_sites) and a coverage table of every position (scripts/sites/panel_to_sites.py)."""

from pathlib import Path

from sites.panel_to_sites import pgx_positions, run_rule


def main(smk):
    run_rule(
        smk, lambda smk: pgx_positions(Path(smk.input.exemptions).parents[1], smk.params.genes), merge_alleles=True
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
