"""Documentation: what the model is for, how it can fail, what it was trained on, who owns it."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from mlready.model import Finding, Outcome, Pillar, Severity
from mlready.patterns import lazy_compile
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import is_test_path
from mlready.repo.repo import is_rows
from mlready.rule import Example, RepoRule, notebook

# -- the documentation index -------------------------------------------------------------------


class Heading(NamedTuple):
    path: str
    line: int
    level: int
    text: str
    cell: int | None = None


@dataclass
class DocText:
    """One document (or one notebook markdown cell): its prose lines, code blocks blanked out."""

    path: str
    lines: list[str]
    cell: int | None = None
    headings: list[Heading] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Hit(NamedTuple):
    path: str
    line: int
    cell: int | None = None


_ATX = lazy_compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_HTML_HEADING = lazy_compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.I)
_BOLD_HEADING = lazy_compile(r"^\s*(?:\*\*|__)([^*_]{2,80})(?:\*\*|__)\s*:?\s*$")
_UNDERLINE = lazy_compile(r"^\s*([=\-~^\"'`#*+])\1{2,}\s*$")
_FENCE = lazy_compile(r"^\s*(`{3,}|~{3,})")
_SKIPPED_DOCS = lazy_compile(r"^(?:changelog|changes|history|news|release[-_ ]?notes|code[-_]of[-_]conduct|authors|contributors)\b", re.I)
_MAX_DOC_SIZE = 1024 * 1024
# Markdown that is not documentation: issue/PR templates, LLM prompts, agent and skill instructions.


def _clean_heading(text: str) -> str:
    text = re.sub(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`#:]+", " ", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def _parse_doc(path: str, raw: str, cell: int | None = None) -> DocText:
    lines = raw.split("\n")
    prose: list[str] = []
    front = _HF_FRONT_MATTER.match(raw) if cell is None else None
    if front is not None:  # YAML front matter is metadata, not prose
        skipped = raw.count("\n", 0, front.end())
        prose, lines = [""] * skipped, lines[skipped:]
    fence = ""  # the open fence's marker: closed by a line of at least as many of its characters, with no info string
    for line in lines:
        match = _FENCE.match(line)
        if match and not fence:
            fence = match.group(1)
            prose.append("")
            continue
        if match and line.strip().startswith(fence) and not line.strip().lstrip(fence[0]):
            fence = ""
            prose.append("")
            continue
        prose.append("" if fence else line)
    doc = DocText(path, prose, cell)
    previous = ""
    for number, line in enumerate(prose, start=1):
        heading: tuple[int, str] | None = None
        if match := _ATX.match(line):
            heading = (len(match.group(1)), match.group(2))
        elif match := _HTML_HEADING.search(line):
            heading = (int(match.group(1)), match.group(2))
        elif match := _BOLD_HEADING.match(line):
            heading = (6, match.group(1))
        elif (
            _UNDERLINE.match(line)
            and previous.strip()
            and not previous.lstrip().startswith(("-", "*", "|", ">"))
            and len(line.strip()) >= 0.6 * len(previous.strip())
        ):
            heading = (1 if line.strip()[0] == "=" else 2, previous)
            number -= 1
        if heading is not None:
            text = _clean_heading(heading[1])
            if text:
                doc.headings.append(Heading(path, number, heading[0], text, cell))
        previous = line
    return doc


def _doc_value(text: str, cell: int | None = None) -> list[Any]:
    """[prose, [[line, level, heading], ...]] of a document or markdown cell (see _parse_doc); [] for an empty one."""
    if not text:
        return []
    doc = _parse_doc("", text, cell)
    return ["\n".join(doc.lines), [[heading.line, heading.level, heading.text] for heading in doc.headings]]


def _is_doc_value(value: Any) -> bool:
    return value == [] or (
        isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and is_rows(value[1], int, int, str)
    )


def _markdown_cells(repo: Repo, path: str, _text: str) -> list[list[Any]]:
    """[cell index, prose, headings] of each markdown cell of a notebook (see _doc_value)."""
    cells = repo.cell_sources(path) or []
    return [[index, *_doc_value(source, index)] for index, (kind, source) in enumerate(cells) if kind == "markdown" and source.strip()]


def _is_cell_values(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(row, list) and len(row) == 3 and type(row[0]) is int and _is_doc_value(row[1:]) for row in value
    )


def doc_files(repo: Repo) -> list[SourceFile]:
    """Documentation worth reading: Markdown/RST/AsciiDoc, and `.txt` files only when they are docs."""
    result = []
    for file in repo.facts.docs:
        lower = file.name.lower()
        if file.size > _MAX_DOC_SIZE or _SKIPPED_DOCS.match(lower) or is_test_path(file.path):
            continue
        if lower.endswith(".txt") and not (
            re.search(r"readme|guide|manual|notes|overview|doc", lower) or re.search(r"(?:^|/)docs?/", file.path)
        ):
            continue
        result.append(file)
    return result


class DocIndex:
    """The repository's documentation prose, with headings, built once per run."""

    def __init__(self, repo: Repo) -> None:
        self.docs: list[DocText] = []
        for file in doc_files(repo):
            # Parsed once per file content: after a code edit, rules that rerun find the docs parsed.
            value = repo.per_file("doc", file.path, _doc_value, _is_doc_value, code_only=False)
            if value:
                prose, headings = value
                doc = DocText(file.path, prose.split("\n"))
                doc.headings = _filled([Heading(file.path, line, level, text) for line, level, text in headings], doc.lines)
                self.docs.append(doc)
        for file in repo.facts.notebooks:
            if is_test_path(file.path):
                continue
            cells = repo.per_file("doc-cells", file.path, partial(_markdown_cells, repo, file.path), _is_cell_values, code_only=False)
            for index, prose, headings in cells or ():
                doc = DocText(file.path, prose.split("\n"), index)
                doc.headings = [Heading(file.path, line, level, text, index) for line, level, text in headings]
                self.docs.append(doc)

    @property
    def headings(self) -> Iterator[Heading]:
        for doc in self.docs:
            yield from doc.headings

    def heading(self, pattern: re.Pattern[str]) -> Heading | None:
        return next((heading for heading in self.headings if pattern.search(heading.text)), None)

    def text(self, pattern: re.Pattern[str]) -> Hit | None:
        """The first prose line that matches."""
        for doc in self.docs:
            for number, line in enumerate(doc.lines, start=1):
                if line and pattern.search(line):
                    return Hit(doc.path, number, doc.cell)
        return None

    def section(self, heading: Heading) -> str:
        """The prose under a heading, up to the next heading of the same or a higher level
        (in a notebook, across the markdown cells that follow)."""
        docs = [doc for doc in self.docs if doc.path == heading.path and (doc.cell is None) == (heading.cell is None)]
        start = next(index for index, doc in enumerate(docs) if doc.cell == heading.cell)
        parts: list[str] = []
        for doc in docs[start:]:
            first = heading.line if doc.cell == heading.cell else 0
            end = len(doc.lines)
            following = [other for other in doc.headings if other.line > first and other.level <= heading.level]
            if following:
                end = following[0].line - 1
            parts.append("\n".join(doc.lines[first:end]))
            if following or heading.cell is None:
                break
        return "\n".join(parts)


# What a generated card or template leaves in a section nobody wrote (Hugging Face's "[More Information Needed]").
_PLACEHOLDER_LINE = lazy_compile(r"(?i)^\s*(?:[-*]\s*)?(?:\[more information needed\]|\[needs more information\]|todo|tbd|coming soon)\.?\s*$")


def _filled(headings: list[Heading], lines: list[str]) -> list[Heading]:
    """The headings without those of empty leaf sections: no sub-heading, and only blank or placeholder lines."""
    kept = []
    for index, heading in enumerate(headings):
        following = headings[index + 1] if index + 1 < len(headings) else None
        end = following.line - 1 if following is not None else len(lines)
        body = [line for line in lines[heading.line : end] if line.strip()]
        leaf = following is None or following.level <= heading.level
        if leaf and body and all(_PLACEHOLDER_LINE.match(line) for line in body):
            continue
        kept.append(heading)
    return kept


_INDEXES: weakref.WeakKeyDictionary[Repo, DocIndex] = weakref.WeakKeyDictionary()


def doc_index(repo: Repo) -> DocIndex:
    if repo not in _INDEXES:
        _INDEXES[repo] = DocIndex(repo)
    return _INDEXES[repo]


def _anchor_path(repo: Repo) -> str | None:
    return repo.facts.readme.path if repo.facts.readme else None


def _kind_skip(repo: Repo, *, research: bool = True, library: bool = True, tutorial: bool = True, tool: bool = True) -> str | None:
    """Why an application-level documentation rule does not apply to this kind of repository."""
    facts = repo.facts
    if tutorial and facts.is_tutorial:
        return "a course, book or tutorial collection"
    if tutorial and facts.is_template:
        return "a template, skeleton or demo meant to be copied"
    if research and facts.is_research:
        return "research code that accompanies a paper"
    if library and facts.is_library:
        return "a published library"
    if tool and facts.is_tool:
        return "a general-purpose tool for running models"
    return None


def _deploys(repo: Repo) -> bool:
    """A model is served (serving modules are model servers by definition) or an ML project ships deploy manifests."""
    return repo.facts.has_serving or (repo.facts.is_ml and bool(repo.facts.deploy_manifests))


_PIPELINE_IMPORTS = ("airflow", "prefect", "dagster", "kfp", "zenml", "metaflow", "flytekit", "kedro", "mlflow", "sagemaker", "azureml")
_TABULAR_DATA = (".csv", ".tsv", ".parquet", ".xlsx", ".xls", ".feather")


def _application(repo: Repo) -> bool:
    """An ML application rather than a training codebase: it deploys a model, runs a pipeline
    (DVC, MLproject, an orchestrator, MLflow, a cloud ML SDK), or trains on the project's own tabular data."""
    facts = repo.facts
    if _deploys(repo):
        return True
    if not facts.is_ml:
        return False
    if any(file.name in ("dvc.yaml", "dvc.yml", "MLproject") for file in repo.all_files):
        return True
    if any(not is_test_path(path) for path in facts.files_importing(*_PIPELINE_IMPORTS)):
        return True
    return bool(facts.training_files) and any(
        file.name.lower().endswith(_TABULAR_DATA) and not is_test_path(file.path) for file in repo.all_files
    )


_NOT_APPLICATION = "not an ML application (no serving, deployment, pipeline or project data): the product that uses this code documents it"


# -- DOC001 ------------------------------------------------------------------------------------


def _word_count(text: str) -> int:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)|\(https?://[^)]*\)|https?://\S+|\[!\[.*?\]\]", " ", text)
    return len(re.findall(r"[^\W\d_]{2,}", text))


class ReadmeMissing(RepoRule):
    """The repository has no README, or one that says almost nothing.

    What it checks:
    A `README` (any extension) at the root, in `.github/` or in `docs/` (where GitHub also finds
    it), with at least 30 words of prose once badges, links, HTML and code blocks are removed.

    Why it matters:
    The README is the first thing a new teammate, reviewer or on-call engineer opens. Without it
    nobody knows what the project does, how to install it, how to train, serve or test it.

    How to fix:
    Write a `README.md` that says what the model does and for whom, how to set up the environment,
    how to train, evaluate and serve it, where the data and models live, and who owns it.
    """

    code = "DOC001"
    name = "readme-missing"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.ERROR
    minimum_words = 30

    VALID = [
        Example(
            {
                "README.md": "# Churn model\n\nPredicts which subscribers are likely to cancel in the next 30 days, so that the "
                "retention team can call them first. Install with `pip install -r requirements.txt`, train with "
                "`python train.py` and serve with `uvicorn app:app`. Owned by the data science team.\n"
            }
        ),
        Example({"docs/README.rst": "Fraud scoring\n=============\n\n" + "This service scores card payments for fraud risk. " * 5}),
    ]
    INVALID = [
        Example({"train.py": "print('hi')\n"}, expect=[""]),
        Example({"README.md": "# End to end ML project\n\n![badge](https://img.shields.io/x)\n"}, expect=["README.md:1"]),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        candidates = [repo.facts.readme] if repo.facts.readme else []
        candidates += [
            file
            for file in repo.all_files
            if file.parent in (".github", "docs") and file.name.lower().split(".")[0] == "readme"
        ]
        if not candidates:
            yield self.finding("no README at the root: say what the project does and how to install, run and test it")
            return
        counts = [(_word_count(repo.text(file.path) or ""), file) for file in candidates]
        best, file = max(counts, key=lambda item: item[0])
        if best < self.minimum_words:
            yield self.finding(
                f"the README has only {best} words: say what the model does, how to install, train, serve and test it",
                file.path,
                1,
                anchor="short README",
            )


# -- DOC002 ------------------------------------------------------------------------------------

_GOAL_HEADING = lazy_compile(
    r"\bbusiness\b|problem (?:statement|definition|description|formulation)|\bgoals?\b|\bobjectives?\b|\baims?\b|\bpurpose\b|\bmotivation\b"
    r"|use[- ]cases?|value proposition|\bmission\b|executive summary|\bkpis?\b|\bokrs?\b|success (?:metrics?|criteria|measures?)"
    r"|\bziele?\b|zielsetzung|geschäfts\w*|problemstellung|anwendungsf[aä]ll\w*|erfolgskriterien|\bobjectifs?\b|problématique|\benjeux\b"
    r"|cas d'usage|\bobjetivos?\b|motivaci[oó]n|caso de uso|\bobiettiv[oi]\b|motivazione|motivação|negócio|negocio"
    r"|目标|业务|需求|動機|目的"
    r"|^[\W\d]*(?:background|context|why\b.*|the problem|problem|hintergrund|contexte|contexto|contesto|背景)\W*$",
    re.I,
)
_GOAL_TEXT = lazy_compile(
    r"\bbusiness (?:goals?|objectives?|case|problem|value|needs?|questions?|context|impact)\b|\bproblem statement\b"
    r"|\b(?:goal|aim|objective|purpose|mission)s?\b[^.\n]{0,80}\b(?:is|are|was)\s+to\b"
    r"|\b(?:helps?|enables?|allows?|lets?)\s+(?:\w+\s+){0,4}(?:to\s+)?(?:reduce|increase|improve|detect|identify|prevent"
    r"|optimi[sz]e|prioriti[sz]e|decide|forecast|lower|cut)\b"
    r"|\bin order to\s+(?:reduce|increase|improve|prevent|optimi[sz]e|detect)\b"
    r"|\bdas ziel\b|\bl'objectif\b|\bel objetivo\b|\bo objetivo\b",
    re.I,
)
_MEASURE = lazy_compile(
    r"\bkpis?\b|key performance indicators?|\bokrs?\b|success (?:metrics?|criteria|criterion|measures?)|acceptance criteria"
    r"|target metric|north star|business metric|measured (?:by|as|with)|we (?:measure|track)\b|\bbaseline of\b"
    r"|erfolgskriteri\w*|kennzahl\w*|indicateurs?|métricas? de éxito|indicadores|critères de succès|成功指标",
    re.I,
)
_MEASURE_HEADING = lazy_compile(
    r"^[\W\d]*(?:[\w-]+\s+){0,2}(?:metrics?|kpis?|criteria|evaluation|performance|métricas?|métriques?|metriken|kennzahlen|avalia[cç][aã]o|evaluaci[oó]n)\W*$",
    re.I,
)


class BusinessGoalUndocumented(RepoRule):
    """The documentation does not say what problem the model solves or how success is measured.

    What it checks:
    The README, docs and notebook markdown of an ML application for a goal (a heading such as
    Goal, Objective, Problem statement, Business case, Motivation, Use case, or a sentence like
    "the goal is to ...", also in German, French, Spanish, Portuguese, Italian and Chinese) and
    for a success measure (KPI, success metric or criteria, a Metrics/Evaluation heading). A goal
    without a measure earns half credit. Applies to ML applications (serving, deployment, a
    pipeline, or training on the project's own tabular data); research code, courses, templates,
    published libraries, competition solutions (Kaggle and the like) and bare training codebases are
    skipped: their purpose lies elsewhere.

    Why it matters:
    Without a written goal and KPI nobody can tell whether the model is worth deploying, which
    errors matter most, or when it has stopped earning its keep.

    How to fix:
    Add a short "Goal" section: the decision the model supports, who uses it, the business KPI it
    should move, the model metric that stands in for it, and the threshold that counts as success.
    """

    code = "DOC002"
    name = "business-goal-undocumented"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "train.py": "import sklearn\n",
                "README.md": "# Churn\n\n## Business goal\nReduce voluntary churn by calling at-risk customers first.\n\n"
                "## Success metrics\nKPI: monthly churn rate down 2 points; model recall@10% >= 0.6.\n",
            }
        ),
        Example(
            {"train.py": "import torch\n", "README.md": "# Zielsetzung\nDas Ziel ist, Betrug früh zu erkennen.\n\n## Erfolgskriterien\nRecall > 0.9\n"}
        ),
        Example({"model.py": "import torch\n", "README.md": "# DETR\n\n```\n@inproceedings{carion2020,\n  title={End-to-End}\n}\n```\n"},
                note="Research code is skipped."),
        Example({"train.py": "import torch\nloss.backward()\n", "README.md": "# Tiny GPT\nTrain a small GPT.\n"},
                note="A training codebase with no deployment, pipeline or data of its own is not an application."),
        Example(
            {"analysis.ipynb": notebook(("markdown", "## Objective\nFlag fraudulent claims; KPI: losses avoided per month."), "import sklearn")},
            note="Notebook markdown counts as documentation.",
        ),
        Example(
            {
                "train.py": "import lightgbm\nmodel.fit(X, y)\n",
                "data/train.csv": "id,target\n",
                "README.md": "# Credit Default Risk\nLeaderBoard: https://www.kaggle.com/c/credit-default-risk/leaderboard\n\n## Features\n",
            },
            note="A Kaggle competition solution: the goal and the metric are the competition's.",
        ),
        Example(
            {
                "src/train.py": "import sklearn\nmodel.fit(X, y)\n",
                "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n",
                "README.md": "# DVC Get Started\n\nThis is an auto-generated repository. It is a step-by-step quick introduction into basic DVC concepts.\n",
            },
            note="A get-started tutorial.",
        ),
        Example(
            {
                "src/train.py": "import sklearn\nmodel.fit(X, y)\n",
                "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n",
                "README.md": "# Machine Learning Operations\n\nRepository for course 02476 at DTU.\n",
            },
            note="Course material.",
        ),
    ]
    INVALID = [
        Example(
            {"train.py": "import sklearn\nmodel.fit(X, y)\n", "data/houses.csv": "area,price\n", "README.md": "# House prices\n\nRun `python train.py`.\n"},
            expect=["README.md"],
        ),
        Example(
            {"train.py": "import sklearn\n", "dvc.yaml": "stages: {}\n", "README.md": "# Churn\n\n## Problem statement\nPredict churn so retention can act early.\n"},
            expect=["README.md"],
            note="A goal without a success measure is half credit.",
        ),
        Example(
            {
                "train.py": "import sklearn\nmodel.fit(X, y)\n",
                "data/houses.csv": "area,price\n",
                "README.md": "# House prices\n\nData: https://www.kaggle.com/datasets/acme/house-prices (see the leaderboard of models below).\n",
            },
            expect=["README.md"],
            note="Downloading a Kaggle dataset does not make a competition solution.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if repo.facts.is_competition:
            return "a competition solution: the goal and the metric are the competition's"
        return _kind_skip(repo) or (None if _application(repo) else _NOT_APPLICATION)

    def check(self, repo: Repo) -> Iterable[Finding]:
        index = doc_index(repo)
        goal: Heading | Hit | None = index.heading(_GOAL_HEADING) or index.text(_GOAL_TEXT)
        measure: Heading | Hit | None = index.text(_MEASURE) or index.heading(_MEASURE_HEADING)
        if goal and measure:
            return
        if goal:
            yield self.finding(
                "the goal is stated but not how success is measured: name the business KPI and the model metric that stands in for it",
                goal.path,
                goal.line,
                cell=goal.cell,
                partial=True,
                anchor="no KPI",
            )
            return
        yield self.finding(
            "no document states the business goal or how success is measured: add a Goal section with the KPI",
            _anchor_path(repo),
            anchor="no goal",
        )


# -- DOC003 ------------------------------------------------------------------------------------

_RISK_HEADING = lazy_compile(
    # not risk as what a model predicts ("Risk Prediction", "Risk Level Classification", "Hazard Detection")
    r"\brisks?\b(?![ -](?:prediction|predictor|score|scoring|level|tier|band|class|categor|model))|threat model|failure modes?"
    r"|hazards?(?![ -]detect)|\bfmea\b|risk assessment|\brisiko|\brisiken\b|\brisques?\b|\briesgos?\b"
    r"|\briscos?\b|\brischi\b|风险|リスク",
    re.I,
)
_RISK_ASSESSMENT = lazy_compile(
    r"\bimpact|likelihood|probabilit|severity|mitigat|consequence|contingenc|fallback|worst case|\bowner\b"
    r"|auswirkung|wahrscheinlichkeit|gegenma[sß]nahme|schwere|probabilité|atténuation|gravité|probabilidad|mitigaci|gravedad"
    r"|影响|概率|缓解|\bdampak\b|\bmitigasi\b|\bkemungkinan\b",
    re.I,
)
# A section about limitations (its heading starts so), not a heading that mentions one ("Important: Prometheus Limitation").
_LIMITATIONS_HEADING = lazy_compile(
    r"^[\W\d_]*(?:(?:known|current|model|accepted|main|key)\s+)?"
    r"(?:limitations?|known issues|caveats|einschränkungen|limites|limitaciones|limitações|keterbatasan)\b",
    re.I,
)
_RISK_FILE = lazy_compile(r"(?:^|/)[^/]*(?:risk|threat[-_ ]?model|fmea|failure[-_ ]modes)[^/]*\.(?:md|rst|txt|adoc|ya?ml|xlsx|csv)$", re.I)


class RiskAssessmentMissing(RepoRule):
    """A deployed model has no written risk assessment.

    What it checks:
    Repositories that serve or deploy a model: a document with a risk, threat-model or
    failure-mode heading whose section weighs impact, likelihood, severity or mitigation (or a
    `RISKS.md`/`threat-model.md`/FMEA file). A risk heading without that analysis, or only a
    Limitations/Known issues section, earns half credit. Courses, templates, research code and
    published libraries are skipped.

    Why it matters:
    A model in production fails in two ways: it is unavailable, or it is available and wrong.
    Deciding ahead of time what each costs, how likely it is and what the fallback is turns an
    incident into a runbook step.

    How to fix:
    Add a risk section (or `docs/risks.md`): list the failure modes (outage, bad predictions,
    drift, bias, data leak), rate each one's impact and likelihood (a 5x5 matrix is enough), and
    write the mitigation and the owner next to it.
    """

    code = "DOC003"
    name = "risk-assessment-missing"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "import joblib\nfrom flask import Flask\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                "docs/limitations.md": "# Accepted limitations\n\n## KD-1: the scoring job cannot run on the managed pool\n"
                "Impact: nightly scores arrive late. Mitigation: the job runs on the CI runner.\n",
            },
            note="Accepted limitations with their impact and mitigation.",
        ),
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n    return model.predict([x])\n",
                "docs/operations.md": "# Risks\n\n| Risk | Impact | Likelihood | Mitigation |\n|---|---|---|---|\n| Model down | high | low | fall back to rules |\n",
            }
        ),
        Example({"train.py": "import sklearn\n", "README.md": "# Notebook analysis\n"}, note="Nothing is deployed: the rule does not apply."),
    ]
    INVALID = [
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n    return model.predict([x])\n",
                "README.md": "# Price service\n",
            },
            expect=["app.py"],
        ),
        Example(
            {
                "app.py": "import joblib\nfrom flask import Flask\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                "README.md": "# Service\n\n## Limitations\nThe model was trained on 2022 data only.\n",
            },
            expect=["README.md:3"],
        ),
        Example(
            {
                "app.py": "import joblib\nfrom flask import Flask\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                "docs/guide.md": "# Fraud service\n\n## Risk Level Classification\n| score | level |\n|---|---|\n| > 0.8 | high |\n\n"
                "## Important: Prometheus Limitation\nNo variables in prometheus.yml.\n",
                "CONTRIBUTING.md": "# Contributing to Construction-Hazard-Detection\n\nOpen a pull request.\n",
            },
            expect=["app.py"],
            outcome=Outcome.FAIL,
            note="Risk as what the model predicts, or a hazard it detects, is no risk assessment: no half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not _deploys(repo):
            return "no deployed model"
        return _kind_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(_RISK_FILE.search(file.path) for file in repo.all_files if not is_test_path(file.path)):
            return
        index = doc_index(repo)
        risk_headings = [heading for heading in index.headings if _RISK_HEADING.search(heading.text)]
        weighed = [*risk_headings, *(heading for heading in index.headings if _LIMITATIONS_HEADING.search(heading.text))]
        if any(_RISK_ASSESSMENT.search(index.section(heading)) for heading in weighed):
            return  # risks, or accepted limitations, with their impact, likelihood or mitigation
        partial = risk_headings[0] if risk_headings else index.heading(_LIMITATIONS_HEADING)
        if partial is not None:
            yield self.finding(
                f"'{partial.text}' lists risks or limitations but rates no impact, likelihood or mitigation",
                partial.path,
                partial.line,
                cell=partial.cell,
                partial=True,
                anchor="unrated risks",
            )
            return
        anchor = repo.facts.serving_modules[0] if repo.facts.serving_modules else _anchor_path(repo)
        yield self.finding(
            "the model is deployed but no document assesses its risks (outage, wrong predictions, drift, bias): add a risk section",
            anchor,
            anchor="no risk assessment",
        )


# -- model cards (DOC004, DOC005) ----------------------------------------------------------------

# The nine sections of Mitchell et al. (2019), with the Hugging Face template's names and
# Portuguese, Spanish, French and German equivalents.
CARD_SECTIONS: dict[str, re.Pattern[str]] = {
    "model details": lazy_compile(
        r"model[ _](?:details|description|summary|overview|information|architecture|type)|about (?:the|this) model|^overview$|^description$"
        r"|(?:nome|detalhes|descrição|descripción|detalles) d[eo]l? modelo|modellbeschreibung|modelldetails|description du modèle",
        re.I,
    ),
    "intended use": lazy_compile(
        r"(?:intended|model|primary|appropriate)[ _](?:use|uses|purpose|users)\b|\buses\b|direct[ _]use|downstream[ _]use|out[- _]of[- _]scope"
        r"|use[ _]cases?|uso (?:previsto|pretendido)|^objetivos?$|finalidad|utilisation prévue|verwendungszweck|vorgesehene verwendung"
        r"|casos? de uso|cas d'usage",
        re.I,
    ),
    "factors": lazy_compile(r"\bfactors\b|subgroups?|demographic|\bslices\b|\bfatores\b|\bfactores\b|\bfacteurs\b|\bfaktoren\b", re.I),
    "metrics": lazy_compile(r"\bmetrics?\b|performance measures?|\bmétricas?\b|\bmétriques?\b|\bmetriken\b", re.I),
    "evaluation data": lazy_compile(
        r"evaluation[ _](?:data|dataset)|test(?:ing)?[ _]data|eval[ _]data|validation[ _]data|and evaluation data"
        r"|dados de (?:avaliação|teste)|datos de (?:evaluación|prueba)|données d'évaluation|evaluierungsdaten|testdaten",
        re.I,
    ),
    "training data": lazy_compile(
        r"training[ _](?:data|dataset|set)|train[ _]data|training and evaluation data|datasets? used"
        r"|dados de trein\w*|datos de entrenamiento|données d'entraînement|trainingsdaten",
        re.I,
    ),
    "quantitative analyses": lazy_compile(
        r"quantitative|\bresults\b|\bperformance\b|benchmarks?|\bresultados\b|\brésultats\b|\bergebnisse\b|\bdesempenho\b|\brendimiento\b",
        re.I,
    ),
    "ethical considerations": lazy_compile(
        r"ethic|\bbias\b|fairness|\brisks?\b|considerations|implications|societal|\béticas?\b|éthique|\bethik\b|\bvieses\b|\bsesgos?\b|\bbiais\b",
        re.I,
    ),
    "caveats and recommendations": lazy_compile(
        r"caveats|recommendations|limitations|known issues|warnings|limitações|limitaciones|\blimites\b|einschränkungen|observações"
        r"|recomendações|recomendaciones|recommandations|empfehlungen|advertências",
        re.I,
    ),
}
# A bold label that opens a line or a list item: `- **Intended use**: ...`
_BOLD_LABEL = lazy_compile(r"^[ \t]*(?:[-*+][ \t]+)?\*\*([^*\n]{2,60})\*\*", re.M)
_CARD_FILE = lazy_compile(r"(?:^|/)model[-_ ]?cards?(?:/|[-_.]|$)", re.I)
_CARD_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".markdown", ".yaml", ".yml", ".json", ".html")
_HF_FRONT_MATTER = lazy_compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HF_CARD_KEYS = lazy_compile(r"^(?:model-index|model_name|pipeline_tag|library_name|base_model)\s*:", re.M)
_CARD_CODE = lazy_compile(r"\bmodel_card_toolkit\b|\bModelCard(?:Data)?\s*\(|\bModelCard\.(?:from_template|load)\s*\(|\.create_model_card\s*\(")
_MODEL_HEADING = lazy_compile(
    r"^\W*(?:\d+\.?\s*)?(?:model zoo|(?:our |the )?pre-?trained (?:models?|weights|checkpoints)|checkpoints|model (?:weights|checkpoints)"
    r"|available models|released models|download(?:ing)? (?:the )?(?:pre-?trained )?(?:models|weights|checkpoints))\W*$",
    re.I,
)
_STRICT_INTENDED_USE = lazy_compile(r"intended[ _]uses?|out[- _]of[- _]scope|direct[ _]use|primary[ _]intended", re.I)


class ModelCard(NamedTuple):
    path: str
    line: int
    sections: frozenset[str]


def _sections_of(texts: Iterable[str]) -> frozenset[str]:
    found = set()
    for text in texts:
        for section, pattern in CARD_SECTIONS.items():
            if pattern.search(text):
                found.add(section)
    return frozenset(found)


def _card_section(doc: DocText) -> ModelCard | None:
    """A "Model card" section of a longer document, when it has three card sections of its own as
    sub-headings (a section that only links to the card file, a glossary entry or an exercise is not)."""
    for position, heading in enumerate(doc.headings):
        if "model card" not in heading.text:
            continue
        below = doc.headings[position + 1 :]
        end = next((index for index, other in enumerate(below) if other.level <= heading.level), len(below))
        sections = _sections_of(other.text for other in below[:end])
        if len(sections) >= 3:
            return ModelCard(doc.path, heading.line, sections)
    return None


def _find_cards(repo: Repo) -> list[ModelCard]:
    index = doc_index(repo)
    cards: list[ModelCard] = []
    seen: set[str] = set()
    for file in repo.all_files:
        if not _CARD_FILE.search(file.path) or not file.name.lower().endswith(_CARD_SUFFIXES) or is_test_path(file.path):
            continue
        if file.size > _MAX_DOC_SIZE:
            continue
        text = repo.text(file.path) or ""
        if file.name.lower().endswith((".yaml", ".yml", ".json")):
            keys = re.findall(r"^\s*[\"']?([A-Za-z][\w -]*)[\"']?\s*:", text, re.M)
            cards.append(ModelCard(file.path, 1, _sections_of(key.replace("_", " ") for key in keys)))
        else:
            doc = next((item for item in index.docs if item.path == file.path and item.cell is None), None) or _parse_doc(file.path, text)
            labels = _BOLD_LABEL.findall(text)
            cards.append(ModelCard(file.path, 1, _sections_of([*(heading.text for heading in doc.headings), *labels])))
        seen.add(file.path)
    for doc in index.docs:
        if doc.path in seen or doc.cell is not None:
            continue
        front = _HF_FRONT_MATTER.match(repo.text(doc.path) or "")
        headings = [heading.text for heading in doc.headings]
        sections = _sections_of(headings)
        hub_card = front is not None and _HF_CARD_KEYS.search(front.group(1)) is not None
        titled = bool(headings) and "model card" in headings[0]
        section_card = None if hub_card or titled else _card_section(doc)
        # A card written by hand without the name: a strict intended-use heading and two more card sections.
        written = not cards and any(_STRICT_INTENDED_USE.search(heading) for heading in headings) and len(sections) >= 3
        if section_card is not None:
            cards.append(section_card)
            seen.add(doc.path)
        elif hub_card or titled or written:
            cards.append(ModelCard(doc.path, 1, sections))
            seen.add(doc.path)
    return cards


_CARDS: weakref.WeakKeyDictionary[Repo, list[ModelCard]] = weakref.WeakKeyDictionary()
_JINJA = lazy_compile(r"\{\{\s*[\w.\[\]'\"]+(?:\s*\|[^}]*)?\s*\}\}|\{%-?\s*(?:if|for|block|include|extends)\b")


def _card_template(repo: Repo, path: str) -> bool:
    """A model-card template (Jinja placeholders such as `{{ model_description }}`), not a card."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".jinja", ".j2")):
        return True
    placeholders = len(_JINJA.findall(repo.text(path) or ""))
    return placeholders >= 2 or (placeholders == 1 and "template" in name)


def model_cards(repo: Repo) -> list[ModelCard]:
    if repo not in _CARDS:
        _CARDS[repo] = _find_cards(repo)
    return _CARDS[repo]


_WEIGHTS_LINK = lazy_compile(
    r"huggingface\.co/(?!datasets/|spaces/|docs/)[\w-]+/[\w.-]+|https?://\S+\.(?:pth?|ckpt|bin|safetensors|h5|onnx|pkl|joblib|tar\.gz)\b",
    re.I,
)


_EXAMPLE_PART = lazy_compile(r"(?:examples?|samples?|demos?|tutorials?|cookbooks?|exercises?|homeworks?)(?:[-_]\w+)?", re.I)


def _in_examples(path: str) -> bool:
    """Whether a file sits in a folder of examples, samples, demos or tutorials (docs/ and notebooks/ do not count)."""
    return any(_EXAMPLE_PART.fullmatch(part) for part in path.split("/")[:-1])


def _model_list_heading(repo: Repo) -> Heading | None:
    """A Model zoo / Pretrained models heading in the project's own docs (not notebooks or example folders)."""
    return next(
        (
            heading
            for heading in doc_index(repo).headings
            if heading.cell is None and not _in_examples(heading.path) and _MODEL_HEADING.search(heading.text)
        ),
        None,
    )


def _publishes_models(repo: Repo) -> bool:
    """The project serves or deploys a model, registers or pushes one, or its docs offer trained models.
    Research code counts only by what it publishes (its deploy files often ship a platform, not a model)."""
    if _deploys(repo) and not repo.facts.is_research:
        return True
    facts = repo.facts
    if not facts.is_ml or not facts.training_files:
        return False
    # A registered or pushed model is published; one only logged to a tracked run (partial) is not.
    if any(not partial and not _in_examples(path) for path, _line, partial in getattr(facts, "model_registry_uses", None) or []):
        return True
    code = [file for file in facts.code_files if not is_test_path(file.path) and not _in_examples(file.path)]
    if repo.first(re.compile(r"\.push_to_hub\s*\(|\bupload_folder\s*\("), code) is not None:
        return True
    return _model_list_heading(repo) is not None or bool(facts.readme_text and _WEIGHTS_LINK.search(facts.readme_text))


class ModelCardMissing(RepoRule):
    """A model that is served, deployed or published has no model card.

    What it checks:
    Projects that serve or deploy a model, register or push one, or offer trained weights in their
    docs (a Model zoo/Pretrained models section, a weights link) need a model card: a file named
    `MODEL_CARD.md`, `model_card.yaml`, `model-cards/*.md` ..., a Hugging Face style README (front
    matter with `model-index`, `pipeline_tag`, `library_name` or `base_model`), a document titled
    "Model card" (bold `**Intended use**:` labels count as its sections) or with a "Model card"
    section that has three card sections of its own, a document with an Intended use section and
    two more card sections, or code that writes one (Model Card Toolkit,
    `huggingface_hub.ModelCard`, `trainer.create_model_card`). A README that only lists pretrained
    models, or `push_to_hub` (which writes a minimal card), earns half credit. Courses, templates
    and published libraries are skipped.

    Why it matters:
    A model card (Mitchell et al., 2019) tells users what the model is for and not for, what it was
    trained and evaluated on, how it performs across groups, and its known limitations. Without
    one, a model gets reused where it fails.

    How to fix:
    Add `MODEL_CARD.md` with the standard sections: model details, intended use, factors, metrics,
    evaluation data, training data, quantitative analyses, ethical considerations, caveats and
    recommendations (the Hugging Face template follows the same outline).
    """

    code = "DOC004"
    name = "model-card-missing"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.WARNING

    VALID = [
        Example({"train.py": "import torch\nloss.backward()\n", "MODEL_CARD.md": "# Model card\n## Intended use\nx\n"}),
        Example(
            {
                "train.py": "import torch\nloss.backward()\n",
                "README.md": "---\nlicense: mit\npipeline_tag: text-classification\n---\n# Sentiment model\n",
            }
        ),
        Example({"analysis.py": "import sklearn\nprint(1)\n"}, note="Neither trains nor serves a model."),
        Example({"train.py": "import torch\nloss.backward()\n", "README.md": "# Tiny GPT\n"}, note="Trains, but publishes no model."),
        Example(
            {"train.py": "import mlflow\nimport sklearn\nmodel.fit(X, y)\nmlflow.sklearn.log_model(model, 'model')\n", "README.md": "# Wine\n"},
            note="A model only logged to a tracked run is not published.",
        ),
    ]
    INVALID = [
        Example(
            {"train.py": "import sklearn\nmodel.fit(X, y)\n", "serve.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('m.pkl')\n", "README.md": "# Churn\n"},
            expect=["README.md"],
        ),
        Example(
            {"train.py": "import torch\nloss.backward()\n", "README.md": "# Detector\n\n## Pretrained models\n| model | AP |\n|---|---|\n| r50 | 42 |\n"},
            expect=["README.md:3"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not _publishes_models(repo):
            return "no model is served, deployed, registered or published"
        return _kind_skip(repo, research=False)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if model_cards(repo):
            return
        code = [file for file in repo.facts.code_files if not is_test_path(file.path)]
        if repo.first(_CARD_CODE, code) is not None:
            return
        pushed = repo.first(re.compile(r"\.push_to_hub\s*\("), code)
        if pushed is not None:
            yield self.finding(
                "models are pushed to the Hub with only the auto-generated card: write a model card with intended use and limitations",
                pushed.path,
                pushed.line,
                partial=True,
                anchor="auto card",
            )
            return
        listed = _model_list_heading(repo)
        if listed is not None:
            yield self.finding(
                f"'{listed.text}' lists models, but no model card gives their intended use, data, evaluation and limitations",
                listed.path,
                listed.line,
                cell=listed.cell,
                partial=True,
                anchor="model list only",
            )
            return
        yield self.finding(
            "no model card: add MODEL_CARD.md with intended use, training and evaluation data, metrics and limitations",
            _anchor_path(repo),
            anchor="no model card",
        )


class ModelCardIncomplete(RepoRule):
    """A model card leaves out some of the standard sections.

    What it checks:
    Each model card found by DOC004 against the nine sections of Mitchell et al. (2019), matched
    loosely by heading (or key) so that the Hugging Face template's names count: model details,
    intended use, factors, metrics, evaluation data, training data, quantitative analyses, ethical
    considerations, caveats and recommendations. Six or more sections earn half credit. Model-card
    templates (Jinja placeholders such as `{{ model_description }}`) are not judged: the card they produce is.

    Why it matters:
    The sections that get skipped, such as out-of-scope uses, per-group results and limitations,
    are the ones that keep a model from being misused.

    How to fix:
    Add the missing sections, even briefly ("Factors: not evaluated per group yet"). The Hugging
    Face model card template and the Model Card Toolkit both follow this outline.
    """

    code = "DOC005"
    name = "model-card-incomplete"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.INFO
    full_credit = 9
    half_credit = 6

    VALID = [
        Example(
            {
                "MODEL_CARD.md": "# Model card\n## Model details\n## Intended use\n## Factors\n## Metrics\n## Evaluation data\n"
                "## Training data\n## Quantitative analyses\n## Ethical considerations\n## Caveats and recommendations\n"
            }
        ),
        Example(
            {
                "model_card.md": "# Model Card\n## Model Details\n## Uses\n### Out-of-Scope Use\n## Bias, Risks, and Limitations\n"
                "### Recommendations\n## Training Details\n### Training Data\n## Evaluation\n### Testing Data, Factors & Metrics\n### Results\n"
            },
            note="The Hugging Face template's headings count.",
        ),
        Example({"README.md": "# Project\n"}, note="No model card: the rule does not apply."),
        Example(
            {
                "src/utils/model_card_template.md": "---\n{{ card_data }}\n---\n\n{{ model_description }}\n\n"
                "## Intended uses & limitations\n\n## Training details\n\n[TODO: describe the data]\n"
            },
            note="A Jinja template that generates model cards is not itself an incomplete card.",
        ),
        Example(
            {
                "models/model_card.md": "# Churn model\n\n- **Model details**: gradient boosting, v3\n- **Intended use**: rank accounts\n"
                "- **Factors**: region\n- **Metrics**: AUC\n- **Evaluation data**: 2024 Q1\n- **Training data**: 2023\n"
                "- **Quantitative analyses**: per region\n- **Ethical considerations**: none known\n- **Caveats and recommendations**: retrain quarterly\n",
                "README.md": "# Churn\n\n## Model card\n\nSee [models/model_card.md](models/model_card.md).\n\n## Glossary\n\n### Model card\nA short document about a model.\n",
            },
            note="Sections as bold labels count; a README section that links to the card, or a glossary entry, is not a card.",
        ),
        Example(
            {
                "docs/templates.md": "# Templates\n\n## Template: model card\n\n````markdown\n# Model card: <name>\n\n```bash\nmake card\n```\n\n"
                "## Intended use\n## Metrics\n## Training data\n````\n\n## Template: Makefile\n"
            },
            note="Headings inside a code block (which may hold a fenced block of its own) are not sections.",
        ),
    ]
    INVALID = [
        Example({"docs/model_card.md": "# Model card\n## Model description\n## Training data\n"}, expect=["docs/model_card.md:1"]),
        Example(
            {"README.md": "# Churn service\n\n## Usage\n\n## Model card\n\n### Intended use\nRank accounts.\n\n### Metrics\nAUC 0.81.\n\n"
             "### Training data\n2023 accounts.\n\n## License\n"},
            expect=["README.md:5"],
            note="A model card section of a longer document is judged on its own.",
        ),
        Example(
            {
                "MODEL_CARD.md": "# Card\n## Model description\n## Intended uses & limitations\n## Training and evaluation data\n"
                "## Training results\n## Metrics\n"
            },
            expect=["MODEL_CARD.md:1"],
            note="Seven of nine sections: half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not model_cards(repo):
            return "no model card"
        if all(_card_template(repo, card.path) for card in model_cards(repo)):
            return "only model-card templates, filled in when a card is generated"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        for card in model_cards(repo):
            if _card_template(repo, card.path):
                continue  # a Jinja template: its sections come from placeholders filled at generation time
            missing = [section for section in CARD_SECTIONS if section not in card.sections]
            if not missing:
                continue
            yield self.finding(
                f"the model card covers {len(card.sections)} of 9 sections; missing: {', '.join(missing)}",
                card.path,
                card.line,
                partial=len(card.sections) >= self.half_credit,
                anchor=",".join(missing),
            )


# -- DOC006 ------------------------------------------------------------------------------------

# Headings that name a data dictionary outright (at most two words before the name).
_DICTIONARY_HEADING = lazy_compile(
    r"^[\W\d]*(?:[\w-]+\s+){0,2}(?:data dictionary|(?:feature|column|variable|field|attribute)s? (?:dictionary|descriptions?|definitions?|glossary|catalog(?:ue)?|information|list)"
    r"|schema|codebook|datasheet|data ?card|dataset card|data fields|data instances|dataset structure|columns|input features|feature set"
    r"|datenwörterbuch|merkmalsbeschreibung|dictionnaire de données|diccionario de datos|dicionário de dados|数据字典|字段说明)\W*$",
    re.I,
)
# Headings about the data, whose section counts when it defines at least three columns.
_DATA_HEADING = lazy_compile(
    r"\bdata(?:set|sets)?\b|\b(?:input|model|engineered)\s+features\b|\bfeatures?\s+(?:used|description)|(?<!environment )\bvariables?\b"
    r"|\bcolumns?\b|\bdaten\b|\bdonnées\b|\bdatos\b|\bdados\b|\bvari[aá]ve(?:is|l)\b|\bvariablen\b|\bmerkmale\b|数据|特征",
    re.I,
)
# A list or table line that defines a column: a code-like name (`tenure`, **plan**, monthly_charges) and its meaning.
# A heading that is about the data itself ("Data", "Dataset", "2) Data collection"): half credit.
_DATA_SECTION = lazy_compile(r"^[\W\d]*(?:the\s+|our\s+)?(?:data(?:set)?s?|training data|dados|datos|données|daten|数据)\b", re.I)
# In a notebook, only a heading that describes the data counts ("Data collection", "Dataset information").
_DATA_DESCRIBED = lazy_compile(r"\b(?:description|sources?|collection|overview|information|dictionary|details|set)\b", re.I)
_COLUMN_LINE = lazy_compile(
    r"^\s*(?:[-*+]|\d+[.)]|\|)\s*(?:(?:`[^`\n]{1,40}`|\*\*[^*\n]{1,40}\*\*|[A-Za-z_][\w.]{0,40})\s*(?:[:|\u2013\u2014=]|\s-\s|\()"
    r"|[A-Za-z][\w /'-]{0,40}?\s+(?::|->)\s)\s*\S",
    re.M,
)
_DICTIONARY_TABLE = lazy_compile(
    r"^\s*\|\s*(?:column|feature|variable|field|attribute|name|spalte|merkmal|colonne|variable|columna|campo)\w*\s*\|.*\b(?:description|meaning|definition|type|beschreibung|signification|descripci[oó]n|descrição)\b",
    re.I | re.M,
)
_SCHEMA_FILE = lazy_compile(
    r"(?:^|/)(?:[^/]*schema[^/]*\.(?:ya?ml|json|avsc|pbtxt|proto)|[^/]*data[-_]?dictionary[^/]*|[^/]*datasheet[^/]*|[^/]*dataset[-_]?card[^/]*"
    r"|feature_store\.ya?ml|[^/]*codebook[^/]*)$"
    # Column descriptions shipped as a sheet or text (Kaggle's `HomeCredit_columns_description.xls`, `data_description.txt`).
    r"|(?:^|/)[^/]*(?:(?:column|feature|field|variable|attribute)s?|data)[-_ ]?(?:description|definition|dictionar(?:y|ie)|glossar(?:y|ie))s?"
    r"[^/]*\.(?:xlsx?|ods|csv|tsv|txt|md|pdf|json)$"
    r"|(?:^|/)(?:great_expectations|gx)/expectations/",
    re.I,
)
_SCHEMA_CODE = lazy_compile(
    r"\bpandera\b|\bDataFrameModel\b|\bDataFrameSchema\s*\(|\bFeatureView\s*\(|\bgreat_expectations\b|\bexpect_column_\w+\s*\("
    r"|\btfdv\.(?:infer_schema|write_schema_text)\b|\bSchemaGen\s*\(|\bColumnMapping\s*\("
)


class DataDictionaryMissing(RepoRule):
    """The features the model uses are not defined anywhere.

    What it checks:
    ML applications that train a model: a data dictionary, a schema or a feature list: a heading
    such as Data dictionary, Feature descriptions, Schema, Columns or Variables; a Markdown table of
    columns with their description or type; a schema file (`schema.yaml`, `*.avsc`, a TFDV schema,
    Great Expectations suites, `feature_store.yaml`, a datasheet or dataset card); a column-description
    sheet or text (`columns_description.xls`, `data_description.txt`, `feature_definitions.csv`); or schema code
    (pandera, Feast feature views, TFDV). A Data/Dataset section alone earns half credit. Applies
    to ML applications (serving, deployment, a pipeline, or training on the project's own tabular
    data); courses, templates, research code, competition solutions and published libraries are skipped.

    Why it matters:
    Without written definitions, nobody can check that serving computes a feature the way training
    did, spot a silently changed upstream column, or tell which inputs are personal data.

    How to fix:
    Add `docs/data_dictionary.md` with one row per column: name, type, unit, allowed range or
    values, source, and meaning. Better, encode it as a schema (pandera, Great Expectations) and
    validate data against it in the pipeline.
    """

    code = "DOC006"
    name = "data-dictionary-missing"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "train.py": "import sklearn\nmodel.fit(X, y)\n",
                "docs/data.md": "# Features\n\n| Column | Type | Description |\n|---|---|---|\n| tenure | int | months as a customer |\n",
            }
        ),
        Example({"train.py": "import sklearn\nmodel.fit(X, y)\n", "data/schema.yaml": "columns:\n  tenure: int\n"}),
        Example({"train.py": "import sklearn\nimport pandera as pa\nmodel.fit(X, y)\n"}),
        Example(
            {
                "train.py": "import sklearn\nmodel.fit(X, y)\n",
                "data/churn.csv": "a,b\n",
                "README.md": "# Churn\n\n## Dataset\n- `tenure`: months as a customer\n- `plan` - contract type\n"
                "- **monthly_charges**: amount billed per month (EUR)\n",
            },
            note="A data section that defines its columns counts.",
        ),
        Example(
            {
                "train.py": "import lightgbm\nmodel.fit(X, y)\n",
                "data/application_train.csv": "a,b\n",
                "data/HomeCredit_columns_description.csv": "Table,Row,Description\n",
                "README.md": "# Default risk\n",
            },
            note="A column-description sheet is a data dictionary.",
        ),
        Example(
            {
                "train.py": "import lightgbm\nmodel.fit(X, y)\n",
                "data/folds.csv": "id,fold\n",
                "README.md": "# Credit Default Risk\nLeaderBoard: https://www.kaggle.com/c/credit-default-risk/leaderboard\n",
            },
            note="A competition solution: the competition's data page describes its data.",
        ),
    ]
    INVALID = [
        Example(
            {"train.py": "import sklearn\nmodel.fit(X, y)\n", "data/churn.csv": "a,b\n",
             "README.md": "# Churn\n\n## Training Data\n\n[More Information Needed]\n\n## Usage\nRun train.py\n"},
            expect=["README.md"],
            outcome=Outcome.FAIL,
            note="A generated card's placeholder section describes no data: no half credit.",
        ),
        Example({"train.py": "import sklearn\nmodel.fit(X, y)\n", "data/churn.csv": "a,b\n", "README.md": "# Churn\nRun train.py\n"}, expect=["README.md"]),
        Example(
            {
                "train.py": "import sklearn\nmodel.fit(X, y)\n",
                "dvc.yaml": "stages: {}\n",
                "README.md": "# Churn\n\n## Dataset\nTelco churn data from Kaggle.\n\n## Environment variables\n- `DATA_DIR`: input folder\n",
            },
            expect=["README.md:3"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.is_ml or not repo.facts.training_files:
            return "no model is trained"
        if repo.facts.is_competition:
            return "a competition solution: the competition's data page describes its data"
        return _kind_skip(repo) or (None if _application(repo) else _NOT_APPLICATION)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(_SCHEMA_FILE.search(file.path) for file in repo.all_files if not is_test_path(file.path)):
            return
        index = doc_index(repo)
        if index.heading(_DICTIONARY_HEADING) or any(_DICTIONARY_TABLE.search(doc.text) for doc in index.docs):
            return
        data_headings = [heading for heading in index.headings if _DATA_HEADING.search(heading.text)]
        about_data = [heading for heading in data_headings if _DATA_SECTION.match(heading.text) or _DATA_DESCRIBED.search(heading.text)]
        if any(len(_COLUMN_LINE.findall(index.section(heading))) >= 3 for heading in about_data):
            return
        code = [file for file in repo.facts.code_files if not is_test_path(file.path)]
        if repo.first(_SCHEMA_CODE, code) is not None:
            return
        data = next(
            (
                heading
                for heading in data_headings
                if _DATA_SECTION.match(heading.text) and (heading.cell is None or _DATA_DESCRIBED.search(heading.text))
            ),
            None,
        )
        if data is not None:
            yield self.finding(
                f"'{data.text}' describes the data but defines no columns: add a data dictionary (name, type, meaning, source)",
                data.path,
                data.line,
                cell=data.cell,
                partial=True,
                anchor="data section only",
            )
            return
        yield self.finding(
            "no data dictionary or schema defines the model's features: document each column's type, meaning and source",
            _anchor_path(repo),
            anchor="no data dictionary",
        )


# -- DOC007 ------------------------------------------------------------------------------------

_OWNER_FILE = lazy_compile(r"^(?:\.github/|docs/|\.gitlab/)?(?:CODEOWNERS|OWNERS(?:_ALIASES)?|MAINTAINERS(?:\.\w+)?)$", re.I)
_OWNER_HEADING = lazy_compile(
    r"\bowners?(?:hip)?\b|\bmaintainers?\b|maintained by|\bcontacts?\b|point of contact|^[\W\d]*(?:the |our )?team\W*$|\bauthors?\b"
    r"|responsib|who to (?:ask|contact)|\bverantwortlich|\bansprechpartner|\bkontakt\b|\bresponsables?\b|\bcontacto\b|\bcontato\b"
    r"|\bmainteneurs?\b|\bequipe\b|\béquipe\b|\bequipo\b|\bintegrantes\b|\bautor(?:es|en)?\b|\bauteurs?\b|\bmembros\b|联系|负责人|作者",
    re.I,
)
_OWNER_TEXT = lazy_compile(
    r"\b(?:maintained|owned|developed|written|created) by\b|\b(?:owner|maintainer|contact|point of contact|author|lead|stakeholder)s?\s*[:\-]\s*\S"
    r"|\bplease (?:contact|reach out|email)\b|[\w.+-]+@[\w-]+\.[\w.]+",
    re.I,
)


class OwnershipUndefined(RepoRule):
    """Nobody is named as owning the project.

    What it checks:
    A `CODEOWNERS` file (root, `.github/`, `docs/`, `.gitlab/`), an `OWNERS` or `MAINTAINERS` file,
    or documentation that names owners: a heading such as Owners, Maintainers, Team, Contact,
    Authors, or a line like "Maintained by ...", "Contact: ..." or an email address. Authors listed
    only in package metadata earn half credit. Applies to ML applications (serving, deployment,
    pipelines, project data), not to courses, templates, research code or training codebases.

    Why it matters:
    When the model misbehaves at night, someone has to be paged, and reviews of changes to it
    need someone accountable. Unowned models are the ones nobody retrains or retires.

    How to fix:
    Add `.github/CODEOWNERS` (for example `* @org/ml-team`) so reviews are requested
    automatically, and an Owners section in the README with the team, a contact channel and the
    on-call rotation.
    """

    code = "DOC007"
    name = "ownership-undefined"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.INFO

    def skip_reason(self, repo: Repo) -> str | None:
        return _kind_skip(repo, library=False) or (None if _application(repo) else _NOT_APPLICATION)

    VALID = [
        Example({".github/CODEOWNERS": "* @acme/ml-platform\n", "README.md": "# Model\n"}),
        Example({"README.md": "# Fraud model\n\n## Contact\nml-team on Slack #fraud-ml\n", "train.py": "import sklearn\n", "dvc.yaml": "stages: {}\n"}),
        Example({"README.md": "# Tiny GPT\n", "train.py": "import torch\nloss.backward()\n"}, note="A training codebase: the rule does not apply."),
    ]
    INVALID = [
        Example({"README.md": "# Fraud model\n\nScores payments.\n", "train.py": "import sklearn\n", "dvc.yaml": "stages: {}\n"}, expect=["README.md"]),
        Example(
            {
                "README.md": "# Fraud model\n",
                "train.py": "import sklearn\n",
                "dvc.yaml": "stages: {}\n",
                "pyproject.toml": "[project]\nname = 'fraud'\nauthors = [{name = 'A. Person'}]\n",
            },
            expect=["pyproject.toml"],
        ),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(_OWNER_FILE.match(file.path) for file in repo.all_files):
            return
        index = doc_index(repo)
        if index.heading(_OWNER_HEADING) or index.text(_OWNER_TEXT):
            return
        for path in ("pyproject.toml", "setup.cfg", "setup.py"):
            text = repo.text(path) if repo.exists(path) else None
            if text and re.search(r"^\s*(?:authors|maintainers|author|maintainer)\s*=", text, re.M):
                yield self.finding(
                    "owners appear only as package authors: add CODEOWNERS and an Owners/Contact section",
                    path,
                    partial=True,
                    anchor="authors only",
                )
                return
        yield self.finding("no CODEOWNERS file and no document names an owner or contact", _anchor_path(repo), anchor="no owner")


# -- DOC008 ------------------------------------------------------------------------------------

_RETRAIN_TEXT = lazy_compile(
    r"\bre-?train(?:s|ed|ing)?\b|\bretrain\w*|model (?:refresh|staleness|decay|expiry|expiration)|refresh(?:ing)? the model"
    r"|continuous training|training (?:schedule|cadence|frequency)|scheduled training|stale models?"
    r"|neu (?:zu )?trainier\w*|nachtrainier\w*|nachtraining|erneut trainier\w*|réentraîn\w*|ré-entraîn\w*|reentraîn\w*"
    r"|reentren\w*|re-entren\w*|volver a entrenar|retreina\w*|re-treina\w*|riaddestr\w*|重新训练|再学習",
    re.I,
)
_TRAIN_STEP = lazy_compile(r"\btrain(?:er|ing)?\b|\btrain[_-]\w+|\w+[_-]train\b", re.I)
_PIPELINE_KEYS = lazy_compile(r"^\s*(?:tasks|steps|stages|jobs|templates|dag|workflow|pipeline|components)\s*:\s*$", re.M)
_SCHEDULE = lazy_compile(r"\bcron\b|schedule_interval|\bschedule\s*=|\bschedule:|CronSchedule|IntervalSchedule|@daily|@weekly|@monthly|@hourly")


class RetrainingStrategyUndocumented(RepoRule):
    """No document or schedule says when and how the deployed model is retrained.

    What it checks:
    Repositories that serve or deploy a model: documentation that mentions retraining (its
    trigger, cadence or process; also "model refresh", "continuous training", and the German,
    French, Spanish, Portuguese, Italian, Chinese and Japanese words), or a scheduled job that
    trains: a CI workflow with a `cron` schedule, or an Airflow/Prefect/Dagster/Kubeflow/ZenML
    pipeline with a schedule, that mentions training. Courses, templates, research code and
    published libraries are skipped.

    Why it matters:
    Data drifts and models go stale. Without an agreed trigger (a schedule, a drift alert, a
    quality threshold) a model keeps serving long after it stopped being accurate.

    How to fix:
    Write down the policy in a Retraining section: what triggers it (schedule, drift, metric
    below a threshold), on which data window, who approves the new model, and how it is
    compared with the current one. Automate it with a scheduled pipeline when you can.
    """

    code = "DOC008"
    name = "retraining-strategy-undocumented"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.INFO

    VALID = [
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n    return model.predict([x])\n",
                "README.md": "# Service\n\n## Retraining\nThe model is retrained monthly, or when the drift alert fires.\n",
            }
        ),
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n    return model.predict([x])\n",
                ".github/workflows/train.yml": "on:\n  schedule:\n    - cron: '0 3 * * 1'\njobs:\n  train:\n    steps:\n      - run: python train.py\n",
            }
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n@app.post('/predict')\ndef predict(x: list[float]):\n    return model.predict([x])\n",
                "README.md": "# Service\n",
            },
            expect=["README.md"],
        ),
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n",
                "infra/pipeline.yml": "tasks:\n  - id: train-model\n    command: python train.py\n",
            },
            expect=["infra/pipeline.yml"],
            note="A training pipeline without a documented trigger: half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not _deploys(repo):
            return "no deployed model"
        return _kind_skip(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if doc_index(repo).text(_RETRAIN_TEXT):
            return
        pipeline: str | None = None
        workflows = [file for file in repo.all_files if file.kind == "yaml" and not is_test_path(file.path) and file.size <= _MAX_DOC_SIZE]
        for file in [*workflows, *(file for file in repo.facts.ci_files if file.kind != "yaml")]:
            text = repo.text(file.path) or ""
            if not _TRAIN_STEP.search(text):
                continue
            if _SCHEDULE.search(text):
                return
            if pipeline is None and _PIPELINE_KEYS.search(text) and file.name not in ("dvc.yaml", "dvc.yml"):
                pipeline = file.path
        for path in repo.facts.files_importing(*_PIPELINE_IMPORTS):
            text = repo.code_text(path) or ""
            if _TRAIN_STEP.search(text) and _SCHEDULE.search(text):
                return
        if pipeline is not None:
            yield self.finding(
                "a pipeline trains the model, but nothing says when it runs or what triggers retraining: document the policy",
                pipeline,
                partial=True,
                anchor="unscheduled pipeline",
            )
            return
        yield self.finding(
            "the model is deployed but nothing says when or how it is retrained: document the trigger, cadence and approval",
            _anchor_path(repo),
            anchor="no retraining policy",
        )


# -- DOC009 ------------------------------------------------------------------------------------

_SPEC_FILE = lazy_compile(r"(?:^|/)(?:[^/]*(?:openapi|swagger)[^/]*\.(?:json|ya?ml)|[^/]+\.proto)$", re.I)
_PYDANTIC_MODEL = lazy_compile(r"^\s*class\s+\w+\s*\(\s*(?:pydantic\.)?(?:BaseModel|RootModel)\b", re.M)
_FLASK_SPEC = lazy_compile(
    r"\b(?:flasgger|flask_smorest|flask_restx|flask_restplus|apispec|spectree|flask_pydantic|flask_openapi3|connexion"
    r"|marshmallow|apiflask|webargs|inference_schema)\b"
)
_SELF_DESCRIBING = frozenset({"kserve", "mlserver", "triton", "torchserve", "seldon"})
_ENDPOINT_DOC = lazy_compile(r"\b(?:GET|POST|PUT|PATCH|DELETE)\s+/[\w/{}<>:.-]*|\bcurl\b[^\n]*(?:-d\b|--data|-X\s*POST)", re.I)
_PAYLOAD_DOC = lazy_compile(r"[{\[]\s*\"\w+\"\s*:|\brequest body\b|\bresponse\b|\bpayload\b|\bschema\b", re.I)


class ApiContractUndocumented(RepoRule):
    """The model-serving API has no machine-readable contract.

    What it checks:
    Repositories with serving code: an OpenAPI/Swagger file or `.proto` definitions; FastAPI (or
    Ray Serve, BentoML, LitServe) apps whose requests and responses are pydantic models, which
    publish an OpenAPI schema by themselves; Flask apps that use flasgger, flask-smorest,
    flask-restx, apispec, spectree, marshmallow or APIFlask; Azure ML scoring scripts with
    `inference_schema` decorators; model servers that speak a standard
    protocol (KServe, MLServer, Triton, TorchServe, Seldon). A FastAPI app without pydantic models,
    or a README that shows the endpoints with example payloads, earns half credit. Courses are
    skipped.

    Why it matters:
    Clients, tests and monitoring all depend on the request and response shape. Without a
    contract, a renamed field breaks callers silently and nobody can generate a client or validate
    traffic.

    How to fix:
    Type request and response bodies with pydantic models (FastAPI then serves `/openapi.json`),
    or add flask-smorest/flasgger to a Flask app, and commit the exported `openapi.json` so that
    changes to it show up in review.
    """

    code = "DOC009"
    name = "api-contract-undocumented"
    pillar = Pillar.DOCUMENTATION
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n"
                "class Features(BaseModel):\n    tenure: int\n\n@app.post('/predict')\ndef predict(features: Features):\n    return {'churn': float(model.predict([[features.tenure]])[0])}\n"
            }
        ),
        Example(
            {
                "app.py": "import joblib\nfrom flask import Flask, request\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n",
                "openapi.yaml": "openapi: 3.0.0\n",
            }
        ),
    ]
    INVALID = [
        Example(
            {
                "app.py": "import joblib\nfrom flask import Flask, request, jsonify\napp = Flask(__name__)\nmodel = joblib.load('model.pkl')\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    return jsonify(model.predict([request.json['x']]).tolist())\n"
            },
            expect=["app.py"],
        ),
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI, Request\napp = FastAPI()\nmodel = joblib.load('model.pkl')\n\n"
                "@app.post('/predict')\nasync def predict(request: Request):\n    body = await request.json()\n    return {'y': model.predict([body['x']]).tolist()}\n"
            },
            expect=["app.py"],
            note="FastAPI without pydantic models: half credit.",
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        if not repo.facts.has_serving:
            return "no serving code"
        return "a course, book or tutorial collection" if repo.facts.is_tutorial else None

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(_SPEC_FILE.search(file.path) for file in repo.all_files if not is_test_path(file.path)):
            return
        frameworks = getattr(repo.facts, "serving_frameworks", {})
        kinds: set[str] = set().union(*frameworks.values()) if frameworks else set()
        if kinds & _SELF_DESCRIBING:
            return
        serving = list(getattr(repo.facts, "serving_files", None) or repo.facts.serving_modules)
        texts = {path: repo.text(path) or "" for path in serving}
        typed = any(_PYDANTIC_MODEL.search(text) for text in texts.values()) or any(
            "pydantic" in repo.facts.imports.get(path, frozenset()) for path in serving
        )
        fastapi_like = bool(kinds & {"fastapi", "bentoml", "litserve", "litestar"}) or any(
            re.search(r"\bFastAPI\s*\(", text) for text in texts.values()
        )
        if fastapi_like and typed:
            return
        if any(_FLASK_SPEC.search(text) for text in texts.values()):
            return
        anchor = repo.facts.serving_modules[0]
        documented = self._documented(repo)
        if fastapi_like or documented is not None:
            reason = (
                "the endpoints are only described in prose" if documented is not None and not fastapi_like
                else "FastAPI publishes a schema, but the request and response bodies are untyped"
            )
            yield self.finding(
                f"{reason}: type them with pydantic models or commit an OpenAPI file",
                documented.path if documented is not None and not fastapi_like else anchor,
                documented.line if documented is not None and not fastapi_like else None,
                cell=documented.cell if documented is not None and not fastapi_like else None,
                partial=True,
                anchor="partial contract",
            )
            return
        yield self.finding(
            "the serving API has no contract (no OpenAPI file, no pydantic request/response models): clients cannot rely on its shape",
            anchor,
            anchor="no contract",
        )

    @staticmethod
    def _documented(repo: Repo) -> Hit | None:
        for file in doc_files(repo):
            raw = repo.text(file.path) or ""
            endpoint = _ENDPOINT_DOC.search(raw)
            if endpoint and _PAYLOAD_DOC.search(raw):
                return Hit(file.path, raw.count("\n", 0, endpoint.start()) + 1)
        return None
