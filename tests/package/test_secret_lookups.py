"""``secrets`` answers declared names and nothing else: every other lookup, however it is
spelled (underscore and dunder names through attributes, subscripts, the attr filter or a
filter's attribute argument), is the located 'not declared' error, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.package.test_render import make_project, package, read

NOT_DECLARED = {
    'secrets["_names"]': "_names",
    "secrets['_style']": "_style",
    "secrets._names": "_names",
    "secrets._style": "_style",
    "secrets._missing": "_missing",
    'secrets["_missing"]': "_missing",
    "secrets.__class__": "__class__",
    'secrets["__class__"]': "__class__",
    "secrets.__dict__": "__dict__",
    'secrets["__getitem__"]': "__getitem__",
    "secrets.__init__.__globals__": "__init__",
    'secrets|attr("_names")': "_names",
    'secrets|attr("__class__")': "__class__",
    'secrets|attr("__dict__")': "__dict__",
    'secrets|attr("_missing")': "_missing",
    "[secrets]|map(attribute='_names')|first": "_names",
    "[secrets]|map(attribute='__class__')|first": "__class__",
    "secrets[0]": "0",
}


def project(root: Path, expression: str, secrets: str = "[DB_PASSWORD]") -> Path:
    return make_project(root, f"""\
        artifact: app.jar
        files: [{{template: app.conf.j2, path: conf/app.conf}}]
        secrets: {secrets}
        """, {"app.conf.j2": "a={{ secrets.DB_PASSWORD }}\nb={{ " + expression + " }}\n"})


@pytest.mark.parametrize("expression", list(NOT_DECLARED))
def test_any_other_name_is_an_undeclared_secret(expression: str, tmp_path: Path,
                                                capsys) -> None:
    root = project(tmp_path / "p", expression)
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:2: secret '{NOT_DECLARED[expression]}' "
                       "is not declared in package.secrets (declared: DB_PASSWORD)\n")
    assert sorted(p.name for p in root.iterdir()) == ["app.conf.j2", "app.jar", "superspec.yaml"]


MISUSED = {
    "secrets|list": "secrets cannot be listed: name each one (secrets.NAME)",
    "'DB_PASSWORD' in secrets": "secrets cannot be listed: name each one (secrets.NAME)",
    "secrets|length": "secrets cannot be counted: name each one (secrets.NAME)",
    "secrets|tojson": "secrets cannot be serialised: name each one (secrets.NAME)",
    "secrets()": "secrets is not safely callable",
}


@pytest.mark.parametrize("expression", list(MISUSED))
def test_secrets_as_a_whole_is_a_located_template_error(expression: str, tmp_path: Path,
                                                         capsys) -> None:
    root = project(tmp_path / "p", expression)
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:2: template error for environment "
                       f"'test': {MISUSED[expression]}\n")


def test_declared_names_starting_with_an_underscore_render(tmp_path: Path, capsys) -> None:
    root = project(tmp_path / "p", "secrets._TOKEN ~ ' ' ~ secrets['_names']",
                   secrets="[DB_PASSWORD, _TOKEN, _names]")
    run = package(capsys, root, "--env", "test")
    assert run.code == 0, run.err
    assert read(root / "app-test.jar") == "a=${DB_PASSWORD}\nb=${_TOKEN} ${_names}\n"
