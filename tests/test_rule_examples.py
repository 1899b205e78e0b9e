"""Every rule's VALID and INVALID examples, run as test cases."""

import pytest

from mlready.registry import all_rules
from mlready.rule import Example, Rule
from mlready.testing import check_example, example_params


@pytest.mark.parametrize(("rule", "example", "valid"), example_params(all_rules()))
def test_example(rule: type[Rule], example: Example, valid: bool) -> None:
    check_example(rule, example, valid)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_has_examples_and_docs(rule: type[Rule]) -> None:
    from mlready.docs import SECTIONS, sections

    assert rule.VALID, f"{rule.code} has no VALID example"
    assert rule.INVALID, f"{rule.code} has no INVALID example"
    assert set(sections(rule)) == set(SECTIONS), f"{rule.code} docstring lacks a section"
    assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
    assert rule.code.startswith(rule.pillar.prefix)
