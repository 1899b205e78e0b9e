"""Decoding bytes to text the way Python and editors would, without ever failing."""

from __future__ import annotations

import codecs
import re

from mlready.parsers import ParseError

_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def decode(data: bytes) -> str:
    """Decode file bytes; line endings become `\\n`. Raises ParseError for binary data."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = data.decode("utf-32", errors="replace")
    else:
        if b"\0" in data:
            raise ParseError("binary content (NUL bytes): not analysed")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode(_declared_encoding(data), errors="replace")
    return normalize_newlines(text)


def normalize_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _declared_encoding(data: bytes) -> str:
    for line in data.split(b"\n", 2)[:2]:
        match = _CODING_COOKIE.match(line)
        if match:
            name = match.group(1).decode("ascii", errors="replace")
            try:
                return codecs.lookup(name).name
            except LookupError:
                break
    return "latin-1"


def line_of_offset(text: str, offset: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1


def first_line_matching(text: str, pattern: re.Pattern[str]) -> int | None:
    match = pattern.search(text)
    return line_of_offset(text, match.start()) if match else None
