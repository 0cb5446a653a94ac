"""The params of ``superspec step package`` (the step contract's model; ``package.step`` runs
it)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from superspec.step.contract import ParamsBase


class PackageParams(ParamsBase):
    plain: ClassVar[bool] = True  # the adapter reads only the values
    step: Literal["package"]
    envs: list[str] | None = Field(None, description="Environments; default: the stage's envs.")
    artifact: str | None = Field(None, description="Built artifact; default: package.artifact.")
    out: str | None = Field(None, description="Output directory for the per-environment packages.")
