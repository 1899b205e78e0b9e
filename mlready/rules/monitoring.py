"""Monitoring rules."""
