"""What a change does to readiness: the score at a base ref against the working tree.

Findings are matched by their line-independent fingerprints, so moving code
around does not count as fixing or adding a problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlready.engine import Report
from mlready.model import Finding, Pillar
from mlready.reporters.common import format_score, round_score


@dataclass
class Comparison:
    base_ref: str
    base: Report
    head: Report
    new_findings: list[Finding]
    fixed_findings: list[Finding]

    @property
    def base_score(self) -> int | None:
        return None if self.base.score.overall is None else round_score(self.base.score.overall)

    @property
    def score(self) -> int | None:
        return None if self.head.score.overall is None else round_score(self.head.score.overall)

    @property
    def delta(self) -> int:
        """The change of the score (0 when either side has nothing to score)."""
        return 0 if self.score is None or self.base_score is None else self.score - self.base_score

    def pillar_deltas(self) -> dict[Pillar, tuple[int | None, int | None]]:
        result = {}
        for pillar in Pillar:
            before = self.base.score.pillars[pillar].score
            after = self.head.score.pillars[pillar].score
            result[pillar] = (
                None if before is None else round_score(before),
                None if after is None else round_score(after),
            )
        return result

    def headline(self) -> str:
        """For example: readiness 71 → 64 (monitoring −20: MON001 monitoring-absent in serve.py)."""
        text = f"readiness {format_score(self.base_score)} → {format_score(self.score)}"
        changes = []
        for pillar, (before, after) in self.pillar_deltas().items():
            if before is not None and after is not None and after != before:
                changes.append((after - before, pillar))
        if not changes:
            return text + (" (no pillar changed)" if self.delta == 0 else "")
        changes.sort(key=lambda item: (item[0], item[1].value))
        change, pillar = changes[0] if changes[0][0] < 0 else max(changes, key=lambda item: item[0])
        sign = "+" if change > 0 else "−"
        detail = f"{pillar.value} {sign}{abs(change)}"
        related = self.new_findings if change < 0 else self.fixed_findings
        mine = [finding for finding in related if finding.pillar is pillar]
        if mine:
            finding = mine[0]
            where = f" in {finding.path}" if finding.path else ""
            verb = "" if change < 0 else "fixed: "
            detail += f": {verb}{finding.code} {finding.name}{where}"
        return f"{text} ({detail})"

    def as_dict(self) -> dict[str, Any]:
        from mlready.reporters.json_report import finding_dict

        return {
            "base_ref": self.base_ref,
            "base_score": self.base_score,
            "score": self.score,
            "delta": self.delta,
            "headline": self.headline(),
            "pillars": {
                pillar.value: {
                    "base": before,
                    "score": after,
                    "delta": None if before is None or after is None else after - before,
                }
                for pillar, (before, after) in self.pillar_deltas().items()
            },
            "new_findings": [finding_dict(finding) for finding in self.new_findings],
            "fixed_findings": [finding_dict(finding) for finding in self.fixed_findings],
        }


def compare(base_ref: str, base: Report, head: Report) -> Comparison:
    base_prints = {finding.fingerprint for finding in base.findings}
    head_prints = {finding.fingerprint for finding in head.findings}
    return Comparison(
        base_ref,
        base,
        head,
        [finding for finding in head.findings if finding.fingerprint not in base_prints],
        [finding for finding in base.findings if finding.fingerprint not in head_prints],
    )
