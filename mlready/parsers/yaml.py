"""YAML loaded safely, with line numbers and a bound on alias expansion.

Nodes are composed by PyYAML's safe loader and converted here: no tag ever
constructs an object, and an alias bomb stops at a node budget.
"""

from __future__ import annotations

from typing import Any

from mlready.parsers import ParseError

NODE_BUDGET = 200_000


class YamlMap(dict):  # type: ignore[type-arg,unused-ignore]
    """A mapping that remembers the 1-based line of each key."""

    lines: dict[Any, int]
    line: int


class YamlList(list):  # type: ignore[type-arg,unused-ignore]
    """A sequence that remembers the 1-based line of each item."""

    lines: list[int]
    line: int


def parse_yaml(text: str) -> list[Any]:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=loader_class))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ParseError(f"YAML syntax error: {error.problem or error}", line) from None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise ParseError(f"YAML could not be read: {type(error).__name__}") from None
    converter = _Converter(yaml.SafeLoader(""))
    return [converter.convert(node, 0) for node in nodes if node is not None]


class _Converter:
    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.budget = NODE_BUDGET

    def convert(self, node: Any, depth: int) -> Any:
        import yaml

        self.budget -= 1
        if self.budget < 0:
            raise ParseError("YAML expands to too many nodes (alias bomb?): not analysed")
        if depth > 500:
            raise ParseError("YAML nested too deeply: not analysed")
        if isinstance(node, yaml.MappingNode):
            result = YamlMap()
            result.lines = {}
            result.line = node.start_mark.line + 1
            for key_node, value_node in node.value:
                key = self.convert(key_node, depth + 1)
                if isinstance(key, (dict, list)):
                    key = str(key)
                if key == "<<" and isinstance(value_node, (yaml.MappingNode, yaml.SequenceNode)):
                    merged = self.convert(value_node, depth + 1)
                    for item in merged if isinstance(merged, list) else [merged]:
                        if isinstance(item, dict):
                            for merged_key, merged_value in item.items():
                                result.setdefault(merged_key, merged_value)
                    continue
                result[key] = self.convert(value_node, depth + 1)
                result.lines[key] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            items = YamlList()
            items.lines = []
            items.line = node.start_mark.line + 1
            for item in node.value:
                items.append(self.convert(item, depth + 1))
                items.lines.append(item.start_mark.line + 1)
            return items
        return self._scalar(node)

    def _scalar(self, node: Any) -> Any:
        tag = node.tag or ""
        if tag.startswith("tag:yaml.org,2002:") and tag.rsplit(":", 1)[1] in {"null", "bool", "int", "float", "str"}:
            try:
                return self.loader.construct_object(node, deep=False)
            except Exception:
                return node.value
        return node.value
