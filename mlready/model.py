"""Core value types shared by the engine, the rules and the reporters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used by the `--fail-on` gate."""
        return {"info": 1, "warning": 2, "error": 3}[self.value]

    @property
    def weight(self) -> int:
        """How much a rule of this severity weighs in its pillar's score."""
        return {"info": 1, "warning": 2, "error": 3}[self.value]


class Outcome(str, enum.Enum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def credit(self) -> float:
        return {"pass": 1.0, "partial": 0.5, "fail": 0.0, "skip": 0.0}[self.value]


class Pillar(str, enum.Enum):
    """Parts of the readiness score. The first six are the core pillars."""

    MODULARITY = "modularity"
    TESTING = "testing"
    DEPENDENCIES = "dependencies"
    VERSIONING = "versioning"
    MONITORING = "monitoring"
    ROLLBACK = "rollback"
    SECURITY = "security"
    DOCUMENTATION = "documentation"
    EVALUATION = "evaluation"
    REPRODUCIBILITY = "reproducibility"
    AUTOMATION = "automation"

    @property
    def is_core(self) -> bool:
        return self in CORE_PILLARS

    @property
    def weight(self) -> int:
        """Weight in the overall score: core pillars count double."""
        return 2 if self.is_core else 1

    @property
    def prefix(self) -> str:
        return PILLAR_PREFIXES[self]


CORE_PILLARS = (
    Pillar.MODULARITY,
    Pillar.TESTING,
    Pillar.DEPENDENCIES,
    Pillar.VERSIONING,
    Pillar.MONITORING,
    Pillar.ROLLBACK,
)

PILLAR_PREFIXES = {
    Pillar.MODULARITY: "MOD",
    Pillar.TESTING: "TST",
    Pillar.DEPENDENCIES: "DEP",
    Pillar.VERSIONING: "VER",
    Pillar.MONITORING: "MON",
    Pillar.ROLLBACK: "RBK",
    Pillar.SECURITY: "SEC",
    Pillar.DOCUMENTATION: "DOC",
    Pillar.EVALUATION: "EVL",
    Pillar.REPRODUCIBILITY: "REP",
    Pillar.AUTOMATION: "AUT",
}


@dataclass(frozen=True)
class Finding:
    """One problem found by a rule, located at a file and line where one exists.

    Lines and columns are 1-based. For a notebook, `line` counts within the code
    cell numbered `cell` (0-based index among all cells, as in nbformat).
    """

    code: str
    name: str
    severity: Severity
    pillar: Pillar
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    cell: int | None = None
    partial: bool = False
    # Text that identifies the finding independently of its line (for fingerprints).
    anchor: str = ""
    fingerprint: str = ""

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (
            self.path or "",
            -1 if self.cell is None else self.cell,
            self.line or 0,
            self.column or 0,
            self.code,
            self.message,
        )


@dataclass(frozen=True)
class Diagnostic:
    """A file mlready could not fully read or parse. Never scored, always shown."""

    path: str
    message: str
    line: int | None = None

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.message)


@dataclass
class RuleResult:
    code: str
    name: str
    pillar: Pillar
    severity: Severity
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
