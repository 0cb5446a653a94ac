"""One spelling per key: the snake_case name of a field is an unknown key in every layer, so it
can neither set a value nor slip under a lock declared in camelCase."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from tests.spec.conftest import MINIMAL, Tree

COMPANY = """
locked: [environments.prod.approval, ci.jenkins.options, package.secretStyle]
ci: {jenkins: {options: {timeoutMinutes: 60, keepBuilds: 30}}}
environments:
  prod: {class: production, approval: {required: true, timeoutMinutes: 60}}
"""  # package.secretStyle is locked at its default: a lock on a value no layer wrote


@pytest.mark.parametrize(("body", "key", "hint"), [
    ("environments: {prod: {approval: {timeout_minutes: 1}}}",
     "environments.prod.approval.timeout_minutes", "timeoutMinutes"),
    ("ci: {jenkins: {options: {keep_builds: 1}}}", "ci.jenkins.options.keep_builds",
     "keepBuilds"),
    ("ci: {jenkins: {options: {timeout_minutes: 1}}}", "ci.jenkins.options.timeout_minutes",
     "timeoutMinutes"),
    ("package: {secret_style: '{{NAME}}'}", "package.secret_style", "secretStyle"),
    ("environments: {prod: {release: {gates: {max_error_rate: 1}}}}",
     "environments.prod.release.gates.max_error_rate", "maxErrorRate"),
])
def test_snake_case_spelling_is_an_unknown_key(tree: Tree, capsys: pytest.CaptureFixture[str],
                                               body: str, key: str, hint: str) -> None:
    tree.company(COMPANY)
    tree.department()
    project = tree.project(MINIMAL + body + "\n")
    run = run_cli(capsys, "validate", "--spec", str(project))
    assert run.code == 1
    name = key.rsplit(".", 1)[1]
    assert run.err == (f"error: api/superspec.yaml:9 [project api] {key}: unknown key '{name}'; "
                       f"did you mean '{hint}'?\n")


def test_snake_case_rule_option_is_refused_with_a_hint(tree: Tree,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    tree.company("enforce: {rules: {requireOS: {family: unix}}}\n")
    tree.department()
    project = tree.project(MINIMAL + "enforce: {rules: {requireOS: {only_when: {branch: x}}}}\n")
    run = run_cli(capsys, "validate", "--spec", str(project))
    assert run.code == 1
    assert run.err == ("error: api/superspec.yaml:9 [project api] "
                       "enforce.rules.requireOS.only_when: unknown option 'only_when' for rule "
                       "requireOS; did you mean 'onlyWhen'?\n")


def test_the_documented_spelling_still_works(tree: Tree,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    tree.company(COMPANY)
    tree.department()
    project = tree.project(MINIMAL + "environments: {prod: {approval: {timeoutMinutes: 60}}}\n")
    run = run_cli(capsys, "explain", "environments.prod.approval.timeoutMinutes",
                  "--spec", str(project))
    assert run.code == 0, run.err
    assert run.out.startswith("environments.prod.approval.timeoutMinutes = 60    (project api")
