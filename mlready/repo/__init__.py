"""The repository model: a file index over a source, and lazily parsed artifacts."""

from mlready.repo.repo import Repo, SourceFile
from mlready.repo.sources import FileEntry, FileListSource, GitRefError, GitTreeSource, MemorySource, WorkTreeSource

__all__ = ["FileEntry", "FileListSource", "GitRefError", "GitTreeSource", "MemorySource", "Repo", "SourceFile", "WorkTreeSource"]
