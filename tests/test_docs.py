"""Generated documentation stays in sync with the code."""

from __future__ import annotations

from mlready.docs import expected_pages, readme_with_table
from mlready.registry import all_rules

from helpers import ROOT


def test_rule_pages_are_current() -> None:
    pages = expected_pages(all_rules())
    folder = ROOT / "rules"
    on_disk = {path.name for path in folder.glob("*.md")}
    assert on_disk == set(pages), "rules/ is stale: run `python -m mlready.docs`"
    for name, text in pages.items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"rules/{name} is stale: run `python -m mlready.docs`"


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme, all_rules()) == readme, "README rule table is stale: run `python -m mlready.docs`"


def test_every_rule_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"`{rule.name}`" in readme
