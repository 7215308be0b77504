"""Reference preparation, alignment indexes, per-sample QC verdicts, VCF-row QC records, Mendelian checks."""
