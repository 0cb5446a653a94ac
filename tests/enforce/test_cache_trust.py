"""The result cache trusts nothing the project's team controls: an entry in the workspace, a forged,
re-signed, copied, truncated or under-specified entry, a cache directory inside the project and a
key file others can touch are all misses, and the real verdict is reported.

Each case runs through the console script (``superspec enforce``: the fast path answers hits)
and through ``superspec step enforce`` (the Jenkins library's contract), on a project that truly
fails; a forged "passed" must never be reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from superspec.enforce import cache
from tests.enforce.helpers import run_cli

FAILING = {"requireFilesExist": {"files": ["missing.txt"]}}
FRONTS = ["enforce", "step"]


@pytest.fixture(params=FRONTS)
def front(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def user_cache(root: Path, name: str = "user-cache") -> dict[str, str]:
    """A cache directory outside the project; CI's workspace variables cleared (a cache inside
    the workspace they name is not used)."""
    return {"SUPERSPEC_CACHE_DIR": str(root / name / "enforce"), "WORKSPACE": "",
            "CI_PROJECT_DIR": ""}


def verdict(front: str, d: Path, env: dict[str, str], *layers: Path) -> tuple[int, bool, bool]:
    """(exit code, passed, answered from the cache) of the real command."""
    if front == "enforce":
        args = [a for layer in layers for a in ("--layers", str(layer))]
        proc = run_cli("enforce", "--branch", "main", "--format", "json", *args, cwd=d, env=env)
        assert "Traceback" not in proc.stderr, proc.stderr
        report = json.loads(proc.stdout)
        return proc.returncode, report["passed"], report["cached"]
    params = d.parent / "params" / "step-enforce.json"
    params.parent.mkdir(exist_ok=True)
    params.write_text(json.dumps({"contract": 1, "step": "enforce", "branch": "main",
                                  "layers": [str(layer) for layer in layers]}))
    proc = run_cli("step", "enforce", "--params-file", params, cwd=d, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    result = json.loads(params.with_name("step-enforce.result.json").read_text())
    assert result["exitCode"] == proc.returncode
    return proc.returncode, result["status"] == "passed", result["details"]["cached"]


FAILED, FAILED_CACHED, PASSED_CACHED = (1, False, False), (1, False, True), (0, True, True)


def entry_file(directory: Path) -> Path:
    found = [p for p in directory.iterdir() if re.fullmatch(r"[0-9a-f]{32}\.json", p.name)]
    assert len(found) == 1, found
    return found[0]


def key_of(directory: Path) -> bytes:
    """The cache's key (random for a cache without one: then no signature can count)."""
    key = directory.with_name(directory.name + ".key")
    return key.read_bytes() if key.exists() else os.urandom(32)


def sign(entry: dict[str, Any], secret: bytes, name: str) -> dict[str, Any]:
    """What a holder of ``secret`` can write: HMAC-SHA256 over format, file name and the
    canonical JSON of the entry without its mac."""
    body = {k: v for k, v in entry.items() if k != "mac"}
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    head = f"{body['format']}\n{name}\n".encode()
    return {**body, "mac": hmac.new(secret, head + payload, hashlib.sha256).hexdigest()}


def passing(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with its verdict turned into "passed"."""
    report = json.loads(json.dumps(entry["report"]))
    for rule in report["rules"]:
        rule.update(status="pass", violations=[], detail="")
    report.update(passed=True, counts={"pass": len(report["rules"]), "fail": 0, "skip": 0,
                                        "error": 0})
    return {**entry, "report": report, "failing": [], "rendered": {}}


def plant(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entry, sort_keys=True))


@pytest.fixture
def failing(project: Callable[..., Path], tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A project that truly fails (npm files present), with a genuine entry in the user cache:
    (project, env, cache dir)."""
    d = project(FAILING, tool="npm", fixture="npm/v3")
    env = user_cache(tmp_path)
    assert verdict("enforce", d, env) == FAILED
    assert verdict("enforce", d, env) == FAILED_CACHED  # genuine entries are answered
    return d, env, Path(env["SUPERSPEC_CACHE_DIR"])


def test_the_right_key_makes_an_entry_count(failing: tuple[Path, dict[str, str], Path],
                                            front: str) -> None:
    """The control for the cases below: their signing is the real one; the key must stay
    private, which is why it lives outside the workspace and must be 0600."""
    d, env, where = failing
    path = entry_file(where)
    plant(path, sign(passing(json.loads(path.read_text())), key_of(where), path.stem))
    assert verdict(front, d, env) == PASSED_CACHED


def test_a_hand_written_entry_in_the_workspace_is_not_read(
        project: Callable[..., Path], tmp_path: Path, front: str) -> None:
    """The old default location, <project>/.superspec/cache, is never looked at."""
    d = project(FAILING, tool="npm", fixture="npm/v3")
    probe = user_cache(tmp_path, "probe")
    verdict("enforce", d, probe)
    genuine = entry_file(Path(probe["SUPERSPEC_CACHE_DIR"]))
    forged = passing(json.loads(genuine.read_text()))
    forged["inputs"] = {}
    forged.pop("mac", None)
    plant(d / ".superspec" / "cache" / genuine.name, forged)
    home = tmp_path / "home"
    home.mkdir()
    env = {**user_cache(tmp_path), "HOME": str(home), "SUPERSPEC_CACHE_DIR": "",
           "XDG_CACHE_HOME": ""}
    assert verdict(front, d, env) == FAILED
    assert verdict(front, d, env) == FAILED_CACHED
    default = home / ".cache" / "superspec" / "enforce"
    assert stat.S_IMODE(default.stat().st_mode) == 0o700
    key = default.with_name("enforce.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    assert sorted(p.name for p in (d / ".superspec" / "cache").iterdir()) == [genuine.name]


@pytest.mark.parametrize("forge", ["no mac", "wrong mac", "zero key", "guessed key", "empty key"])
def test_a_forged_entry_in_the_cache_dir_is_a_miss(
        failing: tuple[Path, dict[str, str], Path], front: str, forge: str) -> None:
    d, env, where = failing
    path = entry_file(where)
    entry = passing(json.loads(path.read_text()))
    if forge == "no mac":
        entry.pop("mac", None)
    elif forge == "wrong mac":
        entry["mac"] = "0" * 64
    else:
        guess = {"zero key": bytes(32), "empty key": b"",
                 "guessed key": hashlib.sha256(b"superspec").digest()}[forge]
        entry = sign(entry, guess, path.stem)
    plant(path, entry)
    assert verdict(front, d, env) == FAILED


def test_an_entry_copied_from_another_cache_is_a_miss(
        failing: tuple[Path, dict[str, str], Path], front: str, tmp_path: Path) -> None:
    """Signed by another cache's key (another machine, a CI cache restored from elsewhere)."""
    d, env, where = failing
    other_env = user_cache(tmp_path / "elsewhere")
    assert verdict("enforce", d, other_env) == FAILED
    other = Path(other_env["SUPERSPEC_CACHE_DIR"])
    source = entry_file(other)
    forged = sign(passing(json.loads(source.read_text())), key_of(other), source.stem)
    plant(where / source.name, forged)
    assert verdict(front, d, env) == FAILED


@pytest.mark.parametrize("drop", ["all inputs", "the spec file", "package-lock.json",
                                  "package.json"])
def test_an_entry_missing_required_inputs_is_a_miss(
        failing: tuple[Path, dict[str, str], Path], front: str, drop: str) -> None:
    """Even signed with the right key (as a bug would write it): an entry must fingerprint
    every spec chain file and every ecosystem file the project has."""
    d, env, where = failing
    path = entry_file(where)
    entry = passing(json.loads(path.read_text()))
    real = os.path.realpath(d)
    if drop == "all inputs":
        entry["inputs"] = {}
    else:
        name = "superspec.yaml" if drop == "the spec file" else drop
        assert os.path.join(real, name) in entry["inputs"]
        del entry["inputs"][os.path.join(real, name)]
    plant(path, sign(entry, key_of(where), path.stem))
    assert verdict(front, d, env) == FAILED


def test_an_entry_for_another_spec_digest_is_a_miss(
        failing: tuple[Path, dict[str, str], Path], front: str) -> None:
    d, env, where = failing
    path = entry_file(where)
    entry = passing(json.loads(path.read_text()))
    entry["spec_digest"] = hashlib.sha256(b"another spec").hexdigest()
    plant(path, sign(entry, key_of(where), path.stem))
    assert verdict(front, d, env) == FAILED


@pytest.mark.parametrize("how", ["directly", "through a symlink", "in $WORKSPACE"])
def test_a_cache_dir_inside_the_project_is_not_used(
        project: Callable[..., Path], tmp_path: Path, front: str, how: str) -> None:
    """Even with a key file and entries signed by it: the team could have written them."""
    d = project(FAILING, tool="npm", fixture="npm/v3")
    probe = user_cache(tmp_path, "probe")
    verdict("enforce", d, probe)
    genuine = entry_file(Path(probe["SUPERSPEC_CACHE_DIR"]))
    env = user_cache(tmp_path)
    if how == "in $WORKSPACE":  # Jenkins' workspace around the project
        where = tmp_path / "ws-cache" / "enforce"
        env["WORKSPACE"] = str(tmp_path)
    else:
        where = d / ".superspec" / "cache"
    env["SUPERSPEC_CACHE_DIR"] = str(where)
    if how == "through a symlink":
        where.mkdir(parents=True)
        link = tmp_path / "cache-link"
        link.symlink_to(where)
        env["SUPERSPEC_CACHE_DIR"] = str(link)
    planted_key = os.urandom(32)
    key = Path(env["SUPERSPEC_CACHE_DIR"] + ".key")
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(planted_key)
    key.chmod(0o600)
    plant(where / genuine.name,
          sign(passing(json.loads(genuine.read_text())), planted_key, genuine.stem))
    assert verdict(front, d, env) == FAILED
    assert verdict(front, d, env) == FAILED  # nothing is stored there either
    assert sorted(p.name for p in where.iterdir()) == [genuine.name]
    assert key.read_bytes() == planted_key


@pytest.mark.parametrize("damage", ["key 0666", "key 0644", "key is a symlink", "short key",
                                    "cache dir 0777"])
def test_an_exposed_key_or_cache_dir_disables_the_cache(
        failing: tuple[Path, dict[str, str], Path], front: str, damage: str) -> None:
    """The entry is validly signed, but others could have read the key or written the entry."""
    d, env, where = failing
    path = entry_file(where)
    plant(path, sign(passing(json.loads(path.read_text())), key_of(where), path.stem))
    key = where.with_name(where.name + ".key")
    if damage == "key 0666":
        key.chmod(0o666)
    elif damage == "key 0644":
        key.chmod(0o644)
    elif damage == "key is a symlink":
        copy = where.parent / "elsewhere.key"
        shutil.copy2(key, copy)
        key.unlink()
        key.symlink_to(copy)
    elif damage == "short key":
        original = key.read_bytes()
        key.write_bytes(original[:16])
    else:
        where.chmod(0o777)
    assert verdict(front, d, env) == FAILED
    if damage == "short key":  # replaced by a fresh key, which the planted entry does not match
        fresh = key.read_bytes()
        assert len(fresh) == 32 and fresh != original
        assert verdict(front, d, env) == FAILED_CACHED  # the genuine entry, under the fresh key
    else:
        assert verdict(front, d, env) == FAILED


@pytest.mark.parametrize("corrupt", ["truncated", "binary", "a list", "deeply nested",
                                     "signed, wrong types"])
def test_a_corrupt_entry_is_a_miss_never_a_crash(
        failing: tuple[Path, dict[str, str], Path], front: str, corrupt: str) -> None:
    d, env, where = failing
    path = entry_file(where)
    raw = path.read_bytes()
    if corrupt == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif corrupt == "binary":
        path.write_bytes(b"\xff\xfe" + os.urandom(200))
    elif corrupt == "a list":
        path.write_text("[]")
    elif corrupt == "deeply nested":
        path.write_text("[" * 100_000)
    else:
        entry = {**passing(json.loads(raw)), "inputs": [1, 2], "chain": 5, "links": {},
                 "tools": [], "report": "passed"}
        plant(path, sign(entry, key_of(where), path.stem))
    assert verdict(front, d, env) == FAILED
    assert verdict(front, d, env) == FAILED_CACHED  # replaced by a genuine entry


def test_a_spec_edit_keeping_size_and_mtime_is_noticed(
        project: Callable[..., Path], tmp_path: Path, front: str) -> None:
    """The spec chain is compared by content, not by size, mtime and inode."""
    d = project({"requireFilesExist": {"files": ["superspec.yaml"]}}, tool="npm",
                fixture="npm/v3")
    env = user_cache(tmp_path)
    assert verdict(front, d, env) == (0, True, False)
    assert verdict(front, d, env) == PASSED_CACHED
    spec = d / "superspec.yaml"
    before = spec.stat()
    text = spec.read_text()
    spec.write_text(text.replace("superspec.yaml", "missing-a.yaml"))
    os.utime(spec, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert cache.stat_of(spec) == [before.st_size, before.st_mtime_ns, before.st_ino]
    assert verdict(front, d, env) == FAILED


def test_a_layer_appearing_earlier_in_the_search_is_noticed(
        project: Callable[..., Path], tmp_path: Path, front: str) -> None:
    """``extends: acme`` resolves in the first --layers directory holding acme: a new one there
    changes the chain although no recorded file changed."""
    d = project({"requireFilesExist": {"files": ["superspec.yaml"]}}, tool="npm",
                fixture="npm/v3")
    spec = yaml.safe_load((d / "superspec.yaml").read_text())
    (d / "superspec.yaml").write_text(yaml.safe_dump({**spec, "extends": "acme"}))
    first, second = tmp_path / "layers-1", tmp_path / "layers-2"
    company = {"superspec": 1, "kind": "company", "name": "acme"}
    (second / "acme").mkdir(parents=True)
    (second / "acme" / "superspec.yaml").write_text(yaml.safe_dump(company))
    env = user_cache(tmp_path)
    assert verdict(front, d, env, first, second) == (0, True, False)
    assert verdict(front, d, env, first, second) == PASSED_CACHED
    stricter = {**company, "enforce": {"rules": {"requireOS": {"family": "windows"}}}}
    (first / "acme").mkdir(parents=True)
    (first / "acme" / "superspec.yaml").write_text(yaml.safe_dump(stricter))
    assert verdict(front, d, env, first, second) == FAILED


def test_lookup_refuses_a_key_or_dir_owned_by_someone_else(
        failing: tuple[Path, dict[str, str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    d, env, where = failing
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("BRANCH_NAME", "CI_COMMIT_REF_NAME", "VIRTUAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    key = entry_file(where).stem
    spec = d / "superspec.yaml"
    assert cache.lookup(d, key, spec) is not None
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    assert cache.lookup(d, key, spec) is None
    assert cache.tools_file(d) is None


def test_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPERSPEC_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "superspec" / "enforce"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # invalid per the XDG spec: ignored
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "superspec" / "enforce"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "superspec" / "enforce"
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", "rel")
    assert cache.cache_dir() == Path.cwd() / "rel"


@pytest.mark.parametrize("pin", ["SUPERSPEC_ROOT", "--root"])
def test_a_pinned_root_is_checked_before_the_cache_answers(
        project: Callable[..., Path], tmp_path: Path, pin: str) -> None:
    """An entry made without a root does not answer a run that pins one: the chain must then end
    in that company layer, which only loading the spec checks."""
    d = project({"requireFilesExist": {"files": ["superspec.yaml"]}}, tool="npm",
                fixture="npm/v3")
    layers = tmp_path / "layers"
    (layers / "acme").mkdir(parents=True)
    (layers / "acme" / "superspec.yaml").write_text(
        yaml.safe_dump({"superspec": 1, "kind": "company", "name": "acme"}))
    env = user_cache(tmp_path)
    assert verdict("enforce", d, env, layers) == (0, True, False)
    assert verdict("enforce", d, env, layers) == PASSED_CACHED
    args = ["--root", "acme"] if pin == "--root" else []
    pinned = {**env, "SUPERSPEC_ROOT": "acme"} if pin == "SUPERSPEC_ROOT" else env
    proc = run_cli("enforce", "--branch", "main", "--layers", layers, *args, cwd=d, env=pinned)
    assert proc.returncode != 0 and "cached" not in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "acme" in proc.stderr
