"""Turn outcomes into contract messages and write them atomically.

A message is built as plain data: exactly what the contract's pydantic model (``step.contract``:
``StepResult``, ``StepErrorMessage``, the source of the published JSON Schemas) dumps, with the
same keys, key order and aliases and its unset optional keys left out, so that writing it imports
no pydantic. A message holding anything but plain JSON values (a runner's details with a path in
them, an approval not shaped as the contract says) is handed to its model, which converts or
refuses it as it always did.
"""

from __future__ import annotations

import json
from pathlib import Path

from superspec import __version__
from superspec.errors import InputError, Location, SpecError, SuperspecError, UsageError
from superspec.fileio import write_atomic
from superspec.step.codes import CONTRACT_VERSION, ERROR_EXIT_CODES, STATUS_EXIT_CODES
from superspec.step.context import RunnerUnavailable

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any

    from superspec.step.context import Verdict

APPROVAL_KEYS = ("message", "groups", "timeoutMinutes")  # ApprovalRequest's, in its order
APPROVAL_DEFAULTS = {"groups": [], "timeoutMinutes": 1440}


def result_message(step: str, verdict: Verdict) -> dict[str, Any]:
    """The result message of a runner's verdict (``StepResult``)."""
    data: dict[str, Any] = {
        "contract": CONTRACT_VERSION, "step": step, "status": verdict.status,
        "exitCode": STATUS_EXIT_CODES[verdict.status], "superspec": __version__,
        "message": verdict.message, "details": verdict.details,
    }
    if verdict.approval:
        approval = _approval(verdict.approval)
        if approval is None:
            return _modelled("StepResult", {**data, "approval": verdict.approval})
        data["approval"] = approval
    return _as_sent("StepResult", data)


def error_message(step: str, exc: BaseException, *, message: str | None = None,
                  exit_code: int | None = None) -> dict[str, Any]:
    """The error message for ``exc`` (a SuperspecError, or any exception as an internal error):
    ``StepErrorMessage``."""
    kind = error_kind(exc)
    location: dict[str, Any] | None = None
    problems: list[dict[str, Any]] = []
    if isinstance(exc, SuperspecError):
        problems = [_problem(p.message, p.location) for p in getattr(exc, "problems", [exc])]
        text = message or "\n".join(exc.lines())
        location = _location(exc.location) or (problems[0].get("location") if problems else None)
    else:
        text = message or f"internal error: {type(exc).__name__}: {exc}"
    data: dict[str, Any] = {
        "contract": CONTRACT_VERSION, "step": step, "kind": kind,
        "exitCode": exit_code if exit_code is not None else _exit_code(exc, kind),
        "superspec": __version__, "message": text,
    }
    if location is not None:
        data["location"] = location
    data["problems"] = problems
    return _as_sent("StepErrorMessage", data)


def error_kind(exc: BaseException) -> str:
    """The contract's error kind of an exception."""
    if isinstance(exc, RunnerUnavailable):
        return "unavailable"
    if isinstance(exc, UsageError):
        return "params"
    if isinstance(exc, SpecError):
        return "spec"
    if isinstance(exc, InputError):
        return "input"
    if isinstance(exc, SuperspecError):
        return "failure"
    return "internal"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """A message file: sorted, indented JSON, written atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


class _NotPlain(Exception):
    """A value the contract's model would convert (or refuse), not write as it is."""


def _as_sent(model: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the model would dump it: itself when it is plain JSON, else the model's."""
    try:
        plain: dict[str, Any] = _plain(data)
    except _NotPlain:
        return _modelled(model, data)
    return plain


def _plain(value: Any) -> Any:
    """A copy of ``value`` in JSON's own types (tuples become lists, as the model's JSON mode
    makes them); raises _NotPlain for anything else (a subclass, a path, NaN, a key that is not
    a string)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float and value - value == 0:  # finite: the model writes null for inf and nan
        return value
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _NotPlain
        return {key: _plain(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    raise _NotPlain


def _modelled(model: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` validated and dumped by the contract's model (imports pydantic)."""
    from superspec.step import contract

    message: dict[str, Any] = contract.dump(getattr(contract, model).model_validate(data))
    return message


def _approval(approval: dict[str, Any]) -> dict[str, Any] | None:
    """A runner's approval request as ``ApprovalRequest`` dumps it (defaults filled in), or None
    when it is not plainly valid (then the model checks it)."""
    if not set(approval) <= set(APPROVAL_KEYS):
        return None
    data = {key: approval.get(key, APPROVAL_DEFAULTS.get(key)) for key in APPROVAL_KEYS}
    groups, timeout = data["groups"], data["timeoutMinutes"]
    if type(data["message"]) is not str or type(groups) is not list \
            or not all(type(group) is str for group in groups) \
            or type(timeout) is not int or timeout <= 0:
        return None
    return data


def _problem(message: str, location: Location | None) -> dict[str, Any]:
    problem: dict[str, Any] = {"message": message}
    where = _location(location)
    if where is not None:
        problem["location"] = where
    return problem


def _location(location: Location | None) -> dict[str, Any] | None:
    """``ErrorLocation``: the file, and line, column, layer and key when known."""
    if location is None:
        return None
    data: dict[str, Any] = {"file": location.file}
    for key in ("line", "column", "layer", "key"):
        value = getattr(location, key)
        if value is not None:
            data[key] = value
    return data


def _exit_code(exc: BaseException, kind: str) -> int:
    """The code the CLI exits with for ``exc`` (the error boundary uses ``exit_code``)."""
    if isinstance(exc, SuperspecError):
        return exc.exit_code
    return ERROR_EXIT_CODES[kind]

