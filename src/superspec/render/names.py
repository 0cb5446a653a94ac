"""Spec values that become names in generated files: the checks live in ``superspec.spec.names``
(spec validation runs them when the spec is loaded); the planner calls them from here too."""

from __future__ import annotations

from superspec.spec.names import (
    GITLAB_RESERVED,
    MAX_JOB_NAME,
    RESOURCE_NAME,
    Problem,
    check_names,
)

__all__ = ["GITLAB_RESERVED", "MAX_JOB_NAME", "RESOURCE_NAME", "Problem", "check_names"]
