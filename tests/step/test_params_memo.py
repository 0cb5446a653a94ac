"""The params memo: an unchanged params file's validated values, signed in the user cache, so that
an unchanged step runs without pydantic; every input invalidates it, a bad memo is a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Literal

import pytest

import superspec
from superspec import cachefiles
from superspec.enforce.stepparams import EnforceParams
from superspec.plainvalues import PlainValues, as_dict, values_of
from superspec.runners import registry
from superspec.runners.registry import Runner
from superspec.spec import compiled
from superspec.step import paramsmemo
from superspec.step.contract import ParamsBase, params_model
from superspec.step.params import ParamsSource, load_params, step_params
from tests.step.conftest import CONTRACT, make_workspace

ENFORCE = {"contract": 1, "step": "enforce", "stage": "enforce", "branch": "main",
           "layers": ["ci/layers"], "secrets": []}


class TupleParams(ParamsBase):  # plain, but JSON cannot give its values back as they are
    plain: ClassVar[bool] = True
    step: Literal["enforce"]
    pair: tuple[int, int] = (1, 2)


class OtherEnforceParams(EnforceParams):
    """The same fields under another name: another model."""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace (the current directory) and a cache of its own, outside it."""
    root = tmp_path / "ws"
    (root / ".superspec").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(tmp_path / "user-cache" / "enforce"))
    monkeypatch.delenv(compiled.NO_CACHE_ENV, raising=False)
    return root


def _write(data: dict[str, object], indent: int = 4) -> Path:
    path = Path(".superspec/step-enforce.json")
    path.write_text(json.dumps(data, indent=indent) + "\n")
    return path


def _lookup(name: str, path: Path) -> PlainValues | None:
    source = ParamsSource(name, path)
    return paramsmemo.lookup(name, source.raw, source.data)


def _memo_file(name: str, path: Path) -> Path:
    model = registry.get(name).params  # type: ignore[union-attr]
    assert isinstance(model, str)
    opened = cachefiles.open_cache(Path.cwd(), create=True)
    assert opened is not None
    return opened[0] / paramsmemo._name(name, model, path.read_bytes())


def test_an_unchanged_params_file_is_answered_with_the_models_values(ws: Path) -> None:
    path = _write(ENFORCE)
    first = step_params("enforce", path)
    assert isinstance(first, EnforceParams)  # validated by the model, then remembered
    again = step_params("enforce", path)
    assert isinstance(again, PlainValues)
    assert again == values_of(first)
    for field in EnforceParams.model_fields:
        assert getattr(again, field) == getattr(first, field)


@pytest.mark.parametrize("step", registry.step_names())
def test_every_built_in_params_model_is_plain(step: str, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text((CONTRACT / "params" / f"{step}.json").read_text())
    model = load_params(step, path)
    values = values_of(model)
    assert isinstance(values, PlainValues)
    assert as_dict(values) == model.model_dump()
    assert params_model(step).__module__.endswith(".stepparams")


def test_other_bytes_are_another_memo(ws: Path) -> None:
    path = _write(ENFORCE)
    step_params("enforce", path)
    _write(ENFORCE, indent=2)  # the same params, other bytes
    assert _lookup("enforce", path) is None
    assert isinstance(step_params("enforce", path), EnforceParams)


def test_another_step_or_model_is_another_memo(ws: Path) -> None:
    path = _write(ENFORCE)
    step_params("enforce", path)
    source = ParamsSource("enforce", path)
    same_model = Runner("toy", "x", params="superspec.enforce.stepparams:EnforceParams")
    with registry.registered(same_model):
        assert paramsmemo.lookup("toy", source.raw, source.data) is None
    other_model = Runner("enforce", "x", params=f"{__name__}:OtherEnforceParams")
    with registry.registered(other_model, replace=True):
        assert paramsmemo.lookup("enforce", source.raw, source.data) is None
    assert paramsmemo.lookup("enforce", source.raw, source.data) is not None


def test_another_superspec_version_is_another_memo(ws: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(ENFORCE)
    step_params("enforce", path)
    monkeypatch.setattr(superspec, "__version__", "99.0.0")
    assert _lookup("enforce", path) is None


@pytest.fixture
def fake_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The code stamp of one file of ours (the memo holds while it is unchanged)."""
    code = tmp_path / "code.py"
    code.write_text("x = 1\n")
    st = os.stat(code)
    monkeypatch.setattr(compiled, "code_stamp", lambda: [(str(code), st.st_size, st.st_mtime_ns)])
    monkeypatch.setattr(compiled, "_verified_code", set())
    yield code


def test_changed_code_is_a_miss(ws: Path, fake_code: Path) -> None:
    path = _write(ENFORCE)
    step_params("enforce", path)
    fake_code.write_text("x = 22\n")
    assert _lookup("enforce", path) is None


def test_the_memo_stamps_the_code_that_validated_the_params(ws: Path) -> None:
    path = _write(ENFORCE)
    step_params("enforce", path)
    opened = cachefiles.open_cache(Path.cwd())
    assert opened is not None
    payload = cachefiles.read_signed_bytes(*opened, paramsmemo.FORMAT,
                                           _memo_file("enforce", path).name)
    assert payload is not None
    files = [Path(where).as_posix() for where, _size, _mtime in json.loads(payload)["code"]]
    for module in ("superspec/enforce/stepparams.py", "superspec/step/contract.py",
                   "pydantic/__init__.py"):
        assert any(f.endswith(module) for f in files), module


@pytest.mark.parametrize("content", [
    b"\0" * 32 + b'{"model": "x", "values": {}, "code": []}',  # forged: not signed by our key
    b"short",  # cut short
])
def test_a_forged_or_truncated_memo_is_a_miss(ws: Path, content: bytes) -> None:
    path = _write(ENFORCE)
    step_params("enforce", path)
    _memo_file("enforce", path).write_bytes(content)
    assert _lookup("enforce", path) is None
    assert isinstance(step_params("enforce", path), EnforceParams)  # and validated again


@pytest.mark.parametrize("payload", [
    b"not json", b"[]", b'{"model": "m", "values": [1], "code": []}',
    b'{"model": "m", "values": {}}', b'{"model": "m", "values": {}, "code": [["a", 1]]}',
])
def test_a_signed_memo_that_does_not_decode_is_a_miss(ws: Path, payload: bytes) -> None:
    path = _write(ENFORCE)
    memo = _memo_file("enforce", path)
    opened = cachefiles.open_cache(Path.cwd(), create=True)
    assert opened is not None
    cachefiles.write_signed_bytes(*opened, paramsmemo.FORMAT, memo.name, payload)
    assert _lookup("enforce", path) is None
    assert isinstance(step_params("enforce", path), EnforceParams)


def test_the_spec_cache_switch_and_cache_false_bypass_the_memo(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write({**ENFORCE, "cache": False})  # asks for everything to be checked again
    for _run in range(2):
        assert isinstance(step_params("enforce", path), EnforceParams)
    assert not _memo_file("enforce", path).exists()
    path = _write(ENFORCE)
    monkeypatch.setenv(compiled.NO_CACHE_ENV, "1")
    for _run in range(2):
        assert isinstance(step_params("enforce", path), EnforceParams)
    assert not _memo_file("enforce", path).exists()
    monkeypatch.delenv(compiled.NO_CACHE_ENV)
    step_params("enforce", path)
    monkeypatch.setenv(compiled.NO_CACHE_ENV, "1")  # a memo written before is not read either
    assert isinstance(step_params("enforce", path), EnforceParams)


def test_only_a_plain_models_json_values_are_remembered(ws: Path) -> None:
    path = _write({"contract": 1, "step": "enforce"})
    toy = Runner("enforce", "x", params=f"{__name__}:TupleParams")
    with registry.registered(toy, replace=True):
        for _run in range(2):
            assert isinstance(step_params("enforce", path), TupleParams)
        assert not _memo_file("enforce", path).exists()


def test_a_cache_inside_the_project_is_not_used(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(ws / ".cache" / "enforce"))
    path = _write(ENFORCE)
    for _run in range(2):
        assert isinstance(step_params("enforce", path), EnforceParams)
    assert not (ws / ".cache").exists()


# --- a step run from the memo answers as a run that validated the params ----------------------

PROBE = """
import json, sys
from superspec.cli.entry import main
try:
    main()
finally:
    seen = {name: name in sys.modules for name in
            ("pydantic", "yaml", "superspec.step.contract", "superspec.spec.models")}
    sys.stderr.write("PROBE " + json.dumps(seen) + "\\n")
"""
SPEC = """superspec: 1
kind: project
name: svc
build: {tool: npm}
pipeline: {stages: {enforce: {}, build: {}}}
enforce: {rules: {requireFilesExist: {files: [%s]}, requireOS: {family: unix}}}
"""


def _project(root: Path, required: str = "superspec.yaml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "superspec.yaml").write_text(SPEC % required)
    return root


def _payments(root: Path) -> Path:
    return make_workspace(root)


def _age(root: Path) -> None:
    """Files written well before the runs (a fresh file is not cached)."""
    past = os.stat(root / "superspec.yaml").st_mtime - 60
    for path in [root, *root.rglob("*")]:
        os.utime(path, (past, past), follow_symlinks=False)


def _run(root: Path, tmp_path: Path, step: str, params: dict[str, object],
         indent: int = 4) -> tuple[tuple[object, ...], dict[str, bool]]:
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    for name in (compiled.NO_CACHE_ENV, "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT", "BRANCH_NAME",
                 "GIT_BRANCH", "MISSING_SECRET"):
        env.pop(name, None)
    file = root / ".superspec" / f"step-{step}.json"
    file.parent.mkdir(exist_ok=True)
    file.write_text(json.dumps(params, indent=indent) + "\n")
    for stale in root.glob(".superspec/*.*.json"):
        stale.unlink()
    proc = subprocess.run([sys.executable, "-c", PROBE, "step", step, "--params-file",
                           f".superspec/step-{step}.json"], capture_output=True, text=True,
                          env=env, cwd=root, timeout=120)
    head, _, line = proc.stderr.rstrip("\n").rpartition("\n")
    probe = json.loads(line.removeprefix("PROBE "))
    messages = {p.name: p.read_text() for p in sorted(root.glob(".superspec/*.*.json"))}
    return (proc.returncode, proc.stdout, head, messages), probe


CASES = {
    "enforce passes": ("svc", "enforce", {"stage": "enforce", "branch": "main"}, 0),
    "enforce fails": ("svc-failing", "enforce", {"stage": "enforce"}, 1),
    "no stage": ("svc", "enforce", {"branch": "main"}, 0),
    "unknown stage": ("svc", "enforce", {"stage": "enforc"}, 1),
    "a stage of another runner": ("svc", "enforce", {"stage": "build"}, 1),
    "a secret not set": ("svc", "enforce", {"stage": "enforce", "secrets": ["MISSING_SECRET"]},
                         1),
    "package one env": ("payments", "package", {"stage": "package", "envs": ["prod"],
                                                "layers": ["ci/layers"], "out": "dist"}, 0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_run_from_the_memo_answers_as_a_run_that_validated(tmp_path: Path, case: str) -> None:
    project, step, params, code = CASES[case]
    root = tmp_path / project
    if project == "payments":
        _payments(root)
    else:
        _project(root, "missing.txt" if project == "svc-failing" else "superspec.yaml")
    _age(root)
    data = {"contract": 1, "step": step, **params}
    _run(root, tmp_path, step, data, indent=1)  # other bytes: fills the spec and result caches
    missed, miss_probe = _run(root, tmp_path, step, data)
    hit, hit_probe = _run(root, tmp_path, step, data)
    assert miss_probe["superspec.step.contract"]  # validated by the model
    assert not hit_probe["superspec.step.contract"]  # answered by the memo
    assert hit == missed
    assert hit[0] == code, hit
    if case in ("enforce passes", "no stage", "package one env"):  # no YAML, model, pydantic
        assert not any(hit_probe.values()), hit_probe
    if case == "unknown stage":  # the params' lines are read (YAML) to locate the error
        assert not hit_probe["pydantic"]
