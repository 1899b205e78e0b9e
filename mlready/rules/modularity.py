"""Modularity: logic in importable, testable modules rather than only in notebooks."""

from __future__ import annotations

from collections.abc import Iterable

from mlready.model import Finding, Pillar, Severity
from mlready.repo import Repo, SourceFile
from mlready.rule import Example, FileRule, RepoRule, notebook


class NotebookOnlyLogic(RepoRule):
    """The project's logic lives only in notebooks: no importable module holds it.

    What it checks:
    The repository has notebooks, but no `.py` file outside the tests defines a
    function or class (`setup.py`, `conftest.py` and `__init__.py` do not count).

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
    ml_test_score = ("Infra 3",)

    VALID = [
        Example({"explore.ipynb": notebook("from churn.features import build\nbuild()"), "churn/features.py": "def build():\n    return 1\n"}),
        Example({"train.py": "def main():\n    pass\n"}, note="No notebooks: the rule does not apply."),
    ]
    INVALID = [
        Example({"analysis.ipynb": notebook("import pandas as pd\ndf = pd.read_csv('x.csv')"), "setup.py": "from setuptools import setup\nsetup()\n"}, expect=["analysis.ipynb"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.notebooks else "no notebooks"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.facts.logic_modules:
            return
        notebooks = repo.facts.notebooks
        yield self.finding(
            f"{len(notebooks)} notebook(s) and no importable module defines a function or class: "
            "move the logic into a package",
            notebooks[0].path,
        )


class NotebookOutputsCommitted(FileRule):
    """A notebook is committed with its cell outputs.

    What it checks:
    Code cells with non-empty `outputs`, the condition `nbstripout --verify` fails on.
    Cells tagged `keep_output` are exempt. One finding per notebook, at the first such cell.

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

    VALID = [Example({"clean.ipynb": notebook("x = 1", "print(x)")})]
    INVALID = [Example({"dirty.ipynb": notebook("x = 1", "print(x)", outputs=True)}, expect=["dirty.ipynb[0]:1"])]

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
    INVALID = [Example({"shuffled.ipynb": notebook("a = 1", "b = 2", "c = 3", counts=[3, 1, 2])}, expect=["shuffled.ipynb[1]:1"])]

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.notebook(file.path)
        if parsed is None:
            return
        previous = None
        for cell in parsed.code_cells:
            if cell.execution_count is None:
                continue
            if previous is not None and cell.execution_count <= previous:
                yield self.finding(
                    f"cell run as [{cell.execution_count}] after a cell run as [{previous}]: "
                    "restart and run all cells in order",
                    file.path,
                    1,
                    1,
                    cell=cell.index,
                    anchor="order",
                )
                return
            previous = cell.execution_count
