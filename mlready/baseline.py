"""Baselines for gradual adoption: hide known findings, keyed by fingerprint (not by line)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlready import __version__
from mlready.config import ConfigError
from mlready.model import Finding

SCHEMA_VERSION = 1
DEFAULT_PATH = ".mlready-baseline.json"


@dataclass
class BaselineResult:
    path: str
    hidden: int = 0
    fixed: list[dict[str, Any]] = field(default_factory=list)


def write_baseline(path: Path, findings: list[Finding]) -> int:
    entries = sorted(
        (
            {"fingerprint": finding.fingerprint, "code": finding.code, "path": finding.path, "message": finding.message}
            for finding in findings
        ),
        key=lambda entry: (entry["path"] or "", entry["code"], entry["fingerprint"]),
    )
    document = {"schema_version": SCHEMA_VERSION, "mlready_version": __version__, "findings": entries}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    return len(entries)


def load_baseline(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read baseline {path}: {error}") from None
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise ConfigError(f"{path} is not an mlready baseline (schema_version {SCHEMA_VERSION})")
    entries = document.get("findings")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) and "fingerprint" in entry for entry in entries):
        raise ConfigError(f"{path}: 'findings' must be a list of entries with a fingerprint")
    return entries


def apply_baseline(path: Path, findings: list[Finding]) -> tuple[list[Finding], BaselineResult]:
    """The findings not in the baseline, and what the baseline hid or saw fixed."""
    entries = load_baseline(path)
    known = {entry["fingerprint"] for entry in entries}
    present = {finding.fingerprint for finding in findings}
    kept = [finding for finding in findings if finding.fingerprint not in known]
    result = BaselineResult(str(path), hidden=len(findings) - len(kept))
    result.fixed = [entry for entry in entries if entry["fingerprint"] not in present]
    return kept, result
