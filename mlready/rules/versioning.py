"""Versioning: models and data live in versioned stores, runs are tracked, artifacts are traceable."""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mlready.model import Finding, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import is_test_path
from mlready.rule import Example, PythonRule, RepoRule, notebook
from mlready.rules.pyast import call_name, keyword, literal, method_name, positional

if TYPE_CHECKING:
    from mlready.parsers.python import PythonSource

# Extensions that are always model artifacts.
MODEL_EXTENSIONS = (
    ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".keras", ".onnx", ".safetensors", ".ckpt", ".pb", ".tflite",
    ".mlmodel", ".caffemodel", ".gguf", ".ggml", ".cbm", ".mar", ".nemo", ".pmml", ".xgb",
)
# Formats that hold nothing but models.
_UNAMBIGUOUS = (
    ".joblib", ".pt", ".pth", ".keras", ".onnx", ".safetensors", ".ckpt", ".tflite", ".mlmodel", ".caffemodel",
    ".gguf", ".cbm", ".mar", ".nemo",
)
# Extensions that hold a model only when the path says so (`weights.h5`, `pytorch_model.bin`).
AMBIGUOUS_MODEL_EXTENSIONS = (".h5", ".hdf5", ".bin", ".msgpack", ".params", ".model", ".weights")
_MODEL_WORDS = lazy_compile(
    r"model|weight|ckpt|checkpoint|pretrained|keras|resnet|bert|gpt|vgg|yolo|classifier|regressor|encoder|decoder"
    r"|detector|estimator|(?:^|[/_.-])net(?:[/_.-]|$)",
    re.I,
)
# `.bin` files a Hugging Face training run writes next to the weights, which hold no model: the pickled
# `TrainingArguments` and the optimizer, scheduler and RNG states.
_TRAINING_SIDE_FILE = lazy_compile(r"(?:^|/)(?:training_args|optimizer|scheduler|scaler|rng_state(?:_\d+)?)\.(?:bin|pt|pth)$")
DATA_EXTENSIONS = (
    ".csv", ".tsv", ".parquet", ".pq", ".feather", ".arrow", ".npy", ".npz", ".jsonl", ".ndjson", ".xlsx", ".xls",
    ".h5", ".hdf5", ".tfrecord", ".tfrecords", ".avro", ".orc", ".db", ".sqlite", ".sqlite3", ".mat", ".arff",
    ".libsvm", ".svmlight", ".sav", ".dta", ".sas7bdat", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".tar", ".rar",
    ".pkl", ".pickle",
)
# In a data folder these hold data too.
_DATA_FOLDER_EXTENSIONS = (".txt", ".json", ".dat", ".data", ".xml")
_DATA_FOLDER = lazy_compile(r"(?:^|/)(?:data|datasets?|raw|processed|inputs?|corpus|corpora)/", re.I)
_SAMPLE = lazy_compile(r"(?:^|[/_.-])(?:samples?|examples?|demos?|dummy|toy|mock)(?:[/_.-]|$)", re.I)
_FIXTURE_FOLDER = lazy_compile(
    r"(?:^|/)(?:(?:[\w-]*[-_])?(?:tests?|testing)|fixtures?|testdata|test_data|test-data|test_resources)/", re.I
)


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def is_model_file(path: str) -> bool:
    """A model artifact by its name: a model format, or an ambiguous format whose path names a model."""
    suffix = _suffix(path)
    if _TRAINING_SIDE_FILE.search(path):
        return False  # a training run's optimizer, scheduler or RNG state, saved next to the model
    if suffix in (".pkl", ".pickle", ".joblib"):
        return not _DATA_FOLDER.search(path) or bool(_MODEL_WORDS.search(path.rsplit("/", 1)[-1]))
    if suffix in MODEL_EXTENSIONS:
        return True
    return suffix in AMBIGUOUS_MODEL_EXTENSIONS and bool(_MODEL_WORDS.search(path))


def is_data_file(path: str) -> bool:
    """A data file by its name (and not a model artifact)."""
    if is_model_file(path):
        return False
    suffix = _suffix(path)
    if suffix in DATA_EXTENSIONS:
        return True
    return suffix in _DATA_FOLDER_EXTENSIONS and bool(_DATA_FOLDER.search(path))


def _is_fixture(path: str) -> bool:
    return is_test_path(path) or bool(_FIXTURE_FOLDER.search(path))


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, size // 1024)} KB" if size >= 1024 else f"{size} bytes"


def _not_ml(repo: Repo) -> str | None:
    return None if repo.facts.is_ml else "no ML framework is imported"


def published_library(repo: Repo) -> bool:
    """A package published for others (README `pip install <name>`, a CI publish step, trove classifiers):
    its training code is framework code, not a model this repository produces."""
    facts = repo.facts
    if facts.is_library or (facts.package_metadata and facts.publishes_package):
        return True
    return any(re.search(r"\bclassifiers\b", repo.text(file.path) or "") for file in facts.package_metadata)


def _registry_skip(repo: Repo) -> str | None:
    """Why rules about registering produced models do not apply."""
    facts = repo.facts
    if not facts.is_ml:
        return "no ML framework is imported"
    if published_library(repo):
        return "a published library: it produces no model of its own"
    if facts.is_research:
        return "research code: checkpoints are released for reproduction, not served"
    teaching = teaching_skip(repo)
    if teaching:
        return teaching
    if not facts.model_training_files or not facts.model_save_files:
        return "no code trains and saves a model"
    return None


_MLOPS_TOPIC = lazy_compile(
    r"\bmlops\b|\bproduction[- ](?:grade|ready|ml|machine learning)|\bmodel (?:registry|serving|deployment)\b", re.I
)


def teaching_skip(repo: Repo) -> str | None:
    """A course, book or collection of examples whose subject is not MLOps: its models are demonstrations."""
    facts = repo.facts
    if _MLOPS_TOPIC.search(facts.readme_text):
        return None
    if facts.is_tutorial:
        return "a tutorial that does not teach MLOps: its models are demonstrations"
    if re.search(r"\bexamples\b", facts.readme_title, re.I):
        return "a collection of examples: its models are demonstrations"
    return None


TRAINING_IN_LIBRARY = "a published library: its training code is framework code"


def model_training_skip(repo: Repo) -> str | None:
    """Why a rule about the project's own model training does not apply, or None."""
    if not repo.facts.model_training_files:
        return "no code trains a model"
    if published_library(repo):
        return TRAINING_IN_LIBRARY
    return teaching_skip(repo)



class ModelArtifactInGit(RepoRule):
    """A trained model file is committed to git as a plain blob.

    What it checks:
    Files with a model format (`.pkl .joblib .pt .pth .keras .onnx .safetensors .ckpt .pb .tflite ...`,
    and `.h5 .bin ...` when the path names a model) that are neither Git LFS pointers nor covered by a
    `filter=lfs` pattern in `.gitattributes`, nor tracked by DVC. Small files (up to `fixture_max_kb`,
    1024 KB by default) are exempt under a test or fixture folder, when named as a sample, example, demo,
    dummy or toy model, and in tutorials: tests and lessons need them. A pickle in a repository that
    imports no ML framework counts only when its name says model.

    Why it matters:
    Git cannot diff or deduplicate binaries: each retrain bloats every clone forever, and nothing records
    which data, code and metrics produced the file, so the deployed model cannot be traced or rolled back.

    How to fix:
    Push models to a model registry (MLflow, W&B, SageMaker, Vertex AI, Hugging Face Hub), or track them
    with DVC (`dvc add models/model.pkl`) or Git LFS (`git lfs track "*.pkl"`), and remove them from git.
    """

    code = "VER001"
    name = "model-artifact-in-git"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING
    default_options = {"fixture_max_kb": 1024}

    VALID = [
        Example(
            {
                "train.py": "import joblib\nfrom sklearn.svm import SVC\njoblib.dump(SVC(), 'models/model.pkl')\n",
                ".gitattributes": "*.pkl filter=lfs diff=lfs merge=lfs -text\n",
                "models/model.pkl": "binary",
            },
            note="Tracked by Git LFS through .gitattributes.",
        ),
        Example(
            {
                "train.py": "import torch\n",
                "weights/net.pt": "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n",
            },
            note="An LFS pointer file.",
        ),
        Example(
            {
                "src/io.py": "import torch\n",
                "tests/fixtures/tiny.pt": "tiny model for a loading test",
                "integration-test/model/model.pkl": "fixture",
                "sample_model/lin_reg.joblib": "sample",
            },
            note="Small test fixtures and a sample model.",
        ),
        Example(
            {"train.py": "import transformers\n", "model-kornlp/training_args.bin": "pickled TrainingArguments", "model-kornlp/optimizer.bin": "state",
             "out/checkpoint-500/rng_state.pth": "rng", "out/checkpoint-500/scheduler.pt": "lr"},
            note="The side files of a Hugging Face training run hold no model.",
        ),
        Example({"train.py": "import torch\n", "data/train.h5": "hdf5 data"}, note="HDF5 data, not a model."),
        Example(
            {
                "train.py": "import torch\n",
                "models.dvc": "outs:\n- path: models\n",
                "models/model.pt": "binary",
            },
            note="Tracked by DVC.",
        ),
        Example({"cache.py": "import json\n", "cache/state.pkl": "binary"}, note="A pickle, in a repository without ML."),
    ]
    INVALID = [
        Example(
            {"app.py": "import pickle\nimport sklearn\n", "model.pkl": "binary", "weights/resnet.h5": "binary"},
            expect=["model.pkl", "weights/resnet.h5"],
        ),
        Example(
            {"train.py": "import torch\n", ".gitattributes": "*.bin filter=lfs\n", "ckpt/best.pt": "binary"},
            expect=["ckpt/best.pt"],
        ),
        Example(
            {"api/handler.py": "import joblib\nmodel = joblib.load('models/model.joblib')\n", "models/model.joblib": "b"},
            expect=["models/model.joblib"],
            note="A serving repository that imports no ML framework still ships the model.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if repo.facts.is_ml or any(_suffix(file.path) in _UNAMBIGUOUS for file in repo.all_files):
            return None
        return "no ML framework is imported and no model file exists"

    def check(self, repo: Repo) -> Iterable[Finding]:
        fixture_max = int(self.options["fixture_max_kb"]) * 1024
        is_ml = repo.facts.is_ml
        tutorial = repo.facts.is_tutorial
        for file in repo.all_files:
            if not is_model_file(file.path):
                continue
            if not is_ml and _suffix(file.path) not in _UNAMBIGUOUS and not _MODEL_WORDS.search(file.name):
                continue  # a pickle in a repository that imports no ML framework is probably not a model
            if file.size <= fixture_max and (
                is_test_path(file.path) or _FIXTURE_FOLDER.search(file.path) or _SAMPLE.search(file.path) or tutorial
            ):
                continue  # a small fixture, sample or teaching asset
            if repo.facts.versioned_outside_git(file.path):
                continue
            yield self.finding(
                f"model artifact ({_size(file.size)}) committed to git: use a model registry, DVC or Git LFS",
                file.path,
            )


class ModelRegistryAbsent(RepoRule):
    """Trained models are saved, but never registered or stored with a version.

    What it checks:
    The repository trains and saves models, and no code or config uses a model registry or versioned
    model store: MLflow registration (`register_model`, `registered_model_name=`, model versions and
    aliases, `models:/` URIs), W&B artifacts, SageMaker model packages, Vertex AI `Model.upload`, Azure ML,
    BentoML `save_model`, Hugging Face `push_to_hub`, ClearML/Neptune models, ZenML, Metaflow, DVC
    `artifacts` of type model or DVC-tracked model files, GTO, Kedro versioned datasets. Models only
    logged to MLflow runs (`log_model`, autolog) earn half credit.

    Why it matters:
    Without a registry nobody can say which model version serves traffic, what produced it, or which
    version to roll back to (ML Test Score Infra 7).

    How to fix:
    Register every trained model, for example `mlflow.sklearn.log_model(model, "model",
    registered_model_name="churn")`, and promote versions with aliases (`champion`, `challenger`);
    or version the model with DVC (`dvc.yaml` `artifacts:` with `type: model`) or W&B artifacts.
    """

    code = "VER002"
    name = "model-registry-absent"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "train.py": (
                    "import mlflow\nfrom sklearn.linear_model import LogisticRegression\n"
                    "model = LogisticRegression().fit(X, y)\n"
                    "mlflow.sklearn.log_model(model, 'model', registered_model_name='churn')\n"
                ),
            }
        ),
        Example(
            {
                "train.py": "import torch\nloss.backward()\ntorch.save(model.state_dict(), 'model.pt')\n",
                "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - model.pt\n",
            },
            note="The saved model is a DVC output: versioned with the code.",
        ),
        Example(
            {"train.py": "from transformers import Trainer\ntrainer = Trainer(model)\ntrainer.train()\ntrainer.push_to_hub()\n"}
        ),
        Example({"explore.py": "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"}, note="Trains nothing."),
    ]
    INVALID = [
        Example(
            {"train.py": "import joblib\nfrom sklearn.svm import SVC\nclf = SVC().fit(X, y)\njoblib.dump(clf, 'model.joblib')\n"},
            expect=["train.py:4"],
        ),
        Example(
            {
                "train.py": (
                    "import mlflow\nfrom sklearn.svm import SVC\nclf = SVC().fit(X, y)\n"
                    "mlflow.sklearn.log_model(clf, 'model')\n"
                )
            },
            expect=["train.py:4"],
            note="Logged to a run but never registered: half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _registry_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        uses = repo.facts.model_registry_uses
        if any(not partial for _path, _line, partial in uses):
            return
        if dvc_versions_models(repo):
            return
        if uses:
            use_path, use_line, _partial = uses[0]
            yield self.finding(
                "models are logged to MLflow runs but never registered: register versions "
                "(registered_model_name=...) so the serving version is known",
                use_path,
                use_line,
                partial=True,
            )
            return
        path, line, cell = _first_save(repo)
        yield self.finding(
            "models are saved but no model registry or versioned model store is used "
            "(MLflow registry, W&B artifacts, DVC, SageMaker/Vertex registry, Hugging Face Hub)",
            path,
            line,
            cell=cell,
        )


def dvc_versions_models(repo: Repo) -> bool:
    """A DVC output (a `*.dvc` file's or a pipeline stage's) is a model file or folder."""
    return any(
        is_model_file(output) or re.search(r"model|checkpoint|ckpt|weights", output, re.I)
        for output in repo.facts.dvc_outputs
    )


_SAVE_LINE = lazy_compile(
    r"\b(?:joblib|pickle|dill|cloudpickle)\.dump\s*\(|\btorch\.save\s*\(|\.save_(?:model|pretrained|weights|checkpoint)\s*\("
    r"|\bsave_model\s*\(|\b\w*model\w*\.save\s*\(|\.log_model\s*\(|\btorch\.onnx\.export\s*\(",
    re.I,
)


def _first_save(repo: Repo) -> tuple[str | None, int | None, int | None]:
    """The first model save in a training script (else notebook, else any file), as (path, line, cell)."""
    saves = repo.facts.model_save_files
    training = [path for path in saves if path in repo.facts.training_files] or saves
    training.sort(key=lambda path: path.endswith(".ipynb"))
    files = [file for path in training if (file := repo.file(path)) is not None]
    match = repo.first(_SAVE_LINE, files)
    if match is None:
        return (training[0], None, None) if training else (None, None, None)
    if match.path.endswith(".ipynb"):
        cell, line = _notebook_position(repo, match.path, match.line)
        return match.path, line, cell
    return match.path, match.line, None


_TRACKING_IMPORTS = frozenset(
    {"mlflow", "wandb", "neptune", "comet_ml", "clearml", "trains", "aim", "dvclive", "sacred", "tensorboardX",
     "guild", "polyaxon", "determined", "swanlab", "trackio"}
)
_TRACKING_CODE = lazy_compile(
    r"\btorch\.utils\.tensorboard\b|\bSummaryWriter\s*\(|\btf\.summary\.create_file_writer\s*\(|\bTensorBoard\s*\("
    r"|\btf\.(?:compat\.v1\.)?summary\.FileWriter\s*\("  # TensorFlow 1
    r"|\bTrainingStep\s*\(|\bRegisterModel\s*\("  # SageMaker Pipelines: each training job records its parameters and metrics
    r"|\blog_with\s*=\s*(?!None\b)[\[\"'\w]|\.init_trackers\s*\("  # Hugging Face Accelerate's trackers
    r"|\b(?:TensorBoard|Wandb|MLFlow|Neptune|Comet|CSV|Aim|DVCLive)Logger\s*\(|\breport_to\s*=\s*[\[\"'](?!none)"
    r"|\bDefaultTrainer\b|\bEventStorage\b|\bRun\.get_context\s*\(|\baiplatform\.(?:start_run|log_metrics|log_params)\s*\("
    r"|\bsagemaker\.experiments\b|\b(?:pl|L|lightning|pytorch_lightning)\.Trainer\s*\(|\bfrom\s+(?:pytorch_)?lightning(?:\.pytorch)?\s+import\b[^\n]*\bTrainer\b"
    r"|\bfrom\s+(?:pytorch_)?lightning(?:\.pytorch)?\.trainer\s+import\s+Trainer\b"
    r"|[\"'](?:pytorch_)?lightning(?:\.pytorch)?\.loggers\.\w+Logger[\"']"  # a logger named in a config (`target: ...WandbLogger`)
)


class ExperimentTrackingAbsent(RepoRule):
    """Training runs are not tracked: parameters, metrics and artifacts of each run are lost.

    What it checks:
    The repository has training code, and none of these appears: an import of MLflow, W&B, Neptune,
    Comet, ClearML, Aim, DVCLive, Sacred or tensorboardX; Azure ML `Run.get_context()`, Vertex AI or
    SageMaker experiments; a TensorBoard `SummaryWriter`,
    `tf.summary` writer (or TensorFlow 1's `FileWriter`) or Keras `TensorBoard` callback; Accelerate's
    trackers (`log_with=`, `init_trackers`); a Lightning logger or Trainer (which logs by
    default); Hugging Face `report_to=`; `metrics:` or `plots:` in `dvc.yaml`. Runs written only to
    home-made files (`metrics.json`, a `runs.csv` ledger) earn half credit.

    Why it matters:
    Without tracking, nobody can tell which parameters and data gave the model in production, compare
    a retrain with it, or reproduce it (ML Test Score Infra 1).

    How to fix:
    Log every run: for example `mlflow.autolog()` (or `mlflow.log_params` / `mlflow.log_metrics`) at the
    top of the training script, `wandb.init(config=...)`, or DVC `metrics:` with DVCLive.
    """

    code = "VER003"
    name = "experiment-tracking-absent"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING

    VALID = [
        Example(
            {"pipeline.py": "from sagemaker.workflow.steps import TrainingStep\nimport xgboost as xgb\n"
             "step = TrainingStep(name='Train', estimator=estimator)\nbst = xgb.train(params, dtrain)\n"},
            note="SageMaker training jobs record their parameters and metrics.",
        ),
        Example({"train.py": "import mlflow\nfrom sklearn.svm import SVC\nmlflow.autolog()\nSVC().fit(X, y)\n"}),
        Example(
            {
                "main.py": "import torch\nfrom pytorch_lightning.trainer import Trainer\n\nlogger_cfg = {'target': 'pytorch_lightning.loggers.WandbLogger'}\n"
                "trainer = Trainer.from_argparse_args(opt, logger=instantiate(logger_cfg))\ntrainer.fit(model, data)\nloss.backward()\n"
            },
            note="A Lightning logger named in a config and built by instantiate.",
        ),
        Example(
            {"train.py": "import torch\nfrom torch.utils.tensorboard import SummaryWriter\nwriter = SummaryWriter()\nloss.backward()\n"}
        ),
        Example(
            {"train.py": "import torch\nfrom accelerate import Accelerator\nacc = Accelerator(log_with='wandb')\nacc.init_trackers('run')\nacc.backward(loss)\n"},
            note="Accelerate logs to the tracker it is given.",
        ),
        Example(
            {"train.py": "import tensorflow as tf\nwriter = tf.summary.FileWriter('logs', sess.graph)\nmodel.fit(x, y)\n"},
            note="TensorFlow 1's summary writer.",
        ),
        Example(
            {
                "src/train.py": "import torch\nloss.backward()\n",
                "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n    metrics:\n      - metrics.json\n",
            }
        ),
        Example({"lib.py": "import torch\n\ndef forward(x):\n    return x\n"}, note="No training code."),
        Example(
            {"features.ipynb": notebook("from sklearn.preprocessing import MinMaxScaler", "scaler = MinMaxScaler()\nscaler.fit(df)")},
            note="Fitting a scaler trains no model.",
        ),
    ]
    INVALID = [
        Example(
            {"train.py": "import xgboost as xgb\nimport json\nbst = xgb.train(params, dtrain)\nprint(bst.eval(dtest))\n"},
            expect=["train.py:3"],
        ),
        Example(
            {"notebooks/model.ipynb": notebook("from sklearn.svm import SVC", "clf = SVC()\nclf.fit(X, y)")},
            expect=["notebooks/model.ipynb[1]:2"],
        ),
        Example(
            {
                "train.py": (
                    "import json\nfrom sklearn.svm import SVC\nclf = SVC().fit(X, y)\n"
                    "json.dump({'acc': acc}, open('runs/metrics.json', 'w'))\n"
                )
            },
            expect=["train.py:4"],
            note="A home-made run log: half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return model_training_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.imported_modules & _TRACKING_IMPORTS:
            return
        code = [file for file in facts.code_files if not is_test_path(file.path)]
        if any(not match.text.lstrip().startswith("#") for match in repo.search(_TRACKING_CODE, code)):
            return
        for file in repo.files("yaml"):
            if file.name in ("dvc.yaml", "dvc.yml"):
                text = repo.text(file.path) or ""
                if re.search(r"^\s*(?:metrics|plots)\s*:", text, re.M):
                    return
        homemade = next(
            (match for match in repo.search(_HOMEMADE_LOG, code) if not match.text.lstrip().startswith("#")), None
        )
        if homemade is not None:
            yield self.finding(
                "runs are recorded only in home-made files: use an experiment tracker (MLflow, W&B, DVCLive)",
                homemade.path,
                homemade.line if not homemade.path.endswith(".ipynb") else None,
                partial=True,
            )
            return
        training = [found for path in facts.model_training_files if (found := repo.file(path)) is not None]
        scripts = [file for file in training if file.kind == "python"] or training
        match = repo.first(_TRAINING_CALL, scripts)
        path, line = (match.path, match.line) if match else (scripts[0].path if scripts else None, None)
        if match is not None and path is not None and path.endswith(".ipynb"):
            cell, cell_line = _notebook_position(repo, path, match.line)
            yield self.finding(_NO_TRACKING, path, cell_line, cell=cell)
            return
        yield self.finding(_NO_TRACKING, path, line)


# A script that writes its own run log: metrics/scores/ledger files in JSON, JSONL or CSV.
_HOMEMADE_LOG = lazy_compile(
    r"[\"'][^\"'\n]*(?:metrics|scores|ledger|experiments?|runs|log|stats|history)[^\"'\n]*\.(?:jsonl?|csv|txt)[\"']"
    r"|\bCSVLogger\s*\(",
    re.I,
)
_NO_TRACKING = (
    "training runs are not tracked: log parameters, metrics and models with MLflow, W&B, DVCLive or TensorBoard"
)
_TRAINING_CALL = lazy_compile(
    r"\.fit(?:_generator)?\s*\(|\btrainer\.train\s*\(|\.backward\s*\(\s*\)|\bTrainer\s*\(|\.train_model\s*\(|\bxgb\.train\s*\(|\blgb\.train\s*\("
)


def _notebook_position(repo: Repo, path: str, line: int) -> tuple[int | None, int]:
    """(cell index, line in cell) for a line of a notebook's joined code text (`Repo.code_text`)."""
    parsed = repo.notebook(path)
    if parsed is None:
        return None, line
    remaining = line
    for cell in parsed.code_cells:
        count = cell.source.count("\n") + 1
        if remaining <= count:
            return cell.index, remaining
        remaining -= count
    return None, line


class LargeFileInGit(RepoRule):
    """A large file is committed to git.

    What it checks:
    Files bigger than `max_kb` (10240 KB by default; Made With ML uses 1000) that are neither Git LFS
    pointers nor covered by a `filter=lfs` pattern, nor tracked by DVC. In an ML repository, model and
    data files are left to model-artifact-in-git and data-unversioned.

    Why it matters:
    Every clone and CI checkout downloads every version of a large file forever; removing it later
    means rewriting history. GitHub rejects files over 100 MB.

    How to fix:
    Move the file to Git LFS, DVC or object storage, purge it from history (`git filter-repo`), and add
    the `check-added-large-files` pre-commit hook so it does not come back.
    """

    code = "VER004"
    name = "large-file-in-git"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING
    default_options = {"max_kb": 10240}

    VALID = [
        Example({"README.md": "small\n"}),
        Example(
            {".gitattributes": "*.mp4 filter=lfs diff=lfs merge=lfs -text\n", "demo.mp4": "x" * 3000},
            options={"max_kb": 1},
        ),
    ]
    INVALID = [
        Example({"assets/demo.gif": "x" * 3000, "README.md": "small"}, expect=["assets/demo.gif"], options={"max_kb": 1}),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        limit = int(self.options["max_kb"]) * 1024
        is_ml = repo.facts.is_ml
        for file in repo.all_files:
            if file.size <= limit:
                continue
            if is_ml and (is_model_file(file.path) or (is_data_file(file.path) and not _is_fixture(file.path))):
                continue  # reported by model-artifact-in-git or data-unversioned
            if repo.facts.versioned_outside_git(file.path):
                continue
            advice = (
                "strip its outputs (nbstripout)"
                if file.kind == "notebook"
                else "move it to Git LFS, DVC or object storage"
            )
            yield self.finding(f"{_size(file.size)} file in git (limit {_size(limit)}): {advice}", file.path)


class DataUnversioned(RepoRule):
    """A data file is committed to git instead of a data versioning tool.

    What it checks:
    Data files (`.csv .parquet .feather .npy .npz .jsonl .xlsx .h5 .tfrecord .zip ...`, and `.txt`/`.json`
    under a data folder) larger than `min_kb` (1024 KB by default) that are neither tracked by DVC nor
    stored in Git LFS (pointer or `filter=lfs` pattern). Test fixtures and the data a published library
    ships are exempt (large-file-in-git still applies to them).
    A course's or template's own sample dataset under 5 MB is accepted.

    Why it matters:
    Data changes more often than code. In git a dataset cannot be diffed, bloats every clone, and
    nothing ties a model to the exact version of the data it was trained on (ML Test Score Infra 1).

    How to fix:
    Track the data with DVC (`dvc add data/train.csv`, then commit the `.dvc` file and push to a
    remote), or with Git LFS (`git lfs track "*.csv"`), or read it from versioned object storage.
    """

    code = "VER005"
    name = "data-unversioned"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING
    default_options = {"min_kb": 1024}

    VALID = [
        Example({"train.py": "import sklearn\n", "data/small.csv": "a,b\n1,2\n"}),
        Example(
            {"train.py": "import sklearn\n", ".gitattributes": "data/** filter=lfs\n", "data/train.csv": "a,b\n" * 600},
            options={"min_kb": 1},
        ),
        Example({"notes.py": "import json\n", "big.csv": "a,b\n" * 600}, options={"min_kb": 1}, note="Not an ML repository."),
        Example(
            {"train.py": "import sklearn\n", "tests/data/golden.csv": "a,b\n" * 600}, options={"min_kb": 1}, note="A test fixture."
        ),
    ]
    INVALID = [
        Example(
            {"train.py": "import sklearn\n", "data/train.csv": "a,b\n" * 600, "data/raw/corpus.txt": "word " * 300},
            expect=["data/train.csv", "data/raw/corpus.txt"],
            options={"min_kb": 1},
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if published_library(repo):
            return "a published library: the data it ships is package or test data"
        return _not_ml(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        teaching_sample = repo.facts.is_tutorial or repo.facts.is_template
        limit = int(self.options["min_kb"]) * 1024
        tool = "DVC" if repo.facts.uses_dvc else "DVC or Git LFS"
        for file in repo.all_files:
            if file.size <= limit or not is_data_file(file.path) or _is_fixture(file.path):
                continue
            if teaching_sample and file.size < 5 * 1024 * 1024:  # a course's or template's own small sample dataset
                continue
            if repo.facts.versioned_outside_git(file.path):
                continue
            yield self.finding(f"{_size(file.size)} data file committed to git: version it with {tool}", file.path)


class DvcIncomplete(RepoRule):
    """DVC is set up only partly, so others cannot reproduce the pipeline or fetch the data.

    What it checks:
    In a repository that uses DVC (`dvc.yaml` or `*.dvc` files): the `.dvc/config` is committed; it
    names a remote (or CI adds one with `dvc remote add`); and every `dvc.yaml` with stages has its
    `dvc.lock` committed next to it.

    Why it matters:
    Without the `.dvc` folder DVC does not work after a clone; without a remote, `dvc pull` has nowhere
    to fetch the data from; without `dvc.lock`, nobody knows which data and model versions the last run
    produced, and `dvc repro` cannot tell what is up to date.

    How to fix:
    Commit `.dvc/config` and `.dvc/.gitignore`; add a shared remote with `dvc remote add -d storage
    s3://bucket/path` (credentials stay in `config.local`); run `dvc repro` and commit `dvc.lock`.
    """

    code = "VER006"
    name = "dvc-incomplete"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                ".dvc/config": "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/dvc\n",
                "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n",
                "dvc.lock": "schema: '2.0'\n",
            }
        ),
        Example({"train.py": "print('no dvc')\n"}, note="No DVC: the rule does not apply."),
    ]
    INVALID = [
        Example(
            {".dvc/config": "[core]\n    autostage = true\n", "data.dvc": "outs:\n- path: data\n"},
            expect=[".dvc/config:1"],
        ),
        Example(
            {
                ".dvc/config": "['remote \"s3\"']\n    url = s3://bucket\n",
                "pipeline/dvc.yaml": "# pipeline\nstages:\n  train:\n    cmd: python train.py\n",
            },
            expect=["pipeline/dvc.yaml:2"],
        ),
        Example({"data.dvc": "outs:\n- path: data\n"}, expect=["data.dvc:1"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.uses_dvc else "DVC is not used"

    def check(self, repo: Repo) -> Iterable[Finding]:
        files = repo.facts.dvc_files
        configs = [file for file in files if file.path.endswith(".dvc/config")]
        if not configs:
            first = next(file for file in files)
            yield self.finding(
                "DVC is used but `.dvc/config` is not committed: commit the `.dvc` folder (config, .gitignore)",
                first.path,
                1,
            )
        else:
            remote = re.compile(r"^\s*\[\s*'?remote\s+\"[^\"]+\"'?\s*\]", re.M)
            has_remote = any(remote.search(repo.text(file.path) or "") for file in configs)
            if not has_remote and not re.search(r"\bdvc\s+remote\s+add\b", repo.facts.ci_text):
                yield self.finding(
                    "DVC has no remote in `.dvc/config`: add a shared one (`dvc remote add -d ...`) so `dvc pull` works",
                    configs[0].path,
                    1,
                )
        for file in files:
            if file.name not in ("dvc.yaml", "dvc.yml"):
                continue
            text = repo.text(file.path) or ""
            stages = re.search(r"^stages\s*:", text, re.M)
            if stages is None:
                continue
            lock = f"{file.parent}/dvc.lock" if file.parent else "dvc.lock"
            if not repo.exists(lock):
                line = text.count("\n", 0, stages.start()) + 1
                yield self.finding("pipeline without a committed `dvc.lock`: run `dvc repro` and commit it", file.path, line)


# Save calls: qualified or method name -> (positional index of the path, keyword names of the path).
_SAVE_FUNCTIONS: dict[str, tuple[int, tuple[str, ...]]] = {
    "joblib.dump": (1, ("filename",)),
    "torch.save": (1, ("f",)),
    "skops.io.dump": (1, ("file",)),
    "pickle.dump": (1, ("file",)),
    "dill.dump": (1, ("file",)),
    "cloudpickle.dump": (1, ("file",)),
}
_SAVE_METHODS: dict[str, tuple[int, tuple[str, ...]]] = {
    "save_model": (0, ("fname", "filepath", "path", "file_name", "model_file", "filename")),
    "save_pretrained": (0, ("save_directory",)),
    "save_weights": (0, ("filepath",)),
    "save_checkpoint": (0, ("filepath",)),
    "save": (0, ("filepath", "path")),
}
# Modules whose `save_model(model, path)` is a function taking the model first.
_SAVE_MODEL_MODULES = frozenset({"keras", "tensorflow", "tf", "mlflow", "tf_keras"})
_VERSION_TOKEN = lazy_compile(r"v\d|\d{6,}|\d{4}[-_]\d{2}|version|\{|%", re.I)
_MODEL_OBJECT = lazy_compile(
    r"model|clf|classif|regress|estimat|pipe|vectori|scaler|encoder|booster|bst|forest|svm|knn|xgb|lgb|tree|net\b"
    r"|state_dict|weights|ckpt|checkpoint",
    re.I,
)
_MODEL_RECEIVER = lazy_compile(r"model|net|clf|classifier|regressor|estimator|learner|booster|bst|pipe", re.I)
_PATH_BUILDERS = {"os.path.join", "pathlib.Path", "Path", "posixpath.join"}


def _literal_path(node: ast.expr, source: PythonSource) -> str | None:
    """The path a literal path expression names: 'm.pkl', Path('m.pkl'), os.path.join('a', 'm.pkl'), Path('a') / 'b'."""
    value = literal(node)
    if isinstance(value, str):
        return value
    if isinstance(node, ast.JoinedStr):  # an f-string without placeholders
        if all(isinstance(part, ast.Constant) for part in node.values):
            return "".join(str(part.value) for part in node.values if isinstance(part, ast.Constant))
        return None
    if isinstance(node, ast.Call) and call_name(node, source) in _PATH_BUILDERS and (node.args or node.keywords):
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            return None
        parts = [_literal_path(arg, source) for arg in node.args]
        return "/".join(part for part in parts if part is not None) if all(part is not None for part in parts) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _literal_path(node.left, source), _literal_path(node.right, source)
        return f"{left}/{right}" if left is not None and right is not None else None
    return None


class ModelSaveUnversioned(PythonRule):
    """A model is saved to a fixed file name that carries no version, and nothing else versions it.

    What it checks:
    Calls such as `joblib.dump(model, "model.pkl")`, `pickle.dump(model, open("model.pkl", "wb"))`,
    `torch.save(..., "model.pt")`, `model.save("model.h5")`, `save_model(...)` or `save_pretrained("out")`
    whose path is a plain literal with no version, date or placeholder, in a repository that uses no
    model registry or versioned store and where neither DVC nor Git LFS tracks that path. Tests are exempt.

    Why it matters:
    Each run silently overwrites the last model: nobody can tell which version was deployed, compare
    it with the previous one, or roll back.

    How to fix:
    Log the model to a registry (MLflow `registered_model_name=`, W&B artifacts), or make the path a
    DVC output, or at least put a version or timestamp in the name (`models/model-{version}.pkl`) and
    record it with the run.
    """

    code = "VER007"
    name = "model-save-unversioned"
    pillar = Pillar.VERSIONING
    severity = Severity.WARNING
    triggers = (
        r"\b(?:joblib|pickle|dill|cloudpickle|skops\.io)\.dump\s*\(|\btorch\.save\s*\(|\.save_(?:model|pretrained|weights|checkpoint)\s*\("
        r"|\bsave_model\s*\(|\.save\s*\(",
    )

    VALID = [
        Example(
            {
                "train.py": (
                    "import joblib, time\nfrom sklearn.svm import SVC\n"
                    "joblib.dump(SVC(), f'models/model-{time.time()}.pkl')\n"
                    "joblib.dump(SVC(), 'models/model_v2.pkl')\n"
                    "joblib.dump(SVC(), path)\n"
                )
            }
        ),
        Example(
            {
                "train.py": "import mlflow, joblib\nimport sklearn\njoblib.dump(m, 'model.pkl')\nmlflow.register_model(uri, 'churn')\n"
            },
            note="A registry is used: local saves are staging copies.",
        ),
        Example(
            {
                "train.py": "import torch\ntorch.save(net.state_dict(), 'models/net.pt')\n",
                "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n    outs:\n      - models\n",
            },
            note="DVC versions the output folder.",
        ),
        Example(
            {"plot.py": "import torch, pickle\nimage.save('figure.png')\npickle.dump(corpus, open('corpus.pkl', 'wb'))\n"},
            note="Not a model.",
        ),
        Example(
            {
                "src/train.py": (
                    "import pickle, os\nimport sklearn\n\ndef save_model(model, folder):\n"
                    "    with open(os.path.join(folder, name), 'wb') as f:\n        pickle.dump(model, f)\n\n"
                    "save_model(clf, './models')\nself.save('model.pt')\n"
                ),
                "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n    outs:\n    - models/model.pkl\n",
            },
            note="The project's own save_model and save methods; the folder holds a DVC output.",
        ),
        Example({"tests/test_io.py": "import joblib\nimport sklearn\njoblib.dump(m, 'model.pkl')\n"}),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "import joblib\nimport pickle\nfrom sklearn.svm import SVC\nclf = SVC()\n"
                    "joblib.dump(clf, 'model.joblib')\n"
                    "with open('models/model.pkl', 'wb') as f:\n    pickle.dump(clf, f)\n"
                    "pickle.dump(clf, open('encoder.pkl', 'wb'))\n"
                )
            },
            expect=["train.py:5"],
            note="One finding per file, at the first save; the message counts the others.",
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "import tensorflow as tf", "model.save('my_model.h5')\nmodel.save_pretrained('./fine-tuned')"
                )
            },
            expect=["nb.ipynb[1]:1"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.is_ml:
            return "no ML framework is imported"
        if published_library(repo):
            return "a published library: it produces no model of its own"
        if repo.facts.is_research:
            return "research code: checkpoints are released for reproduction, not served"
        teaching = teaching_skip(repo)
        if teaching:
            return teaching
        if repo.facts.model_registry_uses:
            return "models are logged to a registry or versioned store"
        return None

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.open_names: dict[str, str] = {}
        self.saves: list[tuple[tuple[int, int, int, int], str]] = []

    def finish(self) -> None:
        if not self.saves:
            return
        # The first save in source order (the ast walk visits some children, such as decorators, out of it).
        (line, column, end_line, end_column), path = min(self.saves, key=lambda save: save[0][:2])
        more = f" (and {len(self.saves) - 1} more in this file)" if len(self.saves) > 1 else ""
        self.report_at(
            line,
            column,
            f"model saved to the fixed path '{path}' with no version, and no registry or DVC versions it{more}",
            end_line=end_line,
            end_column=end_column,
        )

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if isinstance(item.context_expr, ast.Call) and isinstance(item.optional_vars, ast.Name):
                path = self._opened_path(item.context_expr)
                if path is not None:
                    self.open_names[item.optional_vars.id] = path

    def _opened_path(self, call: ast.Call) -> str | None:
        if call_name(call, self.source) not in ("open", "io.open", "builtins.open"):
            return None
        first = positional(call, 0)
        return _literal_path(first, self.source) if first is not None else None

    def visit_Call(self, node: ast.Call) -> None:
        if is_test_path(self.file.path):
            return
        name = call_name(node, self.source) or ""
        method = method_name(node) or ""
        receiver = ""
        if name in _SAVE_FUNCTIONS:
            index, names = _SAVE_FUNCTIONS[name]
        elif method not in _SAVE_METHODS:  # (save_model is one): the receiver's source text is read only from here
            return
        elif (receiver := dotted_receiver(node, self.source)).split(".")[0] in ("self", "cls", "super()"):
            return  # the project's own save method: its body is checked where the file is written
        elif method == "save_model" and "." in name and name.split(".")[0] in _SAVE_MODEL_MODULES:
            index, names = 1, ("filepath", "path", "model_path")  # keras.models.save_model(model, path), mlflow
        elif isinstance(node.func, ast.Attribute) and name.split(".")[0] not in _SAVE_MODEL_MODULES:
            index, names = _SAVE_METHODS[method]
        else:
            return
        arg = next((keyword(node, key) for key in names if keyword(node, key) is not None), None) or positional(node, index)
        if arg is None:
            return
        path: str | None
        if name.endswith(".dump") and name != "joblib.dump" and name != "skops.io.dump":
            if isinstance(arg, ast.Call):
                path = self._opened_path(arg)
            elif isinstance(arg, ast.Name):
                path = self.open_names.get(arg.id)
            else:
                path = None
        else:
            path = _literal_path(arg, self.source)
        if not path or _VERSION_TOKEN.search(path):
            return
        if name in _SAVE_FUNCTIONS:
            # pickle.dump and torch.save store anything: only a path or object named like a model counts.
            saved = positional(node, 0)
            saved_text = self.source.segment(saved) if saved is not None else ""
            if not _MODEL_WORDS.search(path.rsplit("/", 1)[-1]) and not _MODEL_OBJECT.search(saved_text):
                return
        if method == "save" and name not in _SAVE_FUNCTIONS:
            has_model_suffix = is_model_file(path) or path.lower().endswith((".h5", ".keras", ".tf"))
            no_suffix_model_dir = "." not in path.rsplit("/", 1)[-1] and bool(_MODEL_RECEIVER.search(receiver))
            if not has_model_suffix and not no_suffix_model_dir:
                return
        clean = posixpath.normpath(path)
        if self.repo.facts.dvc_tracked(clean) or self.repo.facts.lfs_tracked(clean):
            return
        self.saves.append((self.position(node), path))


def dotted_receiver(call: ast.Call, source: PythonSource) -> str:
    """The source text of the object a method is called on ('' for a plain function call)."""
    if isinstance(call.func, ast.Attribute):
        return source.segment(call.func.value)
    return ""


_METADATA_CODE = lazy_compile(
    r"[\"'](?:model_)?version[\"']|[\"'](?:trained|created|saved|exported|built)_(?:at|on|date|time)[\"']"
    r"|[\"'](?:training_date|train_date|timestamp|git_(?:commit|sha|hash)|commit_hash)[\"']"
    r"|\bModelCard\b|\bmodel_card\b|\bmodelcard\b|\bskops\.card\b|\bsave_metadata\s*\(|\bmetadata\s*=",
    re.I,
)


class ModelMetadataMissing(RepoRule):
    """Saved models carry no metadata: no version, training date or lineage travels with them.

    What it checks:
    The repository saves models, and none of these exists: a registry or MLflow model logging (which
    record metadata), a model card (`MODEL_CARD.md`, `ModelCard`, skops card), an `MLmodel` or
    `metadata.json` file, or code near the saves that writes a version, timestamp or git commit
    (`"version"`, `"trained_at"`, `"timestamp"`, `"git_commit"`, `metadata=`).

    Why it matters:
    A model file alone cannot say how old it is, which code and data produced it, or which version is
    running; monitoring model age (ML Test Score Monitor 4) and audits need exactly that.

    How to fix:
    Write a small sidecar next to each model (`metadata.json` with version, trained_at, git commit,
    data version and metrics), or log the model to MLflow / a registry, which records it for you.
    """

    code = "VER008"
    name = "model-metadata-missing"
    pillar = Pillar.VERSIONING
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "train.py": (
                    "import joblib, json\nfrom sklearn.svm import SVC\njoblib.dump(clf, 'model.pkl')\n"
                    "json.dump({'version': VERSION, 'trained_at': now}, open('model.json', 'w'))\n"
                )
            }
        ),
        Example({"train.py": "import torch\ntorch.save(net, 'net.pt')\n", "MODEL_CARD.md": "# Model card\n"}),
        Example({"lib.py": "import torch\n"}, note="Saves no model."),
    ]
    INVALID = [
        Example(
            {"train.py": "import joblib\nfrom sklearn.svm import SVC\nclf = SVC().fit(X, y)\njoblib.dump(clf, 'model.pkl')\n"},
            expect=["train.py:4"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _registry_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.model_registry_uses or dvc_versions_models(repo):
            return
        for file in repo.all_files:
            lower = file.name.lower()
            if lower == "mlmodel" or re.match(r"model[_-]?card", lower) or lower in ("metadata.json", "model_metadata.json"):
                return
        files = [found for path in facts.model_save_files if (found := repo.file(path)) is not None]
        if repo.first(_METADATA_CODE, files) is not None:
            return
        path, line, cell = _first_save(repo)
        yield self.finding(
            "models are saved without metadata: record version, training date and git commit "
            "(a metadata.json sidecar, a model card, or a registry)",
            path,
            line,
            cell=cell,
        )
