"""Automation: CI that gates every change, pinned actions, local hooks, linters, delivery and infrastructure in code."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mlready.model import Finding, Outcome, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import _ENTRY_CLI
from mlready.rule import Example, FileRule, RepoRule


def _workflows(repo: Repo) -> list[SourceFile]:
    return [file for file in repo.facts.ci_files if file.path.startswith(".github/workflows/")]


def _gitlab_files(repo: Repo) -> list[SourceFile]:
    return [file for file in repo.facts.ci_files if file.name in (".gitlab-ci.yml", ".gitlab-ci.yaml")]


def _document(repo: Repo, path: str) -> dict[Any, Any] | None:
    documents = repo.yaml(path) or []
    first = documents[0] if documents else None
    return first if isinstance(first, dict) else None


def _line(mapping: Any, key: Any) -> int | None:
    lines = getattr(mapping, "lines", None)
    return lines.get(key) if isinstance(lines, dict) else getattr(mapping, "line", None)


# Small model services for the examples.
_FASTAPI_APP = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.post('/predict')\ndef predict(x):\n    return model.predict(x)\n"
_FLASK_APP = "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/predict')\ndef predict():\n    return model.predict(x)\n"

_RUNS_TESTS = lazy_compile(r"\b(?:pytest|py\.test|unittest|tox|nox|make\s+test\w*|hatch\s+run\s+test|poe\s+test)\b")

# ---------------------------------------------------------------------------------------------


# Source files of other languages, and their linters' configurations.
_OTHER_LANGUAGE_SOURCES = (".go", ".ts", ".tsx", ".js", ".jsx", ".java", ".kt", ".scala", ".rb", ".rs", ".cs", ".cpp", ".cc", ".c", ".h")
_OTHER_LINTER_CONFIG = lazy_compile(
    r"(?:^|/)(?:\.golangci\.(?:ya?ml|toml|json)|\.eslintrc(?:\.\w+)?|eslint\.config\.[cm]?[jt]s|biome\.jsonc?"
    r"|\.rubocop\.yml|checkstyle\.xml|clippy\.toml|\.clang-tidy)$"
)


class CiMissing(RepoRule):
    """The repository has no continuous integration.

    What it checks:
    None of the usual CI configurations exists: `.github/workflows/*.yml`, `.gitlab-ci.yml`,
    Azure Pipelines (`azure-pipelines.yml`, or any YAML file with top-level steps, jobs or stages
    and a `- task: Name@N`, script or template step, a trigger or a pool), `.travis.yml`,
    `Jenkinsfile`, `.circleci/config.yml`, `bitbucket-pipelines.yml`, Buildkite, Cloud Build,
    Drone, CodeBuild, AppVeyor, Cirrus, Woodpecker, Semaphore, Taskcluster, Prow, Gitea or
    Forgejo Actions.

    Why it matters:
    Without CI nothing checks a change before it lands: tests, linters and the model's quality
    gates only run when someone remembers to run them on their own machine, with their own
    environment.

    How to fix:
    Add a workflow that installs the locked environment and runs the linters and tests on every
    pull request, for example `.github/workflows/ci.yml` with `on: [push, pull_request]`.
    """

    code = "AUT001"
    name = "ci-missing"
    pillar = Pillar.AUTOMATION
    severity = Severity.ERROR

    VALID = [
        Example({"train.py": "x = 1\n", ".github/workflows/ci.yml": "on: [push, pull_request]\njobs: {}\n"}),
        Example({"train.py": "x = 1\n", ".gitlab-ci.yml": "test:\n  script: pytest\n"}),
        Example(
            {
                "train.py": "x = 1\n",
                ".pipelines/pr.yml": "pr:\n  branches:\n    include: [main]\npool:\n  vmImage: ubuntu-latest\nsteps:\n- template: quality.yml\n",
                ".pipelines/quality.yml": "steps:\n- script: python -m pytest --cov=src\n  displayName: Unit tests\n",
            },
            note="Azure Pipelines outside the repository's root.",
        ),
        Example({"train.py": "x = 1\n", ".taskcluster.yml": "version: 1\ntasks:\n  - payload:\n      command: [pytest]\n"}),
    ]
    INVALID = [
        Example({"train.py": "x = 1\n", "README.md": "# model\n"}, expect=[""]),
        Example(
            {"train.py": "x = 1\n", "configs/training.yaml": "steps:\n  trainer:\n    parameters:\n      epochs: 3\n"},
            expect=[""],
            note="A pipeline framework's step configuration is not CI.",
        ),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        if not repo.facts.ci_files:
            yield self.finding("no CI configuration: nothing checks a change before it is merged")


# ---------------------------------------------------------------------------------------------

_GATING_EVENTS = frozenset({"pull_request", "pull_request_target", "merge_group"})


def _events(workflow: dict[Any, Any]) -> tuple[dict[str, Any], Any]:
    """The workflow's trigger events (event -> its filter) and the key they sit under.

    YAML 1.1 reads an unquoted `on:` key as the boolean True.
    """
    key: Any = True if True in workflow else "on" if "on" in workflow else None
    raw = workflow.get(key) if key is not None else None
    if isinstance(raw, str):
        return {raw: None}, key
    if isinstance(raw, list):
        return {str(item): None for item in raw}, key
    if isinstance(raw, dict):
        return {str(event): value for event, value in raw.items()}, key
    return {}, key


def _push_on_all_branches(events: dict[str, Any]) -> bool:
    if "push" not in events:
        return False
    push = events["push"]
    if not isinstance(push, dict):
        return True
    if "branches-ignore" in push:
        return True
    if "branches" in push:
        branches = push["branches"] if isinstance(push["branches"], list) else [push["branches"]]
        return any(isinstance(branch, str) and branch.startswith("*") for branch in branches)
    # only tags (or tags-ignore) filtered: branch pushes do not run it
    return "tags" not in push and "tags-ignore" not in push


def _gitlab_gates(repo: Repo, path: str) -> bool:
    """Whether a GitLab pipeline runs for merge requests (or for every branch, which MRs show)."""
    text = repo.text(path) or ""
    if "merge_request" in text:
        return True
    document = _document(repo, path)
    if document is None:
        return True  # cannot tell: do not accuse
    workflow = document.get("workflow")
    if isinstance(workflow, dict) and workflow.get("rules"):
        return False
    for name, job in document.items():
        if not isinstance(job, dict) or str(name).startswith(".") or not ({"script", "trigger", "extends"} & set(job)):
            continue
        only = job.get("only")
        if "rules" not in job and only is None:
            return True
        only_refs = only.get("refs") if isinstance(only, dict) else only
        if isinstance(only_refs, list) and {"branches", "pushes", "merge_requests"} & {str(ref) for ref in only_refs}:
            return True
    return False


class CiNotOnPullRequest(RepoRule):
    """No CI workflow runs on pull requests.

    What it checks:
    No GitHub Actions workflow is triggered by `pull_request`, `pull_request_target` or
    `merge_group`, and no GitLab pipeline runs for merge requests (a pipeline with no `rules` or
    `only` runs for every branch, and counts). A workflow that runs on pushes to every branch
    gets half credit: it checks branches of the repository, but not pull requests from forks.
    Other CI systems, which build pull requests by default, are not judged.

    Why it matters:
    CI that runs only after a merge tells you about a broken model or pipeline once it is
    already on the main branch. Checks on the pull request are what keep main releasable and
    make review meaningful.

    How to fix:
    Add `pull_request` to the triggers of the workflow that tests the code:
    `on: {push: {branches: [main]}, pull_request: {}}`, and make the check required in the
    branch protection rules.
    """

    code = "AUT002"
    name = "ci-not-on-pull-request"
    pillar = Pillar.AUTOMATION
    severity = Severity.WARNING

    VALID = [
        Example({".github/workflows/ci.yml": "on: [push, pull_request]\njobs:\n  t:\n    runs-on: x\n"}),
        Example(
            {
                ".github/workflows/test.yml": "on:\n  pull_request:\n    branches: [main]\njobs: {}\n",
                ".github/workflows/release.yml": "on:\n  push:\n    tags: ['v*']\njobs: {}\n",
            },
            note="A release workflow need not run on pull requests when another does.",
        ),
        Example({".github/workflows/ci.yml": '"on": pull_request_target\njobs: {}\n'}),
        Example({".gitlab-ci.yml": "test:\n  script: pytest\n"}, note="No rules: runs on every branch pipeline."),
        Example(
            {
                ".gitlab-ci.yml": "test:\n  script: pytest\n  rules:\n    - if: $CI_PIPELINE_SOURCE == 'merge_request_event'\n"
            }
        ),
    ]
    INVALID = [
        Example(
            {
                ".github/workflows/ci.yml": "name: ci\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    steps:\n      - run: pytest\n"
            },
            expect=[".github/workflows/ci.yml:2"],
        ),
        Example(
            {".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    steps:\n      - run: pytest\n"},
            expect=[".github/workflows/ci.yml:1"],
        ),
        Example(
            {".gitlab-ci.yml": "test:\n  script: pytest\n  only:\n    - main\n"},
            expect=[".gitlab-ci.yml"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.ci_files:
            return "no CI configuration"
        if not _workflows(repo) and not _gitlab_files(repo):
            return "CI is neither GitHub Actions nor GitLab CI"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        workflows = _workflows(repo)
        gitlab = _gitlab_files(repo)
        if len(workflows) + len(gitlab) < len(repo.facts.ci_files):
            return  # another CI system (Travis, Azure, CircleCI, ...) builds pull requests by default
        push_everywhere: list[str] = []
        anchors: list[tuple[bool, str, int | None]] = []
        for file in workflows:
            document = _document(repo, file.path)
            if document is None:
                return  # unreadable workflow: do not accuse
            events, key = _events(document)
            if _GATING_EVENTS & set(events):
                return
            if _push_on_all_branches(events):
                push_everywhere.append(file.path)
            tests = bool(_RUNS_TESTS.search(repo.text(file.path) or ""))
            anchors.append((not tests, file.path, _line(document, key) if key is not None else None))
        for file in gitlab:
            if _gitlab_gates(repo, file.path):
                return
            anchors.append((False, file.path, None))
        _, path, line = min(anchors, key=lambda item: (item[0], item[1]))
        if push_everywhere:
            yield self.finding(
                "CI runs on pushes to every branch but not on pull requests: pull requests from forks "
                "are never checked; add `pull_request` to the triggers",
                path,
                line,
                partial=True,
            )
            return
        yield self.finding(
            "no CI workflow runs on pull requests: changes are only checked after they are merged",
            path,
            line,
        )


# ---------------------------------------------------------------------------------------------

_FULL_SHA = lazy_compile(r"[0-9a-f]{40,}")


def _unpinned(uses: str) -> bool:
    """Whether a `uses:` reference is a third-party action not pinned to a commit SHA."""
    uses = uses.strip()
    if not uses or uses.startswith(".") or "${{" in uses:
        return False
    if uses.startswith("docker://"):
        return "@sha256:" not in uses
    owner = uses.split("/", 1)[0].lower()
    if owner in ("actions", "github"):
        return False  # GitHub's own actions
    _, _, ref = uses.partition("@")
    return not _FULL_SHA.fullmatch(ref)


class CiActionsUnpinned(FileRule):
    """A third-party GitHub Action is used by tag or branch, not by commit SHA.

    What it checks:
    `uses:` entries in `.github/workflows/*.yml` and in composite actions (`action.yml`) that
    name a third-party action or reusable workflow at a tag or branch (`owner/repo@v3`,
    `@main`) rather than a full 40-character commit SHA. GitHub's own `actions/*` and `github/*`,
    local `./` actions and `docker://` images pinned by digest are exempt.

    Why it matters:
    A tag can be moved to any commit by whoever controls the action's repository. A compromised
    action runs in your CI with your secrets and write token, as happened to tj-actions/changed-files
    in 2025. A SHA also makes a CI run reproducible.

    How to fix:
    Pin to the full commit SHA and keep the version as a comment:
    `uses: owner/repo@8f4b7f84864484a7bf31766abe9204da3cbe65b3  # v3.1.0`, and let Dependabot
    or Renovate update the pins.
    """

    code = "AUT003"
    name = "ci-actions-unpinned"
    pillar = Pillar.AUTOMATION
    severity = Severity.INFO
    kinds = ("yaml",)
    triggers = (r"\buses\s*:",)

    VALID = [
        Example(
            {
                ".github/workflows/ci.yml": (
                    "on: [pull_request]\njobs:\n  test:\n    steps:\n"
                    "      - uses: actions/checkout@v4\n"
                    "      - uses: astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc  # v6\n"
                    "      - uses: ./.github/actions/setup\n"
                    "      - uses: docker://alpine@sha256:" + "a" * 64 + "\n"
                )
            }
        ),
        Example({"config/steps.yml": "steps:\n  - uses: someone/thing@v1\n"}, note="Not a workflow."),
    ]
    INVALID = [
        Example(
            {
                ".github/workflows/ci.yml": (
                    "on: [pull_request]\njobs:\n  test:\n    steps:\n"
                    "      - uses: actions/checkout@v4\n"
                    "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
                    "  shared:\n    uses: org/workflows/.github/workflows/lint.yml@main\n"
                )
            },
            expect=[".github/workflows/ci.yml:6", ".github/workflows/ci.yml:8"],
        ),
        Example(
            {
                ".github/actions/setup/action.yml": "runs:\n  using: composite\n  steps:\n    - uses: docker://python:3.12\n"
            },
            expect=[".github/actions/setup/action.yml:4"],
        ),
    ]

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        in_workflows = file.path.startswith(".github/workflows/")
        if not in_workflows and file.name not in ("action.yml", "action.yaml"):
            return
        document = _document(repo, file.path)
        if document is None:
            return
        holders: list[Any] = []  # mappings that may carry a `uses:` key
        if in_workflows:
            jobs = document.get("jobs")
            for job in jobs.values() if isinstance(jobs, dict) else []:
                if isinstance(job, dict):
                    holders.append(job)
                    steps = job.get("steps")
                    holders.extend(steps if isinstance(steps, list) else [])
        else:
            runs = document.get("runs")
            steps = runs.get("steps") if isinstance(runs, dict) else None
            holders.extend(steps if isinstance(steps, list) else [])
        for holder in holders:
            uses = holder.get("uses") if isinstance(holder, dict) else None
            if isinstance(uses, str) and _unpinned(uses):
                yield self.finding(
                    f"third-party action `{uses.strip()}` is not pinned to a commit SHA",
                    file.path,
                    _line(holder, "uses"),
                    anchor=uses.strip(),
                )


# ---------------------------------------------------------------------------------------------

_HOOK_CONFIGS = (
    "**/.pre-commit-config.yaml",
    "**/.pre-commit-config.yml",
    "lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yml",
    ".husky/*",
    ".githooks/*",
    ".git-hooks/*",
    "**/git-hooks/*",
    "**/hooks/pre-commit",  # a git hook script the README installs (`ln -s ../../hooks/pre-commit .git/hooks/`)
    "**/hooks/pre-commit.sh",
)


class PreCommitMissing(RepoRule):
    """No pre-commit hooks check changes before they are committed.

    What it checks:
    There is no `.pre-commit-config.yaml` (nor lefthook, husky, `.githooks/` or `git-hooks/` hooks, nor a
    `hooks/pre-commit` script).

    Why it matters:
    Hooks catch formatting, lint errors, committed notebook outputs, large data files and
    secrets on the developer's machine, seconds after the mistake, instead of in CI or never.

    How to fix:
    Add a `.pre-commit-config.yaml` with ruff, `check-added-large-files`, nbstripout and a
    secret scanner, run `pre-commit install`, and run `pre-commit run --all-files` in CI.
    """

    code = "AUT004"
    name = "pre-commit-missing"
    pillar = Pillar.AUTOMATION
    severity = Severity.INFO

    VALID = [
        Example({"train.py": "x = 1\n", ".pre-commit-config.yaml": "repos: []\n"}),
        Example({"train.py": "x = 1\n", "hooks/pre-commit": "#!/bin/sh\nflake8 . && isort --check .\n"}, note="A git hook script kept in the repository."),
        Example({"README.md": "# docs only\n"}, note="No code: the rule does not apply."),
    ]
    INVALID = [Example({"train.py": "x = 1\n"}, expect=[""])]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.code_files else "no Python code or notebooks"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(repo.glob(pattern) for pattern in _HOOK_CONFIGS):
            return
        yield self.finding(
            "no pre-commit hooks (.pre-commit-config.yaml): nothing checks a change before it is committed"
        )


# ---------------------------------------------------------------------------------------------

_LINTERS = r"ruff|flake8|pylint|black|mypy|pyright|basedpyright|isort|pycodestyle|pyflakes|autopep8|yapf|pydocstyle|prospector|pylama|pytype"
_LINTER_FILES = (
    "ruff.toml", ".ruff.toml", ".flake8", ".pylintrc", "pylintrc", "mypy.ini", ".mypy.ini", "pyrightconfig.json",
    ".isort.cfg", ".style.yapf", ".pycodestyle", ".pydocstyle",
)  # fmt: skip
_LINTER_SECTION = lazy_compile(rf"^\[(?:tool:)?(?:{_LINTERS}|mypy[-:][^\]]*)\]", re.M)
_LINTER_COMMAND = lazy_compile(rf"\b(?:{_LINTERS}|nbqa|pre-commit\s+run)\b(?![-\w]*:)")
_LINTER_PACKAGES = frozenset(
    {"ruff", "flake8", "pylint", "black", "mypy", "pyright", "basedpyright", "isort", "pycodestyle", "pyflakes",
     "autopep8", "yapf", "pydocstyle", "prospector", "pylama", "pytype", "nbqa"}
)  # fmt: skip


def _configures_linter(repo: Repo, file: SourceFile) -> bool:
    if file.name == "pyproject.toml":
        tool = (repo.toml(file.path) or {}).get("tool")
        return isinstance(tool, dict) and any(re.fullmatch(_LINTERS, str(name)) for name in tool)
    if file.name in ("setup.cfg", "tox.ini"):
        return bool(_LINTER_SECTION.search(repo.text(file.path) or ""))
    if file.name in (".pre-commit-config.yaml", ".pre-commit-config.yml"):
        return bool(re.search(rf"\b(?:{_LINTERS}|nbqa)\b", repo.text(file.path) or ""))
    return False


class LintersNotConfigured(RepoRule):
    """No linter, formatter or type checker is configured.

    What it checks:
    No configuration for ruff, flake8, pylint, black, isort, mypy or pyright (their own files,
    `[tool.*]` tables in `pyproject.toml`, sections in `setup.cfg`/`tox.ini`, or pre-commit
    hooks), and no CI job, Makefile, tox or nox session runs one. Linters that are only listed
    as dependencies earn half credit. A repository mostly in another language (more than four of
    its source files for each Python file) that configures that language's linter
    (golangci-lint, ESLint, Biome, RuboCop, Checkstyle, Clippy) is skipped.

    Why it matters:
    Linters catch undefined names, unused variables and shadowed imports before a long training
    run crashes on them, and a shared formatter keeps reviews about the logic rather than the
    layout.

    How to fix:
    Add `[tool.ruff]` (lint and format) and `[tool.mypy]` to `pyproject.toml`, and run
    `ruff check`, `ruff format --check` and `mypy` in pre-commit and CI. `nbqa` runs them on
    notebooks.
    """

    code = "AUT005"
    name = "linters-not-configured"
    pillar = Pillar.AUTOMATION
    severity = Severity.INFO

    VALID = [
        Example({"src/m.py": "x = 1\n", "pyproject.toml": "[project]\nname = 'm'\n\n[tool.ruff]\nline-length = 100\n"}),
        Example({"src/m.py": "x = 1\n", "setup.cfg": "[flake8]\nmax-line-length = 100\n"}),
        Example(
            {
                "apis/python/client.py": "x = 1\n",
                ".golangci.yml": "linters:\n  enable: [govet]\n",
                **{f"operator/pkg/file{index}.go": "package pkg\n" for index in range(5)},
            },
            note="A Go repository with a little Python, linted with golangci-lint.",
        ),
        Example(
            {
                "src/m.py": "x = 1\n",
                ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/psf/black\n    hooks:\n      - id: black\n",
            }
        ),
        Example(
            {
                "src/m.py": "x = 1\n",
                ".github/workflows/ci.yml": "on: [pull_request]\njobs:\n  l:\n    steps:\n      - run: pylint src\n",
            }
        ),
    ]
    INVALID = [
        Example({"src/m.py": "x = 1\n", "pyproject.toml": "[project]\nname = 'm'\n"}, expect=["pyproject.toml"]),
        Example({"src/m.py": "x = 1\n", "requirements-dev.txt": "black==24.1.0\n"}, expect=[""]),
        Example(
            {"src/slconfig.py": "from yapf.yapflib.yapf_api import FormatCode\n", "requirements.txt": "yapf==0.40.2\n"},
            expect=[""],
            outcome=Outcome.FAIL,
            note="yapf is imported as a library here: it is no linter of the project (a full finding, not half credit).",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.code_files:
            return "no Python code or notebooks"
        other = [file for file in repo.all_files if file.name.endswith(_OTHER_LANGUAGE_SOURCES)]
        if len(other) > 4 * len(repo.facts.python_files) and any(_OTHER_LINTER_CONFIG.search(file.path) for file in repo.all_files):
            return "a repository mostly in another language, linted with that language's tools"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(file.name in _LINTER_FILES for file in repo.all_files):
            return
        if any(_configures_linter(repo, file) for file in repo.all_files):
            return
        if _LINTER_COMMAND.search(repo.facts.ci_text):
            return
        anchor = next((name for name in ("pyproject.toml", "setup.cfg") if repo.exists(name)), None)
        # A tool the code imports is a library it runs on (yapf formatting generated configs), not its linter.
        declared = sorted(name for name in _LINTER_PACKAGES & repo.facts.declared_names if name.replace("-", "_") not in repo.facts.imported_modules)
        if declared:
            yield self.finding(
                f"{', '.join(declared)} declared as dependencies but neither configured nor run by CI or hooks",
                anchor,
                partial=True,
            )
            return
        yield self.finding(
            "no linter, formatter or type checker is configured (ruff, flake8, black, mypy, ...)", anchor
        )


# ---------------------------------------------------------------------------------------------

_DEPLOY_COMMANDS = lazy_compile(
    r"docker\s+(?:image\s+)?push|docker\s+buildx\s+build(?:[^\n]|\\\n)*--push|docker/build-push-action|\bpush:\s*true"
    r"|docker[- ]compose\s+push|helm\s+(?:upgrade|install)|kubectl\s+(?:apply|set\s+image|rollout)|kustomize\s+build"
    r"|terraform\s+apply|pulumi\s+up|\bcdk\s+deploy|\bsam\s+deploy|serverless\s+deploy|\bsls\s+deploy"
    r"|gcloud\s+(?:run\s+deploy|app\s+deploy|builds\s+submit|functions\s+deploy|ai\s+(?:models|endpoints))"
    r"|google-github-actions/deploy|aws\s+(?:ecs|lambda|sagemaker|ecr)|aws-actions/amazon-ecs-deploy"
    r"|az\s+(?:webapp|containerapp|ml|acr|functionapp|aks)|azure/(?:webapps-deploy|k8s-deploy|functions-action)"
    r"|flyctl|superfly/|heroku|railway\s+up|modal\s+deploy|bentoml\s+(?:deploy|push)|mlflow\s+deployments"
    r"|argocd|skaffold\s+run|gh-action-pypi-publish|twine\s+upload|poetry\s+publish|uv\s+publish|flit\s+publish"
    r"|hatch\s+publish|anyscale\s+service\s+(?:rollout|deploy)|\bserve\s+deploy\b|databricks\s+bundle\s+deploy"
    r"|\bfastapi\s+deploy\b|\bvercel\s+(?:deploy|--prod)\b|\bnetlify\s+deploy\b|git\s+push\b[^\n]*huggingface\.co/spaces/"
    r"|^\s+environment\s*:",
    re.M | re.I,
)
_DEPLOY_SCRIPT = lazy_compile(r"(?i)(?:^|/)(?:deploy|release|publish)[\w.-]*\.(?:sh|py|ps1)$")
# What a Python deploy script calls: an SDK's deploy or endpoint call, or a deploy command it runs.
_PYTHON_DEPLOY = lazy_compile(
    r"\.deploy\s*\(|\b(?:create|update)_endpoint\w*\s*\(|[\"']docker[\"',\s]+push\b|[\"']kubectl[\"',\s]+apply\b|[\"']helm[\"',\s]+upgrade\b"
)
# A CI workflow made for deploying (its file named so) that starts the service with Compose on its runner.
_DEPLOY_WORKFLOW = lazy_compile(r"(?i)(?:^|/)[\w.-]*(?:deploy|release|delivery|\bcd\b)[\w.-]*\.ya?ml$")
_COMPOSE_UP = lazy_compile(r"docker[- ]compose\b[^\n]*\bup\b")
_NO_AUTODEPLOY = lazy_compile(r"^\s*autoDeploy:\s*false\b", re.M)


class CdPipelineAbsent(RepoRule):
    """The project ships a service or container, but no pipeline delivers it.

    What it checks:
    For repositories with deploy artifacts (a Dockerfile outside dev containers and tests,
    Kubernetes/Helm/Compose manifests) or serving code: no CI configuration, nor a script or
    make target that CI calls, pushes an image, applies manifests (`helm upgrade`,
    `kubectl apply`), runs `terraform apply`, deploys to a cloud service (`fastapi deploy`,
    `vercel deploy` ...) or publishes a package, no deploy workflow starts the service with
    `docker compose up` on its runner, no CI job has a deployment `environment:`, and no Render
    blueprint (`render.yaml`, which deploys every push unless `autoDeploy: false`) is committed. A deploy script that is run by hand earns
    half credit. A course's demo app with no Dockerfile or manifest is not judged.

    Why it matters:
    Manual deploys are slow, differ from one person to the next, and cannot be traced back to a
    reviewed commit. A pipeline makes every release repeatable, and a rollback one re-run.

    How to fix:
    Add a CI job, triggered on the main branch or on tags, that builds and pushes the image
    (tagged with the commit SHA) and rolls it out, for example with
    `docker/build-push-action` and `helm upgrade --install`, behind a GitHub `environment:`.
    """

    code = "AUT006"
    name = "cd-pipeline-absent"
    pillar = Pillar.AUTOMATION
    severity = Severity.INFO

    VALID = [
        Example(
            {"Dockerfile": "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app:app\"]\n",
             ".github/workflows/deploy-hf.yml": "on:\n  push:\n    branches: [main]\njobs:\n  sync:\n    steps:\n"
             "      - run: git push https://user:$HF_TOKEN@huggingface.co/spaces/acme/churn main\n"},
            note="A workflow that pushes to a Hugging Face Space, which then builds and serves it.",
        ),
        Example(
            {
                "Dockerfile": "FROM python:3.12-slim\n",
                ".github/workflows/cd.yml": (
                    "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    steps:\n"
                    "      - uses: docker/build-push-action@v6\n        with:\n          push: true\n"
                ),
            }
        ),
        Example({"train.py": "import sklearn\n"}, note="Nothing to deploy: the rule does not apply."),
        Example(
            {".devcontainer/Dockerfile": "FROM python:3.12\n", "train.py": "x = 1\n"},
            note="A dev container is not a deploy artifact.",
        ),
        Example(
            {
                "Dockerfile": "FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime\nCOPY requirements.txt /workspace\n"
                "RUN pip install -r /workspace/requirements.txt\n",
                "train.py": "import os\nimport torch\nrank = int(os.environ['RANK'])\nloss.backward()\n",
            },
            note="A research environment image that starts nothing, in a repository with no serving code.",
        ),
        Example(
            {
                "backend/Dockerfile": "FROM python:3.12-slim\nCMD [\"fastapi\", \"run\"]\n",
                ".github/workflows/deploy-production.yml": "on:\n  release:\n    types: [published]\njobs:\n  deploy:\n    runs-on: [self-hosted, production]\n"
                "    steps:\n      - uses: actions/checkout@v4\n      - run: docker compose -f compose.yml build\n      - run: docker compose -f compose.yml up -d\n",
            },
            note="A deploy workflow that starts the service with Compose on its runner.",
        ),
        Example(
            {
                "Dockerfile": "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app:app\"]\n",
                ".github/workflows/ci_cd.yaml": "on: push\njobs:\n  build:\n    steps:\n      - run: |\n          docker buildx build \\\n"
                "            -t ghcr.io/acme/risk:${{ github.sha }} \\\n            --push \\\n            .\n",
            },
            note="A command continued over several lines.",
        ),
        Example(
            {
                "operator/Dockerfile": "FROM golang:1.22 AS build\nFROM gcr.io/distroless/static:nonroot\nENTRYPOINT [\"/manager\"]\n",
                "operator/Makefile": "docker-build-and-push-prod:\n\tdocker buildx build --push -t $(IMG) .\n",
                ".github/workflows/images.yml": "on:\n  push:\n    branches: [v2]\njobs:\n  operator:\n    steps:\n"
                "      - run: make docker-build-and-push-prod\n        working-directory: ./operator\n",
            },
            note="A make target run in the folder a CI step works in.",
        ),
        Example(
            {"Dockerfile": "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app:app\"]\n", "render.yaml": "services:\n  - type: web\n    runtime: docker\n"},
            note="A Render blueprint: Render deploys every push.",
        ),
    ]
    INVALID = [
        Example(
            {
                "Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"serve.py\"]\n",
                ".github/workflows/ci.yml": "on: [pull_request]\njobs:\n  t:\n    steps:\n      - run: pytest\n      - run: docker compose up -d db\n",
            },
            expect=["Dockerfile"],
            note="Compose started by a test workflow is not a deploy.",
        ),
        Example(
            {
                "app/main.py": _FASTAPI_APP,
                "scripts/deploy.sh": "docker build -t x . && docker push x\n",
            },
            expect=["scripts/deploy.sh"],
        ),
        Example(
            {
                "app/main.py": _FASTAPI_APP,
                "app/routers/deployments.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.post('/deployments')\n"
                "def create(name: str):\n    return {'deployed': name}\n",
            },
            expect=["app/main.py"],
            outcome=Outcome.FAIL,
            note="An app's module that deploys users' models is no deploy script of this service.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        facts = repo.facts
        if facts.deploy_artifacts:
            return None
        if facts.has_serving and not facts.is_tutorial:
            return None
        return (
            "no deploy artifacts or serving code"
            if not facts.has_serving
            else "a course's demo app with nothing to deploy it"
        )

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.ci_files and _DEPLOY_COMMANDS.search(facts.ci_text):
            return
        if any(_DEPLOY_WORKFLOW.search(file.path) and _COMPOSE_UP.search(repo.text(file.path) or "") for file in facts.ci_files):
            return
        if any(file.name in ("render.yaml", "render.yml") and not _NO_AUTODEPLOY.search(repo.text(file.path) or "") for file in repo.all_files):
            return  # Render builds and deploys every push to the connected branch unless autoDeploy is false
        # A Python file named so is a deploy script when it runs as one, or deploys; not an app's `deployments.py` module.
        scripts = [
            file.path
            for file in repo.all_files
            if _DEPLOY_SCRIPT.search(file.path)
            and (file.kind != "python" or repo.contains(_ENTRY_CLI, file.path) or repo.contains(_PYTHON_DEPLOY, file.path))
        ]
        makefile = repo.text("Makefile") if repo.exists("Makefile") else None
        if makefile and re.search(r"^(?:deploy|release|publish)[\w-]*\s*:", makefile, re.M):
            scripts.append("Makefile")
        if scripts:
            yield self.finding(
                f"deploys are scripted ({scripts[0]}) but no CI pipeline runs them: they happen by hand",
                scripts[0],
                partial=True,
            )
            return
        anchor = facts.deploy_artifacts[0].path if facts.deploy_artifacts else facts.serving_modules[0]
        yield self.finding(
            "nothing delivers this service automatically: no CI job pushes an image, applies manifests or deploys",
            anchor,
        )


# ---------------------------------------------------------------------------------------------

_IAC_FILES = lazy_compile(
    r"(?i)(?:^|/)(?:[^/]+\.tf|[^/]+\.tf\.json|[^/]+\.bicep|Pulumi(?:\.[\w-]+)?\.ya?ml|cdk\.json|serverless\.ya?ml"
    r"|fly\.toml|render\.ya?ml|Procfile|railway\.(?:json|toml)|vercel\.json|skaffold\.ya?ml|kustomization\.ya?ml"
    r"|app\.ya?ml|bentofile\.ya?ml|\.ebextensions/[^/]+|samconfig\.toml)$"
)
_IAC_TEXT = lazy_compile(
    r"AWSTemplateFormatVersion|AWS::Serverless|azuremlschemas|\$schema:\s*https://\S*azureml"
    # Ray cluster launcher and Anyscale service/compute configs; Databricks asset bundles
    r"|^\s*(?:ray_serve_config|head_node_type|worker_node_types|available_node_types)\s*:|^bundle\s*:",
    re.M,
)


class IacAbsent(RepoRule):
    """The service's infrastructure is not described in code.

    What it checks:
    For repositories with serving code: no Terraform, CloudFormation/SAM, CDK, Bicep, Pulumi,
    Kubernetes, Helm, Kustomize, Compose, Serverless, Azure ML endpoint, Ray/Anyscale cluster or platform
    (`fly.toml`, `render.yaml`, `app.yaml`, `Procfile`) configuration. A Dockerfile alone earns
    half credit: the container is in code, not where it runs. A course's demo app with no
    Dockerfile or manifest is not judged.

    Why it matters:
    Infrastructure set up by hand in a console cannot be reviewed, reproduced in a second
    environment, or rebuilt after an incident, and drifts silently from what anyone remembers.

    How to fix:
    Describe the endpoint, its scaling, networking and secrets in code (Terraform, a Helm chart,
    Kubernetes manifests, or the platform's config file), keep it in this repository or a linked
    one, and apply it from CI.
    """

    code = "AUT007"
    name = "iac-absent"
    pillar = Pillar.AUTOMATION
    severity = Severity.INFO

    VALID = [
        Example({"app.py": _FLASK_APP, "infra/main.tf": 'resource "x" "y" {}\n'}),
        Example({"app.py": _FLASK_APP, "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\n"}),
        Example({"train.py": "import sklearn\n"}, note="No serving code: the rule does not apply."),
    ]
    INVALID = [
        Example({"api/main.py": _FASTAPI_APP}, expect=["api/main.py"]),
        Example(
            {"api/main.py": _FASTAPI_APP, "Dockerfile": "FROM python:3.12\n"},
            expect=["api/main.py"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        facts = repo.facts
        if not facts.has_serving:
            return "no serving code"
        if facts.is_tutorial and not facts.deploy_artifacts:
            return "a course's demo app with nothing to deploy it"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.deploy_manifests or any(_IAC_FILES.search(file.path) for file in repo.all_files):
            return
        if repo.first(_IAC_TEXT, repo.files("yaml"), code_only=False):
            return
        anchor = facts.serving_modules[0]
        if [file for file in facts.deploy_artifacts if file.kind == "dockerfile"]:
            yield self.finding(
                "the container is defined in a Dockerfile, but the infrastructure it runs on is not in code",
                anchor,
                partial=True,
            )
            return
        yield self.finding(
            "the serving infrastructure is not in code (no Terraform, Kubernetes/Helm, Compose or platform config)",
            anchor,
        )


# ---------------------------------------------------------------------------------------------

_ENV_WORDS = r"staging|stg|prod|production|preprod|pre-prod|uat"
_ENV_PATH = lazy_compile(
    rf"(?i)(?:^|[/._-])(?:{_ENV_WORDS})(?:[/._-][^/]*)?\.(?:ya?ml|json|toml|env|ini|cfg|conf|tfvars|properties|hcl)$"
    rf"|(?:^|/)(?:settings|config)[/._-]?(?:{_ENV_WORDS})\.py$"
    rf"|(?:^|/)(?:{_ENV_WORDS}|overlays|environments|envs)/"
    r"|(?:^|/)(?:\.env\.(?:example|sample|template|dist|\w+)|(?:example|sample)\.env|env\.(?:example|sample|template))$"
    r"|\.(?:ya?ml|json|toml|ini|cfg|conf|env|tfvars|properties)\.(?:example|sample|template|dist)$|\.tfvars$"
    r"|(?:^|/)values[-.][\w-]+\.ya?ml$"
)
_ENV_SETTINGS = (
    r"\bBaseSettings\b|\bdynaconf\b|\benvirons\b|\bdecouple\b|\bload_dotenv\b|\bdotenv_values\b|\benv_file\b"
)


class EnvironmentConfigNotSeparated(RepoRule):
    """The project deploys, but has one configuration for every environment.

    What it checks:
    For repositories with deploy artifacts (Dockerfile, Kubernetes/Helm/Compose): no
    per-environment configuration (`config/prod.yaml`, `settings.staging.toml`,
    `values-prod.yaml`, Kustomize `overlays/`, `environments/`, `*.tfvars`), no `.env.example`
    or `*.yaml.example`-style template, no CI deployment `environment:`, and no settings loaded
    from the environment (pydantic `BaseSettings`, dynaconf, python-dotenv, Compose `env_file`,
    Hydra). Settings read only with scattered `os.getenv` calls earn half credit.

    Why it matters:
    When development, staging and production share one configuration, a test run writes to the
    production bucket or production runs with debug settings, and no staging environment can
    rehearse a release.

    How to fix:
    Keep one artifact and inject the environment: a typed settings class
    (`pydantic_settings.BaseSettings`) read from environment variables, with a committed
    `.env.example`, and per-environment values (`values-staging.yaml`, `values-prod.yaml`, or
    Kustomize overlays) for the deployment.
    """

    code = "AUT008"
    name = "environment-config-not-separated"
    pillar = Pillar.AUTOMATION
    severity = Severity.INFO

    VALID = [
        Example(
            {"Dockerfile": "FROM python:3.12\n", "config/prod.yaml": "bucket: b\n", "config/dev.yaml": "bucket: d\n"}
        ),
        Example({"Dockerfile": "FROM python:3.12\n", ".env.example": "DB_URL=\n"}),
        Example(
            {"Dockerfile": "FROM python:3.12\n", "app/settings.py": "from pydantic_settings import BaseSettings\n"}
        ),
        Example({"train.py": "x = 1\n"}, note="No deploy artifacts: the rule does not apply."),
        Example(
            {
                "Dockerfile": "FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime\nCOPY requirements.txt /workspace\n"
                "RUN pip install -r /workspace/requirements.txt\n",
                "train.py": "import os\nimport torch\nrank = int(os.environ['RANK'])\nloss.backward()\n",
            },
            note="A research environment image that starts nothing, in a repository with no serving code.",
        ),
        Example(
            {
                "benchmarks/fp8/Dockerfile": "FROM nvcr.io/nvidia/pytorch:24.07-py3\nRUN pip install accelerate\nCMD [\"bash\"]\n",
                "benchmarks/fp8/run.py": "import os\nimport torch\nrank = int(os.getenv('RANK', '0'))\n",
            },
            note="An image whose command only opens a shell starts nothing.",
        ),
    ]
    INVALID = [
        Example(
            {"Dockerfile": "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n", "config.yaml": "bucket: prod-bucket\n", "app.py": "import yaml\n"},
            expect=["Dockerfile"],
        ),
        Example(
            {"docker-compose.yml": "services: {}\n", "app.py": "import os\nURL = os.getenv('URL')\n"},
            expect=["docker-compose.yml"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.deploy_artifacts else "no deploy artifacts"

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if any(
            _ENV_PATH.search(file.path) for file in repo.all_files if not file.path.startswith(".github/workflows/")
        ):
            return
        if re.search(r"^\s+environment\s*:", "\n".join(repo.text(file.path) or "" for file in facts.ci_files), re.M):
            return
        if facts.any_code_file_matching(_ENV_SETTINGS, tests=False):
            return
        if any(re.search(r"^\s*env_file\s*:", repo.text(file.path) or "", re.M) for file in facts.deploy_manifests):
            return
        anchor = facts.deploy_artifacts[0].path
        if facts.any_code_file_matching(r"\bos\.(?:environ|getenv)\b", tests=False):
            yield self.finding(
                "settings come from scattered os.getenv calls, with no per-environment configuration or "
                ".env.example template",
                anchor,
                partial=True,
            )
            return
        yield self.finding(
            "one configuration for every environment: no per-environment config, overlays or settings "
            "read from the environment",
            anchor,
        )
