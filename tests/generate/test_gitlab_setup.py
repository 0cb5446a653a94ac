"""The `.superspec` job of a generated .gitlab-ci.yml: its before_script, taken from the generated
file, run in a real shell (bash with GitLab's `set -eo pipefail`, and dash with `set -e`) the way
a runner job runs it, followed by the job's script."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from superspec import __version__
from superspec.render.engine import render
from superspec.render.plan import GitlabLayers
from superspec.render.planner import build_plan
from superspec.spec import load_spec
from tests.generate.tools import GOLDEN, render_case
from tests.generate.wheels import fake_superspec

SHELLS = {"bash": ["bash", "-eo", "pipefail", "-c"], "sh": ["sh", "-e", "-c"]}
HOSTILE_ARGS = ["step", "a b", "$(touch /tmp/superspec-pwned)", "`id`", "x\ny", "'\"", "${HOME}"]


def before_script(layers: GitlabLayers | None = None) -> list[str]:
    if layers is None:
        text = render_case(GOLDEN / "trunk-approvals")[".gitlab-ci.yml"]
    else:
        plan = build_plan(load_spec(GOLDEN / "trunk-approvals" / "superspec.yaml"),
                          "superspec.yaml", __version__)
        text = render("gitlab", replace(plan, gitlab=replace(plan.gitlab, layers=layers)))
    document = yaml.safe_load(text)
    assert document["enforce"]["extends"] == ".superspec"
    job = document[".superspec"]
    assert job["cache"] == {"key": "superspec-$SUPERSPEC_VERSION", "paths": [".superspec/cache/"]}
    script: list[str] = job["before_script"]
    return script


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fake_superspec(tmp_path_factory.mktemp("wheels"))


def job(project: Path, script: list[str], shell: str = "bash", path: str = "/usr/bin:/bin",
        lines: list[str] | None = None, **variables: str) -> subprocess.CompletedProcess[str]:
    """One runner job in ``project``: the base job's lines, then ``script``."""
    project.mkdir(parents=True, exist_ok=True)
    env = {"PATH": path, "HOME": str(project.parent), "CI_PROJECT_DIR": str(project),
           "SUPERSPEC_VERSION": "9.9", "PIP_CONFIG_FILE": os.devnull, **variables}
    text = "\n".join([*(lines if lines is not None else before_script()), *script])
    return subprocess.run([*SHELLS[shell], text], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300)


def install_vars(wheel: Path) -> dict[str, str]:
    """What a group's CI/CD variables would set to install from a file share, offline."""
    return {"SUPERSPEC_PIP_SPEC": str(wheel), "SUPERSPEC_PIP_ARGS": "--no-index",
            "SUPERSPEC_PYTHON": sys.executable}


INSTALLING = "superspec: installing superspec 9.9 into {venv}\n"


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_installs_once_then_runs_the_cached_venv(tmp_path: Path, wheel: Path,
                                                 shell: str) -> None:
    project = tmp_path / "p"
    venv = project / ".superspec" / "cache" / "venv"
    script = ['command -v superspec', 'command -v python || echo "no python"',
              "superspec " + " ".join(shlex.quote(a) for a in HOSTILE_ARGS)]
    first = job(project, script, shell, **install_vars(wheel))
    assert first.returncode == 0, first.stderr
    assert first.stderr == INSTALLING.format(venv=venv)
    found, python, args = first.stdout.splitlines()[-3:]
    assert found == str(project / ".superspec" / "bin" / "superspec")
    assert python == "no python"  # only `superspec` is put on PATH, not the venv's python
    assert json.loads(args) == HOSTILE_ARGS
    assert not Path("/tmp/superspec-pwned").exists()
    listed = (venv.parent / "venv.sha256").read_text()
    assert "./bin/superspec" in listed and "site-packages/fakess/__init__.py" in listed

    again = job(project, ["superspec --version"], shell, **install_vars(wheel))
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout == "superspec, version 9.9\n"


@pytest.mark.slow
def test_the_cache_restored_at_another_path_runs_without_installing(tmp_path: Path,
                                                                    wheel: Path) -> None:
    """GitLab restores a cache into each job's own project directory (another path)."""
    first = job(tmp_path / "a", ["true"], **install_vars(wheel))
    assert first.returncode == 0, first.stderr
    shutil.copytree(tmp_path / "a" / ".superspec" / "cache", tmp_path / "b" / ".superspec" /
                    "cache", symlinks=True)
    shutil.rmtree(tmp_path / "a")
    moved = job(tmp_path / "b", ["superspec x"], **install_vars(wheel))
    assert (moved.returncode, moved.stderr, moved.stdout) == (0, "", '["x"]\n')


@pytest.mark.slow
@pytest.mark.parametrize("change", ["edited", "added .pth"])
def test_a_changed_venv_is_installed_again(tmp_path: Path, wheel: Path, change: str) -> None:
    project = tmp_path / "p"
    assert job(project, ["true"], **install_vars(wheel)).returncode == 0
    venv = project / ".superspec" / "cache" / "venv"
    site = next(venv.glob("lib/python3*/site-packages"))
    marker = tmp_path / "MARK"
    if change == "edited":
        module = site / "fakess" / "__init__.py"
        module.write_text(module.read_text() + f"\nopen({str(marker)!r}, 'w')\n")
    else:
        (site / "zz.pth").write_text(f"import os; open({str(marker)!r}, 'w')\n")
    run = job(project, ["superspec y"], **install_vars(wheel))
    assert run.returncode == 0, run.stderr
    assert run.stderr == (f"superspec: warning: {venv} differs from what was installed, or does "
                          "not run here; installing it again\n" + INSTALLING.format(venv=venv))
    assert run.stdout.splitlines()[-1] == '["y"]'
    assert not marker.exists()


def test_superspec_on_path_at_the_pinned_version_is_used_as_is(tmp_path: Path) -> None:
    tools = tmp_path / "image-bin"
    tools.mkdir()
    (tools / "superspec").write_text(
        '#!/bin/sh\n[ "$1" = --version ] && echo "superspec, version 9.9" || echo "image: $*"\n')
    (tools / "superspec").chmod(0o755)
    run = job(tmp_path / "p", ["superspec enforce"], path=f"{tools}:/usr/bin:/bin")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == f"superspec 9.9: {tools}/superspec\nimage: enforce\n"
    assert not (tmp_path / "p" / ".superspec").exists()  # nothing installed, nothing written


@pytest.mark.slow
def test_another_version_on_path_installs_the_pinned_one(tmp_path: Path, wheel: Path) -> None:
    tools = tmp_path / "image-bin"
    tools.mkdir()
    (tools / "superspec").write_text('#!/bin/sh\necho "superspec, version 1.0"\n')
    (tools / "superspec").chmod(0o755)
    run = job(tmp_path / "p", ["superspec --version"], path=f"{tools}:/usr/bin:/bin",
              **install_vars(wheel))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "superspec, version 9.9"


@pytest.mark.parametrize("version", ["", "../../etc", "1.0 ; id", "-rf", "1.0/x"])
def test_versions_that_are_not_versions_are_refused(tmp_path: Path, version: str) -> None:
    run = job(tmp_path / "p", ["echo ran"], SUPERSPEC_VERSION=version)
    assert run.returncode == 2
    assert run.stderr == ("superspec: SUPERSPEC_VERSION must be a version such as 0.1.0 "
                          f"(got '{version}')\n")
    assert run.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_a_failed_install_fails_the_job(tmp_path: Path, shell: str) -> None:
    project = tmp_path / "p"
    run = job(project, ["echo ran"], shell, SUPERSPEC_PIP_SPEC=str(tmp_path / "nothing.whl"),
              SUPERSPEC_PIP_ARGS="--no-index", SUPERSPEC_PYTHON=sys.executable)
    assert run.returncode == 1
    assert run.stderr.endswith("superspec: could not install superspec 9.9\n")
    assert "ran" not in run.stdout
    assert not (project / ".superspec" / "cache" / "venv.sha256").exists()


def _layers_repo(tmp_path: Path) -> Path:
    """A git server stand-in: base/acme/ci-layers.git with a tag v3."""
    work = tmp_path / "layers-work"
    (work / "acme").mkdir(parents=True)
    (work / "acme" / "superspec.yaml").write_text("superspec: 1\nkind: company\nname: acme\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    base = tmp_path / "git"
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                 ["git", "commit", "-q", "-m", "layers"], ["git", "tag", "v3"],
                 ["git", "clone", "-q", "--bare", ".", str(base / "acme" / "ci-layers.git")]):
        subprocess.run(argv, cwd=work, check=True, env=env, capture_output=True)
    return base


@pytest.mark.parametrize("shell", SHELLS)
def test_layers_are_fetched_at_their_ref(tmp_path: Path, shell: str) -> None:
    base = _layers_repo(tmp_path)
    tools = tmp_path / "image-bin"
    tools.mkdir()
    (tools / "superspec").write_text('#!/bin/sh\necho "superspec, version 9.9"\n')
    (tools / "superspec").chmod(0o755)
    lines = before_script(GitlabLayers("acme/ci-layers", "v3"))
    project = tmp_path / "p"
    run = job(project, ['echo "$SUPERSPEC_LAYERS"', 'cat "$SUPERSPEC_LAYERS/acme/superspec.yaml"'],
              shell, path=f"{tools}:/usr/bin:/bin", lines=lines,
              SUPERSPEC_LAYERS_GIT=f"file://{base}", SUPERSPEC_LAYERS_PROJECT="acme/ci-layers",
              SUPERSPEC_LAYERS_REF="v3")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == [str(project / ".superspec" / "layers"),
                                           "superspec: 1", "kind: company", "name: acme"]

    missing = job(tmp_path / "q", ["echo ran"], shell, path=f"{tools}:/usr/bin:/bin",
                  lines=lines, SUPERSPEC_LAYERS_GIT=f"file://{base}",
                  SUPERSPEC_LAYERS_PROJECT="acme/ci-layers", SUPERSPEC_LAYERS_REF="v4")
    assert missing.returncode == 1
    assert missing.stderr.endswith(
        "superspec: could not fetch the layers acme/ci-layers at v4\n")
    assert "ran" not in missing.stdout

    preset = job(tmp_path / "r", ['echo "$SUPERSPEC_LAYERS"'], shell,
                 path=f"{tools}:/usr/bin:/bin", lines=lines, SUPERSPEC_LAYERS="/opt/layers",
                 SUPERSPEC_LAYERS_PROJECT="acme/ci-layers", SUPERSPEC_LAYERS_REF="v3")
    assert (preset.returncode, preset.stdout.splitlines()[-1]) == (0, "/opt/layers")
    assert not (tmp_path / "r" / ".superspec" / "layers").exists()


def test_the_layers_pin_reaches_the_job_as_unexpanded_variables() -> None:
    plan = build_plan(load_spec(GOLDEN / "trunk-approvals" / "superspec.yaml"),
                      "superspec.yaml", __version__)
    text = render("gitlab", replace(plan, gitlab=replace(
        plan.gitlab, layers=GitlabLayers("acme/ci-layers", "v3"))))
    variables = yaml.safe_load(text)[".superspec"]["variables"]
    assert variables == {
        "SUPERSPEC_VERSION": __version__,
        "SUPERSPEC_LAYERS_PROJECT": {"value": "acme/ci-layers", "expand": False},
        "SUPERSPEC_LAYERS_REF": {"value": "v3", "expand": False}}
