"""Reproducibility rules."""
