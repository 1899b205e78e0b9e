"""Testing rules."""
