"""`.gitignore` matching for trees outside git, using pathspec's git semantics."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec


class GitignoreStack:
    """The `.gitignore` files in force while walking down a tree."""

    def __init__(self) -> None:
        self._stack: list[tuple[str, pathspec.PathSpec | None]] = []

    def push(self, folder: str, lines: list[str]) -> None:
        spec = None
        if lines:
            import pathspec  # imported on the first .gitignore: about 20 ms of start-up otherwise

            spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self._stack.append((folder, spec))

    def pop(self) -> None:
        self._stack.pop()

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for folder, spec in self._stack:
            if spec is None:
                continue
            local = rel[len(folder) + 1 :] if folder else rel
            candidate = local + "/" if is_dir else local
            result = spec.check_file(candidate)
            if result.include is not None:
                verdict = bool(result.include)
        return verdict
