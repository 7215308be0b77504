"""The configuration, the sample sheet and the preflight checks of every input, before any job runs."""
