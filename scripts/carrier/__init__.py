"""Carrier screening against the cited panel, with the APOE genotype."""
