"""The genotype store and cohort allele-frequency statistics, tables and figures."""
