"""Variant calling (bcftools, freebayes; joint chunks or per-sample gVCFs), VCF-row import, cohort merge and soft
filters."""
