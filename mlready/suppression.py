"""Inline suppression comments.

- `# noqa` (every rule) or `# noqa: CODE[, CODE]` on the line of a finding
- `# mlready: ignore` or `# mlready: ignore[CODE, name]` on that line
- `# mlready: ignore-file` or `# mlready: ignore-file[CODE]` anywhere in the file
- In Dockerfiles, YAML, requirements and other non-Python files, a comment line of
  its own directly above the finding also applies (as hadolint's ignore comments do).

Codes match a rule's code or its kebab-case name, case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALL = "*"

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w\-]+(?:\s*,\s*[\w\-]+)*))?", re.I)
_IGNORE = re.compile(r"#\s*mlready:\s*ignore(?!-)(?:\[(?P<codes>[^\]]*)\])?", re.I)
_IGNORE_FILE = re.compile(r"#\s*mlready:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.I)


def _codes(raw: str | None) -> set[str]:
    if raw is None or not raw.strip():
        return {ALL}
    return {code.strip().lower() for code in re.split(r"[,\s]+", raw) if code.strip()}


def line_directives(line: str) -> set[str]:
    """The codes a single line suppresses (ALL for a bare directive)."""
    if "#" not in line:
        return set()
    found: set[str] = set()
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(line):
            found |= _codes(match.group("codes"))
    return found


@dataclass
class Suppressions:
    """What one file (or notebook cell) suppresses."""

    file_level: set[str] = field(default_factory=set)
    by_line: dict[int, set[str]] = field(default_factory=dict)

    def suppresses(self, line: int | None, code: str, name: str) -> bool:
        keys = {code.lower(), name.lower(), ALL}
        if self.file_level & keys:
            return True
        return line is not None and bool(self.by_line.get(line, set()) & keys)


def scan(lines: list[str], comment_above: bool) -> Suppressions:
    result = Suppressions()
    lowered = "\n".join(lines).lower()
    if "noqa" not in lowered and "mlready" not in lowered:
        return result  # most files have no directive: one look instead of a search per comment line
    for number, line in enumerate(lines, start=1):
        if "#" not in line:
            continue
        for match in _IGNORE_FILE.finditer(line):
            result.file_level |= _codes(match.group("codes"))
        codes = line_directives(line)
        if not codes:
            continue
        result.by_line.setdefault(number, set()).update(codes)
        if comment_above and line.lstrip().startswith("#"):
            result.by_line.setdefault(number + 1, set()).update(codes)
    return result
