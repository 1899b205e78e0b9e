"""The result cache: reused only when nothing a rule read has changed; never trusted when broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlready.cache import CACHE_FORMAT, ResultCache
from mlready.cli import main
from mlready.config import Settings
from mlready.engine import analyse, select_rules
from mlready.repo import Repo, WorkTreeSource
from mlready.reporters.json_report import render
from mlready.rule import RepoRule, notebook

from helpers import write_tree

PROJECT = {
    "README.md": "# churn\n",
    "requirements.txt": "scikit-learn>=1.0\npyyaml\n",
    "train.py": (
        "import yaml\nfrom sklearn.model_selection import train_test_split\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "cfg = yaml.load(open('c.yml'))\nX_train, X_test, y_train, y_test = train_test_split(X, y)\n"
        "RandomForestClassifier().fit(X_train, y_train)\n"
    ),
    "serve.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('model.joblib')\n",
    "explore.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('/home/me/x.csv')", outputs=True, counts=[2]),
}


def run(root: Path, cache_dir: Path | None) -> tuple[str, Repo, ResultCache | None]:
    rules, ignored = select_rules(Settings())
    repo = Repo(WorkTreeSource(root))
    cache = ResultCache(cache_dir, str(root)) if cache_dir is not None else None
    report = analyse(repo, Settings(), rules, ignored, cache=cache)
    if cache is not None:
        cache.save()
    return render(report), repo, cache


def test_warm_run_parses_nothing_and_matches(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", PROJECT)
    cold, cold_repo, _ = run(root, tmp_path / "cache")
    assert cold_repo.parse_count > 0
    warm, warm_repo, cache = run(root, tmp_path / "cache")
    assert warm == cold
    assert warm_repo.parse_count == 0
    assert cache is not None and cache.run_hits == 1  # the whole run is replayed: no rule runs
    assert run(root, None)[0] == cold


def age(root: Path, seconds: int = 60) -> None:
    """Set every file's modification time in the past (a stamp written seconds ago is not trusted)."""
    import os
    import time

    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(time.time_ns() - seconds * 10**9,) * 2)


def test_unchanged_files_are_not_read_again(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", PROJECT)
    age(root)
    _, cold_repo, _ = run(root, tmp_path / "cache")
    assert cold_repo.read_count >= len(PROJECT)
    _, warm_repo, _ = run(root, tmp_path / "cache")
    assert warm_repo.read_count == 0  # size, mtime and inode unchanged: digests come from the stamps
    (root / "serve.py").write_text(PROJECT["serve.py"].replace("model.joblib", "model-v2.joblib"))
    edited, edited_repo, cache = run(root, tmp_path / "cache")
    assert 1 <= edited_repo.read_count < cold_repo.read_count
    assert cache is not None and cache.run_hits == 0 and cache.hits > 0
    assert edited == run(root, None)[0]


def test_recently_modified_files_are_always_read(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", PROJECT)  # just written: within the racy window
    run(root, tmp_path / "cache")
    _, warm_repo, _ = run(root, tmp_path / "cache")
    assert warm_repo.read_count >= len(PROJECT)


def test_editing_one_file_reruns_only_what_read_it(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", PROJECT)
    run(root, tmp_path / "cache")
    (root / "train.py").write_text(PROJECT["train.py"].replace("yaml.load(open('c.yml'))", "yaml.safe_load(open('c.yml'))"))
    warm, repo, _ = run(root, tmp_path / "cache")
    cold_parses = run(root, None)[1].parse_count
    assert repo.parse_count < cold_parses  # only what read train.py runs again
    assert warm == run(root, None)[0]
    assert "yaml-unsafe-load" not in {finding["name"] for finding in json.loads(warm)["findings"]}


def test_adding_a_file_invalidates_rules_that_listed_files(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", PROJECT)
    first, _, _ = run(root, tmp_path / "cache")
    assert '"code": "TST001"' in first and json.loads(first)["rules"]
    write_tree(root, {"tests/test_train.py": "def test_x():\n    assert True\n"})
    warm, _, _ = run(root, tmp_path / "cache")
    assert warm == run(root, None)[0]
    outcome = {rule["code"]: rule["outcome"] for rule in json.loads(warm)["rules"]}
    assert outcome["TST001"] == "pass"


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "{not json",
        lambda text: json.dumps({"format": CACHE_FORMAT, "scope": "someone else's", "entries": {}}),
        lambda text: text.replace('"warning"', '"catastrophic"'),
        lambda text: json.dumps({"format": CACHE_FORMAT, "scope": json.loads(text)["scope"], "entries": {"x": {"depset": 3}}}),
        lambda text: json.dumps(_retype_file_memo(json.loads(text))),
    ],
    ids=["corrupt", "foreign", "tampered-entry", "malformed", "retyped-file-values"],
)
@pytest.mark.parametrize("which", ["entries", "run"])
def test_broken_cache_is_ignored_not_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str], damage, which: str) -> None:  # type: ignore[no-untyped-def]
    root = write_tree(tmp_path / "repo", PROJECT)
    age(root)
    expected, _, cache = run(root, tmp_path / "cache")
    assert cache is not None
    if which == "run":
        document = json.loads(cache.run_path.read_text())
        document["runs"] = {key: {**run, "result": {**run["result"], "findings": [["x"]]}} for key, run in document["runs"].items()}
        cache.run_path.write_text(damage(json.dumps(document)))
    else:
        cache.run_path.unlink()  # the entries file alone decides
        cache.path.write_text(damage(cache.path.read_text()))
    capsys.readouterr()
    again, _, _ = run(root, tmp_path / "cache")
    assert again == expected
    warned = capsys.readouterr().err
    assert "ignoring" in warned or "catastrophic" not in again


def _retype_file_memo(document: dict) -> dict:  # type: ignore[type-arg]
    """Every value remembered per file replaced by one of the wrong type (each must be recomputed)."""
    if "file_memo" in document:
        document["file_memo"] = {digest: {name: 42 for name in values} for digest, values in document["file_memo"].items()}
    return document


def test_cache_lives_outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path / "repo", PROJECT)
    before = sorted(str(path) for path in root.rglob("*"))
    monkeypatch.setenv("MLREADY_CACHE_DIR", str(tmp_path / "user-cache"))
    assert CliRunner().invoke(main, ["check", str(root), "--exit-zero"]).exit_code == 0
    assert sorted(str(path) for path in root.rglob("*")) == before
    written = sorted(path.name for path in (tmp_path / "user-cache").iterdir())
    assert "CACHEDIR.TAG" in written and ".gitignore" in written and any(name.endswith(".json") for name in written)
    monkeypatch.setenv("MLREADY_CACHE_DIR", str(tmp_path / "unused"))
    assert CliRunner().invoke(main, ["check", str(root), "--exit-zero", "--no-cache"]).exit_code == 0
    assert not (tmp_path / "unused").exists()


def test_a_subset_of_rules_replays_the_right_diagnostics(tmp_path: Path) -> None:
    """A cache filled by all rules must not lose (or add) diagnostics when fewer rules run."""
    root = write_tree(tmp_path / "repo", {**PROJECT, ".github/workflows/ci.yml": "on: [push\n", "pyproject.toml": "[project\n"})

    def subset(cache_dir: Path | None) -> str:
        settings = Settings(select=["SEC", "MOD", "DEP"])
        rules, ignored = select_rules(settings)
        cache = ResultCache(cache_dir, str(root)) if cache_dir is not None else None
        report = analyse(Repo(WorkTreeSource(root)), settings, rules, ignored, cache=cache)
        if cache is not None:
            cache.save()
        return render(report)

    run(root, tmp_path / "cache")  # every rule fills the cache
    assert subset(tmp_path / "cache") == subset(None)
    assert subset(tmp_path / "cache") == subset(None)


def test_parallel_workers_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"pkg/train_{index}.py": PROJECT["train.py"] for index in range(12)}
    root = write_tree(tmp_path / "repo", {**PROJECT, **files})
    monkeypatch.setenv("MLREADY_JOBS", "1")
    sequential, repo_one, _ = run(root, None)
    monkeypatch.setenv("MLREADY_JOBS", "2")
    parallel, repo_two, _ = run(root, None)
    assert parallel == sequential
    # Workers' parses are counted; the main process may parse a file a worker also parses (they overlap).
    assert repo_two.parse_count >= repo_one.parse_count > 12
    assert json.loads(parallel)["findings"]


def test_a_rule_run_in_a_worker_is_cached_like_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SEC001 is self-contained: with workers it runs in one, and its result and reads come back to the cache."""
    files = {f"pkg/train_{index}.py": PROJECT["train.py"] for index in range(12)}
    secret = {"settings.py": 'API_KEY = "sk-Zq8hV3kTQf0pLx7WmN2bR9cYd"\n'}  # a fake key, made up for this test
    root = write_tree(tmp_path / "repo", {**PROJECT, **files, **secret})
    monkeypatch.setenv("MLREADY_JOBS", "1")
    sequential, _, _ = run(root, None)
    monkeypatch.setenv("MLREADY_JOBS", "2")
    parallel, _, cache = run(root, tmp_path / "cache")
    assert parallel == sequential
    assert "SEC001" in {finding["code"] for finding in json.loads(parallel)["findings"]}
    assert cache is not None and any(key.startswith("rule\0SEC001\0") for key in cache.entries)
    (root / "README.md").write_text("# churn, edited\n")  # not a run replay: the entries decide
    again, _, cache = run(root, tmp_path / "cache")
    assert again == run(root, None)[0]
    assert cache is not None and cache.run_hits == 0 and cache.hits > 0


def _rule_entries(cache: ResultCache) -> dict[str, list[str]]:
    """Each repository rule's cached dependency keys, by rule code."""
    return {key.split("\0")[1]: cache.depsets[entry["depset"]] for key, entry in cache.entries.items() if key.startswith("rule\0")}


def test_an_edit_that_leaves_the_facts_alone_reruns_no_rule_that_read_only_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Early cutoff: a rule depends on the facts' values, not on every file the facts read."""
    from mlready.registry import find_rule
    from mlready.repo.repo import FACT_PREFIX, SIZE_PREFIX

    root = write_tree(tmp_path / "repo", PROJECT)
    age(root)
    _, _, cache = run(root, tmp_path / "cache")
    assert cache is not None
    fact_readers = sorted(
        code
        for code, keys in _rule_entries(cache).items()
        if keys and all(key.startswith("\0") and key != SIZE_PREFIX + "train.py" for key in keys)
        and any(key.startswith(FACT_PREFIX) for key in keys)
        and issubclass(find_rule(code), RepoRule)  # type: ignore[arg-type]
    )
    assert len(fact_readers) >= 5, fact_readers
    called: list[str] = []
    for code in fact_readers:
        rule_class = find_rule(code)
        assert rule_class is not None
        for method in ("skip_reason", "check"):
            original = getattr(rule_class, method)
            monkeypatch.setattr(rule_class, method, lambda self, repo, _original=original, _code=code: called.append(_code) or _original(self, repo))

    (root / "train.py").write_text(PROJECT["train.py"] + "# tuned on the March data\n")  # no fact changes
    edited, _, cache = run(root, tmp_path / "cache")
    assert called == []
    assert edited == run(root, None)[0]

    (root / "train.py").write_text(PROJECT["train.py"].replace("from sklearn.ensemble import RandomForestClassifier\n", ""))
    changed, _, _ = run(root, tmp_path / "cache")  # a fact did change (what train.py imports): its readers run
    assert called
    assert changed == run(root, None)[0]


def test_after_an_edit_unchanged_code_is_not_read_again(tmp_path: Path) -> None:
    """Per-file values (regex answers and matches, imports, secret scans) are remembered per file content."""
    modules = {f"pkg/step_{index}.py": f"import numpy as np\n\ndef step_{index}(x):\n    return np.log1p(x) * {index}\n" for index in range(20)}
    root = write_tree(tmp_path / "repo", {**PROJECT, **modules})
    age(root)
    run(root, tmp_path / "cache")
    (root / "serve.py").write_text(PROJECT["serve.py"].replace("model.joblib", "model-v2.joblib"))
    edited, repo, cache = run(root, tmp_path / "cache")
    assert "serve.py" in repo.read_paths
    assert not {path for path in repo.read_paths if path.startswith("pkg/")}, sorted(repo.read_paths)
    assert cache is not None and cache.run_hits == 0
    assert edited == run(root, None)[0]


def test_values_computed_in_workers_come_back_to_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"pkg/train_{index}.py": PROJECT["train.py"].replace("c.yml", f"c{index}.yml") for index in range(12)}
    root = write_tree(tmp_path / "repo", {**PROJECT, **files})
    age(root)
    monkeypatch.setenv("MLREADY_JOBS", "2")
    _, cold_repo, cache = run(root, tmp_path / "cache")
    assert cache is not None
    memo = cache.file_memo
    for path in files:  # the secret scan (SEC001) and the text triggers ran in the workers
        values = memo[cold_repo.digest(path)]
        assert any(name.startswith("SEC001:") for name in values), sorted(values)
    (root / "README.md").write_text("# churn, edited\n")
    again, repo, _ = run(root, tmp_path / "cache")
    assert not {path for path in repo.read_paths if path.startswith("pkg/")}, sorted(repo.read_paths)
    assert again == run(root, None)[0]


def test_a_cold_run_of_a_large_repository_prepares_files_in_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """300+ unseen code files: the workers compute the per-file values the facts read (imports here),
    a share of the files each, and this process computes none of them; the report is the same."""
    import os

    import mlready.repo.facts as facts
    from mlready.engine import PREPARE_MIN_FILES

    files = {f"pkg/step_{index}.py": f"import numpy\nfrom pkg import step_{max(index - 1, 0)}\n" for index in range(PREPARE_MIN_FILES)}
    root = write_tree(tmp_path / "repo", {**PROJECT, **files})
    monkeypatch.setenv("MLREADY_JOBS", "1")
    sequential, _, _ = run(root, None)
    calls = tmp_path / "calls.txt"
    scan = facts._top_level_imports

    def recorded(text: str) -> list[str] | None:
        with calls.open("a") as log:
            log.write(f"{os.getpid()}\n")
        return scan(text)

    monkeypatch.setattr(facts, "_top_level_imports", recorded)
    monkeypatch.setenv("MLREADY_JOBS", "2")
    parallel, _, _ = run(root, None)
    assert parallel == sequential
    scanned_by = calls.read_text().split()
    assert len(scanned_by) >= len(files)
    assert str(os.getpid()) not in scanned_by


def test_documents_are_parsed_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documentation index comes back from the per-file values of an earlier run: no document or
    markdown cell is parsed again, and the index is the same."""
    import mlready.rules.documentation as documentation

    docs = {
        "docs/guide.md": "# Guide\n\n## Intended use\n\nChurn scoring.\n\n```\n# not a heading\n```\n",
        "notes.ipynb": notebook(("markdown", "# Exploration\n\nSome prose."), "x = 1"),
    }
    root = write_tree(tmp_path / "repo", {**PROJECT, **docs})
    run(root, tmp_path / "cache")
    cold = documentation.DocIndex(Repo(WorkTreeSource(root))).docs

    def parse_again(*args: object) -> None:
        raise AssertionError("a document was parsed again")

    monkeypatch.setattr(documentation, "_parse_doc", parse_again)
    repo = Repo(WorkTreeSource(root))
    repo.file_memo = ResultCache(tmp_path / "cache", str(root)).file_memo
    warm = documentation.DocIndex(repo).docs
    assert warm == cold
    assert {(doc.path, doc.cell) for doc in warm} >= {("docs/guide.md", None), ("notes.ipynb", 0)}
    headings = [heading.text for doc in warm for heading in doc.headings]
    assert {"guide", "intended use", "exploration"} <= set(headings)
    assert "not a heading" not in headings  # a code block is not prose


def test_saving_deletes_cache_files_no_run_wrote_for_30_days(tmp_path: Path) -> None:
    import os
    import time

    from mlready.cache import STALE_AFTER

    root = write_tree(tmp_path / "repo", PROJECT)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    old, recent = cache_dir / "v2-0123456789abcdef01234567.run.json", cache_dir / "v3-aaaaaaaaaaaaaaaaaaaaaaaa.json"
    old_temporary = cache_dir / "v3-aaaaaaaaaaaaaaaaaaaaaaaa.json.77.tmp"
    unrelated = cache_dir / "v1-notes.json"  # not a name mlready writes: never deleted
    for path in (old, recent, old_temporary, unrelated):
        path.write_text("{}", encoding="utf-8")
    long_ago = time.time() - STALE_AFTER - 60
    for path in (old, old_temporary, unrelated):
        os.utime(path, (long_ago, long_ago))
    os.utime(recent, (time.time() - STALE_AFTER + 3600,) * 2)
    _, _, cache = run(root, cache_dir)
    assert cache is not None and cache.path.exists() and cache.run_path.exists()
    assert not old.exists() and not old_temporary.exists()
    assert recent.exists() and unrelated.exists()  # still in use; not a cache file


def test_a_replayed_run_keeps_its_cache_files_alive(tmp_path: Path) -> None:
    """A run served whole from the cache writes nothing, but marks its files as used, so that pruning keeps them."""
    import os
    import time

    from mlready.cache import STALE_AFTER

    root = write_tree(tmp_path / "repo", PROJECT)
    age(root)
    _, _, cache = run(root, tmp_path / "cache")
    assert cache is not None
    long_ago = time.time() - STALE_AFTER + 3600
    for path in (cache.path, cache.run_path):
        os.utime(path, (long_ago, long_ago))
    _, _, replayed = run(root, tmp_path / "cache")
    assert replayed is not None and replayed.run_hits == 1
    assert all(time.time() - path.stat().st_mtime < 60 for path in (cache.path, cache.run_path))
