"""A lock on an enforce rule fixes the level it runs at: a lower layer's `enforce.level: warn`
(or a department's) cannot turn a locked failing rule into a warning."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from tests.spec.conftest import Tree

RULE = "requireFilesExist: {files: [MISSING-FILE]}"
PIPELINE = "build: {tool: custom, commands: {build: 'true'}}\npipeline: {stages: {enforce: {}}}\n"


def _enforce(tree: Tree, capsys: pytest.CaptureFixture[str], company: str, department: str,
             project: str) -> int:
    tree.company(PIPELINE + company)
    tree.department(department)
    spec = tree.project(project)
    run = run_cli(capsys, "enforce", "--spec", str(spec), "--no-cache", "--format", "json")
    assert run.err in ("", "error: enforce failed: requireFilesExist\n"), run.err
    return run.code


@pytest.mark.parametrize("lock", [
    "enforce.rules.requireFilesExist",
    "enforce.rules.requireFilesExist.level",
    "enforce.rules",
])
@pytest.mark.parametrize(("department", "project"), [
    ("", "enforce: {level: warn}\n"),
    ("enforce: {level: warn}\n", ""),
    ("enforce: {level: warn}\n", "enforce: {level: warn}\n"),
])
def test_a_lower_default_level_does_not_reach_a_locked_rule(
        tree: Tree, capsys: pytest.CaptureFixture[str], lock: str, department: str,
        project: str) -> None:
    company = f"locked: [{lock}]\nenforce: {{rules: {{{RULE}}}}}\n"
    assert _enforce(tree, capsys, company, department, project) == 1


def test_the_level_in_force_where_the_lock_was_declared_is_kept(
        tree: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    """A company that runs the rule as a warning and locks it keeps it a warning."""
    company = (f"locked: [enforce.rules.requireFilesExist]\n"
               f"enforce: {{level: warn, rules: {{{RULE}}}}}\n")
    assert _enforce(tree, capsys, company, "", "enforce: {level: error}\n") == 0


def test_an_unlocked_rule_follows_the_lower_default(tree: Tree,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    company = f"enforce: {{rules: {{{RULE}}}}}\n"
    assert _enforce(tree, capsys, company, "", "enforce: {level: warn}\n") == 0
    assert _enforce(tree, capsys, company, "", "") == 1
