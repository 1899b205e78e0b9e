"""Rollback rules."""
