"""The ML Test Score view (Breck et al., 2017), as a static proxy.

Each of the paper's 28 tests is fed by the rules that declare it in their
`ml_test_score` attribute. A rule that passes gives 1 point when its evidence
is automated (code, CI, monitors) and 0.5 when it is only documentation
(`ml_test_score_evidence = "documented"`); a partial outcome gives 0.5. A test
takes the best of its rules. Tests no rule can judge statically are shown as
such, never as zero. The final score is the minimum of the four section sums.
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
        feeding = [rule for rule in rules if test in rule.ml_test_score]
        if not feeding:
            tests.append(TestScore(test, title, None, "not statically assessable", []))
            continue
        points: float | None = None
        for rule in feeding:
            result = by_code.get(rule.code)
            if result is None or result.outcome is Outcome.SKIP:
                continue
            documented = getattr(rule, "ml_test_score_evidence", "automated") == "documented"
            earned = {Outcome.PASS: 0.5 if documented else 1.0, Outcome.PARTIAL: 0.5, Outcome.FAIL: 0.0}[result.outcome]
            points = earned if points is None else max(points, earned)
        status = "scored" if points is not None else "not applicable"
        tests.append(TestScore(test, title, points, status, [rule.code for rule in feeding]))
    sections = {
        section: sum(item.points or 0.0 for item in tests if item.test.split()[0] == section) for section in SECTIONS
    }
    final = min(sections.values())
    return MLTestScore(tests, sections, final, band_text(final))
