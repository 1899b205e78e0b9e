#!/usr/bin/env python3
"""Run mlready over a set of real repositories and tabulate every rule's findings.

Usage:
    python survey/survey.py /path/to/repos/owner+name ... [--judgements survey/judgements.json]
                            [--out survey/SURVEY.md] [--findings survey/findings.jsonl]

Each argument is a checked-out repository (a folder name like `owner+name` or
`name`). The script runs `mlready check --format json` on each, in a subprocess,
and writes:
- a Markdown table: per repository, score, level, run time; per rule, findings
  on the survey and how many were judged false positives (from the judgements file);
- optionally, one JSON line per finding, for reading them all.

The judgements file maps "repo-name fingerprint" to {"verdict": "false"|"true", "why": "..."}.
Nothing here reads or runs the repositories' code: mlready only parses it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path


def run_mlready(repo: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mlready", "check", str(repo), "--format", "json", "--exit-zero", "--no-color"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"mlready failed on {repo}: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--judgements", type=Path, default=Path(__file__).with_name("judgements.json"))
    parser.add_argument("--out", type=Path, help="write the Markdown table here (default: stdout)")
    parser.add_argument("--findings", type=Path, help="write every finding as JSON lines here")
    args = parser.parse_args()

    judgements: dict[str, dict[str, str]] = {}
    if args.judgements.is_file():
        judgements = json.loads(args.judgements.read_text())

    per_rule: Counter[str] = Counter()
    false_per_rule: Counter[str] = Counter()
    judged_per_rule: Counter[str] = Counter()
    rule_names: dict[str, str] = {}
    repo_rows = []
    finding_lines = []
    for repo in args.repos:
        name = repo.resolve().name
        report, elapsed = run_mlready(repo)
        for rule in report["rules"]:
            rule_names[rule["code"]] = rule["name"]
        for finding in report["findings"]:
            per_rule[finding["code"]] += 1
            verdict = judgements.get(f"{name} {finding['fingerprint']}", {}).get("verdict")
            if verdict is not None:
                judged_per_rule[finding["code"]] += 1
            if verdict == "false":
                false_per_rule[finding["code"]] += 1
            finding_lines.append(json.dumps({"repo": name, "verdict": verdict, **finding}))
        repo_rows.append(
            f"| {name} | {report['score']} | {report['level']} | {report['files']} | {len(report['findings'])} | {elapsed:.2f} s |"
        )

    lines = ["## Repositories", "", "| repository | score | level | files | findings | time |", "|---|---|---|---|---|---|"]
    lines.extend(repo_rows)
    lines += ["", "## Findings per rule", "", "| rule | name | findings | judged | judged false | false % |", "|---|---|---|---|---|---|"]
    for code in sorted(rule_names):
        total = per_rule[code]
        false = false_per_rule[code]
        rate = f"{100 * false / total:.0f}%" if total else "–"
        lines.append(f"| {code} | {rule_names[code]} | {total} | {judged_per_rule[code]} | {false} | {rate} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    if args.findings:
        args.findings.write_text("\n".join(finding_lines) + "\n")


if __name__ == "__main__":
    main()
