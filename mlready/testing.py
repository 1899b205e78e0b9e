"""Turn every rule's VALID and INVALID examples into test cases.

Third-party rule packs can use it too:

    from mlready.testing import example_params, check_example

    @pytest.mark.parametrize(("rule", "example", "valid"), example_params(MY_RULES))
    def test_examples(rule, example, valid):
        check_example(rule, example, valid)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from mlready.config import Settings
from mlready.engine import Report, analyse
from mlready.model import Finding, Outcome
from mlready.repo import MemorySource, Repo
from mlready.rule import Example, Rule


def run_example(rule_class: type[Rule], example: Example) -> Report:
    repo = Repo(MemorySource(dict(example.files)))
    return analyse(repo, Settings(), [rule_class(example.options)])


def finding_location(finding: Finding) -> str:
    """"path:line" ("path[cell]:line" in a notebook), "path", or "" without a path."""
    if finding.path is None:
        return ""
    where = finding.path if finding.cell is None else f"{finding.path}[{finding.cell}]"
    return where if finding.line is None else f"{where}:{finding.line}"


def check_example(rule_class: type[Rule], example: Example, valid: bool) -> None:
    report = run_example(rule_class, example)
    result = report.rule(rule_class.code)
    crashes = [item for item in report.diagnostics if "internal error" in item.message]
    assert not crashes, f"{rule_class.code} crashed: {crashes}"
    located = [finding_location(finding) for finding in result.findings]
    if valid:
        assert not result.findings, f"{rule_class.code} VALID example produced findings: {located}"
        allowed = {example.outcome} if example.outcome else {Outcome.PASS, Outcome.SKIP}
        assert result.outcome in allowed, f"{rule_class.code}: outcome {result.outcome.value}, expected {allowed}"
        return
    assert result.findings, f"{rule_class.code} INVALID example produced no finding ({result.outcome.value}: {result.reason})"
    expected_outcome = example.outcome or (
        Outcome.PARTIAL if all(finding.partial for finding in result.findings) else Outcome.FAIL
    )
    assert result.outcome is expected_outcome, f"{rule_class.code}: outcome {result.outcome.value}"
    if example.expect:
        assert _match(located, example.expect), f"{rule_class.code}: findings at {located}, expected {list(example.expect)}"


def _match(located: list[str], expected: Sequence[str]) -> bool:
    """Every finding is expected, and every expectation is met once ("path" matches any line)."""
    remaining = Counter(located)
    for item in expected:
        if remaining[item]:
            remaining[item] -= 1
            continue
        candidates = [place for place in remaining if remaining[place] and place.split(":")[0] == item]
        if not candidates:
            return False
        remaining[candidates[0]] -= 1
    return not +remaining


def example_params(rules: Sequence[type[Rule]]) -> list[Any]:
    import pytest

    params = []
    for rule in rules:
        for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID)):
            for index, example in enumerate(examples):
                params.append(pytest.param(rule, example, kind == "valid", id=f"{rule.code}-{kind}-{index}"))
    return params
