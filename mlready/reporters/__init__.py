"""Reporters turn a Report into text for people and machines.

Each module has `render(report, context) -> str`. Modules are imported only
when their format is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlready.engine import Report
    from mlready.reporters.common import Context

FORMATS = {
    "text": "mlready.reporters.text",
    "json": "mlready.reporters.json_report",
    "sarif": "mlready.reporters.sarif",
    "github": "mlready.reporters.github",
    "gitlab": "mlready.reporters.gitlab",
    "junit": "mlready.reporters.junit",
    "markdown": "mlready.reporters.markdown",
    "html": "mlready.reporters.html",
    "badge": "mlready.reporters.badge",
}


def renderer(name: str) -> Callable[[Report, Context], str]:
    return importlib.import_module(FORMATS[name]).render  # type: ignore[no-any-return,unused-ignore]
