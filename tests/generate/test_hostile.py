"""Hostile values (quotes of every kind, ${...}, ''', \"\"\", backslashes, newlines, ': ', '#')
in commands, images, names, tags, labels, library ids, report paths and approval groups:
the Groovy AST holds them only as string constants, and the commands arrive verbatim."""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

import pytest

from superspec.spec import load_spec
from tests.generate.conftest import Output
from tests.generate.tools import GOLDEN, load_gitlab

pytestmark = pytest.mark.slow  # parses Jenkinsfiles in a JVM

MARKER = "PWNED"
CASES = ["golden/hostile-values", "variants/hostile-no-library"]


@pytest.fixture(scope="module")
def spec() -> Any:
    return load_spec(GOLDEN / "hostile-values" / "superspec.yaml").model


def _hostile_values(spec: Any) -> list[str]:
    values = [spec.ci.jenkins.library, spec.ci.jenkins.agent.label, spec.ci.gitlab.image,
              spec.build.image, *spec.ci.gitlab.tags, spec.build.commands.build,
              spec.build.commands.test]
    for stage_id, stage in spec.pipeline.stages.items():
        values.append(stage_id)
        values += stage.script or []
        if stage.reports and stage.reports.junit:
            values.append(stage.reports.junit)
    values += spec.environments["prod"].approval.groups
    return [v for v in values if MARKER in v]


def test_the_case_is_hostile(spec: Any) -> None:
    values = _hostile_values(spec)
    assert len(values) >= 15
    for needle in ("'", '"', "`", "${", "'''", '"""', "\\", "\n", ": ", "#", "$("):
        assert any(needle in v for v in values), needle


@pytest.mark.parametrize("name", CASES)
def test_groovy_ast_holds_hostile_values_only_as_constants(
    name: str, groovy_asts: dict[str, dict[str, Any]], spec: Any
) -> None:
    ast = groovy_asts[name]
    assert "error" not in ast
    code = {
        "calls": ast["calls"], "variables": ast["variables"], "properties": ast["properties"],
        "gstrings": ast["gstrings"], "other": [o["text"] for o in ast["other"]],
    }
    assert {k: [c for c in v if MARKER in str(c)] for k, v in code.items()} == {
        k: [] for k in code}
    assert ast["gstrings"] == []  # nothing is interpolated anywhere
    constants = [c for c in ast["constants"] if isinstance(c, str)]
    hostile = set(_hostile_values(spec))
    for constant in constants:
        if MARKER in constant and constant not in hostile:
            # the only composite constants: the approval's submitter list and, without a
            # library, runner command lines whose arguments are shell-quoted
            if constant.startswith("superspec "):
                assert all(MARKER not in w or w in hostile for w in shlex.split(constant))
            else:
                assert constant == ",".join(spec.environments["prod"].approval.groups)
    gitlab_only = {spec.ci.gitlab.image, *spec.ci.gitlab.tags}
    joined = set(spec.environments["prod"].approval.groups)  # only as the submitter list
    no_library = {spec.ci.jenkins.library} if name.startswith("variants/") else set()
    for value in hostile - gitlab_only - joined - no_library:
        assert value in constants, value


@pytest.mark.parametrize("name", CASES)
def test_commands_arrive_verbatim_in_both_files(
    name: str, outputs: dict[str, Output], groovy_asts: dict[str, dict[str, Any]], spec: Any
) -> None:
    document = load_gitlab(outputs[name].files[".gitlab-ci.yml"])
    pipeline = next(n for n in groovy_asts[name]["tree"] if n["call"] == "pipeline")
    stages = next(n for n in pipeline["children"] if n["call"] == "stages")
    jenkins = {s["args"][0]["constant"]: s for s in stages["children"]}
    expected = {
        "build": [spec.build.commands.build],
        "test": [spec.build.commands.test],
        **{sid: list(s.script) for sid, s in spec.pipeline.stages.items() if s.script},
    }
    for stage_id, commands in expected.items():
        assert document[stage_id]["script"] == commands
        steps = next(c for c in jenkins[stage_id]["children"] if c["call"] == "steps")
        assert [c["args"][0]["constant"] for c in steps["children"] if c["call"] == "sh"] == (
            commands)
        assert document[stage_id]["image"] == spec.build.image
    assert document["default"] == {"image": spec.ci.gitlab.image, "tags": spec.ci.gitlab.tags}
    assert document["test"]["artifacts"]["reports"]["junit"] == (
        spec.pipeline.stages["test"].reports.junit)


def test_runner_arguments_reach_the_shell_verbatim(outputs: dict[str, Output], spec: Any) -> None:
    """The enforce command line carries a hostile report path: a real shell must see it as one
    argument, unchanged (printf prints each argument on its own line)."""
    document = load_gitlab(outputs["golden/hostile-values"].files[".gitlab-ci.yml"])
    command = document["enforce"]["script"][0]
    printed = subprocess.run(
        ["sh", "-c", "printf '%s\\n' " + command.removeprefix("superspec ")],
        capture_output=True, text=True, check=True, env={"CI_COMMIT_REF_NAME": "main"},
    ).stdout.splitlines()
    assert printed == ["enforce", "--spec", "superspec.yaml", "--branch", "main",
                       "--report-junit", spec.pipeline.stages["enforce"].reports.junit]
