"""JUnit XML: one test case per rule (pass, fail or skipped), grouped by pillar."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from mlready.engine import Report
from mlready.model import Outcome
from mlready.reporters.common import Context, location, safe_text


def _xml_text(text: str) -> str:
    """Escape for XML and drop characters XML 1.0 cannot carry."""
    cleaned = "".join(char for char in safe_text(text) if char in "\t\n" or ord(char) >= 0x20)
    return escape(cleaned)


def render(report: Report, context: Context) -> str:
    by_pillar: dict[str, list[str]] = {}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for result in report.results:
        case = f'    <testcase classname={quoteattr("mlready." + result.pillar.value)} name={quoteattr(f"{result.code} {result.name}")}'
        body = ""
        if result.outcome in (Outcome.FAIL, Outcome.PARTIAL):
            lines = [f"{location(finding)} {finding.message}" for finding in result.findings]
            kind = "partial" if result.outcome is Outcome.PARTIAL else result.severity.value
            body = (
                f"\n      <failure message={quoteattr(_xml_text(f'{len(result.findings)} finding(s)'))} type={quoteattr(kind)}>"
                f"{_xml_text(chr(10).join(lines))}</failure>\n    "
            )
            totals["failures"] += 1
        elif result.outcome is Outcome.SKIP:
            body = f"\n      <skipped message={quoteattr(_xml_text(result.reason or 'does not apply'))}/>\n    "
            totals["skipped"] += 1
        totals["tests"] += 1
        by_pillar.setdefault(result.pillar.value, []).append(case + (f">{body}</testcase>" if body else "/>"))
    suites = []
    for pillar, cases in by_pillar.items():
        mine = [result for result in report.results if result.pillar.value == pillar]
        failures = sum(result.outcome in (Outcome.FAIL, Outcome.PARTIAL) for result in mine)
        skipped = sum(result.outcome is Outcome.SKIP for result in mine)
        suites.append(
            f'  <testsuite name={quoteattr("mlready." + pillar)} tests="{len(mine)}" failures="{failures}" errors="0" skipped="{skipped}">\n'
            + "\n".join(cases)
            + "\n  </testsuite>"
        )
    header = (
        f'<testsuites name="mlready" tests="{totals["tests"]}" failures="{totals["failures"]}" errors="0" '
        f'skipped="{totals["skipped"]}">'
    )
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + header + "\n" + "\n".join(suites) + "\n</testsuites>\n"
