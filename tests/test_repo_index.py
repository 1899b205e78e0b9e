"""The file index on real folders and real git repositories."""

from __future__ import annotations

import os
from pathlib import Path

from mlready.repo import Repo, WorkTreeSource

from helpers import git, write_tree


def paths(root: Path) -> list[str]:
    return [file.path for file in Repo(WorkTreeSource(root)).all_files]


def test_git_tracked_plus_untracked_not_ignored(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"a.py": "x = 1\n", ".gitignore": "*.log\nbuild/\n"}, use_git=True)
    write_tree(root, {"new.py": "y = 2\n", "debug.log": "noise", "build/out.py": "z = 3\n"})
    (root / "a.py").rename(root / "moved.py")  # a tracked file deleted from the work tree
    assert paths(root) == [".gitignore", "moved.py", "new.py"]


def test_walk_honours_nested_gitignores_outside_git(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "plain",
        {
            ".gitignore": "*.log\n/data/\n",
            "keep.py": "",
            "x.log": "",
            "data/big.csv": "",
            "sub/.gitignore": "*.tmp\n!keep.tmp\n",
            "sub/a.tmp": "",
            "sub/keep.tmp": "",
            "sub/data/kept.csv": "",
            ".venv/lib/site.py": "",
            "node_modules/x.js": "",
        },
    )
    assert paths(root) == [".gitignore", "keep.py", "sub/.gitignore", "sub/data/kept.csv", "sub/keep.tmp"]


def test_symlinks_never_leave_the_root(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"canary.py": "SECRET_CANARY = 1\n"})
    root = write_tree(tmp_path / "root", {"inside.py": "x = 1\n"})
    os.symlink(outside / "canary.py", root / "link_file.py")
    os.symlink(outside, root / "link_dir")
    os.symlink(root, root / "loop")
    os.symlink(root / "missing.py", root / "dangling.py")
    os.symlink(root / "inside.py", root / "alias.py")
    repo = Repo(WorkTreeSource(root))
    listed = [file.path for file in repo.all_files]
    assert listed == ["alias.py", "inside.py"]
    messages = {item.path: item.message for item in repo.diagnostics}
    assert "outside" in messages["link_file.py"]
    assert "dangling" in messages["dangling.py"]
    assert all(repo.text(path) is not None and "CANARY" not in (repo.text(path) or "") for path in listed)


def test_symlink_outside_root_in_git(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = write_tree(tmp_path / "outside", {"canary.txt": "CANARY"})
    root = make_repo({"a.py": ""})
    os.symlink(outside / "canary.txt", root / "leak.txt")
    git(root, "init", "-q")
    git(root, "add", "-A")
    repo = Repo(WorkTreeSource(root))
    assert [file.path for file in repo.all_files] == ["a.py"]
    assert any(item.path == "leak.txt" for item in repo.diagnostics)


def test_size_cap_gives_a_diagnostic(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"big.py": "x = 1\n" * 1000, "small.py": "y = 2\n"})
    repo = Repo(WorkTreeSource(root), max_file_size=1000)
    assert repo.text("big.py") is None
    assert repo.text("small.py") == "y = 2\n"
    assert any(item.path == "big.py" and "cap" in item.message for item in repo.diagnostics)
    assert repo.file("big.py") is not None and repo.file("big.py").size == 6000  # type: ignore[union-attr]


def test_subfolder_of_a_git_repository(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"top.py": "", "proj/a.py": "", "proj/sub/b.py": ""}, use_git=True)
    assert paths(root / "proj") == ["a.py", "sub/b.py"]


def test_exclude_patterns(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"a.py": "", "legacy/b.py": "", "x/legacy/c.py": "", "nb/d.ipynb": ""})
    repo = Repo(WorkTreeSource(root), exclude=["legacy", "*.ipynb"])
    assert [file.path for file in repo.all_files] == ["a.py"]
