"""Parsers turn file text into the structures rules read. Each raises ParseError."""


class ParseError(Exception):
    """A file could not be parsed. `line` is 1-based where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
