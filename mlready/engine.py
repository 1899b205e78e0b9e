"""The engine: select rules, run them, apply suppressions, fingerprint, score."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from mlready.cache import ResultCache, finding_from_json, finding_to_json
from mlready.config import Settings, matches
from mlready.mltestscore import MLTestScore
from mlready.mltestscore import compute as compute_ml_test_score
from mlready.model import Diagnostic, Finding, Outcome, RuleResult
from mlready.registry import all_rules
from mlready.repo import Repo, SourceFile
from mlready.repo.repo import INDEX_KEY, is_rows, is_str, is_str_list
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
    cache: ResultCache | None = None,
) -> Report:
    """Run `rules` on `repo`. `progress(done, total)` is called as files are analysed.

    With a `cache`, a rule run whose recorded inputs are unchanged is not run again,
    and a whole run over unchanged files is replayed without running any rule.
    """
    ignored = ignored or {}
    repo.all_files  # list the files first, so that listing diagnostics belong to no rule  # noqa: B018
    replayed = None
    if cache is not None:
        repo.known_digests = cache.stamps
        run_key = _run_key(settings, rules)
        digests = {INDEX_KEY: repo.digest(INDEX_KEY), **repo.file_digests()}
        replayed = _replay(repo, cache.lookup_run(run_key, digests))
    if replayed is not None:
        findings, suppressed, skipped = replayed
    else:
        if cache is not None:
            repo.file_memo = cache.file_memo
            repo.result_cache = cache
        findings, suppressed, skipped = _run_rules(repo, settings, rules, progress, cache)
        if cache is not None:
            cache.used_file_memo = repo.file_memo_used
            cache.store_run(run_key, digests, _run_result(repo, findings, suppressed, skipped))
            cache.remember_stamps(repo.stamps, digests)
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
        score=score(results, summaries, has_code=bool(repo.facts.code_files)),
        suppressed=suppressed,
        files_analysed=len(repo.all_files),
        ml_test_score=compute_ml_test_score(results, [type(rule) for rule in rules]),
        anchor_path=_anchor_path(repo),
    )


def _run_rules(
    repo: Repo,
    settings: Settings,
    rules: Sequence[Rule],
    progress: Callable[[int, int], None] | None,
    cache: ResultCache | None,
) -> tuple[list[Finding], int, dict[str, str]]:
    """Every rule's findings (suppressions applied, fingerprinted), the suppressed count, and the skip reasons."""
    raw: dict[str, list[Finding]] = {}
    skipped: dict[str, str] = {}
    python_rules: list[PythonRule] = []
    _prepare(repo, rules)
    # Python rules first: their files are parsed in worker processes while this one runs the other rules,
    # and the self-contained repository rules go to the workers too.
    ordered = [rule for rule in rules if isinstance(rule, PythonRule)] + [rule for rule in rules if not isinstance(rule, PythonRule)]
    alone = [rule for rule in rules if isinstance(rule, RepoRule) and rule.self_contained]
    python_run: _PythonRun | None = None

    def apply(rule: Rule, outcome: Any) -> bool:
        """Record a rule's outcome; whether the rule applies (it neither crashed nor skipped)."""
        if isinstance(outcome, _Crash):
            skipped[rule.code] = outcome.message
            return False
        reason, found = outcome
        if reason:
            skipped[rule.code] = str(reason)
            return False
        raw[rule.code] = list(found)
        return True

    for rule in ordered:
        if python_run is None and not isinstance(rule, PythonRule) and python_rules:
            python_run = _PythonRun(repo, python_rules, cache, progress, alone)
        if python_run is not None and rule.code in python_run.repo_jobs:
            continue
        options = json.dumps(rule.options, sort_keys=True, default=str)
        key = f"rule\0{rule.code}\0{options}"
        outcome = _guard(repo, rule, None, lambda key=key, rule=rule: _cached(repo, cache, key, lambda: _skip_and_check(repo, rule)))
        if not apply(rule, outcome):
            continue
        if isinstance(rule, PythonRule):
            python_rules.append(rule)
        elif isinstance(rule, FileRule):
            for file in repo.files(*rule.kinds):
                if not _triggered(repo, rule, file):
                    continue
                key = f"file\0{rule.code}\0{options}\0{file.path}"
                outcome = _guard(
                    repo,
                    rule,
                    file.path,
                    lambda key=key, rule=rule, file=file: _cached(repo, cache, key, lambda: (None, list(rule.check_file(file, repo)))),
                )
                if not isinstance(outcome, _Crash):
                    raw[rule.code].extend(outcome[1])
    if python_run is None and python_rules:
        python_run = _PythonRun(repo, python_rules, cache, progress)
    if python_run is not None:
        for finding in python_run.results():
            raw[finding.code].append(finding)
        for rule in alone:
            if rule.code in python_run.repo_jobs:
                apply(rule, python_run.repo_outcomes[rule.code])

    findings, suppressed = _suppress(repo, settings, [finding for found in raw.values() for finding in found])
    findings = _fingerprint(repo, findings, {rule.code for rule in rules if isinstance(rule, RepoRule)})
    return findings, suppressed, skipped


def _skip_and_check(repo: Repo, rule: Rule) -> tuple[str | None, list[Finding]]:
    reason = rule.skip_reason(repo)
    if reason or not isinstance(rule, RepoRule):
        return reason, []
    return None, list(rule.check(repo))


def _run_key(settings: Settings, rules: Sequence[Rule]) -> str:
    """What a whole run's result depends on besides the files: the rules, their options, the suppressions."""
    parts = [[rule.code, rule.options] for rule in rules]
    return json.dumps([parts, sorted(settings.per_file_ignores.items())], sort_keys=True, default=str)


def _run_result(repo: Repo, findings: list[Finding], suppressed: int, skipped: dict[str, str]) -> dict[str, Any]:
    return {
        "findings": [[*finding_to_json(finding), finding.fingerprint] for finding in findings],
        "suppressed": suppressed,
        "skipped": skipped,
        "diagnostics": [[item.path, item.message, item.line] for item in repo.diagnostics],
    }


def _replay(repo: Repo, result: dict[str, Any] | None) -> tuple[list[Finding], int, dict[str, str]] | None:
    """A stored run's findings, suppressed count and skips (its diagnostics are raised again)."""
    if result is None:
        return None
    try:
        findings = [replace(finding_from_json(row[:13]), fingerprint=str(row[13])) for row in result["findings"]]
        suppressed, skipped = int(result["suppressed"]), {str(code): str(reason) for code, reason in result["skipped"].items()}
        diagnostics = [(str(path), str(message), line if isinstance(line, int) else None) for path, message, line in result["diagnostics"]]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # a tampered entry is recomputed, never trusted
    for path, message, line in diagnostics:
        repo.diagnose(path, message, line)
    return findings, suppressed, skipped


def _anchor_path(repo: Repo) -> str:
    readme = repo.facts.readme
    if readme is not None:
        return readme.path
    for name in ("pyproject.toml", "setup.py", "requirements.txt"):
        if repo.exists(name):
            return name
    files = repo.all_files
    return files[0].path if files else "."


# -- running rules safely, and once ----------------------------------------------------------


def _cache_hit(repo: Repo, cache: ResultCache | None, key: str) -> tuple[str | None, list[Finding]] | None:
    """The cached result for `key` if nothing it read has changed (its diagnostics are replayed)."""
    if cache is None:
        return None
    entry = cache.lookup(key, repo.digest)
    if entry is None:
        return None
    try:
        found = [finding_from_json(row) for row in entry["findings"]]
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # a tampered entry is recomputed, never trusted
    for path, message, line in entry["diagnostics"]:
        repo.diagnose(str(path), str(message), line if isinstance(line, int) else None)
    return entry["skip"], found


def _cached(
    repo: Repo, cache: ResultCache | None, key: str, run: Callable[[], tuple[str | None, list[Finding]]]
) -> tuple[str | None, list[Finding]]:
    """Run rule code, or reuse the cached result when nothing it read has changed."""
    hit = _cache_hit(repo, cache, key)
    if hit is not None:
        return hit
    with repo.recording() as record:
        reason, found = run()
    if cache is not None:
        deps = {dep: repo.digest(dep) for dep in sorted(record.deps)}
        diagnostics = sorted(set(record.diagnostics), key=Diagnostic.sort_key)
        cache.store(key, deps, found, diagnostics, reason)
    return reason, found



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
    return _wanted(repo, rule, file) and _trigger_matches(repo, rule, file)


def _wanted(repo: Repo, rule: FileRule, file: SourceFile) -> bool:
    return file.kind in rule.kinds and rule.wants(file, repo)


def _trigger_matches(repo: Repo, rule: FileRule, file: SourceFile) -> bool:
    pattern = rule.trigger_pattern()
    return pattern is None or repo.contains(pattern, file.path, code_only=isinstance(rule, PythonRule))


# -- Python rules over many files, in parallel -----------------------------------------------

PARALLEL_MIN_JOBS = 8
_WORKER_STATE: tuple[Repo, dict[str, Rule]] | None = None
_NO_FILE = SourceFile("", 0, "other")


def worker_count() -> int:
    """Processes for the Python rules: $MLREADY_JOBS, else the usable cores (at most 8)."""
    import os
    import sys

    explicit = os.environ.get("MLREADY_JOBS", "")
    if explicit.isdigit() and int(explicit) > 0:
        return int(explicit)
    if sys.platform != "linux":
        return 1  # workers are forked: only where fork is safe and cheap
    return max(1, min(8, len(os.sched_getaffinity(0))))


_MemoChanges = tuple[dict[str, dict[str, Any]], set[str]]


def _repo_job(code: str) -> tuple[Any, list[str], list[Diagnostic], _MemoChanges]:
    """Run one self-contained repository rule (in a worker, or in process); report what it read."""
    assert _WORKER_STATE is not None
    repo, rules_by_code = _WORKER_STATE
    rule = rules_by_code[code]
    with repo.recording() as record:
        outcome = _guard(repo, rule, None, lambda: _skip_and_check(repo, rule))
    return outcome, sorted(record.deps), record.diagnostics, repo.take_memo_changes()


def _python_job(job: tuple[str, tuple[str, ...]]) -> tuple[list[Finding], list[str], list[Diagnostic], int, _MemoChanges]:
    """Run the Python rules `codes` (those that want the file) on one file, in a worker or in process.

    Returns the findings, what was read, the diagnostics, the number of parses and the per-file
    values computed (see Repo.per_file), which a worker hands back to be cached.
    """
    assert _WORKER_STATE is not None
    repo, rules_by_code = _WORKER_STATE
    path, codes = job
    file = repo.file(path)
    before = repo.parse_count
    with repo.recording() as record:
        # The text triggers are checked here, in the workers, where they run in parallel.
        rules = [rule for code in codes if isinstance(rule := rules_by_code[code], PythonRule)]
        triggered = [rule for rule in rules if file and _trigger_matches(repo, rule, file)]
        found = run_python_rules(repo, file, triggered) if file and triggered else []
    return found, sorted(record.deps), record.diagnostics, repo.parse_count - before, repo.take_memo_changes()


# A run that meets at least this many code files not seen before prepares them in the workers first.
PREPARE_MIN_FILES = 300


def _prepare(repo: Repo, rules: Sequence[Rule]) -> None:
    """On a cold run of a large repository, have worker processes compute the per-file values the facts
    and rules read (see facts.prepare_file and RepoRule.prepare_file), a share of the files each; this
    process then finds them remembered. The workers that run the Python rules are forked later, so that
    they inherit these values and the facts computed meanwhile."""
    global _WORKER_STATE
    workers = worker_count()
    code_files = repo.files("python", "notebook")
    if workers <= 1 or len(code_files) < PREPARE_MIN_FILES:
        return
    # Files whose values an earlier run remembered need no preparing (digests are known when there is a cache).
    unseen = [file for file in code_files if repo.digest(file.path) not in repo.file_memo] if repo.file_memo else code_files
    if len(unseen) < PREPARE_MIN_FILES:
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _WORKER_STATE = (repo, {rule.code: rule for rule in rules})
    by_size = sorted(unseen, key=lambda file: -file.stored_size)
    shares = [[file.path for file in by_size[start :: workers * 8]] for start in range(workers * 8)]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for memo, digests in pool.map(_prepare_job, [share for share in shares if share]):
                repo.merge_memo_changes(*memo)
                repo.learn_digests(digests)
    except (_broken_pool(), OSError):
        pass  # what was not handed back is computed here, when needed
    finally:
        _WORKER_STATE = None


def _prepare_job(paths: list[str]) -> tuple[_MemoChanges, dict[str, str]]:
    """Compute the per-file values of some files in a worker; hand them back with the files' digests."""
    from mlready.repo.facts import prepare_file

    assert _WORKER_STATE is not None
    repo, rules_by_code = _WORKER_STATE
    preparers = [prepare_file] + [
        rule.prepare_file for rule in rules_by_code.values() if isinstance(rule, RepoRule) and type(rule).prepare_file is not RepoRule.prepare_file
    ]
    for path in paths:
        file = repo.file(path)
        if file is None:
            continue
        for prepare in preparers:
            try:
                prepare(repo, file)
            except Exception:  # a failure here is met again where the value is used, and reported there
                continue
    return repo.take_memo_changes(), {path: repo.digest(path) for path in paths}


def _python_jobs(jobs: list[tuple[str, tuple[str, ...]]]) -> list[_Result]:
    return [_python_job(job) for job in jobs]


def _broken_pool() -> type[Exception]:
    """The error of a pool whose worker died (imported only once there is a pool: about 15 ms)."""
    from concurrent.futures.process import BrokenProcessPool

    return BrokenProcessPool


_Result = tuple[list[Finding], list[str], list[Diagnostic], int, _MemoChanges]


class _PythonRun:
    """Every Python rule on every file it is triggered by: cached results first, the rest in worker processes.

    The self-contained repository rules (`alone`) are queued first when there are workers. The workers
    start at once; `results()` waits for them, so the caller can run the other rules meanwhile.
    """

    def __init__(
        self,
        repo: Repo,
        rules: Sequence[PythonRule],
        cache: ResultCache | None,
        progress: Callable[[int, int], None] | None,
        alone: Sequence[RepoRule] = (),
    ) -> None:
        global _WORKER_STATE
        self.repo, self.cache, self.progress = repo, cache, progress
        # Self-contained repository rules the workers run (only when there are workers): code -> cache key.
        self.repo_jobs: dict[str, str] = {}
        self.repo_outcomes: dict[str, Any] = {}
        self.repo_futures: list[tuple[str, Any]] = []
        self.code_files = repo.files("python", "notebook")
        self.found: dict[str, list[Finding]] = {}
        self.jobs: list[tuple[str, tuple[str, ...]]] = []
        self.keys: dict[str, str] = {}
        for file in self.code_files:
            wanted = [rule for rule in rules if _wanted(repo, rule, file)]
            if not wanted:
                continue
            signature = "\0".join(f"{rule.code}:{json.dumps(rule.options, sort_keys=True, default=str)}" for rule in wanted)
            self.keys[file.path] = f"python\0{file.path}\0{signature}"
            hit = _cache_hit(repo, cache, self.keys[file.path])
            if hit is not None:
                self.found[file.path] = hit[1]
            else:
                self.jobs.append((file.path, tuple(rule.code for rule in wanted)))
        _WORKER_STATE = (repo, {rule.code: rule for rule in [*rules, *alone]})
        self.pool: Any = None
        self.futures: list[Any] = []
        workers = worker_count()
        if workers > 1 and len(self.jobs) >= PARALLEL_MIN_JOBS:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # Largest files first, a few per task (a task costs a round trip), so that no worker is left with
            # the biggest ones at the end.
            order = sorted(range(len(self.jobs)), key=lambda index: -(repo.file(self.jobs[index][0]) or _NO_FILE).stored_size)
            size = max(1, min(16, len(order) // (workers * 32)))
            tasks = [order[start : start + size] for start in range(0, len(order), size)]
            try:
                self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
                for rule in alone:  # first: each is one long task
                    key = f"rule\0{rule.code}\0{json.dumps(rule.options, sort_keys=True, default=str)}"
                    self.repo_jobs[rule.code] = key
                    hit = _cache_hit(repo, cache, key)
                    if hit is not None:
                        self.repo_outcomes[rule.code] = hit
                    else:
                        self.repo_futures.append((rule.code, self.pool.submit(_repo_job, rule.code)))
                self.futures = [(task, self.pool.submit(_python_jobs, [self.jobs[index] for index in task])) for task in tasks]
            except OSError:
                self._close()

    def _close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool, self.futures, self.repo_futures = None, [], []

    def _collect(self) -> tuple[list[_Result], bool]:
        """The jobs' results in order, and whether they ran in worker processes."""
        if self.futures:
            try:
                ordered: dict[int, _Result] = {}
                for task, future in self.futures:
                    ordered.update(zip(task, future.result(), strict=True))
                    if self.progress is not None:
                        self.progress(len(ordered), len(self.jobs))
                return [ordered[index] for index in range(len(self.jobs))], True
            except (_broken_pool(), OSError):
                pass  # a worker died: run in this process instead
            finally:
                self._close()
        results = []
        for done, job in enumerate(self.jobs, start=1):
            results.append(_python_job(job))
            if self.progress is not None:
                self.progress(done, len(self.jobs))
        return results, False

    def _collect_repo_jobs(self) -> None:
        """The outcomes of the repository rules run in workers (in this process if a worker died)."""
        repo, cache = self.repo, self.cache
        futures = dict(self.repo_futures)
        for code in [code for code in self.repo_jobs if code not in self.repo_outcomes]:
            try:
                outcome, deps, diagnostics, memo = futures[code].result() if code in futures else _repo_job(code)
            except (_broken_pool(), OSError):
                outcome, deps, diagnostics, memo = _repo_job(code)
            repo.merge_memo_changes(*memo)
            for item in diagnostics:
                repo.diagnose(item.path, item.message, item.line)
            if cache is not None and not isinstance(outcome, _Crash):
                unique = sorted(set(diagnostics), key=Diagnostic.sort_key)
                cache.store(self.repo_jobs[code], {dep: repo.digest(dep) for dep in deps}, outcome[1], unique, outcome[0])
            self.repo_outcomes[code] = outcome

    def results(self) -> list[Finding]:
        global _WORKER_STATE
        try:
            self._collect_repo_jobs()
            results, in_workers = self._collect()
        finally:
            _WORKER_STATE = None
        repo, cache = self.repo, self.cache
        for (path, _), (findings, deps, diagnostics, parses, memo) in zip(self.jobs, results, strict=True):
            if in_workers:
                repo.parse_count += parses
            repo.merge_memo_changes(*memo)
            for item in diagnostics:
                repo.diagnose(item.path, item.message, item.line)
            self.found[path] = findings
            if cache is not None:
                unique = sorted(set(diagnostics), key=Diagnostic.sort_key)
                cache.store(self.keys[path], {dep: repo.digest(dep) for dep in deps}, findings, unique, None)
        return [finding for file in self.code_files for finding in self.found.get(file.path, [])]


def run_python_rules(repo: Repo, file: SourceFile, rules: Sequence[PythonRule]) -> list[Finding]:
    """Run Python rules over one file in a single traversal of its `ast` tree."""
    source = repo.python(file.path)
    if source is None:
        return []
    repo.release("python", file.path)  # nothing else reads this tree: keeping every one would grow the heap
    visitors = [type(rule)(rule.options) for rule in rules]
    try:
        for visitor in visitors:
            visitor.start(file, repo, source)
        if visitors:
            _AstWalker(visitors).walk(source.tree)
        for visitor in visitors:
            visitor.finish()
        findings = [finding for visitor in visitors for finding in visitor.findings]
    except RecursionError:
        repo.diagnose(file.path, "Python source nested too deeply for the Python rules: skipped")
        return []
    except Exception as error:  # a bug in a rule must not stop the run
        codes = ", ".join(rule.code for rule in rules)
        repo.diagnose(file.path, f"internal error in Python rules ({codes}): {type(error).__name__}: {str(error)[:200]}")
        return []
    return findings


# Fields that hold only fieldless singletons (expression context, operators).
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
# Nodes with no node below them: not entered at all unless a rule visits them (names and constants are
# about half of all nodes).
_LEAF_NODES = (ast.Name, ast.Constant, ast.alias, ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)


class _AstWalker:
    """Calls each rule's `visit_<Node>` before a node's children and `leave_<Node>` after them.

    `AsyncFunctionDef`, `AsyncFor` and `AsyncWith` nodes go to the `FunctionDef`, `For` and `With` handlers.

    The fieldless singletons (`Load`, `Store`, operators) are not visited: no rule needs them, and
    they are a third of all nodes. Nor are names, constants and the other nodes with no node below
    them, unless a rule has a handler for them.
    """

    def __init__(self, rules: Sequence[PythonRule]) -> None:
        self.visit_by_name: dict[str, list[Callable[[Any], Any]]] = {}
        self.leave_by_name: dict[str, list[Callable[[Any], Any]]] = {}
        for rule in rules:
            for attribute in dir(type(rule)):
                prefix, _, node_name = attribute.partition("_")
                if node_name[:1].isupper() and prefix in ("visit", "leave"):
                    table = self.visit_by_name if prefix == "visit" else self.leave_by_name
                    table.setdefault(node_name, []).append(getattr(rule, attribute))
        self.plans: dict[type, tuple[tuple[Callable[[Any], Any], ...], tuple[Callable[[Any], Any], ...], tuple[str, ...]]] = {}
        handled = set(self.visit_by_name) | set(self.leave_by_name)
        self.skipped = frozenset(node_class for node_class in _LEAF_NODES if node_class.__name__ not in handled)

    def _plan(self, node_class: type) -> tuple[tuple[Callable[[Any], Any], ...], tuple[Callable[[Any], Any], ...], tuple[str, ...]]:
        # `async def`, `async for` and `async with` go to the handlers of their plain forms.
        name = node_class.__name__.removeprefix("Async")
        fields = tuple(field for field in node_class._fields if field not in _LEAF_FIELDS)  # type: ignore[attr-defined]
        if "decorator_list" in fields:  # in source order: decorators come before the def they decorate
            fields = ("decorator_list", *(field for field in fields if field != "decorator_list"))
        plan = (tuple(self.visit_by_name.get(name, ())), tuple(self.leave_by_name.get(name, ())), fields)
        self.plans[node_class] = plan
        return plan

    def walk(self, node: Any) -> None:
        plan = self.plans.get(node.__class__) or self._plan(node.__class__)
        for method in plan[0]:
            method(node)
        skipped = self.skipped
        for field_name in plan[2]:
            value = getattr(node, field_name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST) and item.__class__ not in skipped:
                        self.walk(item)
            elif isinstance(value, ast.AST) and value.__class__ not in skipped:
                self.walk(value)
        for method in plan[1]:
            method(node)


# -- suppressions ---------------------------------------------------------------------


def _suppress(repo: Repo, settings: Settings, findings: Iterable[Finding]) -> tuple[list[Finding], int]:
    per_file = []
    if settings.per_file_ignores:
        import pathspec  # about 20 ms to import: only when there are per-file ignores

        per_file = [(pathspec.GitIgnoreSpec.from_lines([pattern]), codes) for pattern, codes in settings.per_file_ignores.items()]
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
        found = repo.per_file(
            "suppressions", path, partial(_file_directives, repo, path), _is_directives, code_only=False, by_path=True
        ) or [[], []]
        by_line: dict[int, set[str]] = {}
        for row_cell, line, codes in found[1]:
            if row_cell == cell or (file is not None and file.kind != "notebook"):
                by_line.setdefault(line, set()).update(codes)
        cache[key] = Suppressions(set(found[0]), by_line)
    return cache[key]


def _file_directives(repo: Repo, path: str, text: str) -> list[Any]:
    """[file-level codes, [[cell, line, codes], ...]] of a file's suppression comments (remembered per file content)."""
    file = repo.file(path)
    file_level: set[str] = set()
    rows: list[list[Any]] = []
    if file is not None and file.kind == "notebook":
        for index, (cell_type, source) in enumerate(repo.cell_sources(path) or []):
            found = scan(source.split("\n"), comment_above=False)
            if cell_type == "code":
                file_level |= found.file_level
            rows.extend([index, line, sorted(codes)] for line, codes in sorted(found.by_line.items()))
    else:
        found = scan(text.split("\n"), comment_above=file is not None and file.kind != "python")
        file_level = found.file_level
        rows.extend([None, line, sorted(codes)] for line, codes in sorted(found.by_line.items()))
    return [sorted(file_level), rows]


def _is_directives(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and is_str_list(value[0])
        and is_rows(value[1], (int, type(None)), int, list)
        and all(is_str_list(row[2]) for row in value[1])
    )


# -- fingerprints -----------------------------------------------------------------------


def _cell_lines(repo: Repo, path: str, cell: int | None) -> list[str]:
    cells = repo.cell_sources(path) or []
    return cells[cell][1].split("\n") if cell is not None and 0 <= cell < len(cells) else []


def line_text(repo: Repo, path: str | None, cell: int | None, line: int | None) -> str:
    """The stripped text of a line (of a notebook cell), remembered per file content."""
    if path is None or line is None:
        return ""

    def compute(text: str) -> str:
        lines = _cell_lines(repo, path, cell) if cell is not None else text.split("\n")
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    return repo.per_file(f"line:{cell}:{line}", path, compute, is_str, code_only=False) or ""


def _fingerprint(repo: Repo, findings: list[Finding], repo_rule_codes: set[str]) -> list[Finding]:
    """Line-independent fingerprints: code, path, the flagged text and the message.

    The one finding of a repository rule is about the repository: the file it is
    anchored to is only where it is shown, so it is left out of its fingerprint.
    """
    findings = sorted(findings, key=Finding.sort_key)
    per_code: dict[str, int] = {}
    for finding in findings:
        per_code[finding.code] = per_code.get(finding.code, 0) + 1
    seen: dict[str, int] = {}
    result = []
    for finding in findings:
        message = re.sub(r"\d+", "#", finding.message)
        if finding.code in repo_rule_codes and per_code[finding.code] == 1:
            base = "\0".join([finding.code, "(repository)", message])
        else:
            anchor = finding.anchor or line_text(repo, finding.path, finding.cell, finding.line)
            base = "\0".join([finding.code, finding.path or "", anchor, message])
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        digest = hashlib.sha256(f"{base}\0{occurrence}".encode("utf-8", errors="replace")).hexdigest()[:16]
        result.append(replace(finding, fingerprint=digest))
    return result
