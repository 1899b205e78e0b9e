"""Regular expressions made cheap: compiled on first use, and searched only behind literal gates.

Literal gates: the substrings one of which every match of a regular expression must contain.

Python's `re` tries each branch of an alternation at every position of the text,
which costs about half a second per megabyte for the rules' larger patterns,
while `str.__contains__` finds a literal at gigabytes per second. A text that
contains none of a pattern's required literals cannot match, so it is not
searched at all (the idea behind the literal prefilters of ripgrep and
Hyperscan). The gate is derived from the parsed pattern, so it is exact: it
never rejects a text the pattern would match. An alternation's gate is the union of
its branches' literals, or a set that every branch requires (`nan ==|== nan` needs
only `nan`).

Anchors: where a match can start. Each literal of the pattern's leading part
comes with how far before it a match can start (or, after a multi-line `^`
that no line break can follow before the literal, at the start of its line), so
the regex is tried only at those positions (`finditer`, `first_match`, and
`exists`, which stops at the first match found and first asks the gate when its
literals differ from the anchors'). A `lazy_compile` pattern's
`search` and `finditer` work this way on texts of 512 characters or more.
A pattern led by a literal is left to `re`, which already jumps from one
occurrence of its first character to the next.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


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


_DERIVED: dict[tuple[str, str, int], Any] = {}


def _derived(kind: str, pattern: re.Pattern[str], derive: Callable[[re.Pattern[str]], T]) -> T:
    """What `derive` makes of a pattern, computed once per pattern text and flags."""
    key = (kind, pattern.pattern, pattern.flags)
    if key not in _DERIVED:
        _DERIVED[key] = derive(pattern)
    return _DERIVED[key]  # type: ignore[no-any-return,unused-ignore]


def _parsed(pattern: re.Pattern[str]) -> Any:
    """The parsed pattern (parsed once for the gate and the anchors both; read, never changed)."""
    return _derived("parsed", pattern, lambda pattern: _sre_parse.parse(pattern.pattern, pattern.flags))


def gate_for(pattern: re.Pattern[str]) -> Gate | None:
    """The gate of a compiled pattern, or None when no literal is required (memoized)."""
    return _derived("gate", pattern, _derive)


def may_match(pattern: re.Pattern[str], text: str) -> bool:
    """False only when `pattern` cannot match `text` (cheap); True means search to know."""
    gate = gate_for(pattern)
    return gate is None or gate.admits(text)


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)`, skipped when the gate shows there is no match, else tried only where a
    match can start."""
    return first_match(pattern, text) if may_match(pattern, text) else None


def _derive(pattern: re.Pattern[str]) -> Gate | None:
    try:
        parsed = _parsed(pattern)
    except Exception:  # an unusual pattern simply gets no gate
        return None
    state = {"ignore_case": bool(parsed.state.flags & re.IGNORECASE)}
    required = _sequence(_items(parsed), state)
    if not required or min(len(literal) for literal in required) < 2:
        return None  # a single character admits nearly every text: not worth checking
    ignore_case = state["ignore_case"]
    literals = {literal.lower() for literal in required} if ignore_case else set(required)
    return Gate(tuple(sorted(_innermost(literals))), ignore_case)


def _innermost(literals: set[str]) -> set[str]:
    """The literals that contain no other one: a text holding `sklearn.metrics` holds `sklearn`, so
    looking for `sklearn` alone finds every text that holds either."""
    return {literal for literal in literals if not any(other != literal and other in literal for other in literals)}


def _items(sub: Any) -> list[tuple[Any, Any]]:
    """The items of a parsed (sub)pattern: its list itself (iterating a SubPattern calls a Python
    `__getitem__` per item, which made deriving all the rules' gates take twice as long)."""
    return sub.data if isinstance(sub, _sre_parse.SubPattern) else list(sub)


def _strength(candidate: frozenset[str]) -> tuple[int, int]:
    return min(len(literal) for literal in candidate), -len(candidate)


def _sequence(items: list[tuple[Any, Any]], state: dict[str, bool]) -> frozenset[str] | None:
    """The strongest set of literals one of which every match of the sequence contains, or None."""
    return max(_candidates(items, state), key=_strength, default=None)


def _candidates(items: list[tuple[Any, Any]], state: dict[str, bool]) -> list[frozenset[str]]:
    """Sets of literals, one of which every match of the sequence contains (each set on its own)."""
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in items:
        if op is _sre.LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = value
            if add_flags & re.IGNORECASE:
                state["ignore_case"] = True
            found.extend(_candidates(_items(sub), state))
        elif op is _sre.BRANCH:
            found.extend(_branch_candidates([_candidates(_items(branch), state) for branch in value[1]]))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
            minimum, _maximum, sub = value
            if minimum >= 1:
                found.extend(_candidates(_items(sub), state))
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            found.extend(_candidates(_items(value), state))
        elif op is _sre.ASSERT:
            _direction, sub = value
            found.extend(_candidates(_items(sub), state))
        # Anything else (classes, anchors, any char, negative assertions) requires no literal.
    if run:
        found.append(frozenset({"".join(run)}))
    return found


def _branch_candidates(branches: list[list[frozenset[str]]]) -> list[frozenset[str]]:
    """The candidates of an alternation: the union of each branch's strongest set, and each set that
    every branch requires, as such or inside longer literals (`nan ==|== nan` requires `nan`
    whichever side of the comparison it is on)."""
    if not branches or not all(branches):
        return []
    found = [frozenset().union(*(max(branch, key=_strength) for branch in branches))]
    # A set every branch requires covers one of each branch's sets: look among the shortest branch's.
    for candidate in min(branches, key=len):
        if all(any(_covers(candidate, other) for other in branch) for branch in branches):
            found.append(candidate)
    return found


def _covers(candidate: frozenset[str], other: frozenset[str]) -> bool:
    """Whether a text holding one of `other` surely holds one of `candidate`."""
    return all(any(literal in longer for literal in candidate) for longer in other)


# -- anchored search: the regex is tried only where a match can start --------------------------

_UNBOUNDED = 1 << 30
# The lead of a literal in a multi-line `^...` pattern that cannot cross a line break before it:
# the match starts at the start of the literal's line.
_LINE_START = -1


@dataclass(frozen=True)
class Anchors:
    """Literals that every match contains, each with how far before it a match can start.

    Each entry is (literal, lead): a match that contains the literal at position p starts
    between p - lead and p. So the pattern is tried, anchored, only at those positions
    (`pattern.match(text, start)`, which sees the text before `start` as `search` does)
    instead of at every position of the text. A branch whose matches can start any distance
    before its literals (such as `^` followed by `\\s*from`) gets lead _UNBOUNDED: a text holding such a literal is
    searched the usual way.
    """

    literals: tuple[tuple[str, int], ...]
    ignore_case: bool

    def starts(self, text: str, lowered: str | None) -> list[int] | None:
        """Every position where a match may start, sorted; None when positions cannot be found."""
        haystack = text
        if self.ignore_case:
            haystack = lowered if lowered is not None else text.lower()
            if len(haystack) != len(text):
                return None  # a character whose lower case is longer: positions would not line up
        found: set[int] = set()
        for literal, lead in self.literals:
            index = haystack.find(literal)
            if index != -1 and lead >= _UNBOUNDED:
                return None  # a match may start anywhere before this literal: search the usual way
            while index != -1:
                found.update(_starts_around(haystack, index, lead))
                index = haystack.find(literal, index + 1)
        return sorted(found)


def _starts_around(haystack: str, index: int, lead: int) -> Iterable[int]:
    """Where a match can start that holds, at `index`, a literal with this lead."""
    if lead == _LINE_START:
        return (haystack.rfind("\n", 0, index) + 1,)
    return range(max(0, index - lead), index + 1)


def anchors_for(pattern: re.Pattern[str]) -> Anchors | None:
    """The anchors of a pattern, or None when some match could start anywhere (memoized)."""
    return _derived("anchors", pattern, _derive_anchors)


def finditer(pattern: re.Pattern[str], text: str, lowered: str | None = None) -> Iterator[re.Match[str]]:
    """The matches of `pattern.finditer(text)`, found by trying the pattern only where a match can start."""
    anchors = anchors_for(pattern)
    starts = anchors.starts(text, lowered) if anchors is not None else None
    if starts == []:
        return  # no literal a match needs: nothing to compile or try
    compiled = _compiled(pattern)
    if starts is None:
        yield from compiled.finditer(text)
        return
    anchored = compiled.match
    position = 0
    for start in starts:
        if start < position:
            continue
        match = anchored(text, start)
        if match is not None:
            yield match
            position = max(match.end(), start + 1)


def exists(pattern: re.Pattern[str], text: str, lowered: str | None = None) -> bool:
    """Whether `pattern.search(text)` finds a match: the regex is tried only where a match can start,
    and no further than the first match found (in whatever order the literals give)."""
    anchors = anchors_for(pattern)
    if anchors is None:
        gate = gate_for(pattern)
        return (gate is None or gate.admits(text, lowered)) and _compiled(pattern).search(text) is not None
    gate = _distinct_gate(pattern)
    if gate is not None and not gate.admits(text, lowered):
        return False
    compiled = _compiled(pattern)
    haystack = text
    if anchors.ignore_case:
        haystack = lowered if lowered is not None else text.lower()
        if len(haystack) != len(text):
            return compiled.search(text) is not None  # positions would not line up
    tried: set[int] = set()
    for literal, lead in anchors.literals:
        index = haystack.find(literal)
        if index != -1 and lead >= _UNBOUNDED:
            return compiled.search(text) is not None
        while index != -1:
            for start in _starts_around(haystack, index, lead):
                if start not in tried:
                    tried.add(start)
                    if compiled.match(text, start) is not None:
                        return True
            index = haystack.find(literal, index + 1)
    return False


def _compiled(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The compiled pattern (compiling a lazy one only now that a text is to be tried)."""
    return pattern.compiled() if isinstance(pattern, LazyPattern) else pattern


def _distinct_gate(pattern: re.Pattern[str]) -> Gate | None:
    """The gate when it looks for other literals than the anchors (so it may reject a text they would scan)."""
    return _derived("distinct-gate", pattern, _derive_distinct_gate)


def _derive_distinct_gate(pattern: re.Pattern[str]) -> Gate | None:
    gate, anchors = gate_for(pattern), anchors_for(pattern)
    if gate is None or anchors is None:
        return gate
    same = gate.ignore_case == anchors.ignore_case and set(gate.literals) == {literal for literal, _lead in anchors.literals}
    return None if same else gate


def first_match(pattern: re.Pattern[str], text: str, lowered: str | None = None) -> re.Match[str] | None:
    """`pattern.search(text)`, tried only where a match can start."""
    return next(finditer(pattern, text, lowered), None)


def _derive_anchors(pattern: re.Pattern[str]) -> Anchors | None:
    try:
        parsed = _parsed(pattern)
        items = _items(parsed)
        if items and items[0][0] is _sre.LITERAL and not parsed.state.flags & re.IGNORECASE:
            return None  # `re` itself jumps from one occurrence of a leading literal to the next, in C
        state = {"ignore_case": bool(parsed.state.flags & re.IGNORECASE)}
        found = _leading_literals(items, 0, state, parsed.state)
    except Exception:  # an unusual pattern is searched the usual way
        return None
    if not found or min(len(literal) for literal, _lead in found) < 2:
        return None  # a single character would make nearly every position a start
    ignore_case = state["ignore_case"]
    literals = {(literal.lower() if ignore_case else literal, lead) for literal, lead in found}
    return Anchors(tuple(sorted(_fewer_anchors(literals))), ignore_case)


def _fewer_anchors(found: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The anchors with each literal that contains another one (both with plain leads) replaced by the
    one it contains, its lead widened by where it sits: an occurrence of `accuracy_score` inside
    `balanced_accuracy_score` says a match may start up to 9 characters further back."""
    plain = {literal for literal, lead in found if 0 <= lead < _UNBOUNDED}
    innermost = _innermost(plain)
    kept = {(literal, lead) for literal, lead in found if not 0 <= lead < _UNBOUNDED}
    leads: dict[str, int] = {}
    for literal, lead in found:
        if 0 <= lead < _UNBOUNDED:
            inner = literal if literal in innermost else min(other for other in innermost if other in literal)
            leads[inner] = max(leads.get(inner, 0), lead + literal.rfind(inner))
    return kept | set(leads.items())


def _width(item: tuple[Any, Any], sre_state: Any) -> int:
    """The most characters one parsed item can match (_UNBOUNDED when it has no bound)."""
    if item[0] in _ONE_CHARACTER:
        return 1
    high = _sre_parse.SubPattern(sre_state, [item]).getwidth()[1]
    return high if high < _UNBOUNDED else _UNBOUNDED


def _advance(lead: int, item: tuple[Any, Any], sre_state: Any) -> int:
    """The lead after one more item: _LINE_START stays so while the item cannot match a line break."""
    if lead == _LINE_START:
        return _LINE_START if _within_line([item], sre_state.flags) else _UNBOUNDED
    return min(lead + _width(item, sre_state), _UNBOUNDED)


def _leading_literals(items: list[tuple[Any, Any]], lead: int, state: dict[str, bool], sre_state: Any) -> set[tuple[str, int]] | None:
    """(literal, lead) pairs one of which every match of the sequence contains, the first such
    literal of at least two characters met from the left while the width before it is bounded
    (or, after a multi-line `^`, while nothing before it can match a line break)."""
    run: list[str] = []
    run_lead = lead
    for item in items:
        op, value = item
        if op is _sre.LITERAL:
            if not run:
                run_lead = lead
            run.append(chr(value))
            lead = _advance(lead, item, sre_state)
            continue
        if op is _sre.AT and value is _sre.AT_BEGINNING and lead == 0 and sre_state.flags & re.MULTILINE:
            lead = _LINE_START  # a match starts at a line start
            continue
        if op is _sre.SUBPATTERN and value[1] & re.MULTILINE and _items(value[3]) == [(_sre.AT, _sre.AT_BEGINNING)] and lead == 0:
            lead = _LINE_START  # `(?m:^)`: the multi-line `^` of a pattern without the flag
            continue
        if len(run) >= 2:
            return {("".join(run), run_lead)}
        run = []
        found: set[tuple[str, int]] | None = None
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = value
            if add_flags & re.IGNORECASE:
                state["ignore_case"] = True
            found = _leading_literals(_items(sub), lead, state, sre_state)
        elif op is _sre.BRANCH:
            branches = [_leading_literals(_items(branch), lead, state, sre_state) for branch in value[1]]
            if all(branches):
                found = set().union(*branches)  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
            minimum, _maximum, sub = value
            if minimum >= 1:
                found = _leading_literals(_items(sub), lead, state, sre_state)
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            found = _leading_literals(_items(value), lead, state, sre_state)
        if found:
            return found
        lead = _advance(lead, item, sre_state)
        if lead >= _UNBOUNDED:
            required = _sequence(items, state)
            return {(literal, _UNBOUNDED) for literal in required} if required else None
    return {("".join(run), run_lead)} if len(run) >= 2 else None


_NEWLINE = ord("\n")
# Items that match exactly one character.
_ONE_CHARACTER = frozenset({_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN, _sre.CATEGORY, _sre.RANGE})
_NO_NEWLINE_CATEGORIES = frozenset({"CATEGORY_DIGIT", "CATEGORY_NOT_DIGIT_NEWLINE", "CATEGORY_WORD", "CATEGORY_NOT_SPACE"})
_NEWLINE_CATEGORIES = frozenset({"CATEGORY_SPACE", "CATEGORY_NOT_DIGIT", "CATEGORY_NOT_WORD", "CATEGORY_LINEBREAK"})


def _within_line(items: list[tuple[Any, Any]], flags: int) -> bool:
    """Whether the parsed items surely match no line break (False when unsure)."""
    for op, value in items:
        if op is _sre.LITERAL:
            ok = value != _NEWLINE
        elif op is _sre.NOT_LITERAL:
            ok = value == _NEWLINE
        elif op is _sre.ANY:
            ok = not flags & re.DOTALL
        elif op is _sre.IN and value and value[0][0] is _sre.NEGATE:  # such as [^\S\n]: a line break is excluded
            ok = any(
                (kind is _sre.LITERAL and member == _NEWLINE)
                or (kind is _sre.RANGE and member[0] <= _NEWLINE <= member[1])
                or (kind is _sre.CATEGORY and str(member) in _NEWLINE_CATEGORIES)
                for kind, member in value[1:]
            )
        elif op is _sre.IN:
            ok = all(
                (kind is _sre.LITERAL and member != _NEWLINE)
                or (kind is _sre.RANGE and not member[0] <= _NEWLINE <= member[1])
                or (kind is _sre.CATEGORY and str(member) in _NO_NEWLINE_CATEGORIES)
                for kind, member in value
            )
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
            ok = _within_line(_items(value[2]), flags)
        elif op is _sre.SUBPATTERN:
            ok = not value[1] and _within_line(_items(value[3]), flags)  # no inline flags (such as (?s:...))
        elif op is _sre.BRANCH:
            ok = all(_within_line(_items(branch), flags) for branch in value[1])
        else:  # zero-width items consume nothing; anything else (group references ...) is unsure
            ok = op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)
        if not ok:
            return False
    return True


class LazyPattern:
    """A regular expression compiled on first use.

    mlready holds a few hundred module-level patterns, and compiling them all
    at import cost about 0.2 s of every start, though a run replayed from the
    cache uses none of them.
    """

    # The compiled pattern's methods are copied onto the instance once it is compiled, so that
    # later calls (hundreds of thousands in a large repository) skip `__getattr__`.
    _METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")
    __slots__ = ("_compiled", "flags", "pattern", *_METHODS)

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            compiled = re.compile(self.pattern, self.flags)
            for name in self._METHODS:
                setattr(self, name, getattr(compiled, name))
            self._compiled = compiled
            # On a long text, search only where a match can start (see Anchors).
            self.search = partial(_long_text_search, self, compiled.search)
            self.finditer = partial(_long_text_finditer, self, compiled.finditer)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        compiled = self.compiled()
        # The first call of a method goes through here: give the one `compiled()` just set, so that the
        # first search of a long text is anchored too.
        return object.__getattribute__(self, name) if name in self._METHODS else getattr(compiled, name)


# Below this length a plain search beats finding where matches can start.
_LONG_TEXT = 512


def _long_text_search(pattern: LazyPattern, plain: Any, string: str, *args: Any, **kwargs: Any) -> re.Match[str] | None:
    if args or kwargs or len(string) < _LONG_TEXT:
        return plain(string, *args, **kwargs)
    return first_match(pattern, string)  # type: ignore[arg-type]


def _long_text_finditer(pattern: LazyPattern, plain: Any, string: str, *args: Any, **kwargs: Any) -> Iterator[re.Match[str]]:
    if args or kwargs or len(string) < _LONG_TEXT:
        return plain(string, *args, **kwargs)
    return finditer(pattern, string)  # type: ignore[arg-type]


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile`, deferred until the pattern is first used (typed as a Pattern for callers)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
