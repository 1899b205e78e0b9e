"""The Repo facade: a file index plus lazily parsed, cached artifacts.

Every parse happens at most once per run. A file that cannot be read or parsed
yields a Diagnostic and `None`, never an exception.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from mlready.model import Diagnostic
from mlready.parsers import ParseError
from mlready.parsers.text import decode, line_of_offset
from mlready.patterns import anchors_for, exists, finditer, gate_for

if TYPE_CHECKING:
    from mlready.cache import ResultCache
    from mlready.parsers.dockerfile import Dockerfile
    from mlready.parsers.notebook import Notebook
    from mlready.parsers.python import PythonSource
    from mlready.parsers.requirements import Requirement
    from mlready.repo.facts import Facts
    from mlready.repo.sources import FileEntry, FileSource

T = TypeVar("T")

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

# Dependency keys besides file paths (see Repo.recording).
INDEX_KEY = "\0index"
SIZE_PREFIX = "\0size:"
FACT_PREFIX = "\0fact:"  # a fact's value (see Facts.__getattribute__)


@dataclass
class Recording:
    """What a piece of rule code read (dependency keys) and which diagnostics it raised."""

    deps: set[str] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)

_DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".markdown")


_BINARY_BY_NATURE = re.compile(
    r"\.(?:png|jpe?g|gif|bmp|ico|webp|tiff?|pdf|zip|gz|tgz|bz2|xz|7z|tar|whl|egg|jar|so|dylib|dll|exe|bin|pkl|pickle|joblib"
    r"|pt|pth|ckpt|h5|hdf5|keras|onnx|pb|tflite|safetensors|npy|npz|parquet|feather|arrow|avro|orc|db|sqlite3?|woff2?|ttf|otf|eot"
    r"|mp[34]|wav|flac|ogg|avi|mov|mkv|webm|xlsx?|docx?|pptx?|pyc|model|weights|index|data-\d+-of-\d+)$",
    re.I,
)


def classify(path: str) -> str:
    """The kind of a file from its name: python, notebook, toml, yaml, ..."""
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower.endswith((".py", ".pyi")):
        return "python"
    if lower.endswith(".ipynb"):
        return "notebook"
    if lower in ("dockerfile", "containerfile") or lower.startswith(("dockerfile.", "dockerfile-", "dockerfile_")) or lower.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if lower.endswith(".toml"):
        return "toml"
    if lower.endswith((".yml", ".yaml")):
        return "yaml"
    if lower.endswith((".txt", ".in")) and (
        "requirements" in lower or "constraints" in lower or "/requirements/" in f"/{path.lower()}"
    ):
        return "requirements"
    if lower.endswith(_DOC_SUFFIXES):
        return "doc"
    return "other"


@dataclass(frozen=True)
class SourceFile:
    path: str
    stored_size: int
    kind: str
    # The repository whose dependency tracking a read of `size` is recorded in (see Repo.recording).
    tracker: Repo | None = field(default=None, compare=False, repr=False)

    @property
    def size(self) -> int:
        if self.tracker is not None:
            self.tracker.depend(SIZE_PREFIX + self.path)
        return self.stored_size

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True)
class Match:
    path: str
    line: int
    text: str


class Repo:
    """A repository as rules see it."""

    def __init__(
        self,
        source: FileSource,
        exclude: Iterable[str] = (),
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    ) -> None:
        self.source = source
        self.max_file_size = max_file_size
        self._exclude = [pattern.rstrip("/") for pattern in exclude]
        self._text: dict[str, str | None] = {}
        self._parsed: dict[tuple[str, str], Any] = {}
        self._diagnostics: dict[tuple[str, str], Diagnostic] = {}
        self._recordings: list[Recording] = []
        self._produced: dict[tuple[str, str], list[Diagnostic]] = {}  # diagnostics raised by each read or parse
        self._digests: dict[str, str] = {}
        self.parse_count = 0
        self.read_count = 0
        self.read_paths: set[str] = set()
        # file digest -> {value name: value} (see `per_file`), and the digests used this run.
        self.file_memo: dict[str, Any] = {}
        self.file_memo_used: set[str] = set()
        self.file_memo_added: dict[str, dict[str, Any]] = {}
        # Digests known from an earlier run, as [size, mtime_ns, inode, digest] (see ResultCache.stamps).
        self.known_digests: dict[str, list[Any]] = {}
        # Where fact digests of earlier runs are kept (see _fact_digest); set by the engine.
        self.result_cache: ResultCache | None = None

    # -- dependency tracking (for the result cache) -------------------------------------

    @contextmanager
    def recording(self) -> Iterator[Recording]:
        """Record every file, size and index read (and diagnostic) made inside the block."""
        record = Recording()
        self._recordings.append(record)
        try:
            yield record
        finally:
            self._recordings.pop()

    @contextmanager
    def isolated_recording(self) -> Iterator[Recording]:
        """Record what the block reads without crediting the enclosing recordings with it."""
        saved, self._recordings = self._recordings, []
        try:
            with self.recording() as record:
                yield record
        finally:
            self._recordings = saved

    def depend(self, key: str) -> None:
        for record in self._recordings:
            record.deps.add(key)

    def depend_all(self, keys: Iterable[str]) -> None:
        for record in self._recordings:
            record.deps.update(keys)

    def attribute(self, keys: Iterable[str], diagnostics: Iterable[Diagnostic]) -> None:
        """Credit the active recordings with reads and diagnostics made earlier (by a cached computation)."""
        keys, diagnostics = list(keys), list(diagnostics)
        for record in self._recordings:
            record.deps.update(keys)
            record.diagnostics.extend(diagnostics)

    def digest(self, key: str) -> str:
        """The current value of a dependency key, as a short digest."""
        if key not in self._digests:
            import hashlib

            if key == INDEX_KEY:
                value = hashlib.sha256("\0".join(file.path for file in self._index).encode("utf-8", "surrogateescape"))
                result = value.hexdigest()
            elif key.startswith(FACT_PREFIX):
                result = self._fact_digest(key[len(FACT_PREFIX) :])
            elif key.startswith(SIZE_PREFIX):
                file = self._by_path.get(key[len(SIZE_PREFIX) :])
                result = "missing" if file is None else str(file.stored_size)
            else:
                file = self._by_path.get(key)
                if file is None:
                    result = "missing"
                elif file.stored_size > self.max_file_size:
                    result = f"over-cap:{file.stored_size}"
                else:
                    stamp = self.stamps.get(key)
                    known = self.known_digests.get(key)
                    if stamp is not None and known is not None and tuple(known[:3]) == stamp:
                        result = str(known[3])  # unchanged on disk since a run that read it
                    else:
                        try:
                            self.read_count += 1
                            self.read_paths.add(key)
                            result = hashlib.sha256(self.source.read(key, self.max_file_size)).hexdigest()
                        except OSError:
                            result = "unreadable"
            self._digests[key] = result
        return self._digests[key]

    def _fact_digest(self, name: str) -> str:
        """A fact's value digest: stored from an earlier run if what it read is unchanged, else computed."""
        key = f"fact\0{name}"
        if self.result_cache is not None:
            stored = self.result_cache.lookup_value(key, self.digest)
            if stored is not None:
                return stored
        reads = {dep: self.digest(dep) for dep in sorted(self.facts.fact_reads(name))}
        value = self.facts.value_digest(name)
        if value is None:  # a value with no stable digest: the fact stands for what it read
            import hashlib
            import json

            value = "reads:" + hashlib.sha256(json.dumps(reads).encode("utf-8", "surrogateescape")).hexdigest()
        if self.result_cache is not None:
            self.result_cache.store_value(key, reads, value)
        return value

    # -- the index -------------------------------------------------------------------

    @cached_property
    def _index(self) -> list[SourceFile]:
        entries: list[FileEntry] = self.source.entries()
        for diagnostic in self.source.diagnostics:
            self.diagnose(diagnostic.path, diagnostic.message)
        kept = [entry for entry in entries if not self._excluded(entry.path)]
        self.stamps = {entry.path: entry.stamp for entry in kept if entry.stamp is not None}
        return [SourceFile(entry.path, entry.size, classify(entry.path), self) for entry in kept]

    stamps: dict[str, tuple[int, int, int]]

    def file_digests(self) -> dict[str, str]:
        """The digest of every listed file (from known stamps where the file is unchanged)."""
        return {file.path: self.digest(file.path) for file in self._index}

    @property
    def all_files(self) -> list[SourceFile]:
        self.depend(INDEX_KEY)
        return self._index

    @cached_property
    def _by_path(self) -> dict[str, SourceFile]:
        return {file.path: file for file in self._index}

    def _excluded(self, path: str) -> bool:
        if not self._exclude:
            return False
        parts = path.split("/")
        prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        for pattern in self._exclude:
            for prefix in prefixes:
                if fnmatch.fnmatchcase(prefix, pattern) or fnmatch.fnmatchcase(parts[len(prefix.split("/")) - 1], pattern):
                    return True
        return False

    def files(self, *kinds: str) -> list[SourceFile]:
        if not kinds:
            return list(self.all_files)
        return [file for file in self.all_files if file.kind in kinds]

    def file(self, path: str) -> SourceFile | None:
        self.depend(INDEX_KEY)
        return self._by_path.get(path)

    def exists(self, path: str) -> bool:
        self.depend(INDEX_KEY)
        return path in self._by_path

    def glob(self, pattern: str) -> list[SourceFile]:
        """Files whose path matches a shell pattern (`*` does not cross `/` unless `**`)."""
        regex = re.compile(_glob_to_regex(pattern))
        return [file for file in self.all_files if regex.fullmatch(file.path)]

    # -- diagnostics -----------------------------------------------------------------

    def diagnose(self, path: str, message: str, line: int | None = None) -> None:
        diagnostic = self._diagnostics.setdefault((path, message), Diagnostic(path, message, line))
        for record in self._recordings:
            record.diagnostics.append(diagnostic)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted(self._diagnostics.values(), key=Diagnostic.sort_key)

    # -- reading -----------------------------------------------------------------------

    def text(self, path: str) -> str | None:
        """The decoded text of a file, or None (with a diagnostic) when it cannot be read."""
        self.depend(path)
        key = ("text", path)
        if path in self._text:
            self.attribute((), self._produced.get(key, ()))
            return self._text[path]
        with self.recording() as record:
            self._text[path] = self._read_text(path)
        self._produced[key] = record.diagnostics
        return self._text[path]

    def _read_text(self, path: str) -> str | None:
        text: str | None = None
        file = self._by_path.get(path)
        if file is None:
            return None
        if file.size > self.max_file_size:
            self.diagnose(path, f"larger than the {self.max_file_size // (1024 * 1024)} MiB cap: not read")
        else:
            try:
                self.read_count += 1
                self.read_paths.add(path)
                data = self.source.read(path, self.max_file_size)
                if path not in self._digests:
                    import hashlib

                    self._digests[path] = hashlib.sha256(data).hexdigest()
                if len(data) > self.max_file_size:
                    self.diagnose(path, "grew past the size cap while being read: not read")
                else:
                    text = decode(data)
            except ParseError as error:
                if file.kind != "other" or not _BINARY_BY_NATURE.search(path):
                    self.diagnose(path, error.message)  # an image or archive is not worth a diagnostic
            except OSError as error:
                self.diagnose(path, f"cannot read file: {error.strerror or error}")
        return text

    def lines(self, path: str) -> list[str]:
        text = self.text(path)
        return text.split("\n") if text is not None else []

    def _parse(self, kind: str, path: str, parser: Callable[[str], T]) -> T | None:
        self.depend(path)
        key = (kind, path)
        if key in self._parsed:
            self.attribute((), self._produced.get(key, ()))
            return self._parsed[key]  # type: ignore[no-any-return,unused-ignore]
        result: T | None = None
        with self.recording() as record:
            text = self.text(path)
            if text is not None:
                self.parse_count += 1
                try:
                    result = parser(text)
                except ParseError as error:
                    self.diagnose(path, error.message, error.line)
        self._produced[key] = record.diagnostics
        self._parsed[key] = result
        return result

    def release(self, kind: str, path: str) -> None:
        """Drop a parsed artifact that will not be asked for again (a later call parses again)."""
        self._parsed.pop((kind, path), None)

    def notebook(self, path: str) -> Notebook | None:
        from mlready.parsers.notebook import parse_notebook

        return self._parse("notebook", path, parse_notebook)

    def python(self, path: str) -> PythonSource | None:
        """Parsed Python for a `.py` file, or for a notebook's code cells."""
        if path.endswith(".ipynb"):
            return self._parse("python", path, lambda _text: self._notebook_python(path))
        from mlready.parsers.python import PythonSource, parse_python

        return self._parse("python", path, lambda text: PythonSource(text, parse_python(text)))

    def _notebook_python(self, path: str) -> PythonSource:
        from mlready.parsers.python import PythonSource, parse_cells

        notebook = self.notebook(path)
        if notebook is None:
            raise ParseError("notebook unreadable")
        tree, text, cell_lines, failed = parse_cells([(cell.index, source) for cell, source in notebook.python_cells()])
        for index, error in failed:
            line = f", line {error.line}" if error.line else ""
            self.diagnose(path, f"cell {index}{line}: {error.message}; cell skipped")
        return PythonSource(text, tree, cell_lines, [index for index, _ in failed])

    def toml(self, path: str) -> dict[str, Any] | None:
        from mlready.parsers.toml import parse_toml

        return self._parse("toml", path, parse_toml)

    def yaml(self, path: str) -> list[Any] | None:
        """Every document of a YAML file (mappings and lists remember their lines)."""
        from mlready.parsers.yaml import parse_yaml

        return self._parse("yaml", path, parse_yaml)

    def dockerfile(self, path: str) -> Dockerfile | None:
        from mlready.parsers.dockerfile import parse_dockerfile

        return self._parse("dockerfile", path, parse_dockerfile)

    def requirements(self, path: str) -> list[Requirement] | None:
        from mlready.parsers.requirements import parse_requirements

        return self._parse("requirements", path, parse_requirements)

    # -- searching ---------------------------------------------------------------------

    def code_text(self, path: str) -> str | None:
        """Source a person wrote: a `.py` file's text, or a notebook's code cells (raw)."""
        if path.endswith(".ipynb"):
            self.depend(path)
            cells = self.cell_sources(path)
            if cells is None:
                return None
            return "\n".join(source for cell_type, source in cells if cell_type == "code")
        return self.text(path)

    def cell_sources(self, path: str) -> list[tuple[str, str]] | None:
        """(cell type, source) of each cell of a notebook, by position (the notebook's JSON is decoded once,
        for this and for `notebook`)."""
        self.depend(path)
        key = ("cells", path)
        if key not in self._parsed:
            notebook = self.notebook(path)
            cells = None
            if notebook is not None:
                by_index = {cell.index: (cell.cell_type, cell.source) for cell in notebook.cells}
                cells = [by_index.get(index, ("", "")) for index in range(max(by_index, default=-1) + 1)]
            self._parsed[key] = cells
        return self._parsed[key]  # type: ignore[no-any-return,unused-ignore]

    def lowered(self, path: str, code_only: bool = True) -> str:
        """The lower-cased code text (or text) of a file, for case-insensitive literal gates."""
        key = ("lowered" if code_only else "lowered-text", path)
        if key not in self._parsed:
            text = self.code_text(path) if code_only else self.text(path)
            self._parsed[key] = (text or "").lower()
        else:
            self.depend(path)
        return self._parsed[key]  # type: ignore[no-any-return,unused-ignore]

    def _lowered_for(self, pattern: re.Pattern[str], path: str, code_only: bool) -> str | None:
        """The file's lower-cased code (or text) when the pattern's gate or anchors compare case-blind, else None."""
        gate, anchors = gate_for(pattern), anchors_for(pattern)
        if (gate is not None and gate.ignore_case) or (anchors is not None and anchors.ignore_case):
            return self.lowered(path, code_only)
        return None

    def _matches(self, pattern: re.Pattern[str], path: str, text: str, code_only: bool) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)` behind the literal gate, trying the pattern only where a match can start."""
        if not text:
            return iter(())
        gate, lowered = gate_for(pattern), self._lowered_for(pattern, path, code_only)
        if gate is not None and not gate.admits(text, lowered):
            return iter(())
        return finditer(pattern, text, lowered)

    def per_file(
        self,
        name: str,
        path: str,
        compute: Callable[[str], T],
        valid: Callable[[Any], bool],
        code_only: bool = True,
        by_path: bool = False,
    ) -> T | None:
        """A value computed from one file's code (or whole text), remembered per file content.

        `compute(text)` must depend on the text alone (and on the path, with `by_path`) and
        return JSON data. Values are kept by the result cache (`file_memo`, one record per file
        digest), so after an edit only the changed files are read and scanned again; `valid`
        vets a remembered value, which is never trusted blindly. None when the file cannot be read.
        """
        self.depend(path)
        digest = self.digest(path)
        record_key = f"{name}:{'c' if code_only else 't'}" + (f":{path}" if by_path else "")
        self.file_memo_used.add(digest)
        known = self.file_memo.get(digest)
        if isinstance(known, dict) and record_key in known and valid(known[record_key]):
            return known[record_key]
        with self.recording() as record:
            text = self.code_text(path) if code_only else self.text(path)
            if text is None:
                return None
            value = compute(text)
        if not record.diagnostics:  # a read or parse that raised a diagnostic must happen again
            self.file_memo.setdefault(digest, {})[record_key] = value
            self.file_memo_added.setdefault(digest, {})[record_key] = value
        return value

    def learn_digests(self, digests: dict[str, str]) -> None:
        """Take file digests computed in another process over the same tree."""
        for path, digest in digests.items():
            self._digests.setdefault(path, digest)

    def take_memo_changes(self) -> tuple[dict[str, dict[str, Any]], set[str]]:
        """The per-file values added and the digests used since the last call (a worker hands them back)."""
        added, used = self.file_memo_added, self.file_memo_used
        self.file_memo_added, self.file_memo_used = {}, set()
        return added, used

    def merge_memo_changes(self, added: dict[str, dict[str, Any]], used: set[str]) -> None:
        for digest, values in added.items():
            self.file_memo.setdefault(digest, {}).update(values)
        self.file_memo_used.update(used)

    def contains(self, pattern: re.Pattern[str], path: str, code_only: bool = True) -> bool:
        """Whether the pattern matches somewhere in the file's code (or its whole text)."""

        def compute(text: str) -> bool:
            return bool(text) and exists(pattern, text, self._lowered_for(pattern, path, code_only))

        return bool(self.per_file(_pattern_id(pattern), path, compute, is_bool, code_only))

    def search(self, pattern: re.Pattern[str], files: Iterable[SourceFile], code_only: bool = True) -> Iterator[Match]:
        """Every match of `pattern` in the given files, with its line (remembered per file content)."""
        for file in files:

            def compute(text: str, path: str = file.path) -> list[list[Any]]:
                found: list[list[Any]] = []
                for match in self._matches(pattern, path, text, code_only):
                    line_end = text.find("\n", match.start())
                    line_start = text.rfind("\n", 0, match.start()) + 1
                    found.append([line_of_offset(text, match.start()), text[line_start : line_end if line_end != -1 else len(text)]])
                return found

            for line, text in self.per_file("s" + _pattern_id(pattern), file.path, compute, _is_match_list, code_only) or ():
                yield Match(file.path, line, text)

    def first(self, pattern: re.Pattern[str], files: Iterable[SourceFile], code_only: bool = True) -> Match | None:
        return next(self.search(pattern, files, code_only), None)

    # -- facts -------------------------------------------------------------------------

    @cached_property
    def facts(self) -> Facts:
        from mlready.repo.facts import Facts

        return Facts(self)


# Shape checks for values remembered per file (see Repo.per_file): a cached value is never trusted blindly.
def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def is_rows(value: Any, *columns: type | tuple[type, ...]) -> bool:
    """A list of rows (lists or tuples), each with one value of the given type(s) per column."""
    return isinstance(value, list) and all(
        isinstance(row, (list, tuple)) and len(row) == len(columns) and all(map(isinstance, row, columns)) for row in value
    )


def _is_match_list(value: Any) -> bool:
    return is_rows(value, int, str)


_PATTERN_IDS: dict[tuple[str, int], str] = {}


def _pattern_id(pattern: re.Pattern[str]) -> str:
    key = (pattern.pattern, pattern.flags)
    if key not in _PATTERN_IDS:
        import hashlib

        _PATTERN_IDS[key] = hashlib.sha256(f"{key[1]}:{key[0]}".encode()).hexdigest()[:12]
    return _PATTERN_IDS[key]


def _glob_to_regex(pattern: str) -> str:
    regex = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            regex += "(?:.*/)?"
            index += 3
            continue
        if pattern.startswith("**", index):
            regex += ".*"
            index += 2
            continue
        if char == "*":
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        else:
            regex += re.escape(char)
        index += 1
    return regex
