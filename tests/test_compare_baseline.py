"""`--compare REF` on a real temporary git history, and baselines."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mlready.cli import main
from mlready.config import Settings
from mlready.engine import analyse
from mlready.repo import GitTreeSource, Repo
from mlready.rule import notebook

from helpers import git

SELECT = ("--select", "MOD001", "--select", "MOD002", "--select", "MOD003")
CLEAN_NB = notebook("from pkg.model import train\ntrain()")
DIRTY_NB = notebook("from pkg.model import train\ntrain()", outputs=True)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file() and ".git" not in path.parts}


def history(make_repo) -> Path:  # type: ignore[no-untyped-def]
    root = make_repo({"explore.ipynb": CLEAN_NB, "pkg/model.py": "def train():\n    return 1\n"}, use_git=True)
    (root / "explore.ipynb").write_text(DIRTY_NB)  # the change under review: outputs committed
    (root / "scratch.ipynb").write_text(notebook("a = 1", "b = 2", counts=[2, 1]))
    return root


def test_git_tree_source_reads_the_ref_not_the_work_tree(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = history(make_repo)
    source = GitTreeSource(root, "HEAD")
    try:
        repo = Repo(source)
        assert [file.path for file in repo.all_files] == ["explore.ipynb", "pkg/model.py"]
        assert repo.text("explore.ipynb") == CLEAN_NB
    finally:
        source.close()


def test_compare_reports_delta_new_and_fixed(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = history(make_repo)
    before = snapshot(root)
    status = git(root, "status", "--porcelain")
    code, out = invoke("check", str(root), *SELECT, "--compare", "HEAD", "--format", "json")
    assert code == 0
    data = json.loads(out)["compare"]
    assert data["base_ref"] == "HEAD" and data["base_score"] == 100
    assert data["score"] < 100 and data["delta"] == data["score"] - 100
    assert data["pillars"]["modularity"]["delta"] < 0
    assert sorted(finding["code"] for finding in data["new_findings"]) == ["MOD002", "MOD003"]
    assert data["fixed_findings"] == []
    assert data["headline"].startswith("readiness 100 → ") and "modularity −" in data["headline"]
    assert snapshot(root) == before and git(root, "status", "--porcelain") == status

    code, out = invoke("check", str(root), *SELECT, "--compare", "HEAD", "--fail-on-regression")
    assert code == 1
    assert "Against HEAD: readiness 100 →" in out and "new: explore.ipynb:cell 0:1:1 MOD002" in out


def test_compare_sees_fixes(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = history(make_repo)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "regress")
    (root / "explore.ipynb").write_text(CLEAN_NB)
    code, out = invoke("check", str(root), *SELECT, "--compare", "HEAD", "--format", "json", "--fail-on-regression")
    data = json.loads(out)["compare"]
    assert code == 0
    assert [finding["code"] for finding in data["fixed_findings"]] == ["MOD002"]
    assert data["delta"] > 0


def test_compare_rejects_unknown_ref(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = history(make_repo)
    assert invoke("check", str(root), "--compare", "no-such-branch")[0] == 2
    assert invoke("check", str(root), "--compare", "--upload-pack=evil")[0] == 2
    assert invoke("check", str(root), "--fail-on-regression")[0] == 2


def test_baseline_hides_known_and_reports_fixed(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = history(make_repo)
    (root / "mlready.toml").write_text("select = ['MOD001', 'MOD002', 'MOD003']\n")
    baseline_file = tmp_path / "baseline.json"
    code, out = invoke("baseline", str(root), "-o", str(baseline_file))
    assert code == 0 and "wrote" in out
    entries = json.loads(baseline_file.read_text())["findings"]
    assert sorted(entry["code"] for entry in entries) == ["MOD002", "MOD003"]

    code, out = invoke("check", str(root), *SELECT, "--baseline", str(baseline_file), "--fail-on", "warning", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["findings"] == [] and data["baseline"]["hidden"] == 2

    (root / "scratch.ipynb").unlink()  # fixes the MOD003 finding
    (root / "new.ipynb").write_text(notebook("c = 3", outputs=True))
    code, out = invoke("check", str(root), *SELECT, "--baseline", str(baseline_file), "--fail-on", "warning", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [(finding["code"], finding["path"]) for finding in data["findings"]] == [("MOD002", "new.ipynb")]
    assert [entry["code"] for entry in data["baseline"]["fixed"]] == ["MOD003"]


def test_baseline_from_config_and_bad_baseline(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = history(make_repo)
    (root / "mlready.toml").write_text("baseline = 'known.json'\nselect = ['MOD001', 'MOD002', 'MOD003']\nfail-on = 'warning'\n")
    assert invoke("baseline", str(root))[0] == 0
    assert (root / "known.json").is_file()
    assert invoke("check", str(root))[0] == 0
    (root / "known.json").write_text("{not json")
    code, out = invoke("check", str(root))
    assert code == 2 and "baseline" in out


def test_base_tree_analysis_matches_a_checkout(make_repo) -> None:  # type: ignore[no-untyped-def]
    from mlready.engine import select_rules
    from mlready.repo import WorkTreeSource

    root = history(make_repo)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    rules, _ = select_rules(Settings())
    source = GitTreeSource(root, "HEAD")
    try:
        from_git = analyse(Repo(source), Settings(), rules)
    finally:
        source.close()
    from_disk = analyse(Repo(WorkTreeSource(root)), Settings(), rules)
    assert [f.fingerprint for f in from_git.findings] == [f.fingerprint for f in from_disk.findings]
    assert from_git.score.overall == from_disk.score.overall
