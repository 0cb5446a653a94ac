"""Template context and located template errors."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

from tests.package.conftest import LAYERS, make_jar, run_cli


def make_project(root: Path, package: str, templates: dict[str, str], app: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    spec = textwrap.dedent("""\
        superspec: 1
        kind: project
        name: billing
        extends: acme/payments
        """) + textwrap.dedent(app) + "package:\n" + textwrap.indent(textwrap.dedent(package), "  ")
    (root / "superspec.yaml").write_text(spec)
    for name, text in templates.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    make_jar(root / "app.jar", classes=2)
    return root


def package(capsys, root: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli(capsys, "package", "--spec", str(root / "superspec.yaml"), "--layers",
                   str(LAYERS), *args)


def read(path: Path, name: str = "conf/app.conf") -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode()


def test_context_values_env_app_and_secret_style(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", """\
        artifact: app.jar
        files: [{template: t/app.conf.j2, path: conf/app.conf}]
        values:
          default: {pool: 10, db: {host: db.internal, port: 5432}}
          prod: {pool: 50, db: {host: db.prod.internal}}
        secrets: [DB_PASSWORD, API_TOKEN]
        secretStyle: "{{env:NAME}}"
        """, {"t/app.conf.j2": (
            "pool={{ pool }} db={{ db.host }}:{{ db.port }}\n"
            "env={{ env.name }} class={{ env['class'] }} approval={{ env.approval.required }}\n"
            "app={{ app.name }} version={{ app.version }} image={{ app.image }} "
            "replicas={{ app.replicas }}\n"
            "password={{ secrets.DB_PASSWORD }} token={{ secrets['API_TOKEN'] }}\n")},
        app="app: {image: registry.example/billing, version: '7.1', replicas: {default: 1, "
            "prod: 3}}\n")
    run = package(capsys, root, "--env", "prod")
    assert run.code == 0, run.err
    assert read(root / "app-prod.jar") == (
        "pool=50 db=db.prod.internal:5432\n"
        "env=prod class=production approval=True\n"
        "app=billing version=7.1 image=registry.example/billing replicas=3\n"
        "password={{env:DB_PASSWORD}} token={{env:API_TOKEN}}\n")
    assert package(capsys, root, "--env", "test", "--version", "7.2").code == 0
    assert read(root / "app-test.jar").splitlines()[:3] == [
        "pool=10 db=db.internal:5432", "env=test class=functional-test approval=False",
        "app=billing version=7.2 image=registry.example/billing replicas=1"]


def test_undefined_name_is_located(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", """\
        artifact: app.jar
        files: [{template: app.conf.j2, path: conf/app.conf}]
        values: {default: {pool: 10}}
        """, {"app.conf.j2": "pool={{ pool }}\n\nretries={{ retry_count }}\n"})
    run = package(capsys, root, "--env", "prod")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:3: undefined name in template for "
                       "environment 'prod': 'retry_count' is undefined\n")
    assert sorted(p.name for p in root.iterdir()) == ["app.conf.j2", "app.jar", "superspec.yaml"]


def test_undeclared_secret_is_located(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", """\
        artifact: app.jar
        files: [{template: app.conf.j2, path: conf/app.conf}]
        secrets: [DB_PASSWORD]
        """, {"app.conf.j2": "a={{ secrets.DB_PASSWORD }}\nb={{ secrets.AWS_KEY }}\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:2: secret 'AWS_KEY' is not declared in "
                       "package.secrets (declared: DB_PASSWORD)\n")


def test_syntax_error_and_missing_template(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", """\
        artifact: app.jar
        files: [{template: app.conf.j2, path: conf/app.conf}]
        """, {"app.conf.j2": "ok\n{% if x %}\nno end\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:2: template syntax error: Unexpected end "
                       "of template. Jinja was looking for the following tags: 'elif' or 'else' "
                       "or 'endif'. The innermost block that needs to be closed is 'if'.\n")
    (root / "app.conf.j2").unlink()
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'superspec.yaml'}:7 [project billing] "
                       f"package.files.0.template: template not found: {root / 'app.conf.j2'}\n")


def test_unsafe_target_path_and_reserved_value(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", """\
        artifact: app.jar
        files: [{template: app.conf.j2, path: ../escape.conf}]
        """, {"app.conf.j2": "x\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'superspec.yaml'}:7 [project billing] "
                       "package.files.0.path: unsafe entry path '../escape.conf' ('..' "
                       "component)\n")
    root = make_project(tmp_path / "q", """\
        artifact: app.jar
        files: [{template: app.conf.j2, path: conf/app.conf}]
        values: {default: {env: staging}}
        """, {"app.conf.j2": "x\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {tmp_path / 'q' / 'superspec.yaml'}:8 [project billing] "
                       "package.values.default.env: value name 'env' is reserved (templates see "
                       "env, app and secrets)\n")


def test_templates_cannot_reach_python_internals(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", """\
        artifact: app.jar
        files: [{template: app.conf.j2, path: conf/app.conf}]
        """, {"app.conf.j2": "{{ app.__class__.__mro__ }}\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err.startswith(f"error: {root / 'app.conf.j2'}:1: ")
