"""Rule relatedness: KING-robust kinship of every pair of samples from the genotype store, checked against the
sheet's pedigree (the statistics: structure/kinship.py)."""

from common.rule_logging import setup_logging
from structure.kinship import write_relatedness


def main(smk):
    setup_logging(smk.log[0])
    parents = {s: (p.get("father") or None, p.get("mother") or None) for s, p in dict(smk.params.pedigree).items()}
    write_relatedness(smk.input.store, parents, smk.output.relatedness, smk.output.kinship, smk.params.min_sites,
                      out_samples=smk.output.pair_counts, out_relatives=smk.output.relatives)  # fmt: skip


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
