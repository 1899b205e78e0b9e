#!/usr/bin/env python3
"""Summarise a py-spy profile of one mlready run (collapsed stacks, `--format raw`).

    py-spy record -r 50 --format raw -o cold.collapsed -- \\
        python -m mlready check REPO --format json -o /dev/null --exit-zero
    python bench/profile_summary.py cold.collapsed [--top 25]

Prints: the functions with the most self time, mlready's functions by inclusive
time, time per rule class (the outermost rule frame of each sample), and the
phases of the engine (parsing, visiting, metadata, repository rules).
Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys

LINE_NUMBER = re.compile(r":\d+\)$")
RULE_FRAME = re.compile(r"([A-Z]\w+)\.\S+ \((?:.*/)?mlready/rules/(\w+)\.py")

# Frames that mark a phase; a sample counts in the first phase, in this order, whose frame it holds.
PHASES = [
    ("parse Python (ast)", "parse_python (mlready/parsers/python.py)"),
    ("walk Python rules (ast)", "_AstWalker.walk (mlready/engine.py)"),
    ("text triggers", "_trigger_matches (mlready/engine.py)"),
    ("repository / file rules", "skip_and_check (mlready/engine.py)"),
    ("notebooks", "parse_notebook (mlready/parsers/notebook.py)"),
    ("file listing", "Repo.all_files (mlready/repo/repo.py)"),
]


def short(frame: str) -> str:
    frame = LINE_NUMBER.sub(")", frame)
    # keep paths from the package folder on: ".../site-packages/click/x.py" -> "click/x.py"
    return re.sub(r"\((?:[^()]*/)?((?:mlready|click)/[^()]*)\)$", r"(\1)", frame)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", help="py-spy raw (collapsed) output")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    rows = []
    total = 0
    with open(args.profile, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            rows.append(([short(f) for f in stack.split(";")], int(count)))
            total += int(count)
    if not total:
        print("no samples", file=sys.stderr)
        return 1

    own = collections.Counter()
    inclusive = collections.Counter()
    rules = collections.Counter()
    phases = collections.Counter()
    for frames, count in rows:
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        for frame in frames:
            match = RULE_FRAME.match(frame)
            if match:
                rules[f"{match.group(2)}.{match.group(1)}"] += count
                break
        for phase, marker in PHASES:
            if marker in frames:
                phases[phase] += count
                break
        else:
            phases["other (start-up, imports, report, cache)"] += count

    def show(title: str, counter: collections.Counter, keep=lambda key: True) -> None:
        print(f"\n## {title}\n")
        shown = 0
        for key, count in counter.most_common():
            if keep(key):
                print(f"{100 * count / total:5.1f}%  {key}")
                shown += 1
                if shown >= args.top:
                    break

    print(f"{total} samples")
    show("phases (each sample in the first phase that matches)", phases)
    show("self time", own)
    show("mlready functions, inclusive", inclusive, lambda key: "mlready/" in key)
    show("rules (outermost rule frame)", rules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
