"""The params of ``superspec step enforce`` (the step contract's model; ``enforce.step`` runs
it)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from superspec.step.contract import ParamsBase


class EnforceParams(ParamsBase):
    plain: ClassVar[bool] = True  # the adapter reads only the values
    step: Literal["enforce"]
    branch: str | None = Field(None, description="Branch name; default $BRANCH_NAME/$GIT_BRANCH.")
    junit: str | None = Field(None, description="Also write a JUnit XML report to this path.")
    maven_repo: str | None = Field(None, description="Local Maven repository to read POMs from.")
    cache: bool = Field(True, description="Reuse cached dependency graphs and jar indexes.")
