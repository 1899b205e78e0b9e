"""A corpus of hostile and broken repository content, written into a folder.

Used by test_hostile.py. Everything is generated here: no file comes from a
real repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CANARY = "CANARY-must-never-appear-7f3a9c"
# A credential-shaped value (not a real key), built in pieces so that this file itself holds no secret.
FAKE_AWS_KEY = "AKIA" + "QX7ZT3LMN" + "PWK4R2V"


def marker_code(marker: Path) -> str:
    """Python that would create `marker` if it were ever executed."""
    return f"open({str(marker)!r}, 'w').write('executed')\n"


def notebook(cells: list[dict], minor: int = 5) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": minor})


def code_cell(source: object, outputs: object = (), count: object = None, with_id: bool = False) -> dict:
    cell: dict = {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": list(outputs) if isinstance(outputs, tuple) else outputs, "source": source}
    if with_id:
        cell["id"] = "abc123"
    return cell


def build(root: Path, outside: Path, marker: Path, many_files: int = 20_000) -> dict[str, str]:
    """Write the corpus under `root` (and a canary under `outside`). Returns name -> category."""
    categories: dict[str, str] = {}

    def write(rel: str, content: str | bytes, category: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        categories[rel] = category

    # -- notebooks ------------------------------------------------------------------
    write("nb/invalid.ipynb", '{"cells": [ {"cell_type": ', "notebook: invalid JSON")
    full = notebook([code_cell("import os\nprint(1)", count=1)])
    write("nb/truncated.ipynb", full[: len(full) // 2], "notebook: truncated")
    v3 = {
        "metadata": {"name": "old"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": [{"cell_type": "code", "input": "import pickle\nx = 1", "language": "python", "outputs": [], "prompt_number": 2}], "metadata": {}}],
    }
    write("nb/v3.ipynb", json.dumps(v3), "notebook: nbformat v3")
    write("nb/v40.ipynb", notebook([code_cell("y = 2", count=3)], minor=0), "notebook: v4.0")
    write("nb/v45.ipynb", notebook([code_cell("z = 3", count=1, with_id=True)], minor=5), "notebook: v4.5")
    write("nb/no_cells.ipynb", json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "notebook: missing cells")
    write("nb/no_source.ipynb", notebook([{"cell_type": "code", "metadata": {}, "outputs": []}]), "notebook: missing source")
    write("nb/odd_source.ipynb", notebook([code_cell(42), code_cell({"a": 1}), code_cell(["x = ", 3, None])]), "notebook: non-string source")
    big_output = [{"output_type": "stream", "name": "stdout", "text": "x" * (30 * 1024 * 1024)}]
    write("nb/huge_outputs.ipynb", notebook([code_cell("print('x')", outputs=big_output, count=1)]), "notebook: 30 MB outputs")
    write("nb/many_cells.ipynb", notebook([code_cell(f"v{i} = {i}", count=i + 1) for i in range(10_000)]), "notebook: 10,000 cells")
    write("nb/deep.ipynb", "[" * 100_000 + "]" * 100_000, "notebook: JSON nested 100,000 deep")
    write("nb/runs_code.ipynb", notebook([code_cell(marker_code(marker), count=1)]), "notebook: would write a marker if run")

    # -- python ------------------------------------------------------------------------
    write("py/syntax_error.py", "def broken(:\n    import yaml\n    yaml.load(x)\n", "python: syntax error")
    write("py/python2.py", 'print "hello"\nimport pickle\npickle.load(open("m.pkl"))\n', "python: Python 2")
    write("py/nul_bytes.py", b"import torch\x00\x00torch.load('m.pt')\n", "python: NUL bytes")
    write("py/latin1.py", "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nimport yaml\ncfg = yaml.load(open('c.yml'))\n".encode("latin-1"), "python: latin-1")
    write("py/utf16.py", "import yaml\ncfg = yaml.load(open('c.yml'))\n".encode("utf-16"), "python: UTF-16 with BOM")
    write("py/crlf.py", b"import yaml\r\ncfg = yaml.load(open('c.yml'))\r\nx = 1\n\ry = 2\r\n", "python: CRLF and mixed line endings")
    write("py/long_file.py", "import yaml\n" + "x = 1\n" * 100_000 + "cfg = yaml.load(open('c.yml'))\n", "python: 100,000 lines")
    write("py/long_line.py", "import yaml\ns = '" + "a" * (2 * 1024 * 1024) + "'\ncfg = yaml.load(s)\n", "python: a 2 MB line")
    write("py/deep_nesting.py", "import yaml\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\nyaml.load(x)\n", "python: deeply nested expression")
    write("setup.py", marker_code(marker) + "from setuptools import setup\nsetup(name='hostile')\n", "python: setup.py that writes a marker")
    write("conftest.py", marker_code(marker), "python: conftest.py that writes a marker")
    write("pkg/__init__.py", marker_code(marker), "python: package that writes a marker on import")
    write("pkg/model.py", marker_code(marker) + "def train():\n    return 1\n", "python: module that writes a marker on import")

    write("config/settings.py", f'AWS_ACCESS_KEY_ID = "{FAKE_AWS_KEY}"\n', "secret: an access key in code")
    write(
        "nb/leaky.ipynb",
        notebook([code_cell("print(key)", outputs=[{"output_type": "stream", "name": "stdout", "text": FAKE_AWS_KEY + "\n"}], count=1)]),
        "secret: an access key in a notebook output",
    )

    # -- yaml ----------------------------------------------------------------------------
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        laughs.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    write(".github/workflows/laughs.yml", "\n".join(laughs) + "\non: push\n", "yaml: billion laughs")
    write("cfg/duplicate.yaml", "password: one\npassword: two\nkey: 1\nkey: 2\n", "yaml: duplicate keys")
    write(".github/workflows/tabs.yml", "on: push\njobs:\n\tbuild: 1\n", "yaml: tabs")
    write("cfg/multi.yaml", "---\na: 1\n---\nb: 2\n---\n- c\n", "yaml: multiple documents")
    write("cfg/python_tag.yaml", f"!!python/object/apply:os.system ['touch {marker}']\n", "yaml: !!python/object tag")
    write("k8s/deploy.yaml", f"kind: Deployment\nspec: !!python/object/apply:subprocess.call [['touch', '{marker}']]\n", "yaml: tag inside a manifest")

    # -- toml and dockerfiles -----------------------------------------------------------------
    write("pyproject.toml", "[project\nname = 'x'\n", "toml: syntax error")
    write("tools/other.toml", 'a = "unterminated\n', "toml: syntax error")
    write(
        "Dockerfile",
        "# escape=`\nFROM python:3.11 AS base\nRUN <<EOF\npip install torch\nEOF\nRUN apt-get update && `\n    apt-get install -y curl\n"
        "FROBNICATE everything\nUSER\nHEALTHCHECK\nCOPY --from=base / /\n",
        "dockerfile: heredoc, escape directive, unknown instruction, empty USER/HEALTHCHECK",
    )
    write("docker/Dockerfile.cont", "FROM ubuntu\nRUN pip install \\\n  numpy \\\n  pandas\nUSER\n", "dockerfile: continuations, empty USER")

    # -- requirements ----------------------------------------------------------------------------
    write("requirements.txt", "-r requirements-dev.txt\nnumpy\ntorch>=2.0 ; python_version >= '3.9'\n", "requirements: -r loop")
    write(
        "requirements-dev.txt",
        "-r requirements.txt\n--index-url https://example.invalid/simple\n-e .\n./local/pkg\n"
        "git+https://github.com/x/y.git@main#egg=y\nhttps://example.invalid/pkg.whl\nfoo[bar]==1.0 --hash=sha256:abc\n-c constraints.txt\n",
        "requirements: -r loop, URLs, markers, local paths, options",
    )
    write("requirements-bad.txt", b"numpy==1.0\n\xff\xfe\xfa garbage ===\nscipy\n", "requirements: invalid bytes")

    # -- other files ----------------------------------------------------------------------------
    write("bin/blob.py", os.urandom(4096) + b"\x00", "binary named .py")
    write("bin/blob.ipynb", b"\x89PNG\r\n\x1a\n" + os.urandom(2048), "binary named .ipynb")
    write("bin/blob.yaml", b"\x00\x01\x02" + os.urandom(1024), "binary named .yaml")
    write("empty.py", "", "empty file")
    write("empty.ipynb", "", "empty notebook")
    write("empty.yaml", "", "empty yaml")

    # -- names ----------------------------------------------------------------------------------
    for name in (
        "names/with space.py",
        "names/ünïcödé.py",
        "names/new\nline.py",
        "names/colons::here.py",
        "names/percent%0Aencoded.py",
        "names/<script>alert(1)</script>.py",
        "names/esc\x1b[31mred\x1b[0m.py",
    ):
        write(name, "import yaml\ncfg = yaml.load(open('c.yml'))\n", "file name: hostile characters")

    # -- trees ----------------------------------------------------------------------------------
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.py").write_text(f"TOKEN = '{CANARY}'\nimport yaml\nyaml.load(open('x'))\n")
    (outside / "README.md").write_text(f"{CANARY}\n")
    (root / "links").mkdir(exist_ok=True)
    os.symlink(outside / "secret.py", root / "links" / "outside_file.py")
    os.symlink(outside, root / "links" / "outside_dir")
    os.symlink(root, root / "links" / "loop")
    os.symlink(root / "links" / "missing", root / "links" / "dangling.py")
    os.mkfifo(root / "links" / "fifo.py")
    categories["links"] = "tree: symlinks, loop, dangling, FIFO"
    locked = root / "locked"
    locked.mkdir()
    (locked / "file.py").write_text("import yaml\n")
    (root / "unreadable.py").write_text("import yaml\n")
    os.chmod(root / "unreadable.py", 0)
    os.chmod(locked, 0)
    categories["locked"] = "tree: unreadable file and folder"
    deep = root / "deep"
    for level in range(150):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "bottom.py").write_text("x = 1\n")
    categories["deep"] = "tree: 150 levels deep"
    many = root / "many"
    many.mkdir()
    for index in range(many_files):
        (many / f"f{index:05}.txt").write_text("x")
    categories["many"] = f"tree: {many_files} files"
    return categories


def restore_permissions(root: Path) -> None:
    for path in (root / "locked", root / "unreadable.py"):
        if path.exists():
            os.chmod(path, 0o755)
