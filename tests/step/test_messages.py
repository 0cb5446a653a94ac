"""The result and error messages are built as plain data, byte for byte what the contract's
pydantic models (the source of the published schemas) write: keys, their order, aliases, unset
optional keys left out, the approval's defaults. What is not plain JSON goes through the model."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from superspec import __version__
from superspec.errors import InputError, Location, SpecError, SuperspecError, UsageError
from superspec.step.context import RunnerUnavailable, Verdict
from superspec.step.contract import (
    CONTRACT_VERSION,
    STATUS_EXIT_CODES,
    ApprovalRequest,
    ErrorLocation,
    Problem,
    StepErrorMessage,
    StepResult,
    dump,
)
from superspec.step.messages import error_kind, error_message, result_message, write_json
from superspec.step.params import ParamsError
from tests.step.conftest import CONTRACT


def modelled_result(step: str, verdict: Verdict) -> dict[str, Any]:
    """The result message as the pydantic models wrote it before (the reference)."""
    approval = ApprovalRequest.model_validate(verdict.approval) if verdict.approval else None
    return dump(StepResult(
        contract=CONTRACT_VERSION, step=step, status=verdict.status,  # type: ignore[arg-type]
        exit_code=STATUS_EXIT_CODES[verdict.status], superspec=__version__,
        message=verdict.message, details=verdict.details, approval=approval))


def _where(location: Location | None) -> ErrorLocation | None:
    return None if location is None else ErrorLocation(
        file=location.file, line=location.line, column=location.column, layer=location.layer,
        key=location.key)


def modelled_error(step: str, exc: BaseException, message: str | None = None,
                   exit_code: int | None = None) -> dict[str, Any]:
    kind = error_kind(exc)
    problems: list[Problem] = []
    location = None
    if isinstance(exc, SuperspecError):
        problems = [Problem(message=p.message, location=_where(p.location))
                    for p in getattr(exc, "problems", [exc])]
        text = message or "\n".join(exc.lines())
        location = _where(exc.location) or (problems[0].location if problems else None)
        code = exc.exit_code
    else:
        text = message or f"internal error: {type(exc).__name__}: {exc}"
        code = 3
    return dump(StepErrorMessage(
        contract=CONTRACT_VERSION, step=step, kind=kind,  # type: ignore[arg-type]
        exit_code=exit_code if exit_code is not None else code, superspec=__version__,
        message=text, location=location, problems=problems))


def _bytes(data: dict[str, Any]) -> bytes:
    """The message as written (sorted keys), and in its own key order (the model's field order)."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            + json.dumps(data, ensure_ascii=False)).encode()


def _example(name: str) -> dict[str, Any]:
    return json.loads((CONTRACT / "result" / f"{name}.json").read_text())


def _verdict_of(example: dict[str, Any]) -> Verdict:
    return Verdict(example["status"], example["message"], example["details"],
                   approval=example.get("approval"))


EXAMPLES = sorted(p.stem for p in (CONTRACT / "result").glob("*.json"))
VERDICTS = {
    "passed, nested details with nulls, tuples and unicode": Verdict(
        "passed", "enforce passed (2 passed, 0 failed, 0 skipped, 0 could not run)",
        {"branch": None, "rules": ({"id": "requireOS", "violations": ()},), "note": "café ✓",
         "counts": {"pass": 2, "ratio": 0.5}, "cached": True}),
    "failed": Verdict("failed", "enforce failed (1 failed): bannedDependencies: log4j",
                      {"passed": False, "warnings": []}),
    "done, empty details": Verdict("done", "released payments-api 1.4.2 in prod", {}),
    "rolled back": Verdict("rolled-back", "gate 'smoke' failed: rolled back",
                           {"environment": "prod"}),
    "paused, the approval in full": Verdict(
        "paused-for-approval", "waiting for approval", {"environment": "prod"},
        approval={"message": "waiting for approval", "groups": ["release-managers", "sre"],
                  "timeoutMinutes": 60}),
    "paused, the approval's defaults": Verdict(
        "paused-for-approval", "waiting", {"environment": "prod"}, approval={"message": "ok?"}),
    "an empty approval is none": Verdict("done", "done", {}, approval={}),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_result_example_is_written_byte_for_byte_as_the_model_writes_it(name: str) -> None:
    example = _example(name)
    verdict = _verdict_of(example)
    plain = result_message(example["step"], verdict)
    assert _bytes(plain) == _bytes(modelled_result(example["step"], verdict))
    assert plain == example


@pytest.mark.parametrize("case", sorted(VERDICTS))
def test_results_are_written_byte_for_byte_as_the_model_writes_them(case: str) -> None:
    verdict = VERDICTS[case]
    assert _bytes(result_message("enforce", verdict)) == _bytes(modelled_result("enforce",
                                                                                verdict))


ERRORS = {
    "params, every problem located": ParamsError([
        SuperspecError("unknown key 'brnach'; did you mean 'branch'?",
                       location=Location(".superspec/step-enforce.json", 5, key="brnach")),
        SuperspecError("missing key 'step'", location=Location("p.json", None, key=None))]),
    "spec, with layer and column": SpecError([
        SuperspecError("stage 'smoke' runs 'script', not 'deploy'", location=Location(
            "ci-layers/acme/superspec.yaml", 12, 3, "company acme", "pipeline.stages.smoke")),
        SuperspecError("no location")]),
    "input, located by file only": InputError("secret(s) X not set",
                                              location=Location("params.json")),
    "failure without location": SuperspecError("enforce failed (1 failed)"),
    "unknown step (usage)": UsageError("unknown step 'pakage'; did you mean 'package'?"),
    "unavailable": RunnerUnavailable("toy"),
    "internal (a bug)": KeyError("boom"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
@pytest.mark.parametrize("override", [{}, {"message": "told", "exit_code": 4}])
def test_errors_are_written_byte_for_byte_as_the_model_writes_them(
        case: str, override: dict[str, Any]) -> None:
    exc = ERRORS[case]
    plain = error_message("enforce", exc, **override)
    assert _bytes(plain) == _bytes(modelled_error("enforce", exc, **override))
    StepErrorMessage.model_validate(plain)  # and the schema's model accepts it


def _outcome(build: Callable[[], dict[str, Any]]) -> object:
    """What building a message gives: the message, or the type of what it raised."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - compared, not handled
        return type(exc)


@pytest.mark.parametrize("value", [
    Path("c"), PurePosixPath("a/b"), {"x"}, math.nan, math.inf, {1: "an int key"},
    {"nested": [Path("d")]}, True, 10**30, -0.0,
], ids=repr)
def test_values_that_are_not_plain_json_go_through_the_model(value: object) -> None:
    verdict = Verdict("passed", "ok", {"value": value})
    assert _outcome(lambda: result_message("enforce", verdict)) == \
        _outcome(lambda: modelled_result("enforce", verdict))


@pytest.mark.parametrize("approval", [
    {"message": "ok?", "timeoutMinutes": 0},  # the model's check: > 0
    {"message": "ok?", "groups": ("a",)},  # strict: a list
    {"message": "ok?", "timeout_minutes": 5},  # by field name: the model accepts it
    {"message": "ok?", "whatever": 1},  # an unknown key: the model refuses it
    {"message": "ok?", "timeoutMinutes": True},  # strict: not an int
    {"groups": []},  # no message
])
def test_an_approval_not_shaped_as_the_contract_says_is_judged_by_the_model(
        approval: dict[str, Any]) -> None:
    verdict = Verdict("paused-for-approval", "waiting", {}, approval=approval)
    assert _outcome(lambda: result_message("release", verdict)) == \
        _outcome(lambda: modelled_result("release", verdict))


def test_a_message_file_is_sorted_indented_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_json(path, result_message("enforce", VERDICTS["failed"]))
    assert path.read_text() == json.dumps(
        modelled_result("enforce", VERDICTS["failed"]), indent=2, sort_keys=True) + "\n"
