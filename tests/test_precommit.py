"""The pre-commit hook, run for real with `pre-commit try-repo` in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlready.rule import notebook

from helpers import ROOT, git


def try_repo(repo: Path, home: Path, hook: str = "mlready", *args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    return subprocess.run(
        [executable, "try-repo", str(ROOT), hook, *(args or ("--all-files",)), "--verbose"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
        timeout=900,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
def test_repository_hook_runs_with_pre_commit_try_repo(make_repo, home: Path) -> None:  # type: ignore[no-untyped-def]
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs the mlready git checkout")
    root = make_repo({"explore.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('x.csv')"), "mlready.toml": "select = ['MOD001', 'MOD002', 'MOD003']\n"}, use_git=True)

    failing = try_repo(root, home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "MOD001 notebook-only-logic" in failing.stdout

    (root / "pkg").mkdir()
    (root / "pkg" / "model.py").write_text("def train():\n    return 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "add a module")
    passing = try_repo(root, home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Readiness 100/100" in passing.stdout


@pytest.mark.slow
def test_notebook_hook_checks_only_the_given_notebooks(make_repo, home: Path) -> None:  # type: ignore[no-untyped-def]
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs the mlready git checkout")
    root = make_repo(
        {
            "dirty.ipynb": notebook("x = 1", outputs=True),
            "shuffled.ipynb": notebook("a = 1", "b = 2", counts=[2, 1]),
            "clean.ipynb": notebook("y = 2"),
            "notes.md": "# not a notebook\n",
        },
        use_git=True,
    )
    clean = try_repo(root, home, "mlready-notebooks", "--files", "clean.ipynb", "notes.md")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    dirty = try_repo(root, home, "mlready-notebooks", "--files", "dirty.ipynb", "shuffled.ipynb", "clean.ipynb")
    assert dirty.returncode == 1
    assert "dirty.ipynb:cell 0:1:1 MOD002 notebook-outputs-committed" in dirty.stdout
    assert "shuffled.ipynb:cell 1:1:1 MOD003 notebook-non-linear-execution" in dirty.stdout
    assert "clean.ipynb:" not in dirty.stdout
