"""The versioned JSON report. Bump SCHEMA_VERSION on any incompatible change."""

from __future__ import annotations

import json
from typing import Any

from mlready import __version__
from mlready.engine import Report
from mlready.model import Finding
from mlready.reporters.common import Context, round_score

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "pillar": finding.pillar.value,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "cell": finding.cell,
        "message": finding.message,
        "fingerprint": finding.fingerprint,
    }


def report_dict(report: Report) -> dict[str, Any]:
    score = report.score
    return {
        "schema_version": SCHEMA_VERSION,
        "mlready_version": __version__,
        "score": None if score.overall is None else round_score(score.overall),
        "level": score.level,
        "weakest_pillar": score.weakest.value if score.weakest else None,
        "pillars": {
            pillar.value: {
                "score": None if value.score is None else round_score(value.score),
                "passed": value.passed,
                "partial": value.partial,
                "failed": value.failed,
                "skipped": value.skipped,
                "lost": [{"code": code, "points": round(points, 1)} for code, points in value.losses],
            }
            for pillar, value in score.pillars.items()
        },
        "rules": [
            {
                "code": result.code,
                "name": result.name,
                "pillar": result.pillar.value,
                "severity": result.severity.value,
                "outcome": result.outcome.value,
                **({"reason": result.reason} if result.reason else {}),
            }
            for result in report.results
        ],
        "findings": [finding_dict(finding) for finding in report.findings],
        "top_fixes": [
            {"code": fix.code, "name": fix.name, "gain": round(fix.gain, 1), "summary": fix.summary}
            for fix in score.fixes
        ],
        "diagnostics": [
            {"path": item.path, "line": item.line, "message": item.message} for item in report.diagnostics
        ],
        "ml_test_score": ml_test_score_dict(report),
        **({"compare": report.compare.as_dict()} if report.compare is not None else {}),
        **(
            {"baseline": {"path": report.baseline.path, "hidden": report.baseline.hidden, "fixed": report.baseline.fixed}}
            if report.baseline is not None
            else {}
        ),
        "suppressed": report.suppressed,
        "files": report.files_analysed,
    }


def ml_test_score_dict(report: Report) -> dict[str, Any]:
    view = report.ml_test_score
    return {
        "final": view.final,
        "band": view.band,
        "sections": view.sections,
        "tests": [
            {"test": item.test, "title": item.title, "points": item.points, "status": item.status, "rules": item.rules}
            for item in view.tests
        ],
    }


def render(report: Report, context: Context | None = None) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=True) + "\n"
