"""validate, explain, schema and init through the real CLI and its error boundary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.helpers import run_cli, write

PAYMENTS = EXAMPLES / "projects/payments-api/superspec.yaml"
LAYERS = str(EXAMPLES / "layers")
ACME = EXAMPLES / "layers/acme/superspec.yaml"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("SUPERSPEC_LAYERS", raising=False)


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("project", ["payments-api", "ledger", "storefront"])
def test_every_example_validates(capsys: pytest.CaptureFixture[str], project: str) -> None:
    spec = f"examples/projects/{project}/superspec.yaml"
    result = run_cli(capsys, "validate", "--spec", spec, "--layers", LAYERS, "--format", "json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert payload["valid"] is True
    assert payload["chain"][0] == spec
    assert payload["chain"][-1] == "examples/layers/acme/superspec.yaml"


def test_explain_json_gives_value_and_origin(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "explain", "environments.prod.approval.required", "--format", "json",
                     "--spec", str(PAYMENTS), "--layers", LAYERS)
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "path": "environments.prod.approval.required",
        "value": True,
        "origin": {"file": "examples/layers/acme/superspec.yaml",
                   "line": _line_of(ACME, "approval: {required: true"),
                   "layer": "company", "name": "acme"},
        "default": False,
    }


def test_explain_text_shows_each_leaf_with_its_layer(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "explain", "branching", "--spec", str(PAYMENTS), "--layers", LAYERS)
    department = "examples/layers/acme/payments/superspec.yaml"
    line = _line_of(EXAMPLES / "layers/acme/payments/superspec.yaml", "strategy: gitflow")
    assert result.out.splitlines()[0] == (
        f'branching.strategy = "gitflow"    (department payments: {department}:{line})')
    assert len(result.out.splitlines()) == 4


def test_explain_marks_format_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "explain", "environments.dev.isolated", "--spec", str(PAYMENTS),
                     "--layers", LAYERS)
    assert result.out == "environments.dev.isolated = false    (default)\n"


def test_explain_unknown_path_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "explain", "environments.prod.aproval", "--spec", str(PAYMENTS),
                     "--layers", LAYERS)
    assert result.code == 1
    assert result.err == (
        "error: 'environments.prod.aproval' has no effective value; did you mean "
        "'environments.prod.approval'? (no layer sets 'environments.prod.aproval'; chain: "
        "examples/projects/payments-api/superspec.yaml -> examples/layers/acme/payments/"
        "superspec.yaml -> examples/layers/acme/superspec.yaml)\n")


def test_validate_failure_exits_1_with_located_lines(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    spec = write(tmp_path / "superspec.yaml", """
        superspec: 1
        kind: project
        name: api
        build: {tool: maven, imag: x}
        pipeline: {stages: {build: {}}}
    """)
    result = run_cli(capsys, "validate", "--spec", str(spec))
    assert result.code == 1
    assert result.out == ""
    assert result.err == (f"error: {spec}:4 [project api] build.imag: unknown key 'imag'; "
                          "did you mean 'image'?\n")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "validate", "--no-such-option")
    assert result.code == 2
    assert result.err.endswith("Error: No such option '--no-such-option'.\n")


def test_schema_validates_every_example_layer(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "superspec.schema.json"
    assert run_cli(capsys, "schema", "--out", str(schema)).code == 0
    files = sorted(str(p) for p in EXAMPLES.rglob("superspec.yaml"))
    checker = Path(sys.executable).parent / "check-jsonschema"
    ok = subprocess.run([checker, "--schemafile", schema, *files], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = write(tmp_path / "bad.yaml", "superspec: 1\nkind: project\nname: x\napp: {prot: 1}\n")
    refused = subprocess.run([checker, "--schemafile", schema, bad], capture_output=True,
                             text=True)
    assert refused.returncode == 1
    assert "'prot' was unexpected" in refused.stdout


@pytest.mark.parametrize(
    ("marker", "tool"),
    [("pom.xml", "maven"), ("build.gradle", "gradle"), ("pyproject.toml", "python"),
     ("package.json", "npm"), ("go.mod", "go"), (None, "custom")],
)
def test_init_detects_the_build_tool_and_writes_a_valid_spec(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, marker: str | None, tool: str) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    if marker:
        (project / marker).write_text("")
    spec = project / "superspec.yaml"
    result = run_cli(capsys, "init", "--spec", str(spec))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == (
        f"wrote {spec}: build.tool {tool}" + (f" (found {marker})" if marker else ""))
    assert run_cli(capsys, "validate", "--spec", str(spec)).code == 0
    again = run_cli(capsys, "init", "--spec", str(spec))
    assert (again.code, again.err) == (1, f"error: {spec} already exists; pass --force to "
                                          "overwrite it\n")


def test_init_with_extends_validates_against_the_examples(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    spec = tmp_path / "svc/superspec.yaml"
    spec.parent.mkdir()
    (spec.parent / "pom.xml").write_text("")
    assert run_cli(capsys, "init", "--spec", str(spec), "--extends", "acme/payments",
                   "--layers", LAYERS, "--name", 'odd "name": #1').code == 0
    result = run_cli(capsys, "explain", "name", "--spec", str(spec), "--layers", LAYERS)
    assert result.out.startswith('name = "odd-name-1"')  # a name must suit locks and jobs
    assert run_cli(capsys, "validate", "--spec", str(spec), "--layers", LAYERS).code == 0


def test_internal_errors_exit_3_with_a_log(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import superspec.spec.effective as effective

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(effective, "load_chain", boom)
    result = run_cli(capsys, "validate", "--spec", str(PAYMENTS))
    assert result.code == 3
    first, log = result.err.split(" (details: ")
    assert first == "internal error: RuntimeError: kaboom"
    log_path = Path(log.rstrip(")\n"))
    assert "Traceback" in log_path.read_text()
    log_path.unlink()


def test_validate_checks_enforce_rule_ids_and_options(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    spec = write(tmp_path / "superspec.yaml", """
        superspec: 1
        kind: project
        name: api
        build: {tool: maven}
        pipeline: {stages: {build: {}}}
        enforce:
          rules:
            requireOs: {family: unix}
            requireFilesExist: {filez: [a]}
    """)
    result = run_cli(capsys, "validate", "--spec", str(spec))
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {spec}:8 [project api] enforce.rules.requireOs: unknown rule 'requireOs'; "
        "did you mean 'requireOS'?",
        f"error: {spec}:9 [project api] enforce.rules.requireFilesExist.files: rule "
        "requireFilesExist: Field required",
        f"error: {spec}:9 [project api] enforce.rules.requireFilesExist.filez: unknown option "
        "'filez' for rule requireFilesExist; did you mean 'files'?",
    ]


def test_init_refuses_a_parent_it_cannot_find_and_writes_nothing(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    project = tmp_path / "svc"
    project.mkdir()
    result = run_cli(capsys, "init", "--spec", str(project / "superspec.yaml"),
                     "--extends", "acme/nope", "--layers", LAYERS)
    assert result.code == 1
    assert result.err == (
        f"error: {project}/superspec.yaml:6 [project svc] extends: extends 'acme/nope': "
        "no such layer (searched: examples/layers/acme/nope/superspec.yaml); pass --layers DIR "
        "or set "
        "SUPERSPEC_LAYERS\n")
    assert list(project.iterdir()) == []


def test_explain_names_the_layer_that_declared_each_lock(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    result = run_cli(capsys, "explain", "locked", "--spec", str(PAYMENTS), "--layers", LAYERS)
    department = EXAMPLES / "layers/acme/payments/superspec.yaml"
    line = _line_of(department, "- enforce.rules.requireUpperBoundDeps")
    assert result.code == 0
    assert (f'locked.3 = "enforce.rules.requireUpperBoundDeps"    (department payments: '
            f"examples/layers/acme/payments/superspec.yaml:{line})") in result.out.splitlines()
    assert len(result.out.splitlines()) == 7
