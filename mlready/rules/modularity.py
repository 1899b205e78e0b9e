"""Modularity: logic in importable, testable modules rather than only in notebooks."""

from __future__ import annotations

import ast
import io
import re
import shlex
import tokenize
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mlready.model import Finding, Outcome, Pillar, Severity
from mlready.parsers.requirements import parse_requirement_line
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import _TRAINING, is_test_path
from mlready.rule import Example, FileRule, PythonRule, RepoRule, notebook
from mlready.rules.dependencies import PACKAGING_TOOLS
from mlready.rules.pyast import NOT_LITERAL, literal, method_name
from mlready.rules.testing import _is_project_code

if TYPE_CHECKING:
    from mlready.parsers.notebook import Notebook


class NotebookOnlyLogic(RepoRule):
    """The project's logic lives only in notebooks: no importable module holds it.

    What it checks:
    The repository has notebooks, but no `.py` file outside the tests defines a
    function or class (`setup.py`, `conftest.py`, `__init__.py` and tool configuration
    such as `jupyter_notebook_config.py` or files under `docker/` do not count).

    Why it matters:
    A notebook cannot be imported, unit-tested, reviewed line by line or deployed.
    Until the logic moves into a module, nobody else can run the model as a service.

    How to fix:
    Move data loading, features, training and prediction into a package (for example
    `src/<project>/features.py`, `train.py`, `predict.py`) and import it from the
    notebooks, which then only tell the story.
    """

    code = "MOD001"
    name = "notebook-only-logic"
    pillar = Pillar.MODULARITY
    severity = Severity.ERROR

    VALID = [
        Example(
            {
                "explore.ipynb": notebook("from churn.features import build\nbuild()"),
                "churn/features.py": "def build():\n    return 1\n",
            }
        ),
        Example({"train.py": "def main():\n    pass\n"}, note="No notebooks: the rule does not apply."),
    ]
    INVALID = [
        Example(
            {
                "analysis.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('x.csv')"),
                "setup.py": "from setuptools import setup\nsetup()\n",
            },
            expect=["analysis.ipynb"],
        ),
        Example(
            {"01_intro.ipynb": notebook("x = 1"), "docker/jupyter_notebook_config.py": "def hook(model):\n    pass\n"},
            expect=["01_intro.ipynb"],
            note="A Jupyter configuration file is not project logic.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.notebooks else "no notebooks"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(not _is_tooling_config(file.path) for file in repo.facts.logic_modules):
            return
        notebooks = repo.facts.notebooks
        yield self.finding(
            f"{len(notebooks)} notebook(s) and no importable module defines a function or class: "
            "move the logic into a package",
            notebooks[0].path,
        )


def _is_tooling_config(path: str) -> bool:
    """Configuration of tools (Jupyter, Sphinx, Docker images, CI), not project logic."""
    name = path.rsplit("/", 1)[-1]
    if re.fullmatch(r"(?:jupyter|ipython|jupyterhub|nbconvert)_\w*config\.py|conf\.py", name):
        return True
    return path.startswith((".github/", "docker/", ".devcontainer/", "binder/", ".binder/"))


class NotebookOutputsCommitted(FileRule):
    """A notebook is committed with its cell outputs.

    What it checks:
    Code cells with non-empty `outputs`, the condition `nbstripout --verify` fails on.
    Cells tagged `keep_output` are exempt. One finding per notebook, at the first such cell.
    Courses and tutorials, whose notebooks show their results to readers on purpose, are skipped,
    and so are notebooks in `examples/`, `docs/`, `tutorials/`, `demos/` or `cookbook/` folders.

    Why it matters:
    Outputs bloat the history, make diffs unreadable, can leak data and secrets,
    and show results that the current code may no longer produce.

    How to fix:
    Strip outputs before committing: add the `nbstripout` pre-commit hook, or run
    `nbstripout --install` once per clone. Keep reference results in reports, not in git.
    """

    code = "MOD002"
    name = "notebook-outputs-committed"
    pillar = Pillar.MODULARITY
    severity = Severity.WARNING
    kinds = ("notebook",)
    triggers = (r'"outputs"\s*:\s*\[\s*\{',)
    fixable = True

    VALID = [
        Example({"clean.ipynb": notebook("x = 1", "print(x)")}),
        Example(
            {"README.md": "# Machine learning course\n\nLessons as notebooks.\n", "lesson1.ipynb": notebook("x = 1", outputs=True)},
            outcome=Outcome.SKIP,
            note="A course keeps outputs for its readers: skipped.",
        ),
        Example(
            {
                "src/lib/core.py": "def run():\n    pass\n",
                "examples/lora/finetune.ipynb": notebook("import lib", "lib.run()", outputs=True),
            },
            note="A library's example notebook shows its results to readers on purpose.",
        ),
    ]
    INVALID = [Example({"dirty.ipynb": notebook("x = 1", "print(x)", outputs=True)}, expect=["dirty.ipynb[0]:1"])]

    def skip_reason(self, repo: Repo) -> str | None:
        return _TUTORIAL if repo.facts.is_tutorial else None

    def wants(self, file: SourceFile, repo: Repo) -> bool:
        return not _READER_FOLDERS.search(file.path)

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.notebook(file.path)
        if parsed is None:
            return
        with_outputs = [cell for cell in parsed.code_cells if cell.outputs and "keep_output" not in cell.tags]
        if with_outputs:
            first = with_outputs[0]
            yield self.finding(
                f"{len(with_outputs)} of {len(parsed.code_cells)} code cells have committed outputs",
                file.path,
                1,
                1,
                cell=first.index,
                anchor="outputs",
            )

    def fix(self, text: str) -> str:
        from mlready.fixes import strip_notebook_outputs

        return strip_notebook_outputs(text)


class NotebookNonLinearExecution(FileRule):
    """Notebook cells were run out of order.

    What it checks:
    The execution counts of the code cells, read top to bottom, are not strictly
    increasing. Cells never run (no count) are ignored. One finding per notebook,
    at the first cell whose count is lower than the one before.

    Why it matters:
    A notebook run out of order shows results that a fresh top-to-bottom run may
    not reproduce: hidden state decided them.

    How to fix:
    Restart the kernel and run all cells in order before committing, or strip the
    outputs and counts altogether (nbstripout).
    """

    code = "MOD003"
    name = "notebook-non-linear-execution"
    pillar = Pillar.MODULARITY
    severity = Severity.WARNING
    kinds = ("notebook",)
    triggers = (r'"execution_count"\s*:\s*\d',)

    VALID = [
        Example({"ordered.ipynb": notebook("a = 1", "b = 2", "c = 3", counts=[1, 2, 5])}),
        Example({"stripped.ipynb": notebook("a = 1", "b = 2")}),
    ]
    INVALID = [
        Example(
            {"shuffled.ipynb": notebook("a = 1", "b = 2", "c = 3", counts=[3, 1, 2])}, expect=["shuffled.ipynb[1]:1"]
        ),
        Example({"copied.ipynb": notebook("a = 1", "b = 2", counts=[2, 2])}, expect=["copied.ipynb[1]:1"]),
    ]

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.notebook(file.path)
        if parsed is None:
            return
        previous = None
        for cell in parsed.code_cells:
            if cell.execution_count is None:
                continue
            if previous is not None and cell.execution_count <= previous:
                what = (
                    f"execution count [{previous}] appears twice (a copied cell, or outputs of two sessions)"
                    if cell.execution_count == previous
                    else f"cell run as [{cell.execution_count}] after a cell run as [{previous}]"
                )
                yield self.finding(
                    f"{what}: restart and run all cells in order",
                    file.path,
                    1,
                    1,
                    cell=cell.index,
                    anchor="order",
                )
                return
            previous = cell.execution_count


# -- helpers for the notebook rules ------------------------------------------------------------

_COMMENT_OR_BLANK = lazy_compile(r"^\s*(?:#.*)?$")
# Folders whose notebooks are written for readers: examples, documentation, tutorials.
_READER_FOLDERS = lazy_compile(r"(?i)(?:^|/)(?:examples?|docs?|tutorials?|demos?|cookbooks?)(?:[-_][\w-]+)?/")
_TUTORIAL = "a course or tutorial: its notebooks are written to teach"


def _is_side_notebook(path: str) -> bool:
    """A notebook among examples, docs, tutorials or benchmarks (or named so): documentation, not project code."""
    name = path.rsplit("/", 1)[-1].lower()
    return (
        not _is_project_code(path)
        or re.match(r"(?:tutorial|demo|example|quickstart|getting[_-]started)", name) is not None
    )


def _is_trivial_source(source: str) -> bool:
    """Only blank lines and comments: an exercise stub or a placeholder."""
    return all(_COMMENT_OR_BLANK.match(line) for line in source.split("\n"))


def _cell_trees(notebook: Notebook) -> list[tuple[int, ast.Module]]:
    """(cell index, ast) for each code cell that parses, magics masked."""
    result = []
    for cell, source in notebook.python_cells():
        try:
            result.append((cell.index, ast.parse(source)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return result


def _is_import(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    # try: import x / except ImportError: ...
    return isinstance(node, ast.Try) and bool(node.body) and all(_is_import(item) for item in node.body)


def _is_setup_statement(node: ast.stmt) -> bool:
    """`pass` (a masked magic or shell line) or a bare string: neither starts the analysis."""
    if isinstance(node, ast.Pass):
        return True
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


class NotebookUnexecutedCells(FileRule):
    """Some code cells of an executed notebook have no execution count: it was not run top to bottom.

    What it checks:
    A notebook where some code cells have an execution count and others, holding
    code, have none. Stripped notebooks (no counts at all), notebooks whose counts
    were partly stripped (a cell with outputs but no count) and cells holding only
    comments are ignored. One finding per notebook, at the first cell without a count.

    Why it matters:
    The committed results were produced without running those cells as they
    stand (they were added or re-created later), so the notebook as written was
    never run from top to bottom: a fresh run may fail or differ.

    How to fix:
    Restart the kernel and run all cells before committing, delete the cells that
    are not needed, or strip all outputs and counts (nbstripout).
    """

    code = "MOD004"
    name = "notebook-unexecuted-cells"
    pillar = Pillar.MODULARITY
    severity = Severity.INFO
    kinds = ("notebook",)
    triggers = (r'"execution_count"\s*:\s*\d',)

    VALID = [
        Example({"run.ipynb": notebook("a = 1", "b = 2", counts=[1, 2])}),
        Example({"stripped.ipynb": notebook("a = 1", "b = 2")}, note="No counts at all: a stripped notebook."),
        Example(
            {"exercise.ipynb": notebook("a = 1", "# your code here\n", counts=[1, None])}, note="Comment-only stub."
        ),
        Example(
            {"running.ipynb": notebook("a = 1", "print(a)", counts=[1, None], outputs=True)},
            note="Outputs but no count: the counts were partly stripped.",
        ),
    ]
    INVALID = [
        Example(
            {"partial.ipynb": notebook("a = 1", ("markdown", "# Part 2"), "b = a + 1", counts=[1, None])},
            expect=["partial.ipynb[2]:1"],
        ),
    ]

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.notebook(file.path)
        if parsed is None:
            return
        cells = [cell for cell in parsed.code_cells if not _is_trivial_source(cell.source)]
        if not any(cell.execution_count is not None for cell in cells):
            return
        if any(cell.execution_count is None and cell.outputs for cell in cells):
            return  # outputs without counts: the counts were partly stripped and say nothing
        never_run = [cell for cell in cells if cell.execution_count is None]
        if never_run:
            yield self.finding(
                f"{len(never_run)} of {len(cells)} code cells have no execution count while the others do: "
                "restart and run all, or strip the outputs",
                file.path,
                1,
                1,
                cell=never_run[0].index,
                anchor="unexecuted",
            )


class NotebookImportsNotAtTop(FileRule):
    """Imports are scattered through a notebook instead of gathered at the top.

    What it checks:
    A module-level import in a code cell that comes after a cell doing other work.
    Leading cells that import (even with a little set-up code), run magics or
    hold only comments count as the top. One finding per notebook, at the first
    late import. Notebooks in examples, docs, tutorials or benchmarks folders (or
    named `tutorial*`, `demo*`, `example*` ...), and course or tutorial repositories
    (which introduce imports where they teach them), are not checked.

    Why it matters:
    A reader cannot see the notebook's dependencies at a glance, cells silently
    depend on imports run further down, and the code is harder to move into a module.

    How to fix:
    Move all imports into the first code cell(s), or better, move the code that
    needs them into a module and import that.
    """

    code = "MOD005"
    name = "notebook-imports-not-at-top"
    pillar = Pillar.MODULARITY
    severity = Severity.INFO
    kinds = ("notebook",)
    triggers = (r"\bimport\b",)

    VALID = [
        Example(
            {
                "ok.ipynb": notebook(
                    "%matplotlib inline",
                    "import numpy as np\nnp.random.seed(0)",
                    "import pandas as pd",
                    "df = pd.DataFrame()",
                )
            }
        ),
        Example(
            {"local.ipynb": notebook("import os", "x = 1", "def f():\n    import json\n    return json")},
            note="Imports inside functions are fine.",
        ),
        Example(
            {"examples/demo.ipynb": notebook("import os", "x = 1", "import json")},
            note="Example notebooks are documentation.",
        ),
        Example(
            {
                "README.md": "# Deep Learning for Coders\n\nThis course teaches deep learning.\n",
                "01.ipynb": notebook("import os", "x = 1", "import json"),
            },
            note="A course: imports appear where they are taught.",
        ),
    ]
    INVALID = [
        Example(
            {
                "late.ipynb": notebook(
                    "import numpy as np", "x = np.ones(3)", "# models\nfrom sklearn.linear_model import Ridge"
                )
            },
            expect=["late.ipynb[2]:2"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _TUTORIAL if repo.facts.is_tutorial else None

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = None if _is_side_notebook(file.path) else repo.notebook(file.path)
        if parsed is None:
            return
        started = False
        late: list[tuple[int, ast.stmt]] = []
        for index, tree in _cell_trees(parsed):
            imports = [node for node in tree.body if _is_import(node)]
            if started and imports:
                late.append((index, imports[0]))
            if not imports and any(not _is_setup_statement(node) for node in tree.body):
                started = True
        if late:
            index, node = late[0]
            yield self.finding(
                f"imports in {len(late)} cell(s) after the notebook's code has started: gather them at the top",
                file.path,
                node.lineno,
                node.col_offset + 1,
                cell=index,
                anchor="late-import",
            )


class NotebookTooLong(FileRule):
    """A notebook, or one of its cells, is too long to read and review.

    What it checks:
    A notebook with more code cells than `max_code_cells` (50), or a code cell
    longer than `max_cell_lines` (50) non-blank lines. At most one finding for each per
    notebook. Notebooks in examples, docs, tutorials or benchmarks folders, and course
    or tutorial repositories, are not checked.

    Why it matters:
    A very long notebook mixes many concerns and hides state between distant
    cells; a very long cell is a module in disguise that nobody can test.

    How to fix:
    Split the notebook by task (data, training, evaluation), and move long cells
    into functions in a module that the notebook imports.
    """

    code = "MOD006"
    name = "notebook-too-long"
    pillar = Pillar.MODULARITY
    severity = Severity.INFO
    kinds = ("notebook",)
    default_options = {"max_code_cells": 50, "max_cell_lines": 50}

    VALID = [Example({"short.ipynb": notebook("a = 1", "b = 2")})]
    INVALID = [
        Example({"long.ipynb": notebook(*[f"x{i} = {i}" for i in range(51)])}, expect=["long.ipynb[0]:1"]),
        Example(
            {"cell.ipynb": notebook("a = 1", "\n".join(f"y{i} = {i}" for i in range(51)))}, expect=["cell.ipynb[1]:1"]
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _TUTORIAL if repo.facts.is_tutorial else None

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = None if _is_side_notebook(file.path) else repo.notebook(file.path)
        if parsed is None:
            return
        cells = [cell for cell in parsed.code_cells if cell.source.strip()]
        max_cells = int(self.options["max_code_cells"])
        max_lines = int(self.options["max_cell_lines"])
        if len(cells) > max_cells:
            yield self.finding(
                f"{len(cells)} code cells (limit {max_cells}): split the notebook and move code into modules",
                file.path,
                1,
                1,
                cell=cells[0].index,
                anchor="cells",
            )
        code_lines = {cell.index: sum(1 for line in cell.lines if line.strip()) for cell in cells}
        longest = max(cells, key=lambda cell: code_lines[cell.index], default=None)
        if longest is not None and code_lines[longest.index] > max_lines:
            yield self.finding(
                f"a code cell of {code_lines[longest.index]} lines (limit {max_lines}): move it into a function in a module",
                file.path,
                1,
                1,
                cell=longest.index,
                anchor="cell-lines",
            )


_PIP_INSTALL = lazy_compile(
    r"^\s*(?:[!%]\s*)?(?:\S*python[\d.]*\s+-m\s+|\{sys\.executable\}\s+-m\s+|uv\s+)?(?P<tool>pip3?|conda|mamba|micromamba)\s+install\b(?P<args>.*)$"
)
# Long options that take a value (the value is not a package).
_PIP_VALUE_OPTIONS = frozenset(
    {
        "--index-url",
        "--extra-index-url",
        "--find-links",
        "--target",
        "--prefix",
        "--root",
        "--upgrade-strategy",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--only-binary",
        "--no-binary",
        "--cache-dir",
        "--src",
        "--log",
        "--trusted-host",
        "--progress-bar",
        "--channel",
        "--name",
        "--config-settings",
        "--timeout",
        "--retries",
    }
)


def _unpinned_packages(tool: str, args: str) -> list[str] | None:
    """The unpinned packages of an install command, or None when a constraints file or a variable decides them."""
    args = re.split(r"\s(?:&&|\|\||;|\||>|2>|1>)\s?|(?:^|\s)#", args)[0]
    try:
        tokens = shlex.split(args)
    except ValueError:
        tokens = args.split()
    conda = not tool.startswith("pip")
    unpinned: list[str] = []
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
            continue
        if token.startswith("--"):
            option = token.split("=", 1)[0]
            if not conda and option == "--constraint":
                return None  # a constraints file pins the packages
            skip_next = "=" not in token and option in (*_PIP_VALUE_OPTIONS, "--requirement", "--file", "--editable")
            continue
        if token.startswith("-"):
            # -r FILE, -e PATH, or a cluster such as -qr FILE: the last letter may take a value
            letter = token[-1] if len(token) > 1 and token[1:].isalpha() else ""
            if not conda and letter == "c":
                return None
            skip_next = letter in ("r", "e", "i", "f", "t", "c", "n", "p")
            continue
        if "$" in token or "{" in token:
            return None
        if conda:
            name = re.split(r"[=<>!~ ]", token.split("::")[-1], maxsplit=1)[0]
            if not re.search(r"=\s*\d", token) and name.lower() not in PACKAGING_TOOLS:
                unpinned.append(name)
            continue
        requirement = parse_requirement_line(0, token)
        if requirement is None or requirement.local_path or requirement.invalid:
            continue
        label = requirement.name or re.sub(r"^git\+https?://(?:www\.)?(?:github|gitlab)\.com/|\.git(?=@|$)", "", token)
        if not requirement.pinned and label not in PACKAGING_TOOLS:
            unpinned.append(label)
    return unpinned


class NotebookPipInstallUnpinned(FileRule):
    """A notebook installs packages without exact versions.

    What it checks:
    `!pip install`, `%pip install`, `!uv pip install` (and `conda`/`mamba` installs) in notebook code
    cells that name a package without an exact version (`pkg==1.2.3`, a wheel file
    or a VCS commit). Installs from `-r requirements.txt`, local paths, variables,
    and installers and build tools (pip, setuptools, wheel, uv, poetry ...) are not flagged. One finding per cell.

    Why it matters:
    Each run installs whatever version is newest that day, so the notebook's
    results cannot be reproduced and it breaks without any change of its own.

    How to fix:
    Pin each package (`%pip install pandas==2.2.2`), or install from a pinned
    requirements or lock file (`%pip install -r requirements.txt`).
    """

    code = "MOD007"
    name = "notebook-pip-install-unpinned"
    pillar = Pillar.MODULARITY
    severity = Severity.WARNING
    kinds = ("notebook",)
    triggers = (r"(?:pip3?|conda|mamba)\s+install\b",)

    VALID = [
        Example(
            {"pinned.ipynb": notebook("%pip install pandas==2.2.2 'numpy==1.26.4'", "!pip install -r requirements.txt")}
        ),
        Example(
            {
                "tools.ipynb": notebook(
                    "!pip install -q --upgrade pip setuptools", "# !pip install foo", "!pip install -e ."
                )
            }
        ),
        Example({"c.ipynb": notebook("%pip install -qr requirements.txt", "!pip install torch -c constraints.txt")}),
        Example({"bash.ipynb": notebook("!pip install $PACKAGES", "%conda install -c conda-forge xgboost=2.0.3 -y")}),
        Example({"uv.ipynb": notebook("!pip install uv pip-tools", "!uv pip install --system 'vllm==0.6.3'")}, note="Installers and build tools."),
    ]
    INVALID = [
        Example(
            {
                "setup.ipynb": notebook(
                    "import os", "!pip install -q transformers datasets==2.19.0\n%pip install 'torch>=2'"
                )
            },
            expect=["setup.ipynb[1]:1"],
        ),
        Example(
            {"c.ipynb": notebook("%%capture\n!pip install git+https://github.com/org/lib.git")}, expect=["c.ipynb[0]:2"]
        ),
        Example({"r.ipynb": notebook("%pip install -qr requirements.txt comet_ml")}, expect=["r.ipynb[0]:1"]),
        Example({"sglang.ipynb": notebook("!pip install uv\n!uv pip install 'sglang[all]>=0.5.3rc0'")}, expect=["sglang.ipynb[0]:2"]),
    ]

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.notebook(file.path)
        if parsed is None:
            return
        for cell in parsed.code_cells:
            found = list(_cell_installs(cell.lines))
            if found:
                names = [name for _, packages in found for name in packages]
                shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
                yield self.finding(
                    f"{len(names)} package(s) installed without an exact version: {shown}",
                    file.path,
                    found[0][0],
                    1,
                    cell=cell.index,
                    anchor=" ".join(names),
                )


def _cell_installs(lines: list[str]) -> Iterable[tuple[int, list[str]]]:
    """(line, unpinned packages) for each install command of a notebook cell."""
    shell_cell = bool(lines) and re.match(r"^\s*%%(?:bash|sh|shell|script\s+\w*sh)\b", lines[0]) is not None
    number = 0
    while number < len(lines):
        start = number
        command = lines[number]
        while command.rstrip().endswith("\\") and number + 1 < len(lines):
            number += 1
            command = command.rstrip()[:-1] + " " + lines[number]
        number += 1
        if not (command.lstrip().startswith(("!", "%")) or shell_cell):
            continue
        match = _PIP_INSTALL.match(command)
        if match is None:
            continue
        unpinned = _unpinned_packages(match.group("tool"), match.group("args"))
        if unpinned:
            yield start + 1, unpinned


class NotebookDefinesReusableCode(FileRule):
    """A notebook defines several functions or classes that belong in a module.

    What it checks:
    At least `min_definitions` (3) top-level `def` or `class` statements across a
    notebook's code cells. One finding per notebook, at the first definition.
    Notebooks in examples, docs, tutorials or benchmarks folders, and course or
    tutorial repositories, are not checked.

    Why it matters:
    Code defined in a notebook cannot be imported, unit-tested or reused by the
    training and serving code, so it gets copied and drifts apart.

    How to fix:
    Move the functions and classes into a module of the project's package, test
    them there, and import them in the notebook.
    """

    code = "MOD008"
    name = "notebook-defines-reusable-code"
    pillar = Pillar.MODULARITY
    severity = Severity.INFO
    kinds = ("notebook",)
    triggers = (r"\b(?:def|class)\s+\w",)
    default_options = {"min_definitions": 3}

    VALID = [
        Example(
            {"uses.ipynb": notebook("from churn.features import build, clean, encode", "def show(x):\n    print(x)")}
        ),
        Example(
            {"docs/tutorial.ipynb": notebook("def a():\n    pass", "def b():\n    pass", "def c():\n    pass")},
            note="Docs notebooks.",
        ),
    ]
    INVALID = [
        Example(
            {
                "helpers.ipynb": notebook(
                    "import pandas as pd",
                    "def load():\n    return 1\n\ndef clean(df):\n    return df",
                    "class Model:\n    pass",
                )
            },
            expect=["helpers.ipynb[1]:1"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _TUTORIAL if repo.facts.is_tutorial else None

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = None if _is_side_notebook(file.path) else repo.notebook(file.path)
        if parsed is None:
            return
        definitions = [
            (index, node)
            for index, tree in _cell_trees(parsed)
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]
        if len(definitions) >= int(self.options["min_definitions"]):
            index, node = definitions[0]
            line = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            unique = list(dict.fromkeys(item.name for _, item in definitions))
            names = ", ".join(unique[:4]) + (" ..." if len(unique) > 4 else "")
            yield self.finding(
                f"{len(definitions)} functions/classes defined in the notebook ({names}): move them into a module and import them",
                file.path,
                line,
                1,
                cell=index,
                anchor="definitions",
            )


class TrainingOnlyInNotebook(RepoRule):
    """The model is trained only in notebooks: no script or module trains it.

    What it checks:
    In an ML repository, a notebook calls a training API (`.fit(`, `trainer.train(`,
    `.backward()`, `xgb.train(` ...) and no `.py` file outside the tests does.
    Notebooks in examples, docs, tutorials or benchmarks folders do not count.

    Why it matters:
    Training that exists only as notebook cells cannot be scheduled, retrained
    automatically, tested or reviewed, and depends on hidden notebook state. It is
    the first thing that blocks a model from production.

    How to fix:
    Move the training code into a script or module (for example `train.py` with a
    command-line entry point) that reads its settings from a config file, and call
    it from the notebook if the notebook is still useful.
    """

    code = "MOD009"
    name = "training-only-in-notebook"
    pillar = Pillar.MODULARITY
    severity = Severity.ERROR

    VALID = [
        Example(
            {
                "explore.ipynb": notebook("import sklearn\nmodel.fit(X, y)"),
                "train.py": "import sklearn\n\ndef main():\n    model.fit(X, y)\n",
            }
        ),
        Example(
            {"explore.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('x.csv')"), "lib.py": "import torch\n"},
            note="No training anywhere.",
        ),
        Example(
            {
                "examples/finetune.ipynb": notebook("import torch\nloss.backward()"),
                "lib/layers.py": "import torch\n\ndef f():\n    pass\n",
            },
            note="A library's example notebook.",
        ),
    ]
    INVALID = [
        Example(
            {
                "model.ipynb": notebook(
                    "import torch", ("markdown", "# Train"), "loss = crit(out, y)\nloss.backward()"
                ),
                "utils.py": "import torch\n\ndef load():\n    pass\n",
            },
            expect=["model.ipynb[2]:2"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.notebooks:
            return "no notebooks"
        if not repo.facts.training_files:
            return "no training code"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        training = repo.facts.training_files
        if any(not path.endswith(".ipynb") for path in training):
            return
        notebooks = [path for path in training if not _is_side_notebook(path)]
        if not notebooks:
            return
        path = notebooks[0]
        parsed = repo.notebook(path)
        cell_index, line = None, None
        for cell in parsed.code_cells if parsed else []:
            match = _TRAINING.search(cell.source)
            if match:
                cell_index, line = cell.index, cell.source.count("\n", 0, match.start()) + 1
                break
        yield self.finding(
            f"training happens only in notebooks ({len(notebooks)}): move it into a script or module",
            path,
            line,
            cell=cell_index,
        )


_HYGIENE_TOOLS = lazy_compile(
    r"nbstripout|nbqa|nb-clean|nb_clean|jupytext|nbdev[_-](?:clean|ci|test)|nbdev-ci|clear[_-]output|ClearOutputPreprocessor",
    re.I,
)


def _ruff_lints_notebooks(repo: Repo) -> bool:
    """Ruff is configured with notebooks in mind (`extend-include`, per-file ignores for `*.ipynb` or notebook folders)."""
    for path in ("pyproject.toml", "ruff.toml", ".ruff.toml"):
        text = repo.text(path) if repo.exists(path) else None
        if not text:
            continue
        section = text[text.find("[tool.ruff") :] if path == "pyproject.toml" and "[tool.ruff" in text else text
        if (path != "pyproject.toml" or "[tool.ruff" in text) and re.search(r"ipynb|notebooks?/", section):
            return True
    return False


_RUFF_HOOK_REV = lazy_compile(r"ruff-pre-commit\b[^\n]*\n(?:[^\n]*\n){0,3}?\s*rev:\s*[\"']?v?(\d+)\.(\d+)")


def _ruff_hook_lints_notebooks(text: str) -> bool:
    """A pre-commit config runs Ruff 0.6 or later, which lints and formats notebooks by default."""
    return any((int(major), int(minor)) >= (0, 6) for major, minor in _RUFF_HOOK_REV.findall(text))


class NotebookHygieneHooksMissing(RepoRule):
    """Notebooks are committed with no tool that cleans or lints them.

    What it checks:
    The repository tracks notebooks, and none of these is set up: an `nbstripout`,
    `nb-clean`, `jupytext` or `nbqa-*` hook in `.pre-commit-config.yaml` (or lefthook),
    an nbstripout filter in `.gitattributes`, a Ruff configuration that names
    notebooks (`*.ipynb`, `notebooks/`), a Ruff hook at 0.6 or later (which lints notebooks by
    default), or a CI step that strips, cleans or
    lints notebooks (nbstripout, nbQA, nbdev_clean, `--ClearOutputPreprocessor`, or a
    project script that rewrites notebooks with `nbformat`). Course and tutorial
    repositories, which keep outputs on purpose, are skipped.

    Why it matters:
    Without an automatic check, outputs, execution counts and unlinted code slip
    into every commit, however careful the team means to be.

    How to fix:
    Add the `nbstripout` hook (and `nbqa-ruff` for linting) to
    `.pre-commit-config.yaml`, or run `nbstripout --install` and commit the
    resulting `.gitattributes`.
    """

    code = "MOD010"
    name = "notebook-hygiene-hooks-missing"
    pillar = Pillar.MODULARITY
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "a.ipynb": notebook("x = 1"),
                ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/kynan/nbstripout\n    rev: 0.7.1\n    hooks:\n      - id: nbstripout\n",
            }
        ),
        Example({"a.ipynb": notebook("x = 1"), ".gitattributes": "*.ipynb filter=nbstripout\n"}),
        Example(
            {
                "notebooks/a.ipynb": notebook("x = 1"),
                "pyproject.toml": '[tool.ruff.lint.per-file-ignores]\n"notebooks/**" = ["T201"]\n',
            }
        ),
        Example(
            {
                "a.ipynb": notebook("x = 1"),
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: nbqa ruff .\n",
            }
        ),
        Example(
            {
                "nb/a.ipynb": notebook("x = 1"),
                ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks:\n      - id: clean\n        entry: make\n        args: [clean]\n",
                "Makefile": "clean:\n\tpython nb/clear.py\n",
                "nb/clear.py": "import nbformat\n\nnbformat.write(nb, f)\n",
            },
            note="A project script that cleans notebooks, run from pre-commit through make.",
        ),
        Example(
            {
                "a.ipynb": notebook("x = 1"),
                ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.15.1\n    hooks:\n      - id: ruff\n",
            },
            note="Ruff 0.6 and later lint notebooks by default.",
        ),
    ]
    INVALID = [
        Example(
            {
                "a.ipynb": notebook("x = 1"),
                ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/psf/black\n",
            },
            expect=[".pre-commit-config.yaml"],
        ),
        Example(
            {
                "a.ipynb": notebook("x = 1"),
                ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.5.7\n    hooks:\n      - id: ruff\n",
            },
            expect=[".pre-commit-config.yaml"],
            note="Before 0.6 Ruff left notebooks alone unless told.",
        ),
        Example({"nb/a.ipynb": notebook("x = 1")}, expect=["nb/a.ipynb"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.notebooks:
            return "no notebooks"
        return _TUTORIAL if repo.facts.is_tutorial else None

    def check(self, repo: Repo) -> Iterable[Finding]:
        configs = [
            ".pre-commit-config.yaml",
            ".pre-commit-config.yml",
            ".gitattributes",
            "lefthook.yml",
            ".lefthook.yml",
            "mise.toml",
        ]
        texts = [repo.text(path) or "" for path in configs if repo.exists(path)]
        texts.append(repo.facts.ci_text)
        if repo.glob("**/jupytext.toml") or repo.glob("**/.jupytext*") or _ruff_lints_notebooks(repo):
            return
        if any(_ruff_hook_lints_notebooks(text) for text in texts):
            return
        if any(_MAKE.search(text) for text in texts):
            texts.extend(repo.text(path) or "" for path in ("Makefile", "makefile") if repo.exists(path))
        if any(_HYGIENE_TOOLS.search(text) for text in texts):
            return
        # A project script that rewrites notebooks (nbformat), run by pre-commit, make or CI.
        combined = "\n".join(texts)
        for file in repo.facts.source_files:
            if repo.contains(_NBFORMAT_WRITE, file.path, code_only=False) and file.path in combined:
                return
        anchor = next((path for path in configs[:2] if repo.exists(path)), repo.facts.notebooks[0].path)
        yield self.finding(
            f"{len(repo.facts.notebooks)} notebook(s) and no nbstripout/nbQA hook or filter: add one to pre-commit",
            anchor,
        )


_NBFORMAT_WRITE = lazy_compile(r"\bnbformat\.write\b")
_MAKE = lazy_compile(r"\bmake\b")


class DeadExperimentalCodePath(PythonRule):
    """Code is switched off with `if False:` or `if 0:` instead of being removed.

    What it checks:
    An `if False:` or `if 0:` block whose body does more than `pass`, a docstring
    or imports (the old type-checking idiom), in `.py` files and notebook cells.

    Why it matters:
    Disabled experiment branches rot: nobody tests them, readers cannot tell
    whether they still matter, and switching one back on changes the model silently.

    How to fix:
    Delete the block (git keeps the history), or make the choice an explicit,
    tested configuration option.
    """

    code = "MOD011"
    name = "dead-experimental-codepath"
    pillar = Pillar.MODULARITY
    severity = Severity.INFO
    triggers = (r"if\s*\(?\s*(?:False|0)\s*\)?\s*:",)  # a leading literal: re finds it fast (the ast decides)

    VALID = [
        Example({"a.py": "if False:\n    from typing import List\n\nif DEBUG:\n    print(1)\n"}),
        Example({"b.py": "if False:\n    pass\n"}),
        Example(
            {"test_stream.py": "async def empty_stream():\n    if False:\n        yield\n\nasync def no_tasks():\n    if False:\n        yield asyncio.sleep(0)\n"},
            note="`if False: yield` makes an empty generator.",
        ),
    ]
    INVALID = [
        Example({"train.py": "x = 1\nif False:\n    model = Other()\n    model.fit(x)\n"}, expect=["train.py:2"]),
        Example({"nb.ipynb": notebook("a = 1", "if 0:\n    a = 2")}, expect=["nb.ipynb[1]:1"]),
        Example({"cfg.py": "if mode == 'a':\n    x = 1\nelif False:\n    x = 2\n"}, expect=["cfg.py:3"]),
    ]

    def visit_If(self, node: ast.If) -> None:
        value = literal(node.test)
        if value is NOT_LITERAL or value is None or value not in (False, 0):
            return
        if all(_is_inert(statement) for statement in node.body):
            return
        self.report(node.test, "code disabled with a constant false condition: delete it or make it a config option")


def _is_inert(statement: ast.stmt) -> bool:
    """`pass`, `...`, a docstring, an import, or a `yield` (`if False: yield` only makes the function an empty
    generator; what it would yield never runs)."""
    if isinstance(statement, (ast.Pass, ast.Import, ast.ImportFrom)):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, (ast.Yield, ast.YieldFrom)):
        return True
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and (statement.value.value is Ellipsis or isinstance(statement.value.value, (str, bytes)))
    )


# Personal or machine-specific locations; Windows system folders (C:\\Program Files ...) are like /usr/local.
_MACHINE_PATH = lazy_compile(
    r"^(?:/home/[\w.\-]+|/Users/[\w.\-]+|/content/drive\b|/mnt/[a-z]/"
    r"|[A-Z]:[\\/](?!(?i:Program Files|ProgramData|Windows|NVIDIA|Python\d*)\b)\w)"
)
# Calls whose string argument is a URL route or a mount point, not a file path.
_ROUTE_CALLS = frozenset(
    {
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "api_route",
        "add_url_rule",
        "add_api_route",
        "websocket",
        "mount",
    }
)


class HardcodedAbsolutePath(PythonRule):
    """A path that only exists on one machine is written into the code.

    What it checks:
    String literals (and the start of f-strings) that begin with a personal or
    machine-specific directory: `/home/<user>`, `/Users/<user>`, `C:\\...`,
    `/content/drive` (Colab), `/mnt/c/` (WSL). Docstrings, `help=` texts, the
    arguments of `drive.mount(...)` and of web routes (`@app.get("/home/...")`), Windows
    system folders (`C:\\Program Files`), the home folders of users inside the repository's
    images (created or used by its Dockerfiles, or of well-known base images such as
    `/home/jovyan`) and test files are not flagged.

    Why it matters:
    The code runs only on its author's machine: on a colleague's laptop, in CI or
    in a container the path does not exist, and the failure often comes late.

    How to fix:
    Read locations from configuration, environment variables or command-line
    arguments, or build them relative to the project (`Path(__file__).parent / "data"`).
    """

    code = "MOD012"
    name = "hardcoded-absolute-path"
    pillar = Pillar.MODULARITY
    severity = Severity.WARNING
    # Each drive-letter branch spells its colon with what follows (`:\`, `:/`): every branch then holds a literal
    # of two characters or more, and files without any are not searched (see mlready.patterns).
    triggers = (r"""["'](?:/home/\w|/Users/\w|/content/drive|/mnt/[a-z]/|[A-Z]:\\\\\w|[A-Z]:\\\w|[A-Z]:/\w)""",)

    VALID = [
        Example(
            {"a.py": 'def f():\n    """Reads e.g. /home/me/data.csv."""\n    return Path(__file__).parent / "data"\n'}
        ),
        Example({"cli.py": 'parser.add_argument("--out", help="/home/you/out is a typical value")\n'}),
        Example({"colab.ipynb": notebook("from google.colab import drive\ndrive.mount('/content/drive')")}),
        Example({"api.py": '@app.get("/home/feed")\ndef feed():\n    return "/users/me"\n'}, note="Web routes."),
        Example({"tests/test_paths.py": 'def test_x():\n    assert norm("/home/user/x") == "x"\n'}),
        Example(
            {
                "gpu.py": 'import glob\nif win:\n    found = glob.glob("C:\\\\Program Files\\\\NVIDIA GPU Computing Toolkit\\\\CUDA")\n'
            },
            note="A system folder.",
        ),
        Example(
            {
                "docker/bench.py": 'out_dir = "/home/model-server/model-store/"\n',
                "docker/Dockerfile": "FROM python:3.12-slim\nRUN useradd -m model-server\nWORKDIR /home/model-server\n",
            },
            note="A folder inside the repository's own image.",
        ),
    ]
    INVALID = [
        Example(
            {"train.py": 'import pandas as pd\ndf = pd.read_csv("/home/alice/data/train.csv")\n'}, expect=["train.py:2"]
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "import os", "root = f'/content/drive/MyDrive/{name}'\nout = r'C:\\Users\\bob\\out'"
                )
            },
            expect=["nb.ipynb[1]:1", "nb.ipynb[1]:2"],
        ),
    ]

    enabled = True

    def visit_Module(self, node: ast.Module) -> None:
        self.enabled = not is_test_path(self.file.path)

    def visit_Constant(self, node: ast.Constant) -> None:
        # An implicit concatenation is one Constant: any piece that starts with a machine path leaves its mark in the value.
        if self.enabled and isinstance(node.value, str) and _MACHINE_HINT.search(node.value):
            parent = self.parent(node)
            if not isinstance(parent, ast.JoinedStr):  # a literal part of an f-string is judged with the f-string
                self._check(node, parent)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if not self.enabled:
            return
        # Unescaped parts: a raw `C:\temp` in an f-string may become `C:<tab>emp`, so any `X:` is a hint.
        if any(isinstance(part, ast.Constant) and _FSTRING_HINT.search(str(part.value)) for part in node.values):
            parent = self.parent(node)
            if not (isinstance(parent, ast.FormattedValue) and parent.format_spec is node):
                self._check(node, parent)

    def _check(self, node: ast.Constant | ast.JoinedStr, parent: ast.AST | None) -> None:
        if isinstance(parent, ast.Expr):
            return  # a docstring or a bare string
        argument: ast.AST = node
        if isinstance(parent, ast.Starred):
            argument, parent = parent, self.parent(parent)
        call: ast.AST | None = None  # the call the string is an argument of (a libcst Arg's parent)
        if isinstance(parent, ast.keyword):
            if parent.arg in ("help", "description", "epilog", "usage"):
                return
            call = self.parent(parent)
        elif isinstance(parent, ast.Call) and any(item is argument for item in parent.args):
            call = parent
        if isinstance(call, ast.Call) and (method_name(call) or "") in _ROUTE_CALLS:
            return
        for value in self._machine_paths(node):
            if self._in_container_home(value):
                continue
            shown = value if len(value) <= 60 else value[:57] + "..."
            self.report(node, f"machine-specific path {shown!r}: read it from config, env or arguments")

    def _in_container_home(self, path: str) -> bool:
        """A `/home/<user>` that exists inside the repository's images (see Facts.container_users)."""
        user = re.match(r"/home/([\w.-]+)", path)
        return user is not None and user.group(1) in self.repo.facts.container_users

    def _machine_paths(self, node: ast.Constant | ast.JoinedStr) -> list[str]:
        """The machine paths that start the pieces of a string (each piece of an implicit concatenation on its own).

        A plain piece is judged by its value; an f-string piece by the source text of its leading literal part
        (shown as written, with `\\\\` read as `\\` for the match).
        """
        pieces = _string_pieces(self.source.segment(node))
        if isinstance(node, ast.Constant) and (
            not pieces or "".join(str(_plain_value(piece)) for piece in pieces) != node.value
        ):
            pieces = [repr(node.value)]  # positions did not lead to the literal's text: judge its value as one piece
        found = []
        for piece in pieces or ():
            prefix = piece[: len(piece) - len(piece.lstrip("rRbBuUfF"))].lower()
            if "b" in prefix:
                continue
            if "f" in prefix:
                quote = 3 if piece[len(prefix) : len(prefix) + 3] in ('"""', "'''") else 1
                text = _leading_text(piece[len(prefix) + quote : len(piece) - quote])
                if text and _MACHINE_PATH.match(text.replace("\\\\", "\\")):
                    found.append(text)
                continue
            value = _plain_value(piece)
            if isinstance(value, str) and _MACHINE_PATH.match(value):
                found.append(value)
        return found


# Each machine path holds one of these (in a plain string's value, or in an f-string's unescaped literal parts).
_MACHINE_HINT = lazy_compile(r"/home/|/Users/|/content/drive|/mnt/[a-z]/|[A-Z]:[\\/]")
_FSTRING_HINT = lazy_compile(r"/home/|/Users/|/content/drive|/mnt/[a-z]/|[A-Z]:")


def _string_pieces(segment: str) -> list[str] | None:
    """The source text of each string literal of a (possibly implicitly concatenated) string, or None."""
    lines = segment.split("\n")
    pieces: list[str] = []
    depth = 0
    start = (0, 0)
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+: f-strings are several tokens
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    try:
        # Parenthesized, so that the lines of a multi-line concatenation tokenize without their opening bracket.
        for token in tokenize.generate_tokens(io.StringIO("(" + segment + "\n)").readline):
            if token.type == tokenize.STRING and depth == 0:
                pieces.append(token.string)
            elif fstring_start is not None and token.type == fstring_start:
                if depth == 0:
                    start = token.start
                depth += 1
            elif fstring_end is not None and token.type == fstring_end:
                depth -= 1
                if depth == 0:
                    pieces.append(_text_between(lines, start, token.end))
            elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.OP, tokenize.ENDMARKER) and depth == 0:
                return None
    except (tokenize.TokenError, SyntaxError):
        return None
    return pieces


def _text_between(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """Source text between two token positions of the parenthesized segment (one "(" before its first line)."""
    (start_row, start_col), (end_row, end_col) = start, end
    start_col -= 1 if start_row == 1 else 0
    end_col -= 1 if end_row == 1 else 0
    if start_row == end_row:
        return lines[start_row - 1][start_col:end_col]
    return "\n".join([lines[start_row - 1][start_col:], *lines[start_row : end_row - 1], lines[end_row - 1][:end_col]])


def _plain_value(piece: str) -> object:
    try:
        return ast.literal_eval(piece)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _leading_text(body: str) -> str:
    """The literal text an f-string's body starts with, as written (`{{` kept), up to its first `{expression}`."""
    index = 0
    while index < len(body):
        if body[index] == "{":
            if body[index + 1 : index + 2] != "{":
                break
            index += 2
            continue
        index += 1
    return body[:index]
