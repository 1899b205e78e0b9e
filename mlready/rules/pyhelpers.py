"""Small helpers for libcst-based rules. libcst is imported lazily, on first call."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

    from mlready.parsers.python import PythonSource


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    import libcst as cst

    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def qualified_name(node: cst.BaseExpression, source: PythonSource) -> str | None:
    """The dotted name with its first part resolved through the module's imports."""
    name = dotted_name(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    resolved = source.aliases.get(head, head)
    return f"{resolved}.{rest}" if rest else resolved


def call_name(call: cst.Call, source: PythonSource) -> str | None:
    return qualified_name(call.func, source)


def method_name(call: cst.Call) -> str | None:
    """The last attribute of the called expression: `fit` for `model.fit(...)`."""
    import libcst as cst

    if isinstance(call.func, cst.Attribute):
        return call.func.attr.value
    if isinstance(call.func, cst.Name):
        return call.func.value
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star in ("*", "**") for arg in call.args)


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    args = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return args[index] if index < len(args) else None


def literal(node: cst.BaseExpression) -> Any:
    """The Python value of a literal expression (strings, numbers, True/False/None), else a sentinel."""
    import libcst as cst

    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString, cst.UnaryOperation)):
        try:
            code = cst.Module([]).code_for_node(node)
            return ast.literal_eval(code)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return NOT_LITERAL
    return NOT_LITERAL


class _NotLiteral:
    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Any = _NotLiteral()


def is_string_literal(node: cst.BaseExpression) -> bool:
    return isinstance(literal(node), str)
