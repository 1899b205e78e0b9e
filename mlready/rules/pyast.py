"""Small helpers for Python rules, over CPython's `ast` nodes."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlready.parsers.python import PythonSource


def dotted_name(node: ast.AST | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def qualified_name(node: ast.AST, source: PythonSource) -> str | None:
    """The dotted name with its first part resolved through the module's imports."""
    name = dotted_name(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    resolved = source.aliases.get(head, head)
    return f"{resolved}.{rest}" if rest else resolved


def call_name(call: ast.Call, source: PythonSource) -> str | None:
    return qualified_name(call.func, source)


def method_name(call: ast.Call) -> str | None:
    """The last attribute of the called expression: `fit` for `model.fit(...)`."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value passed as keyword `name`, or None."""
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def has_star_args(call: ast.Call) -> bool:
    return any(isinstance(arg, ast.Starred) for arg in call.args) or any(item.arg is None for item in call.keywords)


def positional(call: ast.Call, index: int) -> ast.expr | None:
    """The `index`-th positional argument (before any `*args`), or None."""
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return None
        if position == index:
            return arg
    return None


def literal(node: ast.AST | None) -> Any:
    """The Python value of a literal expression (strings, numbers, True/False/None, -1), else NOT_LITERAL."""
    if node is None:
        return NOT_LITERAL
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    return NOT_LITERAL


class _NotLiteral:
    def __repr__(self) -> str:
        return "NOT_LITERAL"


NOT_LITERAL: Any = _NotLiteral()



def targets_of(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[ast.expr]:
    """The assigned expressions of any assignment statement."""
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]
