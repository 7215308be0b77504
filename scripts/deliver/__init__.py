"""Provenance, checksums, pseudonymised deliverables and the manifest."""
