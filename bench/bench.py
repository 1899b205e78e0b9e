#!/usr/bin/env python3
"""Benchmark mlready against the parse floor and its peers (mllint, pynblint).

Usage (see bench/README.md):

    python bench/bench.py REPO [REPO ...] [--runs 5] [--out bench/RESULTS.md]
        [--mllint /path/to/venv/bin/mllint] [--pynblint /path/to/venv/bin/pynblint]

For each repository it measures, alternating the scenarios run by run
(cold, warm, edit, floor, mllint, pynblint, cold, warm, ...):

* cold:  `python -m mlready check REPO --format json -o /dev/null --exit-zero`
         with MLREADY_CACHE_DIR set to a fresh, empty folder for each run;
* warm:  the same command with one persistent cache folder, filled by the first
         cold run (which had it fresh and empty), so every timed warm run is at
         least the second run in that folder;
* edit:  on a copy of the repository's tracked files (a fresh `git init` so that
         mlready lists files the same way), primed once; each run appends a
         comment line to one typical .py file (the median-sized one) and checks;
* floor: one subprocess of the same python that reads every .py file and runs
         `ast.parse` on it; timed from outside (startup included) and inside;
* mllint / pynblint, when their executables are given, with a timeout.

Every command runs in its own process group; its wall time is taken around
spawn..reap, its CPU time (user+sys) and peak RSS come from `os.wait4`, which
covers the process and every descendant it waited for (peak RSS is that of the
largest single process, not a sum). Medians are reported; every raw run is kept
in the Markdown (collapsible) and in a JSON sidecar.

Only the standard library is used, so any python >= 3.9 with mlready importable
can run it; mlready is run with sys.executable.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SCENARIOS = ("cold", "warm", "edit", "floor", "mllint", "pynblint")
LABELS = {
    "cold": "mlready cold",
    "warm": "mlready warm",
    "edit": "mlready warm, one file edited",
    "floor": "floor: one python reads + ast.parses every .py, then every notebook's code cells",
    "mllint": "mllint run",
    "pynblint": "pynblint",
}

# The floor: one process, every .py file read and parsed. Also, separately timed,
# every notebook loaded as JSON and its code cells parsed (magics and shell lines
# blanked), which is a floor for notebook-heavy repositories.
FLOOR_SCRIPT = r"""
import ast, json, sys, time
t0 = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as handle:
    files = [line for line in handle.read().split("\0") if line]
py_files = [f for f in files if f.endswith(".py")]
nb_files = [f for f in files if f.endswith(".ipynb")]
parsed = failed = unreadable = size = 0
for name in py_files:
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError:
        unreadable += 1
        continue
    size += len(data)
    try:
        ast.parse(data, filename=name)
        parsed += 1
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        failed += 1
t1 = time.perf_counter()
cells = cell_failed = nb_failed = 0
for name in nb_files:
    try:
        with open(name, "rb") as handle:
            nb = json.loads(handle.read())
        nb_cells = nb.get("cells")
        if nb_cells is None:  # nbformat 3
            nb_cells = [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    except (OSError, ValueError, AttributeError):
        nb_failed += 1
        continue
    for cell in nb_cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(source)
        lines = [("" if l.lstrip().startswith(("%", "!")) else l) for l in str(source).splitlines()]
        cells += 1
        try:
            ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            cell_failed += 1
t2 = time.perf_counter()
print(json.dumps({"inproc_py_s": t1 - t0, "inproc_nb_s": t2 - t1, "py_parsed": parsed,
                  "py_failed": failed, "py_unreadable": unreadable, "py_bytes": size,
                  "nb_failed": nb_failed, "nb_cells": cells, "nb_cells_failed": cell_failed}))
"""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- running one command ---------------------------------------------------------


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
                 timeout: float | None = None) -> dict:
    """Run cmd to completion; wall, CPU and peak RSS of it and its descendants."""
    output = tempfile.TemporaryFile()
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                            env=env, cwd=cwd, start_new_session=True)
    expired = threading.Event()

    def kill_group() -> None:
        expired.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    timer = threading.Timer(timeout, kill_group) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if timer:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    try:  # leftovers of the group (a tool's own children) must not outlive the run
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    output.seek(0)
    text = output.read().decode("utf-8", "replace")
    output.close()
    return {
        "wall_s": round(wall, 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "user_s": round(usage.ru_utime, 4),
        "sys_s": round(usage.ru_stime, 4),
        "maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "rc": proc.returncode,
        "timed_out": expired.is_set(),
        "load1_before": round(load_before, 2),
        "output": text,
    }


# -- facts about the machine and the repositories ---------------------------------


def sh(cmd: list[str], cwd: str | None = None) -> str:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def mlready_facts(python: str, pythonpath: str = "") -> dict:
    code = "import mlready, os; print(mlready.__version__); print(os.path.dirname(mlready.__file__))"
    env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else None
    # cwd "/": `python -c` and `python -m` put their working folder first on sys.path, which would
    # shadow both the installed mlready and the --mlready-ref copy when run from a checkout.
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, cwd="/",
                         check=False).stdout.splitlines()
    facts = {"version": out[0] if out else "not importable", "package": out[1] if len(out) > 1 else ""}
    if facts["package"]:
        root = sh(["git", "rev-parse", "--show-toplevel"], cwd=facts["package"])
        if root:
            facts["commit"] = sh(["git", "rev-parse", "HEAD"], cwd=root)
            facts["commit_subject"] = sh(["git", "log", "-1", "--format=%s"], cwd=root)[:120]
            dirty = subprocess.run(["git", "status", "--porcelain", "-z", "--", facts["package"]], cwd=root,
                                   capture_output=True, text=True, check=False).stdout
            facts["dirty_files"] = [item[3:] for item in dirty.split("\0") if len(item) > 3]
    return facts


def package_digest(package: str) -> str:
    """A short digest of the mlready package's .py files: a change mid-benchmark (someone editing
    the work tree of an editable install) would make runs measure different code, and would
    invalidate the result cache of the warm runs."""
    import hashlib

    digest = hashlib.sha256()
    if package:
        for path in sorted(Path(package).rglob("*.py")):
            digest.update(path.as_posix().encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                pass
    return digest.hexdigest()[:12]


def tool_version(executable: str) -> str:
    """The tool's version: its own `version` command (mllint) or its distribution metadata."""
    name = Path(executable).name
    if name == "mllint":
        out = sh([executable, "version"]).splitlines()
        return out[0].split(":", 1)[-1].strip() if out else "unknown"
    try:
        shebang = Path(executable).read_text(errors="replace").splitlines()[0]
        if shebang.startswith("#!"):
            python = shebang[2:].strip().split()[0]
            return sh([python, "-c", f"import importlib.metadata as m; print(m.version({name!r}))"]) or "unknown"
    except (OSError, IndexError):
        pass
    return "unknown"


def list_files(repo: Path) -> tuple[list[str], int, str]:
    """Relative paths of the repository's files that exist: tracked files when it is a
    git work tree, else a walk (skipping .git). Also how many tracked files are missing."""
    if (repo / ".git").exists():
        result = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=False)
        if result.returncode == 0:
            listed = [os.fsdecode(p) for p in result.stdout.split(b"\0") if p]
            present = [p for p in listed if (repo / p).is_file() and not (repo / p).is_symlink()]
            return present, len(listed) - len([p for p in listed if (repo / p).exists()]), "git ls-files"
    files = []
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            full = Path(dirpath) / name
            if full.is_file() and not full.is_symlink():
                files.append(full.relative_to(repo).as_posix())
    return sorted(files), 0, "walk"


def typical_py(repo: Path, files: list[str]) -> str | None:
    """The median-sized non-empty .py file (ties broken by path): typical, not the largest."""
    sized = sorted(((repo / f).stat().st_size, f) for f in files if f.endswith(".py"))
    sized = [item for item in sized if item[0] > 0]
    if not sized:
        return None
    return sized[(len(sized) - 1) // 2][1]


# -- the benchmark ---------------------------------------------------------------


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if not r["timed_out"] and r["rc"] == 0]
    summary = {"n": len(runs), "n_ok": len(ok), "timeouts": sum(r["timed_out"] for r in runs),
               "errors": sum((not r["timed_out"]) and r["rc"] != 0 for r in runs)}
    if ok:
        walls = [r["wall_s"] for r in ok]
        summary.update(
            wall_median=statistics.median(walls), wall_min=min(walls), wall_max=max(walls),
            cpu_median=statistics.median(r["cpu_s"] for r in ok),
            rss_max_mb=max(r["maxrss_mb"] for r in ok),
        )
        inproc = [r["inproc_py_s"] for r in ok if "inproc_py_s" in r]
        if inproc:
            summary["inproc_median"] = statistics.median(inproc)
            summary["inproc_nb_median"] = statistics.median(r["inproc_nb_s"] for r in ok)
    return summary


def bench_repo(repo: Path, args: argparse.Namespace, work: Path) -> dict:
    name = repo.name
    log(f"{name}: listing files")
    files, missing, how = list_files(repo)
    py = [f for f in files if f.endswith(".py")]
    nb = [f for f in files if f.endswith(".ipynb")]
    info = {
        "name": name, "path": str(repo), "listing": how, "files": len(files), "py_files": len(py),
        "ipynb_files": len(nb), "missing_tracked_files": missing,
        "bytes": sum((repo / f).stat().st_size for f in files),
        "commit": sh(["git", "-C", str(repo), "rev-parse", "HEAD"]) if how == "git ls-files" else "",
        "origin": sh(["git", "-C", str(repo), "config", "--get", "remote.origin.url"]) if how == "git ls-files" else "",
    }
    base = work / name
    base.mkdir(parents=True)
    list_file = base / "files.txt"
    list_file.write_text("\0".join(str(repo / f) for f in py + nb), encoding="utf-8")

    mlready_cmd = [sys.executable, "-m", "mlready", "check", "--format", "json", "-o", os.devnull, "--exit-zero"]
    # Bytecode caching as users have it (some sandboxes set PYTHONDONTWRITEBYTECODE, which makes every
    # start compile every module again: about 0.2 s for mlready alone).
    base_env = {k: v for k, v in os.environ.items() if k not in ("MLREADY_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")}

    mlready_env = dict(base_env)
    if args.mlready_pythonpath:
        mlready_env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.mlready_pythonpath, base_env.get("PYTHONPATH")]))

    def mlready(path: Path, cache: Path) -> dict:
        before = package_digest(args.package)
        result = run_measured([*mlready_cmd[:4], str(path), *mlready_cmd[4:]], cwd=str(work),
                              env={**mlready_env, "MLREADY_CACHE_DIR": str(cache)}, timeout=args.mlready_timeout)
        after = package_digest(args.package)
        result["mlready_digest"] = before if before == after else f"{before}->{after}"
        return result

    scenarios = [s for s in args.scenarios if not (s == "mllint" and not args.mllint)
                 and not (s == "pynblint" and not args.pynblint)]
    raw: dict[str, list[dict]] = {s: [] for s in scenarios}
    setup: dict[str, dict] = {}
    notes: list[str] = []
    if missing:
        notes.append(f"partial checkout: {missing} tracked file(s) missing from the work tree "
                     f"(blobs absent from the mirror); they are not analysed by any tool.")

    # warm: one persistent cache. The first cold run fills it (a cold run is exactly "the
    # first of two runs in one cache"); without cold runs it is primed separately.
    warm_cache = base / "cache-warm"
    if "warm" in scenarios and "cold" not in scenarios:
        log(f"{name}: priming the warm cache")
        setup["warm_prime"] = mlready(repo, warm_cache)

    # edit: a copy of the tracked files, a fresh git repository, primed once
    edit_file = None
    copy = base / "copy"
    edit_cache = base / "cache-edit"
    if "edit" in scenarios:
        edit_file = typical_py(repo, files)
        if edit_file is None:
            notes.append("edit: no non-empty .py file to edit; scenario skipped.")
            scenarios.remove("edit")
            del raw["edit"]
        else:
            log(f"{name}: copying {len(files)} tracked files for the edit scenario")
            for rel in files:
                target = copy / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(repo / rel, target)
            copy.mkdir(exist_ok=True)
            sh(["git", "init", "-q", str(copy)])
            sh(["git", "-C", str(copy), "add", "-A"])
            info["edit_file"] = edit_file
            info["edit_file_bytes"] = (repo / edit_file).stat().st_size
            log(f"{name}: priming the edit cache (file to edit: {edit_file})")
            setup["edit_prime"] = mlready(copy, edit_cache)

    peer_env_base = {**base_env}
    slow: set[str] = set()
    for run in range(1, args.runs + 1):
        for scenario in scenarios:
            if scenario in slow:
                continue
            if scenario == "cold":
                fills_warm = run == 1 and "warm" in scenarios
                cache = warm_cache if fills_warm else base / f"cache-cold-{run}"
                result = mlready(repo, cache)
                if not fills_warm:
                    shutil.rmtree(cache, ignore_errors=True)
            elif scenario == "warm":
                result = mlready(repo, warm_cache)
            elif scenario == "edit":
                with open(copy / edit_file, "a", encoding="utf-8") as handle:
                    handle.write(f"# mlready bench edit {run}\n")
                result = mlready(copy, edit_cache)
            elif scenario == "floor":
                result = run_measured([sys.executable, "-c", FLOOR_SCRIPT, str(list_file)], cwd=str(work),
                                      timeout=args.timeout)
                try:
                    result.update(json.loads(result["output"].strip().splitlines()[-1]))
                    result["output"] = ""
                except (ValueError, IndexError):
                    result["rc"] = result["rc"] or 1
            else:  # a peer: cold too (own caches in a fresh folder, mypy's outside the repo)
                peer_home = base / f"{scenario}-cache-{run}"
                peer_home.mkdir()
                env = {**peer_env_base, "XDG_CACHE_HOME": str(peer_home), "MYPY_CACHE_DIR": str(peer_home / "mypy"),
                       "PYLINTHOME": str(peer_home / "pylint")}
                if scenario == "mllint":
                    env["PATH"] = str(Path(args.mllint).parent) + os.pathsep + env.get("PATH", "")
                    # mllint 0.12.2 joins its working folder to an absolute path: give it "." instead.
                    cmd = [args.mllint, "run", "--progress-plain", "."]
                else:
                    env["PATH"] = str(Path(args.pynblint).parent) + os.pathsep + env.get("PATH", "")
                    cmd = [args.pynblint, "--yes", "--quiet", "--output", str(peer_home / "pynblint.json"), str(repo)]
                before = set(sh(["git", "-C", str(repo), "status", "--porcelain", "--ignored", "-uall"]).splitlines())
                result = run_measured(cmd, env=env, cwd=str(repo), timeout=args.timeout)
                after = set(sh(["git", "-C", str(repo), "status", "--porcelain", "--ignored", "-uall"]).splitlines())
                if after - before:
                    result["left_in_repo"] = sorted(after - before)[:20]
                    notes.append(f"{scenario} run {run} left {len(after - before)} new path(s) in the repository, "
                                 f"e.g. {sorted(after - before)[0]!r}.")
                shutil.rmtree(peer_home, ignore_errors=True)
            result["run"] = run
            tail = result.pop("output", "")
            if result["timed_out"] or result["rc"] != 0:
                result["output_tail"] = tail[-1500:]
            raw[scenario].append(result)
            status = "TIMEOUT" if result["timed_out"] else (f"rc={result['rc']}" if result["rc"] else "ok")
            log(f"{name}: run {run} {scenario:8s} wall {result['wall_s']:8.2f}s cpu {result['cpu_s']:8.2f}s "
                f"rss {result['maxrss_mb']:7.1f}MB load {result['load1_before']:.1f} {status}")
            if run == 1 and args.runs > 1 and (result["timed_out"] or result["wall_s"] > args.slow):
                slow.add(scenario)
                notes.append(f"{LABELS[scenario]}: run 1 took {result['wall_s']:.0f} s "
                             f"({'timeout' if result['timed_out'] else f'over --slow {args.slow:.0f} s'}), "
                             f"so it was run once, not {args.runs} times.")
    for prime in setup.values():
        prime.pop("output", None)
    if not args.keep_temp:
        shutil.rmtree(base, ignore_errors=True)
    return {"info": info, "setup": setup, "raw": raw, "summary": {s: summarise(r) for s, r in raw.items()},
            "notes": notes}


# -- the report -------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.01:
        return f"{value:.4f}"
    return f"{value:.3f}" if value < 1 else (f"{value:.2f}" if value < 100 else f"{value:.0f}")


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "–"
    ratio = a / b
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def cell_or_status(summary: dict, key: str, timeout: float | None) -> str:
    if summary.get(key) is not None:
        return fmt_s(summary[key])
    if summary.get("timeouts"):
        return f"timeout (>{timeout:.0f} s)" if timeout else "timeout"
    if summary.get("errors"):
        return "error"
    return "–"


def render(results: dict) -> str:
    meta = results["meta"]
    lines = [f"# mlready benchmark{': ' + meta['label'] if meta.get('label') else ''}", ""]
    ml = meta["mlready"]
    dirty = ml.get("dirty_files") or []
    lines += [
        "## Machine and versions", "",
        f"- date: {meta['date']}",
        f"- mlready: {ml.get('version')} at commit `{ml.get('commit', 'unknown')[:12]}` ({ml.get('commit_subject', '')})"
        + (f", run from a `git archive` of `{ml['ref']}` (uncommitted edits not included)" if ml.get("ref") else "")
        + (f", **with {len(dirty)} uncommitted change(s) under mlready/**: {', '.join(dirty[:12])}"
           f"{' …' if len(dirty) > 12 else ''}" if dirty else ("" if ml.get("ref") else ", clean work tree")),
        f"- python: {meta['python']} ({meta['python_executable']})",
        f"- CPU: {meta['cpu_model']}, nproc {meta['nproc']}, memory {meta['memory']}",
        f"- OS: {meta['platform']}",
        f"- load average (1 min) at start / end: {meta['load_start']} / {meta.get('load_end', '?')}",
        f"- peers: mllint {meta.get('mllint_version', 'not run')}, pynblint {meta.get('pynblint_version', 'not run')}",
        f"- runs per scenario: {meta['runs']} (alternated run by run); timeouts: mlready "
        f"{meta['mlready_timeout'] or 'none'} s, others {meta['timeout']} s; a scenario whose first run takes "
        f"over {meta['slow']:.0f} s is run once",
        f"- command: `{meta['command']}`",
        f"- total wall time of this benchmark: {meta.get('total_wall_s', 0) / 60:.1f} min",
        "",
        "Times are medians of wall-clock seconds (min–max in brackets); CPU is user+sys of the process "
        "and its children; peak RSS is the largest over the runs (of the largest single process).",
        "",
    ]
    if meta.get("notes"):
        lines += [meta["notes"].strip(), ""]
    for repo in results["repos"]:
        info, summ = repo["info"], repo["summary"]
        timeout = meta["timeout"]
        lines += [f"## {info['name']}", ""]
        origin = f" from `{info['origin']}`" if info.get("origin") else ""
        lines.append(f"`{info['path']}`{origin} at `{info['commit'][:12] or 'no git'}`: "
                     f"{info['py_files']} .py, {info['ipynb_files']} .ipynb, {info['files']} files "
                     f"({info['bytes'] / 1e6:.1f} MB, listed by {info['listing']}).")
        if info.get("edit_file"):
            lines.append(f"Edited file: `{info['edit_file']}` ({info['edit_file_bytes']} bytes, the median-sized .py).")
        lines += ["", "| measurement | n | median wall s (min–max) | median CPU s | peak RSS MB |",
                  "| --- | --- | --- | --- | --- |"]
        for scenario, s in summ.items():
            tmo = meta["mlready_timeout"] if scenario in ("cold", "warm", "edit") else timeout
            wall = cell_or_status(s, "wall_median", tmo)
            if s.get("wall_median") is not None:
                wall += f" ({fmt_s(s['wall_min'])}–{fmt_s(s['wall_max'])})"
            extra = ""
            if s.get("timeouts") and s.get("wall_median") is not None:
                extra = f", {s['timeouts']} timeout(s)"
            if s.get("errors"):
                extra += f", {s['errors']} error(s)"
            lines.append(f"| {LABELS[scenario]} | {s['n_ok']}/{s['n']}{extra} | {wall} | "
                         f"{fmt_s(s.get('cpu_median'))} | {s.get('rss_max_mb', '–')} |")
            if scenario == "floor" and s.get("inproc_median") is not None:
                lines.append(f"| floor, measured inside: the .py files | {s['n_ok']} | "
                             f"{fmt_s(s['inproc_median'])} | – | – |")
                lines.append(f"| floor, measured inside: json-load each .ipynb + ast.parse its code cells | "
                             f"{s['n_ok']} | {fmt_s(s['inproc_nb_median'])} | – | – |")
        for key, label in (("warm_prime", "warm cache priming (one cold run)"),
                           ("edit_prime", "edit copy priming (one cold run)")):
            if key in repo["setup"]:
                p = repo["setup"][key]
                status = " (timeout)" if p["timed_out"] else (f" (rc {p['rc']})" if p["rc"] else "")
                lines.append(f"| {label} | 1 | {fmt_s(p['wall_s'])}{status} | {fmt_s(p['cpu_s'])} | {p['maxrss_mb']} |")
        g = {k: v.get("wall_median") for k, v in summ.items()}
        c = {k: v.get("cpu_median") for k, v in summ.items()}
        floor_in = None
        if summ.get("floor", {}).get("inproc_median") is not None:
            floor_in = summ["floor"]["inproc_median"] + summ["floor"]["inproc_nb_median"]
        lines += ["", "| ratio | wall | CPU |", "| --- | --- | --- |"]
        if "floor" in summ:
            lines.append(f"| mlready cold / floor | {fmt_ratio(g.get('cold'), g.get('floor'))} | "
                         f"{fmt_ratio(c.get('cold'), c.get('floor'))} |")
            lines.append(f"| mlready warm / floor | {fmt_ratio(g.get('warm'), g.get('floor'))} | "
                         f"{fmt_ratio(c.get('warm'), c.get('floor'))} |")
            lines.append(f"| mlready edit / floor | {fmt_ratio(g.get('edit'), g.get('floor'))} | "
                         f"{fmt_ratio(c.get('edit'), c.get('floor'))} |")
            lines.append(f"| mlready cold / floor measured inside (.py + .ipynb, no start-up) | "
                         f"{fmt_ratio(g.get('cold'), floor_in)} | – |")
        lines.append(f"| mlready warm / mlready cold | {fmt_ratio(g.get('warm'), g.get('cold'))} | "
                     f"{fmt_ratio(c.get('warm'), c.get('cold'))} |")
        for peer in ("mllint", "pynblint"):
            if peer in summ:
                s = summ[peer]
                if s.get("wall_median") is None and s.get("timeouts"):
                    lines.append(f"| {peer} / mlready cold | > {fmt_ratio(timeout, g.get('cold'))} (timeout) | – |")
                else:
                    lines.append(f"| {peer} / mlready cold | {fmt_ratio(g.get(peer), g.get('cold'))} | "
                                 f"{fmt_ratio(c.get(peer), c.get('cold'))} |")
        floor_raw = repo["raw"].get("floor") or []
        if floor_raw and "py_failed" in floor_raw[0]:
            f0 = floor_raw[0]
            lines += ["", f"Floor parsed {f0['py_parsed']} .py files ({f0['py_bytes'] / 1e6:.1f} MB); "
                      f"{f0['py_failed']} did not parse with this python, {f0['py_unreadable']} unreadable."]
        digests = {r["mlready_digest"] for runs in [*repo["raw"].values(), list(repo["setup"].values())]
                   for r in runs if "mlready_digest" in r}
        notes = list(repo["notes"])
        if len(digests) > 1 or any("->" in d for d in digests):
            notes.append(f"mlready's code changed during these runs ({len(digests)} distinct versions of "
                                 f"the package: {', '.join(sorted(digests))}): runs measured different code, and a "
                                 f"change invalidates the result cache, so warm runs after it were cold.")
        if notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in dict.fromkeys(notes)]
        for scenario, runs in repo["raw"].items():
            for r in runs:
                if r.get("output_tail"):
                    lines += ["", f"<details><summary>{LABELS[scenario]} run {r['run']}: "
                              f"{'timeout' if r['timed_out'] else 'rc ' + str(r['rc'])}, output tail</summary>", "",
                              "```", r["output_tail"].strip()[-1200:], "```", "</details>"]
        lines += ["", "<details><summary>All raw runs (wall s / CPU s / peak RSS MB / load before)</summary>", "",
                  "| measurement | run | wall s | CPU s | RSS MB | rc | timeout | load1 | mlready code |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for key, p in repo["setup"].items():
            lines.append(f"| {key} | – | {p['wall_s']} | {p['cpu_s']} | {p['maxrss_mb']} | {p['rc']} | "
                         f"{p['timed_out']} | {p['load1_before']} | {p.get('mlready_digest', '')} |")
        for scenario, runs in repo["raw"].items():
            for r in runs:
                wall = f"{r['wall_s']}" + (f" (inside {r['inproc_py_s']:.4f})" if "inproc_py_s" in r else "")
                lines.append(f"| {scenario} | {r['run']} | {wall} | {r['cpu_s']} | {r['maxrss_mb']} | {r['rc']} | "
                             f"{r['timed_out']} | {r['load1_before']} | {r.get('mlready_digest', '')} |")
        lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos", nargs="*", type=Path, help="checked-out repositories to benchmark")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="run nothing: rewrite the Markdown (--out, or standard output) from a results JSON, "
                             "e.g. to add --notes or a --label afterwards")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario (default 5)")
    parser.add_argument("--out", type=Path, help="write the Markdown results here")
    parser.add_argument("--json", type=Path,
                        help="write every raw run here as JSON (default: results.json beside --out)")
    parser.add_argument("--mllint", help="path of the mllint executable (its folder goes first on PATH)")
    parser.add_argument("--pynblint", help="path of the pynblint executable")
    parser.add_argument("--timeout", type=float, default=600, help="timeout of the floor and peers, s (default 600)")
    parser.add_argument("--mlready-timeout", type=float, default=1800,
                        help="timeout of one mlready run, s (default 1800; 0 for none)")
    parser.add_argument("--slow", type=float, default=240,
                        help="a scenario whose first run takes longer than this (s) is not repeated (default 240)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)} (default: all)")
    parser.add_argument("--mlready-ref", metavar="REF",
                        help="benchmark mlready as committed at git REF (a `git archive` of its package put first "
                             "on PYTHONPATH), not the work tree of the installed copy, which may change mid-run")
    parser.add_argument("--label", default="", help="a title for the report, e.g. 'baseline'")
    parser.add_argument("--notes", type=Path, help="a Markdown file whose text goes into the report, after the machine")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary caches and copies")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text(encoding="utf-8"))
        if args.notes:
            results["meta"]["notes"] = args.notes.read_text(encoding="utf-8")
        if args.label:
            results["meta"]["label"] = args.label
        text = render(results)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        if args.json and args.json.resolve() != args.render.resolve():
            args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        return 0
    if not args.repos:
        parser.error("give at least one repository (or --render JSON)")
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    args.mlready_timeout = args.mlready_timeout or None
    for tool in ("mllint", "pynblint"):
        path = getattr(args, tool)
        if path:
            path = shutil.which(path) or path
            if not os.access(path, os.X_OK):
                parser.error(f"--{tool} {path}: not an executable")
            setattr(args, tool, os.path.abspath(path))
    repos = [repo.resolve() for repo in args.repos]
    for repo in repos:
        if not repo.is_dir():
            parser.error(f"{repo}: not a folder")
    if args.json is None and args.out is not None:
        args.json = args.out.parent / "results.json"

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="mlready-bench-"))
    args.mlready_pythonpath = ""
    installed = mlready_facts(sys.executable)
    if args.mlready_ref:
        root = sh(["git", "rev-parse", "--show-toplevel"], cwd=installed.get("package") or ".")
        commit = sh(["git", "rev-parse", "--verify", "--quiet", f"{args.mlready_ref}^{{commit}}"], cwd=root or ".")
        if not root or not commit:
            parser.error(f"--mlready-ref {args.mlready_ref}: not a commit of the repository of {installed.get('package')}")
        source = tmp / "mlready-src"
        source.mkdir()
        archive = subprocess.run(["git", "archive", "--format=tar", commit, "--", "mlready"], cwd=root,
                                 capture_output=True, check=True).stdout
        import io
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            try:
                tar.extractall(source, filter="data")
            except TypeError:  # python without extraction filters
                tar.extractall(source)
        args.mlready_pythonpath = str(source)
        log(f"benchmarking mlready as committed at {commit[:12]} ({args.mlready_ref}), from {source}")
    meta = {
        "label": args.label,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(), "python_executable": sys.executable,
        "nproc": sh(["nproc"]) or str(os.cpu_count()), "cpu_model": cpu_model(), "memory": mem_total(),
        "platform": platform.platform(), "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "mlready": mlready_facts(sys.executable, args.mlready_pythonpath), "runs": args.runs, "timeout": args.timeout,
        "mlready_timeout": args.mlready_timeout, "slow": args.slow,
        "command": shlex.join(["python", "bench/bench.py", *sys.argv[1:]]) if argv is None else "main()",
    }
    if args.mlready_ref:
        meta["mlready"].update(commit=commit, commit_subject=sh(["git", "log", "-1", "--format=%s", commit], cwd=root)[:120],
                               dirty_files=[], ref=args.mlready_ref)
    if args.notes:
        meta["notes"] = args.notes.read_text(encoding="utf-8")
    args.package = meta["mlready"].get("package", "")
    meta["mlready"]["digest_start"] = package_digest(args.package)
    if args.mllint:
        meta["mllint_version"] = tool_version(args.mllint)
    if args.pynblint:
        meta["pynblint_version"] = tool_version(args.pynblint)
    results = {"meta": meta, "repos": []}
    try:
        for repo in repos:
            results["repos"].append(bench_repo(repo, args, tmp))
            meta["total_wall_s"] = time.perf_counter() - started
            meta["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
            if args.out or args.json:
                write(results, args)  # after each repository, so an interrupted run still leaves results
    finally:
        if args.keep_temp:
            log(f"temporary caches and copies kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if not args.out:
        sys.stdout.write(render(results))
    log(f"done in {(time.perf_counter() - started) / 60:.1f} min")
    return 0


def write(results: dict, args: argparse.Namespace) -> None:
    text = render(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
