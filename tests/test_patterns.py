"""Literal gates and anchored search find exactly what `re` finds, on every pattern mlready uses."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlready
from mlready.patterns import (
    Anchors,
    Gate,
    LazyPattern,
    _long_text_finditer,
    _long_text_search,
    anchors_for,
    exists,
    finditer,
    gate_for,
    lazy_compile,
)
from mlready.registry import all_rules
from mlready.rule import PythonRule


def _all_patterns() -> list[re.Pattern[str]]:
    """Every module-level pattern of mlready (also in tuples, lists and dicts) and every rule trigger."""
    found: dict[tuple[str, int], re.Pattern[str]] = {}

    def add(value: object) -> None:
        if isinstance(value, LazyPattern):
            value = value.compiled()
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            found[(value.pattern, value.flags)] = value

    for module in pkgutil.walk_packages(mlready.__path__, "mlready."):
        if module.name.endswith("__main__"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            add(value)
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
            for item in items:
                add(item)
                for part in item if isinstance(item, tuple) else ():
                    add(part)
    for rule in all_rules():
        if issubclass(rule, PythonRule):
            add(rule({}).trigger_pattern())
    return [found[key] for key in sorted(found)]


PATTERNS = _all_patterns()
ANCHORED = [pattern for pattern in PATTERNS if anchors_for(pattern) is not None]


def test_most_patterns_are_anchored() -> None:
    assert len(PATTERNS) > 150
    assert len(ANCHORED) / len(PATTERNS) > 0.8  # the rest are searched the usual way


def _pieces(pattern: re.Pattern[str]) -> list[str]:
    """Text fragments likely to make the pattern match, or nearly match."""
    anchors = anchors_for(pattern)
    gate = gate_for(pattern)
    literals = [literal for literal, _lead in anchors.literals] if anchors else []
    literals += list(gate.literals) if gate else []
    return [*literals, *(literal.upper() for literal in literals), " ", "\n", "(", ")", "=", "'", '"', ".", "_", "x", "0", "\t", "#", ":", "İ"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_anchored_search_finds_exactly_what_re_finds(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(ANCHORED))
    text = "".join(data.draw(st.lists(st.sampled_from(_pieces(pattern)), max_size=40)))
    expected = [(match.span(), match.group()) for match in pattern.finditer(text)]
    assert [(match.span(), match.group()) for match in finditer(pattern, text)] == expected
    assert [(match.span(), match.group()) for match in finditer(pattern, text, text.lower())] == expected
    assert exists(pattern, text) is exists(pattern, text, text.lower()) is bool(expected)


@pytest.mark.parametrize(
    ("regex", "flags", "text"),
    [
        (r"(?<=a)bc", 0, "xbc abc"),  # a lookbehind sees the text before the start
        (r"\bfoo\s*\(", 0, "xfoo( foo (\n foo\n(" ),  # word boundaries; whitespace over line breaks
        (r"^import\s+torch", re.M, "x import torch\nimport torch\n"),  # `^` holds only at line starts
        (r"(?m:^)\s*from\s+sklearn\s+import[^\n]*\bmetrics\b", 0, "\n\n  from sklearn import metrics\n"),  # no bound: usual search
        (r"(?i)hello world", 0, "İ HELLO WORLD hello world"),  # lower case longer than the text: usual search
        (r"ab|abc", 0, "abcabc"),  # the first branch that matches wins, as in `re`
        (r"[=!]=\s*nan|nan\s*[=!]=", 0, "x == nan; nan != y"),
        # `^` then no line break before the literal: tried at the start of each line holding the literal
        (r"^[ \t]*import[ \t]+(\w+)", re.M, "x = 1  # import y\n    import os\n\timport  sys\nimport re"),
        (r"^[ \t]*from[ \t]+(\w*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)", re.M, "from a import (b,\n from c import d)\nfrom e import f"),
        (r"^(?:async[ \t]+)?def[ \t]+(\w*clean\w*)", re.M | re.I, "def a():\n  def clean_x():\nasync  def Clean_y():\ndef CLEAN():"),
        (r"^.*TODO", re.M, "x\nfix: TODO later TODO\n  TODO"),
    ],
)
def test_anchored_search_edge_cases(regex: str, flags: int, text: str) -> None:
    pattern = re.compile(regex, flags)
    expected = [match.span() for match in pattern.finditer(text)]
    assert expected, "each case has at least one match"
    assert [match.span() for match in finditer(pattern, text)] == expected
    assert exists(pattern, text)
    assert not exists(pattern, text[: expected[0][0]] + "\n")  # nothing before the first match


def test_a_gate_looks_for_what_every_branch_requires() -> None:
    # Both sides of the comparison hold a spelling of nan, though the branches start differently.
    nan_test = re.compile(r"(?:nan|NaN)\s*[=!]=|(?:==|!=)\s*(?:nan|NaN)\b|(?:==|!=)\s*float\(\s*'(?:nan|NaN)")
    assert gate_for(nan_test) == Gate(("NaN", "nan"), False)
    assert gate_for(re.compile(r"zero_?grad|clear_?grad")) == Gate(("grad",), False)  # inside longer literals
    assert gate_for(re.compile(r"torch\.load|numpy\.load")) == Gate(("numpy.load", "torch.load"), False)
    assert exists(nan_test, "if x == float('NaN'):") and not exists(nan_test, "if x == y: float(z)")


def test_line_start_patterns_are_anchored_at_line_starts_only_when_no_line_break_can_come_first() -> None:
    assert anchors_for(re.compile(r"^[ \t]*import[ \t]+", re.M)) == Anchors((("import", -1),), False)
    assert anchors_for(re.compile(r"^(?:async[ \t]+)?def\b", re.M)) == Anchors((("def", -1),), False)
    # Horizontal space written as a negated set, and the scoped multi-line `^` of a pattern without the flag.
    assert anchors_for(re.compile(r"^[^\S\n]*import\b", re.M)) == Anchors((("import", -1),), False)
    assert anchors_for(re.compile(r"\bwandb\b|(?m:^)[^\S\n]*import\s+aim")) == Anchors((("import", -1), ("wandb", 0)), False)
    for regex, flags in [(r"^\s*import", re.M), (r"^.*import", re.M | re.S), (r"^[^x]*import", re.M), (r"^[^\S]*import", re.M), (r"(?m:^)\s*import", 0)]:
        anchors = anchors_for(re.compile(regex, flags))  # `\s`, `.` under DOTALL and `[^x]` match a line break
        assert anchors is not None and anchors.literals[0][1] > 1000, regex


def test_the_first_search_of_a_lazy_pattern_is_anchored_too() -> None:
    # The first attribute access compiles the pattern: it must hand back the anchored search, not re's.
    for method, route in (("search", _long_text_search), ("finditer", _long_text_finditer)):
        first = getattr(lazy_compile(r"\bmodel\.predict\("), method)
        assert isinstance(first, partial) and first.func is route, method


def test_a_lazy_pattern_compiles_once_and_then_calls_re_directly() -> None:
    pattern = lazy_compile(r"\bmodel\.fit\(")
    assert pattern.search("model.fit(x)") is not None
    assert pattern.match.__self__ is pattern.compiled()  # type: ignore[attr-defined]  # no __getattr__ any more
    long_text = "x = 1\n" * 200 + "model.fit(X)\n" + "y = 2\n" * 200  # searched where a match can start
    assert pattern.search(long_text).span() == pattern.compiled().search(long_text).span()  # type: ignore[union-attr]
    assert [match.span() for match in pattern.finditer(long_text)] == [match.span() for match in pattern.compiled().finditer(long_text)]
    assert pattern.search(long_text, 0, 10) is None  # positions: the plain search
    assert [match.span() for match in finditer(pattern, "a model.fit( b model.fit(")] == [(2, 12), (15, 25)]
