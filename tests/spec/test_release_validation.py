"""`environments.<env>.release` is checked across keys when the spec is loaded: canary weights
that do not move forward or never reach 100%, a manual pause nobody may approve, more replicas
allowed down than the environment runs. Each problem is one located line: the file and line of
the layer that wrote the offending value, the layer, the dotted key."""

from __future__ import annotations

import pytest

from superspec.errors import SpecError
from superspec.spec import load_spec
from tests.helpers import run_cli
from tests.spec.conftest import MINIMAL, Tree

APPROVERS = "    approval: {required: true, groups: [release-managers]}\n"


def _project(tree: Tree, release: str, approval: str = APPROVERS, app: str = "") -> SpecError:
    """A company layer with the environment, a project layer with its release settings."""
    tree.company(MINIMAL + app + "environments:\n  prod:\n    class: production\n" + approval)
    path = tree.project("environments:\n  prod:\n    release:\n" + release, extends=
                        "../acme/superspec.yaml")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return info.value


def _where(error: SpecError) -> list[tuple[str | None, int | None, str | None, str | None]]:
    return [(p.location.file, p.location.line, p.location.layer, p.location.key)
            if p.location else (None, None, None, None) for p in error.problems]


def test_canary_weights_must_increase_strictly(tree: Tree) -> None:
    error = _project(tree, "      strategy: canary\n"
                           "      steps:\n"
                           "        - {weight: 10, pause: 30s}\n"
                           "        - {weight: 50, pause: 1m}\n"
                           "        - {weight: 50, pause: 1m}\n"
                           "        - {weight: 100}\n")
    assert error.lines() == [
        "api/superspec.yaml:12 [project api] environments.prod.release.steps.2.weight: canary "
        "step weights must increase strictly: step 3 gives 50% after step 2's 50%"]
    assert _where(error) == [("api/superspec.yaml", 12, "project api",
                              "environments.prod.release.steps.2.weight")]


def test_a_step_going_back_is_named_once(tree: Tree) -> None:
    error = _project(tree, "      strategy: canary\n"
                           "      steps: [{weight: 50}, {weight: 20}, {weight: 60}, "
                           "{weight: 100}]\n")
    assert error.lines() == [
        "api/superspec.yaml:9 [project api] environments.prod.release.steps.1.weight: canary "
        "step weights must increase strictly: step 2 gives 20% after step 1's 50%"]


def test_a_first_canary_step_at_zero_sends_nothing(tree: Tree) -> None:
    error = _project(tree, "      strategy: canary\n"
                           "      steps: [{weight: 0, pause: 5m}, {weight: 100}]\n")
    assert error.lines() == [
        "api/superspec.yaml:9 [project api] environments.prod.release.steps.0.weight: canary "
        "step weights must increase strictly: step 1 gives 0% after 0% (the new version's "
        "share before the first step)"]


def test_the_last_canary_step_must_reach_100(tree: Tree) -> None:
    error = _project(tree, "      strategy: canary\n"
                           "      steps:\n"
                           "        - {weight: 10, pause: 30s}\n"
                           "        - {weight: 50, pause: 1m}\n")
    assert error.lines() == [
        "api/superspec.yaml:11 [project api] environments.prod.release.steps.1.weight: the last "
        "canary step must move all the traffic (weight: 100), got 50"]
    assert _where(error)[0][1:] == (11, "project api",
                                    "environments.prod.release.steps.1.weight")


def test_a_manual_pause_needs_approvers(tree: Tree) -> None:
    """The approval is the company's (no groups), the steps the project's: the error points at
    the pause and says where the approvers would go."""
    error = _project(tree, "      strategy: canary\n"
                           "      steps:\n"
                           "        - {weight: 10, pause: 30s}\n"
                           "        - {weight: 50, pause: manual}\n"
                           "        - {weight: 100}\n",
                     approval="    approval: {required: true}\n")
    assert error.lines() == [
        "api/superspec.yaml:11 [project api] environments.prod.release.steps.1.pause: 'pause: "
        "manual' waits for an approver, but environments.prod.approval.groups names none: add "
        "the groups that may approve, or give the pause a duration"]
    assert _where(error) == [("api/superspec.yaml", 11, "project api",
                              "environments.prod.release.steps.1.pause")]


def test_a_blue_green_manual_pause_needs_approvers_too(tree: Tree) -> None:
    error = _project(tree, "      strategy: blue-green\n"
                           "      steps: [{weight: 100, pause: manual}]\n", approval="")
    assert [line.split(": ", 1)[0] for line in error.lines()] == [
        "api/superspec.yaml:9 [project api] environments.prod.release.steps.0.pause"]


def test_max_unavailable_beyond_the_replicas(tree: Tree) -> None:
    error = _project(tree, "      strategy: rolling\n"
                           "      rolling: {batch: 1, maxUnavailable: 5}\n",
                     app="app: {replicas: {default: 2, prod: 4}}\n")
    assert error.lines() == [
        "api/superspec.yaml:9 [project api] environments.prod.release.rolling.maxUnavailable: "
        "rolling.maxUnavailable is 5 but prod runs 4 replica(s) (app.replicas)"]


def test_a_batch_below_one_is_refused(tree: Tree) -> None:
    error = _project(tree, "      strategy: rolling\n      rolling: {batch: 0}\n")
    assert error.lines() == [
        "api/superspec.yaml:9 [project api] environments.prod.release.rolling.batch: Input "
        "should be greater than 0"]


def test_every_problem_is_reported_at_once_by_validate(
        tree: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    tree.company(MINIMAL + "environments:\n  prod: {class: production}\n")
    tree.project("environments:\n  prod:\n    release:\n      strategy: canary\n"
                 "      steps: [{weight: 60, pause: manual}, {weight: 30}]\n",
                 extends="../acme/superspec.yaml")
    run = run_cli(capsys, "validate", "--spec", "api/superspec.yaml")
    assert run.code == 1
    assert run.err.splitlines() == [
        "error: api/superspec.yaml:9 [project api] environments.prod.release.steps.1.weight: "
        "canary step weights must increase strictly: step 2 gives 30% after step 1's 60%",
        "error: api/superspec.yaml:9 [project api] environments.prod.release.steps.1.weight: "
        "the last canary step must move all the traffic (weight: 100), got 30",
        "error: api/superspec.yaml:9 [project api] environments.prod.release.steps.0.pause: "
        "'pause: manual' waits for an approver, but environments.prod.approval.groups names "
        "none: add the groups that may approve, or give the pause a duration",
    ]


@pytest.mark.parametrize("release", [
    "      strategy: canary\n      steps: [{weight: 10, pause: 5m}, {weight: 50, pause: 10m}, "
    "{weight: 100}]\n      gates: {maxErrorRate: 0.01, maxP95Ms: 800}\n",
    "      strategy: canary\n      steps: [{weight: 25, pause: manual}, {weight: 100}]\n",
    "      strategy: canary\n      steps: []\n",
    "      strategy: blue-green\n      steps: [{weight: 100, pause: manual}]\n",
    "      strategy: rolling\n      rolling: {batch: 2, maxUnavailable: 1}\n",
    "      strategy: recreate\n",
])
def test_releases_that_can_run_are_accepted(tree: Tree, release: str) -> None:
    tree.company(MINIMAL + "app: {replicas: {default: 2}}\nenvironments:\n  prod:\n"
                 "    class: production\n" + APPROVERS)
    path = tree.project("environments:\n  prod:\n    release:\n" + release,
                        extends="../acme/superspec.yaml")
    assert load_spec(path).model.environments["prod"].release is not None


def test_the_release_of_the_format_example_is_accepted(tree: Tree) -> None:
    """SPEC-FORMAT's prod environment: canary 10/50/100 with durations, approvers."""
    tree.company(MINIMAL + "environments:\n  prod:\n    class: production\n"
                 "    approval: {required: true, groups: [release-managers], "
                 "timeoutMinutes: 1440}\n    release:\n      strategy: canary\n"
                 "      steps: [{weight: 10, pause: 5m}, {weight: 50, pause: 10m}, "
                 "{weight: 100}]\n      gates: {maxErrorRate: 0.01, maxP95Ms: 800}\n")
    assert load_spec(tree.root / "acme/superspec.yaml").model.environments["prod"].release
