"""`superspec step NAME --params-file F` from the console script runs without the CLI framework
(superspec.step.fastpath) and answers as the full CLI does: the same stdout, stderr, exit code
and result/error messages, for verdicts, params errors and unknown steps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.step.fastpath import parse
from tests.step.conftest import make_workspace

# the console script, reporting what the process imported; or the full CLI (python -m superspec)
PROBE = """
import json, sys
from superspec.cli.entry import main
try:
    main()
finally:
    seen = sorted({m.split(".")[0] for m in sys.modules} & {"click", "yaml"})
    models = "superspec.spec.models" in sys.modules
    sys.stderr.write("PROBE " + json.dumps({"heavy": seen, "models": models}) + "\\n")
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    past = os.stat(root / "superspec.yaml").st_mtime - 60
    for path in root.rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)
    return root


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT",
                 "SOURCE_DATE_EPOCH"):
        env.pop(name, None)
    return env


def _messages(workspace: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(workspace.glob("params*.json"))
            if p.name != "params.json"}


def _both(workspace: Path, tmp_path: Path, *argv: str) -> tuple[tuple[object, ...], dict]:
    """Run ``superspec step ...`` through the console script and through the full CLI: each
    one's (exit code, stdout, stderr, messages written); and what the console script imported."""
    runs = []
    probe: dict[str, object] = {}
    # the first load of the spec stores it in the compiled-spec cache; the runs below hit it
    subprocess.run([sys.executable, "-m", "superspec", "validate", "--layers", "ci/layers"],
                   capture_output=True, env=_env(tmp_path), cwd=workspace, check=True)
    for command in ([sys.executable, "-c", PROBE], [sys.executable, "-m", "superspec"]):
        proc = subprocess.run([*command, "step", *argv], capture_output=True, text=True,
                              env=_env(tmp_path), cwd=workspace, timeout=120)
        err = proc.stderr
        if command[1] == "-c":
            head, _, line = err.rstrip("\n").rpartition("\n")
            probe = json.loads(line[len("PROBE "):])
            err = head + "\n" if head else ""
        runs.append((proc.returncode, proc.stdout, err, _messages(workspace)))
    assert runs[0] == runs[1]
    return runs[0], probe


def _params(workspace: Path, **params: object) -> Path:
    path = workspace / "params.json"
    path.write_text(json.dumps({"contract": 1, "spec": "superspec.yaml",
                                "layers": ["ci/layers"], **params}, indent=2))
    return path


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_a_package_step_answers_as_the_full_cli(workspace: Path, tmp_path: Path,
                                                output_format: str) -> None:
    _params(workspace, step="package", envs=["prod"], out="dist")
    (code, out, err, messages), probe = _both(
        workspace, tmp_path, "package", "--params-file", "params.json", "--format", output_format)
    assert code == 0 and err == "" and "params.result.json" in messages
    assert "packaged 1 environment(s): prod" in out
    assert probe == {"heavy": [], "models": False}  # no click, no YAML, no spec model


def test_a_params_error_answers_as_the_full_cli(workspace: Path, tmp_path: Path) -> None:
    _params(workspace, step="package", envs=["prod"], bogus=1)
    (code, out, err, messages), probe = _both(
        workspace, tmp_path, "package", "--params-file=params.json")
    assert code == 2 and out == "" and "unknown key 'bogus'" in err
    assert set(messages) == {"params.error.json"}
    assert "click" not in probe["heavy"]


def test_a_failed_verdict_answers_as_the_full_cli(workspace: Path, tmp_path: Path) -> None:
    _params(workspace, step="package", envs=["nowhere"])
    (code, _out, err, messages), _probe = _both(
        workspace, tmp_path, "package", "--params-file", "params.json")
    assert code == 1 and "environment 'nowhere' is not defined" in err
    assert set(messages) == {"params.error.json"}


def test_an_unknown_step_answers_as_the_full_cli(workspace: Path, tmp_path: Path) -> None:
    _params(workspace, step="pakage")
    (code, _out, err, _messages), _probe = _both(
        workspace, tmp_path, "pakage", "--params-file", "params.json")
    assert code == 2 and "unknown step 'pakage'" in err


@pytest.mark.parametrize("argv", [
    ["step", "enforce"],  # --params-file is required: click says so
    ["step", "--params-file", "p.json"],
    ["step", "enforce", "package", "--params-file", "p.json"],
    ["step", "enforce", "--params-file", "p.json", "--help"],
    ["step", "enforce", "--params-file", "p.json", "--format", "yaml"],
    ["step", "enforce", "--params-file", "/"],  # a directory: click's Path type refuses it
    ["step", "enforce", "--params-file"],
])
def test_anything_else_is_left_to_the_full_cli(argv: list[str]) -> None:
    assert parse(argv) is None


def test_the_arguments_are_read_as_click_reads_them() -> None:
    assert parse(["step", "--params-file=p.json", "enforce", "--result-file", "r.json",
                  "--error-file", "e.json", "--format", "json"]) == {
        "name": "enforce", "params_file": "p.json", "result_file": "r.json",
        "error_file": "e.json", "output_format": "json"}
