"""`mlready check --fix`: apply the fixes that cannot change behaviour.

Only rules that declare `fixable = True` take part, only on files where they
found something, and only when the user asked for `--fix` (or `--diff`, which
shows the change and writes nothing).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlready.engine import Report
from mlready.rule import FileRule, Rule


@dataclass
class FileFix:
    path: str
    before: str
    after: str
    codes: list[str]

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


def plan_fixes(root: Path, report: Report, rules: Sequence[Rule]) -> list[FileFix]:
    """The fixed text of every file a fixable rule reported, without writing anything."""
    fixers = {rule.code: rule for rule in rules if isinstance(rule, FileRule) and rule.fixable}
    paths: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.code in fixers and finding.path is not None:
            codes = paths.setdefault(finding.path, [])
            if finding.code not in codes:
                codes.append(finding.code)
    fixes = []
    for path, codes in sorted(paths.items()):
        target = root / path
        if target.is_symlink() or not target.is_file():
            continue
        try:
            before = target.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        after = before
        for code in codes:
            after = fixers[code].fix(after)
        if after != before:
            fixes.append(FileFix(path, before, after, codes))
    return fixes


def write_fixes(root: Path, fixes: Sequence[FileFix]) -> None:
    for fix in fixes:
        (root / fix.path).write_bytes(fix.after.encode("utf-8"))


# -- the fixes themselves, used by the rules -------------------------------------------

_INDENT = re.compile(r'^\{\s*\n(\s+)"', re.M)


def strip_notebook_outputs(text: str) -> str:
    """Empty code cells' outputs and execution counts, as nbstripout does.

    Cells tagged `keep_output` keep their outputs. The JSON keeps its key order
    and indentation; invalid JSON is returned unchanged.
    """
    try:
        document: Any = json.loads(text)
    except (ValueError, RecursionError):
        return text
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return text
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
        if isinstance(tags, list) and "keep_output" in tags:
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
    match = _INDENT.match(text)
    indent = len(match.group(1)) if match else 1
    return json.dumps(document, indent=indent, ensure_ascii=False) + "\n"


_PIP_INSTALL = re.compile(r"\b((?:pip3?|python3?\s+-m\s+pip)\s+install)\b(?![^\n&;|]*--no-cache-dir)")


def add_pip_no_cache_dir(text: str) -> str:
    """Add `--no-cache-dir` to `pip install` in RUN instructions that lack it."""
    lines = text.split("\n")
    in_run = False
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if re.match(r"(?i)run\b", stripped):
            in_run = True
        elif not in_run:
            continue
        if in_run and not stripped.startswith("#"):
            lines[index] = _PIP_INSTALL.sub(r"\1 --no-cache-dir", line)
        if not line.rstrip().endswith("\\"):
            in_run = False
    return "\n".join(lines)

