"""The rule registry: the built-in rules plus packs from the `mlready.rules` entry point.

Rules are collected from the classes their modules define, never from import
side effects, and never from the repository being analysed.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from functools import lru_cache
from types import ModuleType

from mlready.rule import FileRule, PythonRule, RepoRule, Rule

BUILTIN_MODULES = (
    "mlready.rules.modularity",
    "mlready.rules.testing",
    "mlready.rules.dependencies",
    "mlready.rules.versioning",
    "mlready.rules.monitoring",
    "mlready.rules.rollback",
    "mlready.rules.security",
    "mlready.rules.documentation",
    "mlready.rules.evaluation",
    "mlready.rules.reproducibility",
    "mlready.rules.automation",
)

PLUGIN_GROUP = "mlready.rules"

_BASES = (Rule, RepoRule, FileRule, PythonRule)


class RegistryError(Exception):
    pass


def rules_in_module(module: ModuleType) -> list[type[Rule]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, Rule)
        and value not in _BASES
        and value.__module__ == module.__name__
        and "code" in value.__dict__
    ]


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    classes: list[type[Rule]] = []
    for name in BUILTIN_MODULES:
        classes.extend(rules_in_module(importlib.import_module(name)))
    classes.extend(_plugin_rules())
    seen: dict[str, type[Rule]] = {}
    for rule in classes:
        for key in (rule.code.lower(), rule.name.lower()):
            if key in seen and seen[key] is not rule:
                raise RegistryError(f"duplicate rule code or name '{key}': {seen[key].__name__} and {rule.__name__}")
            seen[key] = rule
    return tuple(sorted(classes, key=lambda rule: rule.code))


def _may_have_plugins() -> bool:
    """Whether any installed distribution might declare an `mlready.rules` entry point.

    A quick look at the `entry_points.txt` files on `sys.path` spares every run the import of
    importlib.metadata and the parse of every distribution's metadata (about 30 ms) when no
    plugin is installed. Anything unusual on the path (a zip, an unreadable folder) says yes.
    """
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip or egg: let importlib.metadata look inside
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            return True
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), "rb") as handle:
                    if PLUGIN_GROUP.encode() in handle.read():
                        return True
            except OSError:
                continue
    return False


def _plugin_rules() -> list[type[Rule]]:
    if not _may_have_plugins():
        return []
    from importlib.metadata import entry_points

    found: list[type[Rule]] = []
    for entry in entry_points(group=PLUGIN_GROUP):
        loaded = entry.load()
        if inspect.ismodule(loaded):
            found.extend(rules_in_module(loaded))
        elif inspect.isclass(loaded) and issubclass(loaded, Rule):
            found.append(loaded)
        elif isinstance(loaded, (list, tuple)):
            found.extend(item for item in loaded if inspect.isclass(item) and issubclass(item, Rule))
    return found


def rule_lookup() -> dict[str, str]:
    """Every code and name, in lower case, mapped to its rule code."""
    lookup: dict[str, str] = {}
    for rule in all_rules():
        lookup[rule.code.lower()] = rule.code
        lookup[rule.name.lower()] = rule.code
    return lookup


def find_rule(selector: str) -> type[Rule] | None:
    code = rule_lookup().get(selector.lower())
    return next((rule for rule in all_rules() if rule.code == code), None)
