"""Python source (libcst) and its mapping back to notebook cells."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from mlready.parsers import ParseError

if TYPE_CHECKING:
    import libcst


@dataclass
class PythonSource:
    """Parsed Python. For a notebook, `cell_lines[i]` maps virtual line i+1 to (cell, line)."""

    text: str
    module: libcst.Module
    cell_lines: list[tuple[int, int]] | None = None
    skipped_cells: list[int] = field(default_factory=list)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Local name -> qualified name, from the module's imports."""
        return import_aliases(self.text)

    def locate(self, line: int) -> tuple[int | None, int]:
        """(cell, line) for a 1-based line of the parsed text."""
        if self.cell_lines is None:
            return None, line
        if 1 <= line <= len(self.cell_lines):
            return self.cell_lines[line - 1]
        return None, line


# libcst's native parser can crash (stack overflow) or take super-linear time on
# pathological input, so every file passes a guard first: a size cap, then
# CPython's own parser (linear, and safe on deep nesting) and a depth limit that
# no real module reaches.
MAX_PYTHON_BYTES = 512 * 1024
MAX_AST_DEPTH = 400


def _ast_depth(tree: ast.AST) -> int:
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > MAX_AST_DEPTH:
                break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _looks_safe(text: str) -> bool:
    """For code CPython cannot parse (newer syntax, Python 2): no huge line, no deep brackets."""
    if max((len(line) for line in text.split("\n")), default=0) > 5000:
        return False
    depth = deepest = 0
    for char in re.findall(r"[()\[\]{}]", text):
        depth = depth + 1 if char in "([{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest <= 100


def guard(text: str) -> SyntaxError | None:
    """Raise ParseError for input the libcst parser must not be given.

    Returns CPython's SyntaxError for code it cannot parse but that looks safe
    for libcst (which may know newer syntax), else None.
    """
    if len(text) > MAX_PYTHON_BYTES:
        raise ParseError(f"Python file over {MAX_PYTHON_BYTES // 1024} KiB (generated code?): Python rules skipped")
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        if _looks_safe(text):
            return error
        raise ParseError("Python source with extreme lines or nesting that does not parse: skipped") from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("Python source nested too deeply to parse") from None
    if _ast_depth(tree) > MAX_AST_DEPTH:
        raise ParseError(f"Python source nested deeper than {MAX_AST_DEPTH} levels: skipped")
    return None


def check_cell(text: str) -> None:
    """A notebook cell must be valid Python (for CPython) and within the guard's bounds."""
    error = guard(text)
    if error is not None:
        raise ParseError(f"Python syntax error: {error.msg}", error.lineno)


def parse_python(text: str) -> libcst.Module:
    import libcst

    guard(text)
    try:
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        raise ParseError(f"Python syntax error: {error.message}", error.raw_line) from None
    except (RecursionError, MemoryError):
        raise ParseError("Python source too deeply nested to parse") from None
    except Exception as error:  # libcst's native parser can raise other errors on odd input
        raise ParseError(f"Python source could not be parsed: {type(error).__name__}") from None


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
