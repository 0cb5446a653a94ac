"""`superspec step`: the versioned JSON contract between CI pipeline steps and the runners."""

from superspec.step.contract import CONTRACT_VERSION, STEP_NAMES
from superspec.step.dispatch import Outputs, execute

__all__ = ["CONTRACT_VERSION", "STEP_NAMES", "Outputs", "execute"]
