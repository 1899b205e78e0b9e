"""The result cache: what each rule found, and exactly what it read to find it.

Every rule run (a repository rule, a file rule on one file, the Python rules on
one file) is recorded with its dependencies: the digests of the files it read,
the sizes it looked at, and the file list when it listed files. On the next run
an entry is reused only if every one of those digests is unchanged, so a warm
run parses nothing, and editing one file reruns only what depended on it.

Three layers keep a warm run close to the cost of listing the files:
- a run file with the last whole run: when no file digest changed, its report
  is replayed and no rule runs (the entries file is not even read);
- file stamps (size, mtime, inode -> digest), as git's index keeps them, so an
  unchanged file is not read to learn its digest; a stamp within two seconds of
  the run is not trusted (a write in the same tick would not change it);
- values computed from one file (regex answers and matches, imports) per file
  content (`Repo.per_file`), so after an edit only the changed files are read;
- each fact's value digest with what the fact read, so that a rule that used
  only facts is reused when an edit leaves those facts unchanged (an early
  cutoff: see Facts.__getattribute__).
Entries that read the same files share one stored dependency set.

The cache lives outside the analysed repository (mlready never writes there):
`$MLREADY_CACHE_DIR`, else `$XDG_CACHE_HOME/mlready`, else `~/.cache/mlready`,
with a CACHEDIR.TAG. It is JSON only, never pickle; an unreadable or foreign
file is ignored with a warning, never trusted. A run that writes the cache deletes
the cache files no run has used for 30 days (other mlready versions, other
configurations, repositories no longer checked), so the folder does not grow forever;
a replayed run marks its files as used once a day.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from mlready import __version__
from mlready.model import Diagnostic, Finding, Pillar, Severity

CACHE_FORMAT = 3
# Cache files no run has used for this long are deleted (see ResultCache.save and _keep_alive).
STALE_AFTER = 30 * 24 * 3600
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This is a cache directory tag created by mlready.\n"


def default_directory() -> Path:
    explicit = os.environ.get("MLREADY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlready"


def code_signature() -> str:
    """A digest of mlready's own code, so that a changed rule never reuses old results."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def finding_to_json(finding: Finding) -> list[Any]:
    return [
        finding.code,
        finding.name,
        finding.severity.value,
        finding.pillar.value,
        finding.message,
        finding.path,
        finding.line,
        finding.column,
        finding.end_line,
        finding.end_column,
        finding.cell,
        finding.partial,
        finding.anchor,
    ]


def finding_from_json(row: list[Any]) -> Finding:
    return Finding(
        code=row[0],
        name=row[1],
        severity=Severity(row[2]),
        pillar=Pillar(row[3]),
        message=row[4],
        path=row[5],
        line=row[6],
        column=row[7],
        end_line=row[8],
        end_column=row[9],
        cell=row[10],
        partial=row[11],
        anchor=row[12],
    )


class ResultCache:
    """One JSON file per analysed root and configuration."""

    def __init__(self, directory: Path, scope: str) -> None:
        self.directory = directory
        self.scope = hashlib.sha256(f"{scope}\0{code_signature()}".encode("utf-8", "surrogateescape")).hexdigest()
        self.path = directory / f"v{CACHE_FORMAT}-{self.scope[:24]}.json"
        # The small companion file read on every run: file stamps, and the last whole run.
        self.run_path = directory / f"v{CACHE_FORMAT}-{self.scope[:24]}.run.json"
        self._entries: dict[str, dict[str, Any]] | None = None
        self._file_memo: dict[str, Any] = {}
        self.depsets: dict[str, list[str]] = {}  # dependency-set id -> its keys (files, sizes, the file list)
        self._current: dict[str, str | None] = {}
        self.used: set[str] = set()
        self.used_file_memo: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.run_hits = 0
        self.dirty = False  # whether save() has anything new to write
        self.stamps: dict[str, list[Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self._load_run_file()

    @property
    def file_memo(self) -> dict[str, Any]:
        """Values remembered per file content (see Repo.per_file); shares the entries file."""
        self.entries  # noqa: B018 - loads the file
        return self._file_memo

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = {}
            self._load()
        return self._entries

    def _warn(self, message: str) -> None:
        sys.stderr.write(f"mlready: warning: {message}\n")

    def _read(self, path: Path) -> dict[str, Any] | None:
        """A cache file of this format and scope, or None (with a warning when one exists but is not)."""
        if not path.is_file():
            return None
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            self._warn(f"ignoring unreadable cache {path}")
            return None
        if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT or document.get("scope") != self.scope:
            self._warn(f"ignoring foreign or outdated cache {path}")
            return None
        return document

    def _load(self) -> None:
        document = self._read(self.path)
        if document is None:
            return
        entries, depsets, file_memo = document.get("entries"), document.get("depsets"), document.get("file_memo")
        if (
            isinstance(entries, dict)
            and isinstance(depsets, dict)
            and all(isinstance(keys, list) and all(isinstance(key, str) for key in keys) for keys in depsets.values())
            and all(_valid_entry(entry) and entry["depset"] in depsets for entry in entries.values())
            and isinstance(file_memo, dict)
            and all(isinstance(values, dict) for values in file_memo.values())
        ):
            self._entries, self.depsets, self._file_memo = entries, depsets, file_memo
        else:
            self._warn(f"ignoring malformed cache {self.path}")

    def _load_run_file(self) -> None:
        document = self._read(self.run_path)
        if document is None:
            return
        stamps, runs = document.get("stamps"), document.get("runs")
        if (
            isinstance(stamps, dict)
            and all(_valid_stamp(value) for value in stamps.values())
            and isinstance(runs, dict)
            and all(isinstance(run, dict) and isinstance(run.get("digest"), str) and isinstance(run.get("result"), dict) for run in runs.values())
        ):
            self.stamps, self.runs = stamps, runs
        else:
            self._warn(f"ignoring malformed cache {self.run_path}")

    def lookup_run(self, key: str, digests: dict[str, str]) -> dict[str, Any] | None:
        """The stored result of a whole run with the same key, if every file digest is unchanged."""
        run = self.runs.get(key)
        if run is None or run["digest"] != _combine(digests):
            return None
        self.run_hits += 1
        self._keep_alive()
        return run["result"]

    def _keep_alive(self) -> None:
        """A replayed run writes nothing: mark its files as used (daily at most), so that _prune keeps them."""
        import time

        try:
            if time.time() - self.run_path.stat().st_mtime > 24 * 3600:
                for path in (self.path, self.run_path):
                    if path.exists():
                        os.utime(path)
        except OSError:
            pass  # a read-only cache folder: nothing to keep alive

    def store_run(self, key: str, digests: dict[str, str], result: dict[str, Any]) -> None:
        self.runs = {key: {"digest": _combine(digests), "result": result}}  # only the latest run is kept
        self.dirty = True

    def remember_stamps(self, stamps: dict[str, tuple[int, int, int]], digests: dict[str, str]) -> None:
        """Keep (stamp, digest) of files read this run, except those modified in the last seconds.

        A file written within the timestamp granularity of its last read could change without
        changing its stamp (git's "racy" case), so its digest is not trusted next time.
        """
        import time

        recent = time.time_ns() - 2_000_000_000
        self.dirty = True
        self.stamps = {
            path: [*stamp, digests[path]]
            for path, stamp in stamps.items()
            if path in digests and stamp[1] < recent and not digests[path].startswith(("missing", "over-cap", "unreadable"))
        }

    def lookup(self, key: str, digest: Any) -> dict[str, Any] | None:
        """The entry for `key` if every dependency still has its recorded digest."""
        entry = self.entries.get(key)
        if entry is None or self._combined(entry["depset"], digest) != entry["digest"]:
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(key)
        return entry

    def _combined(self, depset: str, digest: Any) -> str | None:
        """One digest over the current digests of a dependency set (computed once per set and run)."""
        if depset not in self._current:
            keys = self.depsets.get(depset)
            self._current[depset] = None if keys is None else _combine({dep: digest(dep) for dep in keys})
        return self._current[depset]

    def lookup_value(self, key: str, digest: Any) -> str | None:
        """A stored value (a fact's digest) if every dependency still has its recorded digest."""
        entry = self.entries.get(key)
        if entry is None or not isinstance(entry.get("value"), str) or self._combined(entry["depset"], digest) != entry["digest"]:
            return None
        self.used.add(key)
        return str(entry["value"])

    def store_value(self, key: str, deps: dict[str, str], value: str) -> None:
        self.store(key, deps, [], [], None)
        self.entries[key]["value"] = value

    def store(self, key: str, deps: dict[str, str], findings: list[Finding], diagnostics: list[Diagnostic], skip: str | None) -> None:
        # Many entries read the same files (every rule that searches all code): their key lists are stored once.
        keys = sorted(deps)
        depset = hashlib.sha256("\0".join(keys).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.depsets[depset] = keys
        self.entries[key] = {
            "depset": depset,
            "digest": _combine(deps),
            "findings": [finding_to_json(finding) for finding in findings],
            "diagnostics": [[item.path, item.message, item.line] for item in diagnostics],
            "skip": skip,
        }
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Write the entries used by this run (stale ones are dropped), atomically."""
        if not self.dirty:
            return  # a replayed run: the files already hold it
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tag = self.directory / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(CACHEDIR_TAG, encoding="utf-8")
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            if self._entries is not None:  # a run served whole from the run file never loaded the entries
                entries = {key: self._entries[key] for key in sorted(self.used) if key in self._entries}
                depsets = {depset: self.depsets[depset] for depset in sorted({entry["depset"] for entry in entries.values()})}
                file_memo = {key: self._file_memo[key] for key in sorted(self.used_file_memo) if key in self._file_memo}
                document = {"format": CACHE_FORMAT, "scope": self.scope, "entries": entries, "depsets": depsets, "file_memo": file_memo}
                _write_atomically(self.path, document)
            _write_atomically(self.run_path, {"format": CACHE_FORMAT, "scope": self.scope, "stamps": self.stamps, "runs": self.runs})
        except OSError as error:
            self._warn(f"cannot write the cache in {self.directory}: {error.strerror or error}")
            return
        _prune(self.directory, {self.path.name, self.run_path.name})


# The names save() writes (any format), and the temporary files of _write_atomically: nothing else is deleted.
_CACHE_FILE = re.compile(r"v\d+-[0-9a-f]{24}(?:\.run)?\.json(?:\.\d+\.tmp)?")


def _prune(directory: Path, keep: set[str]) -> None:
    """Delete this folder's cache files (of any format or scope) that no run has used for STALE_AFTER
    seconds (see _keep_alive), and temporary files a killed run left over an hour ago."""
    import time

    now = time.time()
    for path in sorted(directory.iterdir()):
        name = path.name
        if name in keep or not _CACHE_FILE.fullmatch(name):
            continue
        try:
            age = now - path.lstat().st_mtime
            if age > STALE_AFTER or (name.endswith(".tmp") and age > 3600):
                path.unlink()
        except OSError:
            continue  # gone already, or not ours to delete: the next run tries again


def _combine(digests: dict[str, str]) -> str:
    joined = "\0".join(f"{key}\0{digests[key]}" for key in sorted(digests))
    return hashlib.sha256(joined.encode("utf-8", "surrogateescape")).hexdigest()


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)


def _valid_stamp(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 4 and all(isinstance(item, int) for item in value[:3]) and isinstance(value[3], str)


def _valid_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("depset"), str)
        and isinstance(entry.get("digest"), str)
        and isinstance(entry.get("findings"), list)
        and all(isinstance(row, list) and len(row) == 13 for row in entry["findings"])
        and isinstance(entry.get("diagnostics"), list)
        and all(isinstance(row, list) and len(row) == 3 for row in entry["diagnostics"])
        and (entry.get("skip") is None or isinstance(entry.get("skip"), str))
        and (entry.get("value") is None or isinstance(entry.get("value"), str))
    )
