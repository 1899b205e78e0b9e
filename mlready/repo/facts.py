"""Facts about a repository, computed once and shared by every rule.

All facts come from cheap text scans (regexes over file text), never from
importing or running the analysed code.
"""

from __future__ import annotations

import ast
import configparser
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mlready.parsers.requirements import canonical_name, parse_requirement_line

if TYPE_CHECKING:
    from mlready.repo.repo import Repo, SourceFile

ML_FRAMEWORKS = frozenset(
    {
        "sklearn",
        "torch",
        "tensorflow",
        "keras",
        "xgboost",
        "lightgbm",
        "catboost",
        "transformers",
        "jax",
        "flax",
        "lightning",
        "pytorch_lightning",
        "statsmodels",
        "onnxruntime",
        "fastai",
        "mxnet",
        "paddle",
        "sentence_transformers",
        "spacy",
        "gensim",
        "prophet",
        "timm",
        "diffusers",
        "peft",
        "tf_keras",
    }
)

# Package names of the frameworks whose version decides whether a saved model loads.
ML_FRAMEWORK_PACKAGES = frozenset(
    {
        "torch",
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "keras",
        "scikit-learn",
        "xgboost",
        "lightgbm",
        "catboost",
        "transformers",
        "onnxruntime",
        "onnxruntime-gpu",
        "jax",
        "jaxlib",
        "lightning",
        "pytorch-lightning",
        "statsmodels",
        "fastai",
        "sentence-transformers",
    }
)

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w., \t]*))", re.M)

_SERVING = re.compile(
    r"\b(?:Flask\s*\(\s*__name__|FastAPI\s*\(|Starlette\s*\(|Sanic\s*\(|bentoml\.Service\s*\(|@bentoml\.service"
    r"|@serve\.deployment|kserve\.Model\b|class\s+\w+\s*\(\s*(?:kserve\.)?KServeModel|def\s+model_fn\s*\("
    r"|ls\.LitAPI|LitServer\s*\(|tornado\.web\.Application\s*\(|web\.Application\s*\(\s*\)|falcon\.App\s*\()"
)

_TRAINING = re.compile(
    r"\.fit(?:_generator)?\s*\(|\btrainer\.train\s*\(|\.backward\s*\(\s*\)|\bTrainer\s*\(|\.train_model\s*\(|\bxgb\.train\s*\(|\blgb\.train\s*\("
)

_TEST_RUNNER = re.compile(
    r"\b(?:pytest|py\.test|unittest|tox|nox|hatch\s+(?:run\s+)?test|make\s+(?:test|check|ci)\w*|pixi\s+run\s+test\w*"
    r"|poe\s+test|invoke\s+test|just\s+test\w*|ward|nose2?)\b"
)

CI_FILE_PATTERNS = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    ".travis.yml",
    "Jenkinsfile",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
    ".buildkite/*.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    ".drone.yml",
    "buildspec.yml",
)

LOCK_FILES = frozenset(
    {"poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "conda-lock.yml", "pixi.lock", "requirements.lock"}
)

_NON_LOGIC_PY = frozenset({"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "manage.py", "__init__.py"})


@dataclass(frozen=True)
class DeclaredDependency:
    """A dependency declared in a manifest."""

    name: str
    specifier: str
    pinned: bool
    path: str
    line: int | None
    raw: str


def is_test_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    parts = path.split("/")[:-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(part in ("tests", "test", "testing") for part in parts)
    )


class Facts:
    """What kind of repository this is. Every property is computed once, on first use."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    # -- files --------------------------------------------------------------------------

    @cached_property
    def python_files(self) -> list[SourceFile]:
        return self.repo.files("python")

    @cached_property
    def notebooks(self) -> list[SourceFile]:
        return self.repo.files("notebook")

    @cached_property
    def code_files(self) -> list[SourceFile]:
        """Python files and notebooks."""
        return self.repo.files("python", "notebook")

    @cached_property
    def test_files(self) -> list[SourceFile]:
        return [file for file in self.python_files if is_test_path(file.path) and file.name != "__init__.py"]

    @cached_property
    def source_files(self) -> list[SourceFile]:
        """Python files that are not tests."""
        return [file for file in self.python_files if not is_test_path(file.path)]

    @cached_property
    def logic_modules(self) -> list[SourceFile]:
        """Non-test `.py` files that define a function or class (importable logic)."""
        pattern = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w", re.M)
        result = []
        for file in self.source_files:
            if file.name in _NON_LOGIC_PY or file.path.startswith("docs/"):
                continue
            text = self.repo.text(file.path)
            if text and pattern.search(text):
                result.append(file)
        return result

    @cached_property
    def docs(self) -> list[SourceFile]:
        return [
            file
            for file in self.repo.files("doc")
            if not file.name.lower().startswith(("license", "licence", "copying", "notice", "third_party"))
        ]

    @cached_property
    def readme(self) -> SourceFile | None:
        for file in self.repo.all_files:
            if "/" not in file.path and file.name.lower().split(".")[0] == "readme":
                return file
        return None

    # -- imports and frameworks --------------------------------------------------------

    @cached_property
    def imports(self) -> dict[str, frozenset[str]]:
        """Top-level module names imported by each code file (a text scan)."""
        result: dict[str, frozenset[str]] = {}
        for file in self.code_files:
            text = self.repo.code_text(file.path)
            if not text:
                continue
            names: set[str] = set()
            for match in _IMPORT.finditer(text):
                if match.group(1):
                    names.add(match.group(1).split(".")[0])
                else:
                    for item in match.group(2).split(","):
                        words = item.strip().split()
                        if words:
                            names.add(words[0].split(".")[0])
            result[file.path] = frozenset(names)
        return result

    @cached_property
    def imported_modules(self) -> frozenset[str]:
        return frozenset().union(*self.imports.values()) if self.imports else frozenset()

    def files_importing(self, *modules: str) -> list[str]:
        wanted = set(modules)
        return sorted(path for path, names in self.imports.items() if names & wanted)

    @cached_property
    def ml_frameworks(self) -> frozenset[str]:
        return self.imported_modules & ML_FRAMEWORKS

    @cached_property
    def is_ml(self) -> bool:
        return bool(self.ml_frameworks)

    # -- kinds of code -------------------------------------------------------------------

    @cached_property
    def serving_modules(self) -> list[str]:
        """Non-test `.py` files that build a model-serving app or handler."""
        return sorted(
            file.path
            for file in self.source_files
            if (text := self.repo.text(file.path)) and _SERVING.search(text)
        )

    @cached_property
    def has_serving(self) -> bool:
        return bool(self.serving_modules)

    @cached_property
    def training_files(self) -> list[str]:
        """Code files (scripts and notebooks, not tests) that train a model."""
        if not self.is_ml:
            return []
        result = []
        for file in self.code_files:
            if is_test_path(file.path):
                continue
            text = self.repo.code_text(file.path)
            if text and _TRAINING.search(text):
                result.append(file.path)
        return sorted(result)

    # -- CI ---------------------------------------------------------------------------

    @cached_property
    def ci_files(self) -> list[SourceFile]:
        seen: dict[str, SourceFile] = {}
        for pattern in CI_FILE_PATTERNS:
            for file in self.repo.glob(pattern):
                seen[file.path] = file
        return [seen[path] for path in sorted(seen)]

    @cached_property
    def ci_text(self) -> str:
        """All CI configuration text, plus the scripts and make targets it calls."""
        texts = [self.repo.text(file.path) or "" for file in self.ci_files]
        combined = "\n".join(texts)
        called = []
        for file in self.repo.files():
            if file.kind in ("python", "other", "toml") and file.name.endswith((".sh", ".py", ".bash", "Makefile", "tox.ini", "noxfile.py", ".cfg", ".toml")):
                if file.path in combined or (file.name in ("Makefile", "tox.ini", "noxfile.py") and "/" not in file.path):
                    called.append(self.repo.text(file.path) or "")
        return "\n".join([combined, *called])

    @cached_property
    def ci_runs_tests(self) -> bool:
        if not self.ci_files:
            return False
        workflow_text = "\n".join(self.repo.text(file.path) or "" for file in self.ci_files)
        if _TEST_RUNNER.search(workflow_text):
            return True
        # CI calls a script or make target which runs the tests.
        for file in self.repo.files():
            if file.path in workflow_text or (
                file.name == "Makefile" and re.search(r"\bmake\b", workflow_text)
            ):
                text = self.repo.text(file.path) or ""
                if _TEST_RUNNER.search(text):
                    return True
        return False

    # -- containers and deployment --------------------------------------------------

    @cached_property
    def dockerfiles(self) -> list[SourceFile]:
        return self.repo.files("dockerfile")

    @cached_property
    def deploy_manifests(self) -> list[SourceFile]:
        """Kubernetes, Helm, Compose and serverless deployment files."""
        kind_pattern = re.compile(
            r"^kind:\s*(?:Deployment|StatefulSet|DaemonSet|Rollout|InferenceService|SeldonDeployment|Service|CronJob|Job|Knative|Pod)\b",
            re.M,
        )
        result = []
        for file in self.repo.files("yaml"):
            lower = file.name.lower()
            if lower.startswith(("docker-compose", "compose.")) or "/templates/" in f"/{file.path}" and self.repo.exists(
                f"{file.path.split('/templates/')[0]}/Chart.yaml"
            ):
                result.append(file)
                continue
            text = self.repo.text(file.path)
            if text and kind_pattern.search(text):
                result.append(file)
        return result

    # -- dependencies ---------------------------------------------------------------

    @cached_property
    def manifests(self) -> list[SourceFile]:
        """Files that declare dependencies."""
        names = {"pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "environment.yml", "environment.yaml", "conda.yaml", "conda.yml"}
        return [
            file
            for file in self.repo.all_files
            if file.kind == "requirements" or (file.name in names and not is_test_path(file.path))
        ]

    @cached_property
    def lock_files(self) -> list[SourceFile]:
        return [file for file in self.repo.all_files if file.name in LOCK_FILES or file.name.endswith(".conda-lock.yml")]

    @cached_property
    def dependencies(self) -> list[DeclaredDependency]:
        result: list[DeclaredDependency] = []
        for file in self.manifests:
            if file.kind == "requirements":
                result.extend(self._from_requirements(file))
            elif file.name == "pyproject.toml":
                result.extend(self._from_pyproject(file))
            elif file.name == "setup.py":
                result.extend(self._from_setup_py(file))
            elif file.name == "setup.cfg":
                result.extend(self._from_setup_cfg(file))
            elif file.name == "Pipfile":
                result.extend(self._from_pipfile(file))
            elif file.kind == "yaml":
                result.extend(self._from_conda(file))
        return result

    @cached_property
    def declared_names(self) -> frozenset[str]:
        return frozenset(dependency.name for dependency in self.dependencies)

    def _from_requirements(self, file: SourceFile) -> list[DeclaredDependency]:
        return [
            DeclaredDependency(item.name, item.specifier, item.pinned, file.path, item.line, item.raw)
            for item in self.repo.requirements(file.path) or []
            if item.name and not item.constraint
        ]

    def _strings_to_deps(self, file: SourceFile, specs: list[Any]) -> list[DeclaredDependency]:
        text = self.repo.text(file.path) or ""
        result = []
        for spec in specs:
            if not isinstance(spec, str):
                continue
            item = parse_requirement_line(0, spec.strip())
            if item is None or not item.name:
                continue
            offset = text.find(spec)
            line = text.count("\n", 0, offset) + 1 if offset >= 0 else None
            result.append(DeclaredDependency(item.name, item.specifier, item.pinned, file.path, line, spec))
        return result

    def _from_pyproject(self, file: SourceFile) -> list[DeclaredDependency]:
        data = self.repo.toml(file.path) or {}
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        specs: list[Any] = list(project.get("dependencies") or []) if isinstance(project, dict) else []
        optional = project.get("optional-dependencies") if isinstance(project, dict) else None
        if isinstance(optional, dict):
            for group in optional.values():
                if isinstance(group, list):
                    specs.extend(group)
        result = self._strings_to_deps(file, specs)
        poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
        if isinstance(poetry, dict):
            tables = [poetry.get("dependencies")]
            groups = poetry.get("group")
            if isinstance(groups, dict):
                tables.extend(group.get("dependencies") for group in groups.values() if isinstance(group, dict))
            text = self.repo.text(file.path) or ""
            for table in tables:
                if not isinstance(table, dict):
                    continue
                for name, spec in table.items():
                    if name.lower() == "python":
                        continue
                    version = spec.get("version", "") if isinstance(spec, dict) else spec
                    version = version if isinstance(version, str) else ""
                    pinned = bool(re.fullmatch(r"=?=?\s*\d[\w.]*", version.strip()))
                    match = re.search(rf"^\s*{re.escape(name)}\s*=", text, re.M)
                    line = text.count("\n", 0, match.start()) + 1 if match else None
                    result.append(DeclaredDependency(canonical_name(name), version, pinned, file.path, line, f"{name} = {version}"))
        return result

    def _from_setup_py(self, file: SourceFile) -> list[DeclaredDependency]:
        text = self.repo.text(file.path)
        if not text:
            return []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        specs: list[Any] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in ("install_requires", "requires"):
                if isinstance(node.value, (ast.List, ast.Tuple)):
                    specs.extend(
                        element.value for element in node.value.elts if isinstance(element, ast.Constant)
                    )
        return self._strings_to_deps(file, specs)

    def _from_setup_cfg(self, file: SourceFile) -> list[DeclaredDependency]:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(self.repo.text(file.path) or "")
            raw = parser.get("options", "install_requires", fallback="")
        except configparser.Error:
            return []
        return self._strings_to_deps(file, [line for line in raw.split("\n") if line.strip()])

    def _from_pipfile(self, file: SourceFile) -> list[DeclaredDependency]:
        data = self.repo.toml(file.path) or {}
        text = self.repo.text(file.path) or ""
        result = []
        for section in ("packages", "dev-packages"):
            table = data.get(section)
            if not isinstance(table, dict):
                continue
            for name, spec in table.items():
                version = spec.get("version", "*") if isinstance(spec, dict) else spec
                version = version if isinstance(version, str) else "*"
                pinned = version.startswith("==") and "*" not in version
                match = re.search(rf"^\s*\"?{re.escape(name)}\"?\s*=", text, re.M)
                line = text.count("\n", 0, match.start()) + 1 if match else None
                result.append(DeclaredDependency(canonical_name(name), version, pinned, file.path, line, f"{name} = {version}"))
        return result

    def _from_conda(self, file: SourceFile) -> list[DeclaredDependency]:
        documents = self.repo.yaml(file.path) or []
        result = []
        for document in documents:
            if not isinstance(document, dict):
                continue
            deps = document.get("dependencies")
            if not isinstance(deps, list):
                continue
            lines = getattr(deps, "lines", [])
            for index, item in enumerate(deps):
                line = lines[index] if index < len(lines) else None
                if isinstance(item, str):
                    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", item.split("::")[-1])
                    if not match:
                        continue
                    name, spec = match.group(1), match.group(2).strip()
                    pinned = bool(re.match(r"^==?\s*\d[\w.]*$", spec)) and "*" not in spec
                    result.append(DeclaredDependency(canonical_name(name), spec, pinned, file.path, line, item))
                elif isinstance(item, dict) and isinstance(item.get("pip"), list):
                    pip_lines = getattr(item["pip"], "lines", [])
                    for pip_index, spec in enumerate(item["pip"]):
                        if not isinstance(spec, str):
                            continue
                        parsed = parse_requirement_line(0, spec.strip())
                        if parsed is None or not parsed.name:
                            continue
                        pip_line = pip_lines[pip_index] if pip_index < len(pip_lines) else line
                        result.append(DeclaredDependency(parsed.name, parsed.specifier, parsed.pinned, file.path, pip_line, spec))
        return result
