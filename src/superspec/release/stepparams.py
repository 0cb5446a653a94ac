"""The params of ``superspec step release`` (the step contract's model; ``release.step`` runs
it)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from superspec.step.contract import ParamsBase


class ReleaseParams(ParamsBase):
    plain: ClassVar[bool] = True  # the adapter reads only the values
    step: Literal["release"]
    env: str | None = Field(None, description="Environment; default: the stage's env.")
    version: str | None = Field(None, description="Version/tag to release; default: app.version.")
    resume: bool = Field(False, description="Continue a release paused for approval.")
    abort: bool = Field(False, description="Roll back the release in progress (e.g. when its "
                                           "approval was declined).")

    @model_validator(mode="after")
    def _one_way(self) -> ReleaseParams:
        if self.resume and self.abort:
            raise ValueError("'resume' and 'abort' exclude each other")
        return self
