"""Rule packs from other distributions, found through the `mlready.rules` entry point.

The pack is a real distribution (a `.dist-info` folder with `entry_points.txt`) on the
path of a real `mlready` process, as pip would leave it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import write_tree

PACK = '''
from mlready.model import Pillar, Severity
from mlready.rule import RepoRule


class NoChangelog(RepoRule):
    """The repository has no CHANGELOG.

    **What it checks**: a CHANGELOG at the root.
    **Why it matters**: releases need notes.
    **How to fix**: add CHANGELOG.md.
    """

    code = "XPK001"
    name = "changelog-missing"
    pillar = Pillar.ROLLBACK
    severity = Severity.INFO

    def check(self, repo):
        if not repo.exists("CHANGELOG.md"):
            yield self.finding("no CHANGELOG.md")
'''


def _install_pack(site: Path) -> None:
    write_tree(
        site,
        {
            "demo_pack/__init__.py": PACK,
            "demo_pack-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo-pack\nVersion: 1.0\n",
            "demo_pack-1.0.dist-info/entry_points.txt": "[mlready.rules]\ndemo = demo_pack\n",
        },
    )


def _mlready(*args: str, cwd: Path, site: Path | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "mlready", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_an_installed_pack_adds_its_rules(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install_pack(site)
    repo = write_tree(tmp_path / "repo", {"README.md": "# demo\n"})

    listed = _mlready("rules", cwd=repo, site=site)
    assert listed.returncode == 0, listed.stderr
    assert "XPK001" in listed.stdout

    checked = _mlready("check", ".", "--select", "XPK001", "--no-cache", "--format", "json", cwd=repo, site=site)
    assert '"XPK001"' in checked.stdout, checked.stderr


def test_no_pack_no_plugin_rules(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_tree(site, {"other-1.0.dist-info/entry_points.txt": "[console_scripts]\nother = other:main\n"})
    repo = write_tree(tmp_path / "repo", {"README.md": "# demo\n"})
    listed = _mlready("rules", cwd=repo, site=site)
    assert listed.returncode == 0, listed.stderr
    assert "XPK001" not in listed.stdout
    assert "MOD001" in listed.stdout
