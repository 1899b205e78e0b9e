"""Reproducibility: seeded, explicit and configurable training that anyone can rerun."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mlready.model import Finding, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import is_test_path
from mlready.rule import Example, PythonRule, RepoRule, notebook
from mlready.rules.pyast import (
    NOT_LITERAL,
    call_name,
    dotted_name,
    has_star_args,
    keyword,
    literal,
    method_name,
    positional,
    targets_of,
)
from mlready.rules.versioning import TRAINING_IN_LIBRARY, model_training_skip, published_library

if TYPE_CHECKING:
    from mlready.parsers.python import PythonSource

# scikit-learn estimators whose result depends on `random_state`.
_STOCHASTIC_ESTIMATORS = frozenset(
    {
        "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
        "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor", "BaggingClassifier", "BaggingRegressor", "AdaBoostClassifier",
        "AdaBoostRegressor", "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
        "ExtraTreeRegressor", "SGDClassifier", "SGDRegressor", "MLPClassifier", "MLPRegressor", "KMeans",
        "MiniBatchKMeans", "IsolationForest", "RandomTreesEmbedding", "TSNE", "TruncatedSVD", "GaussianMixture",
        "BayesianGaussianMixture", "LatentDirichletAllocation", "Perceptron", "PassiveAggressiveClassifier",
        "PassiveAggressiveRegressor", "SpectralClustering",
    }
)
_GLOBAL_RNG = lazy_compile(
    r"^(?:numpy\.random\.(?:shuffle|permutation|choice|rand|randn|randint|normal|uniform|random|sample)"
    r"|random\.(?:shuffle|sample|choice|choices|random|randint|uniform))$"
)


def _sklearn_name(name: str, source: PythonSource) -> str | None:
    """The class name when `name` resolves to scikit-learn (or a bare name imported with `*`, unless
    the module defines that name itself)."""
    last = name.rsplit(".", 1)[-1]
    if name.startswith("sklearn."):
        return last
    if "." not in name and "sklearn" in source.text and last not in source.defined_names:
        return last
    return None


def _imports(source: PythonSource, *modules: str) -> bool:
    return any(re.search(rf"^\s*(?:import|from)\s+{module}\b", source.text, re.M) for module in modules)


_ON_GLOBAL_RNG = " on the global generator"



def _training_code_skip(repo: Repo) -> str | None:
    """Why a rule about training scripts does not apply (no training code, or a library's), or None."""
    if not repo.facts.training_files:
        return "no training code"
    return TRAINING_IN_LIBRARY if published_library(repo) else None

class RandomSeedNotSet(PythonRule):
    """Stochastic training runs without a random seed.

    What it checks:
    Training scripts and notebooks that do something random, namely PyTorch training (`.backward()`),
    a shuffling `DataLoader`, `random_split`, Keras `fit`, a scikit-learn estimator that depends on
    `random_state` built without one, or a call to the global NumPy/`random` generator, while no seed
    is set: no `*seed*(...)` call (`torch.manual_seed`, `np.random.seed`, `set_seed`, `seed_everything`,
    `keras.utils.set_random_seed`...), no seeded generator, no Hugging Face `TrainingArguments`, in the
    file, in a project module it imports, or in a script that imports it. One finding per file;
    published libraries are skipped (their training code is framework code).

    Why it matters:
    Without a seed, every run gives a different model and different metrics, so a regression cannot be
    told apart from noise and nobody can reproduce a reported result (ML Test Score Infra 1).

    How to fix:
    Seed every generator once at start-up, from configuration: for example `random.seed(seed)`,
    `np.random.seed(seed)`, `torch.manual_seed(seed)` (or `lightning.seed_everything(seed)`,
    `transformers.set_seed(seed)`), and pass `random_state=seed` to scikit-learn estimators.
    """

    code = "REP001"
    name = "random-seed-not-set"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.WARNING
    triggers = (
        r"\.backward\s*\(|DataLoader\s*\(|\.fit\s*\(|random_split\s*\(|random\.\w+\s*\(",
    )

    VALID = [
        Example(
            {
                "train.py": (
                    "import torch\nfrom torch.utils.data import DataLoader\n\ntorch.manual_seed(0)\n"
                    "loader = DataLoader(ds, shuffle=True)\nfor x, y in loader:\n    loss = model(x)\n    loss.backward()\n"
                )
            }
        ),
        Example(
            {
                "train.py": (
                    "from sklearn.ensemble import RandomForestClassifier\n"
                    "clf = RandomForestClassifier(n_estimators=100, random_state=42)\nclf.fit(X, y)\n"
                )
            },
            note="The only randomness is fixed by random_state.",
        ),
        Example(
            {
                "main.py": "from utils import set_seed\nimport engine\nset_seed(1)\nengine.train()\n",
                "engine.py": "import torch\n\ndef train():\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n",
                "utils.py": "import random\n\ndef set_seed(seed):\n    random.seed(seed)\n",
            },
            note="The script that drives the training loop seeds it.",
        ),
        Example(
            {"train.py": "import xgboost as xgb\nfrom sklearn.linear_model import LinearRegression\nLinearRegression().fit(X, y)\n"},
            note="Deterministic estimators.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "import torch\nfrom torch.utils.data import DataLoader\n\n"
                    "loader = DataLoader(ds, batch_size=32, shuffle=True)\nfor x, y in loader:\n    loss.backward()\n"
                )
            },
            expect=["train.py:4"],
        ),
        Example(
            {
                "model.ipynb": notebook(
                    "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier",
                    "clf = RandomForestClassifier(n_estimators=200)\nclf.fit(X, y)",
                )
            },
            expect=["model.ipynb[1]:1"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _training_code_skip(repo)

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.applies = file.path in repo.facts.training_files and file.path not in repo.facts.seeded_files
        self.event: tuple[tuple[int, int, int, int], str] | None = None
        self.event_is_rng = False
        self.keras = _imports(source, "tensorflow", "keras", "tf_keras") and ".compile(" in source.text
        self.torch = _imports(source, "torch")

    def visit_Call(self, node: ast.Call) -> None:
        if not self.applies or (self.event is not None and not self.event_is_rng):
            return
        what = self._stochastic(node)
        if what and (self.event is None or not what.endswith(_ON_GLOBAL_RNG)):
            # A training call is a better anchor than a use of the global generator.
            self.event = (self.position(node), what)
            self.event_is_rng = what.endswith(_ON_GLOBAL_RNG)

    def _stochastic(self, node: ast.Call) -> str | None:
        name = call_name(node, self.source) or ""
        method = method_name(node) or ""
        last = name.rsplit(".", 1)[-1]
        if method == "backward" and self.torch:
            return "PyTorch training (random initialisation, dropout)"
        if last == "DataLoader":
            shuffle = keyword(node, "shuffle")
            if shuffle is not None and literal(shuffle) is not False and literal(shuffle) is not None:
                return "DataLoader(shuffle=True)"
        if last == "random_split" and keyword(node, "generator") is None:
            return "random_split() without a generator"
        if method == "fit" and self.keras:
            return "Keras fit (random initialisation, shuffled batches)"
        estimator = _sklearn_name(name, self.source)
        if estimator in _STOCHASTIC_ESTIMATORS and keyword(node, "random_state") is None and not has_star_args(node):
            return f"{estimator}() without random_state"
        if _GLOBAL_RNG.match(name):
            return f"{name.replace('numpy.', 'np.')}(){_ON_GLOBAL_RNG}"
        return None

    def finish(self) -> None:
        if self.event is None:
            return
        (line, column, end_line, end_column), what = self.event
        self.report_at(
            line,
            column,
            f"{what}, but no random seed is set: results change from run to run",
            end_line=end_line,
            end_column=end_column,
        )


# Splitters (dslinter W5509) -> whether they shuffle only with shuffle=True.
_SPLITTERS = {
    "train_test_split": False,
    "ShuffleSplit": False,
    "StratifiedShuffleSplit": False,
    "GroupShuffleSplit": False,
    "RepeatedKFold": False,
    "RepeatedStratifiedKFold": False,
    "KFold": True,
    "StratifiedKFold": True,
    "StratifiedGroupKFold": True,
}
# A global seed that also fixes NumPy's generator, which scikit-learn uses when random_state is None.
_NUMPY_SEED = lazy_compile(
    r"\b(?:np|numpy)\.random\.seed\s*\(|\bseed_(?:everything|all)\s*\(|\bset_(?:random_)?seeds?\s*\("
    r"|\b(?:fix|setup|init)_seeds?\s*\("
)
# Lightning's CLI seeds everything before it builds the model and data module (`seed_everything_default=`).
_TORCH_SEED = lazy_compile(r"\bmanual_seed\s*\(|\bseed_(?:everything|all)\s*\(|\bset_(?:random_)?seeds?\s*\(|\bseed_everything_default\s*=\s*\d")


def _numpy_seeded(source: PythonSource) -> bool:
    """The file seeds NumPy's global generator, directly or through an import alias.

    `np.random.seed(0)`, `from numpy import random; random.seed(0)`, `import numpy.random as npr; npr.seed(0)`,
    `from numpy.random import seed; seed(0)`, or a project helper such as `seed_everything(0)`.
    """
    if _NUMPY_SEED.search(source.text):
        return True
    for local, qualified in source.aliases.items():
        if qualified == "numpy.random.seed":
            pattern = rf"(?<![\w.]){re.escape(local)}\s*\("
        elif qualified == "numpy.random":
            pattern = rf"(?<![\w.]){re.escape(local)}\.seed\s*\("
        elif qualified == "numpy":
            pattern = rf"(?<![\w.]){re.escape(local)}\.random\.seed\s*\("
        else:
            continue
        if re.search(pattern, source.text):
            return True
    return False


class SplitRandomStateMissing(PythonRule):
    """A train/test split or cross-validation shuffle is not reproducible.

    What it checks:
    `train_test_split`, `ShuffleSplit`, `StratifiedShuffleSplit`, `GroupShuffleSplit`, `Repeated(Stratified)KFold`
    and `(Stratified/StratifiedGroup)KFold(shuffle=True)` without `random_state` (or with
    `random_state=None`), unless the same file seeds NumPy's global generator (also through an import alias,
    as in `from numpy import random; random.seed(42)`); likewise Hugging Face
    `Dataset.train_test_split` without `seed` and PyTorch `random_split` without a `generator` or a
    seed in the file (`torch.manual_seed`, `seed_everything`, Lightning's `seed_everything_default=`). `train_test_split(shuffle=False)` is deterministic and passes; a `shuffle=` set from a
    variable is not judged.

    Why it matters:
    Each run puts different rows in the test set, so metrics move between runs for no reason, and
    results cannot be compared or reproduced (dslinter W5509, "Randomness Uncontrolled").

    How to fix:
    Pass a fixed seed from configuration: `train_test_split(X, y, test_size=0.2, random_state=SEED)`,
    `KFold(n_splits=5, shuffle=True, random_state=SEED)`, `dataset.train_test_split(test_size=0.1, seed=SEED)`,
    `random_split(ds, lengths, generator=torch.Generator().manual_seed(SEED))`.
    """

    code = "REP002"
    name = "split-random-state-missing"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.WARNING
    triggers = (r"train_test_split|ShuffleSplit|KFold|random_split",)

    VALID = [
        Example(
            {"split.py": "from sklearn.model_selection import train_test_split\nSHUFFLE = False  # time series\na, b = train_test_split(X, shuffle=SHUFFLE)\n"},
            note="shuffle= set from a setting is not judged.",
        ),
        Example(
            {
                "split.py": (
                    "from sklearn.model_selection import train_test_split, KFold\n"
                    "a, b = train_test_split(X, test_size=0.2, random_state=42)\n"
                    "c, d = train_test_split(X, shuffle=False)\n"
                    "cv = KFold(n_splits=5)\n"
                    "cv2 = KFold(n_splits=5, shuffle=True, random_state=0)\n"
                    "e, f = train_test_split(X, **options)\n"
                )
            }
        ),
        Example(
            {"split.py": "import numpy as np\nfrom sklearn.model_selection import train_test_split\nnp.random.seed(0)\na, b = train_test_split(X)\n"},
            note="NumPy's global generator is seeded.",
        ),
        Example(
            {
                "stack.py": "from sklearn.model_selection import *\n\nclass GroupShuffleSplit:\n    def __init__(self, groups):\n"
                "        self.groups = groups\n\nsplits = GroupShuffleSplit(groups)\n"
            },
            note="A splitter class the module defines itself is not scikit-learn's.",
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "from numpy import random\nfrom sklearn.model_selection import train_test_split\n\n"
                    "random.seed(42)\ntrn, val = train_test_split(df, test_size=0.25)"
                ),
                "split.py": (
                    "import numpy.random as npr\nfrom sklearn.model_selection import train_test_split\n"
                    "npr.seed(0)\na, b = train_test_split(X)\n"
                ),
            },
            note="NumPy's global generator is seeded through an import alias.",
        ),
        Example(
            {"split.py": "from mylib import train_test_split\na, b = train_test_split(X, 0.2)\n"},
            note="Not scikit-learn's.",
        ),
        Example(
            {
                "cli.py": (
                    "import torch\nfrom torch.utils.data import random_split\nfrom lightning.pytorch.cli import LightningCLI\n\n"
                    "class Data:\n    def __init__(self):\n        self.train, self.val = random_split(dataset, [0.8, 0.2])\n\n"
                    "LightningCLI(Model, Data, seed_everything_default=1234)\n"
                )
            },
            note="Lightning's CLI seeds everything before it builds the data module.",
        ),
    ]
    INVALID = [
        Example(
            {
                "split.py": (
                    "from sklearn.model_selection import train_test_split, StratifiedKFold\n"
                    "a, b = train_test_split(X, y, test_size=0.2)\n"
                    "cv = StratifiedKFold(n_splits=5, shuffle=True)\n"
                    "c, d = train_test_split(X, random_state=None)\n"
                )
            },
            expect=["split.py:2", "split.py:3", "split.py:4"],
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "import sklearn.model_selection as ms\nimport torch",
                    "train, test = ms.train_test_split(df)\nparts = torch.utils.data.random_split(ds, [80, 20])",
                )
            },
            expect=["nb.ipynb[1]:1", "nb.ipynb[1]:2"],
        ),
        Example(
            {"split.py": "import random\nfrom sklearn.model_selection import train_test_split\nrandom.seed(0)\na, b = train_test_split(X)\n"},
            expect=["split.py:4"],
            note="Python's random module is not NumPy's generator.",
        ),
    ]

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.numpy_seeded = _numpy_seeded(source)
        self.torch_seeded = bool(_TORCH_SEED.search(source.text))
        self.hf_datasets = _imports(source, "datasets")
        self.skip = is_test_path(file.path)

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or has_star_args(node):
            return
        name = call_name(node, self.source) or ""
        method = method_name(node) or ""
        splitter = _sklearn_name(name, self.source)
        if splitter in _SPLITTERS:
            self._check_sklearn(node, splitter)
        elif method == "train_test_split" and self.hf_datasets and not name.startswith("sklearn"):
            if keyword(node, "seed") is None and keyword(node, "generator") is None:
                self.report(node, "Dataset.train_test_split() without seed: the split changes on every run")
        elif (
            name.rsplit(".", 1)[-1] == "random_split"
            and name.startswith("torch")
            and keyword(node, "generator") is None
            and positional(node, 2) is None
            and not self.torch_seeded
        ):
            self.report(node, "random_split() without a seeded generator: the split changes on every run")

    def _check_sklearn(self, node: ast.Call, splitter: str) -> None:
        shuffle = keyword(node, "shuffle")
        shuffle_value = literal(shuffle) if shuffle is not None else None
        if shuffle is not None and (shuffle_value is NOT_LITERAL or shuffle_value is Ellipsis):
            return  # shuffle=SOME_SETTING (or a `...` placeholder): decided elsewhere; not judged
        if _SPLITTERS[splitter]:
            if shuffle is None or shuffle_value is False:
                return  # KFold without shuffle is deterministic
        elif shuffle is not None and shuffle_value is False:
            return
        state = keyword(node, "random_state")
        if state is not None and literal(state) is not None:
            return
        if self.numpy_seeded:
            return
        self.report(node, f"{splitter}() without random_state: the split changes on every run")


# Estimators and optimizers whose defaults decide the model, and the arguments that are not hyperparameters.
_TUNABLE_ESTIMATORS = frozenset(
    {
        "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
        "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "DecisionTreeClassifier",
        "DecisionTreeRegressor", "KNeighborsClassifier", "KNeighborsRegressor", "SVC", "SVR", "MLPClassifier",
        "MLPRegressor", "SGDClassifier", "SGDRegressor", "KMeans", "MiniBatchKMeans", "DBSCAN",
        "GaussianMixture", "XGBClassifier", "XGBRegressor",
        "LGBMClassifier", "LGBMRegressor", "CatBoostClassifier", "CatBoostRegressor",
    }
)
_BOOSTING_MODULES = ("xgboost.", "lightgbm.", "catboost.")
_TORCH_OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"})
_NOT_HYPERPARAMETERS = frozenset(
    {"random_state", "seed", "random_seed", "n_jobs", "verbose", "verbosity", "silent", "device", "thread_count",
     "use_label_encoder", "enable_categorical", "eval_metric", "tree_method", "logging_level", "nthread"}
)
_TUNING = lazy_compile(
    r"SearchCV\s*\(|\bparam_grid\b|\bparam_distributions\b|\boptuna\b|\bhyperopt\b|\bset_params\s*\(|\bray\.tune\b"
    r"|\btrial\.suggest_|\bskopt\b|\bBayesSearchCV\b|\bkeras_tuner\b|\bflaml\b|\bsweep\b"
)


def _model_kind(name: str, source: PythonSource) -> str | None:
    """'estimator' / 'optimizer' for a tunable scikit-learn/boosting estimator or a torch/keras optimizer."""
    last = name.rsplit(".", 1)[-1]
    if last in _TUNABLE_ESTIMATORS and (
        name.startswith(("sklearn.", *_BOOSTING_MODULES)) or ("." not in name and "sklearn" in source.text)
    ):
        return "estimator"
    if last in _TORCH_OPTIMIZERS and (name.startswith(("torch.optim.", "keras.optimizers.", "tensorflow.keras.optimizers.", "tf.keras.optimizers."))):
        return "optimizer"
    return None


def _compared_models(rule: PythonRule, node: ast.expr) -> bool:
    """`node` is an element of a list/tuple/set, or a value of a dict, that holds at least two calls."""
    parent = rule.parent(node)
    if isinstance(parent, ast.Tuple):
        outer = rule.parent(parent)
        if isinstance(outer, ast.Subscript) and outer.slice is parent:
            return False  # `x[Model(), Other()]` is an index, not a collection of models
    if isinstance(parent, (ast.List, ast.Tuple, ast.Set)):
        elements = [item.value if isinstance(item, ast.Starred) else item for item in parent.elts]
    elif isinstance(parent, ast.Dict):
        if any(value is node and key is None for key, value in zip(parent.keys, parent.values, strict=True)):
            return False  # `{**Model()}`
        elements = list(parent.values)
    else:
        return False
    return sum(isinstance(item, ast.Call) for item in elements) >= 2


# Methods that fill a model with saved weights.
_LOADING_METHODS = ("load_model", "load_weights", "load_state_dict")


class HyperparametersNotExplicit(PythonRule):
    """A model or optimizer is built with library defaults only.

    What it checks:
    Estimators whose defaults shape the model (random forests, boosting, decision trees, SVMs, k-NN,
    k-means, MLPs, XGBoost/LightGBM/CatBoost) and PyTorch/Keras optimizers built with no
    hyperparameter at all (`random_state`, `n_jobs`, `verbose` and the like do not count), as in
    `RandomForestClassifier()` or `torch.optim.Adam(model.parameters())`. Files that tune
    hyperparameters (`*SearchCV`, Optuna, `param_grid`, Ray Tune...) and estimators in a list or dict of
    several models (a baseline comparison) are exempt. One finding per file.

    Why it matters:
    Defaults change between library versions (for example scikit-learn changed `n_estimators` and
    `max_features`), so the same code trains a different model after an upgrade, and nobody reading the
    code can tell which settings were chosen ("Hyperparameter Not Explicitly Set", Zhang et al. 2022).

    How to fix:
    Write the hyperparameters that matter, from configuration: `RandomForestClassifier(n_estimators=300,
    max_depth=12, ...)`, `torch.optim.Adam(model.parameters(), lr=cfg.lr)`.
    """

    code = "REP003"
    name = "hyperparameters-not-explicit"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.INFO
    triggers = (
        r"(?:Forest|Trees|Boosting|Tree|Neighbors|SVC|SVR|MLP|SGD|KMeans|DBSCAN|Mixture|XGB|LGBM|CatBoost)\w*\s*\(|\b(?:optim|optimizers)\.\w+\s*\(|\b(?:Adam|AdamW|SGD|RMSprop)\s*\(",
    )

    VALID = [
        Example(
            {
                "train.py": (
                    "import torch\nfrom sklearn.ensemble import RandomForestClassifier\n"
                    "clf = RandomForestClassifier(n_estimators=300, random_state=0)\n"
                    "opt = torch.optim.Adam(model.parameters(), lr=3e-4)\n"
                    "opt2 = torch.optim.SGD(model.parameters(), 0.1)\n"
                    "from tensorflow import keras\nopt3 = keras.optimizers.SGD(schedule)\n"
                )
            },
            note="Keras optimizers take the learning rate first.",
        ),
        Example(
            {
                "tune.py": (
                    "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import GridSearchCV\n"
                    "search = GridSearchCV(RandomForestClassifier(), param_grid)\n"
                )
            },
            note="Hyperparameters are tuned.",
        ),
        Example(
            {
                "compare.py": (
                    "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.svm import SVC\n"
                    "models = {'rf': RandomForestClassifier(), 'svc': SVC()}\n"
                )
            },
            note="A baseline comparison of several models.",
        ),
        Example({"tests/test_model.py": "from sklearn.svm import SVC\nclf = SVC()\n"}),
        Example(
            {
                "train.py": (
                    "import torch\noptimizer = torch.optim.AdamW(param_groups)\nfor it, batch in enumerate(loader):\n"
                    "    for group in optimizer.param_groups:\n        group['lr'] = schedule[it]\n"
                )
            },
            note="A schedule sets the learning rate on the parameter groups.",
        ),
        Example(
            {
                "serve.py": "import xgboost as xgb\n\nmodel = xgb.XGBRegressor()\nmodel.load_model('model.json')\n"
                "ranker = xgb.XGBRanker().load_model('ranker.json')\n"
            },
            note="Saved weights are loaded into an empty model: nothing is trained with the defaults.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "import torch\nfrom sklearn.cluster import KMeans\n"
                    "km = KMeans(random_state=0)\nopt = torch.optim.Adam(model.parameters())\n"
                )
            },
            expect=["train.py:3"],
        ),
        Example({"nb.ipynb": notebook("import xgboost as xgb", "model = xgb.XGBClassifier()")}, expect=["nb.ipynb[1]:1"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return "a published library: its estimators are framework code" if published_library(repo) else None

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.skip = is_test_path(file.path) or bool(_TUNING.search(source.text))
        # The learning rate is set on the parameter groups by a schedule (`param_group["lr"] = ...`).
        self.lr_scheduled = bool(re.search(r"\[\s*[\"']lr[\"']\s*\]\s*=", source.text))
        self.defaults: list[tuple[tuple[int, int, int, int], str]] = []

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip:
            return
        name = call_name(node, self.source) or ""
        kind = _model_kind(name, self.source)
        if kind is None or has_star_args(node):
            return
        if kind == "optimizer":
            if self.lr_scheduled:
                return
            # torch takes the parameters first; Keras takes the learning rate first.
            given = len(node.args) - (1 if name.startswith("torch.") else 0)
            if given > 0 or node.keywords:
                return
        elif node.args or any(item.arg not in _NOT_HYPERPARAMETERS for item in node.keywords):
            return
        if _compared_models(self, node):
            return  # a list of models compared with their defaults
        if self._loaded_into(node):
            return  # an empty model that saved weights are loaded into: nothing is trained with the defaults
        parent = self.parent(node)
        outer = self.parent(parent) if isinstance(parent, ast.keyword) else parent
        if (
            isinstance(outer, ast.Call)
            and outer.func is not node
            and (call_name(outer, self.source) or "").endswith(("SearchCV", "Pipeline"))
        ):
            return
        self.defaults.append((self.position(node), name.rsplit(".", 1)[-1]))

    def _loaded_into(self, node: ast.Call) -> bool:
        """`XGBRegressor().load_model(path)`, or `model = XGBRegressor()` then `model.load_model(path)`."""
        parent = self.parent(node)
        if isinstance(parent, ast.Attribute) and parent.attr in _LOADING_METHODS:
            return True
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            loading = "|".join(_LOADING_METHODS)
            return re.search(rf"\b{re.escape(parent.targets[0].id)}\.(?:{loading})\s*\(", self.source.text) is not None
        return False

    def finish(self) -> None:
        if not self.defaults:
            return
        (line, column, end_line, end_column), first = self.defaults[0]
        others = sorted({name for _position, name in self.defaults[1:]} - {first})
        more = f" (also {', '.join(others)})" if others else ""
        self.report_at(
            line,
            column,
            f"{first}() built with library defaults only{more}: write the hyperparameters you chose",
            end_line=end_line,
            end_column=end_column,
        )


_NOTEBOOK_RUNNER = lazy_compile(r"\bpapermill\b|\bnbconvert\b[^\n]*--execute|\bploomber\b|\bjupyter\s+execute\b")


class TrainingEntrypointMissing(RepoRule):
    """Models are trained, but there is no runnable training entry point.

    What it checks:
    The repository has training code (`.fit(`, `.backward()`, `Trainer(`...), and none of these:
    a training script with a `__main__` guard, a CLI (argparse, click, typer, fire, hydra) or top-level
    training code (or such a script that imports, within three steps, the module that trains); a
    `dvc.yaml` pipeline; an `MLproject`; a Makefile, justfile or `tasks.py` target named
    `train`; a pyproject script named `train`; a pipeline framework (Kubeflow, ZenML, Kedro, Airflow,
    Prefect, Metaflow, Flyte, Dagster); a service that retrains; notebooks executed by papermill or
    `nbconvert --execute` in CI. Fitting only a scaler or encoder is not training. Typically training
    lives only in notebooks or in functions nothing calls.

    Why it matters:
    A model that can only be retrained by running notebook cells by hand cannot be retrained on a
    schedule, in CI, or by someone else, and each retrain may differ.

    How to fix:
    Add a script such as `src/<project>/train.py` with a `main()` that reads its configuration from
    arguments or a file, and call it from a `dvc.yaml` stage, a Makefile `train` target or a pipeline.
    """

    code = "REP004"
    name = "training-entrypoint-missing"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "src/components/data_ingestion.py": "from src.components.model_trainer import ModelTrainer\n\n"
                "if __name__ == '__main__':\n    ModelTrainer().initiate_model_trainer()\n",
                "src/components/model_trainer.py": "from src.utils import evaluate_models\n\nclass ModelTrainer:\n"
                "    def initiate_model_trainer(self):\n        return evaluate_models()\n",
                "src/utils.py": "import sklearn\n\ndef evaluate_models():\n    model.fit(X, y)\n",
            },
            note="An entry point two imports away from the code that fits.",
        ),
        Example(
            {
                "src/train.py": (
                    "import argparse\nfrom sklearn.svm import SVC\n\ndef main():\n    SVC().fit(X, y)\n\n"
                    "if __name__ == '__main__':\n    main()\n"
                )
            }
        ),
        Example(
            {
                "model.py": "from sklearn.svm import SVC\n\ndef train(X, y):\n    return SVC().fit(X, y)\n",
                "Makefile": "train:\n\tpython -c 'import model'\n",
            }
        ),
        Example({"train.py": "import torch\nfor batch in loader:\n    loss.backward()\n"}, note="A script."),
        Example({"lib.py": "import torch\n"}, note="No training code."),
    ]
    INVALID = [
        Example(
            {
                "notebooks/train.ipynb": notebook("from sklearn.svm import SVC", "clf = SVC()\nclf.fit(X, y)"),
                "src/features.py": "import pandas as pd\n\ndef build(df):\n    return df\n",
            },
            expect=["notebooks/train.ipynb"],
        ),
        Example(
            {"src/model.py": "from sklearn.svm import SVC\n\ndef train(X, y):\n    return SVC().fit(X, y)\n"},
            expect=["src/model.py"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return model_training_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.training_entrypoints:
            return
        training = facts.model_training_files
        # A service with a retrain endpoint, or notebooks executed by papermill/nbconvert in CI or a Makefile.
        for path in facts.serving_modules:
            if path in training or set(facts.project_imports(path)) & set(training):
                return
        if _NOTEBOOK_RUNNER.search(facts.ci_text):
            return
        notebooks = [path for path in training if path.endswith(".ipynb")]
        anchor = notebooks[0] if notebooks else training[0]
        if notebooks and len(notebooks) == len(training):
            message = "models are trained only in notebooks: add a training script with a CLI, or a pipeline stage"
        else:
            message = "no script, CLI or pipeline stage runs the training code: add a training entry point"
        yield self.finding(message, anchor)


_ZERO_GRAD = lazy_compile(r"zero_?grad|clear_?grad|reset_?grad", re.I)


class _Frame:
    """What a loop (or a function defined inside one) does with gradients."""

    def __init__(self, is_loop: bool) -> None:
        self.is_loop = is_loop
        self.backward = False
        self.steps: list[tuple[int, int, int, int]] = []
        self.clears = False
        self.inner_loop_steps = False
        # Optimizers constructed in this loop's own body: a fresh one each iteration accumulates nothing.
        self.fresh_optimizers: set[str] = set()


def _first_argument(call: ast.Call) -> ast.expr | None:
    """The value of the call's first argument in source order, positional, keyword or starred."""
    values = [arg.value if isinstance(arg, ast.Starred) else arg for arg in call.args]
    values.extend(item.value for item in call.keywords)
    return min(values, key=lambda value: (value.lineno, value.col_offset), default=None)


class GradientsNotCleared(PythonRule):
    """A training loop never clears gradients, so they accumulate across steps.

    What it checks:
    A `for`/`while` loop whose body calls `.backward()` (or Lightning's `manual_backward`) and
    `optimizer.step()` (or `scaler.step(optimizer)`) but never clears gradients: no `zero_grad()` on the
    optimizer or the model (with or without `set_to_none`), no `.grad = None`, no `.grad.zero_()`.
    Gradient accumulation that clears under a condition passes, and so does an optimizer constructed in the
    same loop body (a fresh optimizer over fresh tensors each iteration, as in per-sample latent optimisation).
    Only the innermost loop that holds both calls is judged.

    Why it matters:
    PyTorch adds each backward pass to the stored gradients. Without clearing them, every step applies
    the sum of all past gradients: training silently diverges or behaves unlike the intended algorithm
    ("Gradients Not Cleared before Backward Propagation", dslinter W5517).

    How to fix:
    Call `optimizer.zero_grad(set_to_none=True)` once per step, before `loss.backward()` (or after
    `optimizer.step()`); with gradient accumulation, clear right after each `optimizer.step()`.
    """

    code = "REP005"
    name = "gradients-not-cleared"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.WARNING
    triggers = (r"^(?s:(?=.*backward\s*\()(?=.*(?:opt[\w.\[\]()]*|scaler)\.step\s*\())",)

    VALID = [
        Example(
            {
                "train.py": (
                    "import torch\nfor x, y in loader:\n    optimizer.zero_grad(set_to_none=True)\n"
                    "    loss = criterion(model(x), y)\n    loss.backward()\n    optimizer.step()\n"
                )
            }
        ),
        Example(
            {
                "train.py": (
                    "import torch\nfor i, (x, y) in enumerate(loader):\n    loss = model(x) / accum\n    loss.backward()\n"
                    "    if (i + 1) % accum == 0:\n        optimizer.step()\n        model.zero_grad()\n"
                )
            },
            note="Gradient accumulation clears under a condition.",
        ),
        Example(
            {
                "train.py": (
                    "import torch\nfor epoch in range(10):\n    optimizer.zero_grad()\n    for x in loader:\n"
                    "        model(x).backward()\n    optimizer.step()\n"
                )
            },
            note="Full-batch accumulation: the inner loop does not step.",
        ),
        Example(
            {
                "train.py": (
                    "import torch\nfor x in loader:\n    def closure():\n        opt.zero_grad()\n"
                    "        loss = model(x)\n        loss.backward()\n        return loss\n    opt.step(closure)\n"
                )
            },
            note="LBFGS closure.",
        ),
        Example(
            {
                "train.py": (
                    "import torch\nfor x in loader:\n    scaler.scale(loss).backward()\n    scaler.step(optimizer)\n"
                    "    scaler.update()\n    for p in model.parameters():\n        p.grad = None\n"
                )
            }
        ),
        Example(
            {
                "train.py": (
                    "import torch.distributed.autograd as dist_autograd\nfor x in loader:\n"
                    "    with dist_autograd.context() as context_id:\n"
                    "        dist_autograd.backward(context_id, [loss])\n        opt.step(context_id)\n"
                )
            },
            note="Distributed autograd keeps gradients per context.",
        ),
        Example(
            {
                "pipeline.py": (
                    "import torch\nfor t in timesteps:\n    x_in = latents.detach().clone()\n    x_in.requires_grad = True\n"
                    "    opt = torch.optim.SGD([x_in], lr=0.1)\n    with torch.enable_grad():\n"
                    "        loss = guidance(x_in, t)\n        loss.backward()\n        opt.step()\n"
                    "    latents = x_in.detach()\n"
                )
            },
            note="A fresh optimizer over a fresh tensor every iteration: nothing accumulates.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "import torch\noptimizer.zero_grad()\nfor x, y in loader:\n    loss = criterion(model(x), y)\n"
                    "    loss.backward()\n    optimizer.step()\n"
                )
            },
            expect=["train.py:6"],
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "import torch",
                    "for epoch in range(3):\n    opt_g.zero_grad()\n    for x in loader:\n        loss.backward()\n        opt_g.step()",
                )
            },
            expect=["nb.ipynb[1]:5"],
            note="Cleared once per epoch, stepped every batch.",
        ),
        Example(
            {
                "train.py": (
                    "import torch\nfor epoch in range(3):\n    opt = torch.optim.Adam(model.parameters())\n"
                    "    for x in loader:\n        model(x).backward()\n        opt.step()\n"
                )
            },
            expect=["train.py:6"],
            note="Built once per epoch, but stepped every batch without clearing.",
        ),
    ]

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.frames: list[_Frame] = []
        self.skip = is_test_path(file.path)

    # Loops and nested function bodies open frames; each call is recorded in the innermost one, and a
    # frame passes what it saw to its parent when it closes.

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.frames.append(_Frame(is_loop=True))

    def visit_While(self, node: ast.While) -> None:
        self.frames.append(_Frame(is_loop=True))

    def leave_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._close_loop()

    def leave_While(self, node: ast.While) -> None:
        self._close_loop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.frames.append(_Frame(is_loop=False))

    def leave_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._close_function()

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.frames.append(_Frame(is_loop=False))

    def leave_Lambda(self, node: ast.Lambda) -> None:
        self._close_function()

    def _close_function(self) -> None:
        frame = self.frames.pop()
        if self.frames:
            # A closure (LBFGS) or helper defined in the loop: only its clearing counts for the loop.
            self.frames[-1].clears = self.frames[-1].clears or frame.clears

    def _close_loop(self) -> None:
        frame = self.frames.pop()
        if frame.backward and frame.steps and not frame.clears and not frame.inner_loop_steps and not self.skip:
            line, column, end_line, end_column = frame.steps[0]
            self.report_at(
                line,
                column,
                "optimizer.step() in a loop that never clears gradients: call optimizer.zero_grad()",
                end_line=end_line,
                end_column=end_column,
            )
        if self.frames:
            parent = self.frames[-1]
            parent.backward = parent.backward or frame.backward
            parent.steps.extend(frame.steps)
            parent.clears = parent.clears or frame.clears
            parent.inner_loop_steps = parent.inner_loop_steps or bool(frame.backward and frame.steps)

    def visit_Call(self, node: ast.Call) -> None:
        if not self.frames:
            return
        frame = self.frames[-1]
        method = method_name(node) or ""
        if method in ("backward", "manual_backward"):
            receiver = dotted_name(node.func.value) if isinstance(node.func, ast.Attribute) else None
            # Distributed autograd keeps gradients per context: nothing to clear.
            if frame.is_loop and "dist_autograd" not in (receiver or ""):
                frame.backward = True
        elif method == "step" and frame.is_loop and isinstance(node.func, ast.Attribute):
            receiver = (dotted_name(node.func.value) or self.source.segment(node.func.value)).lower()
            first = _first_argument(node)
            argument = (dotted_name(first) or "").lower() if first is not None else ""
            stepped = argument if "scaler" in receiver else receiver
            if stepped in frame.fresh_optimizers:
                return  # constructed in this loop body: a new optimizer each iteration
            if "opt" in receiver or ("scaler" in receiver and "opt" in argument):
                frame.steps.append(self.position(node))
        elif _ZERO_GRAD.search(method):
            frame.clears = True
        elif method == "zero_" and isinstance(node.func, ast.Attribute):
            receiver = dotted_name(node.func.value) or ""
            if receiver.endswith((".grad", ".grad.data")):
                frame.clears = True

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.frames and self.frames[-1].is_loop and isinstance(node.value, ast.Call):
            built = call_name(node.value, self.source) or ""
            if "optim" in built.lower() or built.rsplit(".", 1)[-1] in _TORCH_OPTIMIZERS:
                for target in node.targets:
                    name = dotted_name(target)
                    if name:
                        self.frames[-1].fresh_optimizers.add(name.lower())
        if self.frames and any(isinstance(target, ast.Attribute) and target.attr == "grad" for target in node.targets):
            self.frames[-1].clears = True  # p.grad = None


_CONFIG_LOADERS = lazy_compile(
    r"^\s*(?:import|from)\s+(?:argparse|click|typer|hydra|omegaconf|yaml|ruamel|toml|tomllib|tomli|configparser|fire"
    r"|ml_collections|gin|dotenv|pydantic_settings|jsonargparse|simple_parsing|tyro|absl)\b"
    r"|\bjson\.load\s*\(|\bos\.(?:environ|getenv)\b|\bsys\.argv\b|\bparams_show\s*\("
    r"|^\s*(?:from|import)\s+[\w.]*\b(?:config|configs|conf|settings|params|hparams|hyperparameters|constants)\b"
    r"|^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+[^\n]*\b(?:config|configs|conf|settings|params|hparams|hyperparameters)\b",  # from . import config
    re.M,
)
_HYPERPARAMETER_FIT = frozenset({"epochs", "batch_size", "learning_rate", "lr", "num_epochs", "n_epochs", "max_epochs"})


class HyperparametersHardcoded(PythonRule):
    """Hyperparameters are literals in a training script that reads no configuration.

    What it checks:
    Training `.py` files (not notebooks, not tests) that pass numeric literals as hyperparameters to an
    estimator or optimizer (`RandomForestClassifier(n_estimators=200)`, `Adam(params, lr=1e-3)`,
    `model.fit(..., epochs=20)`) while the file loads no configuration at all: no argparse, click, typer,
    hydra, OmegaConf, YAML/TOML/JSON config, environment variables, or project `config`/`params`
    module. One finding per file.

    Why it matters:
    Every experiment then means editing code, the values used for a given model are not recorded apart
    from the code, and sweeps or retrains with other settings need code changes (Hidden Technical Debt in
    ML Systems: configuration debt).

    How to fix:
    Move the values into a config file (`params.yaml`, Hydra, a dataclass) or command-line arguments, log
    them with the run, and read them in the script.
    """

    code = "REP006"
    name = "hyperparameters-hardcoded"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.INFO
    triggers = (r"\b(?:n_estimators|max_depth|learning_rate|lr|epochs|batch_size|C|alpha|n_neighbors|max_iter)\s*=\s*[\d.]",)

    VALID = [
        Example(
            {"pkg/train.py": "from . import config\nfrom tensorflow import keras\n\nmodel = keras.Sequential()\nmodel.fit(X, y, epochs=20, batch_size=32)\n"},
            note="A project config module imported relatively.",
        ),
        Example(
            {
                "train.py": (
                    "import yaml\nfrom sklearn.ensemble import RandomForestClassifier\n"
                    "params = yaml.safe_load(open('params.yaml'))\n"
                    "clf = RandomForestClassifier(n_estimators=params['n_estimators'], max_depth=10)\nclf.fit(X, y)\n"
                )
            }
        ),
        Example(
            {
                "train.py": (
                    "from sklearn.ensemble import RandomForestClassifier\nfrom config import N_ESTIMATORS\n"
                    "clf = RandomForestClassifier(n_estimators=200)\nclf.fit(X, y)\n"
                )
            },
            note="The script imports a project config module.",
        ),
        Example(
            {"explore.ipynb": notebook("from sklearn.svm import SVC", "SVC(C=10).fit(X, y)")},
            note="Notebooks explore; only scripts are judged.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "import torch\nfrom sklearn.ensemble import RandomForestClassifier\n"
                    "clf = RandomForestClassifier(n_estimators=200, max_depth=8, random_state=0)\nclf.fit(X, y)\n"
                )
            },
            expect=["train.py:3"],
        ),
        Example(
            {"train.py": "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.01)\nloss.backward()\n"},
            expect=["train.py:2"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _training_code_skip(repo)

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.skip = (
            file.kind != "python"
            or file.path not in repo.facts.training_files
            or bool(_CONFIG_LOADERS.search(source.text))
        )
        self.found: tuple[tuple[int, int, int, int], list[str]] | None = None

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or self.found is not None:
            return
        name = call_name(node, self.source) or ""
        method = method_name(node) or ""
        if _model_kind(name, self.source) is not None:
            keys = [
                item.arg
                for item in node.keywords
                if item.arg is not None
                and item.arg not in _NOT_HYPERPARAMETERS
                and isinstance(literal(item.value), (int, float))
                and not isinstance(literal(item.value), bool)
            ]
        elif method == "fit":
            keys = [
                item.arg
                for item in node.keywords
                if item.arg is not None
                and item.arg in _HYPERPARAMETER_FIT
                and isinstance(literal(item.value), (int, float))
            ]
        else:
            return
        if keys:
            self.found = (self.position(node), keys)

    def finish(self) -> None:
        if self.found is None:
            return
        (line, column, end_line, end_column), keys = self.found
        self.report_at(
            line,
            column,
            f"hyperparameters ({', '.join(keys)}) are literals in a script that reads no configuration: "
            "move them to a config file or arguments",
            end_line=end_line,
            end_column=end_column,
        )


_CONFIG_WORDS = lazy_compile(r"conf|cfg|param|setting|hparam|hyper|option", re.I)
_DATA_NAME = lazy_compile(r"label|annotation|data|df\b|record|sample|row|vocab|classes|mapping|split|fold", re.I)
# Validation written by hand: a config passed to a check/validate/verify function (`check_nn_config(config)`).
_HAND_VALIDATION = lazy_compile(r"\b(?:check|validate|verify)\w*\s*\(\s*\w*(?i:conf|cfg|param|setting|hparam|hyper|option)\w*\s*[,)]")
_LOADERS = frozenset(
    {"yaml.safe_load", "yaml.load", "yaml.full_load", "json.load", "toml.load", "tomllib.load", "tomli.load",
     "omegaconf.OmegaConf.load"}
)
_SCHEMA = lazy_compile(
    r"\bBaseSettings\b|\bConfigStore\b|\bOmegaConf\.structured\s*\(|\bjsonschema\b|\bcerberus\b|\bvoluptuous\b"
    r"|\bmarshmallow\b|\bSchema\s*\(|\bmodel_validate\s*\(|\bparse_obj\s*\("
    r"|^class\s+\w*(?:Config|Cfg|Conf|Params|Parameters|Settings|Args|Arguments|HParams|Hyperparameters|Options)\w*\s*\("
    r"\s*(?:BaseModel|pydantic\.BaseModel)\b"
    r"|@(?:dataclasses\.)?dataclass\b[^\n]*\n\s*class\s+\w*(?:Config|Cfg|Conf|Params|Parameters|Settings|Args|Arguments"
    r"|HParams|Hyperparameters|Options|Entity)\w*"
    r"|@(?:attr\.s|attrs\.define|define|frozen)\b[^\n]*\n\s*class\s+\w*(?:Config|Cfg|Params|Settings)\w*",
    re.M,
)


class ConfigUnvalidated(PythonRule):
    """Configuration is loaded as a plain dict and never validated.

    What it checks:
    Non-test `.py` files that load a config file with `yaml.safe_load`, `json.load`, `toml`/`tomllib` or
    `OmegaConf.load` into a variable named like a config (`config`, `cfg`, `params`, `settings`...) or
    from a path named like one, in a repository that defines no typed schema for it: no pydantic
    `BaseSettings` or config `BaseModel`, no config dataclass or attrs class, no Hydra `ConfigStore`,
    no `OmegaConf.structured`, no jsonschema/cerberus/marshmallow validation, and the file passes no
    config to a check/validate function of its own (`check_config(config)`) nor loads it inside one
    (`def check_dataset(path)`). One finding per file.

    Why it matters:
    A typo in a key or a wrong type in the config only shows up deep inside training, or never: the code
    silently falls back to a default. Config is code and needs checks like code (Hidden Technical Debt
    in ML Systems: configuration debt).

    How to fix:
    Parse the loaded dict into a typed object that validates it at start-up, for example a pydantic
    model (`TrainConfig(**yaml.safe_load(f))`), a dataclass, or a Hydra structured config.
    """

    code = "REP007"
    name = "config-unvalidated"
    pillar = Pillar.REPRODUCIBILITY
    severity = Severity.INFO
    triggers = (r"\b(?:safe_load|full_load|load)\s*\(",)

    VALID = [
        Example(
            {
                "train.py": (
                    "import yaml\nfrom pydantic import BaseModel\n\nclass TrainConfig(BaseModel):\n    lr: float\n\n"
                    "with open('config.yaml') as f:\n    config = TrainConfig(**yaml.safe_load(f))\n"
                )
            }
        ),
        Example(
            {
                "src/entity.py": "from dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass DataIngestionConfig:\n    root: str\n",
                "src/config.py": "import yaml\n\ndef read():\n    with open('config/config.yaml') as f:\n        content = yaml.safe_load(f)\n    return content\n",
            },
            note="The repository defines typed config entities.",
        ),
        Example({"io.py": "import json\n\ndef read(path):\n    with open(path) as f:\n        rows = json.load(f)\n    return rows\n"}, note="Not config."),
        Example(
            {"dataset.py": "import json\n\nwith open('data/same_source_test.parameter.json') as f:\n    labels = json.load(f)\n"},
            note="Data named as data, whatever its file is called.",
        ),
        Example(
            {
                "hparams.py": "import yaml\n\ndef check_nn_config(f_config):\n    if not isinstance(f_config['lr'], float):\n        raise TypeError('lr')\n\n"
                "def prepare(path):\n    with open(path) as f:\n        config = yaml.safe_load(f)\n    check_nn_config(config)\n    return config\n"
            },
            note="Validated by hand.",
        ),
        Example(
            {
                "data.py": "import yaml\n\ndef check_dataset(path):\n    with open(path) as f:\n        config = yaml.safe_load(f)\n"
                "    for key in ('train', 'val', 'names'):\n        assert key in config, f'{key} missing'\n    return config\n"
            },
            note="Loaded inside the function that checks it.",
        ),
    ]
    INVALID = [
        Example(
            {"train.py": "import yaml\n\nwith open('params.yaml') as f:\n    params = yaml.safe_load(f)\nlr = params['train']['lr']\n"},
            expect=["train.py:4"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        for file in repo.facts.source_files:
            if repo.contains(_SCHEMA, file.path, code_only=False):
                return f"a typed config schema is defined ({file.path})"
        return None

    def start(self, file: SourceFile, repo: Repo, source: PythonSource) -> None:
        super().start(file, repo, source)
        self.skip = file.kind != "python" or is_test_path(file.path) or bool(_HAND_VALIDATION.search(source.text))
        self.opened: dict[str, str] = {}
        self.done = False

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and isinstance(item.optional_vars, ast.Name):
                first = positional(call, 0)
                if first is not None and (call_name(call, self.source) or "") in ("open", "io.open"):
                    self.opened[item.optional_vars.id] = self.source.segment(first)

    def _in_validating_function(self, node: ast.AST) -> bool:
        """Whether the load happens inside a function that checks what it loads (`def check_dataset(data)`)."""
        current: ast.AST | None = node
        while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
            current = self.parent(current)
        return current is not None and re.match(r"_*(?:check|validate|verify)", current.name) is not None

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or self.done:
            return
        name = call_name(node, self.source) or ""
        if name not in _LOADERS:
            return
        parent = self.parent(node)
        if not isinstance(parent, (ast.Assign, ast.AnnAssign)) or parent.value is not node:
            return  # passed straight into something else (often a typed constructor)
        if self._in_validating_function(node):
            return
        target_text = " ".join(self.source.segment(target) for target in targets_of(parent))
        first = positional(node, 0)
        source_text = self.source.segment(first) if first is not None else ""
        source_text = self.opened.get(source_text, source_text)
        if not _CONFIG_WORDS.search(target_text) and (not _CONFIG_WORDS.search(source_text) or _DATA_NAME.search(target_text)):
            return  # named like data (`labels = json.load(open("...parameter.json"))`): the path does not make it config
        self.done = True
        self.report(node, "configuration loaded as an untyped dict: validate it with a pydantic model or dataclass")
