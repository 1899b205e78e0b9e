"""Python source, parsed with CPython's own `ast`, and its mapping back to notebook cells."""

from __future__ import annotations

import ast
import gc
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property

from mlready.parsers import ParseError


@dataclass
class PythonSource:
    """Parsed Python. For a notebook, `cell_lines[i]` maps virtual line i+1 to (cell, line)."""

    text: str
    tree: ast.Module
    cell_lines: list[tuple[int, int]] | None = None
    skipped_cells: list[int] = field(default_factory=list)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Local name -> qualified name, from the module's imports."""
        return import_aliases(self.text)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def defined_names(self) -> frozenset[str]:
        """The names the module defines with `def` or `class`, at any depth (a text scan)."""
        return frozenset(_DEFINED_NAME.findall(self.text))

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """Each node's parent (built on first use: few rules need it)."""
        found: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                found[child] = node
        return found

    def locate(self, line: int) -> tuple[int | None, int]:
        """(cell, line) for a 1-based line of the parsed text."""
        if self.cell_lines is None:
            return None, line
        if 1 <= line <= len(self.cell_lines):
            return self.cell_lines[line - 1]
        return None, line

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based character column of a byte offset that `ast` gives for a line."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace")) + 1

    @cached_property
    def lines_with_ends(self) -> list[str]:
        """The lines as `ast` counts them (`\\r\\n`, `\\r` or `\\n` ends a line), each with its end."""
        return _LINE_WITH_END.findall(self.text)

    def segment(self, node: ast.AST) -> str:
        """The source text of a node (its unparsed form when positions are missing).

        What `ast.get_source_segment` gives, from lines split once per file: that function splits
        the text again, character by character, at every call.
        """
        first, last = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if first is None or last is None or start is None or end is None:
            return ast.unparse(node)
        lines = self.lines_with_ends
        if first == last:
            return lines[first - 1].encode()[start:end].decode()
        head = lines[first - 1].encode()[start:].decode()
        tail = lines[last - 1].encode()[:end].decode()
        return "".join([head, *lines[first : last - 1], tail])


_DEFINED_NAME = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.M)
_LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

# Generated modules of megabytes are not worth the time of the Python rules.
MAX_PYTHON_BYTES = 512 * 1024


def parse_python(text: str) -> ast.Module:
    """Parse with CPython's parser (linear time, and bounded on deep nesting)."""
    if len(text) > MAX_PYTHON_BYTES:
        raise ParseError(f"Python file over {MAX_PYTHON_BYTES // 1024} KiB (generated code?): Python rules skipped")
    # The parser allocates a node per token; with the collector on, each burst of allocations triggers
    # collections that scan the whole heap of a big run (3x the parse time on a large library). An AST
    # holds no reference cycles, so nothing is lost by pausing the collector while it is built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(text)
    except SyntaxError as error:
        if _placeholder_at(error):
            raise ParseError("template placeholders ({{ ... }} or {% ... %}) where Python is expected: the source of a "
                             "project template, Python until it is rendered; Python rules skipped", error.lineno) from None
        raise ParseError(f"Python syntax error: {error.msg}{_newer_syntax_hint(error.msg)}", error.lineno) from None
    except (RecursionError, MemoryError):
        raise ParseError("Python source nested too deeply to parse") from None
    except ValueError as error:  # for example, a NUL byte
        raise ParseError(f"Python source could not be parsed: {error}") from None
    finally:
        if collecting:
            gc.enable()


# Jinja (cookiecutter, copier) placeholders: `{{ cookiecutter.package_name }}`, `{% if use_docker %}`.
_TEMPLATE_PLACEHOLDER = re.compile(r"\{\{\s*[\w.]+(?:\s*\|[^}]*)?\s*\}\}|\{%-?\s*\w+")


def _placeholder_at(error: SyntaxError) -> bool:
    """Whether the parser stopped at a template placeholder (not at an f-string's escaped `{{`)."""
    offset = (error.offset or 0) - 1
    return any(match.start() <= offset <= match.end() for match in _TEMPLATE_PLACEHOLDER.finditer(error.text or ""))


def _newer_syntax_hint(message: str) -> str:
    """Python 3.12 allows quotes, backslashes and comments in f-string expressions: an older parser says why it
    rejected such a line, so the diagnostic says which Python would accept it."""
    if sys.version_info >= (3, 12) or not message.startswith("f-string"):
        return ""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f" (valid from Python 3.12 if the f-string reuses its quotes or has a backslash; mlready runs on Python {version})"


def parse_cells(cells: list[tuple[int, str]]) -> tuple[ast.Module, str, list[tuple[int, int]], list[tuple[int, ParseError]]]:
    """Parse notebook code cells as one module.

    Returns the module, the joined text, the map of its lines to (cell, line),
    and the cells that do not parse (which are left out). The joined text is
    parsed once; only when that fails is each cell parsed alone, to find and
    leave out the broken ones.
    """
    failed: list[tuple[int, ParseError]] = []
    if cells:
        text, cell_lines = _join(cells)
        try:
            return parse_python(text), text, cell_lines, failed
        except ParseError:
            pass
    kept = []
    for index, source in cells:
        try:
            parse_python(source + "\n")
        except ParseError as error:
            failed.append((index, error))
        else:
            kept.append((index, source))
    text, cell_lines = _join(kept)
    try:
        tree = parse_python(text)
    except ParseError:  # cells that parse alone but not together (a bracket closed in the next cell)
        tree, text, cell_lines = ast.Module(body=[], type_ignores=[]), "\n", []
        failed = [(index, ParseError("the notebook's cells do not parse together")) for index, _ in cells]
    return tree, text, cell_lines, failed


def _join(cells: list[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]]:
    pieces: list[str] = []
    cell_lines: list[tuple[int, int]] = []
    for index, source in cells:
        own_lines = source.split("\n")
        pieces.extend(own_lines)
        cell_lines.extend((index, number) for number in range(1, len(own_lines) + 1))
    return "\n".join(pieces) + "\n", cell_lines


_IMPORT_AS = re.compile(r"^[ \t]*import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*)", re.M)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([\w \t,\n]+?(?:as[ \t]+\w+)?)\)?[ \t]*(?:#.*)?$", re.M)


def import_aliases(text: str) -> dict[str, str]:
    """Local name -> qualified name for the imports of a module (a text scan).

    `import numpy as np` gives np -> numpy; `from torch import load` gives
    load -> torch.load; `import torch.nn` gives torch -> torch.
    """
    aliases: dict[str, str] = {}
    for match in _IMPORT_AS.finditer(text):
        for item in match.group(1).split(","):
            words = item.split()
            if not words:
                continue
            if len(words) == 3 and words[1] == "as":
                aliases[words[2]] = words[0]
            else:
                head = words[0].split(".")[0]
                aliases.setdefault(head, head)
    for match in _FROM_IMPORT.finditer(text):
        module = match.group(1)
        for item in match.group(2).replace("\n", " ").split(","):
            words = item.split()
            if not words or words[0] == "*":
                continue
            local = words[2] if len(words) == 3 and words[1] == "as" else words[0]
            aliases[local] = f"{module}.{words[0]}"
    return aliases
