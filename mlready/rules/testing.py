"""Testing: automated tests exist, CI runs them, and they cover the ML parts that break."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlready.model import Finding, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import _EXAMPLE_DIR, _SERVING, _TRAINING, is_example_path, is_test_path
from mlready.repo.repo import is_count
from mlready.rule import Example, RepoRule, notebook

# Tests that live outside test_*.py files: notebooks run as tests, doctests.
_OTHER_TEST_RUNNERS = lazy_compile(
    r"nbdev[_-]test|nbdev-ci|--nbval|--nbmake|pytest-notebook|\btreon\b|--doctest-modules|\bpytest\b.*--doctest-glob"
)


def _test_modules(repo: Repo) -> list[SourceFile]:
    """Test modules (conftest.py and helpers named otherwise do not count alone)."""
    return [file for file in repo.facts.test_files if file.name != "conftest.py"]


def _no_tests(repo: Repo) -> str | None:
    return None if _test_modules(repo) else "no tests (see TST001)"


def _locate(repo: Repo, path: str, pattern: re.Pattern[str]) -> tuple[int | None, int | None]:
    """(cell, line) of the first match in a `.py` file or a notebook's code cells."""
    if not path.endswith(".ipynb"):
        return None, _line_of(repo.text(path) or "", pattern)
    parsed = repo.notebook(path)
    for cell in parsed.code_cells if parsed else []:
        line = _line_of(cell.source, pattern)
        if line is not None:
            return cell.index, line
    return None, None


def _line_of(text: str, pattern: re.Pattern[str]) -> int | None:
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _main_code(repo: Repo) -> str:
    """The file that best stands for the project's code: a training script, a module, a notebook."""
    training = sorted(
        (path for path in repo.facts.training_files if _is_project_code(path)),
        key=lambda path: (
            path.endswith(".ipynb"),
            "train" not in path.rsplit("/", 1)[-1].lower(),
            path.count("/"),
            path,
        ),
    )
    tooling = (".github/", "docker/", ".devcontainer/", "binder/", ".binder/")
    modules = [
        file.path
        for file in repo.facts.logic_modules
        if _is_project_code(file.path) and not file.path.startswith(tooling)
    ]
    notebooks = [file.path for file in repo.facts.notebooks]
    return ([*training, *modules, *notebooks] or [file.path for file in repo.facts.code_files])[0]


# Test files of other languages: Go, JavaScript/TypeScript, Ruby, and Java/Kotlin/Scala under src/test.
_OTHER_LANGUAGE_TEST = lazy_compile(r"(?:_test\.go|\.(?:test|spec)\.[cm]?[jt]sx?|_spec\.rb|(?:^|/)src/test/.+\.(?:java|kt|scala))$")
# Code generated from protocol buffers: not where a project's code is written.
_GENERATED = lazy_compile(r"_pb2(?:_grpc)?\.pyi?$")


def _is_project_code(path: str) -> bool:
    """Not in a folder of examples, docs, tutorials, benchmarks or vendored code (notebook folders count)."""
    return not _GENERATED.search(path) and not any(
        _EXAMPLE_DIR.fullmatch(part.lower()) and part.lower() not in ("notebook", "notebooks")
        for part in path.split("/")[:-1]
    )


def _tested_projects(repo: Repo) -> list[str]:
    """Folders that hold a project with tests: the parent of each `tests/` folder, or a test file's folder.

    In a repository of several independent projects (a course, a monorepo), code outside
    every tested project is left to TST001-style judgement rather than reported module by module.
    """
    return _tested_projects_of(_test_modules(repo))


def _tested_projects_of(files: Iterable[SourceFile]) -> list[str]:
    roots = set()
    for file in files:
        parts = file.path.split("/")[:-1]
        cut = next((index for index, part in enumerate(parts) if part in ("tests", "test", "testing")), len(parts))
        roots.add("/".join(parts[:cut]))
    return sorted(roots)


def _in_tested_project(path: str, roots: list[str]) -> bool:
    return any(not root or path.startswith(root + "/") for root in roots)


def _calls_endpoint(repo: Repo, path: str) -> bool:
    """A test that calls a serving app: a test client, or an HTTP request to localhost."""
    return _test_has(repo, path, _CONTRACT_TEST) or _test_has(repo, path, _LOCAL_URL, _HTTP_CALL)


def _test_has(repo: Repo, path: str, *patterns: re.Pattern[str]) -> bool:
    """Whether a test file's text matches every pattern."""
    return all(repo.contains(pattern, path, code_only=False) for pattern in patterns)


def _served_under_test(repo: Repo) -> set[str]:
    """Serving modules (and what they import) of the projects whose tests call an endpoint."""
    roots = [root for file in repo.facts.test_files if _calls_endpoint(repo, file.path) for root in _tested_projects_of([file])]
    serving = [path for path in repo.facts.serving_modules if _in_tested_project(path, roots)]
    return _reachable(repo, serving) if serving else set()


def _reachable(repo: Repo, starts: Iterable[str]) -> set[str]:
    """The `.py` files that `starts` import, directly or through other project modules (and `starts`)."""
    reached: set[str] = set()
    queue = [path for path in starts if path.endswith(".py")]
    while queue:
        path = queue.pop()
        if path not in reached:
            reached.add(path)
            queue.extend(target for target in repo.facts.project_imports(path) if target not in reached)
    return reached


class TestsMissing(RepoRule):
    """The repository has no automated tests.

    What it checks:
    No `test_*.py` or `*_test.py` file and no Python file under a `tests/` folder
    (`conftest.py` alone does not count, nor an empty test file or a script named like a
    test: one with no `test_` function, `Test` class or test framework, and no assertion outside a
    file run as a script), no tests in the repository's other languages (`*_test.go`,
    `*.test.ts`, `*_spec.rb`, `src/test/**/*.java`), and no CI step that runs
    notebooks or doctests as tests (nbdev_test, `--nbval`, `--nbmake`, `--doctest-modules`).

    Why it matters:
    Without tests, every change to data handling, features, training or serving
    is checked only by hand, if at all; regressions reach production unseen.

    How to fix:
    Add a `tests/` folder with pytest tests: start with the feature code, a
    training smoke test on a tiny sample, and a prediction on a known input.
    """

    code = "TST001"
    name = "tests-missing"
    pillar = Pillar.TESTING
    severity = Severity.ERROR

    VALID = [
        Example({"src/model.py": "def f():\n    pass\n", "tests/test_model.py": "def test_f():\n    assert True\n"}),
        Example({"lib/core.py": "def f():\n    pass\n", "lib/core_test.py": "def test_f():\n    pass\n"}),
        Example(
            {
                "nbs/00_core.ipynb": notebook("def f():\n    return 1", "assert f() == 1"),
                ".github/workflows/test.yaml": "jobs:\n  test:\n    steps:\n      - uses: fastai/workflows/nbdev-ci@master\n",
            },
            note="nbdev: the notebooks are the tests.",
        ),
        Example({"README.md": "# Notes\n"}, note="No code: the rule does not apply."),
        Example(
            {"operator/main.go": "package main\n", "operator/main_test.go": "package main\n", "apis/python/dataplane_pb2.pyi": "class X: ...\n"},
            note="A Go project with its tests in Go (and generated Python bindings).",
        ),
    ]
    INVALID = [
        Example({"train.py": "def main():\n    pass\n", "tests/conftest.py": "import pytest\n"}, expect=["train.py"]),
        Example({"train.py": "def main():\n    pass\n", "tests/test_model.py": "", "homework/q3_test.py": "print(predict([1, 2]))\n",
                 "demo/test_ap_on_coco.py": "import argparse\n\ndef evaluate(args):\n    assert args.split\n\nif __name__ == '__main__':\n    evaluate(argparse.ArgumentParser().parse_args())\n",
                 "scripts/tests/test_watermark.py": "import fire\n\ndef testit(path):\n    print(path)\n\nfire.Fire(testit)\n"},
                expect=["train.py"], note="An empty test file, and scripts named like tests, hold no tests."),
        Example({"analysis.ipynb": notebook("x = 1")}, expect=["analysis.ipynb"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.code_files else "no Python code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if _test_modules(repo) or _OTHER_TEST_RUNNERS.search(repo.facts.ci_text):
            return
        if any(_OTHER_LANGUAGE_TEST.search(file.path) for file in repo.all_files):
            return  # a repository mostly in another language (Go, TypeScript, Java ...) tested in it
        yield self.finding("no test files (test_*.py, *_test.py, tests/): add pytest tests", _main_code(repo))


class TestsNotRunInCi(RepoRule):
    """CI is set up and tests exist, but no CI job runs them.

    What it checks:
    The repository has CI configuration and test files, and neither the CI files
    nor the scripts, make targets, tox/nox sessions or task runners they call
    run a test runner (pytest, unittest, tox, nox, `make test`, hatch/pdm/poe
    test tasks ...).

    Why it matters:
    Tests that only run when someone remembers do not protect the main branch:
    a pull request can break them and still be merged.

    How to fix:
    Add a CI step that runs the tests on every pull request, for example
    `- run: python -m pytest` in the GitHub Actions workflow.
    """

    code = "TST002"
    name = "tests-not-run-in-ci"
    pillar = Pillar.TESTING
    severity = Severity.ERROR

    VALID = [
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: python -m pytest -q\n",
            }
        ),
        Example(
            {
                "backend/tests/test_api.py": "def test_api():\n    pass\n",
                "backend/scripts/tests-start.sh": "#!/bin/bash\nbash scripts/test.sh\n",
                "backend/scripts/test.sh": "#!/bin/bash\ncoverage run -m pytest tests/\n",
                ".github/workflows/test-backend.yml": "jobs:\n  test:\n    steps:\n      - run: uv run bash scripts/tests-start.sh\n"
                "        working-directory: backend\n",
            },
            note="Scripts named relative to the folder the step runs in.",
        ),
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: make check\n",
                "Makefile": "check:\n\tpytest\n",
            },
        ),
        Example({"tests/test_a.py": "def test_a():\n    pass\n"}, note="No CI: CI-level rules report that."),
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: anyscale jobs submit deploy/jobs/workloads.yaml\n",
                "deploy/jobs/workloads.yaml": "entrypoint: bash deploy/jobs/workloads.sh\n",
                "deploy/jobs/workloads.sh": "python -m pytest tests\n",
            },
            note="CI -> job config -> script -> pytest.",
        ),
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: hatch run cov\n",
                "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n\n[tool.hatch.envs.default.scripts]\ncov = 'pytest --cov'\n",
            },
            note="A hatch script runs the tests.",
        ),
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - uses: ./.github/actions/unit\n",
                ".github/actions/unit/action.yml": "runs:\n  using: composite\n  steps:\n    - run: pytest\n      shell: bash\n",
            },
            note="A local composite action runs the tests.",
        ),
    ]
    INVALID = [
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/lint.yml": "jobs:\n  lint:\n    steps:\n      - run: ruff check .\n",
            },
            expect=[".github/workflows/lint.yml"],
        ),
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/docs.yml": "jobs:\n  d:\n    steps:\n      - run: uv run mkdocs build\n",
                "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n",
            },
            expect=[".github/workflows/docs.yml"],
            note="pytest settings in pyproject.toml are not a CI step.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.ci_files:
            return "no CI configuration"
        return _no_tests(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.facts.ci_runs_tests or _OTHER_TEST_RUNNERS.search(repo.facts.ci_text):
            return
        yield self.finding(
            f"{len(_test_modules(repo))} test file(s), but no CI job runs them: add a step that runs pytest",
            repo.facts.ci_files[0].path,
        )


_COVERAGE = lazy_compile(
    r"\[tool\.coverage|\[coverage:|--cov\b|--cov=|\bcoverage\s+(?:run|report|xml|html|erase|combine)\b|\bcodecov\b|coveralls|pytest-cov|\bcoverage\[toml\]"
)


class CoverageNotConfigured(RepoRule):
    """Test coverage is not measured.

    What it checks:
    Tests exist, but there is no `[tool.coverage]` table, `.coveragerc`,
    `[coverage:...]` section, `pytest --cov`, `coverage run`, Codecov or Coveralls
    set-up in the configuration, the CI or the scripts it calls.

    Why it matters:
    Without coverage nobody knows which data, feature or serving code the tests
    never execute, and untested paths grow unnoticed.

    How to fix:
    Install `pytest-cov`, run `pytest --cov=<package>` in CI, and consider a floor
    such as `fail_under = 80` in `[tool.coverage.report]`.
    """

    code = "TST003"
    name = "coverage-not-configured"
    pillar = Pillar.TESTING
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                "pyproject.toml": "[tool.coverage.run]\nsource = ['pkg']\n",
            }
        ),
        Example(
            {
                "tests/test_a.py": "def test_a():\n    pass\n",
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: pytest --cov=pkg\n",
            }
        ),
    ]
    INVALID = [
        Example(
            {"tests/test_a.py": "def test_a():\n    pass\n", "pyproject.toml": "[project]\nname = 'x'\n"},
            expect=["pyproject.toml"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _no_tests(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.glob("**/.coveragerc") or repo.glob("**/codecov.y*ml") or repo.glob("**/.codecov.y*ml"):
            return
        config_names = {
            "pyproject.toml",
            "setup.cfg",
            "tox.ini",
            "pytest.ini",
            "Makefile",
            "noxfile.py",
            "pixi.toml",
            "justfile",
        }
        texts = [repo.facts.ci_text]
        texts.extend(repo.text(file.path) or "" for file in repo.all_files if file.name in config_names)
        texts.extend(repo.text(file.path) or "" for file in repo.files("requirements"))
        if any(_COVERAGE.search(text) for text in texts):
            return
        configs = [
            file.path
            for file in repo.all_files
            if file.name in ("pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini")
        ]
        anchor = min(configs, key=lambda path: (path.count("/"), path), default=None)
        yield self.finding("tests run without coverage measurement: add pytest-cov and `--cov`", anchor)


_DATA_VALIDATION_LIBS = frozenset(
    {
        "great_expectations",
        "pandera",
        "tensorflow_data_validation",
        "tfx",
        "deepchecks",
        "soda",
        "frictionless",
        "evidently",
        "whylogs",
        "pandas_schema",
        "pointblank",
        "cerberus",
        "jsonschema",
        "datacontract",
        "dataframely",
        "patito",
    }
)
_DATA_VALIDATION_PACKAGES = frozenset(
    name.replace("_", "-")
    for name in _DATA_VALIDATION_LIBS | {"soda-core", "great-expectations", "tensorflow-data-validation"}
)
# Reading tabular data, where a schema applies.
_DATA_READ = lazy_compile(
    r"\b(?:pd|pandas|polars|pl|dd|cudf)\.(?:read_(?:csv|parquet|json|excel|table|feather|sql\w*|orc|hdf|pickle)|scan_\w+)\s*\("
    r"|\bspark\.read\b|\bcsv\.(?:reader|DictReader)\s*\(|\bnp\.(?:loadtxt|genfromtxt)\s*\("
)


# Files that read logs or results to plot or report them, not datasets.
_REPORTING_FILE = lazy_compile(
    r"(?:^|_)(?:plots?|plotting|vis|viz|visuali[sz]\w*|reports?|reporting|dashboard|logs?)(?:_|\.py$)", re.I
)


class DataValidationAbsent(RepoRule):
    """Data is loaded without any schema or expectation checks.

    What it checks:
    In an ML repository whose code reads tabular data (`pd.read_*`, `pl.read_*`,
    `spark.read`, `csv.reader` ...; plotting and report helpers aside, and not in
    examples or docs), no code imports or declares a data-validation library
    (Great Expectations, pandera, TFDV, Deepchecks, Soda, Evidently, whylogs,
    jsonschema ...) and no schema or expectations file exists.

    Why it matters:
    Upstream data changes (a renamed column, a new category, a unit switch) break
    a model silently: it still trains and predicts, only worse. A schema check
    turns that into a loud failure.

    How to fix:
    Write the expected schema of the training and serving data (types, ranges,
    allowed values) with pandera or Great Expectations, and check it when data is
    loaded and in the tests.
    """

    code = "TST004"
    name = "data-validation-absent"
    pillar = Pillar.TESTING
    severity = Severity.WARNING

    VALID = [
        Example({"train.py": "import pandas as pd\nimport pandera as pa\nimport sklearn\ndf = pd.read_csv('x.csv')\n"}),
        Example({"train.py": "import torch\nx = torch.randn(3)\n"}, note="Reads no dataset."),
        Example(
            {
                "train.py": "import torch\n",
                "util/plot_utils.py": "import pandas as pd\nlogs = pd.read_json('log.txt')\n",
            },
            note="Reads training logs to plot them.",
        ),
        Example(
            {"train.py": "import sklearn, pandas as pd\ndf = pd.read_csv('x.csv')\n", "schemas/input.schema.json": "{}"}
        ),
    ]
    INVALID = [
        Example(
            {
                "src/data.py": "import pandas as pd\nimport sklearn\n\ndef load():\n    return pd.read_csv('train.csv')\n"
            },
            expect=["src/data.py:5"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.is_ml:
            return "not an ML repository"
        if repo.facts.is_package_library:
            return "a library: it does not own a data pipeline"
        return None if self._readers(repo) else "reads no tabular dataset"

    def _readers(self, repo: Repo) -> list[SourceFile]:
        """Project files that read tabular data, those feeding training first (plotting and report helpers excluded)."""
        files = [
            file
            for file in repo.facts.code_files_matching(_DATA_READ.pattern, tests=False)
            if _is_project_code(file.path) and not _REPORTING_FILE.search(file.name)
        ]
        training = _reachable(repo, repo.facts.training_files) | set(repo.facts.training_files)
        return sorted(files, key=lambda file: (file.path not in training, file.kind == "notebook", file.path))

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.facts.imported_modules & _DATA_VALIDATION_LIBS or repo.facts.declared_names & _DATA_VALIDATION_PACKAGES:
            return
        if repo.glob("**/*.schema.json") or repo.glob("**/great_expectations/**") or repo.glob("**/schema.pbtxt"):
            return
        readers = self._readers(repo)
        if not readers:
            return
        path = readers[0].path
        cell, line = _locate(repo, path, _DATA_READ)
        yield self.finding(
            f"data is loaded in {len(readers)} file(s) with no schema or expectation checks: "
            "validate it (pandera, Great Expectations ...)",
            path,
            line,
            cell=cell,
        )


_FEATURE_FILE = lazy_compile(
    r"(?:^|_)(?:features?|preprocess\w*|preprocessing|transforms?|clean\w*|encod\w*|impute\w*|featurize\w*)\.py$"
)
_TOP_LEVEL_DEFINITION = lazy_compile(r"^(?:def|class)\s", re.M)
_FEATURE_DEF = lazy_compile(
    # not a guard that only checks something (`_assert_model_has_transform_method`)
    r"^(?:async[ \t]+)?def[ \t]+(?!_*(?:assert|check|validate|verify|ensure|has|is)_)"
    r"(_?\w*(?:preprocess|transform|feature|clean|encode|impute|normali[sz]e|featuri[sz]e)\w*)[ \t]*\(",
    re.M | re.I,
)


class FeatureCodeUntested(RepoRule):
    """Feature and preprocessing code is never exercised by a test.

    What it checks:
    Modules that the training or serving code uses (directly or through other
    modules) and that define top-level feature or preprocessing functions (names
    with preprocess, transform, feature, clean, encode, impute, normalize) or are
    named so (`features.py`, `preprocessing.py` ...), when no test imports them,
    directly or through other modules, nor calls the serving app that uses them. One finding per module. In a repository of
    several projects, only projects with tests are checked.

    Why it matters:
    Feature code is where silent bugs live: a wrong join or encoding still lets the
    model train, only on wrong inputs. The ML Test Score asks that all input
    feature code be tested.

    How to fix:
    Add unit tests for these functions on small hand-written inputs, covering
    missing values, unseen categories and edge cases.
    """

    code = "TST005"
    name = "feature-code-untested"
    pillar = Pillar.TESTING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "src/churn/wrapper.py": "import mlflow\nimport sklearn\n\ndef _assert_model_has_transform_method(model):\n"
                "    assert hasattr(model, 'transform')\n\ndef scale_inputs(df):\n    return df\n",
                "src/churn/train.py": "from churn.wrapper import scale_inputs\nmodel.fit(scale_inputs(df))\n",
                "tests/test_model.py": "from churn.model import fit\n\ndef test_fit():\n    fit()\n",
                "src/churn/model.py": "def fit():\n    pass\n",
            },
            note="A guard that checks for a transform method is no feature code.",
        ),
        Example(
            {
                "src/churn/features.py": "import pandas as pd\nimport sklearn\n\ndef encode(df):\n    return df\n",
                "src/churn/pipeline.py": "from churn.features import encode\nmodel.fit(encode(df))\n",
                "tests/test_pipeline.py": "from churn import pipeline\n",
            },
            note="Reached through another module.",
        ),
        Example(
            {"src/churn/features.py": "import sklearn\n\ndef encode(df):\n    return df\n"},
            note="No tests at all: TST001 reports it.",
        ),
        Example(
            {
                "src/churn/train.py": "import sklearn\nmodel.fit(X, y)\n",
                "tools/report.py": "def clean_table(rows):\n    return rows\n",
                "tests/test_train.py": "from churn import train\n",
            },
            note="Feature-like names in code that neither training nor serving uses.",
        ),
        Example(
            {
                "lesson1/predict.py": "import sklearn\n\ndef prepare_features(ride):\n    return ride\n\nmodel.fit(prepare_features(X), y)\n",
                "lesson6/code/model.py": "def load():\n    pass\n",
                "lesson6/code/tests/test_model.py": "from model import load\n",
            },
            note="Several projects: only the tested one (lesson6/code) is checked.",
        ),
        Example(
            {
                "streaming/lambda_function.py": "import sklearn\nfrom flask import Flask\napp = Flask(__name__)\n\ndef prepare_features(ride):\n    return ride\n\ndef predict(ride):\n    return model.predict(prepare_features(ride))\n",
                "streaming/train.py": "from lambda_function import prepare_features\nmodel.fit(prepare_features(X), y)\n",
                "streaming/test_docker.py": "import requests\nurl = 'http://localhost:8080/predict'\nassert requests.post(url, json={}).ok\n",
            },
            note="The test calls the serving app that uses the feature code.",
        ),
    ]
    INVALID = [
        Example(
            {
                "src/churn/features.py": "import pandas as pd\nimport sklearn\n\n\ndef clean_columns(df):\n    return df\n",
                "src/churn/model.py": "def fit():\n    pass\n",
                "src/churn/train.py": "from churn.features import clean_columns\nmodel.fit(clean_columns(df))\n",
                "tests/test_model.py": "from churn.model import fit\n\ndef test_fit():\n    fit()\n",
            },
            expect=["src/churn/features.py:5"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.is_ml:
            return "not an ML repository"
        return _no_tests(repo) or (None if self._feature_modules(repo) else "no feature or preprocessing modules")

    def _feature_modules(self, repo: Repo) -> list[tuple[str, int]]:
        """Feature modules that training or serving code uses, with the line of their first feature function."""
        starts = [path for path in repo.facts.training_files if path.endswith(".py")] + repo.facts.serving_modules
        result = []
        for path in sorted(_reachable(repo, starts)):
            name = path.rsplit("/", 1)[-1]
            if is_test_path(path) or name in ("setup.py", "__init__.py") or not _is_project_code(path):
                continue
            file = repo.file(path)
            match = repo.first(_FEATURE_DEF, [file], code_only=False) if file else None
            if match:
                result.append((path, match.line))
            elif _FEATURE_FILE.search(name) and repo.contains(_TOP_LEVEL_DEFINITION, path, code_only=False):
                result.append((path, 1))
        return result

    def check(self, repo: Repo) -> Iterable[Finding]:
        tested = repo.facts.tested_modules | _served_under_test(repo)
        roots = _tested_projects(repo)
        for path, line in self._feature_modules(repo):
            if path not in tested and _in_tested_project(path, roots):
                yield self.finding("feature/preprocessing code that no test imports: add unit tests", path, line)


_TEST_TRAINS = lazy_compile(_TRAINING.pattern + r"|\btrain\w*\s*\(")


class TrainingSmokeTestMissing(RepoRule):
    """No test runs the training code, even on a tiny sample.

    What it checks:
    An ML repository trains in `.py` code, and no test imports a training module
    (directly or through other modules), runs a training script, or calls a
    training API (`.fit(`, `trainer.train(`, `.backward()`, `train_*(`). In a
    repository of several projects, only projects with tests are checked; in a published
    library, the training in its examples, docs and tutorials is not the library's own.

    Why it matters:
    Training code breaks with every dependency upgrade or config change, and you
    find out hours into a real run. A one-batch smoke test catches it in seconds,
    and a "loss goes down" test catches broken gradients.

    How to fix:
    Add a test that runs training for one step or one epoch on a few rows and
    asserts that it finishes and that the loss decreased or the model was saved.
    """

    code = "TST006"
    name = "training-smoke-test-missing"
    pillar = Pillar.TESTING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "pkg/train.py": "import torch\n\ndef run():\n    loss.backward()\n",
                "tests/test_train.py": "from pkg.train import run\n\ndef test_run():\n    run()\n",
            }
        ),
        Example(
            {
                "train.py": "import sklearn\nm.fit(X, y)\n",
                "tests/test_cli.py": "import subprocess\n\ndef test_cli():\n    subprocess.run(['python', 'train.py', '--rows', '10'])\n",
            }
        ),
        Example(
            {"explore.ipynb": notebook("import sklearn\nm.fit(X, y)"), "tests/test_a.py": "def test_a():\n    pass\n"},
            note="Training only in notebooks: MOD009.",
        ),
        Example(
            {
                "pyproject.toml": "[project]\nname = 'modelserver'\n",
                "README.md": "# modelserver\n\n```\npip install modelserver\n```\n",
                "modelserver/handler.py": "import torch\n\ndef handle(batch):\n    return model(batch)\n",
                "examples/text/train.py": "import torch\nloss.backward()\n",
                "tests/test_handler.py": "from modelserver.handler import handle\n\ndef test_handle():\n    handle([])\n",
            },
            note="A published library: training in its examples is the users'.",
        ),
    ]
    INVALID = [
        Example(
            {
                "pkg/train.py": "import torch\n\ndef run():\n    loss.backward()\n",
                "pkg/data.py": "def load():\n    pass\n",
                "tests/test_data.py": "from pkg.data import load\n\ndef test_load():\n    load()\n",
            },
            expect=["pkg/train.py:4"],
        ),
        Example(
            {
                "pyproject.toml": "[project]\nname = 'app'\n",
                "README.md": "# app\n\n```\npip install -r requirements.txt\n```\n",
                "app/handler.py": "import torch\n",
                "examples/text/train.py": "import torch\nloss.backward()\n",
                "tests/test_handler.py": "from app.handler import handle\n\ndef test_handle():\n    handle([])\n",
            },
            expect=["examples/text/train.py:2"],
            note="Not a published library: its examples are judged.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.is_ml:
            return "not an ML repository"
        if _no_tests(repo):
            return _no_tests(repo)
        return None if self._training_modules(repo) else "no training code in .py files of a tested project"

    def _training_modules(self, repo: Repo) -> list[str]:
        roots = _tested_projects(repo)
        # A published library's examples show users how to train: the library itself does not train.
        examples_aside = repo.facts.is_library
        return [
            path
            for path in repo.facts.training_files
            if path.endswith(".py") and _in_tested_project(path, roots) and not (examples_aside and is_example_path(path))
        ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        training = self._training_modules(repo)
        if any(path in repo.facts.tested_modules for path in training):
            return
        if any(_test_has(repo, file.path, _TEST_TRAINS) for file in repo.facts.test_files):
            return
        preferred = sorted(
            training, key=lambda path: (not _is_project_code(path), "train" not in path.rsplit("/", 1)[-1], path)
        )
        path = preferred[0]
        yield self.finding(
            "no test runs the training code: add a one-batch smoke test",
            path,
            _line_of(repo.text(path) or "", _TRAINING),
        )


_PREDICTION_CALL = lazy_compile(
    r"\.(?:predict\w*|generate\w*|forward|infer\w*|classify|score_samples|decision_function|encode)\s*\(|\b(?:model|net|clf|classifier|regressor|estimator|pipe|pipeline|predictor)\w*\s*\(|\bpredict\w*\s*\("
    r"|^[ \t]*(?:async[ \t]+)?def[ \t]+test_\w*\([^)]*\b(?:model|predictor|classifier|estimator|pipeline|clf)\b",
    re.M,
)
_ASSERTION = lazy_compile(
    r"\bassert\b|\.assert\w+\s*\(|\bassert_\w+\s*\(|\bpytest\.approx\b|\bnp\.testing\b|\btorch\.testing\b"
)


class ModelBehaviourTestsMissing(RepoRule):
    """No test checks what the model predicts.

    What it checks:
    In an ML repository with tests, no test file both calls a model or prediction
    function (`.predict(`, `.generate(`, `.generate_answer(`, `model(`, `predict_*(` ..., or takes a
    `model`/`predictor` fixture) and asserts on the result.

    Why it matters:
    A model can load and run yet give nonsense: inverted labels, a broken
    tokenizer, a constant output. Behavioural tests (invariance, directional
    expectations, minimum functionality) catch this before users do.

    How to fix:
    Add tests that run the model on a few known inputs and assert on the outputs:
    a clear case is classified correctly, an irrelevant change (typo, name) does
    not flip the prediction, the output has the expected shape and range.
    """

    code = "TST007"
    name = "model-behaviour-tests-missing"
    pillar = Pillar.TESTING
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "pkg/model.py": "import sklearn\n",
                "tests/test_model.py": "def test_pred(model):\n    assert model.predict([[1]])[0] == 1\n",
            }
        ),
        Example(
            {
                "pkg/model.py": "import torch\n",
                "tests/model/test_behavioral.py": "def test_invariance(text, predictor):\n    assert get_label(text, predictor=predictor) == 'nlp'\n",
            },
            note="A predictor fixture and an assertion.",
        ),
        Example(
            {
                "bot/client.py": "from llama_cpp import Llama\nimport torch\n",
                "tests/test_client.py": "def test_answer(client):\n    answer = client.generate_answer('What is the capital of Italy?')\n"
                "    assert 'rome' in answer.lower()\n",
            },
            note="An LLM client's generation, asserted on.",
        ),
    ]
    INVALID = [
        Example(
            {
                "pkg/predict.py": "import torch\n\ndef predict(x):\n    return model(x)\n",
                "tests/test_io.py": "from pkg.io import load\n\ndef test_load():\n    assert load() is not None\n",
            },
            expect=["pkg/predict.py:3"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return "not an ML repository" if not repo.facts.is_ml else _no_tests(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(_test_has(repo, file.path, _PREDICTION_CALL, _ASSERTION) for file in repo.facts.test_files):
            return
        pattern = re.compile(r"^[ \t]*def[ \t]+predict\w*\s*\(|\.predict\w*\s*\(", re.M)
        candidates = [*repo.facts.serving_modules, *(file.path for file in repo.facts.source_files)]
        for path in candidates:
            line = _line_of(repo.text(path) or "", pattern)
            if line is not None:
                yield self.finding("no test asserts on model predictions: add behavioural tests", path, line)
                return
        yield self.finding("no test asserts on model predictions: add behavioural tests")


_CONTRACT_TEST = lazy_compile(
    r"\bTestClient\s*\(|\.test_client\s*\(|\bAsyncClient\s*\(|\bASGITransport\b|\baiohttp_client\b|\bwebtest\b|\bschemathesis\b"
    r"|\bclient\.(?:get|post|put|patch|delete)\s*\("
)
# A request to a locally started server: a localhost URL and an HTTP call in the same test file.
_LOCAL_URL = lazy_compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0)\b")
_HTTP_CALL = lazy_compile(
    r"\b(?:requests|httpx|session|aiohttp)\.(?:get|post|put|request)\s*\(|\burlopen\s*\(|\bClientSession\s*\("
)


# Where a serving app or handler is created (the anchor of TST008).
_SERVING_APP = lazy_compile(
    r"=\s*[\w.]*(?:Flask|Quart|FastAPI|Starlette|Litestar|Sanic|LitServer|App|Application|APIRouter|Blueprint)\s*\("
    r"|@serve\.deployment|@bentoml\.service|^def\s+(?:model_fn|predict_fn|transform_fn)\s*\(",
    re.M,
)


class ServingContractTestMissing(RepoRule):
    """The model-serving endpoint is never called by a test.

    What it checks:
    The repository builds a serving app (Flask, FastAPI, BentoML, Ray Serve,
    KServe, a SageMaker handler ...) and no test calls it through a test client
    (`TestClient(`, `app.test_client()`, `httpx.AsyncClient`) or sends an HTTP
    request to a localhost URL. Tests that only import the serving module earn
    half credit.

    Why it matters:
    The request and response schema is a contract with every client. Without a
    test, a renamed field or a model that fails to load in the serving process is
    found in production.

    How to fix:
    Add a test that starts the app in-process (FastAPI `TestClient`, Flask
    `app.test_client()`), posts a valid and an invalid request, and asserts on
    the status codes and the response fields.
    """

    code = "TST008"
    name = "serving-contract-test-missing"
    pillar = Pillar.TESTING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                "tests/test_api.py": "from fastapi.testclient import TestClient\nfrom app.main import app\n\ndef test_ok():\n    assert TestClient(app).get('/health').status_code == 200\n",
            }
        ),
        Example(
            {
                "serve/app.py": "from flask import Flask\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "tests/test_docker.py": "import requests\nURL = 'http://localhost:9696/predict'\n\ndef test_predict():\n    assert requests.post(URL, json={}).ok\n",
            },
            note="An integration test against a locally started container.",
        ),
        Example(
            {"app.py": "from flask import Flask\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n"},
            note="No tests at all: TST001 reports it.",
        ),
    ]
    INVALID = [
        Example(
            {
                "serve.py": "import flask\n\napp = flask.Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "tests/test_model.py": "def test_model():\n    assert 1\n",
            },
            expect=["serve.py:3"],
        ),
        Example(
            {
                "api/app.py": "from fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                "tests/test_api.py": "from api.app import app\n\ndef test_app():\n    assert app.title\n",
            },
            expect=["api/app.py:2"],
            note="Only imported: partial.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return "no serving code" if not repo.facts.has_serving else _no_tests(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(_calls_endpoint(repo, file.path) for file in repo.facts.test_files):
            return
        path = repo.facts.serving_modules[0]
        text = repo.text(path) or ""
        line = _line_of(text, _SERVING_APP) or _line_of(text, _SERVING)
        if any(module in repo.facts.tested_modules for module in repo.facts.serving_modules):
            yield self.finding(
                "tests import the serving code but never call an endpoint: add a test-client request test",
                path,
                line,
                partial=True,
            )
            return
        yield self.finding("no test calls the serving endpoint: add a test-client contract test", path, line)


def _code_lines(repo: Repo, path: str) -> int:
    """Non-blank, non-comment lines of a file (remembered per file content)."""
    return repo.per_file("code-lines", path, _count_code_lines, is_count, code_only=False) or 0


def _count_code_lines(text: str) -> int:
    return sum(1 for stripped in map(str.lstrip, text.split("\n")) if stripped and stripped[0] != "#")


class TestsRatioLow(RepoRule):
    """The tests are small next to the code they should cover.

    What it checks:
    Non-blank, non-comment lines of test code divided by the lines of the
    project's modules (examples and docs aside; in a repository of several
    projects, those of the projects with tests) is below `min_ratio` (0.1).
    Projects with fewer than `min_source_lines` (300) lines of code are not judged. The
    finding points at the largest module that no test imports.

    Why it matters:
    A handful of tests for thousands of lines of code leaves most data handling,
    training and serving paths unexercised, however green the test run looks.

    How to fix:
    Add tests for the largest untested modules first, starting with data loading,
    feature code and prediction; measure coverage to see what is left.
    """

    code = "TST009"
    name = "tests-ratio-low"
    pillar = Pillar.TESTING
    severity = Severity.INFO
    default_options = {"min_ratio": 0.1, "min_source_lines": 300}

    VALID = [
        Example(
            {
                "pkg/core.py": "".join(f"def f{i}():\n    return {i}\n" for i in range(200)),
                "tests/test_core.py": "".join(f"def test_f{i}():\n    assert f{i}() == {i}\n" for i in range(30)),
            }
        ),
        Example(
            {"pkg/core.py": "def f():\n    return 1\n", "tests/test_core.py": "def test_f():\n    pass\n"},
            note="Too little code to judge.",
        ),
    ]
    INVALID = [
        Example(
            {
                "pkg/core.py": "".join(f"def f{i}():\n    return {i}\n" for i in range(200)),
                "pkg/io.py": "".join(f"def g{i}():\n    return {i}\n" for i in range(100)),
                "tests/test_io.py": "from pkg.io import g1\n\ndef test_g():\n    assert g1() == 1\n",
            },
            expect=["pkg/core.py"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _no_tests(repo)

    def prepare_file(self, repo: Repo, file: SourceFile) -> None:
        if file.kind == "python":
            _code_lines(repo, file.path)

    def check(self, repo: Repo) -> Iterable[Finding]:
        roots = _tested_projects(repo)
        modules = {
            file.path: _code_lines(repo, file.path)
            for file in repo.facts.logic_modules
            if _is_project_code(file.path) and _in_tested_project(file.path, roots)
        }
        source_lines = sum(modules.values())
        if source_lines < int(self.options["min_source_lines"]):
            return
        test_lines = sum(_code_lines(repo, file.path) for file in repo.facts.test_files)
        ratio = test_lines / source_lines
        if ratio >= float(self.options["min_ratio"]):
            return
        untested = {path: lines for path, lines in modules.items() if path not in repo.facts.tested_modules} or modules
        anchor = max(untested, key=lambda path: (untested[path], path))
        yield self.finding(
            f"{test_lines} lines of tests for {source_lines} lines of code ({ratio:.0%}); "
            f"the largest untested module has {untested[anchor]} lines",
            anchor,
        )
