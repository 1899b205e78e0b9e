"""Engine behaviour with small test-only rules: suppressions, outcomes, scoring, determinism."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

import pytest

from mlready.config import Settings
from mlready.engine import analyse
from mlready.model import Finding, Outcome, Pillar, Severity
from mlready.repo import MemorySource, Repo, SourceFile
from mlready.rule import FileRule, PythonRule, RepoRule, notebook
from mlready.scoring import level_of, pillar_scores


class FlagLines(FileRule):
    """Flags lines containing FLAG.

    What it checks:
    x
    Why it matters:
    x
    How to fix:
    x
    """

    code = "TST901"
    name = "flag-lines"
    pillar = Pillar.TESTING
    severity = Severity.WARNING
    kinds = ("dockerfile", "yaml", "requirements", "other")
    triggers = ("FLAG",)

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        for number, line in enumerate(repo.lines(file.path), start=1):
            if "FLAG" in line and not line.lstrip().startswith("#"):
                yield self.finding("flagged", file.path, number, 1)


class FlagCalls(PythonRule):
    """Flags calls to flag().

    What it checks:
    x
    Why it matters:
    x
    How to fix:
    x
    """

    code = "MON901"
    name = "flag-calls"
    pillar = Pillar.MONITORING
    severity = Severity.ERROR
    triggers = (r"\bflag\(",)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "flag":
            self.report(node, "flag() called")


class HalfDone(RepoRule):
    """Always partial.

    What it checks:
    x
    Why it matters:
    x
    How to fix:
    x
    """

    code = "RBK901"
    name = "half-done"
    pillar = Pillar.ROLLBACK
    severity = Severity.INFO

    def check(self, repo: Repo) -> Iterable[Finding]:
        yield self.finding("documented only", partial=True)


class NeverApplies(RepoRule):
    """Never applies.

    What it checks:
    x
    Why it matters:
    x
    How to fix:
    x
    """

    code = "RBK902"
    name = "never-applies"
    pillar = Pillar.ROLLBACK
    severity = Severity.ERROR

    def skip_reason(self, repo: Repo) -> str | None:
        return "nothing to judge"

    def check(self, repo: Repo) -> Iterable[Finding]:
        raise AssertionError("must not run")


class Crashes(RepoRule):
    """Crashes.

    What it checks:
    x
    Why it matters:
    x
    How to fix:
    x
    """

    code = "SEC901"
    name = "crashes"
    pillar = Pillar.SECURITY
    severity = Severity.ERROR

    def check(self, repo: Repo) -> Iterable[Finding]:
        raise ValueError("boom")


RULES = [FlagLines, FlagCalls, HalfDone, NeverApplies, Crashes]


def run(files: dict[str, str | bytes], settings: Settings | None = None):  # type: ignore[no-untyped-def]
    repo = Repo(MemorySource(files))
    return analyse(repo, settings or Settings(), [rule() for rule in RULES])


def locations(report, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{f.path}:{f.cell}:{f.line}" for f in report.findings if f.code == code]


def test_python_findings_and_noqa_forms() -> None:
    report = run(
        {
            "a.py": "flag()\nflag()  # noqa: MON901\nflag()  # noqa\nflag()  # mlready: ignore[flag-calls]\nflag()  # noqa: OTHER1\n",
        }
    )
    assert locations(report, "MON901") == ["a.py:None:1", "a.py:None:5"]
    assert report.suppressed == 3
    first = next(f for f in report.findings if f.code == "MON901")
    assert (first.line, first.column, first.end_line, first.end_column) == (1, 1, 1, 7)


def test_file_level_suppression() -> None:
    report = run({"a.py": "# mlready: ignore-file[MON901]\nflag()\n", "b.py": "# mlready: ignore-file\nflag()\n"})
    assert locations(report, "MON901") == []
    assert report.suppressed == 2


def test_notebook_findings_map_to_cells_and_cell_noqa() -> None:
    nb = notebook("%matplotlib inline\nx = 1", "!pip install foo\nflag()", "flag()  # noqa: MON901", "def broken(:\n    pass", "y = 2\nflag()")
    report = run({"n.ipynb": nb})
    assert locations(report, "MON901") == ["n.ipynb:1:2", "n.ipynb:4:2"]
    assert any("cell 3" in item.message and "syntax" in item.message.lower() for item in report.diagnostics)


def test_comment_above_suppresses_in_dockerfile_and_yaml() -> None:
    report = run(
        {
            "Dockerfile": "FROM x\n# mlready: ignore[TST901]\nRUN FLAG\nRUN FLAG\n",
            "ci.yml": "a: FLAG  # mlready: ignore[flag-lines]\nb: FLAG\n",
        }
    )
    assert sorted(locations(report, "TST901")) == ["Dockerfile:None:4", "ci.yml:None:2"]


def test_per_file_ignores() -> None:
    settings = Settings(per_file_ignores={"tests/**": ["MON901"], "*.yml": ["flag-lines"]})
    report = run({"tests/t.py": "flag()\n", "src/a.py": "flag()\n", "deep/x.yml": "FLAG\n"}, settings)
    assert locations(report, "MON901") == ["src/a.py:None:1"]
    assert locations(report, "TST901") == []


def test_outcomes_partial_skip_and_crash() -> None:
    report = run({"a.py": "x = 1\n"})
    assert report.rule("RBK901").outcome is Outcome.PARTIAL
    assert report.rule("RBK902").outcome is Outcome.SKIP
    assert report.rule("RBK902").reason == "nothing to judge"
    assert report.rule("SEC901").outcome is Outcome.SKIP
    assert any("internal error in rule SEC901" in item.message for item in report.diagnostics)
    assert report.rule("MON901").outcome is Outcome.PASS


def test_scores_weight_severity_and_skip_does_not_count() -> None:
    report = run({"a.py": "flag()\n", "Dockerfile": "RUN FLAG\n"})
    pillars = report.score.pillars
    assert pillars[Pillar.MONITORING].score == 0.0
    assert pillars[Pillar.TESTING].score == 0.0
    assert pillars[Pillar.ROLLBACK].score == 50.0  # partial info rule; the skipped error rule does not count
    assert pillars[Pillar.SECURITY].score is None  # its only rule crashed and was skipped
    assert report.score.level == "research"
    clean = run({"a.py": "x = 1\n"})
    assert clean.score.pillars[Pillar.MONITORING].score == 100.0
    assert clean.score.overall > report.score.overall
    assert clean.score.weakest is Pillar.ROLLBACK


def test_level_is_set_by_the_weakest_pillar() -> None:
    from mlready.model import RuleResult

    strong = [RuleResult(f"MOD{i:03}", f"r{i}", Pillar.MODULARITY, Severity.ERROR, Outcome.PASS) for i in range(9)]
    weak = [RuleResult("TST001", "t", Pillar.TESTING, Severity.ERROR, Outcome.FAIL)]
    name, _, weakest = level_of(pillar_scores(strong + weak))
    assert (name, weakest) == ("research", Pillar.TESTING)
    name, _, _ = level_of(pillar_scores(strong))
    assert name == "production"


def test_top_fixes_rank_by_gain() -> None:
    report = run({"a.py": "flag()\n", "Dockerfile": "RUN FLAG\n"})
    fixes = [fix.code for fix in report.score.fixes]
    assert fixes[0] in ("MON901", "TST901")
    assert "RBK901" in fixes
    gains = [fix.gain for fix in report.score.fixes]
    assert gains == sorted(gains, reverse=True)
    assert all(gain > 0 for gain in gains)


def test_fingerprints_are_line_independent_and_distinct() -> None:
    before = run({"a.py": "flag()\nx = 1\nflag()\n"})
    after = run({"a.py": "# a new comment line\n\nflag()\nx = 1\nflag()\n"})
    prints_before = sorted(f.fingerprint for f in before.findings if f.code == "MON901")
    prints_after = sorted(f.fingerprint for f in after.findings if f.code == "MON901")
    assert len(set(prints_before)) == 2
    assert prints_before == prints_after


def test_select_and_ignore_by_code_prefix_and_name() -> None:
    from mlready.engine import select_rules

    settings = Settings(select=["MON", "flag-lines"], ignore={"MON901": "accepted risk"})
    rules, ignored = select_rules(settings, RULES)
    assert [rule.code for rule in rules] == ["TST901"]
    assert ignored == {"MON901": "accepted risk"}


def test_parse_errors_become_diagnostics_and_run_goes_on() -> None:
    report = run(
        {
            "bad.py": "flag(:\n",
            "good.py": "flag()\n",
            "nul.py": b"flag()\x00\x00",
            "broken.ipynb": '{"cells": [',
            "utf16.py": "flag()\n".encode("utf-16"),
            "latin.py": "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\nflag()\n".encode("latin-1"),
        }
    )
    messages = {item.path: item.message for item in report.diagnostics}
    assert "syntax error" in messages["bad.py"].lower()
    assert "binary" in messages["nul.py"]
    assert "notebook" in messages["broken.ipynb"]
    assert sorted(locations(report, "MON901")) == ["good.py:None:1", "latin.py:None:3", "utf16.py:None:1"]


def test_trigger_keeps_files_unparsed() -> None:
    repo = Repo(MemorySource({"a.py": "x = 1\n", "b.py": "y = 2\n"}))
    analyse(repo, Settings(), [FlagCalls()])
    assert repo.parse_count == 0


def test_report_is_deterministic() -> None:
    from mlready.reporters.json_report import render

    files: dict[str, str | bytes] = {f"m{i}.py": "flag()\n" * (i % 3) for i in range(20)}
    first = render(run(files))
    reordered = dict(reversed(list(files.items())))
    assert render(run(reordered)) == first


def test_masked_magics_keep_line_numbers() -> None:
    from mlready.parsers.notebook import mask_magics

    source = "%time x = 1\n!ls\ny = !pwd\nfor i in range(3):\n    !echo $i\nhelp?\nz = 3"
    masked = mask_magics(source)
    assert len(masked.split("\n")) == len(source.split("\n"))
    compile(masked, "cell", "exec")
    assert masked.split("\n")[-1] == "z = 3"
    assert re.fullmatch(r"\s*", mask_magics("%%bash\necho hi\nls"))
    # A magic or shell line goes on while its brackets are open, or after a trailing backslash.
    continued = "%timeit np.fromiter((a + b for a, b in zip(x, y)),\n              dtype=x.dtype)\n!pip install \\\n    numpy\nw = ')'\n"
    masked = mask_magics(continued)
    compile(masked, "cell", "exec")
    assert masked.split("\n") == ["pass", "", "pass", "", "w = ')'", ""]
    # A `%` or `!` line inside Python's open brackets continues the Python (the `%` operator), not a magic.
    formatted = 'print("%d items and %s"\n      %(n, x))\n!ls\nx = [1,  # (\n     2]\n%time y = 1'
    assert mask_magics(formatted).split("\n") == ['print("%d items and %s"', "      %(n, x))", "pass", "x = [1,  # (", "     2]", "pass"]
    # IPython removes the first line's indentation from every line before running a cell.
    assert mask_magics(" ! pip install -q kaggle\n import os\n if os:\n     pass") == "pass\nimport os\nif os:\n    pass"


class LoopsAndDefs(PythonRule):
    """Reports every function and `for` loop it is shown, in source order.

    What it checks:
    x
    Why it matters:
    x
    How to fix:
    x
    """

    code = "MON902"
    name = "loops-and-defs"
    pillar = Pillar.MONITORING
    severity = Severity.INFO

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.report(node, f"def {node.name}")

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.report(node, "for")

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name):
            self.report(node, f"call {node.func.id}")


def test_the_walk_maps_async_forms_and_visits_decorators_before_the_body() -> None:
    """`async def` / `async for` reach the plain handlers; decorators are visited before the function's body."""
    source = "@register(key())\nasync def fetch():\n    async for item in stream():\n        pass\n"
    repo = Repo(MemorySource({"a.py": source}))
    rule = LoopsAndDefs()
    found = [(finding.line, finding.message) for finding in rule.check_file(repo.file("a.py"), repo)]  # type: ignore[arg-type]
    assert found == [(2, "def fetch"), (1, "call register"), (1, "call key"), (3, "for"), (3, "call stream")]


def test_a_grouped_install_finding_names_each_package_once() -> None:
    from mlready.registry import find_rule
    from mlready.rule import Example
    from mlready.testing import run_example

    rule = find_rule("DEP010")
    assert rule is not None
    script = "#!/bin/sh\npip install numpy\npip install numpy\npip install pandas\npip install numpy\n"
    report = run_example(rule, Example({"scripts/setup.sh": script}))
    messages = [finding.message for finding in report.rule("DEP010").findings]
    assert messages == [
        "4 commands here install 2 packages without an exact version: `numpy`, `pandas`; put them in a pinned requirements file"
    ]


def test_an_f_string_of_python_3_12_is_named_as_newer_syntax() -> None:
    import sys

    from mlready.parsers import ParseError
    from mlready.parsers.python import parse_python

    text = 'row = f"{record["name"]}: {", ".join(items)}"\n'
    if sys.version_info >= (3, 12):
        assert parse_python(text).body  # valid there
    else:
        with pytest.raises(ParseError, match=r"valid from Python 3\.12"):
            parse_python(text)
    with pytest.raises(ParseError, match=r"^Python syntax error: invalid syntax$"):
        parse_python("def broken(:\n")


def test_a_project_template_s_placeholders_are_named_as_such() -> None:
    from mlready.parsers import ParseError
    from mlready.parsers.python import parse_python

    for template in ("from {{cookiecutter.package_name}}.utils import load\n", "{% if cookiecutter.use_gpu %}\nimport torch\n{% endif %}\n"):
        with pytest.raises(ParseError, match=r"^template placeholders"):
            parse_python(template)
    # An f-string's escaped braces on a line with another error: a plain syntax error.
    with pytest.raises(ParseError, match=r"^Python syntax error"):
        parse_python('label = f"{{name}}" +\n')
