"""`mlready init`: a starter configuration and, on request, templates for what is missing.

Nothing existing is ever overwritten: a file that exists is left alone and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlready.engine import Report
from mlready.model import Outcome
from mlready.repo import Repo


@dataclass
class Planned:
    path: str
    text: str
    reason: str


def starter_config(report: Report, for_pyproject: bool) -> str:
    current = report.score.overall or 0.0
    floor = max(0, int(current) // 5 * 5)
    failing = [result for result in report.results if result.outcome is Outcome.FAIL]
    header = "[tool.mlready]\n" if for_pyproject else ""
    lines = [
        "# mlready configuration: https://github.com/mlready/mlready#configuration",
        header.rstrip("\n"),
        'select = ["ALL"]',
        f"# The current score is {int(current + 0.5)}: the gate starts here, raise it as the project improves.",
        f"fail-under = {floor}",
        'fail-on = "error"',
        '# extend-exclude = ["scratch/"]',
        "",
        "# Ignore a rule for the whole repository, with the reason the report will show:",
        f"[{'tool.mlready.' if for_pyproject else ''}ignore]",
    ]
    for result in failing[:3]:
        lines.append(f'# {result.name} = "why this does not apply here"')
    return "\n".join(line for line in lines if line != "") + "\n"


def _frameworks(repo: Repo) -> str:
    frameworks = sorted(repo.facts.ml_frameworks)
    return ", ".join(frameworks) if frameworks else "(none detected)"


def _model_files(repo: Repo) -> list[str]:
    suffixes = (".pkl", ".joblib", ".pt", ".pth", ".h5", ".keras", ".onnx", ".safetensors", ".ckpt", ".pb")
    return [file.path for file in repo.all_files if file.path.lower().endswith(suffixes)][:10]


def _serving(repo: Repo) -> str:
    modules = repo.facts.serving_modules
    return ", ".join(f"`{path}`" for path in modules[:5]) if modules else "(no serving code detected)"


def rollback_runbook(repo: Repo) -> str:
    models = _model_files(repo)
    model_lines = "\n".join(f"- `{path}`" for path in models) or "- (no model file in the repository; say where models are stored)"
    return f"""# Rollback runbook

How to put the previous model (or service version) back into production, quickly and safely.

## What is deployed
- Serving entry point: {_serving(repo)}
- Frameworks: {_frameworks(repo)}
- Model artifacts known to the repository:
{model_lines}

## When to roll back
- TODO: the alerts or metrics that trigger a rollback (error rate, latency, prediction drift, business KPI).
- TODO: who decides, and who is on call.

## How to roll back
1. TODO: find the previous good model version (registry alias/stage, artifact tag, image tag).
2. TODO: point serving at it (for example set `MODEL_VERSION`, move the registry alias, or redeploy the previous image tag).
3. TODO: verify: health check, smoke request, dashboards.

## Afterwards
- TODO: record the incident, and block the bad version from being promoted again.
"""


def model_card(repo: Repo) -> str:
    return f"""# Model card

Sections follow Mitchell et al., "Model Cards for Model Reporting" (2019).

## Model details
- Frameworks: {_frameworks(repo)}
- Version, date, owners: TODO

## Intended use
TODO: primary uses and users; out-of-scope uses.

## Factors
TODO: groups, instrumentation and environments that affect performance.

## Metrics
TODO: the metrics reported and why; decision thresholds.

## Evaluation data
TODO: datasets, motivation, preprocessing.

## Training data
TODO: datasets and how they were collected.

## Quantitative analyses
TODO: results overall and per slice/group.

## Ethical considerations
TODO: sensitive data, risks and mitigations.

## Caveats and recommendations
TODO
"""


def monitoring_plan(repo: Repo) -> str:
    return f"""# Monitoring plan

- Serving entry point: {_serving(repo)}

## Service health
TODO: request rate, error rate, latency (p50/p95/p99), saturation; where the dashboards live.

## Model quality
TODO: prediction distribution, input drift (which features, which test, which threshold), delayed-label quality metrics.

## Alerts
TODO: each alert, its threshold, and who receives it.

## Logging
TODO: what is logged per prediction (request id, model version, inputs/outputs or their hashes) and for how long.
"""


TEMPLATES = (
    ("docs/ROLLBACK.md", ("rollback-plan-undocumented",), rollback_runbook),
    ("docs/MODEL_CARD.md", ("model-card-missing",), model_card),
    ("docs/MONITORING.md", ("monitoring-absent", "drift-detection-absent", "alerting-not-configured"), monitoring_plan),
)


def plan_templates(repo: Repo, report: Report) -> list[Planned]:
    failing = {result.name for result in report.results if result.outcome in (Outcome.FAIL, Outcome.PARTIAL)}
    planned = []
    for path, rule_names, build in TEMPLATES:
        reasons = [name for name in rule_names if name in failing]
        if reasons:
            planned.append(Planned(path, build(repo), ", ".join(reasons)))
    return planned


def write_new(root: Path, planned: list[Planned]) -> list[str]:
    """Write each planned file that does not exist yet; return the paths written."""
    written = []
    for item in planned:
        target = root / item.path
        if target.exists() or target.is_symlink():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
            handle.write(item.text)
        written.append(item.path)
    return written
