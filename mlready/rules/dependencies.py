"""Dependencies: declared, pinned and reproducible environments, from manifests to container images."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from mlready.model import Finding, Outcome, Pillar, Severity
from mlready.parsers.dockerfile import Dockerfile, parse_image
from mlready.parsers.requirements import canonical_name, parse_requirement_line, parse_requirements
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import (
    ML_FRAMEWORK_PACKAGES,
    DeclaredDependency,
    ImportSite,
    folder_of,
    is_test_path,
    requirements_group,
    same_project,
)
from mlready.rule import Example, FileRule, RepoRule, notebook

# -- shared helpers ------------------------------------------------------------------------

_LIBRARY_REASON = "a published library: it declares version ranges on purpose (pinning is the application's job)"

# Installers and build tools: upgrading them unpinned is routine and harmless.
PACKAGING_TOOLS = frozenset(
    {"pip", "setuptools", "wheel", "build", "twine", "virtualenv", "uv", "poetry", "poetry-core", "pipenv", "pdm",
     "hatch", "hatchling", "flit", "pip-tools", "pipx", "tox", "nox", "pre-commit", "setuptools-scm", "conda-lock"}
)
# Test, lint and docs tools that CI installs for itself, not for the product.
_CI_TOOLING_PREFIXES = (
    "pytest", "flake8", "sphinx", "mkdocs", "types-", "coverage", "codecov", "black", "ruff", "mypy", "pylint",
    "isort", "bandit", "safety", "pip-audit", "pydocstyle", "pyright", "interrogate", "nbqa", "nbstripout",
    "pre-commit", "check-manifest", "docformatter", "yapf", "autopep8", "jupyter-book", "nbval", "nbmake", "hypothesis",
    "pyupgrade", "codespell", "darglint", "vulture", "radon", "xenon", "semgrep", "detect-secrets",
)

# Conda spells some frameworks differently.
_CONDA_ALIASES = {"pytorch": "torch", "py-xgboost": "xgboost", "tensorflow-base": "tensorflow", "sklearn": "scikit-learn"}

_PIP_OPTIONS_WITH_VALUE = frozenset(
    {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
     "--trusted-host", "--platform", "--python-version", "--implementation", "--abi", "--only-binary",
     "--no-binary", "--progress-bar", "--cache-dir", "--src", "--log", "--config-settings", "-C", "--global-option",
     "--install-option", "--upgrade-strategy", "--root-user-action", "--python", "-p", "--index", "--default-index",
     "--extra-index", "--exclude-newer", "--resolution", "--prerelease", "--index-strategy", "--keyring-provider",
     "--timeout", "--retries", "--proxy", "--cert", "--client-cert", "--report", "--group", "--extra"}
)

_PIP_INSTALL = lazy_compile(
    r"(?:^|(?<=[\s;&|(`'\"@!%]))(?:(?:python[\d.]*|py|\$\{?\w+\}?|\S*/python[\d.]*)\s+-m\s+pip|pip[\d.]*|uv\s+pip)"
    r"\s+install\b"
)
_CONDA_INSTALL = lazy_compile(r"(?:^|(?<=[\s;&|(`'\"@!%]))(?:conda|mamba|micromamba)\s+install\b")
_APT_INSTALL = lazy_compile(r"(?:^|(?<=[\s;&|(`]))apt(?:-get)?\s+(?:-\S+\s+)*install\b")
_APK_ADD = lazy_compile(r"(?:^|(?<=[\s;&|(`]))apk\s+(?:-\S+\s+)*add\b")


def _command_args(text: str, start: int, closing: str = "") -> str:
    """The arguments of a shell command starting at `start`, up to the next unquoted separator,
    the end of the line, or `closing` (the quote a command written inside a string ends at)."""
    quote = ""
    depth = 0  # inside `$( ... )`
    index = start
    while index < len(text):
        char = text[index]
        if char == "\n":
            break
        if quote:
            if char == quote:
                quote = ""
        elif closing and char == closing:
            break
        elif char in "'\"":
            quote = char
        elif text.startswith("$(", index):
            depth += 1
            index += 1
        elif char == ")" and depth:
            depth -= 1
        elif char in ";&|)`\n<>" or (char == "#" and (index == start or text[index - 1].isspace())):
            break
        index += 1
    return text[start:index]


def _join_continuations(text: str) -> str:
    """Join `\\`-continued lines, keeping every offset (and so every line number) unchanged."""
    return text.replace("\\\r\n", "   ").replace("\\\n", "  ")


def _opening_quote(text: str, start: int) -> str:
    """The quote character just before a command (`"pip install x"` inside a string), or ""."""
    before = text[start - 1] if start > 0 else ""
    return before if before in "'\"" else ""


def _split_args(args: str) -> list[str]:
    # A CI expression or a command substitution is one word, spaces and all (`pkg==${{ env.V }}`, `$(cat v)`).
    args = _EXPANSION.sub(lambda match: re.sub(r"\s+", "", match.group()), args)
    try:
        return shlex.split(args)
    except ValueError:
        return [word.strip("'\"") for word in args.split()]


_EXPANSION = re.compile(r"\$\{\{.*?\}\}|\$\([^()]*\)")
# `name==<expansion>`: an exact version that a variable, CI expression or command supplies.
_PINNED_TO_EXPANSION = re.compile(r"([A-Za-z0-9][\w.-]*)(?:\[[\w,.-]*\])?===?\$\S+")


class PipPackage(NamedTuple):
    name: str
    text: str
    pinned: bool


class PipCommand(NamedTuple):
    """One `pip install` in a script, CI step, notebook or Dockerfile."""

    offset: int
    packages: tuple[PipPackage, ...]
    constrained: bool


def _pip_package(token: str) -> PipPackage | None:
    """A package argument of `pip install`, or None for paths, variables, files and options."""
    pinned_to_expansion = _PINNED_TO_EXPANSION.fullmatch(token)
    if pinned_to_expansion:
        return PipPackage(canonical_name(pinned_to_expansion.group(1)), token, True)
    if not token or token.startswith("-") or "$" in token or "*" in token or token.isdigit():
        return None
    if token.endswith((".whl", ".tar.gz", ".zip")) and "://" not in token:
        # A local archive is a fixed file: name it from the file (`dist/app-1.0-py3-none-any.whl` -> app).
        stem = re.split(r"-\d|\.(?:whl|tar\.gz|zip)$", token.rsplit("/", 1)[-1])[0]
        return PipPackage(canonical_name(stem), token, True) if re.fullmatch(r"[A-Za-z][\w.-]*", stem) else None
    if token in (".", ".."):
        return None
    if "/" in token and "://" not in token and not token.startswith("git+"):
        return None  # a local path (or an extra on one: ./pkg[dev])
    item = parse_requirement_line(0, token)
    if item is None or item.local_path or item.invalid is not None:
        return None
    name = item.name
    if name is None and item.url is not None:
        name = _url_name(item.url)
    if not name:
        return None
    return PipPackage(name, token, item.pinned)


def _url_name(url: str) -> str | None:
    """A package name guessed from a VCS URL: `git+https://github.com/openai/CLIP.git@main` -> `clip`."""
    egg = re.search(r"[#&]egg=([\w.-]+)", url)
    if egg:
        return canonical_name(egg.group(1))
    path = re.sub(r"[@#?].*$", "", url.split("://", 1)[-1]).rstrip("/")
    last = path.rsplit("/", 1)[-1].removesuffix(".git")
    archive = re.fullmatch(r"(.+?)(?:-v?\d[^/]*)?\.(?:whl|tar\.gz|tgz|zip)", last)
    if archive:
        last = archive.group(1)  # a wheel or sdist file: its name before the version
    return canonical_name(last) if re.fullmatch(r"[A-Za-z0-9][\w.-]*", last) else None


def pip_commands(text: str) -> Iterator[PipCommand]:
    """Every `pip install` (also `python -m pip`, `uv pip`) in shell-like text, with its packages."""
    text = _join_continuations(text)
    for match in _PIP_INSTALL.finditer(text):
        words = _split_args(_command_args(text, match.end(), _opening_quote(text, match.start())))
        packages: list[PipPackage] = []
        constrained = False
        index = 0
        while index < len(words):
            word = words[index]
            option = word.split("=", 1)[0]
            if option in ("-c", "--constraint", "--constraints") or word.startswith("--constraint="):
                constrained = True
            if option in ("-r", "--requirement", "-c", "--constraint", "--constraints"):
                index += 1 if "=" in word or (option != word) else 2
                continue
            if option in ("-e", "--editable"):
                target = word.split("=", 1)[1] if "=" in word else (words[index + 1] if index + 1 < len(words) else "")
                index += 1 if "=" in word else 2
                package = _pip_package(target) if ("://" in target or target.startswith("git+")) else None
                if package is not None:
                    packages.append(package)
                continue
            if word in _PIP_OPTIONS_WITH_VALUE:
                index += 2
                continue
            package = _pip_package(word)
            if package is not None:
                packages.append(package)
            index += 1
        yield PipCommand(match.start(), tuple(packages), constrained)


def _unpinned(command: PipCommand, ci: bool = False) -> list[PipPackage]:
    if command.constrained:
        return []
    return [
        package
        for package in command.packages
        if not package.pinned
        and package.name not in PACKAGING_TOOLS
        and not (ci and package.name.startswith(_CI_TOOLING_PREFIXES))
    ]


def _conda_install_names(text: str) -> set[str]:
    text = _join_continuations(text)
    names = set()
    for match in _CONDA_INSTALL.finditer(text):
        words = _split_args(_command_args(text, match.end()))
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            if word in ("-c", "--channel", "-n", "--name", "-p", "--prefix", "--file"):
                skip = True
                continue
            found = re.match(r"^(?:[\w.-]+::)?([A-Za-z][\w.-]*)", word)
            if found and not word.startswith("-"):
                name = canonical_name(found.group(1))
                names.add(_CONDA_ALIASES.get(name, name))
    return names


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _names(packages: Iterable[PipPackage], limit: int = 6) -> str:
    shown = list(dict.fromkeys(f"`{package.text}`" for package in packages))  # each once, in order
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def _names_of(names: Iterable[str], limit: int = 6) -> str:
    listed = list(names)
    more = f" and {len(listed) - limit} more" if len(listed) > limit else ""
    return ", ".join(listed[:limit]) + more


def _main_manifest(repo: Repo) -> str | None:
    """The manifest a finding about the whole environment points at: a root one that declares something."""
    declaring = {dependency.path for dependency in repo.facts.dependencies if dependency.group != "dev"}
    declaring |= {file.path for file in repo.facts.package_metadata}
    for name in ("pyproject.toml", "requirements.txt", "setup.py", "setup.cfg", "Pipfile", "environment.yml", "environment.yaml"):
        if name in declaring:
            return name
    manifests = [file.path for file in repo.facts.manifests if file.path in declaring] or [file.path for file in repo.facts.manifests]
    return manifests[0] if manifests else None


def _is_conda_file(path: str) -> bool:
    return path.endswith((".yml", ".yaml"))  # among manifests, only conda environments are YAML


def _framework(name: str) -> str | None:
    name = _CONDA_ALIASES.get(name, name)
    return name if name in ML_FRAMEWORK_PACKAGES else None


def _external_pins(repo: Repo) -> set[str]:
    """Names pinned exactly outside the manifests: `pip install name==X` in Dockerfiles, scripts and CI."""
    pinned: set[str] = set()
    for file in [*repo.facts.runtime_dockerfiles, *repo.facts.script_files]:
        text = repo.text(file.path) or ""
        if "install" not in text:
            continue
        for command in pip_commands(text):
            pinned.update(package.name for package in command.packages if package.pinned)
    return pinned


# -- DEP001 --------------------------------------------------------------------------------


class DependencyManifestMissing(RepoRule):
    """The code imports third-party packages, but no manifest declares any dependency.

    What it checks:
    The repository has none of `requirements*.txt` (an empty one, or one of comments only, does
    not count), a `pyproject.toml` with a `[project]` or Poetry table, `setup.py`, `setup.cfg`,
    `Pipfile` or a conda `environment.yml`, while its
    code imports packages outside the standard library and the repository itself. When the
    packages are only installed ad hoc (a `pip install` line in the README, `!pip install` in a
    notebook, `RUN pip install` in a Dockerfile), the finding is partial.

    Why it matters:
    Without a manifest nobody can rebuild the environment the code ran in: not a colleague,
    not CI, not the serving image. Each install picks whatever versions are newest that day.

    How to fix:
    Write the packages the code imports, with the versions you use, into `requirements.txt`
    (`pip freeze` in the working environment is a start) or `pyproject.toml`, and install from it.
    """

    code = "DEP001"
    name = "dependency-manifest-missing"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.ERROR

    VALID = [
        Example({"train.py": "import numpy as np\n", "requirements.txt": "numpy==1.26.4\n"}),
        Example({"train.py": "import numpy\n", "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['numpy>=1.26']\n"}),
        Example({"train.py": "import numpy\n", "env/environment.yml": "dependencies:\n  - numpy=1.26\n"}),
        Example(
            {"train.py": "import numpy\n", "unix/analytics.yml": "name: analytics\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - numpy=1.26\n"},
            note="A conda environment file under another name, known by its content.",
        ),
        Example({"tool.py": "import json\nimport os\nfrom . import helpers\nimport helpers\n", "helpers.py": "X = 1\n"},
                note="Only the standard library and local modules: nothing to declare."),
        Example({"README.md": "# Notes\n"}, note="No code: the rule does not apply."),
    ]
    INVALID = [
        Example({"train.py": "import json\nimport numpy as np\nimport sklearn\n"}, expect=["train.py:2"]),
        Example({"src/app.py": "import click\nimport dotenv\n", "requirements.txt": "# fill in\n"}, expect=["src/app.py:1"],
                note="An empty requirements file declares nothing."),
        Example({"train.py": "import numpy\n", "chart/Chart.yaml": "name: app\ndependencies:\n  - name: redis\n    version: 18.1.0\n"},
                expect=["train.py:1"], note="A Helm chart's dependencies are not Python's."),
        Example(
            {"explore.ipynb": notebook("!pip install pandas", "import pandas as pd")},
            expect=["explore.ipynb[1]:1"],
            note="Installed in the notebook only: partial credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.code_files else "no Python code or notebooks"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if _has_manifest(repo):
            return
        sites = {
            module: [site for site in found if not is_test_path(site.path)]
            for module, found in repo.facts.third_party_imports.items()
        }
        sites = {module: found for module, found in sites.items() if found}
        if not sites:
            return
        # Point at a module rather than a notebook when there is one.
        first = min((found[0] for found in sites.values()), key=lambda site: (site.cell is not None, site.path, site.cell or 0, site.line))
        modules = sorted(sites)
        adhoc = _adhoc_installs(repo)
        if adhoc:
            yield self.finding(
                f"no dependency manifest; the {len(modules)} third-party packages the code imports "
                f"({_names_of(modules)}) are only installed ad hoc ({adhoc}): declare them in requirements.txt or pyproject.toml",
                first.path,
                first.line,
                cell=first.cell,
                partial=True,
            )
            return
        yield self.finding(
            f"no dependency manifest (requirements.txt, pyproject.toml, environment.yml...) declares the "
            f"{len(modules)} third-party packages the code imports: {_names_of(modules)}",
            first.path,
            first.line,
            cell=first.cell,
        )


def _has_manifest(repo: Repo) -> bool:
    for file in repo.facts.manifests:
        if file.kind == "requirements":
            # An empty requirements file (or one of comments only) declares nothing.
            if any(line.strip() and not line.lstrip().startswith("#") for line in (repo.text(file.path) or "").splitlines()):
                return True
        elif file.name in ("setup.py", "setup.cfg", "Pipfile"):
            return True
        if file.name == "pyproject.toml":
            data = repo.toml(file.path) or {}
            tool = data.get("tool")
            if "project" in data or "dependency-groups" in data or (isinstance(tool, dict) and "poetry" in tool):
                return True
        elif any(dependency.path == file.path for dependency in repo.facts.dependencies):
            return True
    return False


def _adhoc_installs(repo: Repo) -> str:
    """Where packages are installed without a manifest: README instructions, notebooks, Dockerfiles, scripts."""
    places = []
    readme = repo.facts.readme_text
    if any(command.packages for command in pip_commands(readme)) or _conda_install_names(readme):
        places.append("README instructions")
    for file in repo.facts.notebooks:
        text = repo.code_text(file.path) or ""
        if re.search(r"^\s*[!%]\s*(?:pip3?|conda|mamba)\s+install\b", text, re.M):
            places.append("notebook installs")
            break
    for file in [*repo.facts.runtime_dockerfiles, *repo.facts.script_files]:
        text = repo.text(file.path) or ""
        if any(command.packages for command in pip_commands(text)):
            places.append(f"`pip install` in {file.path}")
            break
    return ", ".join(places)


# -- DEP002 --------------------------------------------------------------------------------


class RequirementUnpinned(FileRule):
    """A requirements or conda environment file lets a package float to any version.

    What it checks:
    Runtime `requirements*.txt` and conda `environment*.yml` entries without an exact pin:
    `==X` (no wildcard), `===X`, `--hash`, a URL at a commit or a wheel file (conda: `=X`).
    Exempt: published libraries (a CI upload step or trove classifiers), the requirements files an
    installable package's setup.py/pyproject reads (abstract, ranges on purpose), dev/test/docs
    requirement files, `constraints` files, `.in` files compiled to a `.txt`, names pinned exactly
    in another requirements file of the same project (its folder, a parent or a sub-folder),
    `python`, installers (pip, setuptools, wheel...), and ML frameworks (DEP003 reports those).
    When a file pins nothing at all, or more than 5 entries float, it gets one finding listing
    the names; otherwise each unpinned line gets its own (so one can be suppressed in place).

    Why it matters:
    A range installs whatever is newest on the day of the build, so two builds of the same
    commit can differ, and a release of any dependency can break training or serving unnoticed.

    How to fix:
    Pin exact versions (`numpy==1.26.4`), ideally generated: `pip-compile requirements.in`,
    `uv pip compile`, or `pip freeze > requirements.txt` in a known-good environment.
    """

    code = "DEP002"
    name = "requirement-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING
    kinds = ("requirements", "yaml")
    # More unpinned lines than this in one file give one finding for the file.
    default_options = {"max_line_findings": 5}

    VALID = [
        Example({"requirements.txt": "numpy==1.26.4\npandas==2.2.2 --hash=sha256:abc\nclip @ git+https://github.com/openai/CLIP.git@a1b2c3d4e5f6\n"}),
        Example({"requirements.in": "numpy\npandas>=2\n", "requirements.txt": "numpy==1.26.4\npandas==2.2.2\n"},
                note="A pip-compile input next to its compiled, pinned output."),
        Example({"requirements-dev.txt": "pytest\nruff\n", "docs/requirements.txt": "sphinx\n", "requirements.txt": "numpy==1.26.4\n",
                 ".devcontainer/requirements.txt": "boto3-stubs\npytest-xdist\npytest-cov\n"},
                note="Dev, test and docs tooling may float, also in a file of tooling only."),
        Example(
            {"pyproject.toml": "[project]\nname = 'lib'\nclassifiers = ['Programming Language :: Python']\n", "requirements.txt": "numpy>=1.20\n"},
            note="A published library declares ranges on purpose.",
        ),
        Example({"environment.yml": "dependencies:\n  - python=3.11\n  - pip\n  - wheel\n  - numpy=1.26.4\n  - pip:\n    - requests==2.32.3\n"}),
        Example({"requirements.txt": "-c constraints.txt\nnumpy\n", "constraints.txt": "numpy==1.26.4\n"}),
        Example({"requirements.txt": "https://storage.example.com/ml-pipeline/release/0.1.22/kfp.tar.gz\n"
                 "https://files.example.com/tool.tar.gz#sha256=" + "0" * 64 + "\n"},
                note="Archives from a versioned folder, or with their hash."),
        Example({"requirements.txt": "numpy==1.26.4\n", "docker/requirements.txt": "numpy\nflask==3.0.3\n"},
                note="Pinned by the requirements of the same project (a parent folder)."),
        Example({"setup.py": "from setuptools import setup\nsetup(name='clip', install_requires=open('requirements.txt').read().split())\n",
                 "requirements.txt": "ftfy\nregex\n"}, note="An installable package's abstract requirements, read by setup.py."),
    ]
    INVALID = [
        Example({"requirements.txt": "numpy==1.26.4\npandas>=2.0\nrequests\n"}, expect=["requirements.txt:2", "requirements.txt:3"]),
        Example({"requirements.txt": "# deps\nnumpy\npandas>=2\nscipy\n"}, expect=["requirements.txt:2"],
                note="Nothing pinned at all: one finding for the file."),
        Example({"environment.yml": "dependencies:\n  - numpy=1.26\n  - pip:\n    - requests>=2\n"}, expect=["environment.yml:4"]),
        Example({"setup.py": "from setuptools import setup\nsetup(name='ldm', install_requires=['numpy'])\n",
                 "environment.yaml": "dependencies:\n  - numpy=1.19.2\n  - pip:\n    - streamlit>=0.73.1\n"},
                expect=["environment.yaml:4"], note="A research package's conda environment is concrete."),
        Example({"requirements.txt": "numpy==1.26.4\ngit+https://github.com/org/tool.git@main#egg=tool\ngit+https://github.com/org/other.git\n"
                 "git+https://github.com/org/fixed.git@0123456789abcdef0123456789abcdef01234567\n"},
                expect=["requirements.txt:2", "requirements.txt:3"], note="VCS requirements that follow a branch."),
        Example({"week_1/requirements.txt": "numpy==1.26.4\n", "week_2/requirements.txt": "numpy\nflask==3.0.3\n"},
                expect=["week_2/requirements.txt:1"], note="A sibling project's pin does not pin this one."),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if repo.facts.is_published_package:
            return _LIBRARY_REASON
        if not any(self._in_scope(file, repo) for file in repo.facts.manifests):
            return "no runtime requirements or conda environment file"
        return None

    def _in_scope(self, file: SourceFile, repo: Repo) -> bool:
        return _runtime_environment_file(file, repo)

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        if not self._in_scope(file, repo):
            return
        pinned_elsewhere = _exact_requirement_pins(repo)
        deps = [
            dependency
            for dependency in _deps_of(repo, file.path)
            if dependency.name not in ("python", *PACKAGING_TOOLS) and _framework(dependency.name) is None
        ]
        if file.kind == "requirements":
            # VCS requirements with no name (`git+https://github.com/org/repo.git`) float too, unless at a commit.
            deps += [
                DeclaredDependency(_url_name(item.url) or item.url, "", item.pinned, file.path, item.line, item.raw)
                for item in repo.requirements(file.path) or []
                if item.name is None and item.url is not None
            ]
        here = folder_of(file.path)
        loose = [
            dependency
            for dependency in deps
            if not dependency.pinned and not same_project(here, pinned_elsewhere.get(dependency.name, ()))
        ]
        if not loose:
            return
        if (len(loose) == len(deps) and len(deps) >= 2) or len(loose) > self.options["max_line_findings"]:
            first = min(loose, key=lambda dependency: dependency.line or 0)
            share = (
                f"none of the {len(deps)} requirements in this file is pinned exactly"
                if len(loose) == len(deps)
                else f"{len(loose)} of the {len(deps)} requirements in this file are not pinned exactly"
            )
            yield self.finding(
                f"{share}: {_names_of(dict.fromkeys(dependency.name for dependency in loose))}; pin them with `==` (pip-compile, pip freeze)",
                file.path,
                first.line,
                anchor="whole-file",
            )
            return
        for dependency in loose:
            spec = dependency.raw.strip()
            yield self.finding(
                f"`{spec}` is not pinned exactly: use `{dependency.name}==<version>` or a lock file",
                file.path,
                dependency.line,
                anchor=spec,
            )


def _runtime_environment_file(file: SourceFile, repo: Repo) -> bool:
    """A concrete runtime environment: a requirements file or conda environment that is not dev tooling,
    constraints, a compiled `.in`, or the abstract requirements a package's setup.py/pyproject reads."""
    if file.kind == "requirements":
        if "constraint" in file.name.lower() or requirements_group(file.path):
            return False
        if file.name.endswith(".in") and repo.exists(file.path[:-3] + ".txt"):
            return False
        names = [dependency.name for dependency in _deps_of(repo, file.path)]
        if names and all(name.startswith(_CI_TOOLING_PREFIXES) or name.endswith("-stubs") for name in names):
            return False  # test, lint and typing tooling only (a dev container's requirements)
    elif not (file.kind == "yaml" and file in repo.facts.manifests and not requirements_group(file.path)):
        return False
    return not (repo.facts.is_package_library and _read_by_packaging(repo, file))


def _read_by_packaging(repo: Repo, file: SourceFile) -> bool:
    """The package metadata (setup.py, a setup helper, setup.cfg, pyproject.toml) reads this file."""
    if file in repo.facts.package_metadata:
        return True
    texts = [repo.text(meta.path) or "" for meta in repo.facts.package_metadata]
    texts += [repo.text(other.path) or "" for other in repo.facts.python_files if other.name.endswith("setup__.py")]
    return any(file.name in text or file.path in text for text in texts)


def _deps_of(repo: Repo, path: str) -> list[DeclaredDependency]:
    return [dependency for dependency in repo.facts.dependencies if dependency.path == path]


def _exact_requirement_pins(repo: Repo) -> dict[str, set[str]]:
    """Names some requirements or constraints file pins exactly -> the folders of those files."""
    requirement_files = {file.path for file in repo.files("requirements")}
    found: dict[str, set[str]] = {}
    for dependency in repo.facts.dependencies:
        if dependency.pinned and dependency.path in requirement_files:
            found.setdefault(dependency.name, set()).add(folder_of(dependency.path))
    return found




# -- DEP003 --------------------------------------------------------------------------------


class MlFrameworkUnpinned(RepoRule):
    """An ML framework is declared without an exact version, and no lock file pins it.

    What it checks:
    Runtime and extra declarations of torch, tensorflow, keras, scikit-learn, xgboost, lightgbm,
    catboost, transformers, onnxruntime, jax, lightning, statsmodels... (conda's `pytorch` too)
    in any manifest, without `==X`/`===X` (conda `=X`) or a range that only admits patch releases
    (`~=2.14.0`, `==2.14.*`, `>=2.14.1,<2.15`), when nothing else pins that package:
    no lock file lists it, no requirements or constraints file pins it (those of the same
    project: its folder, a parent or a sub-folder), and no
    `pip install name==X` in a Dockerfile, script or CI step. Published libraries, and the metadata
    (and the requirements files it reads) of an installable package, are exempt.

    Why it matters:
    The framework version decides whether a saved model loads and whether it predicts the same:
    pickled scikit-learn estimators and saved TensorFlow models break or change across versions.
    A serving image built next month may not load the model trained today.

    How to fix:
    Pin the exact version you trained with (`scikit-learn==1.5.1`), or commit a lock file
    (`uv lock`, `poetry lock`, `pip-compile`), and record it with the model.
    """

    code = "DEP003"
    name = "ml-framework-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.ERROR

    VALID = [
        Example({"requirements.txt": "torch==2.3.1\nscikit-learn===1.5.1\nnumpy\n"}),
        Example(
            {"pyproject.toml": "[project]\nname = 'svc'\ndependencies = ['torch>=2.1']\n", "uv.lock": '[[package]]\nname = "torch"\nversion = "2.3.1"\n',
             "Dockerfile": "FROM python:3.11\n"},
            note="The lock file pins the range.",
        ),
        Example({"requirements.txt": "torch\n", "Dockerfile": "FROM python:3.11-slim\nRUN pip install torch==2.3.1\n"},
                note="The image pins it."),
        Example({"pyproject.toml": "[project]\nname = 'lib'\ndependencies = ['torch>=2']\n"}, note="A library: ranges are intended."),
        Example({"requirements-dev.txt": "torch\n", "requirements.txt": "flask==3.0.3\n"}, note="Dev tooling only."),
        Example({"requirements.txt": "tensorflow~=2.14.0\ntorch>=2.3.1,<2.4\nxgboost==2.1.*\n", "environment.yml": "dependencies:\n  - scikit-learn=1.5.*\n"},
                note="Only patch releases vary."),
    ]
    INVALID = [
        Example({"requirements.txt": "numpy==1.26.4\ntorch>=2.1\nscikit-learn~=1.5\n"}, expect=["requirements.txt:2", "requirements.txt:3"]),
        Example({"environment.yml": "dependencies:\n  - python=3.10\n  - pytorch\n"}, expect=["environment.yml:3"]),
        Example({"serve/requirements.txt": "torch==2.3.1\n", "train/requirements.txt": "torch>=2\n"}, expect=["train/requirements.txt:1"],
                note="A sibling project's pin does not pin this one."),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if repo.facts.is_published_package:
            return _LIBRARY_REASON
        if not any(_framework(dependency.name) for dependency in repo.facts.dependencies if dependency.group != "dev"):
            return "no ML framework declared"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        # Where each name is pinned: manifests and lock files pin for their own project (folder tree);
        # an image, a script or CI ("" here) for the whole repository.
        pinned: dict[str, set[str]] = {}
        for dependency in repo.facts.dependencies:
            if dependency.pinned and dependency.group != "dev":
                pinned.setdefault(_CONDA_ALIASES.get(dependency.name, dependency.name), set()).add(folder_of(dependency.path))
        for lock in repo.facts.lock_files:
            for name in repo.facts.names_locked_by(lock.path):
                pinned.setdefault(_CONDA_ALIASES.get(name, name), set()).add(folder_of(lock.path))
        for name in _external_pins(repo) | {name for name, exact in _cog_packages(repo).items() if exact}:
            pinned.setdefault(name, set()).add("")
        for dependency in repo.facts.dependencies:
            framework = _framework(dependency.name)
            if framework is None or dependency.group == "dev" or dependency.pinned:
                continue
            if same_project(folder_of(dependency.path), pinned.get(framework, ())):
                continue
            if _one_release_series(dependency.specifier):
                continue
            file = repo.file(dependency.path)
            if file is not None and file.kind in ("requirements", "yaml") and not _runtime_environment_file(file, repo):
                continue
            if file is not None and repo.facts.is_package_library and _read_by_packaging(repo, file):
                continue  # an installable package's own metadata: ranges are its contract
            spec = dependency.raw.strip()
            yield self.finding(
                f"`{spec}` leaves the {framework} version open and no lock file pins it: the framework version "
                f"decides whether saved models load; pin `{framework}==<version you trained with>`",
                dependency.path,
                dependency.line,
                anchor=spec,
            )


def _one_release_series(specifier: str) -> bool:
    """Only patch releases can vary: `~=2.14.0`, `==2.14.*`, Poetry `~2.14`, `>=2.14.1,<2.15`."""
    spec = specifier.replace(" ", "")
    if re.fullmatch(r"~=\d+\.\d+\.\d+[\w.]*", spec) or re.fullmatch(r"==?\d+\.\d+\.\*", spec):
        return True
    if re.fullmatch(r"~\d+\.\d+(?:\.\d+)?", spec):
        return True
    parts = sorted(spec.split(","))
    lower = next((re.fullmatch(r">=?(\d+)\.(\d+)(?:\.\d+)*", part) for part in parts if part.startswith(">")), None)
    upper = next((re.fullmatch(r"<(\d+)\.(\d+)(?:\.0)*", part) for part in parts if part.startswith("<") and not part.startswith("<=")), None)
    if lower and upper and len(parts) == 2:
        return (int(upper.group(1)), int(upper.group(2))) == (int(lower.group(1)), int(lower.group(2)) + 1)
    return False


# -- DEP004 / DEP014: Dockerfile base images ---------------------------------------------


# A Dockerfile FROM an image that CI builds first from another Dockerfile of the repository (DEP004, DEP014).
_BUILT_BASE_IMAGE = {
    "Dockerfile": "FROM base:latest\nCOPY . /app\n",
    "docker/base.Dockerfile": "FROM python:3.11.9-slim@sha256:" + "c" * 64 + "\n",
    ".github/workflows/build.yml": "jobs:\n  b:\n    steps:\n      - run: |\n          docker build -f docker/base.Dockerfile \\\n"
    "            --tag base:latest .\n          docker build -t app .\n",
}


def _base_images(dockerfile: Dockerfile, built: frozenset[str] = frozenset()) -> Iterator[tuple[str, int]]:
    """(image, line) of each FROM that names an external image: not scratch, a variable, a template
    placeholder (`{{ cookiecutter.python_version }}`), an earlier stage, or an image the repository
    builds itself (`built`, as `name:tag`)."""
    aliases: set[str] = set()
    for stage in dockerfile.stages:
        image = stage.image
        variable = "$" in image or "{{" in image or "{%" in image
        own = (image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest") in built
        if image and image.lower() != "scratch" and not variable and not own and image.lower() not in aliases:
            yield image, stage.line
        if stage.alias:
            aliases.add(stage.alias.lower())


class DockerBaseImageUnpinned(FileRule):
    """A Dockerfile builds on a base image with no tag or with `:latest`.

    What it checks:
    `FROM` instructions whose image has no tag, or the tag `latest`, and no digest
    (hadolint DL3006 and DL3007). Exempt: `scratch`, images given by a build argument
    (`$BASE`), references to an earlier stage, dev containers and test fixtures.

    Why it matters:
    `latest` moves. The same Dockerfile builds a different image next week, with another OS,
    Python or CUDA version, so a rebuild for a hotfix or a rollback can break serving.

    How to fix:
    Name an exact tag (`python:3.11.9-slim-bookworm`), and better, add its digest
    (`python:3.11.9-slim-bookworm@sha256:...`); let Dependabot or Renovate propose updates.
    """

    code = "DEP004"
    name = "docker-base-image-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.ERROR
    kinds = ("dockerfile",)

    VALID = [
        Example(_BUILT_BASE_IMAGE, note="An image the repository builds itself first, in CI."),
        Example({"Dockerfile": "FROM python:3.11-slim AS build\nRUN echo hi\nFROM build\nFROM scratch\n"}),
        Example({"Dockerfile": "ARG BASE=python:3.11\nFROM ${BASE}\nFROM ubuntu@sha256:" + "a" * 64 + "\n"}),
        Example({"Dockerfile": "FROM --platform=linux/amd64 nvidia/cuda:12.1.0-runtime-ubuntu22.04 AS Base\nFROM base\n"},
                note="Stage names are case-insensitive."),
        Example({".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/python:latest\n"}, note="A dev container, not a served image."),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM python\nRUN pip install flask==3.0.3\n"}, expect=["Dockerfile:1"]),
        Example({"docker/serve.Dockerfile": "FROM python:3.11 AS build\nFROM registry.local:5000/team/base:latest\n"},
                expect=["docker/serve.Dockerfile:2"]),
        Example({"Dockerfile-model": "FROM python:latest\n"}, expect=["Dockerfile-model:1"], note="Dockerfile-<name> is a Dockerfile too."),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.runtime_dockerfiles else "no Dockerfile"

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        if file not in repo.facts.runtime_dockerfiles:
            return
        parsed = repo.dockerfile(file.path)
        if parsed is None:
            return
        for image, line in _base_images(parsed, repo.facts.built_images):
            reference = parse_image(image)
            if reference.digest:
                continue
            if reference.tag is None:
                yield self.finding(f"base image `{image}` has no tag, so it means `latest` and moves: pin a version tag", file.path, line)
            elif reference.tag == "latest":
                yield self.finding(f"base image `{image}` uses the moving `latest` tag: pin a version tag", file.path, line)


class DockerBaseNotDigest(FileRule):
    """A Dockerfile's base image is not pinned by digest.

    What it checks:
    `FROM` instructions without `@sha256:<digest>` (OpenSSF Scorecard, Pinned-Dependencies).
    Exempt: `scratch`, images given by a build argument or a template placeholder, earlier stages,
    dev containers and test fixtures.

    Why it matters:
    A tag can be re-pushed: `python:3.11-slim` today is not the same bytes as next month.
    Only a digest makes a rebuild give the image you tested and scanned.

    How to fix:
    Append the digest: `FROM python:3.11-slim@sha256:...` (`docker buildx imagetools inspect`
    shows it), and let Dependabot or Renovate update tag and digest together.
    """

    code = "DEP014"
    name = "docker-base-not-digest"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.INFO

    kinds = ("dockerfile",)

    VALID = [
        Example(_BUILT_BASE_IMAGE, note="An image the repository builds itself first, in CI."),
        Example({"Dockerfile": "FROM python:3.11-slim@sha256:" + "b" * 64 + " AS build\nFROM build\nFROM scratch\n"}),
        Example({"Dockerfile": "ARG BASE\nFROM $BASE\n"}),
        Example(
            {"{{ cookiecutter.repo_name }}/Dockerfile": "FROM python:{{ cookiecutter.python_version }}-slim-bullseye\n"},
            note="A project template's image: its tag is filled in when the project is made.",
        ),
    ]
    INVALID = [Example({"Dockerfile": "FROM python:3.11-slim\n"}, expect=["Dockerfile:1"])]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.runtime_dockerfiles else "no Dockerfile"

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        if file not in repo.facts.runtime_dockerfiles:
            return
        parsed = repo.dockerfile(file.path)
        if parsed is None:
            return
        for image, line in _base_images(parsed, repo.facts.built_images):
            if not parse_image(image).digest:
                yield self.finding(f"base image `{image}` is not pinned by digest: append `@sha256:<digest>`", file.path, line)


# -- DEP005 --------------------------------------------------------------------------------


class LockfileMissing(RepoRule):
    """The project has no lock file and no fully pinned requirements.

    What it checks:
    Projects that declare dependencies (not published libraries; an installable package only
    when it also has a concrete requirements or conda environment file), with none of `uv.lock`,
    `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `pixi.lock`, `conda-lock.yml`,
    `requirements.lock`, and no runtime requirements or conda environment file in which
    every entry is pinned exactly (the output of pip-compile, `pip freeze` or `conda env export`).

    Why it matters:
    Without a resolved, complete set of versions, each install re-resolves the dependency tree,
    transitive packages included, and gives a different environment from the one you tested.

    How to fix:
    Commit a lock file: `uv lock`, `poetry lock`, `pipenv lock`, or compile a pinned
    `requirements.txt` with `pip-compile` / `uv pip compile`, and install from it in CI and images.
    """

    code = "DEP005"
    name = "lockfile-missing"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING

    VALID = [
        Example({"pyproject.toml": "[project]\nname = 'svc'\ndependencies = ['fastapi>=0.110']\n", "uv.lock": "version = 1\n", "Dockerfile": "FROM python:3.11\n"}),
        Example({"requirements.in": "fastapi\n", "requirements.txt": "fastapi==0.111.0\nstarlette==0.37.2\n"}),
        Example({"pyproject.toml": "[project]\nname = 'lib'\ndependencies = ['numpy>=1.20']\n"}, note="A library: no lock expected."),
    ]
    INVALID = [
        Example({"requirements.txt": "numpy==1.26.4\npandas>=2\n"}, expect=["requirements.txt"]),
        Example(
            {"pyproject.toml": "[project]\nname = 'svc'\ndependencies = ['fastapi>=0.110']\n", "Dockerfile": "FROM python:3.11\n"},
            expect=["pyproject.toml"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if repo.facts.is_published_package:
            return _LIBRARY_REASON
        if not any(dependency.group != "dev" for dependency in repo.facts.dependencies):
            return "no dependencies declared"
        if repo.facts.is_package_library and not any(_runtime_environment_file(file, repo) for file in repo.facts.manifests):
            return "an installable package with only abstract requirements (its metadata)"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.facts.lock_files:
            return
        concrete = []
        for file in repo.facts.manifests:
            if not _runtime_environment_file(file, repo):
                continue
            deps = [dependency for dependency in _deps_of(repo, file.path) if dependency.name not in ("python", "pip")]
            if deps and all(dependency.pinned for dependency in deps):
                return
            if deps:
                concrete.append(file.path)
        root_concrete = [path for path in concrete if "/" not in path]
        yield self.finding(
            "no lock file (uv.lock, poetry.lock, Pipfile.lock, conda-lock.yml...) and no fully pinned requirements file: "
            "every install re-resolves the dependency tree",
            (root_concrete or concrete)[0] if concrete else _main_manifest(repo),
        )


# -- DEP006 / DEP007: the Python version -----------------------------------------------


class PythonPin(NamedTuple):
    """A statement of the Python version: `version` is "3.11" or a specifier (`>=3.9`)."""

    source: str
    path: str
    line: int | None
    version: str


def _xy(text: str) -> str | None:
    match = re.search(r"(?<![\d.])([23])\.(\d{1,2})(?!\d)", text)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _line_matching(repo: Repo, path: str, pattern: str) -> int | None:
    match = re.search(pattern, repo.text(path) or "", re.M)
    return _line_of(repo.text(path) or "", match.start()) if match else None


def python_requirements(repo: Repo) -> list[PythonPin]:
    """`requires-python` / `python_requires` / Poetry `python` specifiers, by file."""
    result = []
    for file in repo.facts.manifests:
        if file.name == "pyproject.toml":
            data = repo.toml(file.path) or {}
            project = data.get("project")
            spec = project.get("requires-python") if isinstance(project, dict) else None
            if not isinstance(spec, str):
                tool = data.get("tool")
                poetry = tool.get("poetry") if isinstance(tool, dict) else None
                deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
                spec = deps.get("python") if isinstance(deps, dict) else None
            if isinstance(spec, str):
                result.append(PythonPin("requires-python", file.path, _line_matching(repo, file.path, r"^\s*(?:requires-python|python)\s*="), spec))
    # setup.py, setup.cfg, and setup helpers such as `src/pkg/__setup__.py`.
    setup_files = [file for file in repo.all_files if file.name == "setup.cfg" or (file.name.endswith(".py") and "setup" in file.name)]
    for file in setup_files:
        if is_test_path(file.path):
            continue
        text = repo.text(file.path) or ""
        match = re.search(r"python_requires[\"']?\s*[=:]\s*[\"']?([^\"'\n,)]+)", text)
        if match:
            result.append(PythonPin("python_requires", file.path, _line_of(text, match.start()), match.group(1).strip()))
    return result


def python_pins(repo: Repo) -> list[PythonPin]:
    """Exact X.Y statements outside Dockerfiles: .python-version, runtime.txt, Pipfile, conda, .tool-versions, mise."""
    result = []
    for file in repo.all_files:
        text = repo.text(file.path) if file.name in (".python-version", "runtime.txt", ".tool-versions", "Pipfile", "mise.toml", ".mise.toml") else None
        if not text:
            continue
        if file.name == ".python-version":
            for number, line in enumerate(text.split("\n"), start=1):
                version = _xy(line) if not line.strip().startswith("#") and "pypy" not in line else None
                if version:
                    result.append(PythonPin(".python-version", file.path, number, version))
                    break
        elif file.name == "runtime.txt":
            # Heroku's `python-3.11.9`; a bare `3.9` is Netlify's, which builds a docs site, not the app
            match = re.search(r"python-(\d\.\d+)", text)
            if match:
                result.append(PythonPin("runtime.txt", file.path, _line_of(text, match.start()), match.group(1)))
        elif file.name == "Pipfile":
            match = re.search(r"^\s*python_(?:full_)?version\s*=\s*[\"'](\d\.\d+)", text, re.M)
            if match:
                result.append(PythonPin("Pipfile", file.path, _line_of(text, match.start()), match.group(1)))
        else:
            match = re.search(r"^\s*python\s*[= ]\s*[\"']?(\d\.\d+)", text, re.M)
            if match:
                result.append(PythonPin(file.name, file.path, _line_of(text, match.start()), match.group(1)))
    for dependency in repo.facts.dependencies:
        if dependency.name == "python" and _is_conda_file(dependency.path):
            version = _xy(dependency.specifier)
            if version:
                result.append(PythonPin("conda environment", dependency.path, dependency.line, version))
    return result


def _dockerfile_args(parsed: Dockerfile) -> dict[str, str]:
    args: dict[str, str] = {}
    for instruction in parsed.instructions:
        if instruction.keyword == "ARG":
            match = re.match(r"^\s*(\w+)\s*=\s*[\"']?([^\"'\s]+)", instruction.value)
            if match:
                args.setdefault(match.group(1), match.group(2))
    return args


def _expand_args(image: str, args: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return args.get(match.group(1), match.group(0))

    return re.sub(r"\$\{?(\w+)\}?", value, image)


def docker_python_versions(repo: Repo) -> list[PythonPin]:
    """The Python X.Y of each runtime Dockerfile stage built on a Python image (build arguments resolved)."""
    result = []
    for file in repo.facts.runtime_dockerfiles:
        parsed = repo.dockerfile(file.path)
        if parsed is None:
            continue
        args = _dockerfile_args(parsed)
        for stage in parsed.stages:
            image = _expand_args(stage.image, args)
            reference = parse_image(image)
            tag = reference.tag or ""
            version = None
            if reference.name.rsplit("/", 1)[-1] == "python" and "pypy" not in tag:
                version = _xy(tag) if re.match(r"\d", tag) else None
            else:
                match = re.search(r"(?:python|py)(\d\.\d+)(?!\d)", tag)
                version = match.group(1) if match else None
            if version:
                result.append(PythonPin("Dockerfile", file.path, stage.line, version))
    return result


@dataclass
class CiPythons:
    versions: list[PythonPin]
    complete: bool  # False when some CI Python version is a wildcard or an unresolved expression


def ci_python_versions(repo: Repo) -> CiPythons:
    """The Python versions CI runs: setup-python (matrices resolved), and CI images `python:X.Y`."""
    found: list[PythonPin] = []
    complete = True
    for file in repo.facts.ci_files:
        lines = repo.lines(file.path)
        if file.path.startswith(".github/workflows/"):
            for document in repo.yaml(file.path) or []:
                jobs = document.get("jobs") if isinstance(document, dict) else None
                for job in jobs.values() if isinstance(jobs, dict) else []:
                    if not isinstance(job, dict):
                        continue
                    for value, line in _setup_python_values(job, lines):
                        version = _xy(value)
                        if version is None or "pypy" in value or "${{" in value:
                            complete = False
                        else:
                            found.append(PythonPin("CI", file.path, line, version))
        else:
            text = repo.text(file.path) or ""
            for match in re.finditer(r"(?:image|docker)\s*:.*?\bpython:(\d\.\d+)", text):
                found.append(PythonPin("CI", file.path, _line_of(text, match.start()), match.group(1)))
    return CiPythons(found, complete)


def _raw_value(lines: list[str], line: int | None) -> str:
    """The literal text after the colon on a YAML line (YAML would read `3.10` as the float 3.1)."""
    if line is None or not 0 < line <= len(lines):
        return ""
    text = lines[line - 1]
    text = text.split(":", 1)[1] if ":" in text and not text.lstrip().startswith("-") else text.lstrip().lstrip("-")
    return re.sub(r"\s#.*$", "", text).strip().strip("'\"")


def _setup_python_values(job: dict[str, Any], lines: list[str]) -> Iterator[tuple[str, int | None]]:
    """The python-version values of setup-python-like steps in a job, with matrix references expanded."""
    steps = job.get("steps")
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict) or not isinstance(step.get("uses"), str):
            continue
        if not re.search(r"setup-python|setup-miniconda|setup-uv|setup-pixi", step["uses"]):
            continue
        arguments = step.get("with")
        if not isinstance(arguments, dict) or "python-version" not in arguments:
            continue
        line = getattr(arguments, "lines", {}).get("python-version")
        raw = _raw_value(lines, line)
        reference = re.search(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", raw)
        if not reference:
            for value in re.split(r"[\s,]+", raw.strip("[]")) if raw.startswith("[") else [raw]:
                yield value.strip("'\""), line
            continue
        yield from _matrix_values(matrix, reference.group(1), lines)


def _matrix_values(matrix: Any, key: str, lines: list[str]) -> Iterator[tuple[str, int | None]]:
    if not isinstance(matrix, dict):
        yield "${{ unresolved }}", None
        return
    values = matrix.get(key)
    if isinstance(values, list):
        item_lines = getattr(values, "lines", [])
        flow_line = getattr(values, "line", None)
        if item_lines and len(set(item_lines)) == 1 and len(values) > 1:
            raw = lines[item_lines[0] - 1] if 0 < item_lines[0] <= len(lines) else ""
            for value in re.findall(r"[\w.\-]+", raw.split(":", 1)[-1] if ":" in raw else raw):
                yield value, item_lines[0]
        else:
            for index, _ in enumerate(values):
                line = item_lines[index] if index < len(item_lines) else flow_line
                yield _raw_value(lines, line), line
    elif values is not None:
        yield "${{ unresolved }}", None
    include = matrix.get("include")
    for entry in include if isinstance(include, list) else []:
        if isinstance(entry, dict) and key in entry:
            line = getattr(entry, "lines", {}).get(key)
            yield _raw_value(lines, line), line


def _templated_python_version(repo: Repo) -> bool:
    """A project template (cookiecutter, copier) states the version through a placeholder that each
    generated project fills in: `requires-python = "{{ cookiecutter.python }}"`, or a `.python-version` of one."""
    for file in repo.all_files:
        if file.name == ".python-version" and "{{" in (repo.text(file.path) or ""):
            return True
        if file.name == "pyproject.toml" and re.search(r"^\s*requires-python\s*=\s*[\"'][^\"'\n]*\{\{", repo.text(file.path) or "", re.M):
            return True
    return False


# "Python 3.10", "python>=3.10", "python version: 3.10", "conda create -n env python=3.8", and the
# interpreter a setup script makes an environment with: `python3.11 -m venv`, `uv venv --python 3.11`, pyenv.
_STATED_PYTHON_VERSION = lazy_compile(
    r"\bpython\s*(?:version\s*)?(?:>=|==|=|:|\s)\s*v?3\.\d+|\bpython3\.\d+\s+-m\s+venv\b|\bvirtualenv\b[^\n]*?-p\s*python3\.\d+"
    r"|\buv\s+venv\b[^\n]*?--python[ =]3\.\d+|\bpyenv\s+(?:install|local|global|virtualenv)\s+3\.\d+",
    re.I,
)


class PythonVersionUnpinned(RepoRule):
    """Nothing states which Python version the project runs on.

    What it checks:
    None of: `requires-python` (or Poetry's `python`), `python_requires`, `.python-version`,
    `runtime.txt`, `.tool-versions` or mise `python`, a conda `python=` dependency, Pipfile
    `python_version`, a Dockerfile on a tagged base image, or, in a project template, one of these
    filled by a placeholder (`requires-python = "{{ cookiecutter.python }}"`). A Python version only in CI
    (`setup-python`), a README (the root one or a sub-project's) or a setup script (`conda create
    ... python=3.10`) gives partial credit.

    Why it matters:
    Packages, pickles and numerical results change with the interpreter: code that trains on
    3.12 may not install or load on the 3.9 a server happens to have.

    How to fix:
    Declare `requires-python = ">=3.11"` in pyproject.toml, commit a `.python-version`
    (pyenv, uv), and build images `FROM python:3.11-slim`.
    """

    code = "DEP006"
    name = "python-version-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING

    VALID = [
        Example({"train.py": "x = 1\n", "pyproject.toml": "[project]\nname = 'x'\nrequires-python = '>=3.10'\n"}),
        Example({"train.py": "x = 1\n", ".python-version": "3.11\n"}),
        Example({"train.py": "x = 1\n", "environment.yml": "dependencies:\n  - python=3.10\n"}),
        Example({"app.py": "x = 1\n", "Dockerfile": "FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime\n"}),
        Example(
            {
                "cookiecutter.json": '{"python": "3.11"}\n',
                "{{cookiecutter.name}}/src/app.py": "x = 1\n",
                "{{cookiecutter.name}}/.python-version": "{%- if cookiecutter.uv -%}\n{{ cookiecutter.python }}\n{%- endif -%}\n",
                "{{cookiecutter.name}}/pyproject.toml": "[project]\nname = 'x'\n{% if cookiecutter.uv %}requires-python = \"{{ cookiecutter.python }}\"{% endif %}\n",
            },
            note="A project template states the version through a placeholder.",
        ),
    ]
    INVALID = [
        Example({"train.py": "import numpy\n", "requirements.txt": "numpy==1.26.4\n"}, expect=["requirements.txt"]),
        Example(
            {"train.py": "x = 1\n", "requirements.txt": "numpy==1.26.4\n", "README.md": "# Model\nTested with Python 3.10.\n"},
            expect=["requirements.txt"],
            note="Only documented: partial credit.",
        ),
        Example(
            {
                "week_1/train.py": "x = 1\n",
                "week_1/requirements.txt": "numpy==1.26.4\n",
                "week_1/README.md": "# Week 1\n\n```\nconda create --name project python=3.8\n```\n",
            },
            expect=["week_1/requirements.txt"],
            outcome=Outcome.PARTIAL,
            note="Documented in a sub-project's README: partial credit.",
        ),
        Example(
            {"serve.py": "x = 1\n", "requirements.txt": "ray==2.9.0\n", "setup.sh": "#!/bin/bash\nconda create -n serving python=3.10 -y\n"},
            expect=["requirements.txt"],
            outcome=Outcome.PARTIAL,
            note="Stated by a setup script: partial credit.",
        ),
        Example(
            {"serve.py": "x = 1\n", "requirements.txt": "ray==2.9.0\n", "create_venv.sh": "#!/bin/bash\npython3.11 -m venv venv\n"},
            expect=["requirements.txt"],
            outcome=Outcome.PARTIAL,
            note="A setup script that makes the environment with a versioned interpreter: partial credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.code_files else "no Python code or notebooks"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if python_requirements(repo) or python_pins(repo) or docker_python_versions(repo) or _templated_python_version(repo):
            return
        for file in repo.facts.runtime_dockerfiles:
            parsed = repo.dockerfile(file.path)
            if parsed and any((parse_image(image).tag not in (None, "latest")) or parse_image(image).digest for image, _ in _base_images(parsed)):
                return
        metadata = repo.facts.package_metadata
        anchor = metadata[0].path if metadata else _main_manifest(repo) or (repo.facts.readme.path if repo.facts.readme else None)
        stated_in = [file for file in repo.facts.docs if file.name.lower().startswith("readme")] + repo.facts.script_files
        in_ci = bool(ci_python_versions(repo).versions)
        stated = None if in_ci else repo.first(_STATED_PYTHON_VERSION, stated_in, code_only=False)
        if in_ci or stated is not None:
            where = "CI" if in_ci or stated is None else stated.path
            yield self.finding(
                f"the Python version is only stated in {where}: declare it (requires-python, .python-version)",
                anchor,
                partial=True,
            )
            return
        yield self.finding(
            "nothing states the Python version (requires-python, .python-version, runtime.txt, conda python=, "
            "Dockerfile base): declare the version you run",
            anchor,
        )


class PythonVersionMismatch(RepoRule):
    """Two parts of the project disagree on the Python version.

    What it checks:
    The Python X.Y of each Dockerfile (`FROM python:3.11-slim`, build arguments resolved)
    against the `requires-python` of its project, the `.python-version` / `runtime.txt` /
    Pipfile / conda `python=` of its folder, and, for the root project's images (at the root
    or in `docker/`, `deploy/`...), the versions CI tests (`setup-python`, matrices resolved):
    it passes when the image's version is one CI runs. Without a Dockerfile, a root
    `.python-version` or `runtime.txt` is compared with CI and `requires-python`. Stages of
    one Dockerfile on different Python versions are flagged too. Sub-projects (a folder with
    its own manifest, a course exercise) are not compared with the root CI.

    Why it matters:
    Tests that pass on 3.10 say little about the 3.12 image that serves: wheels, pickles and
    defaults differ, and the mismatch surfaces only in production.

    How to fix:
    Choose one version and use it everywhere: the image tag, `.python-version`, and the CI
    matrix (which should include the version you serve).
    """

    code = "DEP007"
    name = "python-version-mismatch"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING

    _ci = (
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        python-version: [\"3.10\", \"3.11\"]\n"
        "    steps:\n      - uses: actions/setup-python@v5\n        with:\n          python-version: ${{ matrix.python-version }}\n"
    )
    VALID = [
        Example({"Dockerfile": "FROM python:3.11-slim\n", ".github/workflows/ci.yml": _ci}),
        Example({"Dockerfile": "ARG PY=3.11\nFROM python:${PY}-slim AS build\nFROM python:3.11-slim\n", ".python-version": "3.11.9\n",
                 "pyproject.toml": "[project]\nname = 'svc'\nrequires-python = '>=3.10'\n"}),
        Example({"Dockerfile": "FROM python:3.12\n"}, note="One source: nothing to compare (skip)."),
        Example(
            {"Dockerfile": "FROM python:3.10-slim\n",
             ".github/workflows/ci.yml": "jobs:\n  t:\n    strategy:\n      matrix:\n        py:\n          - 3.9\n          - 3.10\n    steps:\n"
             "      - uses: actions/setup-python@v5\n        with:\n          python-version: ${{ matrix.py }}\n"},
            note="Unquoted 3.10 is read as written, not as the float 3.1.",
        ),
        Example({"a/Dockerfile": "FROM python:3.9\n", "a/requirements.txt": "flask==3.0.3\n", ".github/workflows/ci.yml": _ci},
                note="A sub-project's image is not compared with the root CI."),
        Example({"week4/homework/Dockerfile": "FROM python:3.9\n", ".github/workflows/ci.yml": _ci}, note="Nor is a course exercise's."),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM python:3.12-slim\n", ".github/workflows/ci.yml": _ci}, expect=["Dockerfile:1"]),
        Example({"Dockerfile": "FROM python:3.8\n", "pyproject.toml": "[project]\nname = 'svc'\nrequires-python = '>=3.10'\n"},
                expect=["Dockerfile:1"]),
        Example({"runtime.txt": "python-3.9.18\n", ".github/workflows/ci.yml": _ci}, expect=["runtime.txt:1"]),
        Example({"Dockerfile": "FROM python:3.10 AS build\nFROM python:3.11-slim\n"}, expect=["Dockerfile:2"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        sources = [python_requirements(repo), python_pins(repo), docker_python_versions(repo), ci_python_versions(repo).versions]
        if sum(1 for source in sources if source) < 2 and len(docker_python_versions(repo)) < 2:
            return "fewer than two places state the Python version"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        requirements = python_requirements(repo)
        pins = python_pins(repo)
        images = docker_python_versions(repo)
        ci = ci_python_versions(repo)
        ci_versions = sorted({pin.version for pin in ci.versions}, key=_version_key)
        reported: set[tuple[str, int | None]] = set()

        def report(pin: PythonPin, message: str) -> Iterator[Finding]:
            if (pin.path, pin.line) not in reported:
                reported.add((pin.path, pin.line))
                yield self.finding(message, pin.path, pin.line)

        by_file: dict[str, list[PythonPin]] = {}
        for image in images:
            by_file.setdefault(image.path, []).append(image)
        for stages in by_file.values():
            final = stages[-1]
            for stage in stages[:-1]:
                if stage.version != final.version:
                    yield from report(final, f"this stage runs Python {final.version} but an earlier stage builds on {stage.version}: "
                                      "packages built there may not import here")
                    break
        for image in [images_of[-1] for images_of in by_file.values()]:
            folder = _project_dir(repo, image.path)
            for requirement in requirements:
                if _parent(requirement.path) == folder and not _satisfies(image.version, requirement.version):
                    yield from report(image, f"the image runs Python {image.version}, outside `{requirement.version}` "
                                      f"required in {requirement.path}")
            local_pins = [pin for pin in pins if _parent(pin.path) == folder]
            if local_pins and image.version not in {pin.version for pin in local_pins}:
                pin = local_pins[0]
                yield from report(image, f"the image runs Python {image.version} but {pin.path} says {pin.version}")
            if _root_image(image.path) and folder == "" and ci.complete and ci_versions and image.version not in ci_versions:
                yield from report(image, f"the image runs Python {image.version} but CI tests only {', '.join(ci_versions)}: "
                                  "add it to the CI matrix")
        if not images:
            for pin in pins:
                if _parent(pin.path) != "" or pin.source not in (".python-version", "runtime.txt"):
                    continue
                for requirement in requirements:
                    if _parent(requirement.path) == "" and not _satisfies(pin.version, requirement.version):
                        yield from report(pin, f"{pin.path} says Python {pin.version}, outside `{requirement.version}` "
                                          f"required in {requirement.path}")
                if ci.complete and ci_versions and pin.version not in ci_versions:
                    yield from report(pin, f"{pin.path} says Python {pin.version} but CI tests only {', '.join(ci_versions)}")


_IMAGE_DIRS = frozenset({"docker", ".docker", "deploy", "deployment", "build", "container", "containers", "infra", "ops", "serving"})


def _root_image(path: str) -> bool:
    """A Dockerfile of the root project: at the root or in a `docker/`-like folder (not a sub-project's)."""
    parts = path.split("/")
    return len(parts) == 1 or (len(parts) == 2 and parts[0].lower() in _IMAGE_DIRS)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _satisfies(version: str, specifier: str) -> bool:
    """Whether Python X.Y fits a specifier (`>=3.9,<3.12`, Poetry `^3.10`); unknown forms pass."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    spec = specifier.strip()
    caret = re.fullmatch(r"\^\s*(\d+)\.(\d+)(?:\.\d+)?", spec)
    if caret:
        spec = f">={caret.group(1)}.{caret.group(2)},<{int(caret.group(1)) + 1}"
    tilde = re.fullmatch(r"~\s*(\d+)\.(\d+)(?:\.\d+)?", spec)
    if tilde:
        spec = f">={tilde.group(1)}.{tilde.group(2)},<{tilde.group(1)}.{int(tilde.group(2)) + 1}"
    if re.fullmatch(r"\d+\.\d+(?:\.\d+)?", spec):
        spec = f"=={spec}.*" if spec.count(".") == 1 else f"=={spec}"
    spec = re.sub(r",?\s*\|\|.*$", "", spec)  # Poetry alternatives: judge the first
    try:
        parsed = SpecifierSet(spec.replace(" ", ","), prereleases=True) if " " in spec and "," not in spec else SpecifierSet(spec, prereleases=True)
    except InvalidSpecifier:
        return True
    # X.Y.99 stands for "some X.Y release": `<3.11` excludes 3.11, `>=3.8.1` admits 3.8.
    return parsed.contains(Version(f"{version}.99")) or parsed.contains(Version(f"{version}.0"))


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", "environment.yml",
                    "environment.yaml", ".python-version", "runtime.txt")


def _project_dir(repo: Repo, path: str) -> str:
    """The nearest folder above `path` (its own included) holding a manifest; "" for the root."""
    folder = _parent(path)
    while folder:
        if any(repo.exists(f"{folder}/{marker}") for marker in _PROJECT_MARKERS):
            return folder
        folder = _parent(folder)
    return ""


# -- DEP008 --------------------------------------------------------------------------------

# Import name -> distribution names, where they differ (pip and conda spellings).
IMPORT_ALIASES: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "skopt": ("scikit-optimize",),
    "skmisc": ("scikit-misc",),
    "imblearn": ("imbalanced-learn",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless", "opencv", "py-opencv", "libopencv"),
    "PIL": ("pillow", "pil"),
    "yaml": ("pyyaml",),
    "bs4": ("beautifulsoup4",),
    "attr": ("attrs",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("pyjwt",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyopenssl",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "magic": ("python-magic",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "fitz": ("pymupdf",),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
    "git": ("gitpython",),
    "github": ("pygithub",),
    "jose": ("python-jose",),
    "multipart": ("python-multipart",),
    "zmq": ("pyzmq",),
    "Levenshtein": ("python-levenshtein", "levenshtein"),
    "umap": ("umap-learn",),
    "Bio": ("biopython",),
    "igraph": ("igraph", "python-igraph"),
    "cairo": ("pycairo",),
    "wx": ("wxpython",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "absl": ("absl-py",),
    "official": ("tf-models-official",),
    "haiku": ("dm-haiku",),
    "tree": ("dm-tree",),
    "sonnet": ("dm-sonnet",),
    "gin": ("gin-config",),
    "hydra": ("hydra-core",),
    "torch": ("torch", "pytorch", "torch-cpu"),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tf-nightly", "intel-tensorflow"),
    "xgboost": ("xgboost", "py-xgboost"),
    "lightning": ("lightning", "pytorch-lightning"),
    "pytorch_lightning": ("pytorch-lightning", "lightning"),
    "tensorboardX": ("tensorboardx",),
    "mpl_toolkits": ("matplotlib", "basemap"),
    "telegram": ("python-telegram-bot",),
    "slugify": ("python-slugify",),
    "ffmpeg": ("ffmpeg-python",),
    "mmcv": ("mmcv", "mmcv-full", "mmcv-lite"),
    "comet_ml": ("comet-ml",),
    "neptune": ("neptune-client",),
    "rdkit": ("rdkit-pypi",),
    "osgeo": ("gdal",),
    "shapefile": ("pyshp",),
    "OpenGL": ("pyopengl",),
    "llama_cpp": ("llama-cpp-python",),
    "websocket": ("websocket-client",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "Xlib": ("python-xlib",),
    "dns": ("dnspython",),
    "ldap": ("python-ldap",),
    "kafka": ("kafka-python",),
    "snowflake": ("snowflake-connector-python", "snowflake-snowpark-python"),
    "grpc": ("grpcio",),
    "sentencepiece": ("sentencepiece",),
    "pkg_resources": ("setuptools",),
    "jupyter_core": ("jupyter",),
    "IPython": ("ipython", "jupyter", "notebook", "jupyterlab", "ipykernel"),
    "gym": ("gym",),
    "pytesseract": ("pytesseract",),
    "docker": ("docker",),
    "azureml": ("azureml-core", "azureml-sdk"),
    "lzma": ("backports-lzma",),
    "pydantic_settings": ("pydantic-settings",),
    "catboost": ("catboost",),
    "clip": ("clip", "openai-clip"),
    "imwatermark": ("invisible-watermark",),
    "googleapiclient": ("google-api-python-client",),
    "talib": ("ta-lib", "ta-lib-binary"),
    "google_auth_oauthlib": ("google-auth-oauthlib",),
    "taming": ("taming-transformers",),
    "detectron2": ("detectron2",),
    "fvcore": ("fvcore", "detectron2"),
}

# What some popular packages require, so `import numpy` with only `pandas` declared is not reported.
_REQUIRES: dict[str, tuple[str, ...]] = {
    "scikit-learn": ("numpy", "scipy", "joblib", "threadpoolctl"),
    "pandas": ("numpy", "python-dateutil", "pytz"),
    "tensorflow": ("numpy", "keras", "absl-py", "protobuf", "h5py", "tensorboard", "six", "wrapt", "grpcio", "termcolor", "opt-einsum"),
    "transformers": ("numpy", "huggingface-hub", "tokenizers", "safetensors", "pyyaml", "requests", "tqdm", "regex", "packaging", "filelock"),
    "fastapi": ("pydantic", "starlette", "typing-extensions"),
    "matplotlib": ("numpy", "pillow", "pyparsing", "cycler", "kiwisolver", "packaging", "python-dateutil", "contourpy", "fonttools"),
    "seaborn": ("numpy", "pandas", "matplotlib"),
    "xgboost": ("numpy", "scipy"),
    "lightgbm": ("numpy", "scipy"),
    "catboost": ("numpy", "pandas", "scipy", "matplotlib", "graphviz", "plotly", "six"),
    "statsmodels": ("numpy", "scipy", "pandas", "patsy", "packaging"),
    "torchvision": ("torch", "numpy", "pillow"),
    "torchaudio": ("torch",),
    "datasets": ("numpy", "pandas", "pyarrow", "huggingface-hub", "tqdm", "requests", "fsspec", "pyyaml", "dill", "multiprocess", "filelock"),
    "mlflow": ("numpy", "pandas", "scikit-learn", "scipy", "matplotlib", "flask", "alembic", "sqlalchemy", "docker", "pyarrow", "jinja2", "markdown", "graphene", "gunicorn", "click", "cloudpickle", "requests", "pyyaml", "protobuf", "packaging", "gitpython", "sqlparse", "entrypoints", "databricks-sdk", "cachetools", "opentelemetry-api", "opentelemetry-sdk"),
    "jupyter": ("ipython", "ipykernel", "ipywidgets", "notebook", "jupyterlab", "nbconvert", "nbformat", "matplotlib-inline", "jupyter-core", "jupyter-client", "traitlets"),
    "notebook": ("ipython", "ipykernel", "matplotlib-inline", "tornado", "jupyter-core", "jupyter-client", "nbformat", "nbconvert", "traitlets"),
    "jupyterlab": ("ipython", "ipykernel", "matplotlib-inline", "tornado", "jupyter-core", "jupyter-client", "nbformat", "nbconvert", "traitlets", "jupyter-server"),
    "ipykernel": ("ipython", "matplotlib-inline", "tornado", "jupyter-core", "jupyter-client", "traitlets"),
    "requests": ("urllib3", "idna", "certifi", "charset-normalizer"),
    "flask": ("werkzeug", "jinja2", "itsdangerous", "click", "markupsafe", "blinker"),
    "uvicorn": ("click", "h11"),
    "lightning": ("torch", "torchmetrics", "pyyaml", "fsspec", "tqdm", "packaging", "lightning-utilities", "typing-extensions"),
    "pytorch-lightning": ("torch", "torchmetrics", "pyyaml", "fsspec", "tqdm", "packaging", "lightning-utilities", "typing-extensions"),
    "sentence-transformers": ("transformers", "torch", "numpy", "scikit-learn", "scipy", "huggingface-hub", "tqdm", "pillow"),
    "timm": ("torch", "torchvision", "pyyaml", "huggingface-hub", "safetensors"),
    "spacy": ("numpy", "requests", "tqdm", "pydantic", "jinja2", "packaging", "thinc"),
    "gensim": ("numpy", "scipy", "smart-open"),
    "keras": ("numpy", "h5py", "absl-py", "rich", "namex", "optree", "ml-dtypes"),
    "torch": ("filelock", "typing-extensions", "sympy", "networkx", "jinja2", "fsspec"),
    "jax": ("numpy", "jaxlib", "ml-dtypes", "opt-einsum", "scipy"),
    "accelerate": ("numpy", "torch", "packaging", "psutil", "pyyaml", "huggingface-hub", "safetensors"),
    "diffusers": ("numpy", "huggingface-hub", "pillow", "requests", "safetensors", "regex", "filelock", "importlib-metadata"),
    "peft": ("numpy", "torch", "transformers", "accelerate", "safetensors", "huggingface-hub", "pyyaml", "tqdm", "packaging", "psutil"),
    "evaluate": ("numpy", "datasets", "pandas", "huggingface-hub", "requests", "tqdm", "dill", "fsspec"),
    "optuna": ("numpy", "sqlalchemy", "alembic", "colorlog", "pyyaml", "tqdm", "packaging"),
    "wandb": ("requests", "pyyaml", "click", "gitpython", "protobuf", "psutil", "sentry-sdk", "platformdirs", "pydantic"),
    "plotly": ("packaging", "narwhals", "tenacity"),
    "dash": ("flask", "plotly", "werkzeug", "requests"),
    "streamlit": ("numpy", "pandas", "pillow", "altair", "pyarrow", "requests", "protobuf", "tornado", "click", "packaging", "toml", "pydeck", "tenacity", "gitpython", "cachetools", "rich", "blinker"),
    "gradio": ("numpy", "pandas", "pillow", "fastapi", "uvicorn", "pydantic", "httpx", "huggingface-hub", "jinja2", "pyyaml", "markupsafe", "orjson", "aiofiles", "packaging", "typer"),
    "bentoml": ("numpy", "pydantic", "starlette", "uvicorn", "attrs", "cattrs", "click", "httpx", "jinja2", "packaging", "psutil", "pyyaml", "rich", "fs", "cloudpickle"),
    "apache-airflow": ("pendulum", "sqlalchemy", "alembic", "flask", "werkzeug", "jinja2", "markupsafe", "requests", "pyyaml", "croniter", "python-dateutil", "attrs", "pydantic", "packaging", "psutil", "rich", "tabulate", "colorlog", "cryptography", "gunicorn", "httpx", "itsdangerous", "lazy-object-proxy", "setproctitle", "termcolor", "typing-extensions"),
    "prefect": ("pydantic", "httpx", "fastapi", "uvicorn", "pyyaml", "rich", "typer", "anyio", "sqlalchemy", "jinja2", "cloudpickle", "pendulum"),
    "langchain": ("pydantic", "requests", "pyyaml", "sqlalchemy", "numpy", "tenacity", "langchain-core"),
    "openai": ("httpx", "pydantic", "anyio", "tqdm", "typing-extensions", "distro"),
    "httpx": ("httpcore", "anyio", "certifi", "idna", "sniffio"),
    "pydantic": ("typing-extensions", "pydantic-core", "annotated-types"),
    "boto3": ("botocore", "s3transfer", "jmespath"),
    "botocore": ("urllib3", "python-dateutil", "jmespath"),
    "great-expectations": ("numpy", "pandas", "jinja2", "jsonschema", "requests", "pyparsing", "scipy", "tqdm", "altair", "marshmallow", "ruamel-yaml"),
    "evidently": ("numpy", "pandas", "scipy", "plotly", "requests", "pydantic", "pyyaml", "scikit-learn", "statsmodels", "nltk", "fastapi", "uvicorn", "typer", "rich"),
    "pycaret": ("numpy", "pandas", "scipy", "scikit-learn", "joblib", "matplotlib", "plotly", "lightgbm", "ipython", "ipywidgets", "tqdm", "yellowbrick", "pyod", "imbalanced-learn", "category-encoders", "sktime", "numba", "requests", "psutil", "markupsafe", "nbformat", "cloudpickle", "deprecation", "xxhash", "wurlitzer", "kaleido", "schemdraw", "plotly-resampler", "statsmodels", "tbats", "pmdarima", "scikit-plot"),
    "hydra-core": ("omegaconf", "antlr4-python3-runtime", "packaging"),
    "dvc": ("pyyaml", "requests", "gitpython", "tqdm", "rich", "omegaconf", "hydra-core", "psutil", "packaging"),
    "kfp": ("pyyaml", "protobuf", "click", "kubernetes", "requests", "google-auth", "tabulate"),
    "zenml": ("pydantic", "pyyaml", "click", "sqlalchemy", "rich", "docker", "gitpython", "pandas", "numpy", "requests", "psutil"),
    "albumentations": ("numpy", "scipy", "scikit-image", "pyyaml", "opencv-python-headless", "qudida", "pydantic"),
    "kornia": ("torch", "packaging", "kornia-rs"),
    "torch-fidelity": ("numpy", "scipy", "torch", "torchvision", "pillow", "tqdm"),
    "scikit-image": ("numpy", "scipy", "networkx", "pillow", "imageio", "tifffile", "packaging", "lazy-loader"),
    "detectron2": ("fvcore", "iopath", "pycocotools", "termcolor", "yacs", "tabulate", "cloudpickle", "matplotlib", "tqdm", "tensorboard", "omegaconf", "hydra-core", "pillow"),
}

# Namespace roots shared by many distributions (google.cloud..., azure.storage...): not judged.
_NAMESPACE_ROOTS = frozenset({"google", "azure", "backports", "jaraco", "zope", "sphinxcontrib", "ruamel", "nvidia", "oslo", "ament"})
# Provided by the environment rather than installed: notebooks, Colab, Kaggle and Databricks kernels, build systems.
_PROVIDED = frozenset(
    {"IPython", "ipykernel", "google", "pkg_resources", "setuptools", "distutils", "pip", "js", "pyodide", "__main__", "builtins",
     "kaggle_secrets", "kaggle_datasets", "dbutils"}
)
_NOT_PROJECT_DIRS = ("docs/", "doc/", "examples/", "example/", "benchmarks/", "benchmark/", ".github/", "tools/", "scripts/ci/")
_VENDORED = lazy_compile(r"(?:^|/)(?:vendor|vendored|_vendor|third_party|thirdparty|3rdparty|external|externals|site-packages)/")
_NOT_PROJECT_FILES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py", "hubconf.py", "conf.py"})


def _extras(requirement: str) -> list[str]:
    """The extras of a PEP 508 requirement: `passlib[bcrypt]==1.7.4` -> ["bcrypt"] (none for other lines)."""
    if "[" not in requirement:
        return []
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        return sorted(Pep508(requirement.split(" #", 1)[0].strip()).extras)
    except InvalidRequirement:
        return []


def _declared_distributions(repo: Repo) -> set[str]:
    """Every distribution name declared or installed anywhere: manifests, locks, notebooks, images, scripts."""
    names = {_CONDA_ALIASES.get(name, name) for name in repo.facts.declared_names} | set(repo.facts.locked_names)
    # An extra often names the package it adds (`passlib[bcrypt]` installs bcrypt).
    names |= {canonical_name(extra) for dependency in repo.facts.dependencies for extra in _extras(dependency.raw)}
    for file in repo.facts.python_files:
        # setup.py files often build their lists in code: take every requirement-like string literal.
        if "setup" in file.name and not is_test_path(file.path):
            for literal in re.findall(r"[\"']([A-Za-z][\w.\-]*)(?:\[[\w,\s-]*\])?\s*(?:[<>=!~;][^\"']*)?[\"']", repo.text(file.path) or ""):
                names.add(canonical_name(literal))
    for file in repo.all_files:
        # Requirement lists under names pip users invent (req.txt, requirement.txt) still declare.
        if file.kind != "requirements" and re.fullmatch(r"req[\w.-]*\.txt", file.name, re.I):
            names.update(item.name for item in parse_requirements(repo.text(file.path) or "") if item.name)
    names |= set(_cog_packages(repo))
    for file in repo.facts.manifests:
        # Unnamed VCS requirements (`-e git+https://github.com/openai/CLIP.git@main`): name them from the URL.
        for url in re.findall(r"(?:git\+)?https?://[^\s'\"]+", repo.text(file.path) or ""):
            guessed = _url_name(url)
            if guessed:
                names.add(guessed)
    names |= _base_image_packages(repo)
    for file in [*repo.facts.dockerfiles, *repo.facts.script_files, *repo.facts.notebooks]:
        text = repo.code_text(file.path) if file.kind == "notebook" else repo.text(file.path)
        if not text or "install" not in text:
            continue
        for command in pip_commands(text):
            names.update(package.name for package in command.packages)
        names |= _conda_install_names(text)
    # What the declared packages require, two levels deep (transformers -> huggingface-hub -> ...).
    for _ in range(2):
        names |= {required for name in list(names) for required in _REQUIRES.get(_CONDA_ALIASES.get(name, name), ())}
    return names


def _base_image_packages(repo: Repo) -> set[str]:
    """Packages a Dockerfile's base image names and therefore provides:
    `tiangolo/uvicorn-gunicorn-fastapi` gives fastapi, uvicorn and gunicorn."""
    found: set[str] = set()
    for file in repo.facts.dockerfiles:
        parsed = repo.dockerfile(file.path)
        for image, _ in _base_images(parsed) if parsed else ():
            name = parse_image(image).name.rsplit("/", 1)[-1].lower()
            found.update(_IMAGE_DISTRIBUTIONS.get(part, part) for part in re.split(r"[-_.]", name) if len(part) >= 3)
    return found


# Base-image names whose distribution is named otherwise (`apache/airflow` ships apache-airflow).
_IMAGE_DISTRIBUTIONS = {"airflow": "apache-airflow"}


def _cog_packages(repo: Repo) -> dict[str, bool]:
    """Packages a Replicate `cog.yaml` installs (name -> pinned), plus `cog` itself, which its runtime provides."""
    found: dict[str, bool] = {}
    for file in repo.all_files:
        if file.name != "cog.yaml":
            continue
        for document in repo.yaml(file.path) or []:
            build = document.get("build") if isinstance(document, dict) else None
            packages = build.get("python_packages") if isinstance(build, dict) else None
            for spec in packages if isinstance(packages, list) else []:
                item = parse_requirement_line(0, spec.strip()) if isinstance(spec, str) else None
                if item is not None and item.name:
                    found[item.name] = item.pinned
        found["cog"] = True
    return found


def _is_declared(module: str, declared: set[str]) -> bool:
    candidates = {canonical_name(module), *IMPORT_ALIASES.get(module, ())}
    squashed = canonical_name(module).replace("-", "")
    for name in declared:
        for candidate in candidates:
            if name == candidate or name in (f"python-{candidate}", f"py{candidate}", f"{candidate}-python"):
                return True
            if name.startswith(f"{candidate}-") or name.endswith(f"-{candidate}"):
                return True  # faiss-cpu, psycopg2-binary, onnxruntime-gpu, ultralytics-thop
        # scikitplot <- scikit-plot / mljar-scikit-plot
        if len(squashed) >= 4 and name.replace("-", "").endswith(squashed):
            return True
    return False


class ImportNotDeclared(RepoRule):
    """The code imports a third-party package that no manifest declares.

    What it checks:
    Top-level imports written at the start of a line (so not the optional imports inside `try:`,
    `if` or functions) in the project's modules and notebooks, excluding tests, docs, examples,
    vendored code (`vendor/`, `third_party/`, or a sub-folder with its own README and LICENSE)
    and `setup.py` (in a library: only its packages' code). Standard-library modules, the
    repository's own modules and folders and
    relative imports are ignored. A module counts as declared when a manifest, a lock file, a
    `pip`/`conda install` in a notebook, Dockerfile, script or CI step names its distribution
    (through an alias table: `sklearn`->scikit-learn, `cv2`->opencv-python, `PIL`->pillow,
    `yaml`->pyyaml, ...), when a Dockerfile's base image is named after it
    (`tiangolo/uvicorn-gunicorn-fastapi` provides fastapi), or when a declared package is known to
    require it (`numpy` with `pandas`). Namespace packages (`google.*`, `azure.*`) are not judged. One finding per module.

    Why it matters:
    A fresh environment built from the manifests fails with `ModuleNotFoundError`, in CI or, worse,
    in the serving container, or works only by accident through a transitive dependency.

    How to fix:
    Add the distribution to the manifest the code is installed from (the finding names it), with
    its version: `opencv-python-headless==4.10.0.84`.
    """

    code = "DEP008"
    name = "import-not-declared"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING

    VALID = [
        Example(
            {"auth.py": "import bcrypt\n", "requirements.txt": "passlib[bcrypt]==1.7.4\n",
             "eval.ipynb": notebook("from kaggle_secrets import UserSecretsClient\nimport bcrypt")},
            note="A package installed as an extra; a module the Kaggle kernel provides.",
        ),
        Example({"calib.py": "import skmisc.loess\n", "requirements.txt": "scikit-misc==0.5.1\n"}, note="An import name that differs from its distribution's."),
        Example(
            {
                "src/app/model.py": "import os\nimport cv2\nimport sklearn\nfrom PIL import Image\nimport yaml\nfrom app import utils\nfrom . import x\n",
                "src/app/utils.py": "import numpy\n",
                "requirements.txt": "opencv-python-headless==4.10.0.84\nscikit-learn==1.5.1\npillow==10.4.0\nPyYAML==6.0.1\n",
            },
            note="Aliases, stdlib, local and relative imports; numpy comes with scikit-learn.",
        ),
        Example(
            {"train.py": "try:\n    import wandb\nexcept ImportError:\n    wandb = None\n\ndef f():\n    import mlflow\n", "requirements.txt": "numpy==1.26.4\n"},
            note="Optional and lazy imports are not judged.",
        ),
        Example({"nb.ipynb": notebook("%pip install seaborn==0.13.2", "import seaborn as sns"), "requirements.txt": "numpy==1.26.4\n"}),
        Example({"tests/test_x.py": "import pytest\n", "docs/conf.py": "import sphinx_rtd_theme\n", "requirements.txt": "numpy==1.26.4\n"}),
        Example({"train.py": "import torch\n"}, note="No manifest at all: DEP001 reports it (skip)."),
        Example(
            {
                "gcp.ipynb": notebook("%%writefile task.py\nimport hypertune\n", "import task", "%%file helpers.py\ndef f(): pass\n", "from helpers import f", "import person_pb2"),
                "requirements.txt": "git+https://github.com/cocodataset/cocoapi.git#subdirectory=PythonAPI&egg=pycocotools\n",
                "coco.py": "import pycocotools\n",
            },
            note="Cells written to files, generated protobuf modules, and a VCS requirement named by its egg.",
        ),
        Example(
            {
                "pyproject.toml": "[project]\nname = 'lib'\ndynamic = ['dependencies']\n",
                "setup.py": "from setuptools import setup\n_deps = ['httpx<1.0', 'numpy>=1.20']\nsetup(install_requires=deps_list(_deps))\n",
                "src/lib/__init__.py": "import httpx\nimport numpy\n",
                "scripts/convert.py": "import lavis\n",
                "src/lib/vendor/six_copy.py": "import oddity\n",
                "src/lib/models/arcface/README.md": "# ArcFace (copied)\n",
                "src/lib/models/arcface/LICENSE": "MIT\n",
                "src/lib/models/arcface/eval.py": "import menpo\n",
            },
            note="A library: requirements built in setup.py code; only the package's own code is judged.",
        ),
        Example(
            {
                "api/Dockerfile": "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY requirements.txt /app/\n"
                "RUN pip install -r /app/requirements.txt\nCOPY . /app\n",
                "api/requirements.txt": "redis==5.0.4\n",
                "api/main.py": "import redis\nfrom fastapi import FastAPI\nfrom starlette.requests import Request\n",
            },
            note="The base image provides FastAPI (and with it Starlette).",
        ),
        Example(
            {
                "Dockerfile": "FROM apache/airflow:2.10.3\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
                "requirements.txt": "scikit-learn==1.5.1\n",
                "dags/train.py": "import pendulum\nfrom airflow import DAG\nimport sklearn\n",
            },
            note="The Airflow image provides Airflow and what it requires (pendulum).",
        ),
    ]
    INVALID = [
        Example(
            {"serve.py": "import json\nimport torch\nimport fastapi\n", "predict.py": "import torch\n", "requirements.txt": "fastapi==0.111.0\n"},
            expect=["predict.py:1"],
        ),
        Example({"explore.ipynb": notebook("x = 1", "import cv2"), "requirements.txt": "numpy==1.26.4\n"}, expect=["explore.ipynb[1]:1"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.dependencies else "no dependency manifest declares packages"

    def check(self, repo: Repo) -> Iterable[Finding]:
        declared = _declared_distributions(repo)
        packages = _package_dirs(repo) if repo.facts.is_package_library else []
        copied = _copied_projects(repo)
        for module in sorted(repo.facts.third_party_imports):
            if module in _NAMESPACE_ROOTS or module in _PROVIDED or module.startswith(("en_core_", "de_core_", "_")):
                continue
            sites = [
                site
                for site in repo.facts.third_party_imports[module]
                if _project_code(site)
                and (not packages or site.path.startswith(tuple(packages)))
                and not site.path.startswith(copied)
            ]
            if not sites or _is_declared(module, declared):
                continue
            first = min(sites, key=lambda site: (site.path, site.cell or 0, site.line))
            files = len({site.path for site in sites})
            distribution = IMPORT_ALIASES.get(module, (canonical_name(module),))[0]
            yield self.finding(
                f"`{module}` is imported ({files} file{'s' if files > 1 else ''}) but no manifest declares it: "
                f"add `{distribution}` with its version",
                first.path,
                first.line,
                cell=first.cell,
                anchor=module,
            )


_NOT_PACKAGES = frozenset({"scripts", "script", "tests", "test", "examples", "example", "docs", "doc", "benchmarks", "benchmark", "tools", "utils", "notebooks"})


def _copied_projects(repo: Repo) -> tuple[str, ...]:
    """Sub-folders that hold a copy of another project: a README plus its own LICENSE or an
    unconventional requirements list (`requirement.txt`). Their imports are that project's business."""
    readmes: set[str] = set()
    markers: set[str] = set()
    for file in repo.all_files:
        if "/" not in file.path:
            continue
        folder = file.path.rsplit("/", 1)[0] + "/"
        lower = file.name.lower()
        if lower.startswith("readme"):
            readmes.add(folder)
        elif lower.startswith(("license", "licence", "copying")) or (
            file.kind != "requirements" and re.fullmatch(r"req[\w.-]*\.txt", lower)
        ):
            markers.add(folder)
    return tuple(sorted(readmes & markers))


def _package_dirs(repo: Repo) -> list[str]:
    """The importable packages of a library (`pkg/`, `src/pkg/`): its shipped code."""
    found = []
    for file in repo.all_files:
        parts = file.path.split("/")
        if file.name == "__init__.py" and (len(parts) == 2 or (len(parts) == 3 and parts[0] == "src")):
            found.append("/".join(parts[:-1]) + "/")
    name = repo.facts.project_name
    if name:
        wanted = canonical_name(name).replace("-", "_")
        named = [folder for folder in found if folder.rstrip("/").rsplit("/", 1)[-1].lower() == wanted]
        if named:
            return named
    return [folder for folder in found if folder.rstrip("/").rsplit("/", 1)[-1] not in _NOT_PACKAGES]


def _project_code(site: ImportSite) -> bool:
    path = site.path
    name = path.rsplit("/", 1)[-1]
    return not (is_test_path(path) or path.startswith(_NOT_PROJECT_DIRS) or name in _NOT_PROJECT_FILES or _VENDORED.search(path))


# -- DEP009 --------------------------------------------------------------------------------

_UPDATE_TOOL_FILES = (
    ".github/dependabot.yml", ".github/dependabot.yaml", "renovate.json", "renovate.json5", ".github/renovate.json",
    ".github/renovate.json5", ".gitlab/renovate.json", ".gitlab/renovate.json5", ".renovaterc", ".renovaterc.json",
    ".renovaterc.json5", ".pyup.yml", ".pyup.yaml",
)


class DependencyUpdateToolMissing(RepoRule):
    """No bot proposes dependency updates.

    What it checks:
    None of `.github/dependabot.yml`, a Renovate configuration (`renovate.json(5)`,
    `.github/`/`.gitlab/renovate.json`, `.renovaterc*`, a `renovate` key in package.json)
    or `.pyup.yml` (OpenSSF Scorecard, Dependency-Update-Tool). Research code and courses,
    which are frozen by nature, are not judged.

    Why it matters:
    Pinned versions age: security fixes and framework releases pile up until an upgrade is a
    project of its own. A bot turns them into small, tested pull requests.

    How to fix:
    Add `.github/dependabot.yml` with the `pip` (or `uv`), `docker` and `github-actions`
    ecosystems, or enable Renovate.
    """

    code = "DEP009"
    name = "dependency-update-tool-missing"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.INFO

    VALID = [
        Example({"requirements.txt": "numpy==1.26.4\n", ".github/dependabot.yml": "version: 2\nupdates: []\n"}),
        Example({"requirements.txt": "numpy==1.26.4\n", "package.json": '{"renovate": {"extends": ["config:base"]}}'}),
        Example({"README.md": "# Notes\n"}, note="No manifest: nothing to update (skip)."),
    ]
    INVALID = [Example({"requirements.txt": "numpy==1.26.4\n"}, expect=["requirements.txt"])]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.manifests and not repo.facts.dockerfiles:
            return "no dependency manifest or Dockerfile"
        if repo.facts.is_research or repo.facts.is_tutorial:
            return "research code or a course: frozen by nature"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(repo.exists(path) for path in _UPDATE_TOOL_FILES):
            return
        if repo.exists("package.json") and '"renovate"' in (repo.text("package.json") or ""):
            return
        yield self.finding(
            "no Dependabot or Renovate configuration: pinned versions will age without anyone being told",
            _main_manifest(repo) or (repo.facts.runtime_dockerfiles or repo.facts.dockerfiles)[0].path,
        )


# -- DEP010 / DEP012: pip install outside the manifests ----------------------------------


class ScriptPipInstallUnpinned(FileRule):
    """A shell script, Makefile or CI step installs packages without an exact version.

    What it checks:
    `pip install` (also `python -m pip`, `uv pip`) in `*.sh`, Makefiles and CI configuration,
    naming packages without `==` (or a URL at a commit, a wheel, a local path). Exempt:
    `-r`/`-c` files (with `-c`, the whole command), `$VARIABLES`, installers and build tools
    (pip, setuptools, wheel, uv, poetry...), and test/lint/docs tools in CI. Published libraries are exempt
    (their CI tests against current releases on purpose). One finding per command, or one for
    the file when more than three commands float.

    Why it matters:
    Packages installed by a script are invisible to the manifests: they float, are missing from
    locks, and make a training run or a CI result impossible to reproduce.

    How to fix:
    Put the packages into the requirements file (or a constraints file) and install with
    `pip install -r requirements.txt`, or pin them in the command: `pip install torch==2.3.1`.
    """

    code = "DEP010"
    name = "script-pip-install-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING
    kinds = ("other", "yaml")
    triggers = (r"\binstall\b",)

    VALID = [
        Example({"setup.sh": "python -m pip install --upgrade pip setuptools wheel\npip install -r requirements.txt\npip install -e .[dev]\n"
                 "pip install torch==2.3.1 --index-url https://download.pytorch.org/whl/cpu\npip install $EXTRA\n"}),
        Example({".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: pip install pytest ruff mypy && pytest\n"},
                note="CI's own test and lint tools."),
        Example({"Makefile": "install:\n\tpip install -c constraints.txt transformers datasets\n"}),
        Example({"webui.sh": "export TORCH_COMMAND=\"pip install torch==1.12.1 torchvision==0.13.1\"\n# pip install lines in comments\necho done\n"},
                note="A command inside a string ends at its closing quote."),
        Example({"pyproject.toml": "[project]\nname = 'lib'\nclassifiers = []\n", "ci.sh": "pip install torch\n"}, note="A library."),
        Example(
            {
                ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: pip install llama-cpp-python==${{ steps.v.outputs.version }}\n",
                "Makefile": "setup:\n\tpip install \"torch==$(TORCH_VERSION)\"\n",
            },
            note="An exact version that a CI expression or a make variable supplies.",
        ),
    ]
    INVALID = [
        Example({"scripts/setup.sh": "#!/bin/sh\nset -e\npip install torch \\\n  'transformers>=4.40' datasets==2.20.0\n"}, expect=["scripts/setup.sh:3"]),
        Example({"Makefile": "setup:\n\tpip install lib==${{ env.LIB_VERSION }} requests\n"}, expect=["Makefile:2"]),
        Example({".github/workflows/train.yml": "jobs:\n  train:\n    steps:\n      - run: |\n          pip install xgboost\n          python train.py\n"},
                expect=[".github/workflows/train.yml:5"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if repo.facts.is_published_package:
            return _LIBRARY_REASON
        return None if repo.facts.script_files else "no shell scripts, Makefiles or CI configuration"

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        if file not in repo.facts.script_files:
            return
        text = repo.text(file.path) or ""
        ci = file in repo.facts.ci_files or file.name in ("Makefile", "makefile", "GNUmakefile")
        found = []
        for command in pip_commands(_strip_comments(text)):
            loose = _unpinned(command, ci=ci)
            if loose:
                found.append((_line_of(text, command.offset), loose))
        yield from _grouped(self, file.path, found, "`pip install` of")


def _strip_comments(text: str) -> str:
    """Blank out shell comment lines, keeping offsets (and so line numbers) unchanged."""
    return re.sub(r"(?m)^[ \t]*#.*$", lambda match: " " * len(match.group(0)), text)


class DockerfilePipUnpinned(FileRule):
    """A Dockerfile installs Python packages without an exact version.

    What it checks:
    `RUN pip install` (also `python -m pip`, `uv pip`) naming packages without `==` (or a URL at a
    commit, a wheel, a local path), hadolint DL3013 with mlready's exact-pin policy. Exempt:
    `-r`/`-c` files (with `-c`, the whole command), `$VARIABLES`, and installers and build tools
    (pip, setuptools, wheel, uv, poetry...). Published libraries' CI images are exempt. One finding per
    command, or one for the Dockerfile when more than three commands float.

    Why it matters:
    The serving image is what runs in production. A floating package makes each build a new,
    untested image, and a rollback rebuild may not give back what ran before.

    How to fix:
    `COPY requirements.txt` and `RUN pip install --no-cache-dir -r requirements.txt` from a pinned
    file, or pin in place: `pip install --no-cache-dir gunicorn==22.0.0`.
    """

    code = "DEP012"
    name = "dockerfile-pip-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING
    kinds = ("dockerfile",)
    triggers = (r"\binstall\b",)

    VALID = [
        Example({"Dockerfile": "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install --upgrade pip && pip install --no-cache-dir -r requirements.txt\n"
                 "RUN pip install gunicorn==22.0.0 ./dist/app-1.0-py3-none-any.whl\nRUN pip install -e .\n"}),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM python:3.11-slim\nRUN apt-get update \\\n && pip install --no-cache-dir torch \"fastapi>=0.110\" uvicorn==0.30.1\n"},
                expect=["Dockerfile:2"]),
        Example({"Dockerfile": "FROM python:3.11-slim\n" + "".join(f"RUN pip install pkg{index}\n" for index in range(5))},
                expect=["Dockerfile:2"], note="Many floating installs: one finding for the file."),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.runtime_dockerfiles:
            return "no Dockerfile"
        return _LIBRARY_REASON if repo.facts.is_published_package else None

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.dockerfile(file.path) if file in repo.facts.runtime_dockerfiles else None
        found: list[tuple[int, list[PipPackage]]] = []
        for instruction in parsed.all("RUN") if parsed else []:
            for command in pip_commands(instruction.value):
                loose = _unpinned(command)
                if loose:
                    found.append((instruction.line, loose))
        yield from _grouped(self, file.path, found, "the image installs")


def _grouped(rule: FileRule, path: str, found: list[tuple[int, list[PipPackage]]], verb: str) -> Iterator[Finding]:
    """One finding per install command, or one for the file when there are more than three."""
    if len(found) > 3:
        packages = [package for _, loose in found for package in loose]
        distinct = len({package.text for package in packages})
        yield rule.finding(
            f"{len(found)} commands here install {distinct} packages without an exact version: {_names(packages)}; "
            "put them in a pinned requirements file",
            path,
            found[0][0],
            anchor="whole-file",
        )
        return
    for line, loose in found:
        yield rule.finding(
            f"{verb} {_names(loose)} without an exact version: pin it (`==`) or install from a pinned requirements file",
            path,
            line,
            anchor=" ".join(package.text for package in loose),
        )


# -- DEP011 --------------------------------------------------------------------------------

_DOWNLOAD_THEN_RUN = lazy_compile(
    r"\b(?:curl|wget)\b[^|\n]*?(?P<url>https?://\S+)?[^|\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\w+=\S*\s+)*"
    r"(?:/usr/bin/|/bin/|/usr/bin/env\s+)?(?:ba|z|da|k)?sh\b"
    r"|\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?(?:\w+=\S*\s+)*python[\d.]*\s+-(?:\s|$)"
    r"|\b(?:ba|z)?sh\s+(?:-c\s+)?[\"']?(?:\$\(|<\()\s*(?:curl|wget)\b"
)


class CurlPipeShell(FileRule):
    """A script downloads code and runs it in one step (`curl ... | sh`).

    What it checks:
    `curl`/`wget` piped into `sh`, `bash`, `zsh` or `python -`, and `sh -c "$(curl ...)"` or
    `bash <(curl ...)`, in Dockerfiles, shell scripts, Makefiles and CI configuration
    (OpenSSF Scorecard, downloadThenRun). A URL fixed at a 40-hex commit is exempt.

    Why it matters:
    Whatever the server returns that day runs with the build's privileges: the install is not
    reproducible, and a compromised or changed script goes straight into the image or CI.

    How to fix:
    Install the tool from a package index with a pinned version (`pip install uv==0.4.18`,
    `COPY --from=ghcr.io/astral-sh/uv:0.4.18 /uv /bin/`), or download a versioned file, check
    its checksum (`sha256sum -c`) and only then run it.
    """

    code = "DEP011"
    name = "curl-pipe-shell"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.WARNING
    kinds = ("dockerfile", "other", "yaml")
    triggers = (r"\b(?:curl|wget)\b",)

    VALID = [
        Example({"install.sh": "curl -fsSL -o uv.tar.gz https://example.org/uv-0.4.18.tar.gz\necho \"abc  uv.tar.gz\" | sha256sum -c\n"
                 "curl -s https://api.example.org/status | jq .\n"}),
        Example({"Dockerfile": "FROM python:3.11\nRUN curl -sSL https://raw.githubusercontent.com/org/repo/" + "0123456789abcdef" * 2 + "01234567/install.sh | sh\n"}),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM python:3.11\nRUN curl -sSL https://install.python-poetry.org | python3 -\n"}, expect=["Dockerfile:2"]),
        Example({".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: curl -LsSf https://astral.sh/uv/install.sh | sh\n"},
                expect=[".github/workflows/ci.yml:4"]),
        Example({"setup.sh": "sh -c \"$(wget -qO- https://example.org/get.sh)\"\n"}, expect=["setup.sh:1"]),
        Example({"Dockerfile": "FROM debian:12\nRUN apt-get update &&\\\n    apt-get install -y curl\n\nRUN curl -sL https://deb.nodesource.com/setup_10.x | bash - &&\\\n    apt-get install -y nodejs\n"},
                expect=["Dockerfile:5"], note="Line numbers survive continuation lines."),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.runtime_dockerfiles or repo.facts.script_files else "no Dockerfiles, shell scripts or CI configuration"

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        if file not in repo.facts.runtime_dockerfiles and file not in repo.facts.script_files:
            return
        text = repo.text(file.path) or ""
        joined = _join_continuations(_strip_comments(text))  # same offsets as `text`
        for match in _DOWNLOAD_THEN_RUN.finditer(joined):
            if re.search(r"[/@][0-9a-f]{40}\b", match.group(0)):
                continue
            yield self.finding(
                "downloads a script and runs it unchecked: install a pinned version or verify a checksum first",
                file.path,
                _line_of(text, match.start()),
                anchor=match.group(0)[:80],
            )


# -- DEP013 --------------------------------------------------------------------------------

_APT_OPTIONS_WITH_VALUE = frozenset({"-o", "-t", "--target-release", "-c", "--config-file"})
_APK_OPTIONS_WITH_VALUE = frozenset({"--repository", "-X", "--virtual", "-t", "--arch", "--root", "-p", "--keys-dir"})


def _os_packages(text: str) -> Iterator[tuple[int, list[str]]]:
    """(offset, unpinned packages) of each apt-get install / apk add in a RUN command."""
    text = _join_continuations(text)
    for pattern, options in ((_APT_INSTALL, _APT_OPTIONS_WITH_VALUE), (_APK_ADD, _APK_OPTIONS_WITH_VALUE)):
        for match in pattern.finditer(text):
            words = _split_args(_command_args(text, match.end()))
            loose = []
            index = 0
            while index < len(words):
                word = words[index]
                if word in options:
                    index += 2
                    continue
                index += 1
                if word.startswith("-") or "$" in word or "/" in word or word.endswith(".deb") or "=" in word or "~" in word:
                    continue
                if re.fullmatch(r"[a-z0-9][a-z0-9+.\-]*(?::[a-z0-9]+)?", word):
                    loose.append(word)
            if loose:
                yield match.start(), loose


class DockerfileAptUnpinned(FileRule):
    """A Dockerfile installs OS packages without a version.

    What it checks:
    `apt-get install` / `apt install` / `apk add` arguments without `=version` (hadolint
    DL3008/DL3018). Packages given as paths, `.deb` files or variables are exempt; so are
    published libraries' CI images. One finding per RUN instruction.

    Why it matters:
    System libraries (libgomp, CUDA runtimes, libGL for OpenCV) change under the Python
    packages that link against them; a rebuild can change numerical results or break imports.

    How to fix:
    Pin the versions you tested (`apt-get install -y libgomp1=12.2.0-14`), or rely on a base
    image pinned by digest and install as little as possible on top of it.
    """

    code = "DEP013"
    name = "dockerfile-apt-unpinned"
    pillar = Pillar.DEPENDENCIES
    severity = Severity.INFO
    kinds = ("dockerfile",)
    triggers = (r"\bapt(?:-get)?\b|\bapk\b",)

    VALID = [
        Example({"Dockerfile": "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends libgomp1=12.2.0-14 ./local.deb $EXTRA"
                 " $(cat packages.txt)\n"
                 "RUN apk add --no-cache curl=8.5.0-r0\n"}),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends git curl && rm -rf /var/lib/apt/lists/*\n"},
                expect=["Dockerfile:2"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.runtime_dockerfiles:
            return "no Dockerfile"
        return _LIBRARY_REASON if repo.facts.is_published_package else None

    def check_file(self, file: SourceFile, repo: Repo) -> Iterable[Finding]:
        parsed = repo.dockerfile(file.path) if file in repo.facts.runtime_dockerfiles else None
        for instruction in parsed.all("RUN") if parsed else []:
            loose = [package for _, packages in _os_packages(instruction.value) for package in packages]
            if loose:
                yield self.finding(
                    f"OS packages {_names_of(f'`{name}`' for name in loose)} installed without a version (`name=version`)",
                    file.path,
                    instruction.line,
                    anchor=" ".join(loose),
                )
