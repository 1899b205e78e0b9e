"""The ML Test Score view (Breck et al., 2017), as a static proxy.

Each of the paper's 28 tests is fed by the rules in EVIDENCE: "automated"
rules detect something that runs (tests, CI, monitors, code), "documented"
rules detect a written practice. As in the paper's scoring, a test earns:
- 1 point when every applicable automated rule passes;
- 0.5 when at least one of its rules passes or passes partly (documented or manual evidence);
- 0 otherwise.
Tests that no rule can judge statically are shown as such, never as zero; a
test whose rules all skip is "not applicable" and counts 0, as an unimplemented
test does in the paper. The final score is the minimum of the four section sums.
mlready cannot see whether tests pass or monitors fire: this is a static proxy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlready.model import Outcome, RuleResult
from mlready.rule import Rule

SECTIONS = ("Data", "Model", "Infra", "Monitor")

TESTS: dict[str, str] = {
    "Data 1": "Feature expectations are captured in a schema",
    "Data 2": "All features are beneficial",
    "Data 3": "No feature's cost is too much",
    "Data 4": "Features adhere to meta-level requirements",
    "Data 5": "The data pipeline has appropriate privacy controls",
    "Data 6": "New features can be added quickly",
    "Data 7": "All input feature code is tested",
    "Model 1": "Model specs are reviewed and submitted",
    "Model 2": "Offline and online metrics correlate",
    "Model 3": "All hyperparameters have been tuned",
    "Model 4": "The impact of model staleness is known",
    "Model 5": "A simpler model is not better",
    "Model 6": "Model quality is sufficient on important data slices",
    "Model 7": "The model is tested for considerations of inclusion",
    "Infra 1": "Training is reproducible",
    "Infra 2": "Model specs are unit tested",
    "Infra 3": "The ML pipeline is integration tested",
    "Infra 4": "Model quality is validated before serving",
    "Infra 5": "The model is debuggable",
    "Infra 6": "Models are canaried before serving",
    "Infra 7": "Serving models can be rolled back",
    "Monitor 1": "Dependency changes result in notification",
    "Monitor 2": "Data invariants hold for inputs",
    "Monitor 3": "Training and serving are not skewed",
    "Monitor 4": "Models are not too stale",
    "Monitor 5": "Models are numerically stable",
    "Monitor 6": "Computing performance has not regressed",
    "Monitor 7": "Prediction quality has not regressed",
}

AUTOMATED, DOCUMENTED = "automated", "documented"

# test -> [(rule name, kind of evidence)]. Third-party rules may add themselves with their
# `ml_test_score` attribute (as automated evidence).
EVIDENCE: dict[str, list[tuple[str, str]]] = {
    "Data 1": [("data-validation-absent", AUTOMATED), ("data-dictionary-missing", DOCUMENTED)],
    "Data 4": [("fairness-unchecked-sensitive-features", AUTOMATED)],
    "Data 5": [("pii-without-privacy-doc", DOCUMENTED)],
    "Data 7": [("feature-code-untested", AUTOMATED)],
    "Model 1": [("ci-not-on-pull-request", AUTOMATED)],
    "Model 3": [("hyperparameters-not-explicit", DOCUMENTED)],
    "Model 4": [("model-metadata-missing", AUTOMATED), ("retraining-strategy-undocumented", DOCUMENTED)],
    "Model 5": [("baseline-model-absent", AUTOMATED)],
    "Model 6": [("slice-evaluation-absent", AUTOMATED)],
    "Model 7": [("fairness-unchecked-sensitive-features", AUTOMATED), ("model-card-incomplete", DOCUMENTED)],
    "Infra 1": [
        ("random-seed-not-set", AUTOMATED),
        ("split-random-state-missing", AUTOMATED),
        ("ml-framework-unpinned", AUTOMATED),
        ("lockfile-missing", AUTOMATED),
    ],
    "Infra 2": [("training-smoke-test-missing", AUTOMATED), ("model-behaviour-tests-missing", AUTOMATED)],
    "Infra 3": [
        ("training-smoke-test-missing", AUTOMATED),
        ("training-entrypoint-missing", AUTOMATED),
        ("tests-not-run-in-ci", AUTOMATED),
    ],
    "Infra 4": [("model-quality-gate-absent", AUTOMATED)],
    "Infra 6": [("canary-or-shadow-absent", AUTOMATED), ("serving-contract-test-missing", AUTOMATED)],
    "Infra 7": [
        ("rollback-mechanism-absent", AUTOMATED),
        ("model-registry-absent", AUTOMATED),
        ("rollback-plan-undocumented", DOCUMENTED),
    ],
    "Monitor 1": [("dependency-update-tool-missing", AUTOMATED)],
    "Monitor 2": [("serving-input-unvalidated", AUTOMATED), ("drift-detection-absent", AUTOMATED)],
    "Monitor 3": [
        ("fit-in-serving-code", AUTOMATED),
        ("preprocessing-not-shared", AUTOMATED),
        ("prediction-logging-absent", AUTOMATED),
    ],
    "Monitor 4": [("model-metadata-missing", AUTOMATED), ("model-version-not-exposed", AUTOMATED)],
    "Monitor 6": [("latency-metrics-absent", AUTOMATED), ("monitoring-absent", AUTOMATED)],
    "Monitor 7": [("drift-detection-absent", AUTOMATED), ("alerting-not-configured", AUTOMATED)],
}


def evidence_for(test: str, rules: Sequence[type[Rule]]) -> list[tuple[type[Rule], str]]:
    by_name = {rule.name: rule for rule in rules}
    found = [(by_name[name], kind) for name, kind in EVIDENCE.get(test, []) if name in by_name]
    listed = {name for name, _ in EVIDENCE.get(test, [])}
    found += [(rule, AUTOMATED) for rule in rules if test in rule.ml_test_score and rule.name not in listed]
    return found


def tests_of(rule: type[Rule]) -> list[str]:
    """The ML Test Score tests a rule gives evidence for (for its documentation page)."""
    return [test for test, items in EVIDENCE.items() if any(name == rule.name for name, _ in items)] or list(rule.ml_test_score)


BANDS = (
    (0.0, "More of a research project than a productionized system"),
    (1.0, "Not totally untested, but it is worth considering the possibility of serious holes in reliability"),
    (2.0, "There's been first pass at basic productionization, but additional investment may be needed"),
    (3.0, "Reasonably tested, but it's possible that more of those tests and procedures may be automated"),
    (5.0, "Strong levels of automated testing and monitoring, appropriate for mission-critical systems"),
    (float("inf"), "Exceptional levels of automated testing and monitoring"),
)


@dataclass
class TestScore:
    test: str
    title: str
    points: float | None  # None: not statically assessable, or no applicable rule
    status: str  # "scored" | "not applicable" | "not statically assessable"
    rules: list[str]


@dataclass
class MLTestScore:
    tests: list[TestScore]
    sections: dict[str, float]
    final: float
    band: str


def band_text(score: float) -> str:
    for bound, text in BANDS:
        if score <= bound:
            return text
    return BANDS[-1][1]  # pragma: no cover


def compute(results: Sequence[RuleResult], rules: Sequence[type[Rule]]) -> MLTestScore:
    by_code = {result.code: result for result in results}
    tests = []
    for test, title in TESTS.items():
        feeding = evidence_for(test, rules)
        if not feeding:
            tests.append(TestScore(test, title, None, "not statically assessable", []))
            continue
        applicable = [
            (by_code[rule.code].outcome, kind)
            for rule, kind in feeding
            if rule.code in by_code and by_code[rule.code].outcome is not Outcome.SKIP
        ]
        points: float | None = None
        if applicable:
            automated = [outcome for outcome, kind in applicable if kind == AUTOMATED]
            if automated and all(outcome is Outcome.PASS for outcome in automated):
                points = 1.0
            elif any(outcome in (Outcome.PASS, Outcome.PARTIAL) for outcome, _ in applicable):
                points = 0.5
            else:
                points = 0.0
        status = "scored" if points is not None else "not applicable"
        tests.append(TestScore(test, title, points, status, [rule.code for rule, _ in feeding]))
    sections = {
        section: sum(item.points or 0.0 for item in tests if item.test.split()[0] == section) for section in SECTIONS
    }
    final = min(sections.values())
    return MLTestScore(tests, sections, final, band_text(final))
