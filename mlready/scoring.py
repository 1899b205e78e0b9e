"""Readiness scores: per pillar, overall, the level, and the fixes worth most.

- A rule counts once, whatever its number of findings: pass earns full credit,
  partial half, fail none; skipped rules do not count.
- A pillar's score is the severity-weighted share of credit of its applicable rules.
- The overall score is the weighted mean of the scored pillars (core pillars weigh double).
- The level is set by the weakest core pillar, as the ML Test Score takes the minimum
  over its sections; the practices around the pillars count in the overall score.
- When no selected rule applies (all skipped), or the repository holds no Python code or
  notebooks, there is nothing to score: the overall score is None and the level "n/a" (rules
  that pass because there is nothing to find would otherwise make an empty repository
  "production-ready").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mlready.model import Outcome, Pillar, RuleResult

LEVELS = (
    (30.0, "research", "a research project: core production practices are missing"),
    (55.0, "prototype", "a prototype: first steps towards production, with serious gaps"),
    (80.0, "pilot", "ready for a pilot: basic production practices are in place, some gaps remain"),
    (101.0, "production", "production-ready by every static check mlready makes"),
)
NOT_SCORED = ("n/a", "no selected rule applies to this repository: nothing to score")
NO_CODE = ("n/a", "no Python code or notebooks: nothing to score")

TOP_FIXES = 5


@dataclass
class PillarScore:
    pillar: Pillar
    score: float | None
    passed: int = 0
    partial: int = 0
    failed: int = 0
    skipped: int = 0
    # (rule code, points of this pillar's score lost to it)
    losses: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Fix:
    code: str
    name: str
    gain: float
    summary: str


@dataclass
class Score:
    overall: float | None
    level: str
    level_text: str
    weakest: Pillar | None
    pillars: dict[Pillar, PillarScore]
    fixes: list[Fix]


def pillar_scores(results: Sequence[RuleResult]) -> dict[Pillar, PillarScore]:
    scores: dict[Pillar, PillarScore] = {}
    for pillar in Pillar:
        mine = [result for result in results if result.pillar is pillar]
        counted = [result for result in mine if result.outcome is not Outcome.SKIP]
        total = sum(result.severity.weight for result in counted)
        score = PillarScore(pillar, None)
        score.passed = sum(result.outcome is Outcome.PASS for result in mine)
        score.partial = sum(result.outcome is Outcome.PARTIAL for result in mine)
        score.failed = sum(result.outcome is Outcome.FAIL for result in mine)
        score.skipped = sum(result.outcome is Outcome.SKIP for result in mine)
        if total:
            earned = sum(result.severity.weight * result.outcome.credit for result in counted)
            score.score = 100.0 * earned / total
            score.losses = sorted(
                (
                    (result.code, 100.0 * result.severity.weight * (1 - result.outcome.credit) / total)
                    for result in counted
                    if result.outcome in (Outcome.FAIL, Outcome.PARTIAL)
                ),
                key=lambda item: (-item[1], item[0]),
            )
        scores[pillar] = score
    return scores


def overall(pillars: dict[Pillar, PillarScore]) -> float | None:
    scored = [(pillar.weight, value.score) for pillar, value in pillars.items() if value.score is not None]
    if not scored:
        return None
    return sum(weight * value for weight, value in scored) / sum(weight for weight, _ in scored)


def level_of(pillars: dict[Pillar, PillarScore]) -> tuple[str, str, Pillar | None]:
    """The level from the weakest core pillar (the other areas count in the overall score only).

    Without any scored core pillar, the weakest of the others decides."""
    scored = [(value.score, pillar.value, pillar) for pillar, value in pillars.items() if value.score is not None and pillar.is_core]
    if not scored:
        scored = [(value.score, pillar.value, pillar) for pillar, value in pillars.items() if value.score is not None]
    if not scored:
        return NOT_SCORED[0], NOT_SCORED[1], None
    weakest_score, _, weakest = min(scored)
    for bound, name, text in LEVELS:
        if weakest_score < bound:
            return name, text, weakest
    return LEVELS[-1][1], LEVELS[-1][2], weakest  # pragma: no cover - the last bound exceeds 100


def score(results: Sequence[RuleResult], summaries: dict[str, str], has_code: bool = True) -> Score:
    pillars = pillar_scores(results)
    if not has_code:
        return Score(None, NO_CODE[0], NO_CODE[1], None, pillars, [])
    current = overall(pillars)
    fixes = []
    for index, result in enumerate(results):
        if result.outcome not in (Outcome.FAIL, Outcome.PARTIAL):
            continue
        fixed = list(results)
        fixed[index] = RuleResult(result.code, result.name, result.pillar, result.severity, Outcome.PASS)
        gain = (overall(pillar_scores(fixed)) or 0.0) - (current or 0.0)
        fixes.append(Fix(result.code, result.name, gain, summaries.get(result.code, "")))
    fixes.sort(key=lambda fix: (-round(fix.gain, 6), fix.code))
    level, text, weakest = level_of(pillars)
    return Score(current, level, text, weakest, pillars, fixes[:TOP_FIXES])
