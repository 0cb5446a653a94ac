"""Reproducible benchmarks: superspec beside the tool a user would use instead, in one run."""
