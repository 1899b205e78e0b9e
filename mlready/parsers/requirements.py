"""pip requirements files, parsed with `packaging` (PEP 508)."""

from __future__ import annotations

import re
from typing import NamedTuple

from mlready.patterns import lazy_compile

_HASH_OPTION = lazy_compile(r"\s--hash[=\s]\S+")
_INCLUDE = lazy_compile(r"^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
_EDITABLE = lazy_compile(r"^(-e|--editable)(?:\s+|=)(\S+)")


class Requirement(NamedTuple):
    """One line of a requirements file that names a package, or an include."""

    line: int
    raw: str
    name: str | None = None
    specifier: str = ""
    url: str | None = None
    hashed: bool = False
    include: str | None = None
    constraint: bool = False
    local_path: bool = False
    invalid: str | None = None

    @property
    def pinned(self) -> bool:
        """Exact: `==X` (no wildcard) or `===X`, a hash, or a URL fixed at a commit or file."""
        if self.hashed:
            return True
        if self.url is not None:
            # A commit, an archive whose name or folder carries a version or a commit (not a branch
            # archive), or an archive with its hash (`#sha256=...`).
            url, _, fragment = self.url.partition("#")
            archive = re.search(r"/([^/]+)\.(?:whl|tar\.gz|zip|tgz)$", url)
            return bool(
                re.search(r"@[0-9a-f]{7,40}\b", url)
                or (archive and re.search(r"\d+\.\d+|^[0-9a-f]{7,40}$", archive.group(1)))
                or (archive and re.search(r"/v?\d+\.\d+(?:\.\d+)*/", url[: archive.start() + 1]))
                or (archive and re.search(r"\b(?:sha256|sha384|sha512)=[0-9a-f]{64,}", fragment))
            )
        specs = [part.strip() for part in self.specifier.split(",") if part.strip()]
        return any(
            (spec.startswith("==") and "*" not in spec) or spec.startswith("===") for spec in specs
        )


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, content) with comments removed and continuations joined."""
    result: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not buffer:
            start = number
        stripped = re.sub(r"(^|\s)#.*$", "", line).rstrip()
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        if buffer.strip():
            result.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        result.append((start, buffer.strip()))
    return result


def parse_requirement_line(line: int, content: str) -> Requirement | None:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    include = _INCLUDE.match(content)
    if include:
        return Requirement(
            line, content, include=include.group(2), constraint=include.group(1) in ("-c", "--constraint")
        )
    editable = _EDITABLE.match(content)
    if editable:
        target = editable.group(2)
        is_url = "://" in target or target.startswith("git+")
        return Requirement(line, content, url=target if is_url else None, local_path=not is_url)
    if content.startswith("-"):
        return None  # a global option such as --index-url or --extra-index-url
    hashed = bool(_HASH_OPTION.search(" " + content))
    spec_text = _HASH_OPTION.sub("", " " + content).strip()
    spec_text = re.split(r"\s-{1,2}[a-z]", " " + spec_text)[0].strip()  # per-requirement options
    if spec_text.startswith((".", "/", "~")) or re.match(r"^[A-Za-z]:\\", spec_text):
        return Requirement(line, content, local_path=True)
    if "://" in spec_text and "@" not in spec_text.split("://")[0]:
        name_match = re.search(r"[#&]egg=([\w.-]+)", spec_text)
        return Requirement(line, content, name=name_match.group(1) if name_match else None, url=spec_text)
    try:
        parsed = Pep508(spec_text)
    except InvalidRequirement as error:
        return Requirement(line, content, invalid=str(error).splitlines()[0][:200])
    return Requirement(
        line,
        content,
        name=canonical_name(parsed.name),
        specifier=str(parsed.specifier),
        url=parsed.url,
        hashed=hashed,
    )


def parse_requirements(text: str) -> list[Requirement]:
    result = []
    for line, content in logical_lines(text):
        requirement = parse_requirement_line(line, content)
        if requirement is not None:
            result.append(requirement)
    return result


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
