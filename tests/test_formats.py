"""Every output format, checked against what its consumer expects, on hostile input."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlready.cli import main
from mlready.rule import notebook

from helpers import ROOT

HOSTILE_NAME = "evil\n::error file=x::pwned %0A <script>alert(1)</script> [link](http://x) @team.ipynb"


def hostile_repo(make_repo) -> Path:  # type: ignore[no-untyped-def]
    return make_repo(
        {
            HOSTILE_NAME: notebook("import pandas as pd", outputs=True, counts=[5]),
            "ok.ipynb": notebook("x = 1", "y = 2", outputs=True, counts=[2, 1]),
        }
    )


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner(env=env).invoke(main, ["check", str(root), "--exit-zero", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_sarif_validates_against_the_official_schema(make_repo) -> None:  # type: ignore[no-untyped-def]
    import jsonschema

    schema_path = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.is_file():
        pytest.skip("the SARIF schema lives in ../shared/schemas (present in CI and developer checkouts)")
    document = json.loads(run(hostile_repo(make_repo), "--format", "sarif"))
    jsonschema.validate(document, json.loads(schema_path.read_text()))
    run_ = document["runs"][0]
    rule_ids = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in run_["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["helpUri"].endswith(f"/rules/{rule['id']}.md")
    assert run_["results"]
    for result in run_["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert result["partialFingerprints"]["mlready/v1"]
        assert result["level"] in ("error", "warning", "note")
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]


def test_github_annotations_cannot_be_injected(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    summary = tmp_path / "summary.md"
    out = run(hostile_repo(make_repo), "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    lines = out.splitlines()
    assert all(re.match(r"^::(error|warning|notice) ", line) for line in lines)
    assert not any("::error file=x::pwned" in line for line in lines)
    evil = [line for line in lines if "evil" in line]
    assert evil and all("evil%0A%3A%3Aerror file=x%3A%3Apwned %250A" in line for line in evil)
    assert summary.read_text().startswith("## mlready: readiness")


def test_gitlab_code_quality(make_repo) -> None:  # type: ignore[no-untyped-def]
    issues = json.loads(run(hostile_repo(make_repo), "--format", "gitlab"))
    assert issues
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["path"], str) and issue["location"]["lines"]["begin"] >= 1
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_junit_one_testcase_per_rule(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = hostile_repo(make_repo)
    xml = run(root, "--format", "junit")
    tree = ET.fromstring(xml.encode("utf-8"))
    rules = json.loads(run(root, "--format", "json"))["rules"]
    cases = tree.findall(".//testcase")
    assert len(cases) == len(rules) == int(tree.get("tests", "0"))
    failing = sum(rule["outcome"] in ("fail", "partial") for rule in rules)
    assert len(tree.findall(".//failure")) == failing == int(tree.get("failures", "0"))
    assert len(tree.findall(".//skipped")) == sum(rule["outcome"] == "skip" for rule in rules)


def test_markdown_escapes_repository_text(make_repo) -> None:  # type: ignore[no-untyped-def]
    text = run(hostile_repo(make_repo), "--format", "markdown")
    assert text.startswith("## mlready: readiness")
    assert "<script>" not in text and "](http" not in text and "@team" not in text
    assert "&lt;script&gt;" in text
    assert "| **testing** |" in text and "### Top fixes" in text and "<details><summary>" in text


def test_badge_is_a_shields_endpoint(make_repo) -> None:  # type: ignore[no-untyped-def]
    badge = json.loads(run(hostile_repo(make_repo), "--format", "badge"))
    assert badge["schemaVersion"] == 1 and badge["label"]
    assert re.fullmatch(r"\d{1,3}/100 (research|prototype|pilot|production)", badge["message"])


def test_several_formats_in_one_run(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = hostile_repo(make_repo)
    sarif, summary = tmp_path / "out.sarif", tmp_path / "summary.md"
    out = run(root, "--format", f"sarif:{sarif}", "--format", f"markdown:{summary}", "--format", "json")
    assert json.loads(out)["findings"]
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert summary.read_text().startswith("## mlready")
    result = CliRunner().invoke(main, ["check", str(root), "--format", "json", "--format", "text"])
    assert result.exit_code == 2


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
def test_html_report_in_a_real_headless_browser(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    browser = chromium()
    if browser is None:
        if os.environ.get("MLREADY_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (MLREADY_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    page = tmp_path / "report.html"
    run(hostile_repo(make_repo), "--format", f"html:{page}")
    html = page.read_text()
    assert "<script>" not in html
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "mlready readiness report" in dom
    assert "<script" not in dom  # the hostile file name stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert dom.count('class="finding') >= 3
    assert "<svg" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
        env={**os.environ},
    )
    assert shot.stat().st_size > 10_000
