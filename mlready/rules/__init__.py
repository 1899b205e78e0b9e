"""Built-in rules, one module per pillar. See mlready.rule for the API."""
