"""Evaluation rules."""
