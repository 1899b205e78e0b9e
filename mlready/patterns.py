"""Regular expressions made cheap: compiled on first use, and searched only behind literal gates.

Literal gates: the substrings one of which every match of a regular expression must contain.

Python's `re` tries each branch of an alternation at every position of the text,
which costs about half a second per megabyte for the rules' larger patterns,
while `str.__contains__` finds a literal at gigabytes per second. A text that
contains none of a pattern's required literals cannot match, so it is not
searched at all (the idea behind the literal prefilters of ripgrep and
Hyperscan). The gate is derived from the parsed pattern, so it is exact: it
never rejects a text the pattern would match.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any


def _sre_modules() -> tuple[Any, Any]:
    """The regex parser and its constants (`re._parser` since Python 3.11, `sre_parse` before)."""
    try:
        return importlib.import_module("re._parser"), importlib.import_module("re._constants")
    except ImportError:  # pragma: no cover - Python 3.10
        return importlib.import_module("sre_parse"), importlib.import_module("sre_constants")


_sre_parse, _sre = _sre_modules()


@dataclass(frozen=True)
class Gate:
    """Literals one of which a match must contain; compare lower-cased when `ignore_case`."""

    literals: tuple[str, ...]
    ignore_case: bool

    def admits(self, text: str, lowered: str | None = None) -> bool:
        if self.ignore_case:
            haystack = lowered if lowered is not None else text.lower()
            return any(literal in haystack for literal in self.literals)
        return any(literal in text for literal in self.literals)


_GATES: dict[tuple[str, int], Gate | None] = {}


def gate_for(pattern: re.Pattern[str]) -> Gate | None:
    """The gate of a compiled pattern, or None when no literal is required (memoized)."""
    key = (pattern.pattern, pattern.flags)
    if key not in _GATES:
        _GATES[key] = _derive(pattern)
    return _GATES[key]


def may_match(pattern: re.Pattern[str], text: str) -> bool:
    """False only when `pattern` cannot match `text` (cheap); True means search to know."""
    gate = gate_for(pattern)
    return gate is None or gate.admits(text)


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)`, skipped when the gate shows there is no match."""
    return pattern.search(text) if may_match(pattern, text) else None


def _derive(pattern: re.Pattern[str]) -> Gate | None:
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # an unusual pattern simply gets no gate
        return None
    state = {"ignore_case": bool(parsed.state.flags & re.IGNORECASE)}
    required = _sequence(list(parsed), state)
    if not required or min(len(literal) for literal in required) < 2:
        return None  # a single character admits nearly every text: not worth checking
    ignore_case = state["ignore_case"]
    literals = sorted({literal.lower() for literal in required} if ignore_case else required)
    return Gate(tuple(literals), ignore_case)


def _strength(candidate: frozenset[str]) -> tuple[int, int]:
    return min(len(literal) for literal in candidate), -len(candidate)


def _sequence(items: list[tuple[Any, Any]], state: dict[str, bool]) -> frozenset[str] | None:
    """The strongest set of literals one of which every match of the sequence contains, or None."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or _strength(candidate) > _strength(best)):
            best = candidate

    for op, value in items:
        if op is _sre.LITERAL:
            run.append(chr(value))
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = value
            if add_flags & re.IGNORECASE:
                state["ignore_case"] = True
            consider(_sequence(list(sub), state))
        elif op is _sre.BRANCH:
            branches = [_sequence(list(branch), state) for branch in value[1]]
            if all(branches):
                consider(frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
            minimum, _maximum, sub = value
            if minimum >= 1:
                consider(_sequence(list(sub), state))
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            consider(_sequence(list(value), state))
        elif op is _sre.ASSERT:
            _direction, sub = value
            consider(_sequence(list(sub), state))
        # Anything else (classes, anchors, any char, negative assertions) requires no literal.
    if run:
        consider(frozenset({"".join(run)}))
    return best


class LazyPattern:
    """A regular expression compiled on first use.

    mlready holds a few hundred module-level patterns, and compiling them all
    at import cost about 0.2 s of every start, though a run replayed from the
    cache uses none of them.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile`, deferred until the pattern is first used (typed as a Pattern for callers)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
