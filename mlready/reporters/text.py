"""The human-readable report for a terminal."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from mlready import __version__
from mlready.engine import Report
from mlready.model import Severity
from mlready.reporters.common import Context, format_score, location, out_of_100, safe_text
from mlready.rule import Rule

_SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _bar(score: float | None, width: int = 20) -> str:
    if score is None:
        return "·" * width
    filled = round(score / 100 * width)
    return "█" * filled + "░" * (width - filled)


def render(report: Report, context: Context) -> str:
    color, quiet, root_label = context.color, context.quiet, context.root_label

    def style(text: str, **kwargs: object) -> str:
        if not color:
            return text
        import click

        return click.style(text, **kwargs)  # type: ignore[arg-type]

    score = report.score
    lines: list[str] = []
    if not quiet:
        lines.append(f"mlready {__version__}: {safe_text(root_label)}")
        lines.append("")
    level_colour = {"research": "red", "prototype": "yellow", "pilot": "blue", "production": "green"}.get(score.level)
    weakest = ""
    if score.weakest is not None:
        weakest = f" (weakest pillar: {score.weakest.value} {format_score(score.pillars[score.weakest].score)})"
    lines.append(
        style(f"Readiness {out_of_100(score.overall)}", bold=True)
        + "  level: "
        + style(score.level, fg=level_colour, bold=True)
        + weakest
    )
    if report.compare is not None:
        lines.extend(_compare(report, style))
    if quiet:
        return "\n".join(lines + _findings(report, style)) + "\n"
    lines.append(f"  {score.level_text}")
    lines.append("")
    lines.append(style("Pillars", bold=True))
    for pillar, value in score.pillars.items():
        if value.score is None and not pillar.is_core:
            continue
        counts = f"{value.passed} pass"
        if value.partial:
            counts += f", {value.partial} partial"
        counts += f", {value.failed} fail, {value.skipped} skip"
        marker = "*" if pillar.is_core else " "
        lines.append(f" {marker}{pillar.value:<16} {_bar(value.score)} {format_score(value.score):>3}   {counts}")
    lines.append("  (* core pillar)")

    lines.extend(_findings(report, style))
    lines.extend(render_losses(report))
    lines.extend(_fixes(report))
    if context.ml_test_score:
        lines.extend(render_ml_test_score(report))
    if report.diagnostics:
        lines.append("")
        lines.append(style("Diagnostics", bold=True) + " (files not fully analysed)")
        for item in report.diagnostics:
            where = safe_text(item.path) + (f":{item.line}" if item.line else "")
            lines.append(f"  {where}: {safe_text(item.message)}")
    lines.append("")
    per_severity = {severity: 0 for severity in Severity}
    for finding in report.findings:
        per_severity[finding.severity] += 1
    summary = ", ".join(f"{per_severity[severity]} {severity.value}" for severity in Severity)
    tail = f"{len(report.findings)} findings ({summary})"
    if report.suppressed:
        tail += f", {report.suppressed} suppressed"
    if report.baseline is not None:
        tail += f", {report.baseline.hidden} hidden by the baseline"
        if report.baseline.fixed:
            tail += f" ({len(report.baseline.fixed)} baselined now fixed: run `mlready baseline` to shrink it)"
    tail += f"; {report.files_analysed} files."
    lines.append(tail)
    return "\n".join(lines) + "\n"


def _findings(report: Report, style: Callable[..., str]) -> list[str]:
    if not report.findings:
        return []
    lines = ["", style("Findings", bold=True)]
    ordered = sorted(report.findings, key=lambda finding: (finding.path is not None, finding.sort_key()))
    for path, group in groupby(ordered, key=lambda finding: finding.path):
        lines.append("")
        lines.append(style(safe_text(path) if path else "(repository)", underline=True))
        for finding in group:
            code = style(finding.code, fg=_SEVERITY_COLOURS[finding.severity], bold=True)
            partial = " (partial)" if finding.partial else ""
            lines.append(f"  {location(finding)} {code} {finding.name}{partial} {safe_text(finding.message)}")
    return lines


def _compare(report: Report, style: Callable[..., str]) -> list[str]:
    comparison = report.compare
    assert comparison is not None
    lines = [style(f"Against {safe_text(comparison.base_ref)}: {safe_text(comparison.headline())}", bold=True)]
    for label, findings in (("new", comparison.new_findings), ("fixed", comparison.fixed_findings)):
        for finding in findings:
            lines.append(f"  {label}: {location(finding)} {finding.code} {finding.name} {safe_text(finding.message)}")
    lines.append("")
    return lines


def _fixes(report: Report) -> list[str]:
    fixes = report.score.fixes
    if not fixes:
        return []
    lines = ["", "Top fixes (points gained on the overall score)"]
    for number, fix in enumerate(fixes, start=1):
        lines.append(f"  {number}. +{fix.gain:.1f}  {fix.code} {fix.name}: {safe_text(fix.summary)}")
    lines.append("  Run `mlready explain CODE` for how to fix each.")
    return lines


def render_rules(rules: list[type[Rule]]) -> str:
    lines = []
    for rule in rules:
        lines.append(f"{rule.code:<7} {rule.name:<40} {rule.pillar.value:<16} {rule.severity.value:<8} {rule.summary()}")
    return "\n".join(lines) + "\n"


def render_losses(report: Report) -> list[str]:
    """Per pillar: where the points went, and which rule wins them back."""
    lines = ["", "Where points were lost (pillar: points, rule)"]
    any_loss = False
    for pillar, value in report.score.pillars.items():
        if not value.losses:
            continue
        any_loss = True
        names = {result.code: result.name for result in report.results}
        parts = ", ".join(f"-{points:.0f} {code} {names.get(code, '')}" for code, points in value.losses)
        lines.append(f"  {pillar.value}: {parts}")
    return lines if any_loss else []


def render_ml_test_score(report: Report) -> list[str]:
    view = report.ml_test_score
    lines = ["", "ML Test Score (Breck et al. 2017), a static proxy: 1 = automated, 0.5 = documented/manual"]
    for section, total in view.sections.items():
        lines.append(f"  {section}: {total:g} / 7")
        for item in view.tests:
            if item.test.split()[0] != section:
                continue
            if item.points is None:
                shown = "  —  " if item.status == "not statically assessable" else " n/a "
                note = f" ({item.status})"
            else:
                shown = f"{item.points:^5g}"
                note = f" [{', '.join(item.rules)}]"
            lines.append(f"    {shown} {item.test:<10} {item.title}{note}")
    lines.append(f"  Final (minimum of the sections): {view.final:g}: {view.band}")
    return lines
