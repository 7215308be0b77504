"""Rule carrier_sites: the carrier panel's rows -> the covered positions as a sites VCF (genotyped by rule
genotype_sites) and a coverage table of every position (scripts/sites/panel_to_sites.py)."""

from sites.panel_to_sites import carrier_positions, run_rule


def main(smk):
    run_rule(smk, lambda smk: carrier_positions(smk.input.panel), merge_alleles=False)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
