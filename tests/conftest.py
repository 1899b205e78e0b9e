"""Shared fixtures for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import git, write_tree


@pytest.fixture
def make_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write files into a fresh folder; `git=True` makes it a committed git repository."""

    def make(files: dict[str, str | bytes], use_git: bool = False) -> Path:
        root = tmp_path / "repo"
        root.mkdir()
        write_tree(root, files)
        if use_git:
            git(root, "init", "-q", "-b", "main")
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "init")
        return root

    return make


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite never writes into the user's own result cache."""
    import os

    os.environ["MLREADY_CACHE_DIR"] = str(tmp_path_factory.mktemp("mlready-cache"))
