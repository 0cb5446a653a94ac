"""Package templates: a value the spec leaves unset is never written as `None`, and every
template failure is an exit-1 error naming the template file and line. YAML errors are one line
per problem."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.helpers import run_cli, write

SPEC = """
superspec: 1
kind: project
name: billing
build: {tool: maven}
environments: {test: {class: functional-test}}
pipeline: {stages: {build: {}, package: {envs: [test]}}}
package:
  artifact: app.jar
  files: [{template: t/app.conf.j2, path: conf/app.conf}]
"""
UNSET = "is not set in the spec (set it, or write '{0} | default(...)' in the template)"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERSPEC_LAYERS", raising=False)
    monkeypatch.delenv("SUPERSPEC_ROOT", raising=False)
    write(tmp_path / "superspec.yaml", SPEC)
    with zipfile.ZipFile(tmp_path / "app.jar", "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    return tmp_path


def package(capsys: pytest.CaptureFixture[str], template: str, *args: str) -> tuple[int, str]:
    """Package env test with ``template``: (exit code, the rendered file or stderr)."""
    write(Path("t/app.conf.j2"), template)
    run = run_cli(capsys, "package", "--env", "test", *args)
    if run.code != 0:
        assert not Path("app-test.jar").exists()
        return run.code, run.err
    with zipfile.ZipFile("app-test.jar") as jar:
        text = jar.read("conf/app.conf").decode()
    Path("app-test.jar").unlink()
    return run.code, text


@pytest.mark.parametrize(("line", "value"), [
    ("url={{ env.url }}", "env.url"),
    ("version={{ app.version }}", "app.version"),
    ("image={{ app.image ~ ':latest' }}", "app.image"),
    ("gates={{ env.release.gates }}", "env.release"),
])
def test_an_unset_value_is_an_error_at_its_template_line(
        root: Path, capsys: pytest.CaptureFixture[str], line: str, value: str) -> None:
    assert package(capsys, f"# {{{{ env.name }}}}\n{line}\n") == (1, (
        f"error: t/app.conf.j2:2: unset value in template for environment 'test': {value} "
        f"{UNSET.format(value)}\n"))


def test_default_if_and_tojson_still_work_on_unset_values(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = ("version={{ app.version | default('dev') }}\n"
                "{% if app.version %}set{% else %}unset{% endif %} "
                "{{ app.port is defined }} {{ env.url or 'no url' }}\n"
                "{{ app | tojson }}\n")
    assert package(capsys, template) == (0, (
        "version=dev\nunset False no url\n"
        '{"health": null, "image": null, "name": "billing", "port": null, "replicas": null, '
        '"version": null}\n'))
    assert package(capsys, template, "--version", "1.4.2")[1].splitlines()[:2] == [
        "version=1.4.2", "set False no url"]


@pytest.mark.parametrize(("expression", "message"), [
    ("{{ 1/0 }}", "division by zero"),
    ('{{ "a" + 1 }}', 'can only concatenate str (not "int") to str'),
    ("{{ range(1, 5, 0) | list }}", "range() arg 3 must not be zero"),
    ("{{ '%d' % 'x' }}", "%d format: a real number is required, not str"),
])
def test_a_runtime_failure_is_a_located_error(
        root: Path, capsys: pytest.CaptureFixture[str], expression: str, message: str) -> None:
    """Not an internal error (exit 3): the template's fault, at its line."""
    assert package(capsys, f"ok\nok\n{expression}\n") == (1, (
        f"error: t/app.conf.j2:3: template error for environment 'test': {message}\n"))


def test_an_error_in_an_included_template_names_that_template(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(root / "t/part.j2", "a\nb\n{{ 10 // 0 }}\n")
    assert package(capsys, 'top\n{% include "t/part.j2" %}\n') == (1, (
        "error: t/part.j2:3: template error for environment 'test': integer division or "
        "modulo by zero\n"))
    write(root / "t/part.j2", "a\n{% if %}\n")
    assert package(capsys, 'top\n{% include "t/part.j2" %}\n') == (1, (
        "error: t/part.j2:2: template syntax error: Expected an expression, got 'end of "
        "statement block'\n"))


def test_invalid_yaml_from_template_overrides_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's multi-line message becomes `line N, column M: problem (context at ...)`."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "acme.yaml", "superspec: 1\nkind: company\nname: acme\n"
                                  "ci: {templates: ct}\n")
    write(tmp_path / "superspec.yaml", "superspec: 1\nkind: project\nname: api\n"
                                       "extends: acme.yaml\nbuild: {tool: maven}\n"
                                       "pipeline: {stages: {build: {}}}\n")
    write(tmp_path / "ct/gitlab/gitlab-ci.yml.j2", "build:\n  script: [a\nother: x\n")
    run = run_cli(capsys, "generate", "--target", "gitlab")
    assert (run.code, run.out) == (1, "")
    assert run.err == (
        "error: the .gitlab-ci.yml rendered with template overrides (ct/gitlab/gitlab-ci.yml.j2): "
        "invalid YAML: line 3, column 6: did not find expected ',' or ']' (while parsing a flow "
        "sequence at line 2, column 11)\n")
