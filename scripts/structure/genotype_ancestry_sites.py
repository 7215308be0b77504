"""Rule genotype_ancestry_sites: every QC-passing alignment genotyped at the ancestry panel's sites from its reads
(hom-ref included, ./. where too few reads), by the known-sites genotyper of rule genotype_sites."""

from sites.genotype_sites import main

if __name__ == "__main__":
    main(snakemake)  # noqa: F821
