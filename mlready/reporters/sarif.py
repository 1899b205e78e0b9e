"""SARIF 2.1.0, as GitHub code scanning ingests it."""

from __future__ import annotations

import json
from typing import Any

from mlready import __version__
from mlready.docs import sections
from mlready.engine import Report
from mlready.model import Severity
from mlready.reporters.common import Context, anchor_path, disk_line

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: Report, context: Context) -> str:
    rules = sorted(context.rules, key=lambda rule: rule.code)
    index = {rule.code: position for position, rule in enumerate(rules)}
    descriptors = []
    for rule in rules:
        parts = sections(rule)
        help_text = parts.get("How to fix", rule.summary())
        descriptors.append(
            {
                "id": rule.code,
                "name": "".join(word.capitalize() for word in rule.name.split("-")),
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": " ".join(parts.get("What it checks", rule.summary()).split())},
                "help": {"text": help_text, "markdown": f"**How to fix.** {help_text}"},
                "helpUri": f"{context.help_base}{rule.code}.md",
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"tags": ["mlready", rule.pillar.value], "pillar": rule.pillar.value, "kebab-name": rule.name},
            }
        )
    results = []
    for finding in report.findings:
        region: dict[str, Any] = {"startLine": disk_line(finding, context)}
        if finding.column is not None and finding.cell is None:
            region["startColumn"] = finding.column
            if finding.end_line is not None and finding.end_column is not None:
                region["endLine"] = finding.end_line
                region["endColumn"] = finding.end_column
        message = finding.message
        if finding.cell is not None:
            message = f"{message} (cell {finding.cell}, line {finding.line})"
        if finding.path is None:
            message = f"{message} (repository-level finding)"
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": LEVELS[finding.severity],
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": anchor_path(finding, report), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {"mlready/v1": finding.fingerprint},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlready",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/mlready/mlready",
                        "rules": descriptors,
                    }
                },
                "automationDetails": {"id": "mlready/"},
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The analysed repository's root."}}},
                "results": results,
                "properties": {"score": report.score.overall, "level": report.score.level},
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"
