"""Read and validate a params file: each problem located (file:line key), with hints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from superspec import __version__
from superspec.errors import Location, SpecError, SuperspecError, UsageError
from superspec.paths import display_path
from superspec.step.contract import CONTRACT_VERSION, ParamsBase, params_model, step_names
from superspec.suggest import hinted


class ParamsError(UsageError):
    """The params file is missing, not JSON, or does not match the contract (exit 2)."""

    def __init__(self, problems: list[SuperspecError]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


def check_step_name(name: str) -> None:
    """Reject a step superspec does not know, suggesting the closest one."""
    names = step_names()
    if name in names:
        return
    raise UsageError(hinted(f"unknown step '{name}'", name, names, "steps"))


def load_params(name: str, path: Path) -> ParamsBase:
    """Read ``path`` as the params of step ``name``; raises ParamsError listing every problem."""
    display = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error("params file not found", Location(display)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(f"cannot read params file: {exc}", Location(display)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(
            f"params file is not valid JSON: {exc.msg}", Location(display, exc.lineno, exc.colno)
        ) from None
    if not isinstance(data, dict):
        raise _error("params must be a JSON object", Location(display, 1))
    lines: list[dict[str, int]] = []  # the keys' lines, read (with the YAML reader) for errors

    def where(key: str | None) -> Location:
        if not key:
            return Location(display, None, key=key)
        if not lines:
            lines.append(_key_lines(text, display))
        return Location(display, lines[0].get(key), key=key)

    contract = data.get("contract")
    if "contract" not in data:
        raise _error(f"missing key 'contract' (this superspec speaks contract {CONTRACT_VERSION})",
                     where(None))
    if contract != CONTRACT_VERSION or isinstance(contract, bool):
        raise _error(
            f"contract {json.dumps(contract)} is not supported by superspec {__version__}, "
            f"which speaks contract {CONTRACT_VERSION}", where("contract"))
    if data.get("step") != name:
        got = "missing" if "step" not in data else f"{json.dumps(data['step'])}"
        raise _error(f"'step' must be \"{name}\" for `superspec step {name}` (got {got})",
                     where("step" if "step" in data else None))
    model = params_model(name)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        known = sorted(field.alias or key for key, field in model.model_fields.items())
        raise ParamsError([_problem(err, known, where) for err in exc.errors()]) from None


def _problem(err: Any, known: list[str], where: Any) -> SuperspecError:
    loc = [str(part) for part in err["loc"]]
    key = loc[0] if loc else None
    dotted = ".".join(loc) or None
    if err["type"] == "extra_forbidden":
        message = hinted(f"unknown key '{key}'", key or "", known, "known keys")
    elif err["type"] == "missing":
        message = f"missing key '{dotted}'"
    else:
        message = f"{err['msg']} (got {json.dumps(err.get('input'))})"
    location = where(key)
    return SuperspecError(message, location=Location(location.file, location.line, key=dotted))


def _error(message: str, location: Location) -> ParamsError:
    return ParamsError([SuperspecError(message, location=location)])


def locate_param(path: Path, key: str) -> Location:
    """Where top-level ``key`` is in the params file ``path`` (file, line, key)."""
    display = display_path(path)
    try:
        line = _key_lines(path.read_text(encoding="utf-8"), display).get(key)
    except (OSError, UnicodeDecodeError):
        line = None
    return Location(display, line, key=key)


def _key_lines(text: str, display: str) -> dict[str, int]:
    """The line of each top-level key (JSON is YAML; best effort, {} when the YAML reader balks)."""
    from superspec.spec.yamlsource import parse_yaml

    try:
        doc = parse_yaml(text, display)
    except SpecError:
        return {}
    return {path[0]: line for path, line in doc.lines.items() if len(path) == 1}
