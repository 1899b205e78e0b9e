"""Where a repository's files come from: the working tree, or memory (tests).

A source lists the files and reads their bytes. It never follows a symlink that
leaves the root, never executes anything and never writes.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, Protocol

from mlready.model import Diagnostic

# Folders that are never part of a project's own source (as ruff excludes them).
ALWAYS_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".direnv",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".mlready_cache",
        "__pycache__",
        "__pypackages__",
        "node_modules",
        "site-packages",
        ".ipynb_checkpoints",
    }
)

MAX_WALK_DEPTH = 200


class FileEntry(NamedTuple):
    """A regular file in the repository: a POSIX path relative to the root."""

    path: str
    size: int
    # (size, mtime in ns, inode) where the file is on disk: a changed stamp means changed content may follow.
    stamp: tuple[int, int, int] | None = None


class FileSource(Protocol):
    def entries(self) -> list[FileEntry]: ...

    def read(self, path: str, limit: int) -> bytes: ...

    @property
    def diagnostics(self) -> list[Diagnostic]: ...


class MemorySource:
    """Files held in memory, used by rule examples and tests."""

    def __init__(self, files: dict[str, str | bytes]) -> None:
        self._files = {
            path: content.encode("utf-8") if isinstance(content, str) else content
            for path, content in files.items()
        }
        self.diagnostics: list[Diagnostic] = []

    def entries(self) -> list[FileEntry]:
        return sorted(
            (FileEntry(path, len(data)) for path, data in self._files.items()),
            key=lambda entry: entry.path,
        )

    def read(self, path: str, limit: int) -> bytes:
        return self._files[path][: limit + 1]


class WorkTreeSource:
    """Files of a folder on disk.

    Inside a git work tree it lists the tracked files plus the untracked files
    that git does not ignore. Otherwise it walks the tree and honours every
    `.gitignore` on the way.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.diagnostics: list[Diagnostic] = []
        self.in_git = False
        self._entries: list[FileEntry] | None = None
        self._links: dict[str, Path] = {}  # listed symlinks, resolved inside the root

    def entries(self) -> list[FileEntry]:
        if self._entries is None:
            paths = self._git_paths()
            if paths is None:
                paths = list(self._walk())
            else:
                self.in_git = True
            self._entries = sorted(self._stat_all(paths), key=lambda entry: entry.path)
        return self._entries

    def read(self, path: str, limit: int) -> bytes:
        full = self._links.get(path, self.root / path)
        if full.is_symlink() and path not in self._links:
            raise OSError("became a symlink after listing: not followed")
        with open(full, "rb") as handle:
            return handle.read(limit + 1)

    # -- listing -----------------------------------------------------------------

    def _git_paths(self) -> list[str] | None:
        try:
            result = subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=self.root,
                capture_output=True,
                timeout=120,
                check=False,
                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode != 0:
            return None
        raw = result.stdout.split(b"\0")
        paths = []
        for item in raw:
            if not item:
                continue
            text = os.fsdecode(item)
            if text.startswith("../"):
                continue
            paths.append(text)
        return sorted(set(paths))

    def _walk(self) -> Iterator[str]:
        from mlready.repo.ignore import GitignoreStack

        ignores = GitignoreStack()
        visited: set[tuple[int, int]] = set()

        def visit(folder: Path, rel: str, depth: int) -> Iterator[str]:
            if depth > MAX_WALK_DEPTH:
                self.diagnostics.append(
                    Diagnostic(rel or ".", f"folder nesting deeper than {MAX_WALK_DEPTH}: not analysed")
                )
                return
            try:
                info = folder.stat()
            except OSError as error:
                self.diagnostics.append(Diagnostic(rel or ".", f"cannot read folder: {error.strerror}"))
                return
            if (info.st_dev, info.st_ino) in visited:
                return
            visited.add((info.st_dev, info.st_ino))
            ignores.push(rel, self._read_gitignore(folder, rel))
            try:
                with os.scandir(folder) as iterator:
                    children = sorted(iterator, key=lambda child: child.name)
            except OSError as error:
                self.diagnostics.append(Diagnostic(rel or ".", f"cannot list folder: {error.strerror}"))
                ignores.pop()
                return
            for child in children:
                child_rel = f"{rel}/{child.name}" if rel else child.name
                try:
                    is_dir = child.is_dir(follow_symlinks=False)
                    is_link = child.is_symlink()
                except OSError:
                    continue
                if is_dir and child.name in ALWAYS_EXCLUDED_DIRS:
                    continue
                if ignores.ignored(child_rel, is_dir):
                    continue
                if is_dir:
                    yield from visit(Path(child.path), child_rel, depth + 1)
                elif is_link and self._link_is_dir(child_rel):
                    continue  # linked folders are not descended: no loops, no escapes
                else:
                    yield child_rel
            ignores.pop()

        yield from visit(self.root, "", 0)

    def _read_gitignore(self, folder: Path, rel: str) -> list[str]:
        path = folder / ".gitignore"
        try:
            if not path.is_file() or path.is_symlink():
                return []
            return path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            return []

    def _link_is_dir(self, rel: str) -> bool:
        try:
            return (self.root / rel).is_dir()
        except OSError:
            return False

    def _stat_all(self, paths: Iterable[str]) -> Iterator[FileEntry]:
        # Neither git nor the walk lists a path through a linked folder, so only a
        # path that is itself a symlink needs resolving (realpath is costly).
        for rel in paths:
            parts = rel.split("/")
            if any(part in ALWAYS_EXCLUDED_DIRS for part in parts[:-1]):
                continue
            full = self.root / rel
            try:
                is_link = stat.S_ISLNK(os.lstat(full).st_mode)
            except OSError:
                is_link = False
            if is_link:
                resolved = self._safe_path(rel)
                if resolved is None:
                    self.diagnostics.append(Diagnostic(rel, "symlink points outside the repository: not followed"))
                    continue
                full = self._links[rel] = resolved
            try:
                info = os.stat(full)
            except OSError as error:
                if os.path.lexists(self.root / rel):
                    reason = "dangling symlink" if os.path.islink(self.root / rel) else error.strerror
                    self.diagnostics.append(Diagnostic(rel, f"cannot read file: {reason}"))
                continue
            if stat.S_ISDIR(info.st_mode):
                continue  # a submodule or a linked folder
            if not stat.S_ISREG(info.st_mode):
                self.diagnostics.append(Diagnostic(rel, "not a regular file (FIFO, socket or device): not read"))
                continue
            yield FileEntry(rel, info.st_size, (info.st_size, info.st_mtime_ns, info.st_ino))

    def _safe_path(self, rel: str) -> Path | None:
        """The real path of `rel` if it stays inside the root, else None."""
        candidate = self.root / rel
        try:
            real = Path(os.path.realpath(candidate))
        except (OSError, RuntimeError, ValueError):
            return None
        if real != self.root and self.root not in real.parents:
            return None
        return real


class GitRefError(Exception):
    """A git ref that cannot be read (unknown ref, not a git repository, no git)."""


class GitTreeSource:
    """Files of the tree at a git ref, read from git objects: no checkout, no change to the work tree."""

    def __init__(self, root: Path, ref: str) -> None:
        self.root = root.resolve()
        self.ref = ref
        self.diagnostics: list[Diagnostic] = []
        self._objects: dict[str, str] = {}
        self._batch: subprocess.Popen[bytes] | None = None
        self._entries: list[FileEntry] | None = None
        if ref.startswith("-"):
            raise GitRefError(f"not a git ref: {ref!r}")
        try:
            subprocess.run(
                ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{tree}}"],
                cwd=self.root,
                capture_output=True,
                check=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError):
            raise GitRefError(f"cannot read git ref {ref!r} in {self.root}") from None

    def entries(self) -> list[FileEntry]:
        if self._entries is None:
            listing = subprocess.run(
                ["git", "ls-tree", "-r", "-z", "--long", self.ref, "--", "."],
                cwd=self.root,
                capture_output=True,
                check=False,
                timeout=120,
            ).stdout
            entries = []
            for record in listing.split(b"\0"):
                if not record:
                    continue
                meta, _, raw_path = record.partition(b"\t")
                parts = meta.split()
                if len(parts) != 4 or parts[1] != b"blob" or parts[0] == b"120000":
                    continue  # submodules and symlinks are not followed
                path = os.fsdecode(raw_path)
                if any(part in ALWAYS_EXCLUDED_DIRS for part in path.split("/")[:-1]):
                    continue
                self._objects[path] = parts[2].decode("ascii")
                entries.append(FileEntry(path, int(parts[3]) if parts[3].isdigit() else 0))
            self._entries = sorted(entries, key=lambda entry: entry.path)
        return self._entries

    def read(self, path: str, limit: int) -> bytes:
        if not self._objects:
            self.entries()
        sha = self._objects.get(path)
        if sha is None:
            raise OSError(f"{path} is not in {self.ref}")
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        assert self._batch.stdin is not None and self._batch.stdout is not None
        self._batch.stdin.write(sha.encode("ascii") + b"\n")
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().split()
        if len(header) != 3:
            raise OSError(f"git could not read {path}")
        size = int(header[2])
        data = self._batch.stdout.read(size)
        self._batch.stdout.read(1)  # the newline after each object
        return data[: limit + 1]

    def close(self) -> None:
        if self._batch is not None:
            if self._batch.stdin is not None:
                self._batch.stdin.close()
            self._batch.wait(timeout=10)
            self._batch = None


class FileListSource(WorkTreeSource):
    """Only the named files of a folder (what pre-commit passes to a file-level hook)."""

    def __init__(self, root: Path, paths: Iterable[str]) -> None:
        super().__init__(root)
        self._wanted = sorted({path.replace(os.sep, "/").removeprefix("./") for path in paths})

    def entries(self) -> list[FileEntry]:
        if self._entries is None:
            self._entries = sorted(self._stat_all(self._wanted), key=lambda entry: entry.path)
        return self._entries
