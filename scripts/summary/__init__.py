"""The end-of-run summary and the optional QC gate."""
