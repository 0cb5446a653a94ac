"""The result cache: an unchanged project is answered without running anything (no tool is
spawned, no rule runs); each kind of input change is noticed; --no-cache bypasses it all.

The real ``java`` and ``node`` run behind wrapper scripts on PATH that log every start, so the
tests see which runs spawned a tool.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.enforce.helpers import FAST, run_cli, run_click_cli

RULES = {"requireToolVersion": {"java": "[11,)", "node": ">=18"},
         "requireReleaseDeps": {"allowRanges": True, "excludes": ["local-lib"]},
         "requireFilesExist": {"files": ["README.md"]}}


@pytest.fixture
def tools(tmp_path: Path) -> tuple[Path, Path]:
    """A PATH dir whose java and node log each start, then exec the real ones."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "spawned.log"
    for name in ("java", "node"):
        real = shutil.which(name)
        assert real, f"{name} missing: run .ci/install-system-deps.sh"
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\necho {name} >> "{log}"\nexec "{real}" "$@"\n')
        wrapper.chmod(0o755)
    return bin_dir, log


def user_cache(d: Path) -> dict[str, str]:
    """A cache directory outside the project (one inside it, or inside the CI workspace, is
    never used)."""
    return {"SUPERSPEC_CACHE_DIR": str(d.parent / "user-cache" / "enforce"), "WORKSPACE": "",
            "CI_PROJECT_DIR": ""}


def _run(d: Path, bin_dir: Path, *args: str) -> tuple[int, dict]:
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "JAVA_HOME": "", **user_cache(d)}
    proc = run_cli("enforce", "--branch", "main", "--format", "json", *args, cwd=d, env=env)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _spawned(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_cache_hit_spawns_nothing_and_each_input_invalidates(
        project: Callable[..., Path], tools: tuple[Path, Path]) -> None:
    bin_dir, log = tools
    d = project(RULES, tool="npm", fixture="npm/v3")
    code, first = _run(d, bin_dir)
    assert code == 1 and first["cached"] is False
    assert sorted(_spawned(log)) == ["java", "node"]
    statuses = [r["status"] for r in first["rules"]]
    assert statuses == ["pass", "fail", "fail"]

    code, second = _run(d, bin_dir)
    assert code == 1 and second["cached"] is True
    assert sorted(_spawned(log)) == ["java", "node"]  # no tool ran again
    assert {**second, "cached": False} == first

    (d / "README.md").write_text("# demo\n")  # a required file appears
    code, third = _run(d, bin_dir)
    assert third["cached"] is False
    assert [r["status"] for r in third["rules"]] == ["pass", "fail", "pass"]
    assert sorted(_spawned(log)) == ["java", "node"]  # tool versions come from the tool cache

    lock = json.loads((d / "package-lock.json").read_text())
    lock["packages"]["node_modules/react"]["version"] = "19.0.0"
    (d / "package-lock.json").write_text(json.dumps(lock, indent=2))
    code, fourth = _run(d, bin_dir)
    assert code == 0 and fourth["cached"] is False and fourth["passed"] is True

    node = bin_dir / "node"  # a new node binary (its mtime and size change)
    node.write_text(node.read_text() + "# upgraded\n")
    code, fifth = _run(d, bin_dir)
    assert fifth["cached"] is False
    assert sorted(_spawned(log)) == ["java", "node", "node"]

    code, sixth = _run(d, bin_dir, "--no-cache")
    assert sixth["cached"] is False
    assert sorted(_spawned(log)) == ["java", "java", "node", "node", "node"]


def test_spec_and_branch_changes_invalidate(project: Callable[..., Path],
                                           tools: tuple[Path, Path]) -> None:
    bin_dir, _log = tools
    d = project({"requireReleaseDeps": {"onlyWhen": {"branch": "main"}}}, tool="npm",
                fixture="npm/v3")
    assert _run(d, bin_dir)[1]["rules"][0]["status"] == "fail"
    assert _run(d, bin_dir)[1]["cached"] is True
    code, other = _run(d, bin_dir, "--branch", "feature/x")
    assert other["cached"] is False and other["rules"][0]["status"] == "skip"
    spec = d / "superspec.yaml"
    spec.write_text(spec.read_text().replace("branch: main", "branch: feature/*"))
    code, edited = _run(d, bin_dir)
    assert edited["cached"] is False and edited["rules"][0]["status"] == "skip"


def test_cached_text_report_is_the_same(project: Callable[..., Path]) -> None:
    d = project({"requireFilesExist": {"files": ["superspec.yaml"]}})
    first = run_cli("enforce", "--branch", "main", cwd=d, env=user_cache(d))
    second = run_cli("enforce", "--branch", "main", cwd=d, env=user_cache(d))
    assert first.returncode == second.returncode == 0
    assert second.stdout == first.stdout + (
        "(cached: no input changed since the last check; --no-cache re-checks)\n")


def test_cached_junit_and_exit_code(project: Callable[..., Path], tmp_path: Path) -> None:
    d = project({"requireFilesExist": {"files": ["missing.txt"]}})
    first = run_cli("enforce", "--report-junit", tmp_path / "a.xml", cwd=d, env=user_cache(d))
    second = run_cli("enforce", "--report-junit", tmp_path / "b.xml", cwd=d, env=user_cache(d))
    assert first.returncode == second.returncode == 1
    assert second.stderr == first.stderr == "error: enforce failed: requireFilesExist\n"
    assert "(cached:" in second.stdout and "(cached:" not in first.stdout
    assert (tmp_path / "a.xml").read_bytes() == (tmp_path / "b.xml").read_bytes()


def test_an_input_changed_during_the_run_is_not_cached(project: Callable[..., Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from superspec.enforce import cache
    from superspec.enforce.runner import run_enforce
    from superspec.spec import load_spec

    d = project({"requireFilesExist": {"files": ["superspec.yaml", "README.md"]}})
    for name, value in user_cache(d).items():
        monkeypatch.setenv(name, value)
    (d / "README.md").write_text("x")
    future = time.time_ns() + 60_000_000_000  # as if README.md were edited while checking
    os.utime(d / "README.md", ns=(future, future))
    effective = load_spec(d / "superspec.yaml")
    assert cache.changed_since([d / "README.md"], time.time_ns())
    run_enforce(effective, d, branch="main", maven_repo=None)
    assert not run_enforce(effective, d, branch="main", maven_repo=None).cached
    os.utime(d / "README.md", ns=(0, 0))
    run_enforce(effective, d, branch="main", maven_repo=None)
    assert run_enforce(effective, d, branch="main", maven_repo=None).cached


def _fast(d: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("BRANCH_NAME", "CI_COMMIT_REF_NAME")}
    env.update(user_cache(d))
    return subprocess.run([sys.executable, "-c", FAST, *args], capture_output=True, text=True,
                          cwd=d, env=env)


def test_fast_path_answers_like_the_cli_without_click(project: Callable[..., Path]) -> None:
    d = project({"requireFilesExist": {"files": ["missing.txt"]}})
    cli = run_click_cli("enforce", "--branch", "main", cwd=d, env=user_cache(d))
    cached = run_click_cli("enforce", "--branch", "main", cwd=d, env=user_cache(d))
    fast = _fast(d, "enforce", "--branch=main")
    assert (fast.returncode, fast.stdout) == (cached.returncode, cached.stdout) == (
        1, cli.stdout + "(cached: no input changed since the last check; --no-cache re-checks)\n")
    assert fast.stderr == "error: enforce failed: requireFilesExist\nimported: []\n"
    run_click_cli("enforce", "--branch", "main", "--format", "json", cwd=d, env=user_cache(d))
    fast_json = _fast(d, "enforce", "--format", "json", "--branch", "main")
    assert json.loads(fast_json.stdout)["cached"] is True
    for args in (("enforce", "--help"), ("enforce", "--bogus"), ("enforce", "--root", "acme"),
                 ("validate",), ("enforce", "--branch"), ("enforce", "--branch", "--no-cache"),
                 ("enforce", "--project-dir", "missing"),
                 ("enforce", "--maven-repo", "superspec.yaml"), ("enforce", ".", ".")):
        assert _fast(d, *args).returncode == 99, args  # the click CLI runs and reports

