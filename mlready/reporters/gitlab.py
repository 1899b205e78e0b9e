"""GitLab Code Quality report (a JSON array of issues)."""

from __future__ import annotations

import json

from mlready.engine import Report
from mlready.model import Severity
from mlready.reporters.common import Context, anchor_path, disk_line

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "minor"}


def render(report: Report, context: Context) -> str:
    issues = []
    for finding in report.findings:
        description = f"{finding.code} {finding.name}: {finding.message}"
        if finding.cell is not None:
            description += f" (cell {finding.cell}, line {finding.line})"
        issues.append(
            {
                "type": "issue",
                "description": description,
                "check_name": f"{finding.code} {finding.name}",
                "categories": ["mlready", finding.pillar.value],
                "fingerprint": finding.fingerprint,
                "severity": SEVERITIES[finding.severity],
                "location": {
                    "path": anchor_path(finding, report),
                    "lines": {"begin": disk_line(finding, context) if finding.path else 1},
                },
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=True) + "\n"
