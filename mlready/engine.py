"""The engine: select rules, run them, apply suppressions, fingerprint, score."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlready.config import Settings, matches
from mlready.mltestscore import MLTestScore
from mlready.mltestscore import compute as compute_ml_test_score
from mlready.model import Diagnostic, Finding, Outcome, RuleResult
from mlready.registry import all_rules
from mlready.repo import Repo, SourceFile
from mlready.rule import FileRule, PythonRule, RepoRule, Rule
from mlready.scoring import Score, score
from mlready.suppression import Suppressions, scan

if TYPE_CHECKING:
    from mlready.baseline import BaselineResult
    from mlready.compare import Comparison


@dataclass
class Report:
    root: str
    results: list[RuleResult]
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    score: Score
    suppressed: int
    files_analysed: int
    ml_test_score: MLTestScore
    # The file repository-level findings are anchored to where a consumer needs a file (SARIF, annotations).
    anchor_path: str = "."
    # Set by `check --compare REF` and `check --baseline FILE`.
    compare: Comparison | None = None
    baseline: BaselineResult | None = None

    def rule(self, code: str) -> RuleResult:
        return next(result for result in self.results if result.code == code)


def select_rules(settings: Settings, available: Sequence[type[Rule]] | None = None) -> tuple[list[Rule], dict[str, str]]:
    """The rules to run, instantiated with their options, and the ignored ones with reasons."""
    rules: list[Rule] = []
    ignored: dict[str, str] = {}
    for rule_class in available if available is not None else all_rules():
        code, name = rule_class.code, rule_class.name
        if not any(matches(selector, code, name) for selector in settings.select):
            continue
        reasons = [reason for selector, reason in settings.ignore.items() if matches(selector, code, name)]
        if reasons:
            ignored[code] = reasons[0] or "ignored in configuration"
            continue
        rules.append(rule_class(settings.rule_options.get(code)))
    return rules, ignored


def analyse(
    repo: Repo,
    settings: Settings,
    rules: Sequence[Rule],
    ignored: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run `rules` on `repo`. `progress(done, total)` is called as files are analysed."""
    ignored = ignored or {}
    raw: dict[str, list[Finding]] = {}
    skipped: dict[str, str] = {}
    python_rules: list[PythonRule] = []
    for rule in rules:
        reason = _guard(repo, rule, None, lambda rule=rule: rule.skip_reason(repo))
        if isinstance(reason, _Crash):
            skipped[rule.code] = reason.message
            continue
        if reason:
            skipped[rule.code] = str(reason)
            continue
        raw[rule.code] = []
        if isinstance(rule, PythonRule):
            python_rules.append(rule)
        elif isinstance(rule, RepoRule):
            found = _guard(repo, rule, None, lambda rule=rule: list(rule.check(repo)))
            if isinstance(found, _Crash):
                skipped[rule.code] = found.message
                del raw[rule.code]
            else:
                raw[rule.code].extend(found)
        elif isinstance(rule, FileRule):
            for file in repo.files(*rule.kinds):
                if not _triggered(repo, rule, file):
                    continue
                found = _guard(repo, rule, file.path, lambda rule=rule, file=file: list(rule.check_file(file, repo)))
                if not isinstance(found, _Crash):
                    raw[rule.code].extend(found)
    if python_rules:
        code_files = repo.files("python", "notebook")
        for done, file in enumerate(code_files, start=1):
            if progress is not None:
                progress(done, len(code_files))
            wanted = [rule for rule in python_rules if _triggered(repo, rule, file)]
            if wanted:
                for finding in run_python_rules(repo, file, wanted):
                    raw[finding.code].append(finding)

    findings, suppressed = _suppress(repo, settings, [finding for found in raw.values() for finding in found])
    findings = _fingerprint(repo, findings)
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)

    results = []
    for rule in rules:
        mine = by_code.get(rule.code, [])
        if rule.code in skipped:
            outcome, reason = Outcome.SKIP, skipped[rule.code]
        elif not mine:
            outcome, reason = Outcome.PASS, ""
        elif all(finding.partial for finding in mine):
            outcome, reason = Outcome.PARTIAL, ""
        else:
            outcome, reason = Outcome.FAIL, ""
        results.append(RuleResult(rule.code, rule.name, rule.pillar, rule.severity, outcome, mine, reason))
    for rule_class in all_rules():
        if rule_class.code in ignored:
            results.append(
                RuleResult(
                    rule_class.code,
                    rule_class.name,
                    rule_class.pillar,
                    rule_class.severity,
                    Outcome.SKIP,
                    [],
                    f"ignored: {ignored[rule_class.code]}",
                )
            )
    results.sort(key=lambda result: result.code)
    summaries = {rule.code: rule.summary() for rule in rules}
    return Report(
        root="",
        results=results,
        findings=findings,
        diagnostics=repo.diagnostics,
        score=score(results, summaries),
        suppressed=suppressed,
        files_analysed=len(repo.all_files),
        ml_test_score=compute_ml_test_score(results, [type(rule) for rule in rules]),
        anchor_path=_anchor_path(repo),
    )


def _anchor_path(repo: Repo) -> str:
    readme = repo.facts.readme
    if readme is not None:
        return readme.path
    for name in ("pyproject.toml", "setup.py", "requirements.txt"):
        if repo.exists(name):
            return name
    files = repo.all_files
    return files[0].path if files else "."


# -- running rules safely ----------------------------------------------------------------


@dataclass
class _Crash:
    message: str


def _guard(repo: Repo, rule: Rule, path: str | None, call: Any) -> Any:
    """Run rule code; an exception becomes a diagnostic, never a traceback."""
    try:
        return call()
    except RecursionError:
        message = f"{rule.code} skipped: input nested too deeply"
    except Exception as error:  # a bug in a rule must not stop the run
        message = f"internal error in rule {rule.code} ({type(error).__name__}: {str(error)[:200]})"
    repo.diagnose(path or ".", message)
    return _Crash(message)


def _triggered(repo: Repo, rule: FileRule, file: SourceFile) -> bool:
    if not rule.wants(file, repo):
        return False
    pattern = rule.trigger_pattern()
    if pattern is None:
        return True
    text = repo.code_text(file.path) if isinstance(rule, PythonRule) else repo.text(file.path)
    return bool(text) and pattern.search(text) is not None  # type: ignore[arg-type]


_VISITOR_CLASSES: dict[type[PythonRule], type] = {}


_NO_DEFAULT = object()


class LazyMetadata:
    """libcst metadata for one module, resolved only when a rule first asks for it.

    Positions cost about as much as parsing, and most files produce no finding,
    so nothing is resolved up front.
    """

    def __init__(self, module: Any) -> None:
        from libcst.metadata import MetadataWrapper

        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.resolved: dict[Any, Any] = {}

    def get(self, provider: Any, node: Any, default: Any = _NO_DEFAULT) -> Any:
        if provider not in self.resolved:
            self.resolved[provider] = self.wrapper.resolve(provider)
        mapping = self.resolved[provider]
        if node in mapping:
            return mapping[node]
        if default is _NO_DEFAULT:
            raise KeyError(f"no {provider.__name__} metadata for {type(node).__name__}")
        return default


def _visitor_class(rule_class: type[PythonRule]) -> type:
    """The rule class mixed with libcst's BatchableCSTVisitor (built once, lazily)."""
    visitor = _VISITOR_CLASSES.get(rule_class)
    if visitor is None:
        import libcst

        def __init__(self: Any, options: dict[str, Any]) -> None:
            libcst.BatchableCSTVisitor.__init__(self)
            rule_class.__init__(self, options)

        def get_metadata(self: Any, key: Any, node: Any, default: Any = _NO_DEFAULT) -> Any:
            return self.lazy_metadata.get(key, node, default)

        visitor = type(
            f"{rule_class.__name__}Visitor",
            (rule_class, libcst.BatchableCSTVisitor),
            {"__init__": __init__, "get_metadata": get_metadata, "METADATA_DEPENDENCIES": ()},
        )
        _VISITOR_CLASSES[rule_class] = visitor
    return visitor


def run_python_rules(repo: Repo, file: SourceFile, rules: Sequence[PythonRule]) -> list[Finding]:
    """Run Python rules over one file in a single batched libcst traversal."""
    source = repo.python(file.path)
    if source is None:
        return []
    from libcst import visit_batched

    visitors = [_visitor_class(type(rule))(rule.options) for rule in rules]
    lazy = LazyMetadata(source.module)
    for visitor in visitors:
        visitor.lazy_metadata = lazy
        visitor.start(file, repo, source)
    try:
        visit_batched(source.module, visitors)
        for visitor in visitors:
            visitor.finish()
    except RecursionError:
        repo.diagnose(file.path, "Python source nested too deeply for the Python rules: skipped")
        return []
    except Exception as error:  # a bug in a rule must not stop the run
        codes = ", ".join(rule.code for rule in rules)
        repo.diagnose(file.path, f"internal error in Python rules ({codes}): {type(error).__name__}: {str(error)[:200]}")
        return []
    return [finding for visitor in visitors for finding in visitor.findings]


# -- suppressions ---------------------------------------------------------------------


def _suppress(repo: Repo, settings: Settings, findings: Iterable[Finding]) -> tuple[list[Finding], int]:
    import pathspec

    per_file = [
        (pathspec.GitIgnoreSpec.from_lines([pattern]), codes) for pattern, codes in settings.per_file_ignores.items()
    ]
    cache: dict[tuple[str, int | None], Suppressions] = {}
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        if finding.path is not None:
            if any(
                spec.match_file(finding.path) and any(matches(code, finding.code, finding.name) for code in codes)
                for spec, codes in per_file
            ):
                suppressed += 1
                continue
            directives = _suppressions(repo, finding.path, finding.cell, cache)
            if directives.suppresses(finding.line, finding.code, finding.name):
                suppressed += 1
                continue
        kept.append(finding)
    return kept, suppressed


def _suppressions(
    repo: Repo, path: str, cell: int | None, cache: dict[tuple[str, int | None], Suppressions]
) -> Suppressions:
    key = (path, cell)
    if key not in cache:
        file = repo.file(path)
        if file is not None and file.kind == "notebook":
            notebook = repo.notebook(path)
            cells = notebook.code_cells if notebook else []
            file_level: set[str] = set()
            for code_cell in cells:
                file_level |= scan(code_cell.lines, comment_above=False).file_level
            own = next((code_cell for code_cell in cells if code_cell.index == cell), None)
            result = scan(own.lines, comment_above=False) if own else Suppressions()
            result.file_level |= file_level
            cache[key] = result
        else:
            comment_above = file is not None and file.kind != "python"
            cache[key] = scan(repo.lines(path), comment_above=comment_above)
    return cache[key]


# -- fingerprints -----------------------------------------------------------------------


def line_text(repo: Repo, path: str | None, cell: int | None, line: int | None) -> str:
    if path is None or line is None:
        return ""
    if cell is not None:
        notebook = repo.notebook(path)
        if notebook is None:
            return ""
        own = next((item for item in notebook.cells if item.index == cell), None)
        lines = own.lines if own else []
    else:
        lines = repo.lines(path)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _fingerprint(repo: Repo, findings: list[Finding]) -> list[Finding]:
    """Line-independent fingerprints: code, path, the flagged text and the message."""
    findings = sorted(findings, key=Finding.sort_key)
    seen: dict[str, int] = {}
    result = []
    for finding in findings:
        anchor = finding.anchor or line_text(repo, finding.path, finding.cell, finding.line)
        message = re.sub(r"\d+", "#", finding.message)
        base = "\0".join([finding.code, finding.path or "", anchor, message])
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        digest = hashlib.sha256(f"{base}\0{occurrence}".encode("utf-8", errors="replace")).hexdigest()[:16]
        result.append(replace(finding, fingerprint=digest))
    return result
