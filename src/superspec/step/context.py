"""What a step runner's adapter works with and answers: the seam between ``superspec step`` and
each runner (registered in ``superspec.runners.registry``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from superspec import __version__
from superspec.errors import Location, SuperspecError
from superspec.step.params import locate_param

TYPE_CHECKING = False
if TYPE_CHECKING:  # the spec model is built only for a runner that reads it
    from superspec.spec import EffectiveSpec
    from superspec.spec.models import Stage


@dataclass(frozen=True)
class Verdict:
    """A runner's answer: the contract status, a one-line message and its JSON report."""

    status: str
    message: str
    details: dict[str, Any]
    approval: dict[str, Any] | None = field(default=None)


class RunnerUnavailable(SuperspecError):
    """The runner a step names is not part of this superspec."""

    def __init__(self, name: str) -> None:
        super().__init__(f"runner '{name}' is not available in superspec {__version__}")
        self.runner = name


@dataclass(frozen=True)
class StepContext:
    """The effective spec, the stage the params name (``stage_id``, checked to exist and to run
    this step; or None) and the params file."""

    effective: EffectiveSpec
    stage_id: str | None
    params_file: Path

    @cached_property
    def stage(self) -> Stage | None:
        """The stage's model (built from the spec model on first read: a runner that reads only
        the params and the spec's facts never builds it)."""
        if self.stage_id is None:
            return None
        return self.effective.model.pipeline.stages[self.stage_id]

    def param_location(self, key: str) -> Location:
        return locate_param(self.params_file, key)
