"""A shields.io endpoint badge: https://img.shields.io/endpoint?url=<this JSON>."""

from __future__ import annotations

import json

from mlready.engine import Report
from mlready.reporters.common import Context, out_of_100

COLOURS = {"research": "red", "prototype": "orange", "pilot": "yellowgreen", "production": "brightgreen", "n/a": "lightgrey"}


def render(report: Report, context: Context) -> str:
    score = report.score
    document = {
        "schemaVersion": 1,
        "label": "ml readiness",
        "message": f"{out_of_100(score.overall)} {score.level}" if score.overall is not None else "n/a",
        "color": COLOURS[score.level],
    }
    return json.dumps(document) + "\n"
