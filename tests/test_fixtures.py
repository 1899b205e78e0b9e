"""End-to-end checks on the sample repositories in fixtures/.

Three whole repositories at different stages of readiness (each described in its FIXTURE.md):

- notebook-experiment: notebooks only, committed outputs and model, no tests, CI or Docker;
- halfway-project: a package with a few tests and a Flask service, but loose pins, a floating
  Docker base image, CI that only lints, and no monitoring;
- production-service: tests of every kind run in CI, locked dependencies, a hardened image,
  MLflow registry, monitoring, drift detection, alerting, a canary and a rollback runbook.

The engine must rank them in that order with clear gaps, name the problems that define each
stage, and raise no error on the production service.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mlready.cli import main
from mlready.registry import all_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LEVELS = ("research", "prototype", "pilot", "production")

# Score bands: disjoint, with a gap between neighbours, so a regression shows up as a band change.
BANDS = {
    "notebook-experiment": (0, 35),
    "halfway-project": (35, 70),
    "production-service": (80, 100),
}
MIN_GAP = 15  # points between neighbouring fixtures

# Problems that define each stage: these rules must fire (rule names, not codes).
MUST_FIRE = {
    "notebook-experiment": [
        "notebook-only-logic",
        "notebook-outputs-committed",
        "notebook-non-linear-execution",
        "notebook-pip-install-unpinned",
        "training-only-in-notebook",
        "model-artifact-in-git",
        "tests-missing",
        "ci-missing",
        "requirement-unpinned",
        "hardcoded-absolute-path",
        "accuracy-only-metric",
        "preprocessing-before-split",
        "experiment-tracking-absent",
    ],
    "halfway-project": [
        "tests-not-run-in-ci",
        "docker-base-image-unpinned",
        "dockerfile-runs-as-root",
        "monitoring-absent",
        "model-path-hardcoded",
        "requirement-unpinned",
        "lockfile-missing",
        "experiment-tracking-absent",
        "model-registry-absent",
        "serving-contract-test-missing",
        "prediction-logging-absent",
        "drift-detection-absent",
        "rollback-plan-undocumented",
        "dev-server-in-production",
    ],
    "production-service": [],
}

# What the earlier stages do right: these rules must stay quiet there.
MUST_NOT_FIRE = {
    "notebook-experiment": [],
    "halfway-project": [
        "notebook-only-logic",
        "tests-missing",
        "ci-missing",
        "split-random-state-missing",
        "model-artifact-in-git",
        "feature-code-untested",
        "healthcheck-absent",
        "flask-debug-enabled",
    ],
    # The production fixture does each of these properly; a finding here is a false positive.
    "production-service": [
        "tests-missing",
        "tests-not-run-in-ci",
        "data-validation-absent",
        "training-smoke-test-missing",
        "serving-contract-test-missing",
        "model-behaviour-tests-missing",
        "requirement-unpinned",
        "lockfile-missing",
        "python-version-unpinned",
        "docker-base-image-unpinned",
        "dockerfile-runs-as-root",
        "monitoring-absent",
        "model-path-hardcoded",
        "experiment-tracking-absent",
        "model-registry-absent",
        "split-random-state-missing",
        "accuracy-only-metric",
        "ci-missing",
        "ci-not-on-pull-request",
        "ci-actions-unpinned",
        "pre-commit-missing",
        "dependency-update-tool-missing",
        "docker-base-not-digest",
        "dockerfile-pip-unpinned",
        "drift-detection-absent",
        "alerting-not-configured",
        "prediction-logging-absent",
        "latency-metrics-absent",
        "model-version-not-exposed",
        "serving-input-unvalidated",
        "rollback-plan-undocumented",
        "rollback-mechanism-absent",
        "healthcheck-absent",
        "canary-or-shadow-absent",
        "deploy-image-unpinned",
        "model-quality-gate-absent",
        "random-seed-not-set",
        "slice-evaluation-absent",
        "eval-metrics-not-persisted",
        "baseline-model-absent",
        "model-card-missing",
        "model-card-incomplete",
        "business-goal-undocumented",
        "risk-assessment-missing",
        "data-dictionary-missing",
        "ownership-undefined",
        "retraining-strategy-undocumented",
        "env-file-committed",
        "notebook-outputs-committed",
        "notebook-hygiene-hooks-missing",
    ],
}


def run_check(name: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["check", str(FIXTURES / name), "--format", "json", "--exit-zero"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, Any]]:
    return {name: run_check(name) for name in BANDS}


def fired(report: dict[str, Any]) -> set[str]:
    return {finding["name"] for finding in report["findings"]}


def test_fixture_names_refer_to_real_rules() -> None:
    known = {rule.name for rule in all_rules()}
    named = {name for names in (*MUST_FIRE.values(), *MUST_NOT_FIRE.values()) for name in names}
    assert not named - known, f"rules renamed or removed: {sorted(named - known)}"


@pytest.mark.parametrize("name", list(BANDS))
def test_fixture_parses_cleanly(reports: dict[str, dict[str, Any]], name: str) -> None:
    report = reports[name]
    # Every file parses; only the fake model binary is skipped.
    problems = [item for item in report["diagnostics"] if not item["path"].endswith(".pkl")]
    assert problems == [], problems
    assert not any(rule.get("reason", "").startswith("internal error") for rule in report["rules"])
    assert "FIXTURE.md" not in {finding["path"] for finding in report["findings"]}


@pytest.mark.parametrize("name", list(BANDS))
def test_score_band(reports: dict[str, dict[str, Any]], name: str) -> None:
    low, high = BANDS[name]
    score = reports[name]["score"]
    assert low <= score < high or score == high == 100, f"{name}: score {score} outside [{low}, {high})"


def test_scores_strictly_ordered_with_clear_gaps(reports: dict[str, dict[str, Any]]) -> None:
    scores = [reports[name]["score"] for name in BANDS]
    assert scores == sorted(scores)
    gaps = [later - earlier for earlier, later in itertools.pairwise(scores)]
    assert min(gaps) >= MIN_GAP, f"scores {scores} are too close"


def test_levels(reports: dict[str, dict[str, Any]]) -> None:
    levels = {name: reports[name]["level"] for name in BANDS}
    assert levels["notebook-experiment"] == "research"
    # The level follows the weakest pillar: the half-way project has no monitoring at all.
    assert levels["halfway-project"] in ("research", "prototype")
    assert levels["production-service"] == "production"
    ranks = [LEVELS.index(levels[name]) for name in BANDS]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1]


@pytest.mark.parametrize("name", list(BANDS))
def test_expected_findings(reports: dict[str, dict[str, Any]], name: str) -> None:
    names = fired(reports[name])
    missing = sorted(set(MUST_FIRE[name]) - names)
    assert not missing, f"{name}: expected findings missing: {missing}"
    wrong = sorted(set(MUST_NOT_FIRE[name]) & names)
    assert not wrong, f"{name}: unexpected findings: {wrong}"


def test_production_has_no_errors(reports: dict[str, dict[str, Any]]) -> None:
    errors = [
        f"{finding['code']} {finding['name']} {finding['path']}:{finding['line']}"
        for finding in reports["production-service"]["findings"]
        if finding["severity"] == "error"
    ]
    assert not errors, errors


def test_production_core_pillars_strong(reports: dict[str, dict[str, Any]]) -> None:
    pillars = reports["production-service"]["pillars"]
    weak = {
        name: value["score"] for name, value in pillars.items() if value["score"] is not None and value["score"] < 80
    }
    assert not weak, f"weak pillars on the production fixture: {weak}"


def test_notebook_experiment_has_errors_in_core_pillars(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["notebook-experiment"]
    error_pillars = {finding["pillar"] for finding in report["findings"] if finding["severity"] == "error"}
    assert {"modularity", "testing"} <= error_pillars
