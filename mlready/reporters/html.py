"""One self-contained HTML page: a score gauge, per-pillar charts (inline SVG),
findings with code excerpts, and the documentation of the rules that fired.

No script, no external resource (a Content-Security-Policy forbids both), and
every piece of repository text is HTML-escaped.
"""

from __future__ import annotations

import math
from html import escape

from mlready import __version__
from mlready.docs import sections
from mlready.engine import Report
from mlready.model import Finding
from mlready.reporters.common import Context, format_score, location, out_of_100, safe_text

COLOURS = {"research": "#c62828", "prototype": "#ef6c00", "pilot": "#9e9d24", "production": "#2e7d32", "n/a": "#9e9e9e"}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem} h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.top{display:flex;gap:2rem;align-items:center;flex-wrap:wrap}
.finding{border:1px solid #e0e0e0;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.error{border-left:5px solid #c62828}.warning{border-left:5px solid #ef6c00}.info{border-left:5px solid #1565c0}
.loc{font-family:ui-monospace,monospace;font-size:.9rem;color:#555}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.85rem;margin:.4rem 0}
.hl{background:#fff3cd;display:block}
table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
.muted{color:#777} code{font-family:ui-monospace,monospace}
"""


def e(text: str) -> str:
    return escape(safe_text(text), quote=True)


def gauge(score: float | None, level: str) -> str:
    angle = math.pi * (1 - max(0.0, min(100.0, score or 0.0)) / 100)
    x, y = 100 + 80 * math.cos(angle), 100 - 80 * math.sin(angle)
    large = 0
    return (
        '<svg width="220" height="130" viewBox="0 0 200 120" role="img" aria-label="readiness score">'
        '<path d="M20 100 A80 80 0 0 1 180 100" fill="none" stroke="#eee" stroke-width="18"/>'
        f'<path d="M20 100 A80 80 0 {large} 1 {x:.1f} {y:.1f}" fill="none" stroke="{COLOURS[level]}" stroke-width="18"/>'
        f'<text x="100" y="95" font-size="34" text-anchor="middle" font-weight="bold">{format_score(score)}</text>'
        f'<text x="100" y="115" font-size="13" text-anchor="middle">{e(level)}</text></svg>'
    )


def pillar_chart(report: Report) -> str:
    rows = [(pillar, value) for pillar, value in report.score.pillars.items() if value.score is not None or pillar.is_core]
    height = 26 * len(rows) + 10
    parts = [f'<svg width="520" height="{height}" role="img" aria-label="pillar scores">']
    for index, (pillar, value) in enumerate(rows):
        y = 8 + 26 * index
        width = 0 if value.score is None else 3 * value.score
        colour = "#2e7d32" if (value.score or 0) >= 80 else "#9e9d24" if (value.score or 0) >= 55 else "#ef6c00" if (value.score or 0) >= 30 else "#c62828"
        parts.append(f'<text x="0" y="{y + 14}" font-size="13">{e(pillar.value)}{" *" if pillar.is_core else ""}</text>')
        parts.append(f'<rect x="140" y="{y}" width="300" height="18" fill="#eee"/>')
        parts.append(f'<rect x="140" y="{y}" width="{width:.0f}" height="18" fill="{colour}"/>')
        parts.append(f'<text x="450" y="{y + 14}" font-size="13">{format_score(value.score)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def excerpt(finding: Finding, context: Context) -> str:
    """A few lines around the finding, with anything secret-looking masked."""
    from mlready.rules.security import redact

    if context.repo is None or finding.path is None or finding.line is None:
        return ""
    if finding.name == "secret-in-repo":
        return '<p class="muted">(excerpt hidden: it holds a secret)</p>'
    if finding.cell is not None:
        notebook = context.repo.notebook(finding.path)
        cell = next((item for item in notebook.cells if item.index == finding.cell), None) if notebook else None
        lines = cell.lines if cell else []
    else:
        lines = context.repo.lines(finding.path)
    if not lines:
        return ""
    first, last = max(1, finding.line - 2), min(len(lines), finding.line + 2)
    rendered = []
    for number in range(first, last + 1):
        text = e(f"{number:>5}  {redact(lines[number - 1][:300])}")
        rendered.append(f'<span class="hl">{text}</span>' if number == finding.line else text + "\n")
    return "<pre>" + "".join(rendered) + "</pre>"


def render(report: Report, context: Context) -> str:
    score = report.score
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>mlready report: {e(context.root_label)}</title><style>{STYLE}</style></head><body>",
        f"<h1>mlready readiness report <span class=\"muted\">{e(context.root_label)}</span></h1>",
        '<div class="top">',
        gauge(score.overall, score.level),
        f"<div><p><strong>Readiness {out_of_100(score.overall)}</strong>, level <strong>{e(score.level)}</strong>: {e(score.level_text)}.</p>",
    ]
    if score.weakest is not None:
        out.append(f"<p>Weakest pillar: <strong>{e(score.weakest.value)}</strong>, which sets the level.</p>")
    out.append("</div></div>")
    out.append("<h2>Pillars</h2>" + pillar_chart(report) + '<p class="muted">* core pillar</p>')
    if score.fixes:
        out.append("<h2>Top fixes</h2><ol>")
        for fix in score.fixes:
            out.append(f"<li><strong>+{fix.gain:.1f}</strong> <code>{e(fix.code)}</code> {e(fix.name)}: {e(fix.summary)}</li>")
        out.append("</ol>")
    out.append(f"<h2>Findings ({len(report.findings)})</h2>")
    for finding in report.findings:
        out.append(
            f'<div class="finding {finding.severity.value}"><div class="loc">{e(location(finding))}</div>'
            f"<div><code>{e(finding.code)}</code> <strong>{e(finding.name)}</strong> ({e(finding.severity.value)}, "
            f"{e(finding.pillar.value)}): {e(finding.message)}</div>{excerpt(finding, context)}</div>"
        )
    fired = sorted({finding.code for finding in report.findings})
    if fired:
        out.append("<h2>Rules that fired</h2>")
        for code in fired:
            rule = context.rule(code)
            if rule is None:
                continue
            parts = sections(rule)
            out.append(f"<details><summary><code>{e(rule.code)}</code> {e(rule.name)}: {e(rule.summary())}</summary>")
            for heading, text in parts.items():
                out.append(f"<h4>{e(heading)}</h4><p>{e(text)}</p>")
            out.append("</details>")
    if report.diagnostics:
        out.append("<h2>Diagnostics</h2><ul>")
        for item in report.diagnostics:
            out.append(f"<li><code>{e(item.path)}</code>: {e(item.message)}</li>")
        out.append("</ul>")
    out.append("<h2>All rules</h2><table><tr><th>rule</th><th>pillar</th><th>outcome</th></tr>")
    for result in report.results:
        out.append(
            f"<tr><td><code>{e(result.code)}</code> {e(result.name)}</td><td>{e(result.pillar.value)}</td>"
            f"<td>{e(result.outcome.value)}{(': ' + e(result.reason)) if result.reason else ''}</td></tr>"
        )
    out.append(f'</table><p class="muted">Generated by mlready {e(__version__)}.</p></body></html>')
    return "\n".join(out) + "\n"
