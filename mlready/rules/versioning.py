"""Versioning rules."""
