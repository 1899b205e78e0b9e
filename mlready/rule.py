"""The rule API.

A rule is one small class. Its docstring is its documentation, written in three
parts (what it checks / why it matters / how to fix), and its VALID and INVALID
examples sit next to it and become tests automatically (see mlready.testing).

Three kinds of rule:
- `RepoRule.check(repo)`: about the repository as a whole.
- `FileRule.check_file(file, repo)`: about one file of the kinds it names.
- `PythonRule`: visits the `ast` tree of `.py` files and notebook code cells.
  All Python rules for a file run in one batched traversal.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from mlready.model import Finding, Outcome, Pillar, Severity

if TYPE_CHECKING:
    import ast

    from mlready.parsers.python import PythonSource
    from mlready.repo import Repo, SourceFile


@dataclass(frozen=True)
class Example:
    """A small virtual repository, and what a rule must say about it.

    `expect` lists the findings an INVALID example must produce, each as
    "path:line", "path" (any line) or "" (a repository-level finding with no
    path). An empty `expect` only requires at least one finding.
    """

    files: Mapping[str, str]
    expect: Sequence[str] = ()
    outcome: Outcome | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""


def notebook(*cells: str | tuple[str, Any], outputs: bool = False, counts: Sequence[int | None] | None = None) -> str:
    """Build notebook JSON for an example.

    Each cell is code, or ("markdown", text). `outputs=True` gives each code cell
    a stream output. `counts` sets the execution counts of the code cells.
    """
    built = []
    code_index = 0
    for cell in cells:
        if isinstance(cell, tuple):
            built.append({"cell_type": cell[0], "metadata": {}, "source": cell[1]})
            continue
        count = counts[code_index] if counts is not None and code_index < len(counts) else None
        code_index += 1
        built.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "ok\n"}] if outputs else [],
                "source": cell,
            }
        )
    document = {
        "cells": built,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1)


class Rule:
    """Base of every rule. Subclass RepoRule, FileRule or PythonRule instead."""

    code: ClassVar[str]
    name: ClassVar[str]
    pillar: ClassVar[Pillar]
    severity: ClassVar[Severity]
    VALID: ClassVar[Sequence[Example]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()
    # Per-rule options with their defaults; set in config under [tool.mlready.rules.<code or name>].
    default_options: ClassVar[Mapping[str, Any]] = {}
    # ML Test Score tests a third-party rule gives evidence for, e.g. ("Infra 7",); built-in rules are mapped in
    # mlready.mltestscore.EVIDENCE.
    ml_test_score: ClassVar[Sequence[str]] = ()

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: dict[str, Any] = {**self.default_options, **(options or {})}

    # -- documentation ------------------------------------------------------------

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().split("\n", 1)[0].strip()

    # -- applicability ----------------------------------------------------------------

    def skip_reason(self, repo: Repo) -> str | None:
        """Why the rule does not apply to this repository, or None when it does."""
        return None

    # -- findings -----------------------------------------------------------------------

    def finding(
        self,
        message: str,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        *,
        end_line: int | None = None,
        end_column: int | None = None,
        cell: int | None = None,
        partial: bool = False,
        anchor: str = "",
    ) -> Finding:
        """A finding of this rule. `partial=True` means half credit (documented, not automated)."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            pillar=self.pillar,
            message=message,
            path=path,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            cell=cell,
            partial=partial,
            anchor=anchor,
        )


class RepoRule(Rule):
    """A rule about the repository as a whole.

    `self_contained = True` says the rule reads files itself and asks no repository facts, so
    the engine may run it in a worker process beside the other rules.
    """

    self_contained: ClassVar[bool] = False

    def check(self, repo: Repo) -> Iterable[Finding]:
        raise NotImplementedError

    def prepare_file(self, repo: Repo, file: SourceFile) -> None:
        """Optional: compute the per-file values (see Repo.per_file) that `check` reads for one code file.

        A cold run of a large repository calls it in the worker processes, each for a share of the
        files, so that `check` then finds the values remembered.
        """


class FileRule(Rule):
    """A rule about single files of the kinds it lists.

    `triggers` are regexes; a file whose text matches none of them is never
    given to the rule (nor parsed for it). No triggers means every file of the kinds.
    """

    kinds: ClassVar[tuple[str, ...]]
    triggers: ClassVar[tuple[str, ...]] = ()
    # A rule whose findings have a fix that cannot change behaviour sets this and overrides fix().
    fixable: ClassVar[bool] = False

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        raise NotImplementedError

    def fix(self, text: str) -> str:
        """The file's text with this rule's findings fixed (`mlready check --fix`)."""
        return text

    def wants(self, file: SourceFile, repo: Repo) -> bool:
        """A cheap filter on the file (for example from repo facts), checked before any parsing."""
        return True

    @classmethod
    def trigger_pattern(cls) -> re.Pattern[str] | None:
        if not cls.triggers:
            return None
        cached = cls.__dict__.get("_trigger_pattern")
        if cached is None:
            cached = re.compile("|".join(f"(?:{trigger})" for trigger in cls.triggers))
            cls._trigger_pattern = cached  # type: ignore[attr-defined]
        return cached  # type: ignore[no-any-return,unused-ignore]


class PythonRule(FileRule):
    """A rule that visits the `ast` tree of Python code (define `visit_Call`, `leave_For`, ...).

    Methods are named after CPython's `ast` node classes: `visit_<Class>(node)`
    is called before a node's children are visited and `leave_<Class>(node)`
    after. Call `self.report(node, message)` from a visitor method or from
    `finish()` (called after the traversal). `self.file`, `self.repo` and
    `self.source` describe the file being visited; `self.parent(node)` gives a
    node's parent. A notebook's code cells are visited as one module; `report`
    maps lines back to (cell, line). `kinds` may narrow the rule to
    ("python",) or ("notebook",). All Python rules of a file share one traversal.
    """

    kinds = ("python", "notebook")

    file: SourceFile
    repo: Repo
    source: PythonSource

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        self.file = file
        self.repo = repo
        self.source = source
        self.findings: list[Finding] = []

    def finish(self) -> None:
        """Called after the traversal of a file."""

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.source.parents.get(node)

    def position(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end line, end column) of a node, 1-based, columns in characters."""
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        column = self.source.column(line, getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        end_column = self.source.column(end_line, end_offset) if end_offset is not None else column
        return line, column, end_line, end_column

    def report(self, node: ast.AST, message: str, *, partial: bool = False, anchor: str = "") -> None:
        line, column, end_line, end_column = self.position(node)
        self.report_at(line, column, message, end_line=end_line, end_column=end_column, partial=partial, anchor=anchor)

    def report_at(
        self,
        line: int,
        column: int | None,
        message: str,
        *,
        end_line: int | None = None,
        end_column: int | None = None,
        partial: bool = False,
        anchor: str = "",
    ) -> None:
        cell, cell_line = self.source.locate(line)
        end_cell_line = self.source.locate(end_line)[1] if end_line is not None else None
        self.findings.append(
            self.finding(
                message,
                self.file.path,
                cell_line,
                column,
                end_line=end_cell_line,
                end_column=end_column,
                cell=cell,
                partial=partial,
                anchor=anchor,
            )
        )

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        """Run this rule alone on one file (the engine batches rules instead)."""
        from mlready.engine import run_python_rules

        return run_python_rules(repo, file, [self])

