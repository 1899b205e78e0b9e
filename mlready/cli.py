"""The command line: `mlready check | rules | explain`.

Exit codes: 0 the gate passed, 1 the gate failed, 2 usage, configuration or
internal error.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from mlready import __version__
from mlready.config import FAIL_ON_CHOICES, ConfigError, Settings, check_selector, load_settings

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except ConfigError as error:
            click.echo(f"mlready: configuration error: {error}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("mlready: interrupted", err=True)
            sys.exit(EXIT_ERROR)
        except Exception as error:  # never a traceback: report and exit 2
            click.echo(f"mlready: internal error: {type(error).__name__}: {error}", err=True)
            sys.exit(EXIT_ERROR)


def entry() -> None:
    """The console command: `main`, then a hard exit.

    The interpreter's normal shutdown frees every object one by one, which costs a
    noticeable share of a cached run; as mypy does, flush the output and leave at once.
    """
    try:
        main()
        code: object = EXIT_OK
    except SystemExit as done:
        code = done.code
    if code is None:
        code = EXIT_OK
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = EXIT_ERROR
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or EXIT_ERROR  # output lost (a closed pipe): not a clean run
    os._exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlready")
def main() -> None:
    """mlready: how far is this ML repository from production, and what to fix."""


def _parse_formats(values: tuple[str, ...], output: Path | None) -> list[tuple[str, Path | None]]:
    """`--format NAME[:FILE]` (repeatable); at most one format goes to standard output."""
    from mlready.reporters import FORMATS

    parsed: list[tuple[str, Path | None]] = []
    for value in values or ("text",):
        name, _, target = value.partition(":")
        if name not in FORMATS:
            raise click.BadParameter(f"unknown format '{name}' (choose from {', '.join(FORMATS)})", param_hint="--format")
        parsed.append((name, Path(target) if target else None))
    to_stdout = [name for name, target in parsed if target is None]
    if output is not None:
        if len(to_stdout) != 1:
            raise click.BadParameter("--output needs exactly one --format without a file", param_hint="--output")
        parsed = [(name, output if target is None else target) for name, target in parsed]
    elif len(to_stdout) > 1:
        raise click.BadParameter("only one format can go to standard output: give the others a file (FORMAT:FILE)", param_hint="--format")
    return parsed


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[:FILE]",
    help="text (default), json, sarif, github, gitlab, junit, markdown, html, badge. Repeat with :FILE to write several in one run.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to a file.")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Fail when the overall score is below SCORE.")
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), help="Fail on findings of this severity or worse [default: error].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when the gate fails.")
@click.option("--select", multiple=True, help="Rule codes, prefixes or names to run (comma-separated or repeated; overrides config).")
@click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to skip (comma-separated or repeated; added to config).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: mlready.toml or pyproject.toml in PATH).")
@click.option("--color/--no-color", default=None, help="Colour the text report [default: only on a terminal].")
@click.option("--quiet", "-q", is_flag=True, help="Print only the score line and findings.")
@click.option("--fix", is_flag=True, help="Apply fixes that cannot change behaviour (strip notebook outputs, ...).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
@click.option("--ml-test-score", is_flag=True, help="Add the ML Test Score view (28 tests, 4 sections) to the text report.")
@click.option("--compare", "compare_ref", metavar="REF", help="Also score git ref REF (read from git objects) and report the change.")
@click.option("--fail-on-regression", is_flag=True, help="With --compare: fail when the score drops or new gating findings appear.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), help="Hide the findings recorded in this baseline file.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Result cache folder [default: $MLREADY_CACHE_DIR, else ~/.cache/mlready]; never inside the analysed repository unless you say so.",
)
def check(
    path: Path,
    formats: tuple[str, ...],
    output: Path | None,
    fail_under: float | None,
    fail_on: str | None,
    exit_zero: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    color: bool | None,
    quiet: bool,
    fix: bool,
    show_diff: bool,
    ml_test_score: bool,
    compare_ref: str | None,
    fail_on_regression: bool,
    baseline_path: Path | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Check the repository at PATH (default: the current folder)."""
    from mlready.engine import analyse, select_rules
    from mlready.registry import rule_lookup
    from mlready.repo import GitRefError, GitTreeSource, Repo, WorkTreeSource
    from mlready.reporters import renderer
    from mlready.reporters.common import Context

    if not path.exists():
        raise click.BadParameter(f"'{path}' does not exist", param_hint="PATH")
    if fail_on_regression and compare_ref is None:
        raise click.BadParameter("needs --compare REF", param_hint="--fail-on-regression")
    outputs = _parse_formats(formats, output)
    known = rule_lookup()
    settings = load_settings(path, config_path, known)
    _apply_cli(settings, known, select, ignore, fail_under, fail_on)
    rules, ignored = select_rules(settings)

    def run() -> tuple[Any, Any]:
        progress = _Progress(time.monotonic()) if sys.stderr.isatty() else None
        repo = Repo(WorkTreeSource(path), exclude=settings.exclude, max_file_size=settings.max_file_size)
        cache = None
        if not no_cache:
            from mlready.cache import ResultCache, default_directory

            cache = ResultCache(cache_dir or default_directory(), str(path.resolve()))
        result = analyse(repo, settings, rules, ignored, progress=progress.update if progress else None, cache=cache)
        if cache is not None:
            cache.save()
        if progress:
            progress.clear()
        return result, repo

    report, repo = run()
    if fix or show_diff:
        from mlready.fixes import plan_fixes, write_fixes

        fixes = plan_fixes(path, report, rules)
        if show_diff:
            click.echo("".join(item.diff() for item in fixes), nl=False)
            click.echo(f"mlready: {len(fixes)} file(s) would be fixed", err=True)
            sys.exit(EXIT_GATE if fixes else EXIT_OK)
        write_fixes(path, fixes)
        click.echo(f"mlready: fixed {len(fixes)} file(s)", err=True)
        if fixes:
            report, repo = run()

    if compare_ref is not None:
        from mlready.compare import compare

        try:
            base_source = GitTreeSource(path, compare_ref)
        except GitRefError as error:
            raise click.BadParameter(str(error), param_hint="--compare") from None
        try:
            base_repo = Repo(base_source, exclude=settings.exclude, max_file_size=settings.max_file_size)
            base_report = analyse(base_repo, settings, rules, ignored)
        finally:
            base_source.close()
        report.compare = compare(compare_ref, base_report, report)

    baseline_file = baseline_path or (path / settings.baseline if settings.baseline else None)
    if baseline_file is not None:
        from mlready.baseline import apply_baseline

        report.findings, report.baseline = apply_baseline(baseline_file, report.findings)

    for name, target in outputs:
        use_color = name == "text" and ((sys.stdout.isatty() and target is None) if color is None else color)
        context = Context(
            root_label=str(path),
            color=use_color,
            quiet=quiet,
            ml_test_score=ml_test_score,
            repo=repo,
            rules=[type(rule) for rule in rules],
        )
        text = renderer(name)(report, context)
        if target is not None:
            target.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False, color=use_color)

    failed = gate_failed(report, settings)
    if fail_on_regression and report.compare is not None:
        threshold = settings.fail_on_severity
        regressed = report.compare.delta < 0 or any(
            threshold is not None and finding.severity.rank >= threshold.rank for finding in report.compare.new_findings
        )
        failed = failed or regressed
    sys.exit(EXIT_OK if exit_zero or not failed else EXIT_GATE)


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Baseline file [default: PATH/.mlready-baseline.json].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
def baseline(path: Path, output: Path | None, config_path: Path | None) -> None:
    """Record the current findings, so that `check --baseline` shows only new ones."""
    from mlready.baseline import DEFAULT_PATH, write_baseline
    from mlready.engine import analyse, select_rules
    from mlready.registry import rule_lookup
    from mlready.repo import Repo, WorkTreeSource

    if not path.exists():
        raise click.BadParameter(f"'{path}' does not exist", param_hint="PATH")
    settings = load_settings(path, config_path, rule_lookup())
    rules, ignored = select_rules(settings)
    repo = Repo(WorkTreeSource(path), exclude=settings.exclude, max_file_size=settings.max_file_size)
    report = analyse(repo, settings, rules, ignored)
    target = output or path / (settings.baseline or DEFAULT_PATH)
    count = write_baseline(target, report.findings)
    click.echo(f"mlready: wrote {count} finding(s) to {target}")


def _apply_cli(
    settings: Settings,
    known: dict[str, str],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_under: float | None,
    fail_on: str | None,
) -> None:
    select = tuple(item.strip() for entry in select for item in entry.split(",") if item.strip())
    ignore = tuple(item.strip() for entry in ignore for item in entry.split(",") if item.strip())
    for entry in (*select, *ignore):
        try:
            check_selector(entry, known, "--select/--ignore")
        except ConfigError as error:
            raise click.BadParameter(str(error)) from None
    if select:
        settings.select = list(select)
    for entry in ignore:
        settings.ignore[entry] = "ignored on the command line"
    if fail_under is not None:
        settings.fail_under = fail_under
    if fail_on is not None:
        settings.fail_on = fail_on


def gate_failed(report: Any, settings: Settings) -> bool:
    overall = report.score.overall  # None when no selected rule applies: nothing to fail on
    if settings.fail_under is not None and overall is not None and overall < settings.fail_under:
        return True
    threshold = settings.fail_on_severity
    return threshold is not None and any(finding.severity.rank >= threshold.rank for finding in report.findings)


class _Progress:
    """A progress line on stderr, shown only once a run has taken over a second."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.shown = False

    def update(self, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1.0:
            return
        self.shown = True
        sys.stderr.write(f"\rmlready: analysed {done}/{total} files")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


NOTEBOOK_HOOK_RULES = ("notebook-outputs-committed", "notebook-non-linear-execution")


@main.command("check-notebooks")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--select", multiple=True, help="Notebook rules to run [default: outputs committed, out-of-order execution].")
@click.option("--fix", is_flag=True, help="Strip outputs and execution counts from the notebooks that have them.")
def check_notebooks(files: tuple[Path, ...], select: tuple[str, ...], fix: bool) -> None:
    """Check the given notebooks only (the fast, file-level pre-commit hook)."""
    from mlready.engine import analyse, select_rules
    from mlready.registry import all_rules, rule_lookup
    from mlready.repo import FileListSource, Repo
    from mlready.reporters.common import location, safe_text
    from mlready.rule import FileRule

    notebooks = [str(file) for file in files if file.suffix == ".ipynb"]
    if not notebooks:
        sys.exit(EXIT_OK)
    known = rule_lookup()
    for entry in select:
        try:
            check_selector(entry, known, "--select")
        except ConfigError as error:
            raise click.BadParameter(str(error)) from None
    notebook_rules = [
        rule for rule in all_rules() if issubclass(rule, FileRule) and tuple(getattr(rule, "kinds", ())) == ("notebook",)
    ]
    settings = Settings(select=list(select or NOTEBOOK_HOOK_RULES))
    rules, _ = select_rules(settings, notebook_rules)
    root = Path(".")

    def run() -> Any:
        return analyse(Repo(FileListSource(root, notebooks)), settings, rules)

    report = run()
    if fix and report.findings:
        from mlready.fixes import plan_fixes, write_fixes

        fixes = plan_fixes(root, report, rules)
        write_fixes(root, fixes)
        click.echo(f"mlready: stripped {len(fixes)} notebook(s)", err=True)
        report = run()
    for finding in report.findings:
        click.echo(f"{location(finding)} {finding.code} {finding.name} {safe_text(finding.message)}")
    for item in report.diagnostics:
        click.echo(f"{safe_text(item.path)}: {safe_text(item.message)}")
    sys.exit(EXIT_GATE if report.findings else EXIT_OK)


@main.command()
@click.argument("path", default=".", type=click.Path(file_okay=False, dir_okay=True, path_type=Path))
@click.option("--pyproject", is_flag=True, help="Add a [tool.mlready] table to pyproject.toml instead of writing mlready.toml.")
@click.option("--templates", is_flag=True, help="Also write templates for what the report says is missing (runbook, model card, monitoring plan).")
def init(path: Path, pyproject: bool, templates: bool) -> None:
    """Write a starter configuration (and templates); never overwrite a file."""
    from mlready.config import find_config
    from mlready.engine import analyse, select_rules
    from mlready.init import Planned, plan_templates, starter_config, write_new
    from mlready.registry import rule_lookup
    from mlready.repo import Repo, WorkTreeSource

    if not path.exists():
        raise click.BadParameter(f"'{path}' does not exist", param_hint="PATH")
    settings = load_settings(path, None, rule_lookup())
    rules, ignored = select_rules(settings)
    repo = Repo(WorkTreeSource(path), exclude=settings.exclude, max_file_size=settings.max_file_size)
    report = analyse(repo, settings, rules, ignored)

    existing = find_config(path)
    if existing is not None:
        click.echo(f"mlready: configuration already in {existing[0]}: left unchanged")
    elif pyproject:
        target = path / "pyproject.toml"
        if not target.is_file():
            raise click.BadParameter("there is no pyproject.toml to add to", param_hint="--pyproject")
        text = target.read_text(encoding="utf-8")
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(("" if text.endswith("\n") else "\n") + "\n" + starter_config(report, for_pyproject=True))
        click.echo(f"mlready: added [tool.mlready] to {target}")
    else:
        written = write_new(path, [Planned("mlready.toml", starter_config(report, for_pyproject=False), "config")])
        click.echo(f"mlready: wrote {path / written[0]}" if written else "mlready: mlready.toml exists: left unchanged")
    if templates:
        planned = plan_templates(repo, report)
        written = write_new(path, planned)
        for item in planned:
            state = "wrote" if item.path in written else "exists, left unchanged:"
            click.echo(f"mlready: {state} {item.path} (for {item.reason})")
        if not planned:
            click.echo("mlready: nothing missing that a template would help with")


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List every rule: code, name, pillar, severity and summary."""
    from mlready.registry import all_rules

    rules = all_rules()
    if output_format == "json":
        data = [
            {
                "code": rule.code,
                "name": rule.name,
                "pillar": rule.pillar.value,
                "severity": rule.severity.value,
                "summary": rule.summary(),
            }
            for rule in rules
        ]
        click.echo(json.dumps(data, indent=2))
    else:
        from mlready.reporters.text import render_rules

        click.echo(render_rules(list(rules)), nl=False)


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Show a rule's documentation and examples (RULE is a code or a name)."""
    from mlready.docs import rule_markdown
    from mlready.registry import find_rule

    found = find_rule(rule)
    if found is None:
        raise click.BadParameter(f"no rule with code or name '{rule}'", param_hint="RULE")
    click.echo(rule_markdown(found), nl=False)
