"""`superspec package --env ...` on an unchanged spec: packaged from the compiled-spec cache's
plain data, before click is imported, with the same artifacts, output and errors as the full
CLI with --no-cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.package.fastpath import parse
from superspec.package.specdata import package_facts
from superspec.spec import load_spec
from tests.package.conftest import LAYERS, spec_args

# the console script (superspec.cli.entry), reporting what the process imported
PROBE = """
import json, sys
from superspec.cli.entry import main
try:
    main()
finally:
    seen = sorted({m.split(".")[0] for m in sys.modules}
                  & {"pydantic", "yaml", "click", "typing", "dataclasses"})
    models = "superspec.spec.models" in sys.modules
    sys.stderr.write("PROBE " + json.dumps({"heavy": seen, "models": models}) + "\\n")
"""


def _env(cache: Path) -> dict[str, str]:
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(cache), "DB_PASSWORD": "s3cret"}
    for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT",
                 "SOURCE_DATE_EPOCH"):
        env.pop(name, None)
    return env


def _run(project: Path, cache: Path, *argv: str) -> tuple[int, str, str, dict[str, object]]:
    """(exit code, stdout, stderr without the probe line, what was imported)."""
    proc = subprocess.run([sys.executable, "-c", PROBE, "package", *argv],
                          capture_output=True, text=True, env=_env(cache), cwd=project,
                          timeout=120)
    lines = proc.stderr.splitlines(keepends=True)
    probe = json.loads(lines[-1][len("PROBE "):])
    return proc.returncode, proc.stdout, "".join(lines[:-1]), probe


def _age(project: Path) -> None:
    """Chain files written well before the first load (a fresh file is not stored)."""
    past = os.stat(project / "superspec.yaml").st_mtime - 60
    for path in project.rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "user-cache" / "enforce"


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_a_hit_packages_without_pydantic_and_as_the_full_cli_does(
        project: Path, cache: Path, tmp_path: Path, output_format: str) -> None:
    _age(project)
    out = tmp_path / "out"
    argv = [*spec_args(project), "--env", "prod", "--env", "test", "--out", str(out),
            "--format", output_format]
    first = _run(project, cache, *argv)  # a miss: the full CLI loads and stores the spec
    assert first[0] == 0, first
    assert "pydantic" in first[3]["heavy"]  # the probe sees imports
    hit = _run(project, cache, *argv)
    assert hit[0] == 0, hit
    assert hit[3] == {"heavy": [], "models": False}
    from_cache = _outputs(out)
    shutil.rmtree(out)
    full = _run(project, cache, *argv, "--no-cache")
    assert full[0] == 0
    assert "click" in full[3]["heavy"] and full[3]["models"]
    assert (hit[1], hit[2]) == (full[1], full[2])
    assert _outputs(out) == from_cache
    assert set(from_cache) == {"payments-api-prod.jar", "payments-api-test.jar",
                               "payments-api-prod.jar.superspec-package.json",
                               "payments-api-test.jar.superspec-package.json"}


def test_a_spec_without_templates_is_packaged_without_jinja2(project: Path, cache: Path,
                                                             tmp_path: Path) -> None:
    spec = project / "superspec.yaml"
    text = spec.read_text()
    start = text.index("  files:")
    end = text.index("  values:")
    spec.write_text(text[:start] + text[end:])
    _age(project)
    out = tmp_path / "p.jar"
    probe = PROBE.replace('"click"}', '"click", "jinja2"}')
    argv = [sys.executable, "-c", probe, "package", *spec_args(project), "--env", "prod",
            "--out", str(out)]
    subprocess.run(argv, capture_output=True, env=_env(cache), cwd=project, check=True)
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(cache), cwd=project,
                          check=True)
    assert 'PROBE {"heavy": [], "models": false}' in proc.stderr
    assert "[]" in proc.stdout  # nothing rendered: the manifest is the one change


@pytest.mark.parametrize("argv", [
    ["--env", "nowhere"],  # a usage error (exit 2)
    ["--env", "prod", "--artifact", "missing.jar"],  # an input error (exit 1)
    ["--env", "prod", "--version", "1.0", "--out", "target/payments-api.jar"],  # over the base
])
def test_errors_are_reported_as_the_full_cli_reports_them(project: Path, cache: Path,
                                                          argv: list[str]) -> None:
    _age(project)
    _run(project, cache, *spec_args(project), "--env", "prod")  # store the spec
    code, out, err, probe = _run(project, cache, *spec_args(project), *argv)
    assert code != 0 and err.startswith("error: ")
    assert "click" not in probe["heavy"]
    assert (code, out, err) == _run(project, cache, *spec_args(project), *argv, "--no-cache")[:3]


def test_a_template_error_is_located_as_the_full_cli_locates_it(project: Path,
                                                                cache: Path) -> None:
    _age(project)
    _run(project, cache, *spec_args(project), "--env", "prod")
    (project / "config" / "application.properties.j2").write_text("x={{ nope }}\n")
    fast = _run(project, cache, *spec_args(project), "--env", "prod")
    assert fast[0] == 1 and "undefined name in template" in fast[2]
    assert fast[:3] == _run(project, cache, *spec_args(project), "--env", "prod", "--no-cache")[:3]


@pytest.mark.parametrize("argv", [
    ["package"],  # no --env: the CLI says what is missing
    ["package", "--all-envs"],
    ["package", "--env", "prod", "--no-cache"],
    ["package", "--env", "prod", "--image", "r/app:1"],
    ["package", "verify", "a.jar", "b.jar"],
    ["package", "--help"],
    ["package", "--env"],
    ["package", "--env", "prod", "--format", "yaml"],
    # a path click's Path type refuses (--layers takes directories): click reports it
    ["package", "--env", "prod", "--layers", str(LAYERS / "acme" / "superspec.yaml")],
    ["validate", "--env", "prod"],
])
def test_anything_else_is_left_to_the_full_cli(argv: list[str]) -> None:
    assert parse(argv) is None


def test_the_options_are_read_as_click_reads_them() -> None:
    assert parse(["package", "--env=prod", "--env", "test", "--spec", "a.yaml", "--spec=b.yaml",
                  "--layers", "x", "--layers=y", "--root", "acme", "--artifact", "a.jar",
                  "--out", "dist", "--version", "1.2", "--format", "json"]) == {
        "spec": "b.yaml", "layers": ["x", "y"], "root": "acme", "envs": ["prod", "test"],
        "artifact": "a.jar", "out": "dist", "version": "1.2", "output_format": "json"}


def test_the_cached_package_data_equals_the_models(project: Path, cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(cache))
    _age(project)
    full = load_spec(project / "superspec.yaml", [LAYERS])
    hit = load_spec(project / "superspec.yaml", [LAYERS])
    assert hit.cached
    assert hit.facts["package"] == package_facts(full.model)
    assert hit.facts["package"]["environments"]["prod"]["class"] == "production"
