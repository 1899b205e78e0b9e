"""The repository model: a file index over a source, and lazily parsed artifacts."""

from mlready.repo.repo import Repo, SourceFile
from mlready.repo.sources import FileEntry, MemorySource, WorkTreeSource

__all__ = ["FileEntry", "MemorySource", "Repo", "SourceFile", "WorkTreeSource"]
