"""Dockerfiles, parsed with dockerfile-parse (no build, no variable expansion)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import NamedTuple

from mlready.parsers import ParseError


class Instruction(NamedTuple):
    keyword: str
    value: str
    line: int
    end_line: int


@dataclass
class Stage:
    image: str
    alias: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def last(self, keyword: str) -> Instruction | None:
        found = [item for item in self.instructions if item.keyword == keyword]
        return found[-1] if found else None


@dataclass
class Dockerfile:
    instructions: list[Instruction]
    stages: list[Stage]

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def all(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]


class ImageRef(NamedTuple):
    name: str
    tag: str | None
    digest: str | None


def parse_image(reference: str) -> ImageRef:
    """Split `registry:5000/name:tag@sha256:...` into its parts."""
    digest = None
    if "@" in reference:
        reference, digest = reference.split("@", 1)
    tag = None
    last_segment = reference.rsplit("/", 1)[-1]
    if ":" in last_segment:
        reference, tag = reference.rsplit(":", 1)
    return ImageRef(reference, tag, digest)


def parse_dockerfile(text: str) -> Dockerfile:
    from dockerfile_parse import DockerfileParser

    try:
        parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")), env_replace=False)
        structure = parser.structure
    except Exception as error:  # the parser is lenient; guard against the unexpected anyway
        raise ParseError(f"Dockerfile could not be parsed: {type(error).__name__}") from None
    instructions = [
        Instruction(
            keyword=str(item["instruction"]).upper(),
            value=str(item["value"]),
            line=int(item["startline"]) + 1,
            end_line=int(item["endline"]) + 1,
        )
        for item in structure
        if str(item["instruction"]).upper() != "COMMENT"
    ]
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = [word for word in instruction.value.split() if not word.startswith("--")]
            image = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(image, alias, instruction.line))
        elif stages:
            stages[-1].instructions.append(instruction)
    return Dockerfile(instructions, stages)
