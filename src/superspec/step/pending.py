"""Params of the step runners whose contract exists but whose runner is not in this version
(release): `superspec step` checks them, and the environment they target, before it answers
"not available"."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from superspec.step.contract import ParamsBase


class ReleaseParams(ParamsBase):
    step: Literal["release"]
    env: str | None = Field(None, description="Environment; default: the stage's env.")
    version: str | None = Field(None, description="Version/tag to release; default: app.version.")
    resume: bool = Field(False, description="Continue a release paused for approval.")
