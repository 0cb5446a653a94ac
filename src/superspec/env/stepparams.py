"""The params of ``superspec step deploy`` (the step contract's model; ``env.step`` runs it)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from superspec.step.contract import ParamsBase


class DeployParams(ParamsBase):
    plain: ClassVar[bool] = True  # the adapter reads only the values
    step: Literal["deploy"]
    env: str | None = Field(None, description="Environment; default: the stage's env.")
    version: str | None = Field(None, description="Version/tag to deploy; default: app.version.")
