"""Dependencies rules."""
