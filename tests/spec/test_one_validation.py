"""One validation: every check a command makes on the spec is made when the spec is loaded, so
`superspec validate` exits 1 on it with file:line, and generate, package and explain refuse the
same spec with the same lines before doing anything."""

from __future__ import annotations

import textwrap
import typing
from pathlib import Path

import pytest

from superspec.render.planner import DEFAULT_COMMANDS
from superspec.spec.models import Build
from tests.helpers import run_cli, write

NAME_RULE = "use letters, digits, '.', '_' and '-', starting with a letter or digit"
PATTERN_RULE = "may only use letters, digits and _ . @ + * ? # % = , / -"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERSPEC_LAYERS", raising=False)
    monkeypatch.delenv("SUPERSPEC_ROOT", raising=False)


def _spec(body: str, name: str = "api") -> Path:
    """A project spec: the header (lines 1-3), then ``body`` from line 4."""
    return write(Path("superspec.yaml"), f"superspec: 1\nkind: project\nname: {name}\n"
                                         + textwrap.dedent(body).lstrip("\n"))


def _refused_everywhere(capsys: pytest.CaptureFixture[str], expected: list[str]) -> None:
    """validate exits 1 with exactly ``expected``; generate, package and explain stop on the
    same lines before writing anything."""
    for command in (["validate"], ["generate"], ["package", "--env", "prod"], ["explain"]):
        run = run_cli(capsys, *command)
        assert (run.code, run.out) == (1, ""), command
        assert run.err.splitlines() == [f"error: {line}" for line in expected], command
    assert sorted(p.name for p in Path.cwd().iterdir()) == ["superspec.yaml"]


@pytest.mark.parametrize(("name", "quoted"), [
    ("My Project", "'My Project'"),
    ("café", "'café'"),
])
def test_project_names_that_cannot_name_a_job_or_lock(
        capsys: pytest.CaptureFixture[str], name: str, quoted: str) -> None:
    _spec("build: {tool: maven}\npipeline: {stages: {build: {}}}\n", name=name)
    _refused_everywhere(capsys, [
        f"superspec.yaml:3 [project {name}] name: project name {quoted} cannot name a lock or "
        f"environment: {NAME_RULE}"])


def test_environment_names_that_cannot_name_a_lock(capsys: pytest.CaptureFixture[str]) -> None:
    _spec("""
        build: {tool: maven}
        environments:
          prod: {class: production}
          "pre prod": {class: pre-release}
          prød: {class: production}
        pipeline:
          stages:
            build: {}
            deploy-pre: {run: deploy, env: pre prod}
            package: {envs: [prød]}
    """)
    _refused_everywhere(capsys, [
        f"superspec.yaml:7 [project api] environments.pre prod: environment name 'pre prod' "
        f"cannot name a lock or environment: {NAME_RULE}",
        f"superspec.yaml:8 [project api] environments.prød: environment name 'prød' cannot name "
        f"a lock or environment: {NAME_RULE}"])


def test_stage_ids_that_are_gitlab_keywords_or_hidden_jobs(
        capsys: pytest.CaptureFixture[str]) -> None:
    _spec("""
        build: {tool: maven}
        pipeline:
          stages:
            build: {}
            variables: {script: [echo]}
            default: {script: [echo]}
            .hidden: {script: [echo]}
    """)
    rule = "is a .gitlab-ci.yml keyword or a hidden job name: choose another id"
    _refused_everywhere(capsys, [
        f"superspec.yaml:8 [project api] pipeline.stages.variables: stage id 'variables' {rule}",
        f"superspec.yaml:9 [project api] pipeline.stages.default: stage id 'default' {rule}",
        f"superspec.yaml:10 [project api] pipeline.stages..hidden: stage id '.hidden' {rule}"])


def test_branch_patterns_with_character_classes(capsys: pytest.CaptureFixture[str]) -> None:
    """`[` is literal in a pattern; a class the user meant would silently never match."""
    _spec("""
        build: {tool: maven}
        branching: {strategy: gitflow, release: "release/[0-9]*"}
        pipeline:
          stages:
            build: {}
            smoke: {script: [echo], when: {branch: [main, "hotfix/[a-z]*"]}}
        enforce:
          rules:
            requireOS: {family: unix, onlyWhen: {branch: "v[0-9]"}}
    """)
    _refused_everywhere(capsys, [
        f"superspec.yaml:5 [project api] branching.release: branch pattern 'release/[0-9]*' "
        f"{PATTERN_RULE}",
        f"superspec.yaml:9 [project api] pipeline.stages.smoke.when.branch.1: branch pattern "
        f"'hotfix/[a-z]*' {PATTERN_RULE}",
        f"superspec.yaml:12 [project api] enforce.rules.requireOS.onlyWhen.branch: branch "
        f"pattern 'v[0-9]' {PATTERN_RULE}"])


def test_custom_tool_without_commands_for_its_build_and_test_stages(
        capsys: pytest.CaptureFixture[str]) -> None:
    _spec("""
        build:
          tool: custom
          commands: {test: make test}
        pipeline:
          stages:
            build: {}
            test: {}
            compile: {run: build}
    """)
    _refused_everywhere(capsys, [
        "superspec.yaml:6 [project api] build.commands: stage 'build' runs 'build' but "
        "build.tool 'custom' has no default command: set build.commands.build",
        "superspec.yaml:6 [project api] build.commands: stage 'compile' runs 'build' but "
        "build.tool 'custom' has no default command: set build.commands.build"])


def test_the_tools_without_default_commands_are_the_planners() -> None:
    from superspec.spec.usable import NO_DEFAULT_COMMANDS

    tools = typing.get_args(Build.model_fields["tool"].annotation)
    assert set(tools) == set(DEFAULT_COMMANDS)
    for tool in tools:
        expected = set() if tool in NO_DEFAULT_COMMANDS else {"build", "test"}
        assert set(DEFAULT_COMMANDS[tool]) == expected, tool


def test_a_package_stage_with_no_environments(capsys: pytest.CaptureFixture[str]) -> None:
    _spec("""
        build: {tool: maven}
        environments: {prod: {class: production}}
        pipeline:
          stages:
            build: {}
            package: {}
    """)
    _refused_everywhere(capsys, [
        "superspec.yaml:9 [project api] pipeline.stages.package: stage 'package' runs 'package' "
        "but names no environments and no stage deploys to one: set 'envs: [...]'"])


def test_package_values_files_and_secret_style(capsys: pytest.CaptureFixture[str]) -> None:
    _spec("""
        build: {tool: maven}
        environments: {prod: {class: production}}
        pipeline: {stages: {build: {}, package: {envs: [prod]}}}
        package:
          artifact: app.jar
          files:
            - {template: ../shared/app.conf.j2, path: conf/app.conf}
            - {template: app.conf.j2, path: ../../etc/app.conf}
            - {template: app.conf.j2, path: /etc/app.conf}
            - {template: app.conf.j2, path: conf//app.conf}
            - {template: app.conf.j2, path: conf/}
          values:
            default: {env: test}
            prod: {app: x, secrets: y}
          secretStyle: "${SECRET}"
    """)
    project = Path.cwd().resolve()
    at = "superspec.yaml:{} [project api] package.{}: "
    reserved = "is reserved (templates see env, app and secrets)"
    _refused_everywhere(capsys, [
        at.format(10, "files.0.template") + "template '../shared/app.conf.j2' must be a path "
                                            f"inside the project directory {project}",
        at.format(11, "files.1.path") + "unsafe entry path '../../etc/app.conf' ('..' component)",
        at.format(12, "files.2.path") + "unsafe entry path '/etc/app.conf' (absolute path)",
        at.format(13, "files.3.path") + "unsafe entry path 'conf//app.conf' (empty or '.' "
                                        "component)",
        at.format(14, "files.4.path") + "unsafe entry path 'conf/' (a directory)",
        at.format(16, "values.default.env") + f"value name 'env' {reserved}",
        at.format(17, "values.prod.app") + f"value name 'app' {reserved}",
        at.format(17, "values.prod.secrets") + f"value name 'secrets' {reserved}",
        at.format(18, "secretStyle") + "secretStyle must contain the token NAME (e.g. "
                                       "'${NAME}')"])


def test_the_planner_calls_the_checks_validation_runs() -> None:
    """render.names is a thin door to spec.names: one implementation, one set of messages."""
    from superspec.render import names as render_names
    from superspec.spec import names as spec_names

    assert render_names.check_names is spec_names.check_names
    assert render_names.GITLAB_RESERVED is spec_names.GITLAB_RESERVED


@pytest.mark.parametrize(("folder", "name"), [
    ("My Project", "my-project"),
    ("Über Café", "uber-cafe"),
    ("svc_2", "svc_2"),
])
def test_init_in_a_folder_whose_name_is_not_a_valid_name(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, folder: str, name: str) -> None:
    spec = tmp_path / folder / "superspec.yaml"
    spec.parent.mkdir()
    run = run_cli(capsys, "init", "--spec", str(spec))
    assert run.code == 0, run.err
    assert f'name: "{name}"' in spec.read_text().splitlines()
    assert run_cli(capsys, "validate", "--spec", str(spec)).code == 0
