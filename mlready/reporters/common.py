"""Helpers shared by reporters: safe text and the readable location of a finding."""

from __future__ import annotations

import unicodedata

from mlready.model import Finding


def safe_text(text: str) -> str:
    """Escape control, format and unpaired surrogate characters (file names and messages
    are attacker-controlled: no terminal escape sequence may reach the screen)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char == " " or category[0] not in ("C", "Z") or (category == "Zs"):
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def location(finding: Finding) -> str:
    """`path:line:col` (`path:cell N:line:col` in a notebook, as ruff writes it)."""
    if finding.path is None:
        return "(repository)"
    parts = [safe_text(finding.path)]
    if finding.cell is not None:
        parts.append(f"cell {finding.cell}")
    if finding.line is not None:
        parts.append(str(finding.line))
        parts.append(str(finding.column or 1))
    return ":".join(parts)


def format_score(value: float | None) -> str:
    return "n/a" if value is None else str(round_score(value))


def round_score(value: float) -> int:
    """Scores are shown as whole numbers, rounded half up (not banker's rounding)."""
    return int(value + 0.5)
