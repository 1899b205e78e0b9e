"""Deployment, serving and rollback: a served model can be replaced, checked and rolled back safely.

Rules about serving code are skipped without it (`Facts.serving_frameworks`); rules about
operating a deployed model are skipped for repositories that deploy none, and for libraries.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mlready.model import Finding, Pillar, Severity
from mlready.parsers.dockerfile import parse_image
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import folder_of, is_example_path, is_test_path
from mlready.rule import Example, RepoRule, notebook
from mlready.rules.monitoring import (
    WEB_KINDS,
    Handler,
    body_nodes,
    call_parts,
    config_files,
    deployment_skip_reason,
    dotted,
    first_in_docs,
    first_in_files,
    serving_anchor,
    serving_handlers,
    source_code,
    source_of,
)

# -- RBK001 ---------------------------------------------------------------------------------

_ROLLBACK_DOCS = lazy_compile(
    r"(?i)\broll(?:ing|ed)?[ -]?backs?\b|\brollout undo\b|\blast known good (?:model|version|release|image)"
    r"|\b(?:revert(?:ing)?|switch(?:ing)?|go(?:ing)?) (?:back )?to (?:the |a |an )?(?:previous|prior|older|old|last)\b"
    r"[^\n.]{0,30}\b(?:model|version|release|image|deploy\w*)"
    r"|\bredeploy(?:ing)? (?:the |a )?(?:previous|prior|older|old|last)\b"
)
_ROLLBACK_AUTOMATED = lazy_compile(
    r"\bhelm\s+rollback\b|\bkubectl\s+rollout\s+undo\b|\bhelm\s+upgrade\b[^\n]*--atomic\b|\bAutoRollbackConfiguration\b"
    r"|\bauto_?rollback\b|\brollback_on_failure\b|^kind:\s*Rollout\b|\bdef\s+\w*rollback\w*\s*\(|^rollback[\w-]*\s*:"
    r"|\bdeployment_circuit_breaker\b|\bDeploymentCircuitBreaker\b|\brollback\s*[:=]\s*true\b",
    re.M | re.I,
)


def _readme_or_anchor(repo: Repo) -> tuple[str | None, int | None]:
    readme = repo.facts.readme
    return (readme.path, None) if readme is not None else serving_anchor(repo)


class RollbackPlanUndocumented(RepoRule):
    """No written procedure says how to roll back a bad model or deployment.

    What it checks:
    The repository serves or deploys a model, yet no README or doc page describes a
    rollback ("roll back", "rollback", "revert to the previous model/version",
    "previous version/image/tag", `kubectl rollout undo`), and nothing automates one
    (`helm rollback`, `kubectl rollout undo`, `helm upgrade --atomic`, a SageMaker
    `AutoRollbackConfiguration`, an ECS deployment circuit breaker, Argo Rollouts, a
    `rollback` script or make target). Changelogs do not count. Libraries and repositories
    that deploy nothing are skipped.

    Why it matters:
    When a new model misbehaves in production, the fastest fix is to put the previous one
    back. Working out how at that moment, under pressure, is how a bad hour becomes a bad
    day. The ML Test Score asks that rollback is possible and practised (Infra 7).

    How to fix:
    Add a short "Rollback" section to the README or a runbook: where previous model versions
    and images live, the exact command that redeploys one (`helm rollback`, re-pointing a
    registry alias, redeploying the previous image tag), and how to check it took effect.
    """

    code = "RBK001"
    name = "rollback-plan-undocumented"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                "README.md": "# Churn service\n\n## Rollback\n\nRedeploy the previous image tag: `helm rollback churn`.\n",
            }
        ),
        Example(
            {"train.py": "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit([[0]], [0])\n", "README.md": "# Research\n"},
            note="Deploys nothing: the rule does not apply.",
        ),
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                ".github/workflows/deploy.yml": "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: helm upgrade --install churn ./chart --atomic --set image.tag=${{ github.sha }}\n",
            },
            note="`helm upgrade --atomic` rolls back a failed release by itself.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                "README.md": "# Churn service\n\nRun `uvicorn app:app`.\n",
                "CHANGELOG.md": "## 1.1\n- rolled back the tokenizer change\n",
            },
            expect=["README.md"],
            note="A changelog entry is not a procedure.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return deployment_skip_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if first_in_docs(repo, _ROLLBACK_DOCS):
            return
        if first_in_files(repo, _ROLLBACK_AUTOMATED, [*config_files(repo), *source_code(repo), *repo.facts.ci_files]):
            return
        path, line = _readme_or_anchor(repo)
        yield self.finding(
            "the repository deploys a model but no doc says how to roll back to the previous model or release",
            path,
            line,
        )


# -- RBK002 ---------------------------------------------------------------------------------

_ENV_MODEL = r"[A-Z0-9_]*(?:MODEL|RUN_ID|ARTIFACT|CHECKPOINT|WEIGHTS|BENTO|ENDPOINT_NAME)[A-Z0-9_]*"
# Serving code that chooses its model at run time: a registry URI or alias, an environment variable, a setting,
# a command-line option, a version in the artifact path.
_SELECTABLE_CODE = lazy_compile(
    r"models:/|\bget_latest_versions\b|\bget_model_version_by_alias\b|\buse_artifact\s*\(|\brevision\s*="
    r"|\bModelPackage\w*|\bmodel_package_\w+|\bModel\.get_model_path\b|\bAZUREML_MODEL_DIR\b|\bbentoml\.models\.get\b"
    r"|\bbentoml\.\w+\.(?:get|load_model)\s*\(\s*[\"'][\w.-]+:[\w.-]+[\"']"
    rf"|(?:environ(?:\.get)?|getenv)\s*[\[(]\s*[\"']{_ENV_MODEL}[\"']"
    r"|\{\s*[\w.]*(?:version|tag|run_id|stage|alias)\w*\s*\}|%\(\w*(?:version|tag)\w*\)s"
    r"|--model[-_](?:path|dir|uri|version|name|tag|file|id)\b|--run[-_]id\b|--checkpoint\b|--weights\b"
    r"|^[ \t]*model_(?:version|uri|path|tag|name|dir|file|id|stage|alias)\s*:\s*\w",
    re.M | re.I,
)
# Deployment configuration that chooses the model or the image version.
_SELECTABLE_CONFIG = lazy_compile(
    r"models:/|^[ \t]*(?:-[ \t]*)?(?:ENV[ \t]+|export[ \t]+|ARG[ \t]+)?(?-i:" + _ENV_MODEL + r")[ \t]*[:=]"
    r"|^[ \t]*[\"']?model[_-]?(?:version|uri|path|tag|name|dir|id|stage|alias)[\"']?[ \t]*[:=]"
    r"|\bimage:\s*[\"']?[^\s\"']*(?:\$\{?\w+|\{\{)|\.Values\.image\.tag\b|^[ \t]*newTag\s*:"
    r"|\bcanaryTrafficPercent\b|^kind:\s*Rollout\b|\bstorageUri:\s*[\"']?[^\s\"']*(?:\$\{?\w+|\{\{)",
    re.M | re.I,
)
# Serving where the platform hands the handler the model it was told to deploy (SageMaker's `model_dir`, Azure ML's
# registered model, a KServe storageUri, a Triton/TorchServe/MLServer model repository with versions).
_PLATFORM_SELECTED = frozenset({"sagemaker", "azureml", "kserve", "triton", "torchserve", "mlserver"})
_VERSIONED_ARTIFACT = lazy_compile(r"(?i)(?:^|/)(?:models?|artifacts?|weights|checkpoints|model_store)/v?\d+(?:\.\d+)*/")


class RollbackMechanismAbsent(RepoRule):
    """Nothing selects which model version is served, so there is no way back to the previous one.

    What it checks:
    The repository serves or deploys a model, and neither the serving code nor the deployment
    configuration chooses the model at deploy or run time: no registry URI or alias
    (`models:/churn@champion`, `get_latest_versions`, a W&B artifact alias, a Hugging Face
    `revision=`, a BentoML tag, a SageMaker model package, Azure ML's registered model dir), no
    environment variable or setting naming the model (`MODEL_VERSION`, `MODEL_PATH`, `RUN_ID`,
    a `model_uri` key, a `--model-path` option), no version in the artifact path
    (`f"models/{version}/model.pkl"`, committed `models/v2/`), no parameterised image tag in
    Kubernetes/Helm/Compose, no Argo Rollouts or KServe canary. Handlers that receive the model from
    their platform (SageMaker `model_fn(model_dir)`, Azure ML, KServe, Triton, TorchServe, MLServer)
    pass. Libraries are skipped.

    Why it matters:
    Rolling back means serving the previous model again. If the model is whatever file sits
    at a fixed path inside the image, a rollback is a code change, a rebuild and a redeploy,
    done in a hurry by someone who must first find out which file was the previous one.

    How to fix:
    Make the model version an input of the deployment: load
    `models:/<name>@<alias>` from a registry, or read `MODEL_URI`/`MODEL_VERSION` from the
    environment, and deploy images with explicit tags so the previous tag can be redeployed.
    """

    code = "RBK002"
    name = "rollback-mechanism-absent"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "import os\nimport mlflow\nfrom fastapi import FastAPI\napp = FastAPI()\n"
                "model = mlflow.pyfunc.load_model(os.environ.get('MODEL_URI', 'models:/churn@champion'))\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('model/model.pkl')\n",
                "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: churn\nspec:\n  template:\n"
                "    spec:\n      containers:\n        - name: api\n          image: registry.example.com/churn:${IMAGE_TAG}\n",
            },
            note="The image tag is a deployment parameter: the previous image can be redeployed.",
        ),
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom app_config import settings\nimport joblib\napp = FastAPI()\nmodel = joblib.load(settings.model_path)\n",
                ".env.example": "MODEL_PATH=./models/churn-2024-05.joblib\n",
            },
            note="The model path is a setting of the deployment.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                "Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nCMD [\"gunicorn\", \"app:app\"]\n",
            },
            expect=["app.py:4"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return deployment_skip_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(kinds & _PLATFORM_SELECTED for kinds in repo.facts.serving_frameworks.values()):
            return
        serving_code = [SourceFile(path, 0, "python") for path in repo.facts.serving_files]
        if first_in_files(repo, _SELECTABLE_CODE, serving_code):
            return
        if first_in_files(repo, _SELECTABLE_CONFIG, config_files(repo)):
            return
        if any(_VERSIONED_ARTIFACT.search(file.path) for file in repo.all_files):
            return
        path, line = serving_anchor(repo)
        yield self.finding(
            "nothing chooses which model version is served (no registry alias, MODEL_VERSION/MODEL_URI setting, "
            "versioned artifact path or parameterised image tag): a rollback needs a code change",
            path,
            line,
        )


# -- RBK003 ---------------------------------------------------------------------------------

_LOADERS = frozenset(
    {"load_model", "from_pretrained", "load_learner", "InferenceSession", "YOLO", "read_pickle", "load_weights",
     "SentenceTransformer", "Booster", "Interpreter", "load_checkpoint", "load_from_checkpoint"}
)
_HUB_LOADERS = frozenset({"from_pretrained", "SentenceTransformer"})
_LOAD_RECEIVERS = lazy_compile(
    r"(?:^|\.)(?:joblib|pickle|cPickle|dill|cloudpickle|torch|jit|sio|saved_model|Word2Vec|KeyedVectors|Doc2Vec|FastText)$"
)
_PATH_KEYWORDS = (
    "filename", "filepath", "path", "f", "file", "fname", "model_uri", "model_path", "model_file", "path_or_bytes",
    "pretrained_model_name_or_path", "model_name_or_path", "model", "checkpoint_path", "file_path", "weights",
)
_PATH_FUNCTIONS = frozenset(
    {"os.path.join", "path.join", "join", "Path", "pathlib.Path", "PurePath", "os.path.abspath", "os.path.realpath",
     "os.path.dirname", "os.path.expanduser", "os.path.normpath", "str", "open", "joinpath", "resolve", "absolute"}
)
_FILE_SUFFIX = lazy_compile(r"\.[A-Za-z][\w]{0,11}$")


# Project helpers that load a model (`load_object(file_path=...)`, `load_model(...)`), and model file suffixes:
# a literal model file passed to any call (`ColaONNXPredictor("./models/model.onnx")`) is a fixed model path.
_HELPER_LOADER = lazy_compile(
    r"(?i)^load(?:_?(?:model|object|pickle|artifact|checkpoint|weights|pipeline|predictor|classifier|estimator|learner"
    r"|file|bundle))?s?$"
)
_MODEL_FILE = lazy_compile(
    r"(?i)[\w-]\.(?:pkl|pickle|joblib|pt|pth|ckpt|h5|hdf5|keras|onnx|safetensors|pb|tflite|cbm|sav|mar|ubj)$"
)
_MODEL_CALL = lazy_compile(r"(?i)load|^from_|restore|predictor|model|session")


def _is_loader(call: ast.Call) -> str | None:
    """The loader's name when a call loads a model or artifact (joblib.load, torch.load, load_model ...)."""
    receiver, name = call_parts(call)
    full = f"{receiver}.{name}" if receiver else name
    if name in _LOADERS or (not receiver and _HELPER_LOADER.match(name)):
        return full
    if name in ("load", "loads") and receiver and _LOAD_RECEIVERS.search(receiver):
        return full
    if name and name not in _PATH_FUNCTIONS and (name[0].isupper() or _MODEL_CALL.search(name)):
        return f"{full}?"  # a class or a loading helper: only a literal model file counts
    return None


def _path_argument(call: ast.Call, loader: str) -> ast.expr | None:
    if loader.endswith(("Booster", "Interpreter")):
        keyword = next((item for item in call.keywords if item.arg in ("model_file", "model_path")), None)
        return keyword.value if keyword else None
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    keyword = next((item for item in call.keywords if item.arg in _PATH_KEYWORDS), None)
    return keyword.value if keyword else None


class _Scope:
    """Names bound to expressions, to follow `MODEL_PATH = "model.pkl"` and `with open(...) as f`."""

    def __init__(self, *bodies: list[ast.stmt]) -> None:
        self.names: dict[str, ast.expr] = {}
        for body in bodies:
            for statement in body:
                self._bind(statement)

    def _bind(self, statement: ast.stmt) -> None:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            self.names[statement.targets[0].id] = statement.value
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
            self.names[statement.target.id] = statement.value
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if isinstance(item.optional_vars, ast.Name):
                    self.names[item.optional_vars.id] = item.context_expr
            for inner in statement.body:
                self._bind(inner)
        elif isinstance(statement, (ast.If, ast.Try)):
            for inner in [*statement.body, *statement.orelse]:
                self._bind(inner)

    def literal_path(self, node: ast.expr, depth: int = 0) -> str | None:
        """The path an expression always evaluates to when it is built only from literals and
        `__file__`/`os.getcwd()`, else None (it comes from config, the environment, an argument ...)."""
        if depth > 8:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return "<file>"
            bound = self.names.get(node.id)
            return self.literal_path(bound, depth + 1) if bound is not None else None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    inner = self.literal_path(value.value, depth + 1)
                    if inner is None:
                        return None
                    parts.append(inner)
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div, ast.Mod)):
            left = self.literal_path(node.left, depth + 1)
            right = self.literal_path(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Mod):
                return left.replace("%s", right, 1)
            return f"{left}/{right}" if isinstance(node.op, ast.Div) else left + right
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return self.literal_path(node.value, depth + 1)
        if isinstance(node, ast.Call):
            receiver, name = call_parts(node)
            full = f"{receiver}.{name}" if receiver else name
            if full in ("os.getcwd", "Path.cwd", "pathlib.Path.cwd"):
                return "<cwd>"
            if full not in _PATH_FUNCTIONS and name not in ("joinpath", "resolve", "absolute", "open"):
                return None
            pieces = []
            if name in ("joinpath", "resolve", "absolute") and isinstance(node.func, ast.Attribute):
                base = self.literal_path(node.func.value, depth + 1)
                if base is None:
                    return None
                pieces.append(base)
            arguments = node.args[:1] if name == "open" else node.args
            for argument in arguments:
                piece = self.literal_path(argument, depth + 1)
                if piece is None:
                    return None
                pieces.append(piece)
            return "/".join(pieces) if pieces else None
        return None


# Where a serving platform mounts the model it was told to serve (SageMaker, KServe): a fixed path, a chosen model.
_PLATFORM_MODEL_DIRS = ("/opt/ml/model", "/mnt/models", "/var/azureml-app")


def _looks_like_file(path: str, loader: str) -> bool:
    if not path or path.startswith(("models:/", "http://", "https://", *_PLATFORM_MODEL_DIRS)):
        return False
    local = path.startswith((".", "/", "~", "<file>", "<cwd>")) or "\\" in path
    if loader.rsplit(".", 1)[-1] in _HUB_LOADERS:
        # "org/model" is a Hub id (pinning it is hf-download-unpinned's business), "./model" a local folder.
        return local or path.count("/") >= 2 or bool(_FILE_SUFFIX.search(path))
    return local or "/" in path or bool(_FILE_SUFFIX.search(path))


def _is_main_guard(statement: ast.AST) -> bool:
    return isinstance(statement, ast.If) and "__main__" in source_of(statement.test)


def hardcoded_model_loads(repo: Repo) -> list[tuple[str, ast.Call, str, str]]:
    """(path, call, loader, literal path) for every model load from a fixed path in the serving code."""
    return repo.facts.memo("hardcoded_model_loads", "all", lambda: _find_hardcoded_model_loads(repo))


def _find_hardcoded_model_loads(repo: Repo) -> list[tuple[str, ast.Call, str, str]]:
    found: list[tuple[str, ast.Call, str, str]] = []
    lines: set[tuple[str, int]] = set()
    for path in repo.facts.serving_files:
        tree = repo.facts.ast_module(path)
        if tree is None:
            continue
        module_scope = _Scope(tree.body)
        scopes: list[tuple[list[ast.AST], _Scope]] = [(list(tree.body), module_scope)]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = _Scope(tree.body, node.body)
                for parameter in [*node.args.args, *node.args.kwonlyargs]:
                    scope.names.pop(parameter.arg, None)
                scopes.append((list(node.body), scope))
        seen: set[int] = set()
        imported_only = path not in repo.facts.serving_frameworks
        for nodes, scope in reversed(scopes):  # functions first, so their local names win
            for statement in nodes:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and scope is module_scope:
                    continue
                if imported_only and scope is module_scope and _is_main_guard(statement):
                    continue  # a module the app imports: its `__main__` block never runs in the service
                for call in ast.walk(statement):
                    if not isinstance(call, ast.Call) or id(call) in seen:
                        continue
                    seen.add(id(call))
                    loader = _is_loader(call)
                    argument = _path_argument(call, loader) if loader else None
                    if loader is None or argument is None:
                        continue
                    literal = scope.literal_path(argument)
                    if literal is None or (loader.endswith("?") and not _MODEL_FILE.search(literal)):
                        continue
                    loader = loader.rstrip("?")
                    if _looks_like_file(literal, loader) and (path, call.lineno) not in lines:
                        lines.add((path, call.lineno))
                        found.append((path, call, loader, literal))
    return found


class ModelPathHardcoded(RepoRule):
    """Serving code loads its model from a fixed path written in the code.

    What it checks:
    In the serving modules and the project modules they import, calls that load a model or a
    fitted artifact (`joblib.load`, `pickle.load(open(...))`, `torch.load`, `load_model`,
    `from_pretrained` on a local folder, `onnxruntime.InferenceSession`, `YOLO`,
    `xgb.Booster(model_file=...)` ...) whose path is built only from literals, `__file__`
    and `os.getcwd()`, directly or through a module constant (`MODEL_PATH = "model.pkl"`).
    A path read from the environment, a setting, an argument or a `models:/` registry URI
    passes. Hugging Face Hub ids (`"org/model"`) are left to the pinning rules.

    Why it matters:
    A model path fixed in code ties the service to one artifact: serving a new version, or
    the previous one during an incident, needs a code change and a rebuild rather than a
    configuration change. It also hides which model is running.

    How to fix:
    Read the location from configuration: `joblib.load(os.environ["MODEL_PATH"])`, a
    pydantic `Settings.model_path`, or a registry URI such as `models:/churn@champion`,
    with the current value set by the deployment.
    """

    code = "RBK003"
    name = "model-path-hardcoded"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "import os\nimport joblib\nfrom fastapi import FastAPI\n\nMODEL_PATH = os.getenv('MODEL_PATH', 'models/model.pkl')\n"
                "app = FastAPI()\nmodel = joblib.load(MODEL_PATH)\n",
            }
        ),
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom transformers import pipeline\nfrom settings import settings\n"
                "app = FastAPI()\nclassifier = pipeline('sentiment-analysis')\nmodel = AutoModel.from_pretrained('distilbert/distilbert-base-uncased')\n"
                "tokenizer = joblib.load(settings.tokenizer_path)\n",
            },
            note="A Hub id and a path from settings.",
        ),
        Example(
            {
                "inference.py": "import os\nimport joblib\n\ndef model_fn(model_dir):\n    return joblib.load(os.path.join(model_dir, 'model.joblib'))\n\n"
                "def predict_fn(data, model):\n    return model.predict(data)\n",
                "serve.py": "import mlflow\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = mlflow.pyfunc.load_model('/opt/ml/model')\n",
            },
            note="The platform mounts the chosen model at a fixed place (SageMaker's model_dir, /opt/ml/model).",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "import pickle\nfrom flask import Flask\n\napp = Flask(__name__)\nmodel = pickle.load(open('model.pkl', 'rb'))\n",
            },
            expect=["app.py:5"],
        ),
        Example(
            {
                "api/main.py": "from fastapi import FastAPI\nfrom api.model import predict\napp = FastAPI()\n",
                "api/model.py": "from pathlib import Path\nimport torch\n\nWEIGHTS = Path(__file__).parent / 'weights' / 'best.pt'\n\n"
                "def load():\n    with open(WEIGHTS, 'rb') as handle:\n        return torch.load(handle)\n\ndef predict(x):\n    return load()(x)\n",
            },
            expect=["api/model.py:8"],
            note="A path built from __file__ through a module constant, in a module the app imports.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for path, call, loader, literal in hardcoded_model_loads(repo):
            shown = literal.replace("<file>", "<module folder>").replace("<cwd>", "<working folder>")
            yield self.finding(
                f"`{loader}` loads the model from the fixed path '{shown}': take the path, version or registry URI "
                "from configuration or the environment",
                path,
                call.lineno,
                call.col_offset + 1,
                anchor=f"{loader}:{shown}",
            )


# -- RBK004 ---------------------------------------------------------------------------------

_HEALTH_ROUTE = lazy_compile(
    r"[\"']/(?:[\w{}/.-]*/)?(?:health|healthz|healthcheck|health[-_]check|ready|readyz|readiness|live|livez|liveness"
    r"|ping|status|heartbeat|alive)/?[\"']",
    re.I,
)
_HEALTH_CONFIG = lazy_compile(
    r"^[ \t]*HEALTHCHECK\s+(?!NONE\b)|^[ \t]*healthcheck\s*:|\b(?:livenessProbe|readinessProbe|startupProbe)\b|\bhealthCheck\s*:"
    r"|\bhealth_check\s*:|\bflask_healthz\b|\bfastapi_health\b|^[ \t]*(?:from|import)\s+healthcheck\b",
    re.M | re.I,
)
_HEALTH_NAME = lazy_compile(r"(?i)_?(?:health\w*|ping|ready\w*|readiness|live\w*|liveness|status|heartbeat|alive)$")
_WORKLOAD = lazy_compile(r"^kind:\s*['\"]?(Deployment|StatefulSet)\b", re.M)
_PROBE = lazy_compile(r"\b(?:livenessProbe|readinessProbe|startupProbe)\b|Probe\b")
_NAME = lazy_compile(r"^  name:\s*['\"]?([\w.{}\- ]+)", re.M)
_MODEL_WORKLOAD = lazy_compile(
    r"(?i)model|predict|infer|classif|detect|tf-serv|torchserve|triton|uvicorn|gunicorn|flask|fastapi|\bapi\b|gateway"
)


def _yaml_documents(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each document of a multi-document YAML file (a text split, Helm-safe)."""
    start = 1
    lines: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if re.match(r"^---\s*$", line):
            yield start, "\n".join(lines)
            start, lines = number + 1, []
        else:
            lines.append(line)
    yield start, "\n".join(lines)


def _kustomize_patches(repo: Repo) -> set[str]:
    """The files that kustomization files apply as patches (`patchesStrategicMerge`, `patches: - path:`)."""
    found: set[str] = set()
    for file in repo.all_files:
        if file.name not in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
            continue
        folder = folder_of(file.path)
        for document in repo.yaml(file.path) or []:
            if not isinstance(document, dict):
                continue
            entries = [*(document.get("patchesStrategicMerge") or []), *(document.get("patches") or [])]
            for entry in entries if isinstance(entries, list) else []:
                target = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(target, str) and "\n" not in target:
                    found.add(posixpath.normpath(f"{folder}/{target}" if folder else target))
    return found


_YAML_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*")


def workloads_without_probes(repo: Repo) -> list[tuple[str, int, str, str]]:
    """(path, line, kind, name) of each Kubernetes Deployment or StatefulSet that defines no probe."""
    found = []
    patches = _kustomize_patches(repo)
    for file in repo.facts.deploy_manifests:
        if file.path in patches or re.search(r"(?i)[_.-]patch(?:es)?\.ya?ml$", file.name):
            continue  # a Kustomize patch changes part of a workload defined elsewhere
        text = repo.text(file.path) or ""
        for start, document in _yaml_documents(text):
            kind = _WORKLOAD.search(document)
            if kind is None or _PROBE.search(document) or not re.search(r"^[ \t]*(?:-\s*)?image\s*:", document, re.M):
                continue
            if not _MODEL_WORKLOAD.search(_YAML_COMMENT.sub("", document)):
                continue  # a database, a provisioner, a dashboard: not the model service (comments aside)
            name = _NAME.search(document)
            line = start + document.count("\n", 0, kind.start())
            found.append((file.path, line, kind.group(1), name.group(1).strip() if name else "?"))
    return found


class HealthcheckAbsent(RepoRule):
    """The served model has no health or readiness check.

    What it checks:
    Two things. Serving code written on a web framework must expose a health route
    (`/health`, `/healthz`, `/ready`, `/livez`, `/ping`, `/status` ...) or be covered by a
    Docker `HEALTHCHECK`, a Compose `healthcheck:` or a Kubernetes probe; model servers
    that have health endpoints of their own (BentoML, Ray Serve, KServe, LitServe,
    TorchServe, Triton, MLServer, Cog, SageMaker/Azure ML handlers) pass. And, when the
    repository serves a model, each Kubernetes Deployment or StatefulSet must define a
    liveness, readiness or startup probe.

    Why it matters:
    Loading a model takes time and can fail (a missing file, out of memory). Without a
    readiness check, traffic reaches a replica before its model is loaded; without a
    liveness check, a wedged replica keeps receiving requests. A rolling update or a
    rollback is only safe when the orchestrator can tell that the new pods are healthy.

    How to fix:
    Add a `/health` route that answers once the model is loaded (and a cheap `/livez`),
    and point the Kubernetes `readinessProbe`/`livenessProbe` (or a Docker `HEALTHCHECK`)
    at it.
    """

    code = "RBK004"
    name = "healthcheck-absent"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n\n@app.route('/health')\ndef health():\n    return 'ok'\n",
                "k8s/grafana.yaml": "# same layout as the churn-api deployment\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: grafana\n"
                "spec:\n  template:\n    spec:\n      containers:\n        - name: grafana\n          image: grafana/grafana:10.4.2\n",
            },
            note="A dashboard's Deployment: a comment naming the API does not make it the model service.",
        ),
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.get('/health')\ndef health():\n    return {'status': 'ok', 'model_loaded': model is not None}\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "Dockerfile": "FROM python:3.11-slim\nCOPY . .\nHEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\nCMD [\"gunicorn\", \"app:app\"]\n",
            }
        ),
        Example(
            {
                "serve.py": "from fastapi import FastAPI\nimport joblib\n\ndef create_app():\n    app = FastAPI()\n    model = joblib.load('m.pkl')\n\n"
                "    @app.get('/')\n    def health():\n        return {'status': 'healthy'}\n\n    return app\n",
            },
            note="A health handler on the root route.",
        ),
        Example(
            {"inference.py": "import joblib\n\ndef model_fn(model_dir):\n    return joblib.load(model_dir + '/model.joblib')\n\ndef predict_fn(data, model):\n    return model.predict(data)\n"},
            note="SageMaker's serving container answers /ping itself.",
        ),
        Example(
            {
                "serve.py": "import bentoml\n\n@bentoml.service\nclass Svc:\n    @bentoml.api\n    def predict(self, x: float) -> float:\n        return x\n",
                "config/manager/manager.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: api\n          image: registry.example.com/model:1.4.2\n          readinessProbe:\n            httpGet: {path: /readyz, port: 3000}\n",
                "config/default/kustomization.yaml": "resources:\n  - ../manager\npatchesStrategicMerge:\n  - auth_proxy.yaml\n",
                "config/default/auth_proxy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: proxy\n          image: registry.example.com/proxy:0.13.1\n",
            },
            note="A Kustomize patch changes part of a Deployment whose base defines the probe.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    return {}\n",
            },
            expect=["app.py:4"],
        ),
        Example(
            {
                "serve.py": "import bentoml\n\n@bentoml.service\nclass Svc:\n    @bentoml.api\n    def predict(self, x: float) -> float:\n        return x\n",
                "deploy/k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: churn\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: api\n          image: registry.example.com/churn:1.4.2\n"
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: churn\n",
            },
            expect=["deploy/k8s.yaml:2"],
            note="BentoML has its own health routes, but the Deployment gives Kubernetes no probe to use them.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving or repo.facts.serves_model else "no serving code or model deployment"

    def check(self, repo: Repo) -> Iterable[Finding]:
        frameworks = repo.facts.serving_frameworks
        web = [path for path, kinds in frameworks.items() if kinds <= WEB_KINDS | {"router"}]
        if web:
            serving_code = [SourceFile(path, 0, "python") for path in repo.facts.serving_files]
            covered = (
                any(_HEALTH_NAME.match(handler.node.name) for handler in serving_handlers(repo) if handler.kind == "route")
                or first_in_files(repo, _HEALTH_ROUTE, serving_code)
                or first_in_files(repo, _HEALTH_CONFIG, [*config_files(repo), *serving_code])
            )
            if not covered:
                path, line = serving_anchor(repo, web)
                yield self.finding(
                    "the serving app has no health or readiness route, and no Docker HEALTHCHECK or Kubernetes probe "
                    "checks it",
                    path,
                    line,
                )
        for path, line, kind, name in workloads_without_probes(repo):
            yield self.finding(
                f"{kind} `{name}` defines no liveness, readiness or startup probe", path, line, anchor=f"{kind}:{name}"
            )


# -- RBK005 ---------------------------------------------------------------------------------

_FIT_METHODS = frozenset({"fit", "fit_transform", "fit_on_texts"})
_TRAINING_CONTEXT = lazy_compile(r"(?i)train|fit|learn|update|feedback|tune|calibrat|retrain|refresh")
_NOT_MODELS = lazy_compile(r"(?i)(?:^|\.)(?:ImageOps|stats|scipy|norm|distributions?|curve|optimize)$")


class FitInServingCode(RepoRule):
    """Serving code fits a model or a transformer while answering requests.

    What it checks:
    `.fit(...)`, `.fit_transform(...)` or `.fit_on_texts(...)` calls in a serving module,
    outside functions or routes whose name says they train on purpose (`train`, `retrain`,
    `fit`, `learn`, `feedback`, `tune` ...). Image resizing (`ImageOps.fit`) and
    distribution fitting (`scipy.stats.*.fit`) do not count.

    Why it matters:
    A scaler, encoder or vectoriser fitted on the request (or on whatever data the server
    loads at start-up) is not the one the model was trained with: the same input gets
    different features than in training, the classic training/serving skew, and the
    predictions go quietly wrong.

    How to fix:
    Fit every transformer at training time, save it with the model (best as one sklearn
    `Pipeline`), load it in the service and only call `.transform()` / `.predict()` there.
    """

    code = "RBK005"
    name = "fit-in-serving-code"
    pillar = Pillar.ROLLBACK
    severity = Severity.ERROR

    VALID = [
        Example(
            {
                "app.py": "from flask import Flask, request\nimport joblib\napp = Flask(__name__)\npipeline = joblib.load('pipeline.pkl')\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    return {'y': pipeline.predict([request.json['x']]).tolist()}\n\n"
                "@app.route('/retrain', methods=['POST'])\ndef retrain():\n    pipeline.fit(load_data(), load_labels())\n    return {}\n",
            },
            note="A deliberate retraining route.",
        ),
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom PIL import ImageOps\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.post('/predict')\ndef predict(image):\n    return model.predict(ImageOps.fit(image, (224, 224)))\n",
            }
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from flask import Flask, request\nfrom sklearn.preprocessing import StandardScaler\nimport joblib\nimport pandas as pd\n\n"
                "app = Flask(__name__)\nmodel = joblib.load('model.pkl')\n\n@app.route('/predict', methods=['POST'])\ndef predict():\n"
                "    frame = pd.DataFrame([request.json])\n    scaled = StandardScaler().fit_transform(frame)\n    return {'y': model.predict(scaled).tolist()}\n",
            },
            expect=["app.py:12"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for path in repo.facts.serving_modules:
            tree = repo.facts.ast_module(path)
            if tree is not None:
                yield from self._visit(path, tree.body, "")

    def _visit(self, path: str, body: list[ast.stmt], context: str) -> Iterator[Finding]:
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                routes = " ".join(
                    source_of(item) for item in getattr(statement, "decorator_list", []) if isinstance(item, ast.Call)
                )
                yield from self._visit(path, statement.body, f"{context} {statement.name} {routes}")
                continue
            if _TRAINING_CONTEXT.search(context):
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _FIT_METHODS:
                    receiver = dotted(node.func.value)
                    if receiver and _NOT_MODELS.search(receiver):
                        continue
                    yield self.finding(
                        f"`.{node.func.attr}()` in serving code: fit at training time, save, and only transform/predict "
                        "here (training/serving skew)",
                        path,
                        node.lineno,
                        node.col_offset + 1,
                    )


# -- RBK006 ---------------------------------------------------------------------------------

_PREPROCESSING_NAME = lazy_compile(
    r"(?i)prepro|clean|featur|normali[sz]|tokeni[sz]|encod|scal(?:e|ing)|imput|prepar|vectori[sz]|transform_|_transform|pipeline"
)
_TOP_DEF = lazy_compile(r"^(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.M)


_PROJECT_MARKERS = (
    "README.md", "README.rst", "README", "requirements.txt", "pyproject.toml", "setup.py", "Pipfile", "environment.yml",
    "Dockerfile", "Makefile",
)


def _project_root(repo: Repo, path: str) -> str:
    """The nearest folder above a file that looks like a project of its own (README, requirements, Dockerfile ...),
    so that two lessons of a course or two services of a monorepo are not compared with each other."""
    parts = path.split("/")[:-1]
    for end in range(len(parts), 0, -1):
        folder = "/".join(parts[:end])
        if any(repo.exists(f"{folder}/{marker}") for marker in _PROJECT_MARKERS):
            return folder
    return ""


def _function_text(text: str, start: int) -> str:
    """A top-level function's code, from its `def` to the next unindented line, without comments and blank lines."""
    lines = text[start:].split("\n")
    kept = [lines[0].strip()]
    for line in lines[1:]:
        if line.strip() and not line[0].isspace() and not line.lstrip().startswith((")", "#")):
            break
        stripped = line.split("#", 1)[0].strip()
        if stripped:
            kept.append(stripped)
    return "\n".join(kept)


def _similar(first: str, second: str) -> bool:
    """Two function bodies that are copies, perhaps lightly edited (a similarity of 0.75 or more)."""
    import difflib

    return first == second or difflib.SequenceMatcher(None, first, second, autojunk=False).ratio() >= 0.75


class PreprocessingNotShared(RepoRule):
    """Serving code re-implements a preprocessing function that training defines too.

    What it checks:
    A top-level function with a preprocessing name (`preprocess`, `clean_text`,
    `prepare_features`, `encode_*`, `scale_*`, `impute_*`, `tokenize` ...) is defined both in
    the serving code (the serving modules and the project modules they import) and in a
    different training script or notebook of the same project (the nearest folder with a
    README, requirements or Dockerfile), with the same or nearly the same code (75 %
    similar): two copies of the feature logic instead of one shared module.

    Why it matters:
    Two copies drift apart: a fix or a new feature lands in the training copy only, and the
    model receives features at serving time that differ from those it learned from. Rules
    of ML #32: re-use code between the training and the serving pipeline.

    How to fix:
    Move the function into one module (for example `<package>/features.py`), import it from
    the training code and from the service, and test it once. Better still, ship the
    preprocessing inside the saved model (an sklearn `Pipeline`).
    """

    code = "RBK006"
    name = "preprocessing-not-shared"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "churn/features.py": "def prepare_features(row):\n    return [row['age'], row['tenure']]\n",
                "train.py": "from churn.features import prepare_features\nfrom sklearn.linear_model import LogisticRegression\n"
                "LogisticRegression().fit([prepare_features(r) for r in rows], labels)\n",
                "app.py": "from flask import Flask, request\nfrom churn.features import prepare_features\nimport joblib\napp = Flask(__name__)\n"
                "model = joblib.load('m.pkl')\n",
            }
        ),
        Example(
            {
                "store.py": "def build_query(table):\n    return f'SELECT * FROM {table}'\n\n"
                "def prepare_features(rows):\n    return [build_query(row) for row in rows]\n",
                "app.py": "from flask import Flask\nfrom store import prepare_features\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "train.py": "from sklearn.linear_model import LinearRegression\nfrom store import build_query\n\n"
                "def prepare_features(days):\n    return build_query('history WHERE day IN %s' % days)\n\nLinearRegression().fit(X, y)\n",
            },
            note="Same name, different code (training wraps the shared helper): not a copy.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.ipynb": notebook(
                    "import pandas as pd\nfrom sklearn.linear_model import LinearRegression",
                    "def prepare_features(ride):\n    return {'PU_DO': f\"{ride['PU']}_{ride['DO']}\"}",
                    "LinearRegression().fit(X, y)",
                ),
                "predict.py": "from flask import Flask, request\nimport pickle\n\napp = Flask('duration')\nmodel = pickle.load(open('lin_reg.bin', 'rb'))\n\n"
                "def prepare_features(ride):\n    return {'PU_DO': '%s_%s' % (ride['PU'], ride['DO'])}\n",
            },
            expect=["predict.py:7"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.has_serving:
            return "no serving code"
        return None if repo.facts.training_files else "no training code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        serving = set(repo.facts.serving_files)
        training: dict[str, list[tuple[str, str]]] = {}
        for path in repo.facts.training_files:
            if path in serving or is_example_path(path):
                continue
            text = repo.code_text(path) or ""
            for match in _TOP_DEF.finditer(text):
                training.setdefault(match.group(1), []).append((path, _function_text(text, match.start())))
        for path in sorted(serving):
            text = repo.text(path) or ""
            for match in _TOP_DEF.finditer(text):
                name = match.group(1)
                if not _PREPROCESSING_NAME.search(name) or name not in training:
                    continue
                project = _project_root(repo, path)
                mine = _function_text(text, match.start())
                twins = [
                    other
                    for other, body in training[name]
                    if _project_root(repo, other) == project and _similar(mine, body)
                ]
                if twins:
                    yield self.finding(
                        f"`{name}` is copied in {twins[0]}: keep one copy in a shared module (training/serving skew)",
                        path,
                        text.count("\n", 0, match.start()) + 1,
                        anchor=name,
                    )


# -- RBK007 ---------------------------------------------------------------------------------

_ERROR_HANDLERS = lazy_compile(
    r"\berrorhandler\s*\(|\bexception_handler\s*\(|\badd_exception_handler\s*\(|\bregister_error_handler\s*\(|\badd_error_handler\s*\("
    r"|@\w+\.exception\s*\(|\berror_handler\b|\bexception_handlers\s*="
)


def _guarded(handler: Handler) -> bool:
    """Whether a handler catches errors or bounds its time itself."""
    for node in body_nodes(handler.node):
        if isinstance(node, ast.Try) and node.handlers:
            return True
        if isinstance(node, ast.Call) and (
            any(keyword.arg == "timeout" for keyword in node.keywords) or call_parts(node)[1] in ("wait_for", "timeout")
        ):
            return True
    return False


class FallbackPolicyAbsent(RepoRule):
    """A prediction route has no fallback when the model fails.

    What it checks:
    Prediction routes of web-framework serving code that neither catch errors
    (`try`/`except`) nor bound their time (a `timeout=`, `asyncio.wait_for`), in an app
    that registers no error handler (`@app.errorhandler`, `@app.exception_handler`,
    `add_exception_handler`, `register_error_handler` ...). One finding per serving module.

    Why it matters:
    Models fail: an input the preprocessing cannot handle, an out-of-memory error, a slow
    downstream feature store. Without a policy the caller gets a bare 500 or a hang. A
    decided answer (a default prediction, a rule-based fallback, a clear 503 with a retry
    hint) keeps the product working while the model is out.

    How to fix:
    Decide what the product should do when the model cannot answer, and code it: wrap the
    prediction in `try`/`except` and return the fallback or a 503, register an exception
    handler for the app, and put a timeout on remote calls.
    """

    code = "RBK007"
    name = "fallback-policy-absent"
    pillar = Pillar.ROLLBACK
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI, HTTPException\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.post('/predict')\ndef predict(x: float):\n    try:\n        return {'y': float(model.predict([[x]])[0])}\n"
                "    except Exception as error:\n        raise HTTPException(503, 'model unavailable') from error\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask, request\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n\n"
                "@app.errorhandler(Exception)\ndef fallback(error):\n    return {'y': None, 'error': 'model unavailable'}, 503\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    return {'y': model.predict([request.json['x']]).tolist()}\n",
            }
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\n\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.post('/predict')\ndef predict(x: float):\n    return {'y': float(model.predict([[x]])[0])}\n\n"
                "@app.post('/predict_batch')\ndef predict_batch(xs: list[float]):\n    return {'y': model.predict([[x] for x in xs]).tolist()}\n",
            },
            expect=["app.py:8"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        serving_code = [SourceFile(path, 0, "python") for path in repo.facts.serving_files]
        if first_in_files(repo, _ERROR_HANDLERS, serving_code):
            return
        frameworks = repo.facts.serving_frameworks
        unguarded: dict[str, list[Handler]] = {}
        for handler in serving_handlers(repo):
            web = frameworks.get(handler.path, frozenset()) & (WEB_KINDS | {"router"})
            if handler.kind == "route" and handler.predicts and web and not _guarded(handler):
                unguarded.setdefault(handler.path, []).append(handler)
        for path, handlers in sorted(unguarded.items()):
            first = handlers[0]
            others = f" (and {len(handlers) - 1} more)" if len(handlers) > 1 else ""
            yield self.finding(
                f"prediction route {first.label}{others} has no fallback when the model fails: no try/except, timeout "
                "or app error handler",
                path,
                first.line,
                anchor=first.node.name,
            )


# -- RBK008 ---------------------------------------------------------------------------------

_DEV_COMMAND = lazy_compile(
    r"\bflask\b[\s\"',]+run\b|\b(?:uvicorn|gunicorn|hypercorn)\b[^\n]*--reload\b|\bfastapi\b[\s\"',]+dev\b"
)
_PYTHON_SCRIPT = lazy_compile(r"\bpython[\d.]*\b[\s\"',]+(?:-u[\s\"',]+)?([\w./-]+\.py)\b")
_RELOAD_IN_CODE = lazy_compile(r"\buvicorn\.run\s*\([^)]*\breload\s*=\s*True")
_PRODUCTION_SERVER = lazy_compile(r"\bwaitress\b|\bgunicorn\b|\bcheroot\b|\bmeinheld\b|\bbjoern\b|\bgevent\.pywsgi\b")


def _commands(repo: Repo) -> Iterator[tuple[str, int, str, bool]]:
    """(path, line, command, development) for each container or process start command: the CMD and ENTRYPOINT of
    each Dockerfile's final stage, Procfile entries, and `command:`/`entrypoint:`/`args:` lines of deploy manifests.
    `development` marks a setup meant for development: a Compose file named for it (dev, local, override, debug)
    or a Compose service that bind-mounts source folders from the host."""
    for file in repo.facts.dockerfiles:
        if is_test_path(file.path) or is_example_path(file.path) or ".devcontainer" in file.path:
            continue
        parsed = repo.dockerfile(file.path)
        stage = parsed.final_stage if parsed else None
        if stage is None:
            continue
        for keyword in ("ENTRYPOINT", "CMD"):
            instruction = stage.last(keyword)
            if instruction is not None:
                yield file.path, instruction.line, _exec_form(instruction.value), False
    for file in repo.all_files:
        if file.name == "Procfile" and not is_example_path(file.path):
            for number, line in enumerate(repo.lines(file.path), start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    yield file.path, number, line, False
    for file in repo.facts.deploy_manifests:
        lines = repo.lines(file.path)
        development = _development_lines(repo, file)
        for number, line in enumerate(lines, start=1):
            match = re.match(r"^(\s*)(?:-\s*)?(?:command|entrypoint|args)\s*:\s*(.*)$", line)
            if not match:
                continue
            command = match.group(2)
            indent = len(match.group(1))
            for following in lines[number : number + 8]:  # a block list under the key
                if not following.strip() or len(following) - len(following.lstrip()) <= indent:
                    break
                command += " " + following.strip().lstrip("- ")
            yield file.path, number, command, development is None or number in development


def _development_lines(repo: Repo, file: SourceFile) -> set[int] | None:
    """Lines of Compose services that bind-mount host folders (a live-code development setup); None when the
    whole file is for development (its name says dev, local, override or debug)."""
    name = file.name.lower()
    if not name.startswith(("docker-compose", "compose")):
        return set()
    if re.search(r"(?:^|[-_.])(?:dev|develop|development|local|override|debug)(?:[-_.]|$)", name):
        return None
    result: set[int] = set()
    for document in repo.yaml(file.path) or []:
        services = document.get("services") if isinstance(document, dict) else None
        if not isinstance(services, dict):
            continue
        for service in services.values():
            if not isinstance(service, dict) or not isinstance(service.get("volumes"), list):
                continue
            if any(isinstance(volume, str) and volume.startswith(".") for volume in service["volumes"]):
                lines = getattr(service, "lines", {})
                result.update(lines[key] for key in ("command", "entrypoint") if key in lines)
    return result


def _exec_form(value: str) -> str:
    """A Dockerfile command as one line, whether written in exec (JSON) or shell form."""
    if value.strip().startswith("["):
        try:
            parts = json.loads(value)
        except ValueError:
            return value
        if isinstance(parts, list):
            return " ".join(str(part) for part in parts)
    return value


def _script_file(repo: Repo, script: str, near: str) -> str | None:
    """The repository file a `python <script>` command runs, preferring files next to the command's file."""
    parts = [part for part in script.split("/") if part not in ("", ".")]
    folder = near.rsplit("/", 1)[0] if "/" in near else ""
    for start in range(len(parts)):
        suffix = "/".join(parts[start:])
        candidates = [file.path for file in repo.facts.source_files if file.path == suffix or file.path.endswith("/" + suffix)]
        if candidates:
            nearby = [path for path in candidates if not folder or path.startswith(folder + "/")]
            return min(nearby or candidates, key=len)
    return None


def _dev_server_in(text: str) -> str | None:
    """What development server a script starts: Flask's `app.run()`, or uvicorn with reload."""
    if _RELOAD_IN_CODE.search(text):
        return "uvicorn.run(..., reload=True)"
    if _PRODUCTION_SERVER.search(text):
        return None
    for match in re.finditer(r"^[ \t]*(\w+)\s*=\s*(?:flask\.)?Flask\s*\(", text, re.M):
        if re.search(rf"^[ \t]*{re.escape(match.group(1))}\.run\s*\(", text, re.M):
            return f"the Flask development server ({match.group(1)}.run())"
    return None


class DevServerInProduction(RepoRule):
    """A container or process starts a development web server.

    What it checks:
    The start command of a Dockerfile (final stage `CMD`/`ENTRYPOINT`), a Procfile or a
    Compose/Kubernetes manifest runs `flask run`, `fastapi dev`, a server with `--reload`,
    or `python <script>.py` where the script serves with Flask's `app.run()` (and no
    waitress/gunicorn) or `uvicorn.run(..., reload=True)`. Development setups are left
    alone: Compose files named for development and services that bind-mount source code.

    Why it matters:
    Flask's built-in server handles one request at a time, is not hardened and says so on
    start-up; `--reload` watches the file system and restarts the process. Under real
    traffic a model service behind them is slow, fragile and needlessly exposed.

    How to fix:
    Start the app with a production server: `gunicorn -w 2 -b 0.0.0.0:8000 app:app` for
    Flask, `uvicorn app:app --workers 2` (no `--reload`) or `gunicorn -k
    uvicorn.workers.UvicornWorker` for FastAPI, and keep `flask run`/`--reload` for local
    development.
    """

    code = "RBK008"
    name = "dev-server-in-production"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(debug=True)\n",
                "Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nWORKDIR /app\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n",
            },
            note="app.run() is only for local runs; the container uses gunicorn.",
        ),
        Example({"app.py": "from flask import Flask\napp = Flask(__name__)\napp.run()\n"}, note="No container or process file."),
        Example(
            {
                "docker-compose.yml": "services:\n  api:\n    build: .\n    volumes:\n      - ./:/app\n"
                "    command: uvicorn app.main:app --host 0.0.0.0 --reload\n",
            },
            note="Hot reload over bind-mounted source code: a development setup.",
        ),
    ]
    INVALID = [
        Example(
            {
                "service/app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n\n"
                "if __name__ == '__main__':\n    app.run(host='0.0.0.0', port=9696)\n",
                "service/Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY app.py .\nCMD [\"python\", \"app.py\"]\n",
            },
            expect=["service/Dockerfile:4"],
        ),
        Example(
            {
                "docker-compose.yml": "services:\n  api:\n    build: .\n    command: uvicorn app.main:app --host 0.0.0.0 --reload\n",
            },
            expect=["docker-compose.yml:4"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        has_procfile = any(file.name == "Procfile" for file in repo.all_files)
        if repo.facts.dockerfiles or repo.facts.deploy_manifests or has_procfile:
            return None
        return "no Dockerfile, Procfile or deploy manifest"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for path, line, command, development in _commands(repo):
            if development:
                continue
            match = _DEV_COMMAND.search(command)
            if match:
                yield self.finding(
                    f"starts a development server (`{match.group(0).strip()}`): use gunicorn/uvicorn workers without reload",
                    path,
                    line,
                )
                continue
            script = _PYTHON_SCRIPT.search(command)
            target = _script_file(repo, script.group(1), path) if script else None
            server = _dev_server_in(repo.text(target) or "") if target else None
            if server:
                yield self.finding(
                    f"runs {target}, which starts {server}: serve the app with gunicorn/uvicorn instead",
                    path,
                    line,
                )


# -- RBK009 ---------------------------------------------------------------------------------

# Quality metrics (not the training loss: "the loss decreased" is a training test, not a release gate).
_METRIC = r"(?:acc|accuracy|auc|roc_auc|f1|f1_score|rmse|mae|mse|mape|r2|precision|recall|score|metrics?|map|bleu|rouge|perplexity)"
# Gates that pipelines evaluate themselves (SageMaker, Kubeflow, TFX), wherever the pipeline is defined.
_PIPELINE_GATE = lazy_compile(
    r"\bConditionStep\s*\(|\bCondition(?:GreaterThan|LessThan)\w*\s*\(|\bdsl\.(?:Condition|If)\s*\(|\bvalidate_evaluation_results\b"
)
_QUALITY_GATE = lazy_compile(
    r"\bvalidate_evaluation_results\b|\bMetricThreshold\s*\(|\bTestSuite\s*\(|\b(?:Generic)?ValueThreshold\b|\bChangeThreshold\b"
    r"|\bConditionStep\b|\bCondition(?:GreaterThan|LessThan)\w*\b|\bdsl\.(?:Condition|If)\s*\(|\bchampion\b|\bchallenger\b"
    r"|\bdef\s+\w*(?:promote|validate_model|model_validation|quality_gate|compare_models|is_better|should_deploy)\w*\s*\("
    rf"|^[ \t]*assert\b[^\n]*\b\w*{_METRIC}\w*\b[^\n]*[<>]=?"
    rf"|^[ \t]*if\b[^\n]*\b\w*{_METRIC}\w*\b[^\n]*[<>]=?[^\n]*(?:threshold|THRESHOLD|min_|MIN_|baseline|production|current|best_deployed)"
    rf"|^[ \t]*if\b[^\n]*\b\w*{_METRIC}\w*\b[^\n]*[<>]=?[^\n]*:\s*\n\s*(?:raise|sys\.exit|exit\(|return\s+False)",
    re.M | re.I,
)


class ModelQualityGateAbsent(RepoRule):
    """No automatic check vetoes a worse model before it is deployed.

    What it checks:
    A repository that trains and serves a model has no quality gate between the two: no
    metric assertion in tests or pipeline code (`assert accuracy > 0.85`), no threshold check
    that raises or stops (`if f1 < MIN_F1: raise ...`), no candidate-versus-production
    comparison (champion/challenger), no `mlflow.validate_evaluation_results`/`MetricThreshold`,
    Evidently `TestSuite`, TFX `ValueThreshold`, or SageMaker/Kubeflow condition step. A gate
    that exists only in a notebook earns half credit, unless the notebook defines a pipeline whose
    condition step applies it. Libraries are skipped.

    Why it matters:
    Retraining on new data can produce a worse model: a broken feature, a bad label batch, a
    leak. Without an automatic bless/veto step, the pipeline ships it, and users find out.
    The ML Test Score asks that model quality is validated before serving (Infra 4).

    How to fix:
    After evaluation, compare the candidate's metrics with a fixed floor and with the model
    in production, and fail the pipeline or CI job when it is worse, e.g. with
    `mlflow.validate_evaluation_results(...)` or a plain check that raises; only then
    register or promote the model.
    """

    code = "RBK009"
    name = "model-quality-gate-absent"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "pipeline_src/train.py": "import transformers\ntrainer.train()\n",
                "deploy/endpoint.py": "predictor = model.deploy(initial_instance_count=1, instance_type='ml.m5.large')\n",
                "sm_pipeline.ipynb": notebook(
                    "from sagemaker.workflow.condition_step import ConditionStep\nfrom sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo",
                    "gate = ConditionStep(name='check-accuracy', conditions=[ConditionGreaterThanOrEqualTo(left=accuracy, right=0.8)],\n"
                    "    if_steps=[step_register, step_deploy], else_steps=[])",
                ),
            },
            note="A pipeline defined in a notebook: its condition step gates the deployment, not a person.",
        ),
        Example(
            {
                "train.py": "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import f1_score\n"
                "MIN_F1 = 0.8\nmodel = LogisticRegression().fit(X, y)\nscore = f1_score(y_test, model.predict(X_test))\n"
                "if score < MIN_F1:\n    raise SystemExit(f'f1 {score:.2f} below the floor')\n",
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
            }
        ),
        Example(
            {
                "train.py": "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)\n",
                "tests/test_model.py": "def test_model_quality(model, holdout):\n    assert model.score(*holdout) >= 0.85\n",
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
            }
        ),
        Example(
            {
                "pipeline.py": "from sagemaker.workflow.condition_step import ConditionStep\nfrom sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo\n",
                "train.py": "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)\n",
                "inference.py": "import joblib\n\ndef model_fn(model_dir):\n    return joblib.load(model_dir + '/m.joblib')\n\ndef predict_fn(data, model):\n    return model.predict(data)\n",
            },
            note="A SageMaker pipeline condition step gates the registration.",
        ),

    ]
    INVALID = [
        Example(
            {
                "train.py": "import joblib\nfrom sklearn.linear_model import LogisticRegression\n\n"
                "def main():\n    model = LogisticRegression().fit(X, y)\n    joblib.dump(model, 'm.pkl')\n\n"
                "if __name__ == '__main__':\n    main()\n",
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
            },
            expect=["train.py"],
        ),
        Example(
            {
                "train.py": "import torch\n\nfor epoch in range(3):\n    loss = step()\n    loss.backward()\n",
                "tests/test_train.py": "def test_loss_decreases(losses):\n    assert losses[0] > losses[-1]\n",
                "evaluate.ipynb": notebook("from sklearn.metrics import f1_score\nassert f1_score(y_true, y_pred) > 0.8"),
                "app.py": "from fastapi import FastAPI\nimport torch\napp = FastAPI()\nmodel = torch.jit.load('m.pt')\n",
            },
            expect=["train.py"],
            note="A falling training loss is no release gate; the notebook's check earns half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        reason = deployment_skip_reason(repo)
        if reason:
            return reason
        return None if repo.facts.training_files else "trains no model here"

    def check(self, repo: Repo) -> Iterable[Finding]:
        code = [file for file in repo.facts.python_files if not is_example_path(file.path)]
        if first_in_files(repo, _QUALITY_GATE, [*code, *repo.facts.ci_files, *config_files(repo)]):
            return
        if repo.first(_PIPELINE_GATE, repo.facts.notebooks):
            return  # a notebook that defines a pipeline with a gate: the check runs in the pipeline, not by hand
        manual = repo.first(_QUALITY_GATE, repo.facts.notebooks)
        scripts = [path for path in repo.facts.training_entrypoints if path.endswith(".py")] or [
            path for path in repo.facts.training_files if path.endswith(".py")
        ]
        candidates = scripts or repo.facts.training_files
        anchor = min(candidates, key=lambda path: ("train" not in path.rsplit("/", 1)[-1].lower(), path.count("/"), path))
        if manual:
            yield self.finding(
                f"the model's quality is only checked by hand in {manual.path}: make the check a step that fails the "
                "pipeline before deployment",
                anchor,
                partial=True,
            )
            return
        yield self.finding(
            "nothing checks a new model against a metric floor or the production model before it is deployed",
            anchor,
        )


# -- RBK010 ---------------------------------------------------------------------------------

_GRADUAL = lazy_compile(
    r"\bcanary\b|\bshadow\b|blue[-_ ]?green|traffic[-_]?split|\btrafficPercent\b|\bcanaryTrafficPercent\b"
    r"|\bShadowProductionVariants\b|\bTrafficRoutingConfiguration\b|\bab[-_]?test|\bA/B\b|^kind:\s*(?:Rollout|Canary|TrafficSplit)\b"
    r"|\btraffic\s*[=:]\s*\{|--no-traffic\b|--to-revisions\b|\bupdate-traffic\b|\btraffic_percentage\b|\bmirror(?:Percentage)?\s*:",
    re.M | re.I,
)
_WEIGHTED_ROUTE = lazy_compile(r"^kind:\s*(?:VirtualService|HTTPRoute)\b[\s\S]*\bweight:\s*\d+", re.M)
_GRADUAL_DOCS = lazy_compile(r"(?i)\b(?:canary|shadow (?:deploy|mode|traffic)|blue[- ]green|a/b test|traffic split)")


class CanaryOrShadowAbsent(RepoRule):
    """New models go to all traffic at once: no canary, shadow or blue-green rollout.

    What it checks:
    A repository that deploys a model to an orchestrator (Kubernetes, Helm, KServe/Seldon,
    serverless or CloudFormation manifests, SageMaker/Vertex/Azure ML endpoints) has no
    gradual rollout anywhere in its code or configuration: no Argo Rollouts or Flagger
    canary, KServe `canaryTrafficPercent`, Istio weighted routes or mirroring, Seldon or
    SageMaker shadow variants, blue-green deployment config, Azure ML `traffic` split or
    Cloud Run traffic tags. Docs that describe one earn half credit. Advice only.

    Why it matters:
    Offline metrics do not guarantee online behaviour. Sending a new model a small share of
    real traffic first (or a shadow copy of it) shows problems while they affect few users
    and while the old model is still serving, which makes the rollback trivial.

    How to fix:
    Use the rollout features of your platform: Argo Rollouts or Flagger steps on Kubernetes,
    `canaryTrafficPercent` in KServe, shadow variants in SageMaker, a blue/green traffic split
    in Azure ML, and promote only when the new model's metrics hold.
    """

    code = "RBK010"
    name = "canary-or-shadow-absent"
    pillar = Pillar.ROLLBACK
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "deploy/isvc.yaml": "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: churn\n"
                "spec:\n  predictor:\n    canaryTrafficPercent: 10\n    model:\n      storageUri: s3://models/churn/v7\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "docker-compose.yml": "services:\n  api:\n    build: .\n",
            },
            note="Compose alone is no orchestrator with traffic management: the rule does not apply.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: churn\nspec:\n  replicas: 3\n",
            },
            expect=["k8s/deployment.yaml"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        reason = deployment_skip_reason(repo)
        if reason:
            return reason
        return None if self._orchestrated(repo) else "no orchestrated deployment (Kubernetes, serverless, managed endpoint)"

    @staticmethod
    def _orchestrated(repo: Repo) -> list[str]:
        manifests = [
            file.path
            for file in repo.facts.deploy_manifests
            if not file.name.lower().startswith(("docker-compose", "compose"))
        ]
        endpoints = [path for path, _line, text in repo.facts.model_server_refs if path.endswith(".py") or "kind:" in text]
        model_first = sorted(manifests, key=lambda path: not _MODEL_WORKLOAD.search(repo.text(path) or ""))
        return model_first + endpoints

    def check(self, repo: Repo) -> Iterable[Finding]:
        files = [*config_files(repo), *source_code(repo)]
        if first_in_files(repo, _GRADUAL, files) or first_in_files(repo, _WEIGHTED_ROUTE, config_files(repo)):
            return
        anchor = self._orchestrated(repo)[0]
        documented = first_in_docs(repo, _GRADUAL_DOCS)
        if documented:
            yield self.finding(
                f"gradual rollout is only described in {documented[0]}: configure it", anchor, partial=True
            )
            return
        yield self.finding(
            "new models are deployed to all traffic at once: no canary, shadow or blue-green rollout is configured",
            anchor,
        )


# -- RBK011 ---------------------------------------------------------------------------------


def _image_problem(reference: str) -> str | None:
    """Why an image reference moves ("no tag", "the latest tag"), or None when it is pinned or templated."""
    reference = reference.strip().strip("\"'")
    if not reference or any(mark in reference for mark in ("$", "{{", "<", "%")):
        return None
    image = parse_image(reference)
    if image.digest:
        return None
    if image.tag is None:
        return "no tag (pulls :latest)"
    return "the :latest tag" if image.tag.lower() == "latest" else None


def _walk_images(node: Any, in_compose: bool) -> Iterator[tuple[int, str, str]]:
    """(line, reference, problem) for every moving image under a parsed YAML node."""
    if isinstance(node, dict):
        lines = getattr(node, "lines", {})
        image = node.get("image")
        built = in_compose and "build" in node
        if isinstance(image, str) and not built:
            problem = _image_problem(image)
            if problem:
                yield lines.get("image", getattr(node, "line", 0)), image, problem
        elif isinstance(image, dict) and isinstance(image.get("tag"), str) and image["tag"].strip().lower() == "latest":
            repository = image.get("repository", "?")
            yield getattr(image, "lines", {}).get("tag", lines.get("image", 0)), f"{repository}:latest", "the :latest tag"
        new_tag = node.get("newTag")
        if isinstance(new_tag, str) and new_tag.strip().lower() == "latest":
            yield lines.get("newTag", 0), f"{node.get('name', '?')}:latest", "the :latest tag"
        for key, value in node.items():
            if key != "image":
                yield from _walk_images(value, in_compose)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_images(item, in_compose)


def _built_images(document: Any) -> set[str]:
    """The images a Compose file builds itself (services with both `build:` and `image:`): other
    services that run them run what this file built."""
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return set()
    return {
        service["image"]
        for service in services.values()
        if isinstance(service, dict) and "build" in service and isinstance(service.get("image"), str)
    }


# Local stand-ins for cloud services, run by tests and homework setups, never deployed.
_EMULATOR_IMAGE = lazy_compile(
    r"(?:^|/)(?:localstack|moto|motoserver|azurite|fake-gcs-server|dynamodb-local|kinesalite|elasticmq(?:-native)?)(?:[:@]|$)"
)


class DeployImageUnpinned(RepoRule):
    """A deployment manifest runs an image without a fixed tag.

    What it checks:
    `image:` references in Kubernetes, Kustomize, Helm values, Compose, Serverless and
    CloudFormation files that have no tag (which means `:latest`) or use `:latest`
    (Helm `image.tag: latest`, Kustomize `newTag: latest`). Digests, specific tags and
    templated references (`${TAG}`, `{{ .Values.image.tag }}`) pass, as do Compose services
    that build their image from the repository, and those that run an image another service
    of the same file builds. Helm templates are not read, nor Compose
    files named for development (`*dev*`, `*local*`, `*override*`, `*debug*`), nor local cloud
    emulators that only stand in for a cloud service in tests (LocalStack, moto, Azurite ...).

    Why it matters:
    A moving tag means the same manifest deploys different code on different days and nodes,
    and "roll back to the previous version" has no version to go back to. The ML Test Score
    asks that serving models can be rolled back (Infra 7).

    How to fix:
    Tag every image you build with a version or the git SHA, reference that tag (or a
    `@sha256:` digest) in the manifests, and pin third-party images (`postgres:16.3`,
    `redis:7.2`) the same way.
    """

    code = "RBK011"
    name = "deploy-image-unpinned"
    pillar = Pillar.ROLLBACK
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: churn\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: api\n          image: ghcr.io/acme/churn:1.4.2\n"
                "        - name: sidecar\n          image: envoyproxy/envoy@sha256:" + "a" * 64 + "\n",
                "docker-compose.yml": "services:\n  api:\n    build: .\n    image: churn-api\n  cache:\n    image: redis:7.2\n"
                "  worker:\n    image: churn-api\n    command: python worker.py\n",
            }
        ),
        Example(
            {
                "chart/Chart.yaml": "apiVersion: v2\nname: churn\nversion: 0.1.0\nappVersion: 1.4.2\n",
                "chart/values.yaml": "image:\n  repository: ghcr.io/acme/churn\n  tag: \"\"\n",
                "docker-compose.dev.yml": "services:\n  mail:\n    image: axllent/mailpit\n",
            },
            note="An empty Helm tag defaults to the chart's appVersion; a dev Compose file deploys nothing.",
        ),
        Example(
            {
                "tests-integration/docker-compose.yaml": "services:\n  api:\n    build: .\n  s3:\n    image: localstack/localstack\n",
            },
            note="LocalStack stands in for AWS during tests: it is never deployed.",
        ),
    ]
    INVALID = [
        Example(
            {
                "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: churn\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: api\n          image: ghcr.io/acme/churn:latest\n",
                "docker-compose.yml": "services:\n  db:\n    image: postgres\n",
            },
            expect=["k8s/deployment.yaml:10", "docker-compose.yml:3"],
        ),
        Example(
            {
                "kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages:\n  - name: churn\n    newTag: latest\n",
                "chart/Chart.yaml": "apiVersion: v2\nname: churn\nversion: 0.1.0\n",
                "chart/values.yaml": "image:\n  repository: ghcr.io/acme/churn\n  tag: latest\n",
            },
            expect=["kustomization.yaml:5", "chart/values.yaml:3"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.deploy_manifests else "no deploy manifests"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for file in repo.facts.deploy_manifests:
            if "/templates/" in f"/{file.path}" or _development_lines(repo, file) is None:
                continue  # Helm templates are not YAML; a dev/local/override Compose file deploys nothing
            compose = file.name.lower().startswith(("docker-compose", "compose"))
            seen: set[tuple[int, str]] = set()  # YAML anchors repeat the same node
            for document in repo.yaml(file.path) or []:
                built = _built_images(document) if compose else set()
                for line, reference, problem in _walk_images(document, compose):
                    if (line, reference) in seen or _EMULATOR_IMAGE.search(reference) or reference in built:
                        continue
                    seen.add((line, reference))
                    yield self.finding(
                        f"image `{reference}` has {problem}: deploy a fixed version tag or digest",
                        file.path,
                        line or None,
                        anchor=reference,
                    )
