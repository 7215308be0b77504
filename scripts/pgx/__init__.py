"""Pharmacogenomics: PharmCAT-style star-allele matching and CPIC phenotypes."""
