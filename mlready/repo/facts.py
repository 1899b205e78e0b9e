"""Facts about a repository, computed once and shared by every rule.

All facts come from cheap text scans (regexes over file text), never from
importing or running the analysed code.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import posixpath
import re
import sys
from collections.abc import Callable, Hashable, Iterable
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from mlready.parsers.requirements import canonical_name, parse_requirement_line
from mlready.patterns import LazyPattern, finditer, first_match, lazy_compile, may_match
from mlready.repo.repo import FACT_PREFIX, SourceFile, is_bool, is_rows, is_str, is_str_list

T = TypeVar("T")

if TYPE_CHECKING:
    from mlready.repo.repo import Recording, Repo

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

_DEFINITION = lazy_compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w", re.M)
_IMPORT = lazy_compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w., \t]*))", re.M)

# -- serving (see Facts.serving_frameworks) ----------------------------------------------

# Cheap prefilter; every candidate is then checked with `ast`, so strings and docs never count.
_SERVING = lazy_compile(
    r"\b(?:Flask|Quart|FastAPI|Starlette|Litestar|Sanic|APIRouter|Blueprint|LitServer|TritonPythonModel)\b"
    r"|\b(?:falcon|tornado|aiohttp|bentoml|kserve|mlserver|litserve|cog|ts\.torch_handler)\b|\bserve\.deployment\b"
    r"|\bdef\s+(?:model_fn|predict_fn|transform_fn)\s*\(|\bAZUREML_MODEL_DIR\b|^def\s+\w+\s*\(\s*event\s*,\s*context\s*\)",
    re.M,
)
# Literal words one of which every match of `_SERVING` contains (a fast `in` test before the regex).
_SERVING_WORDS = (
    "Flask", "Quart", "FastAPI", "Starlette", "Litestar", "Sanic", "APIRouter", "Blueprint", "LitServer", "TritonPythonModel",
    "falcon", "tornado", "aiohttp", "bentoml", "kserve", "mlserver", "litserve", "cog", "torch_handler", "serve.deployment",
    "model_fn", "predict_fn", "transform_fn", "AZUREML_MODEL_DIR", "event, context", "event,context",
)
_ENDPOINT_WORDS = ("deploy", "create_endpoint", "ManagedOnlineDeployment", "aiplatform")
# Words that tie a web app (or the modules it imports) to a model: a CRUD app or a ping service is not model serving.
_MODEL_WORDS = lazy_compile(
    r"predict|inferenc|\binfer\b|invoke_endpoint|classif|embedding|forecast|\bonnx|joblib|sklearn|\btorch\b|tensorflow"
    r"|keras|transformers|xgboost|lightgbm|catboost|mlflow|load_model|from_pretrained|\bmodel\s*(?:\.\s*\w+\s*\(|=[^=])",
    re.I,
)
_PREDICT_WORDS = lazy_compile(r"predict|infer|invoke_endpoint", re.I)
# A model loaded or asked for predictions (for Ray Serve deployments, which can serve anything).
_MODEL_USE = lazy_compile(
    r"predict|inferenc|load_model|from_pretrained|joblib|pickle\.load|torch\.(?:jit\.)?load|InferenceSession|pipeline\s*\(", re.I
)
# Folders of examples, docs, tutorials and vendored code: serving code there does not make the repository a service.
_EXAMPLE_DIR = lazy_compile(
    r"(?:examples?|docs?|docs_src|documentation|tutorials?|demos?|samples?|notebooks?|benchmarks?|cookbooks?|exercises?"
    r"|exercise_files|homeworks?|third_party|vendor(?:ed)?|site-packages|node_modules)"
    r"|(?:examples?|tutorials?|demos?|samples?|exercises?)[-_]\w+"  # example_1, demo-app, tutorial_advanced
)
_EXAMPLE_README = lazy_compile(r"(?i)\b(?:an?|this|simple|minimal|toy|basic)\s+(?:[\w-]+\s+){0,3}?(?:example|demo|sample)s?\b")
_WEB_APPS = {
    "Flask": "flask", "Quart": "quart", "FastAPI": "fastapi", "Starlette": "starlette", "Litestar": "litestar",
    "Sanic": "sanic", "falcon.App": "falcon", "falcon.asgi.App": "falcon", "tornado.web.Application": "tornado",
    "web.Application": "aiohttp", "aiohttp.web.Application": "aiohttp",
}
# Base classes of model-server handlers, and the package that must provide them.
_HANDLER_BASES = {
    "LitAPI": ("litserve", "litserve"), "MLModel": ("mlserver", "mlserver"), "BasePredictor": ("cog", "cog"),
    "Model": ("kserve", "kserve"), "BaseHandler": ("ts.torch_handler", "torchserve"),
    "VisionHandler": ("ts.torch_handler", "torchserve"), "TextHandler": ("ts.torch_handler", "torchserve"),
    "ImageClassifier": ("ts.torch_handler", "torchserve"), "ObjectDetector": ("ts.torch_handler", "torchserve"),
    "ImageSegmenter": ("ts.torch_handler", "torchserve"), "TextClassifier": ("ts.torch_handler", "torchserve"),
}
_APP_FACTORY = lazy_compile(r"(?:create|make|get|build|init|setup)_?(?:app|application|api|server)|app_factory")
# A prebuilt model server run or deployed (Dockerfiles, manifests, Procfiles, scripts).
_MODEL_SERVER_RUN = lazy_compile(
    r"\bmlflow[\"',\s]+models[\"',\s]+serve\b|\btorchserve[\"',\s]+--start\b|\btritonserver\b|\btensorflow_model_server\b"
    r"|\bbentoml[\"',\s]+serve\b|\bmlserver[\"',\s]+start\b|\bseldon-core-microservice\b|\bvllm[\"',\s]+serve\b"
    r"|\bvllm\.entrypoints\b|text-generation-launcher"
    # image names, not the same words in a URL or a Go module path (`github.com/seldonio/seldon-core`)
    r"|(?<![/\w.-])(?:tensorflow/serving\b|pytorch/torchserve\b|seldonio/)|text-generation-inference"
    r"|^kind:\s*(?:InferenceService|SeldonDeployment|ServingRuntime|ClusterServingRuntime|InferenceGraph|BentoDeployment)\b",
    re.M,
)
# A model deployed to a managed endpoint from Python (SageMaker, Vertex AI, Azure ML).
_ENDPOINT_DEPLOY = lazy_compile(
    r"\.deploy\s*\((?:[^()]|\([^()]*\))*\binitial_instance_count\s*=|\.create_endpoint\s*\(|\bManagedOnlineDeployment\s*\("
    r"|\bModel\.deploy\s*\(|\.deploy_to_endpoint\s*\(|\baiplatform\.Endpoint\.create\s*\(|\bendpoint\.deploy\s*\("
)


def is_example_path(path: str) -> bool:
    """Whether a file sits in a folder of examples, docs, tutorials, demos, benchmarks or vendored code."""
    return any(_EXAMPLE_DIR.fullmatch(part.lower()) for part in path.split("/")[:-1])


def _dotted(node: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _serving_kinds_of(text: str) -> list[str]:
    """`_serving_kinds` behind a cheap text filter, as a sorted list."""
    if not text or not any(word in text for word in _SERVING_WORDS) or not first_match(_SERVING, text):
        return []
    return sorted(_serving_kinds(text))


def _serving_kinds(text: str) -> set[str]:
    """What serving a module builds: a web framework app ("flask", "fastapi", ...), a "router" (APIRouter,
    Blueprint), a model-server handler ("bentoml", "ray", "kserve", "litserve", "torchserve", "triton", "cog",
    "mlserver"), a "sagemaker" or "azureml" scoring script, or an AWS "lambda" handler that predicts.

    Only real code counts, never strings: apps and routers at module level or in an app factory function
    (`create_app`, `main` ...), handler classes and scoring functions at module level. Library code that builds
    an app inside some other function or method is not a service of this repository.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    kinds: set[str] = set()

    def scan_calls(nodes: list[ast.stmt]) -> None:
        for statement in nodes:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Call):
                    name = _dotted(node.func)
                    short = name.rsplit(".", 1)[-1]
                    if name in _WEB_APPS or short in ("Flask", "Quart", "FastAPI", "Starlette", "Litestar", "Sanic"):
                        kinds.add(_WEB_APPS.get(name) or _WEB_APPS[short])
                    elif short in ("APIRouter", "Blueprint"):
                        kinds.add("router")
                    elif name in ("bentoml.Service", "Service") and "bentoml" in text:
                        kinds.add("bentoml")
                    elif short == "LitServer":
                        kinds.add("litserve")

    scan_calls(tree.body)
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _APP_FACTORY.fullmatch(statement.name.lower()):
                scan_calls(statement.body)
            names = [arg.arg for arg in statement.args.args]
            for decorator in statement.decorator_list:
                if _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) == "bentoml.api":
                    kinds.add("bentoml")
            sagemaker_model = statement.name == "model_fn" and names[:1] == ["model_dir"]
            if sagemaker_model or (statement.name in ("predict_fn", "transform_fn") and len(names) >= 2):
                kinds.add("sagemaker")
            elif statement.name == "run" and "azureml" in text.lower() and re.search(r"^def\s+init\s*\(", text, re.M):
                kinds.add("azureml")
            elif names == ["event", "context"] and _PREDICT_WORDS.search(text):
                kinds.add("lambda")
        elif isinstance(statement, ast.ClassDef):
            if statement.name == "TritonPythonModel":
                kinds.add("triton")
            for decorator in statement.decorator_list:
                name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
                if name in ("serve.deployment", "ray.serve.deployment"):
                    kinds.add("ray")
                elif name == "bentoml.service":
                    kinds.add("bentoml")
            for base in statement.bases:
                name = _dotted(base)
                short = name.rsplit(".", 1)[-1]
                if short in _HANDLER_BASES:
                    package, kind = _HANDLER_BASES[short]
                    if re.search(rf"^\s*(?:from|import)\s+{re.escape(package)}\b", text, re.M):
                        kinds.add(kind)
    return kinds


_TRAINING = lazy_compile(
    r"\.fit(?:_generator)?\s*\(|\btrainer\.train\s*\(|\.backward\s*\(\s*\)|\bTrainer\s*\(|\.train_model\s*\(|\bxgb\.train\s*\(|\blgb\.train\s*\("
)

# Model evaluation: sklearn metric functions, torchmetrics, HF evaluate, Keras compile metrics, evaluate() calls.
_EVALUATION = (
    r"\b(?:accuracy_score|balanced_accuracy_score|precision_score|recall_score|f1_score|fbeta_score|roc_auc_score"
    r"|average_precision_score|log_loss|classification_report|confusion_matrix|matthews_corrcoef|cohen_kappa_score"
    r"|mean_squared_error|mean_absolute_error|root_mean_squared_error|mean_absolute_percentage_error|r2_score"
    r"|explained_variance_score|median_absolute_error|ndcg_score|top_k_accuracy_score|brier_score_loss"
    r"|precision_recall_fscore_support|roc_curve|precision_recall_curve)\s*\("
    r"|\btorchmetrics\b|\bevaluate\.load\s*\(|\.compile\s*\([^)]*\bmetrics\s*=|\bsklearn\.metrics\b(?!\.pairwise)"
    r"|(?m:^)[^\S\n]*from\s+sklearn\s+import\s+[^\n]*\bmetrics\b|\bmlflow\.(?:models\.)?evaluate\s*\("
    r"|\b(?:model|trainer|learner|learn|estimator)\.evaluate\s*\("
)

# Markdown that documents nothing about the project: issue and PR templates, AI assistants' instructions and prompts.
_NOT_DOCS = lazy_compile(
    r"^\.github/(?:ISSUE_TEMPLATE|PULL_REQUEST_TEMPLATE|pull_request_template|DISCUSSION_TEMPLATE|copilot-instructions)"
    r"|(?:^|/)(?:prompts?|\.claude|\.cursor|\.windsurf|\.github/instructions|skills)/|(?:^|/)(?:CLAUDE|AGENTS|GEMINI|SKILL)\.md$"
    r"|(?:^|/)[^/]*prompt[^/]*\.(?:md|txt)$",
    re.I,
)

_CONDA_DEPENDENCIES = lazy_compile(r"^dependencies[ \t]*:[ \t]*$", re.M)
_CONDA_SIGN = lazy_compile(r"^channels[ \t]*:|^[ \t]+-[ \t]+(?:python|pip)(?:[ \t]*[=<>]|[ \t]*$)", re.M)

# `docker build ... -t NAME[:TAG]` (or `--tag`, `docker buildx build`): the tag a build gives its image.
_DOCKER_BUILD_TAG = lazy_compile(r"\bdocker[ \t]+(?:buildx[ \t]+)?build\b[^\n;&|]*?(?:-t|--tag)(?:[ \t]+|=)[\"']?([\w./:-]+)")

_TEST_RUNNER = lazy_compile(
    r"\b(?:pytest|py\.test|unittest|tox|nox|hatch\s+(?:run\s+)?test|make\s+(?:test|check|ci)\w*|pixi\s+run\s+test\w*"
    r"|poe\s+test|invoke\s+test|just\s+test\w*|ward|nose2?"
    r"|nbdev[_-]test|rye\s+test|pdm\s+(?:run\s+)?test\w*|task\s+test\w*|bazel\s+test|pants\s+test"
    r"|(?:mise|inv|uv\s+run|poetry\s+run)\s+(?:run\s+)?test\w*)\b"
)
# Task runners whose task definitions CI may call (`hatch run test`, `poe check`, `just ci` ...).
_TASK_RUNNER = lazy_compile(r"\b(?:hatch|pdm|poe|poethepoet|task|pixi|rye|just|invoke|inv|mise|uv\s+run|poetry\s+run)\s")
_CALLED_SUFFIXES = (".sh", ".bash", ".py", ".ps1", ".bat", ".cmd", ".yml", ".yaml", ".cfg", ".ini")

CI_FILE_PATTERNS = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    ".travis.yml",
    "Jenkinsfile",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
    ".buildkite/*.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    ".drone.yml",
    "buildspec.yml",
    "appveyor.yml",
    ".appveyor.yml",
    ".cirrus.yml",
    ".woodpecker.yml",
    ".woodpecker/*.yml",
    ".semaphore/semaphore.yml",
    ".taskcluster.yml",
    "prow_config.yaml",
    ".prow.yaml",
    ".prow/*.yaml",
    ".gitea/workflows/*.yml",
    ".gitea/workflows/*.yaml",
    ".forgejo/workflows/*.yml",
    ".forgejo/workflows/*.yaml",
    "**/azure-pipelines*.yml",
    "**/azure-pipelines*.yaml",
)
# Azure Pipelines keep their files anywhere (`.pipelines/`, `.azure/`, `ci/`): a YAML file is one when
# it has top-level steps, jobs or stages and something only a pipeline has (a `- task: Name@N` step,
# a script step, a template include, a trigger or an agent pool).
_AZURE_PIPELINE_ROOT = lazy_compile(r"^(?:steps|jobs|stages|extends):", re.M)
_AZURE_PIPELINE_MARK = lazy_compile(
    r"^[ \t]*-[ \t]*(?:task:[ \t]*\w[\w.-]*@\d|template:[ \t]*\S+\.ya?ml|script:|bash:|pwsh:|powershell:|checkout:)"
    r"|^(?:trigger|pr|pool):",
    re.M,
)

LOCK_FILES = frozenset(
    {"poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "conda-lock.yml", "pixi.lock", "requirements.lock"}
)

_NON_LOGIC_PY = frozenset({"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "manage.py", "__init__.py"})

# -- versioning and training facts (models, registries, DVC, LFS) ---------------------

# A model registry or a versioned model store. `partial` evidence only logs models to
# tracked runs (MLflow `log_model`, autolog) without registering a version.
_REGISTRY_FULL = lazy_compile(
    r"\bregister_model\s*\(|\bregistered_model_name\s*=|\.create_model_version\s*\(|\.create_registered_model\s*\("
    r"|\.set_registered_model_alias\s*\(|\.transition_model_version_stage\s*\(|[\"']models:/"
    r"|\bwandb\b[^\n]*\.(?:log_artifact|link_model|log_model|link_artifact)\s*\("
    r"|\b(?:run|wandb)\.(?:log_artifact|link_model|log_model|link_artifact)\s*\("
    r"|\bModelPackage\b|\bmodel_package_group_name\s*=|\.create_model_package\s*\("
    r"|\baiplatform\.Model\.upload\s*\(|\bModel\.upload\s*\(|\bModel\.register\s*\(|\.models\.create_or_update\s*\("
    r"|\bbentoml\.\w+\.save_model\s*\(|\bbentoml\.models\.create\s*\(|\binit_model_version\s*\("
    r"|\bOutputModel\s*\(|\.push_to_hub\s*\(|\.upload_folder\s*\(|\bOutput\[\s*Model\s*\]|\bfrom\s+zenml\b"
    r"|\bFlowSpec\b|\bWandbLogger\s*\([^)]*\blog_model\s*=\s*(?:True|[\"']all)"
)
_REGISTRY_KEYWORDS = (
    "register", "model_version", "models:/", "wandb", "ModelPackage", "model_package", "Model.", "create_or_update",
    "bentoml", "OutputModel", "push_to_hub", "upload_folder", "Output[", "zenml", "FlowSpec", "log_model", "autolog",
    "save_artifact", "WandbLogger",
)
_REGISTRY_PARTIAL = lazy_compile(
    r"\bmlflow\.(?:\w+\.)?(?:log_model|autolog)\s*\(|\.log_model\s*\(|\bsave_artifact\s*=\s*True"
    r"|\bMLFlowLogger\s*\([^)]*\blog_model\s*="
)
_MODEL_SAVE = lazy_compile(
    r"\b(?:joblib|pickle|dill|cloudpickle|skops\.io)\.dump\s*\(|\btorch\.save\s*\(|\.save_(?:model|pretrained|weights|checkpoint)\s*\("
    r"|\bsave_model\s*\(|\b\w*model\w*\.save\s*\(|saved_model\.save\s*\(|\.log_model\s*\(|\btorch\.onnx\.export\s*\("
    r"|\.to_onnx\s*\(|\bexport_model\s*\(",
    re.I,
)
# Names of preprocessing objects whose `.fit(...)` trains no model.
_PREPROCESSOR = lazy_compile(
    r"scal|encod|imput|vectori[sz]|token|pca|select|feature_?sel|(?:^|_)sel(?:_|$)|transform|binariz|normali[sz]"
    r"|discreti[sz]|poly|ohe|tfidf"
    r"|^(?:le|lb|mlb|cv|sc|ss|mms|std|enc)$",
    re.I,
)
_PICKLE_DUMP = lazy_compile(r"\b(?:joblib|pickle|dill|cloudpickle|skops\.io)\.dump\s*\(")
# Words that name a trained object (model, classifier, pipeline, vectorizer...) in a save call or path.
_MODEL_OBJECT = lazy_compile(
    r"model|clf|classif|regress|estimat|pipe|vectori|scaler|encoder|booster|bst|forest|svm|knn|xgb|lgb|tree|net\b"
    r"|weights|ckpt|checkpoint",
    re.I,
)
_ENTRY_CLI = lazy_compile(
    r"^if\s+__name__\s*==\s*['\"]__main__['\"]|\bArgumentParser\s*\(|^@\w+\.(?:command|group)\b|\btyper\.(?:Typer|run)\s*\("
    r"|^@hydra\.main\b|\bfire\.Fire\s*\(|\bLightningCLI\s*\(|\bHfArgumentParser\s*\(|\bapp\.run\s*\(\s*main\b|\btyro\.cli\s*\(",
    re.M,
)
_PIPELINE_FRAMEWORKS = frozenset(
    {"kfp", "zenml", "kedro", "airflow", "prefect", "metaflow", "flytekit", "dagster", "sematic", "mlrun"}
)
# A call that fixes randomness: any `*seed*(...)` (manual_seed, set_seed, seed_everything, np.random.seed...),
# a seeded generator, or Hugging Face TrainingArguments (the Trainer seeds itself, 42 by default).
_SEED_CALL = lazy_compile(
    r"\b\w*seed\w*\s*\(|\bdefault_rng\s*\(\s*[\w.]|\bRandomState\s*\(\s*[\w.]|\bPRNGKey\s*\("
    r"|\b(?:Seq2Seq)?TrainingArguments\s*\(|\bSFTConfig\s*\(",
    re.I,
)


# Standard-library modules: this interpreter's list plus those removed from recent versions and Python 2 names.
STDLIB_MODULES = frozenset(sys.stdlib_module_names) | frozenset(
    {"__future__", "distutils", "imp", "asynchat", "asyncore", "smtpd", "cgi", "cgitb", "crypt", "imghdr", "mailcap",
     "nntplib", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib", "audioop", "chunk", "msilib",
     "nis", "ossaudiodev", "lib2to3", "cPickle", "cStringIO", "StringIO", "urllib2", "urlparse", "httplib",
     "ConfigParser", "Queue", "commands", "__builtin__", "thread", "HTMLParser", "Tkinter", "cookielib", "sets"}
)

_COLUMN0_IMPORT = lazy_compile(
    r"^(?:from[ \t]+([A-Za-z_]\w*)[\w.]*[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?"
    r"(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?)*))",
    re.M,
)

_PUBLISH = lazy_compile(
    r"pypa/gh-action-pypi-publish|\btwine[ \t]+upload\b|\b(?:poetry|uv|flit|hatch|pdm)[ \t]+publish\b"
)


class ImportSite(NamedTuple):
    """Where a module is imported: `cell` is the notebook cell index (line within it), else None."""

    module: str
    path: str
    line: int
    cell: int | None = None


class DeclaredDependency(NamedTuple):
    """A dependency declared in a manifest."""

    name: str
    specifier: str
    pinned: bool
    path: str
    line: int | None
    raw: str
    # "" for runtime dependencies, "extra" for optional extras, "dev" for test/docs/lint/dev tooling.
    group: str = ""


# Words in a requirements file's path that mark it as dev tooling rather than the runtime environment.
_DEV_REQUIREMENT_WORDS = frozenset(
    {"dev", "develop", "development", "test", "tests", "testing", "doc", "docs", "documentation", "lint",
     "linting", "style", "typing", "mypy", "ci", "benchmark", "benchmarks", "bench", "precommit", "example",
     "examples"}
)


# A test module: test functions or classes, or a test framework. Bare asserts count only in a file
# that is not run as a script (`if __name__ == "__main__":`, as evaluation scripts named test_* are).
_TEST_CONTENT = lazy_compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+test_|^[ \t]*class[ \t]+Test|\bunittest\b|\bpytest\b|\bhypothesis\b|\bnose\b", re.M)
_ASSERTION = lazy_compile(r"^[ \t]*assert\b", re.M)
_RUN_AS_SCRIPT = lazy_compile(r"^if[ \t]+__name__[ \t]*==", re.M)


_ENTERED_FOLDER = lazy_compile(
    r"working-directory:\s*[\"']?([\w./-]+)|\bmake\s+-C\s+[\"']?([\w./-]+)|\bcd\s+[\"']?([\w./-]+)[\"']?\s*(?:&&|;|$)", re.M
)


def _without_strings(text: str) -> str:
    """Python source with its string literals and comments blanked (the text itself when it does not tokenize)."""
    import io
    import tokenize

    kept: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in (tokenize.STRING, tokenize.COMMENT) and token.type != getattr(tokenize, "FSTRING_MIDDLE", -1):
                kept.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        return text
    return " ".join(kept)


def folder_of(path: str) -> str:
    return path.rpartition("/")[0]


def same_project(folder: str, others: Iterable[str]) -> bool:
    """Whether one of `others` is `folder`, one of its parents or one of its sub-folders: what is
    declared there (a pin, a production server) applies here; a sibling project's (`a/` for `b/`)
    does not."""
    return any(
        other == folder or not other or not folder or folder.startswith(other + "/") or other.startswith(folder + "/") for other in others
    )


def _mentioned(path: str, text: str) -> bool:
    """Whether a text names a file: by its path, or by the end of it from a sub-folder on, as a CI
    step run in that folder (`working-directory: backend`, `bash scripts/test.sh`) does."""
    if path in text:
        return True
    parts = path.split("/")
    return any("/".join(parts[start:]) in text for start in range(1, len(parts) - 1))


def requirements_group(path: str) -> str:
    """"dev" for a requirements file of test/docs/lint/dev tooling, else "": a word of its name
    (`requirements-dev.txt`) or a whole folder name (`docs/requirements.txt`; `s1_development_environment/`
    is a lesson, not tooling)."""
    folders, _, name = path.lower().rpartition("/")
    words = re.split(r"[-_.]+", name.removesuffix(".txt").removesuffix(".in"))
    if any(word in _DEV_REQUIREMENT_WORDS for word in words):
        return "dev"
    return "dev" if any(folder in _DEV_REQUIREMENT_WORDS for folder in folders.split("/")) else ""


_IMPORT_LINE = lazy_compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)
_FROM_IMPORT_LINE = lazy_compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.M)
_DYNAMIC_IMPORT = lazy_compile(r"""(?:import_module|__import__)\(\s*["']([\w.]+)|["']-m["']\s*,\s*["']([\w.]+)|\s-m[ \t]+([\w.]+)""")


def _top_level_imports(text: str) -> list[str] | None:
    """The top-level module names a code text imports (None for an empty text)."""
    if not text:
        return None
    names: set[str] = set()
    for match in finditer(_IMPORT, text):
        if match.group(1):
            names.add(match.group(1).split(".")[0])
        else:
            for item in match.group(2).split(","):
                words = item.strip().split()
                if words:
                    names.add(words[0].split(".")[0])
    return sorted(names)


def _sorted_imported_names(path: str, text: str) -> list[str]:
    return sorted(imported_module_names(path, text))


def _written_modules(text: str) -> list[str]:
    """Modules a notebook writes itself (`%%writefile serve.py`, or its alias `%%file`)."""
    return re.findall(r"%%(?:writefile|file)[ \t]+(?:-a[ \t]+)?(?:\S*/)?(\w+)\.py\b", text)


def _has_any(keywords: tuple[str, ...], text: str) -> bool:
    return any(keyword in text for keyword in keywords)


def _is_import_site_list(value: Any) -> bool:
    return is_rows(value, str, int, (int, type(None)))


def _is_optional_str_list(value: Any) -> bool:
    return value is None or is_str_list(value)


def imported_module_names(path: str, text: str) -> set[str]:
    """Dotted names a Python file may import (a text scan; relative imports resolved against `path`).

    `from a.b import c` gives both `a.b` and `a.b.c`, since `c` may be a module.
    """
    names: set[str] = set()
    for match in finditer(_IMPORT_LINE, text):
        for item in match.group(1).split(","):
            words = item.split()
            if words:
                names.add(words[0].strip("()\\"))
    package = path.split("/")[:-1]
    for match in finditer(_FROM_IMPORT_LINE, text):
        dots, module = match.group(1), match.group(2)
        if dots:
            up = len(dots) - 1
            if up > len(package):
                continue
            base_parts = package[: len(package) - up] + ([module] if module else [])
            base = ".".join(part for part in base_parts if part)
        else:
            base = module
        if base:
            names.add(base)
        for item in match.group(3).strip("()").replace("\\", " ").split(","):
            words = item.split()
            if words and words[0] != "*":
                names.add(f"{base}.{words[0]}" if base else words[0])
    if may_match(_DYNAMIC_IMPORT, text):
        for match in finditer(_DYNAMIC_IMPORT, text):
            names.add(next(group for group in match.groups() if group))
    return names


def is_test_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    parts = path.split("/")[:-1]
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or any(part in ("tests", "test", "testing", "testdata", "test_data") for part in parts)
    )


def _attribute_regex(pattern: str) -> str:
    """A `.gitattributes` pattern as a regex over paths relative to its folder."""
    from mlready.repo.repo import _glob_to_regex

    if "/" not in pattern.rstrip("/"):
        return "(?:.*/)?" + _glob_to_regex(pattern)
    return _glob_to_regex(pattern.lstrip("/"))


_TOP_TRAINING = lazy_compile(r"\.fit(?:_generator)?\s*\(|\btrainer\.train\s*\(|\.backward\s*\(|\bxgb\.train\s*\(|\blgb\.train\s*\(")


def _trains_a_model(text: str) -> bool:
    """Whether code trains a model: a training call whose receiver is not a preprocessor."""
    for match in finditer(_TRAINING, text):
        receiver = re.search(r"(\w+)\s*(?:\([^()]*\))?\s*$", text[max(0, match.start() - 80) : match.start()])
        if match.group(0).startswith(".fit") and receiver and _PREPROCESSOR.search(receiver.group(1)):
            continue
        return True
    return False


def _entry_cli_imports(text: str) -> list[str] | None:
    """For a script with a command-line entry point, the last part of each module it imports; else None."""
    if not text or not _ENTRY_CLI.search(text):
        return None
    return sorted({name for match in finditer(_IMPORTED_LAST_PART, text) for name in match.groups() if name})


# Anchored at the line of each `from`/`import` (a line break before the keyword would leave it unanchored).
_IMPORTED_LAST_PART = lazy_compile(r"^[^\S\n]*(?:from\s+[\w.]*?\.?(\w+)\s+import|import\s+[\w.]*?\.?(\w+))", re.M)


def _top_level_training(text: str) -> bool:
    """Whether a training call runs at module level (a script), not only inside a function or class."""
    lines = text.split("\n")
    strings = [(found.start(), found.end()) for found in re.finditer(r"(?s)(\"\"\"|''')(.*?)\1", text)]
    for match in finditer(_TOP_TRAINING, text):
        if any(start <= match.start() < end for start, end in strings):
            continue  # in a docstring
        number = text.count("\n", 0, match.start())
        line = lines[number]
        if line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        inside = False
        for previous in reversed(lines[:number]):
            stripped = previous.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            level = len(previous) - len(stripped)
            if level < indent:
                if stripped.startswith(("def ", "async def ", "class ")):
                    inside = True
                    break
                indent = level
            if indent == 0:
                break
        if not inside:
            return True
    return False


# -- per-file values that facts read for many files --------------------------------------------
# Each is remembered per file content (see Repo.per_file). A cold run of a large repository computes
# them in the worker processes first, a share of the files each (see `prepare_file`).


def file_imports(repo: Repo, file: SourceFile) -> list[str] | None:
    return repo.per_file("imports", file.path, _top_level_imports, _is_optional_str_list)


def file_imported_names(repo: Repo, path: str) -> list[str] | None:
    return repo.per_file("imported-names", path, partial(_sorted_imported_names, path), is_str_list, False, by_path=True)


def file_column0_imports(repo: Repo, file: SourceFile) -> list[list[Any]] | None:
    return repo.per_file("column0-imports", file.path, partial(_column0_imports, repo, file.path), _is_import_site_list)


def file_serving_kinds(repo: Repo, file: SourceFile) -> list[str] | None:
    return repo.per_file("serving-kinds", file.path, _serving_kinds_of, is_str_list, code_only=False)


def file_script_names(repo: Repo, path: str) -> list[str] | None:
    """The `*.py` file names a file mentions (a test that runs a script)."""
    return repo.per_file("py-file-names", path, _script_names, is_str_list, False)


def _script_names(text: str) -> list[str]:
    # Tried only where a name starts: `[\w-]+` tried inside every word costs time in the square of its length.
    return _SCRIPT_NAME.findall(text) if ".py" in text else []


_SCRIPT_NAME = lazy_compile(r"(?<![\w-])[\w-]+\.py\b")


def prepare_file(repo: Repo, file: SourceFile) -> None:
    """Compute the per-file values above that the facts will read for this file (see engine._prepare)."""
    if file.kind not in ("python", "notebook"):
        return
    file_imports(repo, file)
    file_column0_imports(repo, file)
    repo.contains(re.compile(_EVALUATION), file.path)  # as code_files_matching compiles it
    if not is_test_path(file.path):
        repo.contains(_TRAINING, file.path)
        if repo.facts.mentions(file.path, _REGISTRY_KEYWORDS):  # as model_registry_uses reads it
            for pattern in (_REGISTRY_FULL, _REGISTRY_PARTIAL):
                next(repo.search(pattern, [file]), None)
    if file.kind == "python":
        file_imported_names(repo, file.path)
        if is_test_path(file.path):
            file_script_names(repo, file.path)
        else:
            file_serving_kinds(repo, file)
            repo.contains(_DEFINITION, file.path, code_only=False)  # as logic_modules reads it


def _column0_imports(repo: Repo, path: str, _code: str) -> list[list[Any]]:
    """[module, line, cell] of each import at column 0 of a file (cells a kernel runs, for a notebook)."""
    found: list[list[Any]] = []

    def scan(text: str, cell: int | None) -> None:
        for match in finditer(_COLUMN0_IMPORT, text):
            line = text.count("\n", 0, match.start()) + 1
            if match.group(1):
                modules = [match.group(1)]
            else:
                modules = [item.strip().split()[0].split(".")[0] for item in match.group(2).split(",") if item.strip()]
            found.extend([module, line, cell] for module in modules)

    if path.endswith(".ipynb"):
        for index, (cell_type, source) in enumerate(repo.cell_sources(path) or []):
            # A `%%writefile`/`%%bash`... cell is not run by this kernel; `%%time` cells are.
            magic = re.match(r"\s*%%(\w+)", source)
            if cell_type != "code" or (magic and magic.group(1) not in ("time", "timeit", "capture", "prun", "memit")):
                continue
            scan(source, index)
    else:
        scan(repo.text(path) or "", None)
    return found


def _shared_folders(folder: list[str], path: str) -> int:
    """How many leading folders `path` shares with `folder`."""
    count = 0
    for mine, theirs in zip(folder, path.split("/")[:-1], strict=False):
        if mine != theirs:
            break
        count += 1
    return count


class Facts:
    """What kind of repository this is. Every property is computed once, on first use."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._fact_deps: dict[str, Recording] = {}
        self._value_digests: dict[str, str | None] = {}
        self._memo: dict[tuple[str, Hashable], tuple[Any, Recording]] = {}

    def __getattribute__(self, name: str) -> Any:
        """A fact's value, recording what it was computed from in the repository's dependency tracking.

        A fact is computed in isolation. A caller then depends on the fact's value (its digest),
        not on the files it was computed from: after an edit that leaves a fact unchanged, a
        cached rule result that used only the fact is still valid (an "early cutoff").
        The digest is taken only when a result is stored or checked (see Repo._fact_digest).
        """
        get = object.__getattribute__
        if name not in _CACHED_FACTS:
            return get(self, name)
        record = get(self, "_compute")(name)
        get(self, "repo").attribute((FACT_PREFIX + name,), record.diagnostics)
        return get(self, name)

    def _compute(self, name: str) -> Recording:
        """Compute a fact once, recording its reads apart from the caller's."""
        if name not in self._fact_deps:
            with self.repo.isolated_recording() as record:
                object.__getattribute__(self, name)
            self._fact_deps[name] = record
        return self._fact_deps[name]

    def fact_reads(self, name: str) -> set[str]:
        """The dependency keys a fact was computed from."""
        return self._compute(name).deps

    def value_digest(self, name: str) -> str | None:
        """A digest of a fact's value and the diagnostics computing it raised; None when it has none."""
        if name not in _CACHED_FACTS:
            return "missing"
        if name not in self._value_digests:
            record = self._compute(name)
            try:
                canonical = _canonical(object.__getattribute__(self, name))
            except _NoDigest:
                self._value_digests[name] = None
            else:
                problems = sorted((item.path, item.message, item.line or 0) for item in record.diagnostics)
                text = json.dumps([canonical, problems], separators=(",", ":"))
                self._value_digests[name] = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        return self._value_digests[name]

    def memo(self, namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
        """Compute once per repository; later callers depend on what the first computation read."""
        full = (namespace, key)
        if full in self._memo:
            value, record = self._memo[full]
            self.repo.attribute(record.deps, record.diagnostics)
            return value
        with self.repo.recording() as record:
            value = compute()
        self._memo[full] = (value, record)
        return value

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
        """`.py` files among the tests that hold tests or test tooling: an empty `test_x.py`, or a
        script named like a test with no test function, assertion or test framework, is not a test."""
        return [
            file
            for file in self.python_files
            if is_test_path(file.path) and file.name != "__init__.py" and self._holds_tests(file)
        ]

    def _holds_tests(self, file: SourceFile) -> bool:
        if self.repo.contains(_TEST_CONTENT, file.path):
            return True
        return self.repo.contains(_ASSERTION, file.path) and not self.repo.contains(_RUN_AS_SCRIPT, file.path)

    @cached_property
    def source_files(self) -> list[SourceFile]:
        """Python files that are not tests."""
        return [file for file in self.python_files if not is_test_path(file.path)]

    @cached_property
    def logic_modules(self) -> list[SourceFile]:
        """Non-test `.py` files that define a function or class (importable logic)."""
        return [
            file
            for file in self.source_files
            if file.name not in _NON_LOGIC_PY
            and not file.path.startswith("docs/")
            and self.repo.contains(_DEFINITION, file.path, code_only=False)
        ]

    @cached_property
    def docs(self) -> list[SourceFile]:
        """Documentation files: not licences, issue templates, or instructions and prompts for AI assistants."""
        return [
            file
            for file in self.repo.files("doc")
            if not file.name.lower().startswith(("license", "licence", "copying", "notice", "third_party"))
            and not _NOT_DOCS.search(file.path)
        ]

    @cached_property
    def readme(self) -> SourceFile | None:
        for file in self.repo.all_files:
            if "/" not in file.path and file.name.lower().split(".")[0] == "readme":
                return file
        return None

    # -- what kind of project (from the README and the package metadata) -----------------

    @cached_property
    def readme_text(self) -> str:
        """The root README's text, or "" when there is none."""
        return (self.repo.text(self.readme.path) or "") if self.readme else ""

    @cached_property
    def is_research(self) -> bool:
        """Code that accompanies a paper: the README has a BibTeX entry, calls itself the official
        implementation of a paper, speaks of "our paper" / "the paper", or links an arXiv/OpenReview
        paper and asks to be cited."""
        text = self.readme_text
        if re.search(r"@(?:inproceedings|article|misc|incollection|techreport|phdthesis|conference|unpublished)\s*\{", text, re.I):
            return True
        if re.search(r"\bofficial\s+(?:\w+\s+){0,3}(?:implementation|code(?:base)?|repo(?:sitory)?)\b", text, re.I):
            return True
        if re.search(r"\b(?:our|the|this|accompanying)\s+(?:\w+\s+)?paper\b", text, re.I):
            return True
        paper_link = re.search(r"arxiv\.org/(?:abs|pdf)/|openreview\.net/|aclanthology\.org/|proceedings\.\w+\.\w+", text, re.I)
        ours = re.search(r"\b(?:our|this|the accompanying)\s+(?:\w+\s+)?(?:work|publication)\b|\bcit(?:e|ing|ation)\b", text, re.I)
        return bool(paper_link and ours)

    @cached_property
    def is_tutorial(self) -> bool:
        """A course, book companion, workshop or tutorial collection, judged by how the README's title
        and opening (first 400 characters of text) describe the repository ("Get started with ...",
        "repository for course 02476", "is a step-by-step introduction to ...")."""
        title = self.readme_title
        if re.search(
            r"\b(?:course|courses|tutorials?|workshops?|lectures?|lessons|bootcamp|zoomcamp|curriculum|homework|textbook"
            r"|cookbook|exercises|crash course|for beginners|how\s+to|step[- ]by[- ]step|get(?:ting)?[\s-]+started|notebooks|samples|examples)\b"
            r"|\bin\s+\d+\s+(?:minutes|steps|lines)\b",
            title,
            re.I,
        ):
            return True
        if re.search(
            r"\b(?:learn(?:ing)?\s+how\s+to|you\s+will\s+learn|teach(?:es|ing)\s+you|(?:series\s+of\s+)?blog\s+posts?"
            r"|companion\s+(?:\w+\s+){0,3}(?:to|for)\b|(?:this|the|my|our)\s+(?:[\w'-]+\s+){0,2}(?:book|course|workshop|tutorial|lectures?)"
            r"|\bfor\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}course|(?:is|as)\s+an?\s+(?:[\w-]+\s+){0,2}introduction\s+(?:to|into))\b",
            self.readme_opening[:400],
            re.I,
        ):
            return True
        # A companion repository points to the one tutorial or article it belongs to.
        return bool(
            re.search(
                r"\b(?:complete|full|accompanying|companion|original|read\s+the|written|step-by-step)\s+(?:\w+\s+)?(?:tutorial|blog\s+post|article)\b",
                self.readme_text,
                re.I,
            )
        )

    @cached_property
    def is_competition(self) -> bool:
        """A solution to a data-science competition (Kaggle, DrivenData, Zindi, AIcrowd, Signate, Tianchi,
        CodaLab): the README's title or opening calls it a "1st place" / "winning" / competition solution, or
        the README links a competition page (`kaggle.com/c/...`, `kaggle.com/competitions/...`) and speaks of
        a solution, leaderboard, LB, rank or medal. Links to Kaggle datasets or notebooks do not count."""
        solution = (
            r"\b(?:\d+(?:st|nd|rd|th)|first|second|third|top[- ]?\d+%?|gold|silver|bronze|winning|prize[- ]winning)"
            r"[- _](?:(?:and|&)[- _]\d+(?:st|nd|rd|th)[- _])?(?:place[- _])?(?:medal[- _])?solution\b"
            r"|\b(?:kaggle|competition|challenge)[- _](?:\w+[- _]){0,2}solution\b"
        )
        if re.search(solution, f"{self.readme_title} {self.readme_opening[:500]}", re.I):
            return True
        competition_page = re.search(
            r"kaggle\.com/(?:c|competitions)/[\w-]+|drivendata\.org/competitions/|zindi\.africa/competitions/"
            r"|aicrowd\.com/challenges/|signate\.jp/competitions/|tianchi\.aliyun\.com/competition/|codalab[\w.]*/competitions/",
            self.readme_text,
            re.I,
        )
        if competition_page is None or re.search(r"\btitanic\b", competition_page.group(0), re.I):
            return False  # Titanic is Kaggle's getting-started tutorial, not a contest
        return bool(
            re.search(r"\bsolution\b|leader\s?board|\b(?:private|public)\s+(?:LB|score)\b|\bLB\b|\bmedal\b|\branked\b|\bplace\b", self.readme_text, re.I)
        )

    @cached_property
    def is_tool(self) -> bool:
        """A general-purpose application for running any model (a web UI, a desktop or GUI app) rather
        than a project built around its own model, judged by the README's title and first sentence."""
        return bool(
            re.search(
                r"\b(?:web\s?ui|webui|desktop\s+app(?:lication)?|gui|graphical\s+(?:user\s+)?interface)\b",
                f"{self.readme_title} {self.readme_opening[:300]}",
                re.I,
            )
        )

    @cached_property
    def readme_title(self) -> str:
        """The README's first line of text, usually its title (front matter, HTML, images and comments removed)."""
        text = re.sub(r"\A---\n.*?\n---\n|<!--.*?-->", "", self.readme_text, flags=re.S)
        text = re.sub(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)|\[!\[.*?\]\(.*?\)\]\(.*?\)|&nbsp;", " ", text)
        line = re.search(r"^[\s#=*_-]*([^\s#=*_-][^\n]*)", text, re.M)
        return line.group(1).strip(" #*") if line else ""

    @cached_property
    def readme_opening(self) -> str:
        """The README's first 1,500 characters of text: no HTML, images, badges or URLs."""
        text = re.sub(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)|\[!\[.*?\]\(.*?\)\]\(.*?\)|https?://\S+", " ", self.readme_text)
        return re.sub(r"\s+", " ", text)[:1500]

    @cached_property
    def is_template(self) -> bool:
        """A project template, skeleton, sample or demo meant to be copied rather than run as is: a
        cookiecutter/copier template, a README title that says so, or a first paragraph (500 characters)
        that calls the repository a template, skeleton, boilerplate, starter, demo or sample."""
        if any(file.name in ("cookiecutter.json", "copier.yml", "copier.yaml") or "{{" in file.path for file in self.repo.all_files):
            return True
        kinds = r"(?:template|skeleton|boilerplate|starter(?:\s+kit)?|scaffold(?:ing)?|cookiecutter|demo|sample|blueprint|proof[- ]of[- ]concept)"
        if re.search(rf"\b{kinds}s?\b", self.readme_title, re.I):
            return True
        return bool(
            re.search(
                rf"\b(?:this|the)\s+(?:repo(?:sitory)?|project|code(?:base)?|app(?:lication)?)\s+(?:is|contains|provides|serves as|offers)\s+"
                rf"(?:an?\s+)?(?:[\w-]+\s+){{0,4}}{kinds}\b|\bcode\s+(?:which|that)\s+demonstrates\s+how\b|^\W*(?:an?\s+)?(?:[\w-]+\s+){{0,3}}{kinds}\b",
                self.readme_opening[:500],
                re.I,
            )
        )

    @cached_property
    def project_name(self) -> str | None:
        """The distribution name declared in pyproject.toml, setup.cfg or setup.py at the root."""
        data = self.repo.toml("pyproject.toml") if self.repo.exists("pyproject.toml") else None
        if isinstance(data, dict):
            project = data.get("project")
            if isinstance(project, dict) and isinstance(project.get("name"), str):
                return str(project["name"])
            tool = data.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            if isinstance(poetry, dict) and isinstance(poetry.get("name"), str):
                return str(poetry["name"])
        for path, pattern in (
            ("setup.cfg", r"^\[metadata\][^\[]*?^name\s*=\s*([\w.\-]+)"),
            ("setup.py", r"\bname\s*=\s*[\"']([\w.\-]+)[\"']"),
        ):
            match = re.search(pattern, self.repo.text(path) or "", re.M | re.S) if self.repo.exists(path) else None
            if match:
                return match.group(1)
        return None

    @cached_property
    def is_library(self) -> bool:
        """A published package: the README tells users to `pip install` (or `conda install`) the declared
        project name, rather than to install the repository's requirements."""
        name = self.project_name
        if not name or not self.readme_text:
            return False
        words = re.split(r"[-_.]+", name)
        name_pattern = "[-_.]?".join(re.escape(word) for word in words)
        return bool(
            re.search(
                rf"\b(?:pip3?|uv\s+pip|conda|mamba)\s+install\s+(?:-[-\w]+\s+(?:conda-forge\s+)?)*[\"']?{name_pattern}(?![-\w./])",
                self.readme_text,
                re.I,
            )
        )

    # -- imports and frameworks --------------------------------------------------------

    @cached_property
    def imports(self) -> dict[str, frozenset[str]]:
        """Top-level module names imported by each code file (a text scan)."""
        result: dict[str, frozenset[str]] = {}
        for file in self.code_files:
            names = file_imports(self.repo, file)
            if names is not None:
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
    def serving_frameworks(self) -> dict[str, frozenset[str]]:
        """Serving modules, each with what it builds (see `_serving_kinds`): "flask", "fastapi", "router",
        "bentoml", "ray", "kserve", "litserve", "torchserve", "triton", "cog", "mlserver", "sagemaker",
        "azureml", "lambda" ...

        A web app or a Ray Serve deployment counts only when it or the project modules it imports (with the
        modules an imported package's `__init__` imports) mention a model or predictions in their code, not only in strings or comments (a ping or CRUD service does not); a router only next to such an app. Not serving: Gradio and
        Streamlit demos (user interfaces, not production services), notebooks, tests, files under
        example/docs/tutorial/demo/benchmark folders or in a folder whose README calls it "an example" or
        "a demo", and a framework's own code (the repository that defines `ts.torch_handler` or `litserve` is
        not serving with it).
        """
        candidates: dict[str, set[str]] = {}
        for file in self.source_files:
            if is_example_path(file.path) or self._example_folder(file.parent):
                continue
            kinds = set(file_serving_kinds(self.repo, file) or ())
            if "torchserve" in kinds and self._defines_package("ts.torch_handler"):
                kinds.discard("torchserve")
            for package in ("litserve", "mlserver", "kserve", "bentoml", "cog"):
                if package in kinds and self._defines_package(package):
                    kinds.discard(package)
            if kinds:
                candidates[file.path] = kinds
        web = {"flask", "quart", "fastapi", "starlette", "litestar", "sanic", "falcon", "tornado", "aiohttp"}
        has_app = any(kinds & web for kinds in candidates.values())
        result: dict[str, frozenset[str]] = {}
        for path, kinds in candidates.items():
            # Model servers serve models by construction; Ray Serve and web apps only when a model is in sight.
            model_server = bool(kinds - web - {"router", "ray"})
            words = _MODEL_USE if "ray" in kinds else _MODEL_WORDS
            if model_server or (
                (kinds & web or has_app or "ray" in kinds)
                and any(self._code_mentions(words, related) for related in self._imported_with_packages(path))
            ):
                result[path] = frozenset(kinds)
        return result

    def _imported_with_packages(self, path: str) -> list[str]:
        """A module and the project modules it imports; for an imported package, also the modules its
        `__init__.py` imports (`from clip_server import load` runs `clip_server/__init__.py`, which imports
        `.model`)."""
        direct = self.project_imports(path)
        packaged = [target for init in direct if init.endswith("/__init__.py") for target in self.project_imports(init)]
        return list(dict.fromkeys([path, *direct, *packaged]))

    def _code_mentions(self, words: re.Pattern[str], path: str) -> bool:
        """Whether a module's code, its strings and comments left out, mentions a model: a CRUD app's
        "churn prediction system" description or `SELECT * FROM predictions` does not make it a model service."""
        if not self.repo.contains(words, path, code_only=False):
            return False
        code = self.repo.per_file("code-without-strings", path, _without_strings, is_str, code_only=False)
        return code is None or words.search(code) is not None

    @cached_property
    def serving_modules(self) -> list[str]:
        """Non-test `.py` files that build a model-serving app, router or handler (see `serving_frameworks`)."""
        return sorted(self.serving_frameworks)

    @cached_property
    def has_serving(self) -> bool:
        return bool(self.serving_modules)

    @cached_property
    def serving_files(self) -> list[str]:
        """The serving modules and the project modules they import, directly or through one more module
        (tests excluded). Deeper layers are a library's internals rather than the service's code."""
        seen: set[str] = set()
        layer = list(self.serving_modules)
        for _depth in range(3):
            layer = [path for path in dict.fromkeys(layer) if path not in seen and not is_test_path(path)]
            seen.update(layer)
            layer = [target for path in layer for target in self.project_imports(path)]
        return sorted(seen)

    @cached_property
    def model_server_refs(self) -> list[tuple[str, int, str]]:
        """(path, line, text) where a model server is run or deployed outside serving modules: a prebuilt
        server (MLflow, TorchServe, Triton, TF Serving, BentoML, vLLM ...) in a Dockerfile, manifest, Procfile,
        script or Makefile; a KServe/Seldon manifest; an endpoint deployed with SageMaker, Vertex or Azure ML."""
        found: list[tuple[str, int, str]] = []
        scripts = [
            file
            for file in self.repo.all_files
            if (file.kind == "dockerfile" or file.name in ("Procfile", "Makefile") or file.name.endswith(".sh"))
            and not is_test_path(file.path)
            and not is_example_path(file.path)
        ]
        for match in self.repo.search(_MODEL_SERVER_RUN, [*scripts, *self.deploy_manifests], code_only=False):
            if not match.text.lstrip().startswith("#") and not self._in_package(match.path):
                found.append((match.path, match.line, match.text.strip()))
        code = [file for file in self.source_files if not is_example_path(file.path) and file.path not in self.serving_frameworks]
        code = [file for file in code if self.mentions(file.path, tuple(_ENDPOINT_WORDS))]
        for match in self.repo.search(_ENDPOINT_DEPLOY, code):
            found.append((match.path, match.line, match.text.strip()))
        return found

    @cached_property
    def serves_model(self) -> bool:
        """The repository serves or deploys a model: serving code, or a model server run or deployed."""
        return self.has_serving or bool(self.model_server_refs)

    @cached_property
    def module_index(self) -> dict[str, list[str]]:
        """Dotted module name (and each of its dotted suffixes) -> the `.py` files that may hold it."""
        index: dict[str, list[str]] = {}
        for file in self.python_files:
            parts = file.path.rsplit(".", 1)[0].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for start in range(len(parts)):
                index.setdefault(".".join(parts[start:]), []).append(file.path)
        return index

    def project_imports(self, path: str) -> list[str]:
        """Project `.py` files that a file imports (a text scan). When a name fits several files, the ones
        nearest to the importing file are taken."""
        return self.memo("project_imports", path, lambda: self._project_imports(path))

    def _project_imports(self, path: str) -> list[str]:
        folder = path.split("/")[:-1]
        index = self.module_index
        found: set[str] = set()
        for name in self.imported_names(path):
            targets = [target for target in index.get(name, ()) if target != path]
            if len(targets) == 1:
                found.add(targets[0])
            elif targets:
                shared = {target: _shared_folders(folder, target) for target in targets}
                best = max(shared.values())
                found.update(target for target, count in shared.items() if count == best)
        return sorted(found)

    def imported_names(self, path: str) -> list[str]:
        """The dotted names a file may import (see `imported_module_names`), remembered per file content."""
        return file_imported_names(self.repo, path) or []

    def ast_module(self, path: str) -> ast.Module | None:
        """The stdlib `ast` tree of a `.py` file (memoized), or None when it does not parse, for
        repository-level rules that inspect a few files (the serving modules, say)."""
        def parse() -> ast.Module | None:
            text = self.repo.text(path)
            try:
                return ast.parse(text) if text is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None

        return self.memo("ast_module", path, parse)

    def _example_folder(self, folder: str) -> bool:
        """Whether a sub-folder's own README introduces its content as an example, demo or sample."""
        if not folder:
            return False
        for name in ("README.md", "README.rst", "README.txt", "README", "readme.md"):
            text = self.repo.text(f"{folder}/{name}") if self.repo.exists(f"{folder}/{name}") else None
            if text is not None:
                return bool(_EXAMPLE_README.search(text[:3000]))
        return False

    def _in_package(self, path: str) -> bool:
        """Whether a non-Python file is data inside a Python package (a template a library ships)."""
        parts = path.split("/")[:-1]
        return any(self.repo.exists("/".join([*parts[: index + 1], "__init__.py"])) for index in range(len(parts)))

    def _defines_package(self, dotted: str) -> bool:
        """Whether the repository itself holds the package (a framework's own repository)."""
        suffix = "/" + dotted.replace(".", "/") + "/__init__.py"
        return any(("/" + file.path).endswith(suffix) for file in self.python_files)

    @cached_property
    def training_files(self) -> list[str]:
        """Code files (scripts and notebooks, not tests) that train a model."""
        if not self.is_ml:
            return []
        result = []
        for file in self.code_files:
            if is_test_path(file.path):
                continue
            if self.repo.contains(_TRAINING, file.path):
                result.append(file.path)
        return sorted(result)

    # -- versioning: LFS, DVC, model artifacts and registries --------------------------

    @cached_property
    def lfs_patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        """(folder, path regex) for every `.gitattributes` line that sets `filter=lfs`."""
        result = []
        for file in self.repo.all_files:
            if file.name != ".gitattributes":
                continue
            for line in self.repo.lines(file.path):
                words = line.split()
                if len(words) < 2 or words[0].startswith("#") or "filter=lfs" not in words[1:]:
                    continue
                result.append((file.parent, re.compile(_attribute_regex(words[0]))))
        return result

    def lfs_tracked(self, path: str) -> bool:
        """Whether a `.gitattributes` pattern stores the path in Git LFS."""
        for folder, pattern in self.lfs_patterns:
            if folder and not path.startswith(folder + "/"):
                continue
            if pattern.fullmatch(path[len(folder) + 1 :] if folder else path):
                return True
        return False

    def is_pointer(self, path: str) -> bool:
        """Whether the file is a Git LFS pointer (the content lives outside git)."""
        file = self.repo.file(path)
        if file is None or file.size > 1024:
            return False
        try:
            head = self.repo.source.read(path, 64)
        except (OSError, KeyError):
            return False
        return head.startswith(b"version https://git-lfs")

    def versioned_outside_git(self, path: str) -> bool:
        """Stored by Git LFS or DVC rather than as a plain git blob."""
        return self.lfs_tracked(path) or self.is_pointer(path) or self.dvc_tracked(path)

    @cached_property
    def dvc_files(self) -> list[SourceFile]:
        """`dvc.yaml`, `*.dvc` and `.dvc/config` files."""
        return [
            file
            for file in self.repo.all_files
            if file.name in ("dvc.yaml", "dvc.yml") or file.name.endswith(".dvc") or file.path.endswith(".dvc/config")
        ]

    @cached_property
    def uses_dvc(self) -> bool:
        return bool(self.dvc_files)

    @cached_property
    def dvc_outputs(self) -> frozenset[str]:
        """Paths (files or folders) that DVC tracks: `*.dvc` outs and `dvc.yaml` stage outs, metrics and plots."""
        result: set[str] = set()
        for file in self.dvc_files:
            if file.path.endswith(".dvc/config"):
                continue
            folder = file.parent
            for document in self.repo.yaml(file.path) or []:
                if not isinstance(document, dict):
                    continue
                entries: list[Any] = []
                if isinstance(document.get("outs"), list):
                    entries.extend(document["outs"])
                stages = document.get("stages")
                if isinstance(stages, dict):
                    for stage in stages.values():
                        if isinstance(stage, dict):
                            for key in ("outs", "metrics", "plots"):
                                if isinstance(stage.get(key), list):
                                    entries.extend(stage[key])
                for entry in entries:
                    name = entry.get("path") if isinstance(entry, dict) and "path" in entry else entry
                    if isinstance(entry, dict) and "path" not in entry and len(entry) == 1:
                        name = next(iter(entry))
                    if isinstance(name, str) and name.strip():
                        clean = posixpath.normpath(f"{folder}/{name.strip()}" if folder else name.strip())
                        result.add(clean)
        return frozenset(result)

    def dvc_tracked(self, path: str) -> bool:
        """Whether DVC tracks the path, or a file inside it (for a folder)."""
        path = posixpath.normpath(path)
        return any(path == out or path.startswith(out + "/") or out.startswith(path + "/") for out in self.dvc_outputs)

    def _files_containing(self, keywords: tuple[str, ...]) -> list[SourceFile]:
        """Non-test code files whose code holds one of the keywords (a cheap filter before a regex)."""
        return [
            file
            for file in self.code_files
            if not is_test_path(file.path)
            and self.mentions(file.path, keywords)
        ]

    def mentions(self, path: str, words: tuple[str, ...], code_only: bool = True) -> bool:
        """Whether a file's code (or text) holds one of the words (remembered per file content)."""
        return bool(self.repo.per_file("has:" + "|".join(words), path, partial(_has_any, words), is_bool, code_only))

    @cached_property
    def model_save_files(self) -> list[str]:
        """Non-test code files that save a model (joblib/pickle dump, torch.save, save_model, save_pretrained...)."""
        if not self.is_ml:
            return []
        code = self._files_containing(("dump", "save", "export", "onnx", "log_model"))
        training = set(self.training_files)
        result = set()
        for match in self.repo.search(_MODEL_SAVE, code):
            if match.text.lstrip().startswith("#"):
                continue
            # A pickle-style dump saves a model when the line names one, or in code that trains.
            dump = _PICKLE_DUMP.search(match.text)
            if dump is None or match.path in training or _MODEL_OBJECT.search(match.text[dump.end() :]):
                result.add(match.path)
        return sorted(result)

    @cached_property
    def model_registry_uses(self) -> list[tuple[str, int, bool]]:
        """(path, line, partial) for each use of a model registry or versioned model store.

        Full: MLflow registration, W&B artifacts, SageMaker/Vertex/Azure registries, BentoML,
        Hugging Face Hub pushes, ZenML, Metaflow, DVC `artifacts` of type model, GTO, Kedro
        versioned datasets. Partial: models only logged to MLflow runs (`log_model`, autolog).
        """
        from mlready.repo.repo import Match

        found: list[tuple[str, int, bool]] = []
        code = self._files_containing(_REGISTRY_KEYWORDS)
        for match in self.repo.search(_REGISTRY_FULL, code):
            if not match.text.lstrip().startswith("#"):
                found.append((match.path, match.line, False))
        for match in self.repo.search(_REGISTRY_PARTIAL, code):
            if not match.text.lstrip().startswith("#"):
                found.append((match.path, match.line, "register" not in match.text))
        for file in self.repo.files("yaml"):
            if file.name in ("dvc.yaml", "dvc.yml"):
                pattern = re.compile(r"^\s*type:\s*['\"]?model\b", re.M)
            elif "catalog" in file.path:
                pattern = re.compile(r"^\s*versioned:\s*true\b", re.M)
            else:
                continue
            hit: Match | None = self.repo.first(pattern, [file], code_only=False)
            if hit is not None:
                found.append((hit.path, hit.line, False))
        for file in self.repo.all_files:
            if file.path == ".gto" or file.path.endswith("/.gto"):
                found.append((file.path, 1, False))
        return found

    @cached_property
    def model_training_files(self) -> list[str]:
        """The training files that fit a model, not only a preprocessing step (`scaler.fit(...)` alone does
        not count): `.fit(` on something other than a scaler/encoder/imputer/vectorizer, `.backward()`,
        a `Trainer`, `xgb.train`, `lgb.train`."""
        return [path for path in self.training_files if self.repo.per_file("trains-a-model", path, _trains_a_model, is_bool)]

    @cached_property
    def seeded_files(self) -> frozenset[str]:
        """Code files that set a random seed, `.py` files imported by such a file (the script seeds the
        modules it drives), and `.py` files importing a module that sets one."""
        code = [file for file in self.code_files if not is_test_path(file.path)]
        direct = {
            match.path
            for match in self.repo.search(_SEED_CALL, code)
            if not match.text.lstrip().startswith(("#", "def ", "async def "))
        }
        result = set(direct)
        for file in self.source_files:
            imported = self.project_imports(file.path)
            if file.path in direct:
                result.update(imported)
                for package in imported:  # a package's __init__ re-exports its modules
                    if package.endswith("__init__.py"):
                        result.update(self.project_imports(package))
            elif any(path in direct for path in imported):
                result.add(file.path)
        return frozenset(result)

    @cached_property
    def _source_by_stem(self) -> dict[str, list[str]]:
        by_stem: dict[str, list[str]] = {}
        for file in self.source_files:
            by_stem.setdefault(file.name.rsplit(".", 1)[0], []).append(file.path)
        return by_stem

    def _reaches_training(self, names: Iterable[str], training_stems: set[str], hops: int = 3) -> bool:
        """Whether modules named `names` train, or import (within `hops` steps) a module that does: an
        entry point may call a trainer class that calls the code that fits."""
        by_stem = self._source_by_stem
        frontier, seen = set(names), set()
        for _ in range(hops):
            if frontier & training_stems:
                return True
            seen |= frontier
            following: set[str] = set()
            for stem in frontier:
                for path in by_stem.get(stem, ()):
                    following.update(name.rsplit(".", 1)[-1] for name in file_imported_names(self.repo, path) or ())
            frontier = following - seen
        return bool(frontier & training_stems)

    @cached_property
    def training_entrypoints(self) -> list[str]:
        """Files that run training on demand: a training script with a `__main__` guard, a CLI or top-level
        training code; a DVC stage; a Makefile `train` target; an MLproject; a pipeline framework."""
        if not self.training_files:
            return []
        result: set[str] = set()
        training_stems = {path.rsplit("/", 1)[-1].rsplit(".", 1)[0] for path in self.training_files}
        for file in self.source_files:
            imports = self.imports.get(file.path, frozenset())
            if imports & _PIPELINE_FRAMEWORKS:
                result.add(file.path)
                continue
            is_training = file.path in self.training_files
            if is_training and self.repo.per_file("top-level-training", file.path, _top_level_training, is_bool, False):
                result.add(file.path)
                continue
            imported_names = self.repo.per_file("entry-cli-imports", file.path, _entry_cli_imports, _is_optional_str_list, False)
            if imported_names is None:
                continue  # no command-line entry point
            stem = file.name.rsplit(".", 1)[0].lower()
            if is_training or re.search(r"train|fit|tun(?:e|ing)", stem) or self._reaches_training(imported_names, training_stems):
                result.add(file.path)
        for file in self.repo.all_files:
            name = file.name
            if name in ("dvc.yaml", "dvc.yml", "MLproject"):
                result.add(file.path)
            elif name in ("Makefile", "makefile", "justfile", "Justfile", "Taskfile.yml", "tasks.py", "noxfile.py"):
                text = self.repo.text(file.path) or ""
                if re.search(r"^[\w-]*train[\w-]*\s*:|^def\s+\w*train\w*\s*\(|^\s+[\w-]*train[\w-]*:", text, re.M):
                    result.add(file.path)
            elif name == "pyproject.toml" and "/" not in file.path:
                text = self.repo.text(file.path) or ""
                if re.search(r"^\s*[\"']?[\w-]*train[\w-]*[\"']?\s*=\s*[\"'][\w.]+:\w+", text, re.M):
                    result.add(file.path)
        return sorted(result)

    def code_files_matching(self, pattern: str, *, tests: bool = True) -> list[SourceFile]:
        """Code files (scripts and notebooks; tests too unless `tests=False`) whose code matches a regex.

        Memoized per pattern, so rules that run once per file can ask a repository-wide question cheaply.
        """
        def scan() -> list[SourceFile]:
            regex = re.compile(pattern)
            return [file for file in self.code_files if self.repo.contains(regex, file.path)]

        found = self.memo("code_files_matching", pattern, scan)
        return found if tests else [file for file in found if not is_test_path(file.path)]

    def any_code_file_matching(self, pattern: str, *, tests: bool = True) -> bool:
        """Whether any code file matches: like `code_files_matching`, but stops at the first match."""
        def scan() -> bool:
            if ("code_files_matching", pattern) in self._memo:
                return bool(self.code_files_matching(pattern, tests=tests))
            regex = re.compile(pattern)
            return any(self.repo.contains(regex, file.path) for file in self.code_files if tests or not is_test_path(file.path))

        return self.memo("any_code_file_matching", f"{tests}\0{pattern}", scan)

    @cached_property
    def evaluation_files(self) -> list[SourceFile]:
        """Code files (scripts and notebooks) that compute model evaluation metrics; not tests, and not
        files under example/docs/tutorial/notebook/benchmark folders (see `is_example_path`)."""
        if not self.is_ml:
            return []
        return [file for file in self.code_files_matching(_EVALUATION, tests=False) if not is_example_path(file.path)]

    @cached_property
    def tested_modules(self) -> frozenset[str]:
        """Non-test `.py` files the tests reach: imported (or run by file name) directly or through other modules.

        A text scan, lenient on purpose: `import utils` reaches every `utils.py`.
        """
        by_name = self.module_index
        by_file_name: dict[str, list[str]] = {}
        for file in self.python_files:
            by_file_name.setdefault(file.name, []).append(file.path)
        reached: set[str] = set()
        queue = [file.path for file in self.test_files]
        while queue:
            path = queue.pop()
            if path in reached:
                continue
            reached.add(path)
            targets = [target for name in self.imported_names(path) for target in by_name.get(name, [])]
            if is_test_path(path):  # tests that run a script: subprocess.run(["python", "train.py"])
                scripts = file_script_names(self.repo, path)
                targets.extend(target for name in scripts or () for target in by_file_name.get(name, []))
            queue.extend(target for target in targets if target not in reached)
        return frozenset(path for path in reached if not is_test_path(path))

    # -- CI ---------------------------------------------------------------------------

    @cached_property
    def ci_files(self) -> list[SourceFile]:
        seen: dict[str, SourceFile] = {}
        for pattern in CI_FILE_PATTERNS:
            for file in self.repo.glob(pattern):
                seen[file.path] = file
        for file in self.repo.files("yaml"):
            if file.path not in seen and not is_test_path(file.path) and self._is_azure_pipeline(file):
                seen[file.path] = file
        return [seen[path] for path in sorted(seen)]

    def _is_azure_pipeline(self, file: SourceFile) -> bool:
        return self.repo.contains(_AZURE_PIPELINE_ROOT, file.path, code_only=False) and self.repo.contains(
            _AZURE_PIPELINE_MARK, file.path, code_only=False
        )

    @cached_property
    def ci_text(self) -> str:
        """All CI configuration text, plus the scripts and make targets it calls."""
        texts = [self.repo.text(file.path) or "" for file in self.ci_files]
        combined = "\n".join(texts)
        # Folders CI steps run in (`working-directory: operator`, `make -C operator`, `cd operator &&`):
        # their Makefiles are the ones a bare `make target` there runs.
        entered = {
            next(group for group in match.groups() if group).removeprefix("./").strip("/") for match in _ENTERED_FOLDER.finditer(combined)
        }
        called = []
        for file in self.repo.files():
            scriptish = file.kind in ("python", "other", "toml") and file.name.endswith(
                (".sh", ".py", ".bash", "Makefile", "tox.ini", "noxfile.py", ".cfg", ".toml")
            )
            if not scriptish:
                continue  # before the search for its path in the (possibly megabytes of) CI text
            mentioned = (
                _mentioned(file.path, combined)
                or (file.name in ("Makefile", "tox.ini", "noxfile.py") and "/" not in file.path)
                or (file.name in ("Makefile", "makefile", "GNUmakefile") and folder_of(file.path) in entered)
            )
            if mentioned:
                called.append(self.repo.text(file.path) or "")
        return "\n".join([combined, *called])

    @cached_property
    def ci_runs_tests(self) -> bool:
        if not self.ci_files:
            return False
        # CI calls scripts, job configs, make targets or tasks, which may call others: follow a few levels.
        seen = {file.path for file in self.ci_files}
        texts = [self.repo.text(path) or "" for path in seen]
        for _ in range(4):
            combined = "\n".join(texts)
            if _TEST_RUNNER.search(combined):
                return True
            texts = []
            uses_make = re.search(r"\bmake\b", combined) is not None
            uses_tasks = _TASK_RUNNER.search(combined) is not None
            for file in self.repo.files():
                if file.path in seen:
                    continue
                if (
                    (file.name.endswith(_CALLED_SUFFIXES) and _mentioned(file.path, combined))
                    or (file.name in ("action.yml", "action.yaml") and f"./{file.parent}" in combined)  # a local action
                    or (uses_make and file.name in ("Makefile", "makefile", "GNUmakefile"))
                    or (uses_tasks and file.name in ("justfile", "Justfile", "tasks.py", "pixi.toml", "pyproject.toml", "mise.toml", ".mise.toml", "Taskfile.yml"))
                ):
                    seen.add(file.path)
                    texts.append(self._task_text(file) if file.name in ("pyproject.toml", "pixi.toml") else self.repo.text(file.path) or "")
            if not texts:
                break
        return False

    def _task_text(self, file: SourceFile) -> str:
        """The task definitions of a pyproject.toml or pixi.toml (hatch, pdm, poe, taskipy, pixi, rye)."""
        data = self.repo.toml(file.path) or {}
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        tables: list[Any] = [data.get("tasks"), data.get("feature")]
        if isinstance(tool, dict):
            hatch = tool.get("hatch")
            tables.append(hatch.get("envs") if isinstance(hatch, dict) else None)
            for name, key in (("pdm", "scripts"), ("poe", "tasks"), ("taskipy", "tasks"), ("rye", "scripts"), ("pixi", "tasks"), ("pixi", "feature")):
                section = tool.get(name)
                tables.append(section.get(key) if isinstance(section, dict) else None)
        return "\n".join(str(table) for table in tables if table)

    # -- containers and deployment --------------------------------------------------

    @cached_property
    def dockerfiles(self) -> list[SourceFile]:
        return self.repo.files("dockerfile")

    @cached_property
    def container_users(self) -> frozenset[str]:
        """Users whose home folders exist inside the repository's images: those its Dockerfiles create,
        switch to or work in (`useradd -m model-server`, `USER app`, `WORKDIR /home/app`), and the
        users of well-known base images (`jovyan` of the Jupyter stacks, `ray`, `linuxbrew`)."""
        users = {"jovyan", "ray", "linuxbrew"}
        for file in self.dockerfiles:
            parsed = self.repo.dockerfile(file.path)
            for instruction in parsed.instructions if parsed else ():
                if instruction.keyword == "USER":
                    users.add(instruction.value.split(":")[0].strip())
                elif instruction.keyword == "RUN":
                    users.update(re.findall(r"\b(?:useradd|adduser)\b[^;&|\n]*?\s([a-z_][\w.-]*)\s*(?:$|[;&|\n])", instruction.value))
                users.update(re.findall(r"/home/([\w.-]+)", instruction.value) if instruction.keyword in ("WORKDIR", "RUN", "COPY", "ENV") else ())
        return frozenset(users)

    @cached_property
    def runtime_dockerfiles(self) -> list[SourceFile]:
        """Dockerfiles that build images to run: not dev containers (`.devcontainer/`), tests or test fixtures."""
        return [
            file
            for file in self.dockerfiles
            if not is_test_path(file.path)
            and not {".devcontainer", "fixtures", "testdata", "test_data"} & set(file.path.split("/")[:-1])
        ]

    @cached_property
    def script_files(self) -> list[SourceFile]:
        """Shell scripts, Makefiles and CI configuration: where commands run outside the Python code."""
        ci_paths = {file.path for file in self.ci_files}
        return [
            file
            for file in self.repo.all_files
            if file.path in ci_paths
            or file.name.endswith((".sh", ".bash", ".mk"))
            or file.name in ("Makefile", "makefile", "GNUmakefile")
        ]

    @cached_property
    def built_images(self) -> frozenset[str]:
        """Images the repository builds itself (`docker build -t base:latest ...` in a script, Makefile or CI
        step), as `name:tag` (`latest` when no tag is given): a Dockerfile built FROM one starts from this
        repository's own image, not from a moving registry tag."""
        found: set[str] = set()
        for file in self.script_files:
            text = (self.repo.text(file.path) or "").replace("\\\n", " ")
            if "build" not in text:
                continue
            for match in _DOCKER_BUILD_TAG.finditer(text):
                name = match.group(1)
                found.add(name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest")
        return frozenset(found)

    @cached_property
    def deploy_artifacts(self) -> list[SourceFile]:
        """Files that ship the project: deploy manifests, and Dockerfiles other than dev containers and tests.

        Dockerfiles and Compose files that run Jupyter are workbenches, not deployments, and so is a
        Dockerfile that starts nothing (no CMD, ENTRYPOINT or EXPOSE, or a CMD that only opens a shell)
        in a repository with no serving code: a research environment to work in.
        """
        jupyter = re.compile(r"(?i)jupyter|\.ipynb\b")
        starts = re.compile(r"(?im)^\s*(?:ENTRYPOINT|EXPOSE)\b|^\s*CMD\b(?!\s*(?:\[\s*)?[\"']?(?:/bin/|/usr/bin/)?(?:ba|z)?sh[\"']?\s*\]?\s*$)")
        dockerfiles = [
            file
            for file in self.dockerfiles
            if not any(part in (".devcontainer", "tests", "test", "docs") for part in file.path.split("/")[:-1])
            and (self.has_serving or starts.search(self.repo.text(file.path) or ""))
        ]
        return sorted(
            (file for file in [*dockerfiles, *self.deploy_manifests] if not jupyter.search(self.repo.text(file.path) or "")),
            key=lambda file: file.path,
        )

    @cached_property
    def deploy_manifests(self) -> list[SourceFile]:
        """Kubernetes, Kustomize, Helm (templates and values), Compose, Serverless Framework and
        CloudFormation/SAM deployment files; not those under test, example or docs folders."""
        kind_pattern = re.compile(
            r"^kind:\s*['\"]?(?:Deployment|StatefulSet|DaemonSet|Rollout|InferenceService|SeldonDeployment|ServingRuntime"
            r"|InferenceGraph|BentoDeployment|Service|CronJob|Job|Pod|Kustomization|Canary|VirtualService|HorizontalPodAutoscaler)\b",
            re.M,
        )
        cloudformation = re.compile(r"^\s*Type:\s*['\"]?AWS::(?:Serverless|SageMaker|ECS|Lambda|AppRunner)::", re.M)
        result = []
        for file in self.repo.files("yaml"):
            if is_test_path(file.path) or is_example_path(file.path) or file.path.startswith(".github/"):
                continue
            lower = file.name.lower()
            chart = next(
                (
                    folder
                    for folder in (file.parent, file.path.split("/templates/")[0] if "/templates/" in f"/{file.path}" else None)
                    if folder is not None and self.repo.exists(f"{folder}/Chart.yaml" if folder else "Chart.yaml")
                ),
                None,
            )
            in_chart = chart is not None and ("/templates/" in f"/{file.path}" or lower.startswith("values"))
            text = self.repo.text(file.path) or ""
            if (
                in_chart
                or (lower.startswith(("docker-compose", "compose.", "compose-")) and re.search(r"^services\s*:", text, re.M))
                or lower in ("serverless.yml", "serverless.yaml")
                or (kind_pattern.search(text) and re.search(r"^apiVersion\s*:", text, re.M))
                or cloudformation.search(text)
            ):
                result.append(file)
        return result

    # -- dependencies ---------------------------------------------------------------

    @cached_property
    def manifests(self) -> list[SourceFile]:
        """Files that declare dependencies."""
        names = {"pyproject.toml", "setup.py", "setup.cfg", "Pipfile"}
        # Conda environment files: environment.yml, environment-gpu.yaml, conda.yaml, conda_env.yml,
        # ci_dependencies.yml ... (only those with a `dependencies:` list declare anything).
        conda = re.compile(r"(?:environment|conda|env|[\w-]*dependencies)(?:[-_.][\w.-]*)?\.ya?ml", re.I)
        return [
            file
            for file in self.repo.all_files
            if file.kind == "requirements"
            or (
                (file.name in names or (conda.fullmatch(file.name) and "lock" not in file.name) or self._conda_by_content(file))
                and not is_test_path(file.path)
            )
        ]

    def _conda_by_content(self, file: SourceFile) -> bool:
        """A conda environment under another name (`analytics.yml`): top-level `dependencies:` with
        `channels:` or a `python`/`pip` entry (a Helm chart's `dependencies:` has neither)."""
        if file.kind != "yaml" or "lock" in file.name:
            return False
        text = self.repo.text(file.path) or ""
        return "dependencies" in text and bool(_CONDA_DEPENDENCIES.search(text)) and bool(_CONDA_SIGN.search(text))

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

    @cached_property
    def package_metadata(self) -> list[SourceFile]:
        """Root files that make the repository an installable package (pyproject name, setup.py, setup.cfg name)."""
        result = []
        for name in ("pyproject.toml", "setup.py", "setup.cfg"):
            file = self.repo.file(name)
            if file is None:
                continue
            text = self.repo.text(name) or ""
            if name == "pyproject.toml":
                data = self.repo.toml(name) or {}
                project = data.get("project")
                tool = data.get("tool")
                poetry = tool.get("poetry") if isinstance(tool, dict) else None
                found = (isinstance(project, dict) and "name" in project) or (isinstance(poetry, dict) and "name" in poetry)
            elif name == "setup.py":
                found = bool(re.search(r"\bsetup\s*\(", text))
            else:
                found = bool(re.search(r"^\[metadata\][^\[]*^name\s*=", text, re.M | re.S))
            if found:
                result.append(file)
        return result

    @cached_property
    def publishes_package(self) -> bool:
        """CI uploads a package to an index (PyPI publish action, twine upload, poetry/uv/flit/hatch publish)."""
        return bool(_PUBLISH.search(self.ci_text))

    @cached_property
    def is_published_package(self) -> bool:
        """Package metadata made for an index: CI uploads it, or it carries trove classifiers."""
        if not self.package_metadata:
            return False
        return self.publishes_package or any(
            re.search(r"\bclassifiers\b", self.repo.text(file.path) or "") for file in self.package_metadata
        )

    @cached_property
    def is_package_library(self) -> bool:
        """A package made for others to install, whose package metadata declares version ranges on purpose.

        True when the repository has package metadata and either is published (`is_published_package`)
        or shows no sign of being deployed itself (no Dockerfile outside `.devcontainer`/tests, no
        serving module, no deploy manifest).
        """
        if not self.package_metadata:
            return False
        return self.is_published_package or not (self.runtime_dockerfiles or self.has_serving or self.deploy_manifests)

    @cached_property
    def local_modules(self) -> frozenset[str]:
        """Top-level names the repository itself provides: every folder name and Python module stem."""
        names: set[str] = set()
        for file in self.repo.all_files:
            parts = file.path.split("/")
            names.update(parts[:-1])
            stem, _, suffix = parts[-1].partition(".")
            if suffix.split(".")[-1] in ("py", "pyi", "pyx", "pxd", "so", "pyd", "ipynb"):
                names.add(stem)
        return frozenset(names)

    @cached_property
    def third_party_imports(self) -> dict[str, list[ImportSite]]:
        """Third-party top-level modules imported unconditionally (at column 0), with where.

        Only imports at the start of a line count, so imports inside `try:`, `if`, functions
        and `TYPE_CHECKING` blocks (optional or lazy) are ignored. Standard-library modules,
        the repository's own modules and relative imports are left out.
        """
        result: dict[str, list[ImportSite]] = {}
        # Modules a notebook writes itself (`%%writefile serve.py`) are local too.
        written: set[str] = set()
        for file in self.notebooks:
            written.update(self.repo.per_file("written-modules", file.path, _written_modules, is_str_list, code_only=False) or ())

        for file in self.code_files:
            sites = file_column0_imports(self.repo, file)
            for module, line, cell in sites or ():
                if module in STDLIB_MODULES or module in self.local_modules or module in written or module.endswith(("_pb2", "_pb2_grpc")):
                    continue  # protobuf modules are generated at build time
                result.setdefault(module, []).append(ImportSite(module, file.path, line, cell))
        return result

    @cached_property
    def locked_names(self) -> frozenset[str]:
        """Package names that a lock file pins (poetry/uv/pdm/pixi/conda-lock/Pipfile.lock, requirements.lock)."""
        return frozenset(name for file in self.lock_files for name in self.names_locked_by(file.path))

    def names_locked_by(self, path: str) -> list[str]:
        """Package names that one lock file pins (remembered per file content)."""
        name = path.rpartition("/")[2]
        if name == "Pipfile.lock":
            pattern = r'^\s{8}"([A-Za-z0-9_.\-]+)":\s*\{'
        elif name == "requirements.lock":
            pattern = r"^([A-Za-z0-9_.\-]+)\s*==="
        else:
            pattern = r"^\s*-?\s*name\s*[=:]\s*[\"']?([A-Za-z0-9_.\-]+)"

        def compute(text: str) -> list[str]:
            return sorted({canonical_name(found) for found in re.findall(pattern, text, re.M)})

        return self.repo.per_file(f"locked-names:{name}", path, compute, is_str_list, code_only=False) or []

    def _from_requirements(self, file: SourceFile) -> list[DeclaredDependency]:
        group = requirements_group(file.path)
        return [
            DeclaredDependency(item.name, item.specifier, item.pinned, file.path, item.line, item.raw, group)
            for item in self.repo.requirements(file.path) or []
            if item.name and not item.constraint
        ]

    def _strings_to_deps(self, file: SourceFile, specs: list[Any], group: str = "") -> list[DeclaredDependency]:
        text = self.repo.text(file.path) or ""
        result = []
        for spec in specs:
            if not isinstance(spec, str):
                continue
            item = parse_requirement_line(0, spec.strip())
            if item is None or not item.name:
                continue
            # Prefer the quoted string, so a comment or an earlier mention does not take the line.
            offsets = [text.find(f"{quote}{spec}{quote}") for quote in ('"', "'")]
            offset = min((found for found in offsets if found >= 0), default=text.find(spec))
            line = text.count("\n", 0, offset) + 1 if offset >= 0 else None
            result.append(DeclaredDependency(item.name, item.specifier, item.pinned, file.path, line, spec, group))
        return result

    def _from_pyproject(self, file: SourceFile) -> list[DeclaredDependency]:
        data = self.repo.toml(file.path) or {}
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        specs: list[Any] = list(project.get("dependencies") or []) if isinstance(project, dict) else []
        result = self._strings_to_deps(file, specs)
        optional = project.get("optional-dependencies") if isinstance(project, dict) else None
        if isinstance(optional, dict):
            for group in optional.values():
                if isinstance(group, list):
                    result.extend(self._strings_to_deps(file, group, "extra"))
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        # PEP 735 dependency groups, and the uv / pdm dev-dependency tables: dev tooling.
        dev_lists: list[Any] = []
        groups_735 = data.get("dependency-groups")
        if isinstance(groups_735, dict):
            dev_lists.extend(groups_735.values())
        uv = tool.get("uv") if isinstance(tool, dict) else None
        if isinstance(uv, dict):
            dev_lists.append(uv.get("dev-dependencies"))
        pdm = tool.get("pdm") if isinstance(tool, dict) else None
        if isinstance(pdm, dict) and isinstance(pdm.get("dev-dependencies"), dict):
            dev_lists.extend(pdm["dev-dependencies"].values())
        for specs_list in dev_lists:
            if isinstance(specs_list, list):
                result.extend(self._strings_to_deps(file, specs_list, "dev"))
        poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
        if isinstance(poetry, dict):
            tables: list[tuple[Any, str]] = [(poetry.get("dependencies"), ""), (poetry.get("dev-dependencies"), "dev")]
            groups = poetry.get("group")
            if isinstance(groups, dict):
                tables.extend(
                    (group.get("dependencies"), "" if group_name == "main" else "dev")
                    for group_name, group in groups.items()
                    if isinstance(group, dict)
                )
            text = self.repo.text(file.path) or ""
            for table, group_kind in tables:
                if not isinstance(table, dict):
                    continue
                for name, spec in table.items():
                    if name.lower() == "python":
                        continue
                    version = spec.get("version", "") if isinstance(spec, dict) else spec
                    version = version if isinstance(version, str) else ""
                    pinned = bool(re.fullmatch(r"=?=?\s*\d[\w.]*", version.strip()))
                    if isinstance(spec, dict) and not version:
                        # A git dependency at a commit, or a local path, does not float.
                        rev = spec.get("rev")
                        pinned = "path" in spec or (isinstance(rev, str) and bool(re.fullmatch(r"[0-9a-f]{7,40}", rev)))
                    match = re.search(rf"^\s*\"?{re.escape(name)}\"?\s*=", text, re.M)
                    line = text.count("\n", 0, match.start()) + 1 if match else None
                    result.append(
                        DeclaredDependency(canonical_name(name), version, pinned, file.path, line, f"{name} = {version}", group_kind)
                    )
        return result

    def _from_setup_py(self, file: SourceFile) -> list[DeclaredDependency]:
        text = self.repo.text(file.path)
        if not text:
            return []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
        # Module-level `NAME = [...]` / `NAME = {...}` assignments, so `install_requires=REQUIRED` resolves.
        assigned: dict[str, ast.expr] = {}
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                assigned[statement.targets[0].id] = statement.value

        def strings(value: ast.expr) -> list[Any]:
            if isinstance(value, ast.Name):
                value = assigned.get(value.id, value)
            if isinstance(value, (ast.List, ast.Tuple)):
                return [element.value for element in value.elts if isinstance(element, ast.Constant)]
            return []

        result: list[DeclaredDependency] = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.keyword):
                continue
            if node.arg in ("install_requires", "requires"):
                result.extend(self._strings_to_deps(file, strings(node.value)))
            elif node.arg == "tests_require":
                result.extend(self._strings_to_deps(file, strings(node.value), "dev"))
            elif node.arg == "extras_require":
                value = assigned.get(node.value.id, node.value) if isinstance(node.value, ast.Name) else node.value
                if isinstance(value, ast.Dict):
                    for item in value.values:
                        result.extend(self._strings_to_deps(file, strings(item), "extra"))
        return result

    def _from_setup_cfg(self, file: SourceFile) -> list[DeclaredDependency]:
        import configparser  # only for a setup.cfg: not on every run's start-up

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(self.repo.text(file.path) or "")
            raw = parser.get("options", "install_requires", fallback="")
            extras = dict(parser.items("options.extras_require")) if parser.has_section("options.extras_require") else {}
        except configparser.Error:
            return []
        result = self._strings_to_deps(file, [line for line in raw.split("\n") if line.strip()])
        for extra in extras.values():
            result.extend(self._strings_to_deps(file, [line for line in extra.split("\n") if line.strip()], "extra"))
        return result

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
                if isinstance(spec, dict) and "version" not in spec:
                    # A git dependency at a commit, or a local path, does not float.
                    ref = spec.get("ref")
                    pinned = "path" in spec or (isinstance(ref, str) and bool(re.fullmatch(r"[0-9a-f]{7,40}", ref)))
                match = re.search(rf"^\s*\"?{re.escape(name)}\"?\s*=", text, re.M)
                line = text.count("\n", 0, match.start()) + 1 if match else None
                group = "dev" if section == "dev-packages" else ""
                result.append(
                    DeclaredDependency(canonical_name(name), version, pinned, file.path, line, f"{name} = {version}", group)
                )
        return result

    def _from_conda(self, file: SourceFile) -> list[DeclaredDependency]:
        documents = self.repo.yaml(file.path) or []
        group = requirements_group(file.path)
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
                    # `=1.2`, `==1.2.3`, `1.2.3` (match-spec with a space), optionally `=build` after it.
                    pinned = bool(re.fullmatch(r"(?:==?)?\s*\d[\w.+!]*(?:[= ]\S+)?", spec)) and "*" not in spec
                    result.append(DeclaredDependency(canonical_name(name), spec, pinned, file.path, line, item, group))
                elif isinstance(item, dict) and isinstance(item.get("pip"), list):
                    pip_lines = getattr(item["pip"], "lines", [])
                    for pip_index, spec in enumerate(item["pip"]):
                        if not isinstance(spec, str):
                            continue
                        parsed = parse_requirement_line(0, spec.strip())
                        if parsed is None or not parsed.name:
                            continue
                        pip_line = pip_lines[pip_index] if pip_index < len(pip_lines) else line
                        result.append(
                            DeclaredDependency(parsed.name, parsed.specifier, parsed.pinned, file.path, pip_line, spec, group)
                        )
        return result


class _NoDigest(Exception):
    pass


def _canonical(value: Any) -> Any:
    """A JSON form of a fact's value that is equal exactly when the values are (sets sorted)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, SourceFile):
        return ["file", value.path, value.kind]
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple record
        return [type(value).__name__, *(_canonical(item) for item in value)]
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted((_canonical(item) for item in value), key=_sort_key)]
    if isinstance(value, dict):
        return ["dict", sorted(([_canonical(key), _canonical(item)] for key, item in value.items()), key=_sort_key)]
    if isinstance(value, (re.Pattern, LazyPattern)):
        return ["re", value.pattern, value.flags]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(_canonical(getattr(value, field.name)) for field in dataclasses.fields(value) if field.compare)]
    raise _NoDigest(type(value).__name__)


def _sort_key(item: Any) -> str:
    return json.dumps(item, separators=(",", ":"))


# The cached facts whose reads are tracked (see Facts.__getattribute__).
_CACHED_FACTS = frozenset(name for name, value in vars(Facts).items() if isinstance(value, cached_property))
