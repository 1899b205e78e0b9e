"""Settings from `[tool.mlready]` in pyproject.toml or from `mlready.toml`.

No cascading: one file is read (the explicit `--config`, else `mlready.toml`,
else `pyproject.toml` at the analysed root), then the CLI overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlready.model import Severity

FAIL_ON_CHOICES = ("error", "warning", "info", "never")

_KNOWN_KEYS = frozenset(
    {
        "select",
        "ignore",
        "per-file-ignores",
        "exclude",
        "extend-exclude",
        "fail-under",
        "fail-on",
        "max-file-size-mb",
        "baseline",
        "rules",
    }
)


class ConfigError(Exception):
    """A configuration problem: reported with exit code 2."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    fail_under: float | None = None
    fail_on: str = "error"
    max_file_size_mb: float = 10.0
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline: str | None = None
    source: str | None = None

    @property
    def fail_on_severity(self) -> Severity | None:
        return None if self.fail_on == "never" else Severity(self.fail_on)

    @property
    def max_file_size(self) -> int:
        return int(self.max_file_size_mb * 1024 * 1024)


def find_config(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The config file in force for `root` and its `[tool.mlready]` table."""
    for name in ("mlready.toml", ".mlready.toml"):
        candidate = root / name
        if candidate.is_file():
            return candidate, _read_toml(candidate)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = _read_toml(pyproject)
        except ConfigError:
            return None  # a broken pyproject is the repository's problem, reported by the rules
        tool = data.get("tool")
        if isinstance(tool, dict) and isinstance(tool.get("mlready"), dict):
            return pyproject, {"tool": {"mlready": tool["mlready"]}}
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    from mlready.parsers import ParseError
    from mlready.parsers.text import decode
    from mlready.parsers.toml import parse_toml

    try:
        return parse_toml(decode(path.read_bytes()))
    except (OSError, ParseError) as error:
        raise ConfigError(f"{path}: {getattr(error, 'message', error)}") from None


def load_settings(root: Path, config_path: Path | None, known_rules: dict[str, str]) -> Settings:
    """Read settings. `known_rules` maps every code and name (lower case) to its code."""
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigError(f"config file not found: {config_path}")
        data = _read_toml(config_path)
        table = data.get("tool", {}).get("mlready", data) if config_path.name == "pyproject.toml" else data
        located: tuple[Path, dict[str, Any]] | None = (config_path, table)
    else:
        found = find_config(root)
        located = None
        if found is not None:
            path, data = found
            table = data["tool"]["mlready"] if path.name == "pyproject.toml" else data
            located = (path, table)
    settings = Settings()
    if located is None:
        return settings
    path, table = located
    settings.source = str(path)
    _apply(settings, table, str(path), known_rules)
    return settings


def _apply(settings: Settings, table: dict[str, Any], where: str, known_rules: dict[str, str]) -> None:
    for key in table:
        if key not in _KNOWN_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.mlready]")
    if "select" in table:
        settings.select = _string_list(table["select"], "select", where)
        for entry in settings.select:
            check_selector(entry, known_rules, f"{where}: select")
    if "ignore" in table:
        raw = table["ignore"]
        if isinstance(raw, dict):
            ignore = {str(key): str(value) for key, value in raw.items()}
        else:
            ignore = {code: "" for code in _string_list(raw, "ignore", where)}
        for entry in ignore:
            check_selector(entry, known_rules, f"{where}: ignore")
        settings.ignore = ignore
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: 'per-file-ignores' must be a table of pattern -> list of codes")
        for pattern, codes in raw.items():
            entries = _string_list(codes, f"per-file-ignores.{pattern}", where)
            for entry in entries:
                check_selector(entry, known_rules, f"{where}: per-file-ignores")
            settings.per_file_ignores[str(pattern)] = entries
    if "exclude" in table:
        settings.exclude = _string_list(table["exclude"], "exclude", where)
    if "extend-exclude" in table:
        settings.exclude = settings.exclude + _string_list(table["extend-exclude"], "extend-exclude", where)
    if "fail-under" in table:
        value = table["fail-under"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise ConfigError(f"{where}: 'fail-under' must be a number from 0 to 100")
        settings.fail_under = float(value)
    if "fail-on" in table:
        value = table["fail-on"]
        if value not in FAIL_ON_CHOICES:
            raise ConfigError(f"{where}: 'fail-on' must be one of {', '.join(FAIL_ON_CHOICES)}")
        settings.fail_on = value
    if "max-file-size-mb" in table:
        value = table["max-file-size-mb"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{where}: 'max-file-size-mb' must be a positive number")
        settings.max_file_size_mb = float(value)
    if "baseline" in table:
        if not isinstance(table["baseline"], str):
            raise ConfigError(f"{where}: 'baseline' must be a path (relative to the repository root)")
        settings.baseline = table["baseline"]
    if "rules" in table:
        raw = table["rules"]
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: 'rules' must be a table of rule -> options")
        for selector, options in raw.items():
            code = known_rules.get(str(selector).lower())
            if code is None:
                raise ConfigError(f"{where}: unknown rule '{selector}' in [tool.mlready.rules]")
            if not isinstance(options, dict):
                raise ConfigError(f"{where}: options of rule '{selector}' must be a table")
            settings.rule_options[code] = dict(options)


def _string_list(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def check_selector(entry: str, known_rules: dict[str, str], where: str) -> None:
    """A selector is ALL, a rule code, a code prefix (e.g. DEP) or a rule name."""
    lower = entry.lower()
    if lower == "all" or lower in known_rules:
        return
    if any(code.lower().startswith(lower) for code in known_rules.values()):
        return
    raise ConfigError(f"{where}: unknown rule code or name '{entry}'")


def matches(selector: str, code: str, name: str) -> bool:
    lower = selector.lower()
    return lower == "all" or lower == name or code.lower().startswith(lower)
