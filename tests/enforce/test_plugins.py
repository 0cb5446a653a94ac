"""Company rules as plugins: the example package in tests/enforce_plugin_example is built into a
wheel, installed by pip into a target directory on PYTHONPATH, and discovered by the installed
``superspec`` through the ``superspec.rules`` entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.enforce.helpers import ROOT, run_cli, wheel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLE = ROOT / "tests" / "enforce_plugin_example"
FROM = "from acme-enforce-rules 1.0.0"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("plugin")
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    entry_points = "[superspec.rules]\n" + "".join(
        f"{name} = {value}\n" for name, value in meta["entry-points"]["superspec.rules"].items())
    files = {f"acme_enforce_rules/{p.name}": p.read_text()
             for p in sorted((EXAMPLE / "acme_enforce_rules").glob("*.py"))}
    built = wheel(work, meta["name"], meta["version"], files, entry_points=entry_points)
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), str(built)],
                   check=True, capture_output=True, text=True)
    return target


def _run(d: Path, plugin_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("enforce", "--no-cache", *args, cwd=d, env={"PYTHONPATH": str(plugin_path)})


def test_company_rule_runs(project: Callable[..., Path], plugin_path: Path) -> None:
    d = project({"requireCodeowners": {"owners": ["@acme/payments"]}})
    proc = _run(d, plugin_path, "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["rules"] == [
        {"id": "requireCodeowners", "level": "error", "status": "fail", "detail": "",
         "violations": [{"rule": "requireCodeowners", "level": "error", "trail": None,
                         "message": "CODEOWNERS is missing"}]}]
    (d / "CODEOWNERS").write_text("* @acme/payments @alice\n")
    proc = _run(d, plugin_path, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rules"][0]["status"] == "pass"


def test_a_company_rule_beside_built_ins_is_validated_by_its_model_on_every_run(
        project: Callable[..., Path], plugin_path: Path, tmp_path: Path) -> None:
    """Its options model is not plain: the rules memo holds no options, so every run validates
    (the rule gets its model) and the built-in rules' verdicts are those of a --no-cache run."""
    d = project({"requireCodeowners": {"owners": ["@acme/payments"]},
                 "requireFilesExist": {"files": ["CODEOWNERS"]}})
    env = {"PYTHONPATH": str(plugin_path),
           "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    verdicts = []
    for content in ("* @alice\n", "* @acme/payments\n"):
        (d / "CODEOWNERS").write_text(content)
        cached = run_cli("enforce", "--format", "json", cwd=d, env=env)
        fresh = run_cli("enforce", "--format", "json", "--no-cache", cwd=d, env=env)
        assert (cached.returncode, cached.stdout) == (fresh.returncode, fresh.stdout)
        verdicts.append([r["status"] for r in json.loads(cached.stdout)["rules"]])
    assert verdicts == [["fail", "pass"], ["pass", "pass"]]
    spec = d / "superspec.yaml"
    spec.write_text(spec.read_text().replace("    owners:", "    owner:"))
    proc = run_cli("enforce", cwd=d, env=env)
    assert proc.returncode == 1 and "unknown option 'owner' for rule requireCodeowners" \
        in proc.stderr


def test_plugin_options_are_validated(project: Callable[..., Path], plugin_path: Path) -> None:
    d = project({"requireCodeowners": {"owner": ["@acme"]}})
    proc = _run(d, plugin_path)
    assert proc.stderr.splitlines() == [
        "error: superspec.yaml:11 [project demo] enforce.rules.requireCodeowners.owners: rule "
        "requireCodeowners: Field required",
        "error: superspec.yaml:12 [project demo] enforce.rules.requireCodeowners.owner: unknown "
        "option 'owner' for rule requireCodeowners; did you mean 'owners'?"]


def test_plugin_that_fails_to_load_is_named(project: Callable[..., Path],
                                           plugin_path: Path) -> None:
    d = project({"acmeBrokenImport": {}})
    proc = _run(d, plugin_path)
    assert proc.returncode == 1
    assert proc.stderr == (
        "error: superspec.yaml:11 [project demo] enforce.rules.acmeBrokenImport: rule plugin "
        f"'acmeBrokenImport' (acme_enforce_rules.broken:Broken {FROM}) failed to load: "
        "ModuleNotFoundError: No module named 'acme_internal_sdk'\n")


def test_plugin_that_raises_is_named(project: Callable[..., Path], plugin_path: Path) -> None:
    d = project({"acmeExplodingRule": {"level": "warn"}, "requireOS": {"family": "unix"}})
    proc = _run(d, plugin_path, "--format", "json")
    assert proc.returncode == 1  # an error result fails the run whatever the level
    rules = json.loads(proc.stdout)["rules"]
    assert rules[0] == {
        "id": "acmeExplodingRule", "level": "warn", "status": "error", "violations": [],
        "detail": f"rule plugin 'acmeExplodingRule' (acme_enforce_rules.codeowners:Exploding "
                  f"{FROM}) raised ZeroDivisionError: division by zero"}
    assert rules[1]["status"] == "pass"
    assert "Traceback" not in proc.stderr


def test_a_rule_id_registered_twice_is_an_error(project: Callable[..., Path], plugin_path: Path,
                                               tmp_path: Path) -> None:
    other = wheel(tmp_path, "other-rules", "0.1", {"other_rules.py": "class X:\n    pass\n"},
                  entry_points="[superspec.rules]\nrequireCodeowners = other_rules:X\n")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), str(other)],
                   check=True, capture_output=True, text=True)
    d = project({"requireCodeowners": {"owners": ["@acme"]}})
    proc = run_cli("enforce", cwd=d, env={"PYTHONPATH": f"{plugin_path}:{target}"})
    assert proc.returncode == 1
    assert proc.stderr == (
        "error: superspec.yaml:11 [project demo] enforce.rules.requireCodeowners: rule "
        "'requireCodeowners' is registered more than once: acme_enforce_rules.codeowners:"
        f"RequireCodeowners {FROM} and other_rules:X from other-rules 0.1\n")
