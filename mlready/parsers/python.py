"""Python source (libcst) and its mapping back to notebook cells."""

from __future__ import annotations

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


def parse_python(text: str) -> libcst.Module:
    import libcst

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
