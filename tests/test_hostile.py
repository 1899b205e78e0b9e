"""mlready on a hostile repository: it never crashes, never leaks, never touches, never runs anything."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_corpus import CANARY, FAKE_AWS_KEY, build, restore_permissions

from helpers import git

FORMATS = ("json", "sarif", "github", "gitlab", "junit", "markdown", "html", "badge", "text")


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root (not following links) with a digest of its content or target."""
    state: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if rel.startswith(".git/") or rel == ".git" or ".mlready_cache" in rel:
                continue
            if path.is_symlink():
                state[rel] = "link:" + os.readlink(path)
            elif path.is_file():
                try:
                    state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    state[rel] = "unreadable"
            else:
                state[rel] = "other"
    return state


def run_check(root: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "mlready", "check", str(root)]
    for name in FORMATS[:-1]:
        args += ["--format", f"{name}:{out / name}"]
    args += ["--format", "text", "--color", *extra]
    environment = {"MLREADY_CACHE_DIR": str(out.parent / "cache"), **(env or os.environ)}
    return subprocess.run(args, capture_output=True, text=True, timeout=900, env=environment)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("hostile")
    root, outside, marker = base / "repo", base / "outside", base / "EXECUTED"
    root.mkdir()
    categories = build(root, outside, marker)
    yield root, marker, categories
    restore_permissions(root)


@pytest.mark.slow
def test_hostile_corpus_outside_git(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, marker, _ = corpus
    before = snapshot(root)
    started = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    clock = time.monotonic()
    result = run_check(root, tmp_path / "out")
    elapsed = time.monotonic() - clock
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not marker.exists(), "analysed code was executed"
    assert snapshot(root) == before, "the analysed tree changed"
    outputs = {name: (tmp_path / "out" / name).read_text() for name in FORMATS[:-1]}
    outputs["text"] = result.stdout
    for name, text in outputs.items():
        assert CANARY not in text, f"{name} output leaks a file from outside the repository"
        assert FAKE_AWS_KEY not in text, f"{name} output prints a secret whole"
    assert "\x1b[31mred" not in result.stdout, "a terminal escape from a file name reached the terminal"
    assert "\\x1b[31mred" in result.stdout
    report = json.loads(outputs["json"])
    secrets = {(f["path"], f["cell"]) for f in report["findings"] if f["name"] == "secret-in-repo"}
    assert ("config/settings.py", None) in secrets and any(path == "nb/leaky.ipynb" for path, _ in secrets)
    diagnosed = {item["path"] for item in report["diagnostics"]}
    expected = {
        "nb/invalid.ipynb",
        "nb/truncated.ipynb",
        "nb/no_cells.ipynb",
        "nb/huge_outputs.ipynb",
        "nb/deep.ipynb",
        "py/nul_bytes.py",
        "bin/blob.py",
        "bin/blob.ipynb",
        "bin/blob.yaml",
        "links/outside_file.py",
        "links/dangling.py",
        "links/fifo.py",
        ".github/workflows/laughs.yml",
        ".github/workflows/tabs.yml",
        "pyproject.toml",
    }
    assert expected <= diagnosed, f"no diagnostic for {sorted(expected - diagnosed)}"
    messages = {item["path"]: item["message"] for item in report["diagnostics"]}
    assert "syntax error" in messages["py/syntax_error.py"].lower()
    assert "KiB" in messages["py/long_file.py"] and "KiB" in messages["py/long_line.py"]  # over the Python-rule cap
    assert "nested" in messages["py/deep_nesting.py"]
    # The rest of the repository is still analysed: the unsafe yaml.load calls in readable files are found.
    yaml_findings = {f["path"] for f in report["findings"] if f["name"] == "yaml-unsafe-load"}
    for path in ("py/latin1.py", "py/utf16.py", "py/crlf.py", "names/with space.py", "names/new\nline.py"):
        assert path in yaml_findings, f"{path!r} was not analysed"
    assert peak_mib - started / 1024 < 1024 or peak_mib < 1024, f"peak RSS {peak_mib:.0f} MiB"
    print(f"\nhostile corpus: exit {result.returncode}, {elapsed:.1f} s, peak RSS {peak_mib:.0f} MiB, {len(report['diagnostics'])} diagnostics")


@pytest.mark.slow
def test_hostile_corpus_is_deterministic_and_order_independent(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = corpus
    cold = run_check(root, tmp_path / "a", "--select", "SEC,MOD,DEP", "--no-cache")
    first = run_check(root, tmp_path / "b", "--select", "SEC,MOD,DEP")  # fills the cache
    warm = run_check(root, tmp_path / "c", "--select", "SEC,MOD,DEP")  # reads it
    reports = [(tmp_path / name / "json").read_bytes() for name in "abc"]
    assert reports[0] == reports[1] == reports[2]
    assert cold.returncode == first.returncode == warm.returncode


@pytest.mark.slow
def test_git_repo_without_commits_and_without_git_on_path(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"a.py": "import yaml\nyaml.load(open('x'))\n", ".gitignore": "ignored.py\n", "ignored.py": "import yaml\nyaml.load(x)\n"})
    git(root, "init", "-q")
    result = run_check(root, tmp_path / "git")
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    paths = {f["path"] for f in json.loads((tmp_path / "git" / "json").read_text())["findings"]}
    assert "a.py" in paths and "ignored.py" not in paths
    no_git = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    result = run_check(root, tmp_path / "nogit", env=no_git)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    paths = {f["path"] for f in json.loads((tmp_path / "nogit" / "json").read_text())["findings"]}
    assert "a.py" in paths and "ignored.py" not in paths  # .gitignore still honoured by the walk


def test_empty_repository_and_bad_paths(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([sys.executable, "-m", "mlready", "check", str(empty)], capture_output=True, text=True)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert "Readiness" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "mlready", "check", str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    a_file = tmp_path / "file.py"
    a_file.write_text("x = 1\n")
    result = subprocess.run([sys.executable, "-m", "mlready", "check", str(a_file)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
