"""The step contract, version 1: the three JSON messages between a pipeline step and superspec.

A pipeline step (the Jenkins shared library, or any CI script) writes a **params** message to a
file and runs ``superspec step NAME --params-file FILE``. superspec answers with a **result**
message when the runner reached a verdict, and an **error** message when the step failed (bad
params, bad spec, a failed verdict, a runner that is not available).
Every message carries ``"contract": 1``.

Keys are camelCase in JSON (``mavenRepo``, ``exitCode``); attributes are snake_case.
Examples of every message live in ``shared-library/resources/superspec/contract/``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel

from superspec.runners import registry
from superspec.spec.modelbase import SECRET_NAME
from superspec.step.codes import CONTRACT_VERSION as CONTRACT_VERSION
from superspec.step.codes import ERROR_EXIT_CODES as ERROR_EXIT_CODES
from superspec.step.codes import STATUS_EXIT_CODES as STATUS_EXIT_CODES

Status = Literal["passed", "failed", "done", "rolled-back", "paused-for-approval"]
ErrorKind = Literal["params", "spec", "input", "failure", "unavailable", "internal"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class ContractModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=_camel, populate_by_name=True, frozen=True, strict=True,
        defer_build=True,
    )


# --- params ----------------------------------------------------------------------------------

SecretName = Annotated[str, Field(pattern=f"^{SECRET_NAME}$")]


class ParamsBase(ContractModel):
    """Keys every step accepts.

    ``plain``: the step's adapter reads nothing of its params but the fields' values (attribute
    reads), so the validated values (``superspec.plainvalues``) can stand in for the model, and
    an unchanged params file's next run takes them from the params memo (``step.paramsmemo``)
    without importing pydantic. The built-in steps' models set it."""

    plain: ClassVar[bool] = False

    contract: Literal[1] = Field(description="Contract version; this superspec speaks 1.")
    spec: str = Field("superspec.yaml", description="The project's spec file (workspace-relative).")
    layers: list[str] = Field([], description="Directories to look up layers named in 'extends'.")
    root: str | None = Field(
        None, description="The company layer the chain must end in (SUPERSPEC_ROOT on the agent "
                          "wins; both set must agree).",
    )
    stage: str | None = Field(
        None, description="Pipeline stage id; options the step does not set come from the stage."
    )
    secrets: list[SecretName] = Field(
        [], description="Names of secrets the CI put in the environment (values never here)."
    )
    step: str  # the step's name: each step's params narrow it to their own


def step_names() -> tuple[str, ...]:
    """The steps of this superspec: the registry's step runners."""
    return registry.step_names()


def params_model(name: str) -> type[ParamsBase]:
    """The params model of step ``name`` (registered with the runner)."""
    runner = registry.get(name)
    if runner is None or runner.params is None:
        raise KeyError(name)
    model: type[ParamsBase] = registry.load(runner.params)
    return model


def params_message() -> type[RootModel[Any]]:
    """The params message of any step: the union of every step's params, told apart by 'step'
    (the schema published for other CI systems)."""
    return _params_message(step_names())


@lru_cache(maxsize=8)
def _params_message(names: tuple[str, ...]) -> type[RootModel[Any]]:
    models = tuple(params_model(name) for name in names)
    union: Any = Union[models] if len(models) > 1 else models[0]  # noqa: UP007 - built at run time
    root: Any = RootModel[Annotated[union, Field(discriminator="step")]]
    message: type[RootModel[Any]] = type("ParamsMessage", (root,), {
        "__doc__": "The params message of any step (the schema published for other CI systems).",
        "__module__": __name__})
    return message


# --- result ----------------------------------------------------------------------------------


class ApprovalRequest(ContractModel):
    """What a release paused for approval waits for."""

    message: str
    groups: list[str] = []
    timeout_minutes: int = Field(1440, gt=0)


class StepResult(ContractModel):
    """The runner reached a verdict. ``status`` decides what the pipeline does next."""

    contract: Literal[1]
    step: str  # a step runner of this superspec (the schema lists them)
    status: Status
    exit_code: int
    superspec: str = Field(description="Version of superspec that ran the step.")
    message: str
    details: dict[str, Any] = Field(description="The runner's own JSON report.")
    approval: ApprovalRequest | None = Field(
        None, description="Set when status is paused-for-approval."
    )


# --- error -----------------------------------------------------------------------------------


class ErrorLocation(ContractModel):
    file: str
    line: int | None = None
    column: int | None = None
    layer: str | None = None
    key: str | None = None


class Problem(ContractModel):
    message: str
    location: ErrorLocation | None = None


class StepErrorMessage(ContractModel):
    """The step failed; ``message`` is what the pipeline shows (it includes the location)."""

    contract: Literal[1]
    step: str
    kind: ErrorKind
    exit_code: int
    superspec: str
    message: str
    location: ErrorLocation | None = None
    problems: list[Problem] = Field(
        [], description="Every problem found, each with its own location."
    )


def dump(model: BaseModel) -> dict[str, Any]:
    """A message as JSON-ready data: camelCase keys, unset optional keys left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each message, keyed by message name."""
    result = StepResult.model_json_schema(by_alias=True)
    result["properties"]["step"]["enum"] = list(step_names())
    return {
        "params": params_message().model_json_schema(by_alias=True),
        "result": result,
        "error": StepErrorMessage.model_json_schema(by_alias=True),
    }
