"""`--fix` and `--diff`: safe fixes, shown or applied, never anything else."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mlready.cli import main
from mlready.fixes import add_pip_no_cache_dir, strip_notebook_outputs
from mlready.rule import notebook

SELECT = ("--select", "MOD002")


def test_diff_shows_and_changes_nothing(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"a.ipynb": notebook("x = 1", outputs=True, counts=[3])})
    before = (root / "a.ipynb").read_bytes()
    result = CliRunner().invoke(main, ["check", str(root), *SELECT, "--diff"])
    assert result.exit_code == 1
    assert "--- a/a.ipynb" in result.stdout and '-   "execution_count": 3,' in result.stdout
    assert (root / "a.ipynb").read_bytes() == before


def test_fix_strips_outputs_then_reports_clean(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"a.ipynb": notebook("x = 1", "y = 2", outputs=True, counts=[1, 2]), "b.ipynb": notebook("z = 1")})
    untouched = (root / "b.ipynb").read_bytes()
    result = CliRunner().invoke(main, ["check", str(root), *SELECT, "--fix", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []
    cells = json.loads((root / "a.ipynb").read_text())["cells"]
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells)
    assert [cell["source"] for cell in cells] == ["x = 1", "y = 2"]
    assert (root / "b.ipynb").read_bytes() == untouched


def test_strip_keeps_tagged_cells_and_invalid_json() -> None:
    document = json.loads(notebook("a = 1", "b = 2", outputs=True, counts=[1, 2]))
    document["cells"][1]["metadata"]["tags"] = ["keep_output"]
    stripped = json.loads(strip_notebook_outputs(json.dumps(document, indent=1)))
    assert stripped["cells"][0]["outputs"] == []
    assert stripped["cells"][1]["outputs"] != []
    assert strip_notebook_outputs('{"cells": [') == '{"cells": ['


def test_pip_no_cache_dir_only_in_run_instructions() -> None:
    dockerfile = (
        "FROM python:3.11\n"
        "# pip install in a comment stays\n"
        "RUN pip install --upgrade pip && \\\n"
        "    python -m pip install numpy==1.26.4\n"
        "RUN pip install --no-cache-dir pandas==2.2.2\n"
        "LABEL note=\"pip install\"\n"
    )
    fixed = add_pip_no_cache_dir(dockerfile)
    assert fixed.split("\n") == [
        "FROM python:3.11",
        "# pip install in a comment stays",
        "RUN pip install --no-cache-dir --upgrade pip && \\",
        "    python -m pip install --no-cache-dir numpy==1.26.4",
        "RUN pip install --no-cache-dir pandas==2.2.2",
        'LABEL note="pip install"',
        "",
    ]
    assert add_pip_no_cache_dir(fixed) == fixed
