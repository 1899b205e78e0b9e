"""Jupyter notebooks (nbformat 4 as JSON; older formats through nbformat), read without executing or validating anything."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mlready.parsers import ParseError

# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3", "writefile"})
_MAGIC_LINE = re.compile(r"^(\s*)([%!?]|\w+\s*=\s*[%!]|.*\?\s*$)")
_STRING_LITERAL = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


@dataclass
class Cell:
    index: int
    cell_type: str
    source: str
    execution_count: int | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def tags(self) -> list[str]:
        tags = self.metadata.get("tags")
        return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []

    @property
    def lines(self) -> list[str]:
        return self.source.split("\n")


@dataclass
class Notebook:
    cells: list[Cell]
    metadata: dict[str, Any]
    nbformat: int
    nbformat_minor: int

    @property
    def code_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.cell_type == "code"]

    def python_cells(self) -> list[tuple[Cell, str]]:
        """Each code cell's source as Python: magics and shell lines masked, the first line's indentation
        removed from every line as IPython does (columns then count from there), line count kept."""
        result = []
        language = str(self.metadata.get("kernelspec", {}).get("language", "python") or "python")
        if not language.lower().startswith("python"):
            return []
        for cell in self.code_cells:
            result.append((cell, mask_magics(cell.source)))
        return result


def mask_magics(source: str) -> str:
    lines = _without_leading_indent(source.split("\n"))
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(None, 1)
        name = magic[0] if magic else ""
        if name not in _PYTHON_CELL_MAGICS or name == "writefile":
            return "\n".join("" for _ in lines)
        lines[0] = ""
    masked = []
    continued = False  # inside a magic or shell line that goes on: open brackets or a trailing backslash
    depth = 0
    python_depth = 0  # brackets Python code has left open: a `%` or `!` line then continues it
    pending: list[str] = []  # Python lines not counted yet (counted only when a magic-like line comes)
    last_python = ""
    for line in lines:
        match = _MAGIC_LINE.match(line)
        if continued:
            masked.append("")
        elif match and not line.lstrip().startswith("#"):
            python_depth = _python_depth(pending, python_depth)
            pending = []
            if python_depth > 0 or last_python.rstrip().endswith("\\"):
                masked.append(line)  # the `%` operator (or a `!=`...) of a Python line that goes on
                pending.append(line)
                last_python = line
                continue
            masked.append(f"{match.group(1)}pass")
            depth = 0
        else:
            masked.append(line)
            pending.append(line)
            last_python = line
            continue
        depth += _bracket_balance(line)
        continued = depth > 0 or line.rstrip().endswith("\\")
    return "\n".join(masked)


def _python_depth(lines: list[str], depth: int) -> int:
    """The brackets left open after these Python lines, starting from `depth`."""
    for line in lines:
        depth = max(0, depth + _bracket_balance(line, python=True))
    return depth


def _without_leading_indent(lines: list[str]) -> list[str]:
    """The cell's lines with the indentation of its first line removed from each line that has it,
    as IPython does before it runs a cell (` !pip install x` is a shell line, not an indented block)."""
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip(" \t"))] if lines else ""
    if not indent or not lines[0].strip():
        return lines
    return [line[len(indent) :] if line.startswith(indent) else line for line in lines]


def _bracket_balance(line: str, python: bool = False) -> int:
    """Brackets a line opens minus those it closes, outside simple string literals (and a Python comment)."""
    code = _STRING_LITERAL.sub("", line)
    if python:
        code = code.split("#", 1)[0]
    return sum(code.count(bracket) for bracket in "([{") - sum(code.count(bracket) for bracket in ")]}")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(item for item in value if isinstance(item, str))
    return ""


def _as_int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def parse_notebook(text: str) -> Notebook:
    """Read a notebook. nbformat 4 documents are read as plain JSON (nbformat's reader, which
    converts every dict into a NotebookNode, takes about ten times as long); older formats go
    through nbformat's converter."""
    import json

    try:
        node = json.loads(text)
    except (ValueError, RecursionError):
        node = None  # nbformat's reader reports the error below
    if not isinstance(node, dict) or node.get("nbformat") != 4:
        node = _read_with_nbformat(text)
    return _notebook_from(node)


def _read_with_nbformat(text: str) -> Any:
    from nbformat import converter, reader

    try:
        node = reader.reads(text)
        return converter.convert(node, 4)
    except RecursionError:
        raise ParseError("notebook JSON nested too deeply to read") from None
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        line = getattr(error, "lineno", None)
        raise ParseError(f"invalid notebook JSON: {str(error).splitlines()[0][:200]}", line) from None
    except Exception as error:  # nbformat raises several of its own error types
        raise ParseError(f"unreadable notebook: {str(error).splitlines()[0][:200] if str(error) else type(error).__name__}") from None


def _notebook_from(node: Any) -> Notebook:
    if not isinstance(node, dict):
        raise ParseError("notebook JSON is not an object")
    raw_cells = node.get("cells")
    if not isinstance(raw_cells, list):
        raise ParseError("notebook has no list of cells")
    cells = []
    for index, raw in enumerate(raw_cells):
        if not isinstance(raw, dict):
            continue
        count = raw.get("execution_count")
        outputs = raw.get("outputs")
        metadata = raw.get("metadata")
        cells.append(
            Cell(
                index=index,
                cell_type=str(raw.get("cell_type", "")),
                source=_as_text(raw.get("source", "")).replace("\r\n", "\n"),
                execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
                outputs=[item for item in outputs if isinstance(item, dict)] if isinstance(outputs, list) else [],
                metadata=dict(metadata) if isinstance(metadata, dict) else {},
            )
        )
    metadata = node.get("metadata")
    return Notebook(
        cells=cells,
        metadata=dict(metadata) if isinstance(metadata, dict) else {},
        nbformat=_as_int(node.get("nbformat"), 4),
        nbformat_minor=_as_int(node.get("nbformat_minor"), 0),
    )


def output_text(output: dict[str, Any]) -> str:
    """The text an output shows: stream text, plain-text data, or an error's traceback."""
    parts = [_as_text(output.get("text"))]
    data = output.get("data")
    if isinstance(data, dict):
        parts.append(_as_text(data.get("text/plain")))
    parts.append(_as_text(output.get("traceback")))
    return "\n".join(part for part in parts if part)
