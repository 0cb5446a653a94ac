"""The compiled-spec cache (superspec.spec.compiled): an unchanged chain loads from a signed
entry, equal to a full load; every input that changes a result changes the answer; a corrupt,
truncated or forged entry is a miss; a hit imports neither YAML nor pydantic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import superspec
from superspec.errors import SpecError
from superspec.spec import compiled
from superspec.spec.effective import load_spec
from tests.helpers import run_cli, write
from tests.spec.conftest import Tree

COMPANY = """\
pipeline:
  stages:
    build: {}
    enforce: {after: build}
environments:
  prod: {class: production, approval: {required: true}}
enforce:
  rules:
    requireOS: {family: unix}
locked: [environments.prod.approval]
"""
STAGES = "pipeline: {stages: {build: {}}}\n"
DEPARTMENT = "build: {tool: maven}\n"
PROJECT = 'app: {version: "1.0"}\n'


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory for the test (outside the projects), no bypass."""
    where = tmp_path / "user-cache" / "enforce"
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(where))
    for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT", "WORKSPACE",
                 "CI_PROJECT_DIR"):
        monkeypatch.delenv(name, raising=False)
    compiled.bypass(False)
    return where


def age(*paths: Path) -> None:
    """Date files 10 s back: a file written just before a load is never stored (it may have
    changed while it was read)."""
    past = time.time() - 10
    for path in paths:
        os.utime(path, (past, past))


def chain(tree: Tree) -> Path:
    files = [tree.company(COMPANY), tree.department(DEPARTMENT), tree.project(PROJECT)]
    age(*files)
    return files[-1]


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("compiled-*")) if cache.is_dir() else []


def test_an_unchanged_chain_is_answered_from_the_cache_equal_to_a_full_load(
        tree: Tree, cache: Path) -> None:
    spec = chain(tree)
    full = load_spec(spec)
    assert not full.cached and len(entries(cache)) == 1
    hit = load_spec(spec)
    assert hit.cached
    assert hit._model is None and hit._layers is None  # nothing rebuilt yet
    assert hit.path == full.path
    assert hit.data == full.data
    assert hit.model.model_dump() == full.model.model_dump()
    assert hit._layers is None and hit._merged is None  # the model came from the data alone
    assert hit.digest == full.digest
    assert hit.facts == full.facts
    assert hit.layer_paths == full.layer_paths
    assert hit.layer_files == full.layer_files
    assert [(lk.path, lk.origin) for lk in hit.locks] == [(lk.path, lk.origin) for lk in full.locks]
    for key in ("build.tool", "environments.prod.approval.required", "app.version"):
        assert hit.origin(key) == full.origin(key)
        assert hit.locate(key) == full.locate(key)
    assert hit.model.model_dump() == full.model.model_dump()


def test_provenance_names_files_relative_to_the_current_directory(
        tree: Tree, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = chain(tree).resolve()
    load_spec(spec)
    monkeypatch.chdir(tmp_path / "acme")
    hit = load_spec(spec)
    assert hit.cached
    assert hit.origin("build.tool") is not None
    assert hit.origin("build.tool").file == "payments/superspec.yaml"  # type: ignore[union-attr]
    assert hit.layer_files[-1] == str(spec)


@pytest.mark.parametrize("layer", ["company", "department", "project"])
def test_a_change_to_any_layer_file_is_a_miss(tree: Tree, cache: Path, layer: str) -> None:
    spec = chain(tree)
    assert load_spec(spec).data["app"]["version"] == "1.0"
    assert load_spec(spec).cached
    edits: dict[str, tuple[Callable[[str], Path], str]] = {
        "company": (tree.company, COMPANY + "app: {port: 8080}\n"),
        "department": (tree.department, DEPARTMENT + "app: {port: 8080}\n"),
        "project": (tree.project, PROJECT.replace("{version: \"1.0\"}",
                                                  "{version: \"1.0\", port: 8080}")),
    }
    write_layer, body = edits[layer]
    age(write_layer(body))
    again = load_spec(spec)
    assert not again.cached
    assert again.data["app"]["port"] == 8080
    assert load_spec(spec).cached  # stored again


def test_a_layer_touched_without_a_change_is_still_a_hit(tree: Tree, cache: Path) -> None:
    spec = chain(tree)
    load_spec(spec)
    os.utime(tree.root / "acme/superspec.yaml")  # mtime now, content unchanged
    assert load_spec(spec).cached


def test_a_shared_layer_is_hashed_once_per_process_and_an_edit_is_still_seen(
        tree: Tree, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet's projects share their upper layers: a lookup re-hashes a chain file only when
    its identity (inode, size, mtime, ctime) changed. An edit of the same size, in place,
    moments later, is a miss all the same."""
    spec = chain(tree)
    time.sleep(2 * compiled.RACY_NS / 1e9)  # older than the clock's granularity
    load_spec(spec)
    assert load_spec(spec).cached
    hashed: list[str] = []
    real_digest = compiled.file_digest
    monkeypatch.setattr(compiled, "file_digest",
                        lambda path: hashed.append(path) or real_digest(path))
    assert load_spec(spec).cached
    assert hashed == []  # every chain file known by its identity
    department = tree.root / "acme/payments/superspec.yaml"
    text = department.read_text()
    department.write_text(text.replace("{tool: maven}", "{tool: npm}  "))  # in place
    assert department.stat().st_size == len(text)
    again = load_spec(spec)
    assert not again.cached
    assert again.data["build"]["tool"] == "npm"
    assert str(department.resolve()) in hashed


def test_an_invalid_edit_is_reported_not_answered_from_the_cache(
        tree: Tree, cache: Path) -> None:
    spec = chain(tree)
    load_spec(spec)
    age(tree.project("environments: {prod: {approval: {required: false}}}\n"))
    with pytest.raises(SpecError, match="locked by company acme"):
        load_spec(spec)
    with pytest.raises(SpecError, match="locked by company acme"):
        load_spec(spec)  # errors are never stored


def test_another_superspec_version_is_a_miss(tree: Tree, cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    spec = chain(tree)
    load_spec(spec)
    assert load_spec(spec).cached
    monkeypatch.setattr(superspec, "__version__", superspec.__version__ + ".post1")
    assert not load_spec(spec).cached
    assert load_spec(spec).cached


def test_changed_superspec_code_is_a_miss(tree: Tree, cache: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A module recorded in the entry's code stamp that changed (an upgrade in place, an edit
    of a development install) makes the entry stale."""
    spec = chain(tree)
    module = write(tmp_path / "stamp/superspec_stamp_probe.py", "X = 1\n")
    fake = type(sys)("superspec.stamp_probe")
    fake.__file__ = str(module)
    monkeypatch.setitem(sys.modules, "superspec.stamp_probe", fake)
    load_spec(spec)
    assert load_spec(spec).cached
    compiled._verified_code.clear()
    module.write_text("X = 2  # changed\n")
    assert not load_spec(spec).cached


def test_layer_directories_and_the_root_are_part_of_the_key(tree: Tree, cache: Path,
                                                            tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    company = write(layers / "acme/superspec.yaml",
                    "superspec: 1\nkind: company\nname: acme\nbuild: {tool: npm}\n" + STAGES)
    spec = write(tmp_path / "svc/superspec.yaml",
                 "superspec: 1\nkind: project\nname: svc\nextends: acme\n")
    age(company, spec)
    assert load_spec(spec, [layers]).data["build"]["tool"] == "npm"
    assert load_spec(spec, [layers]).cached
    assert not load_spec(spec, [layers], root="acme").cached  # another root: another entry
    assert load_spec(spec, [layers], root="acme").cached
    # an earlier layer directory gaining the layer changes the chain
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    assert not load_spec(spec, [earlier, layers]).cached
    assert load_spec(spec, [earlier, layers]).cached
    other = write(earlier / "acme/superspec.yaml",
                  "superspec: 1\nkind: company\nname: acme\nbuild: {tool: python}\n" + STAGES)
    age(other)
    again = load_spec(spec, [earlier, layers])
    assert not again.cached
    assert again.data["build"]["tool"] == "python"
    # a pinned root that is not there is refused on every load
    for _ in range(2):
        with pytest.raises(SpecError, match="the root layer 'nope'"):
            load_spec(spec, [layers], root="nope")


def test_an_earlier_layer_directory_gaining_a_loop_where_the_layer_was_searched_is_a_miss(
        tree: Tree, cache: Path, tmp_path: Path) -> None:
    """The search by name stops at a loop (an error); the cache must not answer past it."""
    layers, earlier = tmp_path / "layers", tmp_path / "earlier"
    company = write(layers / "acme/superspec.yaml",
                    "superspec: 1\nkind: company\nname: acme\nbuild: {tool: npm}\n" + STAGES)
    spec = write(tmp_path / "svc/superspec.yaml",
                 "superspec: 1\nkind: project\nname: svc\nextends: acme\n")
    age(company, spec)
    (earlier / "acme").mkdir(parents=True)
    load_spec(spec, [earlier, layers])
    assert load_spec(spec, [earlier, layers]).cached
    (earlier / "acme/superspec.yaml").symlink_to("superspec.yaml")
    for _ in range(2):
        with pytest.raises(SpecError, match="is a symlink loop"):
            load_spec(spec, [earlier, layers])


def test_relative_layer_directories_are_taken_from_the_current_directory(
        tree: Tree, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for where, tool in (("one", "npm"), ("two", "python")):
        age(write(tmp_path / where / "layers/acme/superspec.yaml",
                  f"superspec: 1\nkind: company\nname: acme\nbuild: {{tool: {tool}}}\n" + STAGES))
    spec = write(tmp_path / "svc/superspec.yaml",
                 "superspec: 1\nkind: project\nname: svc\nextends: acme\n")
    age(spec)
    monkeypatch.chdir(tmp_path / "one")
    assert load_spec(spec.resolve(), [Path("layers")]).data["build"]["tool"] == "npm"
    monkeypatch.chdir(tmp_path / "two")
    found = load_spec(spec.resolve(), [Path("layers")])
    assert found.data["build"]["tool"] == "python"


def test_the_project_directory_is_not_an_input(tree: Tree, cache: Path) -> None:
    """check_usable takes the project directory only to name it in an error: files there do not
    change a valid result, and a spec the check refuses is refused on every load."""
    spec = chain(tree)
    load_spec(spec)
    write(spec.parent / "config/app.properties.j2", "x=1\n")
    assert load_spec(spec).cached
    age(tree.project(PROJECT + "package:\n  files: [{template: ../outside.j2, path: a}]\n"))
    for _ in range(2):
        with pytest.raises(SpecError, match="must be a path inside the project directory"):
            load_spec(spec)


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["flipped", "truncated", "empty", "forged", "renamed"])
def test_a_damaged_or_forged_entry_is_a_miss(tree: Tree, cache: Path, damage: str) -> None:
    spec = chain(tree)
    full = load_spec(spec)
    (entry,) = entries(cache)
    if damage == "flipped":
        _flip_last_byte(entry)
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:100])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "forged":  # a well-formed entry signed with another key
        from superspec import cachefiles

        payload = entry.read_bytes()[cachefiles.MAC_BYTES:]
        forged = bytearray(payload)
        entry.write_bytes(cachefiles.mac(b"k" * 32, compiled.FORMAT, entry.name, payload)
                          + bytes(forged))
    else:  # a genuine entry of another spec put under this spec's name
        other = write(tree.root / "other/superspec.yaml",
                      "superspec: 1\nkind: project\nname: other\nbuild: {tool: npm}\n" + STAGES)
        age(other)
        load_spec(other)
        (other_entry,) = [e for e in entries(cache) if e != entry]
        entry.write_bytes(other_entry.read_bytes())
    again = load_spec(spec)
    assert not again.cached
    assert again.digest == full.digest
    assert load_spec(spec).cached  # rewritten


def test_an_exposed_key_disables_the_cache(tree: Tree, cache: Path) -> None:
    spec = chain(tree)
    load_spec(spec)
    key = cache.with_name(cache.name + ".key")
    key.chmod(0o644)
    assert not load_spec(spec).cached


def test_values_the_cache_cannot_hold_are_loaded_in_full(tree: Tree, cache: Path) -> None:
    spec = chain(tree)
    age(tree.project(PROJECT + "enforce:\n  rules:\n    requireOS: {family: unix, "
                                "since: 2024-01-01}\n"))
    assert not load_spec(spec).cached
    assert not load_spec(spec).cached
    assert entries(cache) == []


def test_no_cache_option_and_environment_bypass_the_cache(
        tree: Tree, cache: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    spec = chain(tree)
    assert run_cli(capsys, "validate", "--spec", str(spec), "--no-cache").code == 0
    assert entries(cache) == []
    assert not compiled.disabled()  # the bypass ends with the command
    monkeypatch.setenv("SUPERSPEC_NO_SPEC_CACHE", "1")
    assert run_cli(capsys, "validate", "--spec", str(spec)).code == 0
    assert entries(cache) == []
    monkeypatch.delenv("SUPERSPEC_NO_SPEC_CACHE")
    assert run_cli(capsys, "validate", "--spec", str(spec)).code == 0
    assert len(entries(cache)) == 1
    assert not load_spec(spec, use_cache=False).cached


def test_explain_from_the_cache_equals_explain_from_the_files(
        tree: Tree, cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = chain(tree)
    first = run_cli(capsys, "explain", "--spec", str(spec), "--format", "json")
    assert len(entries(cache)) == 1
    second = run_cli(capsys, "explain", "--spec", str(spec), "--format", "json")
    uncached = run_cli(capsys, "explain", "--spec", str(spec), "--format", "json", "--no-cache")
    assert first.code == second.code == uncached.code == 0
    assert json.loads(first.out) == json.loads(second.out) == json.loads(uncached.out)


def test_the_light_twins_agree_with_the_spec_core(monkeypatch: pytest.MonkeyPatch) -> None:
    from superspec.errors import UsageError
    from superspec.spec.layers import layer_dirs_from, looks_like_path
    from superspec.spec.root import root_from

    monkeypatch.setenv("SUPERSPEC_LAYERS", os.pathsep.join(["a", "", "b/c"]))
    assert compiled.search_dirs(["x", Path("y")]) == layer_dirs_from(["x", Path("y")])
    for ref in ("acme", "acme/payments", "./a.yaml", "../x", "/abs", "x.yml", "a.yaml/b"):
        assert compiled.looks_like_path(ref) == looks_like_path(ref)
    for pinned in (None, "acme", "bad name"):
        for requested in (None, "acme", "other", "../x"):
            if pinned is None:
                monkeypatch.delenv("SUPERSPEC_ROOT", raising=False)
            else:
                monkeypatch.setenv("SUPERSPEC_ROOT", pinned)
            try:
                expected: object = root_from(requested)
            except UsageError as exc:
                expected = str(exc)
            try:
                got: object = compiled.pinned_root(requested)
            except UsageError as exc:
                got = str(exc)
            assert got == expected, (pinned, requested)


ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples/projects/payments-api/superspec.yaml"
HEAVY = ("pydantic", "pydantic_core", "yaml", "rich", "jinja2", "docker")
PROBE = """
import json, sys
HEAVY = set(json.loads(sys.argv.pop(1)))
from superspec.cli.main import cli
try:
    cli.main(args=sys.argv[1:], prog_name="superspec", standalone_mode=False)
finally:
    heavy = sorted({m.split(".")[0] for m in sys.modules} & HEAVY)
    models = "superspec.spec.models" in sys.modules
    sys.stderr.write("\\nPROBE " + json.dumps({"heavy": heavy, "models": models}) + "\\n")
"""


def _probe(tmp_path: Path, *argv: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY), *argv],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("PROBE "))
    return proc, json.loads(line[len("PROBE "):])


def test_validate_on_a_hit_imports_neither_yaml_nor_pydantic(tmp_path: Path) -> None:
    argv = ("validate", "--spec", str(EXAMPLE), "--layers", str(ROOT / "examples/layers"))
    first, cold = _probe(tmp_path, *argv)
    assert "ok: " in first.stdout
    assert "pydantic" in cold["heavy"] and "yaml" in cold["heavy"]  # the probe sees imports
    second, warm = _probe(tmp_path, *argv)
    assert second.stdout == first.stdout
    assert warm == {"heavy": [], "models": False}


def test_enforce_with_an_unchanged_spec_never_builds_the_spec_model(tmp_path: Path) -> None:
    """A result-cache miss still runs the rules (their options are pydantic models), but the
    spec comes from the compiled cache: no YAML, no spec model."""
    project = tmp_path / "p"
    project.mkdir()
    (project / "superspec.yaml").write_text(
        "superspec: 1\nkind: project\nname: p\nbuild: {tool: npm}\n"
        "pipeline: {stages: {enforce: {}}}\n"
        "enforce: {rules: {requireFilesExist: {files: [superspec.yaml]}}}\n")
    age(project / "superspec.yaml")
    argv = ("enforce", "--spec", str(project / "superspec.yaml"), "--branch", "main")
    _probe(tmp_path, *argv)
    (project / "package.json").write_text("{}")  # a new ecosystem file: the result is stale
    proc, seen = _probe(tmp_path, *argv)
    assert "requireFilesExist" in proc.stdout and "cached" not in proc.stdout
    assert "yaml" not in seen["heavy"] and not seen["models"]


def test_the_code_stamp_covers_the_extra_modules_named_and_refuses_one_it_cannot_stamp(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import types

    from superspec.spec import compiled

    plugin = tmp_path / "acme_rules.py"
    plugin.write_text("X = 1\n")
    module = types.ModuleType("acme_rules")
    module.__file__ = str(plugin)
    monkeypatch.setitem(sys.modules, "acme_rules", module)
    files = [where for where, _size, _mtime in compiled.code_stamp(["acme_rules"])]
    assert str(plugin) in files
    assert str(plugin) not in [where for where, _size, _mtime in compiled.code_stamp()]
    plugin.unlink()  # loaded, but its file is gone: no stamp can say it is unchanged
    with pytest.raises(OSError):
        compiled.code_stamp(["acme_rules"])
