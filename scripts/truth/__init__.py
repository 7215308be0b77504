"""Benchmarking calls against a truth set."""
