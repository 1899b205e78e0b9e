"""TOML via the standard library (tomli before Python 3.11)."""

from __future__ import annotations

import sys
from typing import Any

from mlready.parsers import ParseError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib


def parse_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        raise ParseError(f"TOML syntax error: {str(error).splitlines()[0]}", line) from None
    except RecursionError:
        raise ParseError("TOML nested too deeply") from None
