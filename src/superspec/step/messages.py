"""Turn outcomes into contract messages and write them atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from superspec import __version__
from superspec.errors import InputError, Location, SpecError, SuperspecError, UsageError
from superspec.fileio import write_atomic
from superspec.step.context import RunnerUnavailable
from superspec.step.contract import (
    CONTRACT_VERSION,
    ERROR_EXIT_CODES,
    ErrorLocation,
    Problem,
    StepErrorMessage,
    dump,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import BaseModel


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


def error_message(step: str, exc: BaseException, *, message: str | None = None,
                  exit_code: int | None = None) -> StepErrorMessage:
    """The error message for ``exc`` (a SuperspecError, or any exception as an internal error)."""
    kind = error_kind(exc)
    if isinstance(exc, SuperspecError):
        problems = [
            Problem(message=p.message, location=_location(p.location))
            for p in getattr(exc, "problems", [exc])
        ]
        text = message or "\n".join(exc.lines())
        location = _location(exc.location) or (problems[0].location if problems else None)
    else:
        problems = []
        text = message or f"internal error: {type(exc).__name__}: {exc}"
        location = None
    return StepErrorMessage(
        contract=CONTRACT_VERSION, step=step, kind=kind,  # type: ignore[arg-type]
        exit_code=exit_code if exit_code is not None else _exit_code(exc, kind),
        superspec=__version__, message=text, location=location, problems=problems,
    )


def write_message(path: Path, message: BaseModel) -> None:
    write_json(path, dump(message))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """A message file: sorted, indented JSON, written atomically."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def _exit_code(exc: BaseException, kind: str) -> int:
    """The code the CLI exits with for ``exc`` (the error boundary uses ``exit_code``)."""
    if isinstance(exc, SuperspecError):
        return exc.exit_code
    return ERROR_EXIT_CODES[kind]


def _location(location: Location | None) -> ErrorLocation | None:
    if location is None:
        return None
    return ErrorLocation(file=location.file, line=location.line, column=location.column,
                         layer=location.layer, key=location.key)
