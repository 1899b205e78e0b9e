"""Property-based tests: whatever bytes a file holds, the parsers answer or raise ParseError, never crash."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlready.config import Settings
from mlready.engine import analyse, select_rules
from mlready.parsers import ParseError
from mlready.parsers.dockerfile import parse_dockerfile
from mlready.parsers.notebook import mask_magics, parse_notebook
from mlready.parsers.requirements import parse_requirements
from mlready.parsers.text import decode
from mlready.parsers.yaml import parse_yaml
from mlready.repo import MemorySource, Repo
from mlready.suppression import ALL, line_directives, scan

FAST = settings(max_examples=int(__import__("os").environ.get("MLREADY_HYPOTHESIS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
cell = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw", 3]), "source": json_values, "outputs": json_values, "execution_count": json_values},
    optional={"metadata": json_values},
)
notebooks = st.fixed_dictionaries(
    {"cells": st.lists(cell, max_size=5) | json_values, "nbformat": st.sampled_from([3, 4, 5, "4", None]), "nbformat_minor": json_values},
    optional={"metadata": json_values, "worksheets": json_values},
)


@FAST
@given(notebooks)
def test_any_notebook_json_parses_or_raises_parse_error(document: object) -> None:
    text = json.dumps(document)
    try:
        notebook = parse_notebook(text)
    except ParseError:
        return
    for item in notebook.cells:
        assert isinstance(item.source, str) and isinstance(item.outputs, list)
        assert len(mask_magics(item.source).split("\n")) == len(item.source.split("\n"))


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_parse_error(data: bytes) -> None:
    try:
        text = decode(data)
    except ParseError:
        return
    assert "\r" not in text


@FAST
@given(st.text(max_size=300))
def test_any_requirements_text_parses(text: str) -> None:
    for requirement in parse_requirements(text):
        assert requirement.line >= 1
        assert isinstance(requirement.pinned, bool)


yaml_text = st.lists(
    st.sampled_from(["a: 1", "- x", "  b: [1, 2]", "&anchor c: {d: e}", "*anchor", "!!python/object:os.system x", "---", "\tbad", "k: 'v", "? complex", "<<: *anchor", "x: !!binary aGk="]),
    max_size=8,
).map("\n".join)


@FAST
@given(yaml_text | st.text(max_size=200))
def test_any_yaml_loads_safely_or_raises_parse_error(text: str) -> None:
    try:
        documents = parse_yaml(text)
    except ParseError:
        return
    assert isinstance(documents, list)


dockerfile_text = st.lists(
    st.sampled_from(["FROM python:3.11 AS base", "FROM", "RUN pip install x \\", "  y", "USER", "HEALTHCHECK", "RUN <<EOF", "EOF", "# escape=`", "ARG TOKEN=1", "FROBNICATE", "COPY --from=base / /", "ENV A=1 B=2", ""]),
    max_size=10,
).map("\n".join)


@FAST
@given(dockerfile_text | st.text(max_size=200))
def test_any_dockerfile_parses_or_raises_parse_error(text: str) -> None:
    try:
        parsed = parse_dockerfile(text)
    except ParseError:
        return
    for instruction in parsed.instructions:
        assert 1 <= instruction.line <= instruction.end_line


codes = st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9\-]{0,12}", fullmatch=True), min_size=1, max_size=3)


@FAST
@given(st.text(max_size=80), codes)
def test_suppression_comments_are_parsed_exactly(prefix: str, names: list[str]) -> None:
    prefix = prefix.replace("#", "").replace("\n", " ")
    line = f"{prefix}  # mlready: ignore[{', '.join(names)}]"
    assert {name.lower() for name in names} <= line_directives(line)
    assert ALL in line_directives(f"{prefix}  # noqa")
    assert line_directives(prefix) == set()
    result = scan([f"# mlready: ignore-file[{names[0]}]", prefix], comment_above=False)
    assert result.suppresses(None, names[0].upper(), "unrelated-name")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["a.py", "b.ipynb", "c.yaml", "Dockerfile", "requirements.txt", "pyproject.toml", "README.md"]), st.binary(max_size=200), max_size=5))
def test_the_whole_engine_survives_random_files(files: dict[str, bytes]) -> None:
    rules, ignored = select_rules(Settings())
    report = analyse(Repo(MemorySource(dict(files))), Settings(), rules, ignored)
    assert not [item for item in report.diagnostics if "internal error" in item.message]
    overall = report.score.overall
    code = [name for name in files if name.endswith((".py", ".ipynb"))]
    assert (overall is None) == (not code)  # no code, nothing to score
    assert overall is None or 0 <= overall <= 100


_SEGMENT_SOURCES = [
    "x = call(a,\n         b)\r\ny = 'é' + \"ü\"\rz = [\n  1,\x0c 2]\n",
    "def f(\r\n    a: int = 1,\r\n) -> str:\r\n    return f'{a!r:>{width}}'  # ß\n",
    "class C:\n    \"\"\"doc\n    more\"\"\"\n    v = {k: v for k, v in d.items() if v}\n",
]


@given(st.sampled_from(_SEGMENT_SOURCES), st.text(alphabet="ab()[]+ 'é\n\r\x0c", max_size=30))
@settings(max_examples=60, deadline=None)
def test_a_node_segment_is_what_ast_gives(source: str, noise: str) -> None:
    import ast

    from mlready.parsers.python import PythonSource

    text = source + f"s = {noise!r}\n"
    tree = ast.parse(text)
    parsed = PythonSource(text, tree)
    for node in ast.walk(tree):
        expected = ast.get_source_segment(text, node)
        assert parsed.segment(node) == (expected if expected is not None else ast.unparse(node))
