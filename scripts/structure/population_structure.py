"""Rule population_structure: each sample's genetic ancestry on a labelled reference panel, with the PCA figure
(the projection and classifier: structure/ancestry.py)."""

from common.rule_logging import setup_logging
from structure.ancestry import configured_panel, write_ancestry


def main(smk):
    setup_logging(smk.log[0])
    panel = configured_panel(getattr(smk.input, "panel", None), smk.params.panel_format,
                             getattr(smk.input, "panel_labels", None))  # fmt: skip
    write_ancestry(smk.input.vcf, panel, smk.params.min_probability, smk.params.min_sites, smk.output.ancestry,
                   smk.output.pca, sites_vcf=getattr(smk.input, "sites_vcf", None),
                   out_panel=smk.output.panel_points)  # fmt: skip


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
