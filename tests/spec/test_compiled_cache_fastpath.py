"""superspec.spec.fastpath: `superspec validate` answered from the compiled-spec cache before the
CLI framework is imported — the same output as the command, and None (run the CLI) otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from superspec.spec import compiled, fastpath
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "examples/projects/payments-api/superspec.yaml")
LAYERS = str(ROOT / "examples/layers")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "user-cache" / "enforce"
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(where))
    for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT"):
        monkeypatch.delenv(name, raising=False)
    compiled.bypass(False)
    return where


@pytest.mark.parametrize("extra", [(), ("--format", "json"), ("--format=json", "--root=acme")])
def test_the_fast_answer_is_the_commands_answer(cache: Path, capsys: pytest.CaptureFixture[str],
                                                extra: tuple[str, ...]) -> None:
    argv = ["validate", "--spec", SPEC, f"--layers={LAYERS}", *extra]
    assert fastpath.main(argv) is None  # nothing cached yet
    full = run_cli(capsys, *argv)
    assert full.code == 0
    assert fastpath.main(argv) == 0
    assert capsys.readouterr().out == full.out
    if "json" in " ".join(extra):
        assert json.loads(full.out)["valid"] is True


@pytest.mark.parametrize("argv", [
    ["validate", "--spec", SPEC, "--layers", LAYERS, "--no-cache"],
    ["validate", "--spec", SPEC, "--layers", LAYERS, "--help"],
    ["validate", "--spec", SPEC, "--layers", LAYERS, "--format", "yaml"],
    ["validate", "--spec", SPEC, "--layers"],
    ["explain", "--spec", SPEC, "--layers", LAYERS],
    ["validate", "--spec", SPEC],  # another entry: no layer directories
    ["validate", "--spec", SPEC, "--layers", LAYERS, "--root", "../x"],
])
def test_anything_else_runs_the_cli(cache: Path, capsys: pytest.CaptureFixture[str],
                                    argv: list[str]) -> None:
    assert run_cli(capsys, "validate", "--spec", SPEC, "--layers", LAYERS).code == 0
    assert fastpath.main(["validate", "--spec", SPEC, "--layers", LAYERS]) == 0
    capsys.readouterr()
    assert fastpath.main(argv) is None
    assert capsys.readouterr().out == ""


def test_a_changed_layer_or_unknown_rule_settings_run_the_cli(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "p/superspec.yaml"
    spec.parent.mkdir()
    spec.write_text("superspec: 1\nkind: project\nname: p\nbuild: {tool: npm}\n"
                    "pipeline: {stages: {build: {}}}\n"
                    "enforce: {rules: {requireOS: {family: unix}}}\n")
    past = time.time() - 10
    os.utime(spec, (past, past))
    argv = ["validate", "--spec", str(spec)]
    assert run_cli(capsys, *argv).code == 0
    assert fastpath.main(argv) == 0
    for memo in cache.glob("rules-*"):
        memo.unlink()  # the rule check is not on record: the CLI checks the rules
    assert fastpath.main(argv) is None
    assert run_cli(capsys, *argv).code == 0
    assert fastpath.main(argv) == 0
    spec.write_text(spec.read_text().replace("unix", "windows"))
    assert fastpath.main(argv) is None


def test_the_fast_path_imports_no_framework(tmp_path: Path) -> None:
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT"):
        env.pop(name, None)
    argv = ["validate", "--spec", SPEC, "--layers", LAYERS]
    probe = ("import json, sys\n"
             "from superspec.spec.fastpath import main\n"
             "code = main(sys.argv[1:])\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules}\n"
             "               & {'click', 'pydantic', 'yaml', 'rich', 'jinja2'})\n"
             "sys.stderr.write(json.dumps([code, heavy]))\n")
    # the CLI run the same way (same sys.path: the rule memo is per sys.path) fills the caches
    warm = subprocess.run([sys.executable, "-c", "from superspec.cli.main import main; main()",
                           *argv], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert warm.returncode == 0, warm.stderr
    proc = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert proc.stdout == warm.stdout
    assert json.loads(proc.stderr) == [0, []]
