"""Security: no committed secrets, no code execution through model files or YAML, hardened containers."""

from __future__ import annotations

import ast
import itertools
import json
import math
import re
import shlex
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from mlready.model import Finding, Pillar, Severity
from mlready.patterns import finditer, lazy_compile
from mlready.patterns import search as gated_search
from mlready.repo import Repo, SourceFile
from mlready.repo.facts import folder_of, is_example_path, is_test_path, same_project
from mlready.repo.repo import is_rows
from mlready.rule import Example, PythonRule, RepoRule, notebook
from mlready.rules.pyast import (
    NOT_LITERAL,
    call_name,
    has_star_args,
    keyword,
    literal,
    method_name,
    positional,
    qualified_name,
)

if TYPE_CHECKING:
    from mlready.parsers.dockerfile import Dockerfile, Instruction, Stage


# -- secrets: shared helpers -----------------------------------------------------------------

# Provider tokens with a recognisable shape: (kind, pattern with the token as group 1, visible prefix).
_TOKENS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    # The key ID in a presigned URL (`X-Amz-Credential=AKIA...`) is public: the URL's signature expires.
    (
        "AWS access key ID",
        lazy_compile(r"(?<![A-Za-z0-9])(?<!X-Amz-Credential=)(?<!AWSAccessKeyId=)((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})(?![A-Za-z0-9])"),
        4,
    ),
    ("GitHub token", lazy_compile(r"(?<![\w-])(gh[pousr]_[A-Za-z0-9]{36,251})(?![\w-])"), 4),
    ("GitHub token", lazy_compile(r"(?<![\w-])(github_pat_[A-Za-z0-9_]{60,255})(?![\w-])"), 11),
    ("Hugging Face token", lazy_compile(r"(?<![\w-])(hf_[A-Za-z0-9]{34,40})(?![\w-])"), 3),
    ("Slack token", lazy_compile(r"(?<![\w-])(xox[abposr]-[0-9A-Za-z-]{10,200})(?![\w-])"), 5),
    ("Slack webhook", lazy_compile(r"(https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})"), 33),
    ("OpenAI/Anthropic-style API key", lazy_compile(r"(?<![\w-])(sk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{32,200})(?![\w-])"), 3),
    ("Google API key", lazy_compile(r"(?<![\w-])(AIza[0-9A-Za-z_-]{35})(?![\w-])"), 4),
    ("Stripe live key", lazy_compile(r"(?<![\w-])((?:sk|rk)_live_[0-9A-Za-z]{24,99})(?![\w-])"), 8),
)
_TOKEN_HINT = lazy_compile(r"AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|hf_|xox[abposr]-|hooks\.slack|sk-|AIza|_live_|PRIVATE KEY")
_PRIVATE_KEY = lazy_compile(r"-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----")
_BASE64_RUN = lazy_compile(r"[A-Za-z0-9+/]{40,}")

# Words that mark a value as an obvious placeholder, a fake or an example.
_PLACEHOLDER = lazy_compile(
    r"x{3,}|X{3,}|\*{3,}|\.\.\.|…|example|your|dummy|placeholder|change[_-]?(?:me|this|it)|fake|redacted|sample|test|mock|insert"
    r"|replace|todo|secret[_-]?here|key[_-]?here|token[_-]?here|abcdef|123456|(.)\1{4,}",
    re.I,
)

# Keys whose literal value is a credential. A key must END with one of these words, so that
# `password_length`, `token_limit` or `secret_name` do not count, and plain `*_token` keys such as
# a tokenizer's `pad_token` count only after a credential-like prefix.
_SECRET_KEY = lazy_compile(
    r"(?:^|[_.-])(?:password|passwd|passphrase|secret|client_?secret|secret_?key|secret_?access_?key|api_?key|apikey"
    r"|access_?key|private_?key|(?:access|auth|api|bearer|refresh|hf|huggingface|hub|github|gh|gitlab|slack|bot"
    r"|discord|telegram|session|oauth|jwt|wandb|personal_?access|secret|service|app)_?token)$"
    r"|^token$"
)
_PASSWORD_KEY = lazy_compile(r"(?:password|passwd|passphrase)$")
# Well-known default credentials of local services (MinIO, Postgres, RabbitMQ ...): public, not secrets.
_DEFAULT_CREDENTIAL = lazy_compile(
    r"(?:minio(?:admin|123)?|postgres(?:ql)?|password\d*|admin\d*|root|guest|mlflow|airflow|changeit|secret|pass"
    r"|user(?:name)?|default|mysql|redis|rabbitmq|jupyter|ubuntu|elastic|neo4j|grafana|prefect|kafka|zenml)",
    re.I,
)

# `key = "value"` in Python (also `key: str = "value"`, `"key": "value"`, `env["KEY"] = "value"`).
_CODE_ASSIGNMENT = lazy_compile(
    r"""(?P<key>[A-Za-z_][\w.-]*)(?:["']\]?|["']?)\s*(?::\s*[A-Za-z_][\w\[\], .|]*?\s*)?(?:=|:)\s*[rRbBuU]?(?P<q>["'])(?P<value>[^"'\\\n]*)(?P=q)"""
)
# `key: value`, `key = value`, `KEY=value`, `"key": "value",` in configuration files.
_CONFIG_ASSIGNMENT = lazy_compile(
    r"""^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?["']?(?P<key>[A-Za-z_][\w.-]*)["']?[ \t]*[:=][ \t]*(?P<q>["']?)(?P<value>[^\s"'#,;]+)(?P=q)[ \t]*[,;]?[ \t]*(?:#.*)?$""",
    re.M,
)
# Lower-case: it runs on the lower-cased text (a case-insensitive regex is several times slower).
_KEYWORD_HINT = lazy_compile(r"pass(?:wd|word|phrase)|secret|api_?key|apikey|access_?key|private_?key|token")
_KEY_RUN = lazy_compile(r"[\w.-]*")

_CONFIG_SUFFIXES = (".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".json", ".properties", ".sh", ".bash", ".zsh", ".tfvars")
_TEXT_SUFFIXES = (
    *_CONFIG_SUFFIXES,
    ".py", ".ipynb", ".md", ".rst", ".txt", ".adoc", ".tf", ".js", ".ts", ".r", ".sql", ".pem", ".key", ".env",
    ".dockerfile", ".xml", ".html", ".scala", ".java", ".go", ".rb", ".ps1", ".bat",
)
_TEXT_NAMES = frozenset({"dockerfile", "makefile", "procfile", ".netrc", ".pypirc", ".npmrc", "credentials", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "jenkinsfile"})
_MAX_SCAN_SIZE = 2 * 1024 * 1024
# Folders of test data (Go's `testdata`, fixtures, mocks): keys there are generated for tests.
_FIXTURE_DIR = lazy_compile(r"(?:^|/)(?:testdata|test[-_]data|fixtures?|__fixtures__|mocks?)/", re.I)
_MAX_JSON_SIZE = 512 * 1024
# A comment that vouches for a test token: published on purpose for a sandbox, a CI or staging instance, or fake.
_DECLARED_HARMLESS = lazy_compile(
    r"(?:#|//)[^\n]*\b(?:sandbox(?:ed)?|dummy|fake|mock|placeholder|throw[- ]?away|revoked|not\s+critical"
    r"|not\s+(?:a\s+)?(?:real|sensitive|secret)|(?:test|testing|demo|example|staging|ci)[- ](?:only\b|token|key|account|credential|instance))",
    re.I,
)


def _camel_to_snake(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    return -sum(count / len(value) * math.log2(count / len(value)) for count in counts.values())


def _classes(value: str) -> int:
    return sum(
        1
        for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9_\-]")
        if re.search(pattern, value)
    )


def mask(value: str, visible: int = 0) -> str:
    """`AKIA…XYZ1 (20 chars)`: a known prefix, the last four characters of a long token, the length."""
    tail = value[-4:] if len(value) >= 20 and visible else ""
    return f"{value[:visible]}…{tail} ({len(value)} chars)"


def _random_token(body: str) -> bool:
    """Whether a provider token's variable part looks generated rather than made up."""
    return _classes(body) >= 2 and _entropy(body) >= 3.0 and not _PLACEHOLDER.search(body)


def is_env_file(name: str) -> bool:
    lower = name.lower()
    return lower == ".env" or lower.startswith(".env.") or lower.endswith(".env")


def is_env_template(name: str) -> bool:
    return bool(
        re.search(r"(?:^|[._-])(?:example|examples|sample|samples|template|tmpl|tpl|dist|default|defaults|schema|skel|in)(?:$|[._-])", name.lower())
    )


def secret_value(key: str, value: str) -> bool:
    """Whether `value` under `key` looks like a real credential rather than a name, path, reference or placeholder."""
    value = value.strip()
    if not _SECRET_KEY.search(_camel_to_snake(key)):
        return False
    if not 8 <= len(value) <= 200 or re.search(r"\s", value):
        return False
    if re.search(r"[${}<>`]|%\(|%s|environ|getenv|://|^arn:|secretsmanager|keyvault|vault:", value, re.I):
        return False
    if value.startswith(("/", "~", "./", "../", "\\")) or re.match(r"^[A-Za-z]:[\\/]", value):
        return False
    if re.search(r"\.(?:json|pem|key|txt|ya?ml|env|p12|pfx|crt|cfg|ini|toml|pkl)$", value, re.I):
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", value):  # the name of an environment variable
        return False
    if re.fullmatch(r"[a-z]+(?:[_./\-][a-z]+)*", value):  # lower-case words or a path of them: a name, not a secret
        return False
    if re.fullmatch(r"[a-z_][\w]*(?:\.\w+)+|true|false|none|null", value, re.I):
        return False
    if re.fullmatch(r"\.*[A-Za-z_]\w*(?:\.\w+)*:[A-Za-z_]\w*", value):  # an import path (`pkg.module:Class`)
        return False
    if _PLACEHOLDER.search(value) or _DEFAULT_CREDENTIAL.fullmatch(value):
        return False
    if _PASSWORD_KEY.search(_camel_to_snake(key)):
        return _classes(value) >= 3 or (_classes(value) >= 2 and len(value) >= 16)
    return len(value) >= 16 and _classes(value) >= 2 and _entropy(value) >= 3.0


class SecretHit(NamedTuple):
    kind: str
    masked: str
    line: int | None
    cell: int | None = None
    key: str = ""


def _is_hit_rows(value: Any) -> bool:
    return is_rows(value, str, str, (int, type(None)), (int, type(None)), str)


def _notebook_with_output(*cells: str) -> str:
    """Notebook JSON whose last code cell printed the text given last (for examples)."""
    import json

    *sources, printed = cells
    document = json.loads(notebook(*sources, outputs=True))
    document["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": printed}]
    return json.dumps(document, indent=1)


def token_hits(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, kind, masked) for each provider token or private key block in `text`."""
    if not gated_search(_TOKEN_HINT, text):
        return
    for kind, pattern, visible in _TOKENS:
        for match in finditer(pattern, text):
            token = match.group(1)
            if _random_token(token[visible:]):
                yield match.start(1), kind, mask(token, visible)
    for match in _PRIVATE_KEY.finditer(text):
        following = text[match.end() : match.end() + 400].replace("\\n", "\n")
        body = _BASE64_RUN.search(following)
        if body and not _PLACEHOLDER.search(following[: body.end()]):
            yield match.start(), "private key", f"-----BEGIN {match.group(1)}-----"


def keyword_hits(text: str, config: bool) -> Iterator[tuple[int, str, int]]:
    """(offset, key, value length) for each credential-like key set to a literal value."""
    pattern = _CONFIG_ASSIGNMENT if config else _CODE_ASSIGNMENT
    # Only lines that name a credential can hold one: the assignment pattern runs on those lines alone.
    next_line = 0
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased: keep offsets right
        lowered = re.sub(r"[A-Z]+", lambda match: match.group().lower(), text)
    for hint in _KEYWORD_HINT.finditer(lowered):
        if hint.start() < next_line or not _may_name_secret(text, hint.start(), hint.end()):
            continue
        line_start = text.rfind("\n", 0, hint.start()) + 1
        line_end = text.find("\n", hint.end())
        next_line = len(text) if line_end == -1 else line_end
        for match in pattern.finditer(text, line_start, next_line):
            key, value = match.group("key"), match.group("value")
            if secret_value(key.rsplit(".", 1)[-1], value):
                yield match.start("key"), key, len(value)


def _may_name_secret(text: str, start: int, end: int) -> bool:
    """Whether the key around a hint at text[start:end] can be a credential's (see `secret_value`).

    An assignment's key is the whole run of `[\\w.-]` around the hint, so a key that `_SECRET_KEY`
    rejects (`tokenizer`, `num_tokens`) needs no assignment pattern run over its line.
    """
    line_start = text.rfind("\n", 0, start) + 1
    head = _KEY_RUN.match(text[line_start:start][::-1])
    tail = _KEY_RUN.match(text, end)
    key = (head.group()[::-1] if head else "") + text[start:end] + (tail.group() if tail else "")
    return bool(_SECRET_KEY.search(_camel_to_snake(key.rsplit(".", 1)[-1])))


# Inside an example payload of an API schema: `json_schema_extra={"example": {...`, `examples=[{...`.
_EXAMPLE_PAYLOAD = lazy_compile(r"(?:[\"']examples?[\"']\s*:\s*|\bjson_schema_extra\s*=\s*|\bexamples?\s*=\s*)[\[{(][^\]})]*$")
_CI_WORKFLOW = lazy_compile(r"(?:^|/)(?:\.github/workflows/[^/]+|\.gitlab-ci)\.ya?ml$")


def _in_service_env(text: str, offset: int) -> bool:
    """Whether a YAML line sits under `services:` and then `env:`/`environment:` (a CI job's service container)."""
    lines = text[:offset].split("\n")
    indent = len(lines[-1]) - len(lines[-1].lstrip())
    ancestors = []
    for line in reversed(lines[:-1]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(line) - len(line.lstrip())
        if level < indent:
            ancestors.append(stripped.lstrip("- ").split(":", 1)[0].strip())
            indent = level
            if level == 0:
                break
    return "services" in ancestors and bool({"env", "environment"} & set(ancestors))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _scannable(file: SourceFile) -> bool:
    lower = file.name.lower()
    if file.size > _MAX_SCAN_SIZE or (lower.endswith(".json") and file.size > _MAX_JSON_SIZE):
        return False
    if lower in _TEXT_NAMES or lower.startswith("dockerfile") or is_env_file(lower):
        return True
    return file.kind in ("python", "notebook", "toml", "yaml", "dockerfile", "doc") or lower.endswith(_TEXT_SUFFIXES)


def _lookup(cache: weakref.WeakKeyDictionary[Repo, Any], repo: Repo, compute: Any) -> Any:
    if repo not in cache:
        cache[repo] = compute(repo)
    return cache[repo]


# -- SEC001 --------------------------------------------------------------------------------------


class SecretInRepo(RepoRule):
    """A credential is committed: a cloud key, an access token, a private key or a literal password.

    What it checks:
    Every text file (code, notebooks and their outputs, configuration, docs, Dockerfiles) for
    provider tokens with a known shape (AWS access key IDs, GitHub, Hugging Face, Slack, OpenAI-style
    `sk-` keys, Google API keys, Stripe live keys) and private key blocks; and, in code and
    configuration files, keys such as `password`, `api_key`, `client_secret` or `access_token` set to
    a literal value that looks generated. Placeholders (`changeme`, `<your-key>`, `${VAR}`, `xxx`,
    `dummy`, `example`), well-known local defaults, environment-variable names, paths, test files and
    test-data folders are ignored; in test files, so is a token whose line or the two lines above carry a
    comment declaring it harmless (sandbox, dummy, fake, test token, not critical...). Findings show only a masked form of the value. The
    `extra_patterns` option adds your own token formats (`{"kind": "regex"}`).

    Why it matters:
    A secret in git stays in its history forever and travels with every clone, fork and notebook
    export. Leaked cloud and hub tokens are harvested by bots within minutes.

    How to fix:
    Revoke and rotate the credential first. Then read it from the environment or a secret manager
    (`os.environ["HF_TOKEN"]`, Vault, AWS Secrets Manager, GitHub Actions secrets), clear notebook
    outputs, and add a secret scanner (gitleaks, detect-secrets) to pre-commit.
    """

    code = "SEC001"
    name = "secret-in-repo"
    pillar = Pillar.SECURITY
    severity = Severity.ERROR
    self_contained = True  # it scans every text file and asks no repository facts
    # Organisation-specific token formats: {"kind": "regex"} (the token is group 1, or the whole match).
    default_options = {"extra_patterns": {}}

    VALID = [
        Example(
            {
                "api/schemas.py": "from pydantic import BaseModel, ConfigDict\n\nclass UserCreate(BaseModel):\n    username: str\n    password: str\n\n"
                "    model_config = ConfigDict(\n        json_schema_extra={\n            \"example\": {\n                \"username\": \"john\",\n"
                "                \"password\": \"SecurePass123!\",\n            }\n        }\n    )\n",
                ".github/workflows/ci.yml": "jobs:\n  test:\n    services:\n      postgres:\n        image: postgres:15-alpine\n        env:\n"
                "          POSTGRES_PASSWORD: fraud_pass_dev_2024\n    steps:\n      - run: pytest\n",
            },
            note="An API schema's example payload, and the password of a database a CI job starts for its tests.",
        ),
        Example(
            {
                "config.py": 'import os\nAPI_KEY = os.environ["OPENAI_API_KEY"]\nPASSWORD = "${DB_PASSWORD}"\ntoken = "<your-token>"\n',
                "settings.yaml": "api_key: changeme\npassword: xxxxxxxx\naws_secret_access_key: AKIAIOSFODNN7EXAMPLE\n",
            },
            note="References, placeholders and the AWS documentation key are not secrets.",
        ),
        Example(
            {"tokenizer_config.json": '{"pad_token": "<pad>", "eos_token": "</s>", "model_max_length": 512}\n',
             "train.yaml": "max_tokens: 4096\ntoken_budget: 100000\nsecret_name: prod-db-credentials\n"},
            note="Tokenizer special tokens and names of secrets are not credentials.",
        ),
        Example(
            {"README.md": "Set `export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` before running.\n",
             "tests/test_auth.py": 'PASSWORD = "Xk9$mQ2#pL7vR4t!"\n'},
            note="Placeholder tokens in docs, and values in test files, are ignored.",
        ),
        Example(
            {"tests/test_hub.py": 'ENDPOINT = "https://hub-ci.example.test"\n\n# Not critical, only usable on the sandboxed CI instance.\nTOKEN = "hf_' + 'q7Lm2Xv9Rt4Wz1Yb8Nc3Pd6Hs0Kj5TgRwE"\n'},
            note="A published sandbox token in a test file, declared harmless by its comment.",
        ),
        Example(
            {
                "pkg/__init__.py": '_LAZY = {"ApiToken": "._internal.cloud.api_token:ApiToken", "SecretStore": "pkg.secrets.store:SecretStore"}\n',
                ".env": "SECRET_KEY=changethis\nPOSTGRES_PASSWORD=changethis\n",
                "logs/download.log": "GET https://objects.example.com/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA" + "Q3EGTV7NAMFBXK2P%2F20240101\n",
            },
            note="Import paths, `changethis` placeholders and the key ID of a presigned URL are not secrets.",
        ),
    ]
    INVALID = [
        Example(
            {".github/workflows/deploy.yml": "jobs:\n  deploy:\n    env:\n      SECRET_KEY: k3Q9vQx2" + "Lr8Wm5Tz7Pb1Yc4\n    steps:\n      - run: ./deploy.sh\n"},
            expect=[".github/workflows/deploy.yml:4"],
            note="A job's own environment is no service container's.",
        ),
        Example({"deploy/config.yaml": "aws:\n  access_key_id: AKIA" + "Q3EGTV7NAMFBXK2P\n"}, expect=["deploy/config.yaml:2"]),
        Example({"src/client.py": 'client = Client(api_key="9f8Kq2' + 'Lm7Xv4Rt1Wz6Yb3Nc0Pd5Hs")\n'}, expect=["src/client.py:1"]),
        Example({"settings.py": 'SECRET_KEY = "k3#9vQ!x2' + 'Lr8Wm5Tz7Pb1Yc4"\n'}, expect=["settings.py:1"]),
        Example(
            {"explore.ipynb": _notebook_with_output("import os", "print(dict(os.environ))", "{'AWS_ACCESS_KEY_ID': 'ASIA" + "R7TQ2MXW5KDZ3PLN'}\n")},
            expect=["explore.ipynb[1]"],
            note="A credential printed in a cell output.",
        ),
        Example(
            {"ops/notify.yaml": "endpoint: https://chat.acme.test\nauth: acme_live_" + "Zr4Tq8Wm2Xv6Lp9Nk3Bc7HdQ\n"},
            expect=["ops/notify.yaml:2"],
            options={"extra_patterns": {"ACME chat token": r"acme_live_[A-Za-z0-9]{24}"}},
            note="Your own token formats, added with the `extra_patterns` option.",
        ),
        Example(
            {"tests/test_upload.py": '# upload the fixture\nTOKEN = "hf_' + 'q7Lm2Xv9Rt4Wz1Yb8Nc3Pd6Hs0Kj5TgRwE"\n'},
            expect=["tests/test_upload.py:2"],
            note="A token in a test file without a comment declaring it harmless is still a leak.",
        ),
        Example(
            {"keys/deploy.pem": "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c2Vb9mQ7Lk3tZp8XyW4Rn6Jh2Gf5Dd0Sa9Qw3Ee7Rt1Yu\n-----END RSA PRIVATE KEY-----\n"},
            expect=["keys/deploy.pem:1"],
        ),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        extra = self.options.get("extra_patterns") or {}
        self.extra = [(str(kind), re.compile(str(pattern))) for kind, pattern in extra.items()] if isinstance(extra, dict) else []
        self.memo_name = "SEC001:" + json.dumps(self.options, sort_keys=True, default=str)  # per-file hits depend on the options
        for file in repo.all_files:
            if _scannable(file):
                yield from self._check_file(repo, file)

    def _tokens(self, text: str) -> Iterator[tuple[int, str, str]]:
        yield from token_hits(text)
        for kind, pattern in getattr(self, "extra", []):
            for match in pattern.finditer(text):
                token = match.group(1) if pattern.groups else match.group(0)
                yield match.start(), kind, mask(token, min(4, len(token) // 4))

    def _file_hits(self, repo: Repo, file: SourceFile, text: str) -> list[SecretHit]:
        in_tests = is_test_path(file.path) or bool(_FIXTURE_DIR.search(file.path))
        if file.kind == "notebook":
            return list(self._notebook_hits(repo, file.path, in_tests))
        if not text:
            return []
        lower = file.name.lower()
        # `.env` files are SEC002's; Dockerfile ARG/ENV names are SEC003's.
        keywords = not in_tests and not (is_env_file(lower) and not is_env_template(lower)) and file.kind != "dockerfile"
        config = file.kind in ("yaml", "toml") or lower.endswith(_CONFIG_SUFFIXES) or is_env_file(lower)
        ci = bool(_CI_WORKFLOW.search(file.path))
        return list(self._text_hits(text, in_tests, keywords and (file.kind == "python" or config), config, ci=ci))

    def _check_file(self, repo: Repo, file: SourceFile) -> Iterator[Finding]:
        # The hits of each file are remembered per content: after an edit only the changed files are scanned.
        rows = repo.per_file(
            self.memo_name,
            file.path,
            lambda text: [tuple(hit) for hit in self._file_hits(repo, file, text)],
            _is_hit_rows,
            code_only=False,
            by_path=True,
        )
        hits = [SecretHit._make(row) for row in rows or ()]
        seen: set[tuple[str, int | None, int | None]] = set()
        token_lines = {(hit.line, hit.cell) for hit in hits if not hit.key}
        for hit in hits:
            if (hit.masked, hit.line, hit.cell) in seen or (hit.key and (hit.line, hit.cell) in token_lines):
                continue
            seen.add((hit.masked, hit.line, hit.cell))
            if hit.key:
                message = f"`{hit.key}` is set to a literal {hit.masked}: read it from the environment or a secret store, and rotate it"
            else:
                message = f"{hit.kind} committed: `{hit.masked}`; revoke it and load it from the environment or a secret store"
            yield self.finding(message, file.path, hit.line, cell=hit.cell, anchor=f"{hit.kind}:{hit.key}:{hit.masked}")

    def _text_hits(
        self, text: str, in_tests: bool, keywords: bool, config: bool, cell: int | None = None, ci: bool = False
    ) -> Iterator[SecretHit]:
        lines = text.split("\n") if in_tests else []
        for offset, kind, masked in self._tokens(text):
            if in_tests and kind == "private key":
                continue
            line = _line_of(text, offset)
            if in_tests and _DECLARED_HARMLESS.search("\n".join(lines[max(0, line - 3) : line])):
                continue  # a test token whose comment says it is a sandbox / dummy / not-critical one
            yield SecretHit(kind, masked, line, cell)
        if keywords:
            for offset, key, length in keyword_hits(text, config):
                if (not config and _EXAMPLE_PAYLOAD.search(text, max(0, offset - 1000), offset)) or (ci and _in_service_env(text, offset)):
                    continue  # an API's example payload; a throw-away database that a CI job starts beside it
                yield SecretHit("literal secret", f"value ({length} chars)", _line_of(text, offset), cell, key)

    def _notebook_hits(self, repo: Repo, path: str, in_tests: bool) -> Iterator[SecretHit]:
        from mlready.parsers.notebook import output_text

        parsed = repo.notebook(path)
        if parsed is None:
            return
        for cell in parsed.cells:
            yield from self._text_hits(cell.source, in_tests, cell.cell_type == "code" and not in_tests, False, cell.index)
            for output in cell.outputs:
                for _offset, kind, masked in self._tokens(output_text(output)):
                    yield SecretHit(kind + " in a cell output", masked, None, cell.index)


# -- SEC002 --------------------------------------------------------------------------------------

_ENV_LINE = lazy_compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][\w.]*)\s*=\s*(?P<value>.*?)\s*$")
_ENV_SECRET_NAME = lazy_compile(r"(?:^|_)(?:PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|API_?KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)(?:_|$)", re.I)
_ENV_HARMLESS_NAME = lazy_compile(r"(?:_|^)(?:FILE|PATH|DIR|URL|URI|HOST|PORT|NAME|USER|USERNAME|ENABLED|TYPE|ID|HEADER|LENGTH|TTL|EXPIRY)$", re.I)
_URL_WITH_PASSWORD = lazy_compile(r"://[^:/@\s]+:([^@/\s]{3,})@")


def env_secrets(text: str) -> list[tuple[int, str]]:
    """(line, name) of each variable in a dotenv file that holds a literal credential."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        match = _ENV_LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        key = match.group("key")
        value = re.sub(r"(?:^|\s+)#.*$", "", match.group("value")).strip().strip("\"'")  # an empty value with a comment
        if not value or re.search(r"[${}<>]", value) or _PLACEHOLDER.search(value) or _DEFAULT_CREDENTIAL.fullmatch(value):
            continue
        url_password = _URL_WITH_PASSWORD.search(value)
        named = (
            _ENV_SECRET_NAME.search(key)
            and not _ENV_HARMLESS_NAME.search(key)
            and len(value) >= 4
            and value.lower() not in ("true", "false", "none", "null", "yes", "no")
            and not value.startswith(("/", "./", "~"))
        )
        if (url_password and not _PLACEHOLDER.search(url_password.group(1))) or named:
            found.append((number, key))
    return found


class EnvFileCommitted(RepoRule):
    """A `.env` file with credentials is committed.

    What it checks:
    Files named `.env`, `.env.<stage>` or `<name>.env` that git tracks (or does not ignore) and
    that set a password, secret, token, API key or credential variable, or a connection URL with a
    password, to a literal value. Templates (`.env.example`, `.env.sample`, `.env.template`,
    `.env.dist`) are exempt, as are values that are empty, placeholders, `${...}` references or
    the well-known defaults of local services (`minioadmin`, `postgres`, `guest` ...).

    Why it matters:
    A `.env` file exists to keep secrets out of the code. Once committed, every clone has them,
    and they stay in the history after the file is deleted.

    How to fix:
    `git rm --cached .env`, add `.env` to `.gitignore`, rotate the values it held, and commit a
    `.env.example` with the variable names and empty or dummy values instead.
    """

    code = "SEC002"
    name = "env-file-committed"
    pillar = Pillar.SECURITY
    severity = Severity.ERROR

    VALID = [
        Example({".env.production": "API_KEY_HEADER=X-API-Key\nAPI_TOKEN=# set in the deployment's secrets\nJWT_TTL=3600s-refresh\n"},
                note="A header's name and an empty value with a comment."),
        Example({".env.example": "DB_PASSWORD=\nAPI_KEY=your-api-key\n", ".gitignore": ".env\n"}),
        Example({".env": "PYTHONPATH=src\nLOG_LEVEL=debug\nMODEL_PATH=models/model.pkl\n"}, note="No credential in it."),
        Example({".env": "API_KEY=${API_KEY}\nDB_PASSWORD=\nGOOGLE_APPLICATION_CREDENTIALS=/secrets/sa.json\n"}),
        Example({".env": "SECRET_KEY=changethis\nPOSTGRES_PASSWORD=changethis\nFIRST_SUPERUSER_PASSWORD=changeit\n"},
                note="Placeholders the project asks you to change."),
    ]
    INVALID = [
        Example({".env": "DEBUG=false\nPOSTGRES_PASSWORD=s3cr3t-Pw\nOPENAI_API_KEY=sk-abc123def456\n"}, expect=[".env:2"]),
        Example({"deploy/app.env": "DATABASE_URL=postgresql://ml:Hunter2pw@db:5432/features\n"}, expect=["deploy/app.env:1"]),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        for file in repo.all_files:
            if not is_env_file(file.name) or is_env_template(file.name) or is_test_path(file.path) or file.size > _MAX_SCAN_SIZE:
                continue
            found = env_secrets(repo.text(file.path) or "")
            if not found:
                continue
            names = ", ".join(dict.fromkeys(name for _line, name in found))
            yield self.finding(
                f"`{file.name}` is committed with {len(found)} credential value(s) ({names}): remove it from git, "
                "ignore it, rotate the values and commit a `.env.example` instead",
                file.path,
                found[0][0],
                anchor=names,
            )


# -- Dockerfile helpers ---------------------------------------------------------------------------

_SECRET_WORDS = frozenset({"password", "passwd", "pword", "secret", "token", "apikey", "credential", "credentials"})
_SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("auth", "key"), ("client", "key"), ("encryption", "key"), ("signing", "key")})
_HARMLESS_WORDS = frozenset({"public", "file", "path", "dir", "directory", "url", "uri", "name", "type", "length", "size", "ttl", "expiry", "header", "mount", "location", "endpoint", "host", "port", "enabled", "disable", "disabled"})


def sensitive_name(name: str) -> bool:
    """Whether an ARG/ENV name says it holds a secret (Docker's SecretsUsedInArgOrEnv idea)."""
    words = [word for word in re.split(r"[_.\-]+", _camel_to_snake(name)) if word]
    if set(words) & _HARMLESS_WORDS:
        return False
    return bool(set(words) & _SECRET_WORDS) or any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def stage_chain(dockerfile: Dockerfile) -> list[Stage]:
    """The final stage and the earlier stages it is built FROM (by alias), final stage first."""
    chain: list[Stage] = []
    stage = dockerfile.final_stage
    by_alias = {item.alias.lower(): item for item in dockerfile.stages if item.alias}
    while stage is not None and stage not in chain:
        chain.append(stage)
        stage = by_alias.get(stage.image.lower())
    return chain


def shipped_dockerfiles(repo: Repo) -> list[SourceFile]:
    """Dockerfiles that build images to run, not dev containers or test fixtures."""
    return [
        file
        for file in repo.facts.dockerfiles
        if not any(part in (".devcontainer", "tests", "test", "docs", "fixtures") for part in file.path.split("/")[:-1])
    ]


def _arg_env_names(instruction: Instruction) -> list[tuple[str, str | None]]:
    """(name, literal value or None) declared by an ARG or ENV instruction."""
    try:
        words = shlex.split(instruction.value)
    except ValueError:
        words = instruction.value.split()
    if not words:
        return []
    if instruction.keyword == "ENV" and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    result = []
    for word in words:
        name, equals, value = word.partition("=")
        result.append((name, value if equals else None))
    return result


# -- SEC003 --------------------------------------------------------------------------------------


class DockerfileSensitiveArgEnv(RepoRule):
    """A Dockerfile passes a secret through ARG or ENV, which stays in the image.

    What it checks:
    `ARG` and `ENV` instructions of the final stage (and of the stages it is built from) whose name
    says it holds a secret: `*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `API_KEY`, `ACCESS_KEY`,
    `CREDENTIALS` ... (Docker's SecretsUsedInArgOrEnv check). Names ending in `_FILE`, `_PATH`,
    `_URL`, `_NAME` ..., and ENV values that are only a boolean or a number, are exempt.

    Why it matters:
    ENV values are stored in the image config, and ARG values used by a RUN step are visible in
    `docker history`. Anyone who can pull the image can read the secret.

    How to fix:
    Use a build secret: `RUN --mount=type=secret,id=hf_token,env=HF_TOKEN huggingface-cli download ...`
    and `docker build --secret id=hf_token,env=HF_TOKEN .`. Pass runtime secrets at `docker run`
    time or through the orchestrator's secret store.
    """

    code = "SEC003"
    name = "dockerfile-sensitive-arg-env"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING

    VALID = [
        Example(
            {
                "Dockerfile": "FROM python:3.11-slim\nENV TOKENIZERS_PARALLELISM=false MAX_NEW_TOKENS=256\n"
                "ENV GOOGLE_APPLICATION_CREDENTIALS_FILE=/run/secrets/gcp.json\n"
                "RUN --mount=type=secret,id=hf_token,env=HF_TOKEN python download.py\n"
            }
        ),
        Example(
            {"Dockerfile": "FROM python:3.11 AS build\nARG PIP_TOKEN\nRUN pip wheel -w /w .\nFROM python:3.11-slim\nCOPY --from=build /w /w\n"},
            note="A build-only stage does not reach the final image.",
        ),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM python:3.11-slim\nARG HF_TOKEN\nRUN huggingface-cli download org/model --token $HF_TOKEN\n"}, expect=["Dockerfile:2"]),
        Example({"serving/Dockerfile": "FROM python:3.11-slim\nENV DB_PASSWORD=hunter2 LOG_LEVEL=info\n"}, expect=["serving/Dockerfile:2"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if shipped_dockerfiles(repo) else "no Dockerfile that ships an image"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for file in shipped_dockerfiles(repo):
            dockerfile = repo.dockerfile(file.path)
            if dockerfile is None:
                continue
            for stage in stage_chain(dockerfile):
                for instruction in stage.instructions:
                    if instruction.keyword not in ("ARG", "ENV"):
                        continue
                    for name, value in _arg_env_names(instruction):
                        if not sensitive_name(name):
                            continue
                        if instruction.keyword == "ENV" and value is not None and re.fullmatch(r"(?i)true|false|yes|no|on|off|\d+|", value.strip()):
                            continue
                        yield self.finding(
                            f"{instruction.keyword} `{name}` bakes a secret into the image: use a build secret "
                            "(`RUN --mount=type=secret`) or pass it at run time",
                            file.path,
                            instruction.line,
                            anchor=f"{instruction.keyword} {name}",
                        )


# -- SEC004 --------------------------------------------------------------------------------------

_PICKLE_LOADS = frozenset({"pickle.loads", "_pickle.loads", "cPickle.loads", "dill.loads", "cloudpickle.loads", "jsonpickle.decode"})
_PICKLE_LOAD = frozenset(
    {"pickle.load", "_pickle.load", "cPickle.load", "dill.load", "cloudpickle.load", "joblib.load", "pandas.read_pickle",
     "shelve.open", "pickle.Unpickler", "skops.io.load"}
)
_ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "api", "endpoint"})
_HANDLER_NAMES = frozenset({"input_fn", "transform_fn", "predict_fn"})
_REQUEST_WORDS = frozenset({"request", "req", "file", "files", "upload", "uploaded", "payload", "body", "data", "content"})


def _names_in(node: ast.AST) -> set[str]:
    """Every name inside an expression: variables, attribute names, keyword and lambda parameter names."""
    found: set[str] = set()
    for current in ast.walk(node):
        if isinstance(current, ast.Name):
            found.add(current.id)
        elif isinstance(current, ast.Attribute):
            found.add(current.attr)
        elif isinstance(current, (ast.keyword, ast.arg)) and current.arg is not None:
            found.add(current.arg)  # keyword names and lambda parameters were Name nodes in libcst
    return found


def _first_argument(call: ast.Call) -> ast.expr | None:
    """The first positional argument (even after `*args`), else the first argument of any kind in source order."""
    for arg in call.args:
        if not isinstance(arg, ast.Starred):
            return arg
    others = [*call.args, *(item.value for item in call.keywords)]
    if not others:
        return None
    first = min(others, key=lambda item: (item.lineno, item.col_offset))
    return first.value if isinstance(first, ast.Starred) else first


class UnsafeDeserialization(PythonRule):
    """Serving code unpickles data that may come from a request.

    What it checks:
    In serving modules (Flask, FastAPI, BentoML, SageMaker handlers ...): `pickle.loads`,
    `dill.loads`, `cloudpickle.loads` or `jsonpickle.decode` of a non-literal value anywhere, and
    `pickle.load`, `joblib.load`, `pandas.read_pickle`, `shelve.open`, `numpy.load(allow_pickle=True)`
    inside a request handler on something derived from the request or the handler's parameters.
    Loading the service's own model at start-up is not flagged (bandit B301 does that).

    Why it matters:
    Unpickling runs arbitrary code chosen by whoever wrote the bytes. A model server that unpickles
    an upload, a request body or a client-chosen file gives remote code execution to its callers.

    How to fix:
    Accept JSON, Arrow or Parquet from clients and validate it (pydantic). Load only artifacts you
    built, from a location the service controls, and prefer safe formats: safetensors, ONNX,
    skops (`skops.io.load` with `trusted=`), XGBoost/LightGBM native JSON.
    """

    code = "SEC004"
    name = "unsafe-deserialization"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING
    # A deserializer and a web framework in the same file (only serving modules are judged).
    triggers = (
        r"\A(?=[\s\S]*(?:pickle|dill|joblib|shelve|allow_pickle|skops))(?=[\s\S]*(?:Flask|FastAPI|APIRouter|Blueprint|Starlette|Sanic"
        r"|bentoml|serve\.deployment|kserve|KServe|model_fn|input_fn|LitAPI|LitServer|tornado|web\.Application|falcon))",
    )

    VALID = [
        Example(
            {
                "app.py": "import joblib\nfrom fastapi import FastAPI\napp = FastAPI()\nmodel = joblib.load('model.joblib')\n\n"
                "@app.post('/predict')\ndef predict(features: list[float]):\n    return {'y': model.predict([features]).tolist()}\n"
            },
            note="Loading the service's own model at start-up is not flagged.",
        ),
        Example({"train.py": "import pickle\n\ndef load(path):\n    with open(path, 'rb') as f:\n        return pickle.load(f)\n"}, note="Not serving code."),
    ]
    INVALID = [
        Example(
            {
                "app.py": "import pickle\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
                "@app.route('/predict', methods=['POST'])\ndef predict():\n    frame = pickle.loads(request.data)\n    return 'ok'\n"
            },
            expect=["app.py:7"],
        ),
        Example(
            {
                "service.py": "import joblib\nfrom fastapi import FastAPI, UploadFile\napp = FastAPI()\n\n"
                "@app.post('/score')\nasync def score(upload: UploadFile):\n    model = joblib.load(upload.file)\n    return {}\n"
            },
            expect=["service.py:7"],
        ),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if repo.facts.has_serving else "no serving code"

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.serving = file.path in repo.facts.serving_modules
        self.handlers: list[set[str] | None] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        params = {param.arg for param in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]}
        handler = node.name in _HANDLER_NAMES
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in _ROUTE_DECORATORS:
                handler = True
        self.handlers.append((params - {"self", "cls"}) | {"request"} if handler else None)

    def leave_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.handlers.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if not self.serving:
            return
        name = call_name(node, self.source) or ""
        argument = _first_argument(node)
        if argument is None or literal(argument) is not NOT_LITERAL:
            return
        handler = next((item for item in reversed(self.handlers) if item is not None), None)
        if name in _PICKLE_LOADS:
            self.report(node, f"`{name}` deserializes bytes in serving code, which runs any code they contain: accept JSON or Arrow and validate it")
            return
        allow_pickle = keyword(node, "allow_pickle")
        risky = name in _PICKLE_LOAD or (name == "numpy.load" and allow_pickle is not None and literal(allow_pickle) is True)
        if risky and handler is not None and _names_in(argument) & (handler | _REQUEST_WORDS):
            self.report(node, f"`{name}` inside a request handler loads data derived from the request: unpickling it runs the caller's code")


# -- SEC005 --------------------------------------------------------------------------------------

_TORCH_STATE: weakref.WeakKeyDictionary[Repo, dict[str, tuple[str, str]]] = weakref.WeakKeyDictionary()
_TORCH_SAMPLES = ("1.8.0", "1.13.1", "2.0.1", "2.1.2", "2.4.1", "2.5.1", "2.6.0", "2.7.1", "2.9.0", "3.0.0")


def torch_pin(repo: Repo, path: str) -> tuple[str, str]:
    """("new" | "old" | "open", description): whether the torch version declared for the code at `path`
    defaults to weights_only=True. The pins that count are those of the nearest folder, from the
    file's own up to the root, whose manifests or lock files name torch: in a repository of several
    projects each has its own."""
    by_folder = _lookup(_TORCH_STATE, repo, _torch_pins_by_folder)
    parts = path.split("/")[:-1]
    for depth in range(len(parts), -1, -1):
        folder = "/".join(parts[:depth])
        if folder in by_folder:
            return by_folder[folder]
    return "open", ""


def _torch_pins_by_folder(repo: Repo) -> dict[str, tuple[str, str]]:
    """Each folder whose manifests or lock files name torch -> the state of its pins. A lock file's
    version is what gets installed: it decides over the ranges of the manifests beside it."""
    specs: dict[str, list[tuple[str, str]]] = {}
    for dependency in repo.facts.dependencies:
        if dependency.name in ("torch", "pytorch") and getattr(dependency, "group", "") != "dev":
            specs.setdefault(folder_of(dependency.path), []).append((dependency.specifier, dependency.raw))
    locked: dict[str, list[tuple[str, str]]] = {}
    for file in repo.facts.lock_files:
        match = re.search(r'name\s*=\s*"torch"\s*\n\s*version\s*=\s*"([^"]+)"', repo.text(file.path) or "")
        if match:
            locked.setdefault(folder_of(file.path), []).append((f"=={match.group(1)}", f"torch {match.group(1)} in {file.name}"))
    specs.update(locked)
    return {folder: _torch_state(folder_specs) for folder, folder_specs in specs.items()}


def _torch_state(specs: list[tuple[str, str]]) -> tuple[str, str]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    states = []
    for spec, raw in specs:
        spec = spec.strip().replace(" ", "")
        if spec and spec[0].isdigit():
            spec = f"=={spec}"  # conda `pytorch=2.1` or `pytorch 2.1`
        spec = re.sub(r"(?<![=<>!~])=(?=\d)", "==", re.sub(r"\+[\w.]+", "", spec))
        try:
            parsed = SpecifierSet(spec)
            candidates = {Version(version) for version in _TORCH_SAMPLES}
            candidates.update(Version(item.version.rstrip(".*")) for item in parsed)
        except (InvalidSpecifier, InvalidVersion):
            continue
        allowed = [version for version in candidates if parsed.contains(version, prereleases=True)]
        if not allowed:
            continue
        allows_old = any(version < Version("2.6") for version in allowed)
        allows_new = any(version >= Version("2.6") for version in allowed)
        states.append(("old" if not allows_new else "new" if not allows_old else "open", raw))
    old = [raw for state, raw in states if state == "old"]
    if old:
        return "old", old[0]
    if states and all(state == "new" for state, _raw in states):
        return "new", states[0][1]
    return "open", ""


class TorchLoadUnsafe(PythonRule):
    """`torch.load` may unpickle arbitrary code: `weights_only=True` is not in force.

    What it checks:
    Calls to `torch.load` with `weights_only=False`, and calls without `weights_only` unless the
    declared torch version is at least 2.6 (where `weights_only=True` became the default). The
    pin is read from requirements, pyproject, conda files and lock files (a lock file's version over
    the ranges beside it), those of the file's own project: the nearest folder, from the file's up
    to the root, that declares torch. Calls without `weights_only` in a file that allow-lists classes
    for weights-only loading (`torch.serialization.safe_globals`, `add_safe_globals`) are not
    flagged. Test files are skipped.

    Why it matters:
    A checkpoint is a pickle. With `weights_only=False` loading one runs any code its author put
    in it, so a downloaded or shared checkpoint can take over the training or serving machine (CWE-502).

    How to fix:
    Pass `weights_only=True` (allow-list extra classes with `torch.serialization.add_safe_globals`),
    or require `torch>=2.6`. Save weights as `state_dict`s or safetensors rather than whole objects.
    """

    code = "SEC005"
    name = "torch-load-unsafe"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING
    triggers = (r"torch\.load|torch\.serialization|from\s+torch(?:\.serialization)?\s+import[^\n]*\bload\b|import\s+torch\s+as\s+\w+",)

    VALID = [
        Example({"infer.py": "import torch\nstate = torch.load('model.pt', weights_only=True)\n", "requirements.txt": "torch==2.1.2\n"}),
        Example({"infer.py": "import torch\nstate = torch.load('model.pt', map_location='cpu')\n", "requirements.txt": "torch>=2.6\n"},
                note="torch>=2.6 defaults to weights_only=True."),
        Example({"tests/test_ckpt.py": "import torch\nstate = torch.load(path)\n"}),
        Example(
            {
                "pyproject.toml": "[project]\nname = 'app'\ndependencies = ['torch>=2.0']\n",
                "uv.lock": 'version = 1\n\n[[package]]\nname = "torch"\nversion = "2.9.1"\n',
                "src/app/infer.py": "import torch\nstate = torch.load('model.pt')\n",
            },
            note="The lock file's version is what gets installed.",
        ),
        Example(
            {
                "a/requirements.txt": "torch==2.1.0\n",
                "b/requirements.txt": "torch==2.7.0\n",
                "b/infer.py": "import torch\nstate = torch.load('model.pt')\n",
            },
            note="Each project of the repository has its own pin.",
        ),
        Example(
            {"super_resolve.py": "import torch\nsafe = [Net]\nwith torch.serialization.safe_globals(safe):\n    model = torch.load('model.pth')\n"},
            note="Classes allow-listed for weights-only loading: the code relies on weights_only=True.",
        ),
    ]
    INVALID = [
        Example({"infer.py": "import torch\nstate = torch.load('model.pt')\n", "requirements.txt": "torch==2.1.2\n"}, expect=["infer.py:2"]),
        Example(
            {
                "a/requirements.txt": "torch==2.1.0\n",
                "a/infer.py": "import torch\nstate = torch.load('model.pt')\n",
                "b/requirements.txt": "torch==2.7.0\n",
            },
            expect=["a/infer.py:2"],
        ),
        Example({"infer.py": "from torch import load\nckpt = load(path, weights_only=False)\n", "requirements.txt": "torch>=2.6\n"}, expect=["infer.py:2"]),
        Example({"notebook.ipynb": notebook("import torch", "model = torch.load('full_model.pt')")}, expect=["notebook.ipynb[1]:1"]),
    ]

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.skip = is_test_path(file.path)
        # A file that allow-lists classes for weights-only loading (`safe_globals`, `add_safe_globals`)
        # relies on weights_only=True, the default since torch 2.6.
        self.weights_only_in_mind = "safe_globals" in source.text

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip or call_name(node, self.source) not in ("torch.load", "torch.serialization.load"):
            return
        if has_star_args(node):
            return
        weights_only = keyword(node, "weights_only")
        if weights_only is not None:
            if literal(weights_only) is False:
                self.report(node, "`torch.load(..., weights_only=False)` unpickles arbitrary code: load a state_dict with weights_only=True")
            return
        state, pin = torch_pin(self.repo, self.file.path)
        if state == "new" or self.weights_only_in_mind:
            return
        why = f"torch is pinned below 2.6 ({pin})" if state == "old" else "torch is not pinned to >=2.6"
        self.report(node, f"`torch.load` without `weights_only=True` unpickles arbitrary code ({why}, where the default is False)")


# -- SEC006 --------------------------------------------------------------------------------------

_HUB_FUNCTIONS = {
    "datasets.load_dataset": ("path",),
    "huggingface_hub.hf_hub_download": ("repo_id",),
    "huggingface_hub.snapshot_download": ("repo_id",),
}
_DATASET_BUILDERS = frozenset(
    {"csv", "json", "parquet", "text", "arrow", "pandas", "sql", "generator", "imagefolder", "audiofolder", "videofolder", "webdataset", "xml", "spark", "cache"}
)
_HUB_ID = lazy_compile(r"[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?")
_REVISION = lazy_compile(r"[0-9a-f]{7,40}")


def _hub_target(call: ast.Call, name: str) -> str | None:
    """The literal repository id a Hub download call fetches, or None."""
    keywords = _HUB_FUNCTIONS.get(name, ("pretrained_model_name_or_path", "model_name_or_path", "repo_id", "model_id"))
    arg = positional(call, 0)
    if arg is None:
        arg = next((keyword(call, word) for word in keywords if keyword(call, word) is not None), None)
    if arg is None:
        return None
    value = literal(arg)
    return value if isinstance(value, str) else None


class HfDownloadUnpinned(PythonRule):
    """A model or dataset is downloaded from the Hugging Face Hub without a pinned commit.

    What it checks:
    `from_pretrained`, `datasets.load_dataset`, `hf_hub_download` and `snapshot_download` called
    with a literal Hub repository id and no `revision=` set to a commit hash (7 to 40 hex digits), as
    bandit B615 does. Local paths (`./`, `/`, `~`, paths with a file extension or to a folder of the
    repository), generic dataset builders (`csv`, `json`, `parquet` ...), non-literal names and
    revisions, `local_files_only=True`, and test files are exempt. So are examples, docs and conversion
    scripts, which follow the latest model on purpose, a course's notebooks, and the maintainer tooling of a
    published library (its root `scripts/`, `utils/` and `tools/` folders).

    Why it matters:
    A branch such as `main` moves: the repository owner (or anyone who takes over the account)
    can change the weights, the tokenizer or the data under you, including pickled code that runs
    on load. Results stop being reproducible without anyone noticing.

    How to fix:
    Pin the commit: `AutoModel.from_pretrained("org/model", revision="1a2b3c4")`. Keep the id and
    revision together in configuration, and update the revision deliberately.
    """

    code = "SEC006"
    name = "hf-download-unpinned"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING
    # Only calls whose repository id is a literal can be judged.
    triggers = (
        r"(?:from_pretrained|load_dataset|hf_hub_download|snapshot_download)\s*\(\s*(?:[rbuRBU]?[\"']"
        r"|(?:pretrained_model_name_or_path|model_name_or_path|repo_id|model_id|path)\s*=\s*[\"'])",
    )

    VALID = [
        Example(
            {"examples/text_to_image/train.py": "from diffusers import DiffusionPipeline\np = DiffusionPipeline.from_pretrained('org/model')\n"},
            note="Examples follow the latest model on purpose.",
        ),
        Example(
            {
                "README.md": "# Machine learning course\n",
                "lessons/01-finetune.ipynb": notebook("from transformers import AutoModel\nm = AutoModel.from_pretrained('org/model')"),
            },
            note="A course's notebooks are lessons.",
        ),
        Example(
            {
                "pyproject.toml": "[project]\nname = \"tinylib\"\n",
                "README.md": "# tinylib\n\n`pip install tinylib`\n",
                "utils/update_metadata.py": "from datasets import load_dataset\nd = load_dataset('tinylib/metadata')\n",
            },
            note="A published library's maintainer tooling reads the Hub's latest state on purpose.",
        ),
        Example({"model.py": "from transformers import AutoModel\nm = AutoModel.from_pretrained('bert-base-uncased', revision='86b5e0934494bd15c9632b12f734a8a67f723594')\n"}),
        Example(
            {
                "model.py": "from transformers import AutoModel\nfrom datasets import load_dataset\n"
                "m = AutoModel.from_pretrained('./checkpoints/best')\nn = AutoModel.from_pretrained(args.model_name)\n"
                "d = load_dataset('csv', data_files='train.csv')\no = AutoModel.from_pretrained('models/tiny')\n",
                "models/tiny/config.json": "{}",
            },
            note="Local paths, folders of the repository, variables and dataset builders are exempt.",
        ),
    ]
    INVALID = [
        Example({"train.py": "from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained('bert-base-uncased')\n"}, expect=["train.py:2"]),
        Example({"data.py": "from datasets import load_dataset\nds = load_dataset('imdb', revision='main')\n"}, expect=["data.py:2"]),
        Example({"get.py": "from huggingface_hub import hf_hub_download\np = hf_hub_download(repo_id='org/model', filename='model.safetensors')\n"}, expect=["get.py:2"]),
        Example(
            {
                "README.md": "# Machine learning course\n",
                "course/models.py": "from transformers import BertModel\nllm = BertModel.from_pretrained('allenai/scibert_scivocab_uncased')\n",
            },
            expect=["course/models.py:2"],
            note="A course's package code is judged.",
        ),
    ]

    def wants(self, file: SourceFile, repo: Repo) -> bool:
        # Examples, docs and conversion scripts follow the latest model on purpose (survey: 229 of 245 findings).
        if is_test_path(file.path) or is_example_path(file.path) or re.search(r"(?:^|/)scripts/convert\w*\.py$", file.path):
            return False
        # A course's notebooks are lessons; its package code is what it teaches to ship, and is judged.
        if file.kind == "notebook" and repo.facts.is_tutorial:
            return False
        # A published library's root scripts/, utils/ and tools/ are maintainer tooling, not shipped code.
        return not (repo.facts.is_library and re.match(r"(?:scripts|utils|tools)/", file.path))

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.skip = is_test_path(file.path)

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip:
            return
        name = call_name(node, self.source) or ""
        if name not in _HUB_FUNCTIONS and method_name(node) != "from_pretrained":
            return
        if has_star_args(node):
            return
        local_only = keyword(node, "local_files_only")
        if local_only is not None and literal(local_only) is not False:
            return
        target = _hub_target(node, name)
        if target is None or not self._hub_id(target, name):
            return
        revision = keyword(node, "revision")
        if revision is not None:
            value = literal(revision)
            if not isinstance(value, str) or _REVISION.fullmatch(value):
                return
            self.report(node, f"`{target}` is fetched at revision '{value}', which can move: pin a commit hash")
            return
        self.report(node, f"`{target}` is fetched from the Hugging Face Hub at its latest revision: pass revision='<commit sha>'")

    def _hub_id(self, target: str, name: str) -> bool:
        if not _HUB_ID.fullmatch(target) or target.startswith("."):
            return False
        if name == "datasets.load_dataset" and target.lower() in _DATASET_BUILDERS:
            return False
        if re.search(r"\.(?:bin|pt|pth|safetensors|json|ckpt|h5|onnx|csv|parquet|txt|zip|gz|py)$", target, re.I):
            return False
        return target.rstrip("/") not in _lookup(_FOLDER_TAILS, self.repo, _folder_tails)


_FOLDER_TAILS: weakref.WeakKeyDictionary[Repo, frozenset[str]] = weakref.WeakKeyDictionary()


def _folder_tails(repo: Repo) -> frozenset[str]:
    """Every folder of the repository and every trailing part of its path (`a/b/c`, `b/c`, `c`)."""
    tails: set[str] = set()
    for file in repo.all_files:
        parts = file.path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            for start in range(max(0, end - 3), end):
                tails.add("/".join(parts[start:end]))
    return frozenset(tails)


# -- SEC007 --------------------------------------------------------------------------------------

_YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_YAML_UNSAFE = frozenset({"yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all"})
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})
_UNSAFE_LOADERS = frozenset({"Loader", "CLoader", "UnsafeLoader", "CUnsafeLoader", "FullLoader", "CFullLoader"})


class YamlUnsafeLoad(PythonRule):
    """YAML is loaded with a loader that can build arbitrary Python objects.

    What it checks:
    `yaml.unsafe_load`, `yaml.full_load` (and their `_all` forms), and `yaml.load`/`yaml.load_all`
    with no loader or with `Loader`, `CLoader`, `FullLoader`, `UnsafeLoader` (bandit B506). A loader
    that is not one of PyYAML's (a custom subclass) is not judged, nor is a `yaml` the file does not
    import (a ruamel.yaml `YAML()` object). Test files are skipped.

    Why it matters:
    PyYAML's full and unsafe loaders turn tags such as `!!python/object/apply` into function calls:
    loading a config, a dataset card or a model's metadata from an untrusted source runs code.

    How to fix:
    Use `yaml.safe_load(f)` or `yaml.load(f, Loader=yaml.CSafeLoader)`.
    """

    code = "SEC007"
    name = "yaml-unsafe-load"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING
    triggers = (r"yaml",)

    VALID = [
        Example(
            {
                "config.py": "import yaml\nfrom yaml import CSafeLoader\na = yaml.safe_load(open('c.yaml'))\n"
                "b = yaml.load(open('c.yaml'), Loader=yaml.SafeLoader)\nc = yaml.load(text, CSafeLoader)\n"
                "d = yaml.load(text, Loader=MyStrictLoader)\n"
            }
        ),
        Example(
            {"bench.py": "import ruamel.yaml\n\ndef read(path):\n    yaml = ruamel.yaml.YAML()\n    with open(path) as f:\n        return yaml.load(f)\n"},
            note="ruamel.yaml's round-trip loader builds no arbitrary objects.",
        ),
    ]
    INVALID = [
        Example({"config.py": "import yaml\ncfg = yaml.load(open('config.yaml'))\n"}, expect=["config.py:2"]),
        Example({"config.py": "import yaml\ncfg = yaml.load(open('config.yaml'), Loader=yaml.FullLoader)\nraw = yaml.unsafe_load(s)\n"}, expect=["config.py:2", "config.py:3"]),
        Example(
            {"config.py": "import yaml\ntry:\n    from yaml import CLoader as Loader\nexcept ImportError:\n    from yaml import Loader\ncfg = yaml.load(s, Loader=Loader)\n"},
            expect=["config.py:6"],
        ),
    ]

    def start(self, file: SourceFile, repo: Repo, source: Any) -> None:
        super().start(file, repo, source)
        self.skip = is_test_path(file.path)

    def visit_Call(self, node: ast.Call) -> None:
        if self.skip:
            return
        name = call_name(node, self.source)
        if name not in _YAML_UNSAFE and name not in _YAML_LOADS:
            return
        if _root_name(node.func) not in self.source.aliases:
            return  # `yaml` is a local object here (`yaml = ruamel.yaml.YAML()`), not the PyYAML module
        if name in _YAML_UNSAFE:
            self.report(node, f"`{name}` can construct arbitrary Python objects: use `yaml.safe_load`")
            return
        if name not in _YAML_LOADS or has_star_args(node):
            return
        loader = keyword(node, "Loader") or positional(node, 1)
        if loader is None:
            self.report(node, f"`{name}` without a safe Loader can construct arbitrary Python objects: use `yaml.safe_load`")
            return
        loader_name = qualified_name(loader, self.source) or ""
        head, _, last = loader_name.rpartition(".")
        if last in _UNSAFE_LOADERS and (head in ("yaml", "yaml.loader", "yaml.cyaml") or (not head and last in ("FullLoader", "UnsafeLoader"))):
            self.report(node, f"`{name}` with `{last}` can construct arbitrary Python objects: use `yaml.SafeLoader`")


def _root_name(node: ast.expr) -> str | None:
    """The name a dotted expression starts from: `yaml` for `yaml.load`."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# -- SEC008 --------------------------------------------------------------------------------------

# Column names that identify a person. A strong one alone is enough; weak ones need a second kind.
_PII_STRONG = {
    "national ID": r"ssn|social_security(?:_number|_no)?|national_id(?:_number)?|tax_id",
    "passport": r"passport(?:_number|_no|_id)?",
    "card or bank number": r"credit_card_(?:number|no)|card_number|cc_number|iban|bank_account(?:_number)?",
    "date of birth": r"date_of_birth|birth_?date|dob",
    "driver's licence": r"drivers?_licen[cs]e(?:_number|_no)?",
    "medical record": r"medical_record_number|mrn",
}
_PII_WEAK = {
    "email": r"e_?mail(?:_address|_id)?",
    "phone": r"phone(?:_number|_no)?|telephone|mobile_(?:number|phone)|cell_?phone",
    "name": r"first_?name|last_?name|surname|full_?name|given_name|family_name",
    "address": r"home_address|street_address|address_line_?\d?|postal_address|mailing_address",
}
_PII_PATTERNS = [(kind, lazy_compile(pattern), kind in _PII_STRONG) for kind, pattern in {**_PII_STRONG, **_PII_WEAK}.items()]
_QUOTED = lazy_compile(r"""["']([A-Za-z][A-Za-z0-9 _\-]{1,40})["']""")
_PRIVACY_DOC = lazy_compile(
    r"\b(?:GDPR|RGPD|DSGVO|CCPA|HIPAA|LGPD|PIPEDA|consent|PII|personal(?:ly identifiable)?\s+(?:data|information)"
    r"|data protection|privacy|anonymi[sz](?:e|ed|es|ing|ation)|pseudonymi[sz]|de-?identif\w*|data retention"
    r"|datenschutz|personenbezogen\w*|données personnelles|datos personales|protección de datos|dados pessoais)\b",
    re.I,
)


def _pii_kind(value: str) -> tuple[str, bool] | None:
    normalized = re.sub(r"[\s\-]+", "_", value.strip().lower())
    for kind, pattern, strong in _PII_PATTERNS:
        if pattern.fullmatch(normalized):
            return kind, strong
    return None


@dataclass
class _PiiHit:
    kind: str
    strong: bool
    path: str
    line: int | None
    cell: int | None


def _pii_rows(repo: Repo, file: SourceFile, _code: str) -> list[list[Any]]:
    """[kind, strong, line, cell] of each quoted name of personal data in a code file (cells for a notebook)."""
    if file.kind == "notebook":
        parsed = repo.notebook(file.path)
        cells: list[tuple[int | None, str]] = [(cell.index, cell.source) for cell in parsed.code_cells] if parsed else []
    else:
        cells = [(None, repo.text(file.path) or "")]
    rows: list[list[Any]] = []
    for cell, text in cells:
        for match in _QUOTED.finditer(text):
            found = _pii_kind(match.group(1))
            if found:
                rows.append([found[0], found[1], _line_of(text, match.start()), cell])
    return rows


def _is_pii_rows(value: Any) -> bool:
    return is_rows(value, str, bool, (int, type(None)), (int, type(None)))


class PiiWithoutPrivacyDoc(RepoRule):
    """Personal data is handled but no document says how it is protected.

    What it checks:
    Column names that identify people (a national ID, passport, card or bank number, date of birth,
    medical record; or two of email, phone, first/last name, street address) used as string literals
    in code and notebooks, or in the header row of committed CSV/TSV files; and no document or
    notebook text that mentions privacy, consent, GDPR/CCPA/HIPAA, PII, anonymisation or data
    retention. Projects that generate fake people (Faker) or use Presidio are exempt.

    Why it matters:
    Training on personal data needs a legal basis, access controls, retention limits and a way to
    honour deletion requests. A model can memorise and leak what it was trained on.

    How to fix:
    Add a privacy section (or `PRIVACY.md`): what personal data is used, the legal basis or consent,
    how it is anonymised or pseudonymised, who can access it, and how long it is kept. Drop or hash
    identifying columns before training, and keep raw personal data out of git.
    """

    code = "SEC008"
    name = "pii-without-privacy-doc"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING

    VALID = [
        Example(
            {"features.py": "import pandas as pd\nPAYMENT = {'credit_card': 1, 'cash': 0}\ndf['payment'] = df['payment'].map(PAYMENT)\n"},
            note="A payment method called credit_card is a category, not a card number.",
        ),
        Example(
            {
                "features.py": "import pandas as pd\ndf = pd.read_csv('customers.csv')\ndf = df.drop(columns=['email', 'phone_number'])\n",
                "docs/privacy.md": "# Data protection\nCustomer emails and phone numbers are dropped before training (GDPR art. 5).\n",
            }
        ),
        Example({"train.py": "import pandas as pd\ndf = pd.read_csv('x.csv')\nX = df[['age', 'income', 'email']]\n"}, note="One weak identifier alone is not enough."),
        Example({"make_data.py": "from faker import Faker\nrows = [{'email': f.email(), 'phone': f.phone_number()} for _ in range(9)]\n"}),
    ]
    INVALID = [
        Example(
            {"train.py": "import pandas as pd\ndf = pd.read_csv('customers.csv')\nX = df.drop(columns=['first_name', 'email'])\n", "README.md": "# Churn model\n"},
            expect=["train.py:3"],
        ),
        Example({"data/patients.csv": "patient_id,date_of_birth,diagnosis\n1,1980-01-01,x\n"}, expect=["data/patients.csv:1"]),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        if "faker" in repo.facts.imported_modules or "presidio_analyzer" in repo.facts.imported_modules:
            return
        hits = list(self._hits(repo))
        kinds = {hit.kind for hit in hits}
        strong = [hit for hit in hits if hit.strong]
        if not strong and len(kinds) < 2:
            return
        if self._privacy_documented(repo):
            return
        first = strong[0] if strong else hits[0]
        listed = ", ".join(sorted(kinds))
        yield self.finding(
            f"personal data ({listed}) is handled and no document covers privacy, consent or retention",
            first.path,
            first.line,
            cell=first.cell,
            anchor=listed,
        )

    def _file_rows(self, repo: Repo, file: SourceFile) -> list[list[Any]] | None:
        # Remembered per file content: after an edit only the changed files are scanned.
        return repo.per_file("SEC008", file.path, partial(_pii_rows, repo, file), _is_pii_rows)

    def prepare_file(self, repo: Repo, file: SourceFile) -> None:
        if not is_test_path(file.path):
            self._file_rows(repo, file)

    def _hits(self, repo: Repo) -> Iterator[_PiiHit]:
        for file in repo.facts.code_files:
            if is_test_path(file.path):
                continue
            for kind, strong, line, cell in self._file_rows(repo, file) or ():
                yield _PiiHit(kind, strong, file.path, line, cell)
        for file in repo.all_files:
            if not file.name.lower().endswith((".csv", ".tsv")) or is_test_path(file.path):
                continue
            repo.depend(file.path)  # the header is read directly (the file may be large)
            try:
                head = repo.source.read(file.path, 4096).decode("utf-8", errors="replace")
            except (OSError, KeyError):
                continue
            header = head.split("\n", 1)[0]
            for cell_value in re.split(r"[,;\t|]", header):
                found = _pii_kind(cell_value.strip().strip("\"'"))
                if found:
                    yield _PiiHit(found[0], found[1], file.path, 1, None)

    def _privacy_documented(self, repo: Repo) -> bool:
        for file in repo.facts.docs:
            if re.search(r"privacy|gdpr|data[_-]?protection", file.name, re.I):
                return True
            if file.size <= _MAX_SCAN_SIZE and _PRIVACY_DOC.search(repo.text(file.path) or ""):
                return True
        for file in repo.facts.notebooks:
            parsed = repo.notebook(file.path)
            if parsed and any(cell.cell_type == "markdown" and _PRIVACY_DOC.search(cell.source) for cell in parsed.cells):
                return True
        return False


# -- SEC009 --------------------------------------------------------------------------------------

_NON_ROOT_BASE = lazy_compile(
    r"(?:^|/)(?:jupyter|jupyterhub)/|quay\.io/jupyter/|:nonroot\b|-nonroot\b|cgr\.dev/chainguard/|^bitnami/|/bitnami/"
    r"|public\.ecr\.aws/lambda/|(?:^|/)amazon/aws-lambda-",  # AWS Lambda runs the handler as a sandbox user
    re.I,
)
_SHELL_ONLY = lazy_compile(r"""\[?\s*["']?(?:/usr)?(?:/bin/)?(?:ba|z|da)?sh["']?\s*\]?""")
_PRIVILEGE_DROP = lazy_compile(r"\b(?:gosu|su-exec|setpriv|runuser|s6-setuidgid|chpst\s+-u)\b")


class DockerfileRunsAsRoot(RepoRule):
    """A container image runs its process as root.

    What it checks:
    The final stage of each Dockerfile (following `FROM <stage>` chains) has no `USER`
    instruction, or its last `USER` is `root` or `0`. Only images that start a process of their
    own (`CMD`, `ENTRYPOINT` or `EXPOSE`, not just a shell) are judged; dev containers, Dockerfiles under tests or
    docs, and environment images for CI are skipped, as are images whose base already runs as a non-root user (Jupyter
    docker-stacks, distroless `:nonroot`, Chainguard, Bitnami), entrypoints that drop privileges
    (`gosu`, `su-exec`, `setpriv`), and the root Dockerfile of a Hugging Face Docker Space (README front
    matter `sdk: docker`), which the platform runs as user 1000. hadolint DL3002 flags only an explicit `USER root`.

    Why it matters:
    A model server is exposed to the network and often parses untrusted input (images, pickles,
    archives). If it is compromised, root in the container makes escaping to the host and
    tampering with mounted volumes far easier.

    How to fix:
    Create an unprivileged user and switch to it at the end of the final stage:
    `RUN useradd --create-home --uid 10001 app` then `USER app`. Give it only the files it needs.
    """

    code = "SEC009"
    name = "dockerfile-runs-as-root"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING

    VALID = [
        Example(
            {"Dockerfile": "FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py .\nCMD [\"app.handler\"]\n"},
            note="AWS Lambda runs the handler as a non-root sandbox user.",
        ),
        Example({"Dockerfile": "FROM python:3.11-slim\nRUN useradd -m app\nUSER app\nCMD [\"python\", \"serve.py\"]\n"}),
        Example({"Dockerfile": "FROM python:3.11 AS base\nRUN useradd -m app\nUSER app\nFROM base\nCMD [\"python\", \"serve.py\"]\n"}),
        Example({"Dockerfile": "FROM quay.io/jupyter/scipy-notebook:2024-01-15\nCOPY . /home/jovyan/work\n"}),
        Example({".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/python:3.11\n"}),
        Example({"ci/Dockerfile": "FROM continuumio/miniconda3:24.1.2-0\nRUN conda env create -f env.yml\n"}, note="A CI environment image starts no service."),
        Example(
            {"Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nCMD [\"uvicorn\", \"app:app\", \"--port\", \"7860\"]\n",
             "README.md": "---\ntitle: Churn API\nsdk: docker\napp_port: 7860\n---\n# Churn API\n"},
            note="A Hugging Face Docker Space: the platform runs the container as user 1000.",
        ),
    ]
    INVALID = [
        Example({"Dockerfile": "FROM python:3.11-slim\nCOPY . /app\nCMD [\"uvicorn\", \"app:app\"]\n"}, expect=["Dockerfile:1"]),
        Example({"docker/Dockerfile": "FROM python:3.11-slim\nUSER app\nRUN pip install x\nUSER root\nCMD [\"python\", \"serve.py\"]\n"}, expect=["docker/Dockerfile:4"]),
    ]

    def skip_reason(self, repo: Repo) -> str | None:
        return None if shipped_dockerfiles(repo) else "no Dockerfile that ships an image"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for file in shipped_dockerfiles(repo):
            dockerfile = repo.dockerfile(file.path)
            if dockerfile is None or dockerfile.final_stage is None:
                continue
            chain = stage_chain(dockerfile)
            starts = [item for stage in chain for item in stage.instructions if item.keyword in ("CMD", "ENTRYPOINT", "EXPOSE")]
            if not starts or all(_SHELL_ONLY.fullmatch(item.value.strip()) for item in starts):
                continue  # an environment image (CI, dev, base, a shell): it starts no service of its own
            user = next((stage.last("USER") for stage in chain if stage.last("USER") is not None), None)
            base = chain[-1].image
            if user is None:
                if _NON_ROOT_BASE.search(base) or base.startswith("$"):
                    continue
                if file.path == "Dockerfile" and _docker_space(repo):
                    continue  # a Hugging Face Docker Space runs its container as user 1000
                if any(_PRIVILEGE_DROP.search(item.value) for stage in chain for item in stage.instructions):
                    continue
                yield self.finding(
                    "the final stage sets no USER, so the container runs as root: add an unprivileged user and `USER` it",
                    file.path,
                    dockerfile.final_stage.line,
                    anchor="no USER",
                )
                continue
            name = user.value.split(":")[0].strip()
            if name in ("root", "0") and not any(_PRIVILEGE_DROP.search(item.value) for stage in chain for item in stage.instructions):
                yield self.finding("the final stage switches to `USER root`: end with an unprivileged user", file.path, user.line, anchor="USER root")


def _docker_space(repo: Repo) -> bool:
    """Whether the repository is a Hugging Face Docker Space: its README's front matter says `sdk: docker`."""
    readme = repo.facts.readme
    front = re.match(r"---[ \t]*\n(.*?)\n---", repo.text(readme.path) or "", re.S) if readme else None
    return bool(front and re.search(r"^sdk:[ \t]*[\"']?docker[\"']?[ \t]*$", front.group(1), re.M))


# -- SEC010 --------------------------------------------------------------------------------------

_RUN_CALL = lazy_compile(r"\.run(?:_server)?\s*\(")
_DEBUG_ATTR = lazy_compile(r"^[ \t]*\w+\.(?:debug\s*=\s*True|config\[\s*[\"']DEBUG[\"']\s*\]\s*=\s*True)\b", re.M)
_FLASK_DEBUG_ENV = lazy_compile(
    r"""\bFLASK_DEBUG["']?\s*[:=]\s*["']?(?:1|true|on|yes)\b|\bFLASK_ENV["']?\s*[:=]\s*["']?development\b"""
    r"""|\bname:\s*["']?FLASK_DEBUG["']?\s*\n\s*value:\s*["']?(?:1|true)\b""",
    re.I,
)
_MAIN_GUARD = lazy_compile(r"^if\s+__name__\s*==\s*[\"']__main__[\"']\s*:", re.M)
_WSGI_SERVER = lazy_compile(r"\b(?:gunicorn|uwsgi|waitress-serve|waitress|hypercorn|mod_wsgi|bjoern)\b")


def _call_arguments(text: str, open_paren: int) -> str:
    """The text between a call's parentheses (bounded)."""
    depth = 0
    for index in range(open_paren, min(len(text), open_paren + 2000)):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return text[open_paren + 1 : index]
    return ""


class FlaskDebugEnabled(RepoRule):
    """A Flask (or Dash) app runs with the Werkzeug debugger enabled.

    What it checks:
    `app.run(debug=True)` or `app.run_server(debug=True)` in code that imports Flask or Dash,
    `app.debug = True`, `app.config["DEBUG"] = True`, and `FLASK_DEBUG=1` or `FLASK_ENV=development`
    in Dockerfiles, Compose/Kubernetes files and committed `.env` files (bandit B201). A `debug=True`
    run under `if __name__ == "__main__":` is not flagged when an image, Procfile or manifest of
    the same project (the app's folder, a parent or a sub-folder) serves it with, or installs, a
    production server (gunicorn, uWSGI, waitress), since that block never runs there.

    Why it matters:
    The Werkzeug debugger lets anyone who reaches an error page run Python on the server. Debug
    mode also reloads code and leaks stack traces and configuration.

    How to fix:
    Drop `debug=True` (read it from an environment variable that defaults to off), and serve the
    app with gunicorn or waitress behind a reverse proxy.
    """

    code = "SEC010"
    name = "flask-debug-enabled"
    pillar = Pillar.SECURITY
    severity = Severity.WARNING

    VALID = [
        Example({"app.py": "import os\nfrom flask import Flask\napp = Flask(__name__)\napp.run(debug=os.environ.get('DEBUG') == '1')\n"}),
        Example(
            {
                "app.py": "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(debug=True)\n",
                "Dockerfile": "FROM python:3.11-slim\nUSER app\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n",
            },
            note="Served by gunicorn: the __main__ block does not run in the container.",
        ),
        Example({"train.py": "import mlflow\nrun = trainer.run(debug=True)\n"}, note="Not a Flask app."),
    ]
    INVALID = [
        Example({"app.py": "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(host='0.0.0.0', debug=True)\n"}, expect=["app.py:5"]),
        Example({"Dockerfile": "FROM python:3.11-slim\nENV FLASK_DEBUG=1\nCMD [\"flask\", \"run\"]\n"}, expect=["Dockerfile:2"]),
        Example({"dashboard.ipynb": notebook("from dash import Dash", "app = Dash(__name__)\napp.run_server(debug=True)")}, expect=["dashboard.ipynb[1]:2"]),
        Example(
            {
                "mnist/web-ui/flask_server.py": "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(debug=True, host='0.0.0.0')\n",
                "mnist/web-ui/Dockerfile": "FROM python:3.11-slim\nCMD [\"python\", \"flask_server.py\"]\n",
                "github_issue_summarization/Dockerfile": "FROM python:3.11-slim\nCMD [\"gunicorn\", \"app:app\"]\n",
            },
            expect=["mnist/web-ui/flask_server.py:5"],
            note="Another project's gunicorn image does not serve this app.",
        ),
    ]

    def check(self, repo: Repo) -> Iterable[Finding]:
        served = self._wsgi_served(repo)
        for path in repo.facts.files_importing("flask", "dash"):
            if is_test_path(path):
                continue
            yield from self._check_code(repo, path, same_project(folder_of(path), served))
        ci = {file.path for file in repo.facts.ci_files}
        config_files = [
            file
            for file in repo.all_files
            if (file.kind in ("dockerfile", "yaml") or (is_env_file(file.name) and not is_env_template(file.name)))
            and file.path not in ci
            and not is_test_path(file.path)
            and not re.search(r"(?:^|[._-])(?:dev|develop|development|local|override|debug|test)(?:[._-]|$)", file.name.lower())
        ]
        for match in repo.search(_FLASK_DEBUG_ENV, config_files, code_only=False):
            yield self.finding(
                "the Flask debugger is switched on by configuration (`FLASK_DEBUG`/`FLASK_ENV`): turn it off outside development",
                match.path,
                match.line,
                anchor="FLASK_DEBUG",
            )

    def _check_code(self, repo: Repo, path: str, wsgi: bool) -> Iterator[Finding]:
        if path.endswith(".ipynb"):
            parsed = repo.notebook(path)
            units: list[tuple[int | None, str]] = [(cell.index, cell.source) for cell in parsed.code_cells] if parsed else []
        else:
            units = [(None, repo.text(path) or "")]
        for cell, text in units:
            guard = _MAIN_GUARD.search(text)
            for match in _RUN_CALL.finditer(text):
                arguments = _call_arguments(text, match.end() - 1)
                if not re.search(r"(?<![\w.])debug\s*=\s*True\b", arguments):
                    continue
                line_start = text.rfind("\n", 0, match.start()) + 1
                if text[line_start : match.start()].lstrip().startswith("#"):
                    continue
                if wsgi and guard is not None and guard.start() < match.start():
                    continue
                yield self.finding(
                    "the app runs with `debug=True`: the Werkzeug debugger lets anyone who triggers an error run code",
                    path,
                    _line_of(text, match.start()),
                    cell=cell,
                    anchor="debug=True",
                )
            for match in _DEBUG_ATTR.finditer(text):
                yield self.finding(
                    "debug mode is switched on in code: the Werkzeug debugger lets anyone who triggers an error run code",
                    path,
                    _line_of(text, match.start()),
                    cell=cell,
                    anchor="debug attribute",
                )

    @staticmethod
    def _wsgi_served(repo: Repo) -> set[str]:
        """The folders of the images, Procfiles and scripts that serve an app with a production server,
        and of the manifests that install one (a project that declares gunicorn is served by it)."""
        files = [*repo.facts.dockerfiles, *repo.facts.deploy_manifests, *repo.facts.manifests]
        files.extend(file for file in repo.all_files if file.name in ("Procfile", "app.yaml", "supervisord.conf") or file.name.endswith(".sh"))
        return {folder_of(match.path) for match in repo.search(_WSGI_SERVER, files, code_only=False)}


def redact(text: str) -> str:
    """`text` with every provider token, private key header and credential-like literal masked.

    Reporters that quote repository code (the HTML report's excerpts) pass it through this first.
    """
    for _kind, pattern, visible in _TOKENS:

        def masked(match: re.Match[str], visible: int = visible) -> str:
            return match.group(0).replace(match.group(1), mask(match.group(1), visible))

        text = pattern.sub(masked, text)
    text = _PRIVATE_KEY.sub("-----BEGIN PRIVATE KEY----- (redacted)", text)
    for pattern in (_CODE_ASSIGNMENT, _CONFIG_ASSIGNMENT):
        text = pattern.sub(
            lambda match: match.group(0).replace(match.group("value"), "…(redacted)")
            if secret_value(match.group("key").rsplit(".", 1)[-1], match.group("value"))
            else match.group(0),
            text,
        )
    return text
