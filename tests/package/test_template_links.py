"""Package templates come from the project directory only: a template (or an include, import
or extends of one) that resolves outside it after following links, or that is not a regular
file, is refused before anything is read from it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.package.conftest import LAYERS, SUPERSPEC
from tests.package.test_render import make_project, package, read
from tests.package.test_secrets import every_byte

SECRET = "TOPSECRET-outside-the-project"
ONE_FILE = """\
    artifact: app.jar
    files: [{template: TEMPLATE, path: conf/app.conf}]
    secrets: [DB_PASSWORD]
    """


def project_with(root: Path, template: str, files: dict[str, str] | None = None) -> Path:
    return make_project(root, ONE_FILE.replace("TEMPLATE", template), files or {})


def outside(tmp_path: Path, name: str = "outside/secret.j2", text: str = SECRET + "\n") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def link_absolute(tmp_path: Path, root: Path) -> tuple[str, str]:
    (root / "app.conf.j2").symlink_to("/etc/passwd")
    return "app.conf.j2", "/etc/passwd"


def link_relative(tmp_path: Path, root: Path) -> tuple[str, str]:
    target = outside(tmp_path)
    (root / "app.conf.j2").symlink_to("../outside/secret.j2")
    return "app.conf.j2", str(target)


def link_to_a_directory(tmp_path: Path, root: Path) -> tuple[str, str]:
    target = outside(tmp_path)
    (root / "config").symlink_to(target.parent)
    return "config/secret.j2", str(target)


def link_to_a_sibling_with_the_same_prefix(tmp_path: Path, root: Path) -> tuple[str, str]:
    """``<project>-evil`` starts with the project directory's name, but is not inside it."""
    target = outside(tmp_path, f"{root.name}-evil/app.conf.j2")
    (root / "app.conf.j2").symlink_to(target)
    return "app.conf.j2", str(target)


def link_chain_through_the_project(tmp_path: Path, root: Path) -> tuple[str, str]:
    target = outside(tmp_path)
    (root / "step.j2").symlink_to("../outside/secret.j2")
    (root / "app.conf.j2").symlink_to("step.j2")
    return "app.conf.j2", str(target)


SHAPES: dict[str, Callable[[Path, Path], tuple[str, str]]] = {
    "absolute link": link_absolute,
    "relative ../ link": link_relative,
    "link to a directory, then a path under it": link_to_a_directory,
    "sibling directory sharing the prefix": link_to_a_sibling_with_the_same_prefix,
    "chain of links": link_chain_through_the_project,
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_template_resolving_outside_the_project_is_refused(shape: str, tmp_path: Path,
                                                           capsys) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    template, resolved = SHAPES[shape](tmp_path, root)
    project_with(root, template)
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'superspec.yaml'}:7 [project billing] "
                       f"package.files.0.template: template {template!r} resolves to "
                       f"{os.path.realpath(resolved)}, outside the project directory "
                       f"{os.path.realpath(root)}\n")
    assert not (root / "app-test.jar").exists()
    # the same link pointing at a file inside the project is fine
    (root / "real").mkdir()
    (root / "real" / "secret.j2").write_text("pool=1\n")
    (root / "real" / "app.conf.j2").write_text("pool=1\n")
    link = root / template.split("/")[0]
    link.unlink()
    link.symlink_to("real" if "/" in template else "real/app.conf.j2")
    assert package(capsys, root, "--env", "test").code == 0
    assert read(root / "app-test.jar") == "pool=1\n"


STATEMENTS = {  # (the statement, the template it pulls in, the output)
    "include": ('{% include "part.j2" %}', "x\n", "a=1\nx\n\n"),
    "import": ('{% import "part.j2" as part %}{{ part.value() }}',
               "{% macro value() %}x{% endmacro %}", "a=1\nx\n"),
    "from import": ('{% from "part.j2" import value %}{{ value() }}',
                    "{% macro value() %}x{% endmacro %}", "a=1\nx\n"),
    "extends": ('{% extends "part.j2" %}', "x{% block b %}{% endblock %}", "a=1\nx"),
}


@pytest.mark.parametrize("statement", list(STATEMENTS))
def test_included_template_resolving_outside_the_project_is_refused(statement: str,
                                                                    tmp_path: Path,
                                                                    capsys) -> None:
    use, part, output = STATEMENTS[statement]
    secret = outside(tmp_path, text=part.replace("x", SECRET))
    root = project_with(tmp_path / "proj", "app.conf.j2", {"app.conf.j2": "a=1\n" + use + "\n",
                                                           "parts/real.j2": part})
    (root / "part.j2").symlink_to("../outside/secret.j2")
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:2: template 'part.j2' resolves to "
                       f"{os.path.realpath(secret)}, outside the project directory "
                       f"{os.path.realpath(root)}\n")
    assert not (root / "app-test.jar").exists()
    (root / "part.j2").unlink()
    (root / "part.j2").symlink_to("parts/real.j2")
    assert package(capsys, root, "--env", "test").code == 0
    assert read(root / "app-test.jar") == output


@pytest.mark.parametrize("how", ["template", "include"])
def test_proc_self_environ_never_reaches_the_output(how: str, tmp_path: Path) -> None:
    """The classic: a template linked to the process environment, with a secret set in it."""
    value = "s3cr3t-from-the-environment"
    root = tmp_path / "proj"
    root.mkdir()
    if how == "template":
        (root / "app.conf.j2").symlink_to("/proc/self/environ")
        project_with(root, "app.conf.j2")
        where, name = rf"{re.escape(str(root / 'superspec.yaml'))}:7 \[project billing\] " \
            r"package\.files\.0\.template", "app.conf.j2"
    else:
        (root / "proc").symlink_to("/proc/self")
        project_with(root, "app.conf.j2", {"app.conf.j2": "a=1\n{% include 'proc/environ' %}\n"})
        where, name = re.escape(f"{root / 'app.conf.j2'}:2"), "proc/environ"
    run = subprocess.run([*SUPERSPEC, "package", "--all-envs", "--spec",
                          str(root / "superspec.yaml"), "--layers", str(LAYERS)],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "DB_PASSWORD": value})
    assert run.returncode == 1, run.stderr
    assert re.fullmatch(rf"error: {where}: template '{name}' resolves to /proc/[0-9]+/environ, "
                        rf"outside the project directory {re.escape(os.path.realpath(root))}\n",
                        run.stderr), run.stderr
    assert value not in run.stdout + run.stderr
    (root / ("app.conf.j2" if how == "template" else "proc")).unlink()  # scan files, not /proc
    assert [p for p, data in every_byte(tmp_path) if value.encode() in data] == []
    assert not list(root.glob("app-*"))


def fifo(path: Path) -> str:
    os.mkfifo(path)
    return "a FIFO"


def directory(path: Path) -> str:
    path.mkdir()
    return "a directory"


def device(path: Path) -> str:
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 3))  # like /dev/null
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    return "a character device"


SPECIAL = {"fifo": fifo, "directory": directory, "device": device}


@pytest.mark.parametrize("how", ["template", "include"])
@pytest.mark.parametrize("kind", list(SPECIAL))
def test_template_that_is_not_a_regular_file_is_refused(kind: str, how: str,
                                                        tmp_path: Path) -> None:
    """In a child process with a time limit: opening a FIFO to read it waits for a writer."""
    root = tmp_path / "proj"
    root.mkdir()
    what = SPECIAL[kind](root / "special.j2")
    if how == "template":
        project_with(root, "special.j2")
        where = f"{root / 'superspec.yaml'}:7 [project billing] package.files.0.template"
    else:
        project_with(root, "app.conf.j2", {"app.conf.j2": "a=1\n{% include 'special.j2' %}\n"})
        where = f"{root / 'app.conf.j2'}:2"
    run = subprocess.run([*SUPERSPEC, "package", "--env", "test", "--spec",
                          str(root / "superspec.yaml"), "--layers", str(LAYERS)],
                         capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stderr) == (
        1, f"error: {where}: template 'special.j2' is not a regular file ({what})\n")
    assert not (root / "app-test.jar").exists()


def test_templates_including_each_other_is_a_located_error(tmp_path: Path, capsys) -> None:
    root = project_with(tmp_path / "proj", "app.conf.j2", {
        "app.conf.j2": "a=1\n{% include 'parts/b.j2' %}\n",
        "parts/b.j2": "{% include 'app.conf.j2' %}\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'app.conf.j2'}:2: template error for environment 'test': "
                       "templates include or extend each other without end\n")
