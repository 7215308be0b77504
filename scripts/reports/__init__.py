"""The per-sample report (JSON, HTML, PDF) and the batch summary."""
