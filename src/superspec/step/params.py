"""Read and validate a params file: each problem located (file:line key), with hints.

``load_params`` validates with the step's params model (pydantic); ``step_params`` (what a step
run uses) answers an unchanged params file from the params memo (``step.paramsmemo``) with the
values that model produced, importing no pydantic.
"""

from __future__ import annotations

import json
from pathlib import Path

from superspec import __version__
from superspec.errors import Location, SpecError, SuperspecError, UsageError
from superspec.fileio import read_regular
from superspec.paths import display_path
from superspec.runners import registry
from superspec.step.codes import CONTRACT_VERSION

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any

    from superspec.plainvalues import PlainValues
    from superspec.step.contract import ParamsBase

    # what a runner's adapter receives: the validated model or its remembered values
    StepParams = ParamsBase | PlainValues


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
    names = registry.step_names()
    if name in names:
        return
    from superspec.suggest import hinted

    raise UsageError(hinted(f"unknown step '{name}'", name, names, "steps"))


def load_params(name: str, path: Path) -> ParamsBase:
    """Read ``path`` as the params of step ``name``; raises ParamsError listing every problem."""
    return ParamsSource(name, path).validate()


def step_params(name: str, path: Path) -> StepParams:
    """``load_params``, or the values it gave for these very bytes when the params memo holds
    them (an unchanged params file, validated by unchanged code)."""
    from superspec.step import paramsmemo

    source = ParamsSource(name, path)
    remembered = paramsmemo.lookup(name, source.raw, source.data)
    if remembered is not None:
        return remembered
    params = source.validate()
    paramsmemo.remember(name, source.raw, source.data, params)
    return params


class ParamsSource:
    """A params file read and checked up to its model: JSON, an object, this contract, this
    step. Raises ParamsError."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.display = display = display_path(path)
        self._lines: dict[str, int] | None = None  # the keys' lines, read for errors only
        try:
            self.raw = read_regular(path)  # a FIFO is refused, not waited on
            # as Path.read_text reads it: universal newlines
            self.text = self.raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except FileNotFoundError:
            raise _error("params file not found", Location(display)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _error(f"cannot read params file: {exc}", Location(display)) from None
        try:
            data = json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise _error(f"params file is not valid JSON: {exc.msg}",
                         Location(display, exc.lineno, exc.colno)) from None
        if not isinstance(data, dict):
            raise _error("params must be a JSON object", Location(display, 1))
        self.data: dict[str, Any] = data
        contract = data.get("contract")
        if "contract" not in data:
            raise _error(f"missing key 'contract' (this superspec speaks contract "
                         f"{CONTRACT_VERSION})", self.where(None))
        if contract != CONTRACT_VERSION or isinstance(contract, bool):
            raise _error(
                f"contract {json.dumps(contract)} is not supported by superspec {__version__}, "
                f"which speaks contract {CONTRACT_VERSION}", self.where("contract"))
        if data.get("step") != name:
            got = "missing" if "step" not in data else f"{json.dumps(data['step'])}"
            raise _error(f"'step' must be \"{name}\" for `superspec step {name}` (got {got})",
                         self.where("step" if "step" in data else None))

    def where(self, key: str | None) -> Location:
        if not key:
            return Location(self.display, None, key=key)
        if self._lines is None:
            self._lines = _key_lines(self.text, self.display)
        return Location(self.display, self._lines.get(key), key=key)

    def validate(self) -> ParamsBase:
        """The params validated by the step's model (imports pydantic)."""
        from pydantic import ValidationError

        from superspec.step.contract import params_model

        model = params_model(self.name)
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            known = sorted(field.alias or key for key, field in model.model_fields.items())
            raise ParamsError([_problem(err, known, self.where) for err in exc.errors()]) \
                from None


def _problem(err: Any, known: list[str], where: Any) -> SuperspecError:
    from superspec.suggest import hinted

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
