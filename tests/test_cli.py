"""The command line as a user runs it: exit codes, formats, config errors, gates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mlready.cli import main
from mlready.model import CORE_PILLARS
from mlready.rule import notebook

# The three notebook rules only, so these tests do not move when other rules are added.
CORE_MOD = ("--select", "MOD001", "--select", "MOD002", "--select", "MOD003")
NOTEBOOK_ONLY = {"explore.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('x.csv')", outputs=True, counts=[2])}
CLEAN = {
    "explore.ipynb": notebook("from pkg.model import train\ntrain()"),
    "pkg/model.py": "def train():\n    return 1\n",
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_exit_1_on_error_findings(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(NOTEBOOK_ONLY)
    code, out, _ = invoke("check", str(root), *CORE_MOD, "--no-color")
    assert code == 1
    assert "MOD001 notebook-only-logic" in out
    assert "explore.ipynb:cell 0:1:1 MOD002 notebook-outputs-committed" in out
    assert "Readiness" in out and "Top fixes" in out


def test_exit_0_when_clean(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    code, out, _ = invoke("check", str(root), *CORE_MOD)
    assert code == 0, out
    assert "Readiness 100/100" in out


def test_exit_zero_and_fail_on_never(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(NOTEBOOK_ONLY)
    assert invoke("check", str(root), *CORE_MOD, "--exit-zero")[0] == 0
    assert invoke("check", str(root), *CORE_MOD, "--fail-on", "never")[0] == 0


def test_fail_on_warning_and_fail_under(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({**CLEAN, "explore.ipynb": notebook("from pkg.model import train", outputs=True)})
    assert invoke("check", str(root), *CORE_MOD)[0] == 0  # only a warning
    assert invoke("check", str(root), *CORE_MOD, "--fail-on", "warning")[0] == 1
    assert invoke("check", str(root), *CORE_MOD, "--fail-under", "99")[0] == 1
    assert invoke("check", str(root), *CORE_MOD, "--fail-under", "10")[0] == 0


def test_nothing_to_score_when_no_selected_rule_applies(make_repo) -> None:  # type: ignore[no-untyped-def]
    # EVL008 needs torch and MON001 serving code: neither applies to this repository.
    root = make_repo({"app.py": "import json\n", "README.md": "# app\n"})
    code, out, _ = invoke("check", str(root), "--select", "EVL008,MON001", "--fail-under", "80", "--no-color")
    assert code == 0, out  # nothing was judged, so the score gate cannot fail
    assert "Readiness n/a  level: n/a" in out
    code, out, _ = invoke("check", str(root), "--select", "EVL008,MON001", "--format", "json")
    data = json.loads(out)
    assert data["score"] is None and data["level"] == "n/a"
    assert {rule["outcome"] for rule in data["rules"] if rule["code"] in ("EVL008", "MON001")} == {"skip"}


def test_nothing_to_score_without_code(make_repo) -> None:  # type: ignore[no-untyped-def]
    # Rules that find nothing to complain about in an empty repository must not make it "production-ready".
    root = make_repo({"README.md": "# MLOps model API\n", "LICENSE": "MIT\n"})
    code, out, _ = invoke("check", str(root), "--format", "json", "--fail-under", "50", "--fail-on", "never")
    data = json.loads(out)
    assert (code, data["score"], data["level"]) == (0, None, "n/a")


def test_usage_errors_exit_2(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    assert invoke("check", str(tmp_path / "missing"))[0] == 2
    assert invoke("check", str(root), "--select", "NOPE999")[0] == 2
    assert invoke("check", str(root), "--fail-on", "sometimes")[0] == 2
    assert invoke("check", str(root), "--fail-under", "140")[0] == 2
    assert invoke("explain", "no-such-rule")[0] == 2
    assert invoke("nonsense")[0] == 2


def test_config_errors_name_the_key_and_file(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({**CLEAN, "pyproject.toml": "[tool.mlready]\nselekt = ['MOD']\n"})
    code, _, err = invoke("check", str(root))
    assert code == 2
    assert "selekt" in err and "pyproject.toml" in err
    (root / "pyproject.toml").write_text("[tool.mlready]\nignore = ['MOD999']\n")
    code, _, err = invoke("check", str(root))
    assert code == 2 and "MOD999" in err
    (root / "mlready.toml").write_text("fail-on = 'sometimes'\n")
    code, _, err = invoke("check", str(root))
    assert code == 2 and "mlready.toml" in err and "fail-on" in err
    (root / "mlready.toml").write_text("select = [\n")
    code, _, err = invoke("check", str(root))
    assert code == 2 and "TOML" in err
    (root / "mlready.toml").write_text("[rules.MOD999]\nx = 1\n")
    code, _, err = invoke("check", str(root))
    assert code == 2 and "MOD999" in err


def test_config_is_applied_and_cli_overrides(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {
            **NOTEBOOK_ONLY,
            "pyproject.toml": (
                "[tool.mlready]\nselect = ['MOD001', 'MOD002', 'MOD003']\nfail-on = 'never'\n"
                "[tool.mlready.ignore]\nnotebook-only-logic = 'exploration repo, no package planned'\n"
            ),
        }
    )
    code, out, _ = invoke("check", str(root), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {rule["code"] for rule in data["rules"]} == {"MOD001", "MOD002", "MOD003"}
    ignored = next(rule for rule in data["rules"] if rule["code"] == "MOD001")
    assert ignored["outcome"] == "skip" and "exploration repo" in ignored["reason"]
    assert invoke("check", str(root), "--fail-on", "warning")[0] == 1


def test_exclude_config(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({**CLEAN, "scratch/old.ipynb": notebook("x = 1", outputs=True), "mlready.toml": "extend-exclude = ['scratch']\n"})
    code, out, _ = invoke("check", str(root), *CORE_MOD, "--format", "json")
    assert code == 0
    assert not any(finding["path"].startswith("scratch") for finding in json.loads(out)["findings"])


def test_json_schema(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(NOTEBOOK_ONLY)
    code, out, _ = invoke("check", str(root), "--format", "json")
    data = json.loads(out)
    assert code == 1
    for key in ("schema_version", "mlready_version", "score", "level", "pillars", "rules", "findings"):
        assert key in data
    assert {pillar.value for pillar in CORE_PILLARS} <= set(data["pillars"])
    for value in data["pillars"].values():
        assert {"score", "passed", "failed", "skipped"} <= set(value)
    for rule in data["rules"]:
        assert {"code", "name", "pillar", "outcome"} <= set(rule)
        assert rule["outcome"] in ("pass", "partial", "fail", "skip")
    finding_keys = {"code", "name", "severity", "pillar", "path", "line", "column", "end_line", "end_column", "cell", "message", "fingerprint"}
    assert data["findings"]
    for finding in data["findings"]:
        assert set(finding) == finding_keys
    cell_finding = next(f for f in data["findings"] if f["code"] == "MOD002")
    assert cell_finding["cell"] == 0 and cell_finding["line"] == 1
    assert isinstance(data["score"], int) and 0 <= data["score"] <= 100


def test_output_file_and_determinism(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(NOTEBOOK_ONLY)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert invoke("check", str(root), "--format", "json", "-o", str(first))[0] == 1
    assert invoke("check", str(root), "--format", "json", "-o", str(second))[0] == 1
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["findings"]


def test_no_color_unless_asked(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(NOTEBOOK_ONLY)
    assert "\x1b[" not in invoke("check", str(root))[1]
    assert "\x1b[" in invoke("check", str(root), "--color")[1]


def test_rules_and_explain() -> None:
    code, out, _ = invoke("rules", "--format", "json")
    assert code == 0
    rules = json.loads(out)
    assert {"code", "name", "pillar", "severity", "summary"} == set(rules[0])
    assert any(rule["code"] == "MOD001" for rule in rules)
    code, out, _ = invoke("rules")
    assert code == 0 and "MOD001" in out and "notebook-only-logic" in out
    code, by_code, _ = invoke("explain", "MOD001")
    assert code == 0 and "## How to fix" in by_code and "## Non-compliant (INVALID)" in by_code
    assert invoke("explain", "notebook-only-logic")[1] == by_code


def test_module_entry_point_runs_in_a_subprocess(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(NOTEBOOK_ONLY, use_git=True)
    result = subprocess.run([sys.executable, "-m", "mlready", "check", str(root), *CORE_MOD], capture_output=True, text=True)
    assert result.returncode == 1
    assert "MOD001" in result.stdout
    assert "Traceback" not in result.stderr
