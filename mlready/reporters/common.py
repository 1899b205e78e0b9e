"""Helpers shared by reporters: safe text and the readable location of a finding."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlready.model import Finding
from mlready.patterns import lazy_compile

if TYPE_CHECKING:
    from mlready.engine import Report
    from mlready.repo import Repo
    from mlready.rule import Rule


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


def out_of_100(value: float | None) -> str:
    """The overall score as shown: `71/100`, or `n/a` when no selected rule applies."""
    return "n/a" if value is None else f"{round_score(value)}/100"


def round_score(value: float) -> int:
    """Scores are shown as whole numbers, rounded half up (not banker's rounding)."""
    return int(value + 0.5)


@dataclass
class Context:
    """What reporters may need besides the report itself."""

    root_label: str = "."
    color: bool = False
    quiet: bool = False
    ml_test_score: bool = False
    repo: Repo | None = None
    rules: Sequence[type[Rule]] = ()
    help_base: str = "https://github.com/mlready/mlready/blob/main/rules/"

    def rule(self, code: str) -> type[Rule] | None:
        return next((rule for rule in self.rules if rule.code == code), None)


def anchor_path(finding: Finding, report: Report) -> str:
    """A file for every finding: repository-level ones go to the report's anchor file."""
    return finding.path or report.anchor_path


def disk_line(finding: Finding, context: Context) -> int:
    """The 1-based line in the file on disk (in a notebook: the line of the cell's source in the JSON)."""
    line = finding.line or 1
    if finding.cell is None or finding.path is None or context.repo is None:
        return line
    text = context.repo.text(finding.path) or ""
    spans = notebook_cell_spans(text)
    if finding.cell >= len(spans):
        return 1
    start, end = spans[finding.cell]
    source = _SOURCE_KEY.search(text, start, end)
    if source is None:
        return text.count("\n", 0, start) + 1
    source_line = text.count("\n", 0, source.start()) + 1
    # Jupyter writes "source": [ then one string per line; a plain string stays on the key's line.
    return source_line + line if source.group(1) == "[" else source_line


_TOKEN = lazy_compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]')
_SOURCE_KEY = lazy_compile(r'"source"\s*:\s*(\[|")')
_CELLS_KEY = lazy_compile(r'"cells"\s*:\s*\[')


def notebook_cell_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each cell object in notebook JSON, found without parsing it."""
    key = _CELLS_KEY.search(text)
    if key is None:
        return []
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for token in _TOKEN.finditer(text, key.end()):
        char = token.group()
        if char in "{[":
            if depth == 0 and char == "{":
                start = token.start()
            depth += 1
        elif char in "}]":
            if depth == 0:
                break  # the end of the cells array
            depth -= 1
            if depth == 0 and char == "}":
                spans.append((start, token.end()))
    return spans
