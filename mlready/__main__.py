from mlready.cli import entry

entry()
