"""Shared helpers of every stage: atomic writes, job logging, running tools, input errors, contig names, genomic
chunks."""
