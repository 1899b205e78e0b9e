"""The GitHub Action's safety, and `mlready init`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner

from mlready.cli import main
from mlready.rule import notebook

from helpers import ROOT


def test_action_passes_inputs_through_env_only() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps
    for step in steps:
        assert "${{" not in step["run"], f"step {step.get('name')} interpolates an expression into its script"
        for value in step.get("env", {}).values():
            assert value.startswith("${{ inputs.")
    used = {value.split("inputs.")[1].rstrip(" }") for step in steps for value in step.get("env", {}).values()}
    assert used == set(action["inputs"])


def test_action_script_with_hostile_args(tmp_path: Path) -> None:
    """Run the check step's script in bash with a fake mlready: hostile input stays data."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    script = action["runs"]["steps"][1]["run"]
    fake = tmp_path / "bin" / "mlready"
    fake.parent.mkdir()
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$ARGS_OUT"\n')
    fake.chmod(0o755)
    marker = tmp_path / "pwned"
    env = {
        **os.environ,
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
        "ARGS_OUT": str(tmp_path / "args.txt"),
        "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
        "MLREADY_PATH": ".",
        "MLREADY_ARGS": f"--fail-under 60 $(touch {marker}) ; touch {marker}",
        "MLREADY_FORMATS": "sarif:m.sarif markdown:s.md",
    }
    subprocess.run(["bash", "-c", script], env=env, check=True, cwd=tmp_path)
    assert not marker.exists()
    args = (tmp_path / "args.txt").read_text().splitlines()
    assert args[:8] == ["check", ".", "--format", "github", "--format", "sarif:m.sarif", "--format", "markdown:s.md"]
    assert "$(touch" in args
    assert (tmp_path / "out.txt").read_text() == "sarif=m.sarif\n"


def test_init_writes_config_and_templates_and_never_overwrites(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {
            "serve.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('model.joblib')\n",
            "train.py": "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit([[0]], [0])\n",
            "model.joblib": b"\x80\x04fake",
        }
    )
    result = CliRunner().invoke(main, ["init", str(root), "--templates"])
    assert result.exit_code == 0, result.output
    config = (root / "mlready.toml").read_text()
    assert 'select = ["ALL"]' in config and "fail-under = " in config
    written = sorted(str(path.relative_to(root)) for path in (root / "docs").glob("*.md"))
    assert "docs/ROLLBACK.md" in written and "docs/MONITORING.md" in written
    runbook = (root / "docs" / "ROLLBACK.md").read_text()
    assert "`serve.py`" in runbook and "`model.joblib`" in runbook and "sklearn" in runbook
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    (root / "docs" / "ROLLBACK.md").write_text("ours")
    before[root / "docs" / "ROLLBACK.md"] = b"ours"
    again = CliRunner().invoke(main, ["init", str(root), "--templates"])
    assert again.exit_code == 0
    assert "left unchanged" in again.output
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    # the starter config is valid: check reads it
    assert CliRunner().invoke(main, ["check", str(root), "--exit-zero"]).exit_code == 0


def test_init_into_pyproject(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"pyproject.toml": "[project]\nname = 'x'\nversion = '0'\n", "a.ipynb": notebook("x = 1")})
    result = CliRunner().invoke(main, ["init", str(root), "--pyproject"])
    assert result.exit_code == 0, result.output
    text = (root / "pyproject.toml").read_text()
    assert text.startswith("[project]\nname = 'x'") and "[tool.mlready]" in text and "[tool.mlready.ignore]" in text
    assert not (root / "mlready.toml").exists()
    assert CliRunner().invoke(main, ["check", str(root), "--exit-zero"]).exit_code == 0
