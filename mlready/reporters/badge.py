"""A shields.io endpoint badge: https://img.shields.io/endpoint?url=<this JSON>."""

from __future__ import annotations

import json

from mlready.engine import Report
from mlready.reporters.common import Context, round_score

COLOURS = {"research": "red", "prototype": "orange", "pilot": "yellowgreen", "production": "brightgreen"}


def render(report: Report, context: Context) -> str:
    score = report.score
    document = {
        "schemaVersion": 1,
        "label": "ml readiness",
        "message": f"{round_score(score.overall)}/100 {score.level}",
        "color": COLOURS[score.level],
    }
    return json.dumps(document) + "\n"
