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


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    return subprocess.run(
        [executable, "try-repo", str(ROOT), "mlready", "--all-files", "--verbose"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
        timeout=900,
    )


@pytest.mark.slow
def test_repository_hook_runs_with_pre_commit_try_repo(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs the mlready git checkout")
    root = make_repo({"explore.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('x.csv')"), "mlready.toml": "select = ['MOD001', 'MOD002', 'MOD003']\n"}, use_git=True)
    home = tmp_path / "pre-commit-home"

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
