"""Polygenic scores from PGS Catalog scoring files."""
