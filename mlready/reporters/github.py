"""GitHub Actions workflow commands (annotations), escaped, plus the step summary.

File names and messages are attacker-controlled. Workflow-command data escapes
`%`, CR and LF; property values also escape `:` and `,`. Nothing a repository
contains can end the command early or start a new one.
"""

from __future__ import annotations

import os

from mlready.engine import Report
from mlready.model import Severity
from mlready.reporters.common import Context, anchor_path, disk_line, out_of_100, safe_text

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Workflow-command escaping, then any other control character made visible."""
    return safe_text(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, context: Context) -> str:
    lines = []
    for finding in report.findings:
        properties = [f"file={escape_property(anchor_path(finding, report))}"]
        if finding.path is not None:
            properties.append(f"line={disk_line(finding, context)}")
            if finding.column is not None and finding.cell is None:
                properties.append(f"col={finding.column}")
        properties.append(f"title={escape_property(f'{finding.code} {finding.name}')}")
        message = finding.message if finding.cell is None else f"{finding.message} (cell {finding.cell}, line {finding.line})"
        lines.append(f"::{COMMANDS[finding.severity]} {','.join(properties)}::{escape_data(message)}")
    score = report.score
    lines.append(f"::notice title=mlready::{escape_data(f'Readiness {out_of_100(score.overall)}, level {score.level}')}")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        from mlready.reporters.markdown import render as render_markdown

        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(render_markdown(report, context))
    return "\n".join(lines) + "\n"
