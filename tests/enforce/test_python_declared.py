"""Python projects with only a pyproject.toml: the graph starts from the declared requirements and
never from the environment superspec itself runs in.

superspec runs through its console script, so its interpreter is its own virtualenv, which holds
docker, click and pydantic: none of them may be reported as the project's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from superspec.enforce.model import Violation
from superspec.enforce.python.environment import environment_paths
from tests.enforce.helpers import run_cli, wheel

RULES = {"bannedDependencies": {"excludes": ["docker", "click", "pydantic*"]},
         "requireReleaseDeps": {}}
PEP621 = '[project]\nname = "svc"\nversion = "1.0"\ndependencies = ["requests>=2"]\n'


def cli_texts(project_dir: Path, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Every rule's violations, as the text report shows them, from the real CLI."""
    proc = run_cli("enforce", "--format", "json", "--no-cache", cwd=project_dir, env=env)
    report: dict[str, Any] = json.loads(proc.stdout)
    return {r["id"]: [Violation.from_json(v).text() for v in r["violations"]]
            for r in report["rules"]}


def test_declared_requirements_are_the_roots(project: Callable[..., Path]) -> None:
    d = project(RULES)
    (d / "pyproject.toml").write_text(PEP621)
    assert cli_texts(d) == {
        "bannedDependencies": [],
        "requireReleaseDeps": ["unpinned requirement requests>=2 (pin it with ==)\n"
                               "  via svc:1.0 -> requests:>=2"]}


def test_declared_packages_are_judged(project: Callable[..., Path]) -> None:
    """A banned package the project declares is reported; extras are declared requirements."""
    d = project(RULES)
    (d / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0"\n'
        'dependencies = ["requests>=2", "click", "attrs==23.2.0"]\n'
        '[project.optional-dependencies]\ntest = ["pytest==8.1.0rc1"]\n'
        "[dependency-groups]\nlint = [\"ruff @ https://files.example.com/ruff-0.4.tar.gz\"]\n")
    assert cli_texts(d) == {
        "bannedDependencies": ["banned dependency click: (excluded by 'click')\n"
                               "  via svc:1.0 -> click:"],
        "requireReleaseDeps": [
            "unpinned requirement requests>=2 (pin it with ==)\n  via svc:1.0 -> requests:>=2",
            "unpinned requirement click (pin it with ==)\n  via svc:1.0 -> click:",
            "pre-release dependency pytest:8.1.0rc1\n  via svc:1.0 -> pytest:8.1.0rc1",
            "url dependency ruff from https://files.example.com/ruff-0.4.tar.gz\n"
            "  via svc:1.0 -> ruff:"]}


def test_poetry_declarations_without_a_lock(project: Callable[..., Path]) -> None:
    d = project(RULES)
    (d / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "ledger"\nversion = "1.4.0"\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\nrequests = "^2.31"\n'
        'attrs = "23.2.0"\n'
        'ledger-common = {git = "https://github.com/example/ledger-common.git", tag = "v0.3.0"}\n'
        '[tool.poetry.group.dev.dependencies]\npytest = "8.1.0rc1"\n')
    assert cli_texts(d) == {
        "bannedDependencies": [],
        "requireReleaseDeps": [
            "unpinned requirement requests^2.31 (pin it with ==)\n"
            "  via ledger:1.4.0 -> requests:^2.31",
            "git dependency ledger-common from https://github.com/example/ledger-common.git\n"
            "  via ledger:1.4.0 -> ledger-common:",
            "pre-release dependency pytest:8.1.0rc1\n  via ledger:1.4.0 -> pytest:8.1.0rc1"]}


def test_own_environment_is_not_read_even_when_active(project: Callable[..., Path],
                                                       tmp_path: Path) -> None:
    """VIRTUAL_ENV naming the environment superspec runs in does not make it the project's;
    the project's own .venv is read."""
    d = project(RULES)
    (d / "pyproject.toml").write_text(PEP621)
    assert cli_texts(d, env={"VIRTUAL_ENV": sys.prefix}) == {
        "bannedDependencies": [],
        "requireReleaseDeps": ["unpinned requirement requests>=2 (pin it with ==)\n"
                               "  via svc:1.0 -> requests:>=2"]}
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel(wheels, "requests", "2.99.0rc1", {"requests/__init__.py": ""}, ("click>=8",))
    wheel(wheels, "click", "8.0.99", {"click/__init__.py": ""})
    # superspec's environment has requests and click too: install these ones regardless
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--ignore-installed", "--disable-pip-version-check", "--find-links",
                    str(wheels), "--prefix", str(d / ".venv"), "requests==2.99.0rc1",
                    "click==8.0.99"],
                   check=True, capture_output=True, text=True)
    assert cli_texts(d, env={"VIRTUAL_ENV": sys.prefix}) == {
        "bannedDependencies": ["banned dependency click:8.0.99 (excluded by 'click')\n"
                               "  via svc:1.0 -> requests:2.99.0rc1 -> click:8.0.99"],
        "requireReleaseDeps": ["pre-release dependency requests:2.99.0rc1\n"
                               "  via svc:1.0 -> requests:2.99.0rc1"]}


def test_environment_paths_are_never_superspecs_own(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """banDuplicateClasses reads the same environment: none unless the user points at one."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert environment_paths(tmp_path) == []
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    assert environment_paths(tmp_path) == []
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    assert environment_paths(tmp_path) == [site]
    other = tmp_path / "other"
    (other / "Lib" / "site-packages").mkdir(parents=True)
    monkeypatch.setenv("VIRTUAL_ENV", str(other))
    assert environment_paths(tmp_path) == [other / "Lib" / "site-packages"]


def test_a_new_project_environment_invalidates_the_cached_verdict(project: Callable[..., Path],
                                                                  tmp_path: Path) -> None:
    d = project(RULES)
    (d / "pyproject.toml").write_text(PEP621)

    # a cache directory outside the project and any CI workspace: one inside is never used
    env = {"SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache"), "WORKSPACE": "",
           "CI_PROJECT_DIR": ""}

    def run() -> dict[str, Any]:
        proc = run_cli("enforce", "--branch", "main", "--format", "json", cwd=d, env=env)
        return dict(json.loads(proc.stdout))

    assert [run()["cached"], run()["cached"]] == [False, True]
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel(wheels, "requests", "2.99.0", {"requests/__init__.py": ""})
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--ignore-installed", "--disable-pip-version-check", "--find-links",
                    str(wheels), "--prefix", str(d / ".venv"), "requests==2.99.0"],
                   check=True, capture_output=True, text=True)
    report = run()
    assert report["cached"] is False
    assert [r["status"] for r in report["rules"]] == ["pass", "pass"]
