"""mlready: a production-readiness linter for machine-learning repositories."""

__version__ = "0.1.0"
