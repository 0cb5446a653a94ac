"""Spec values that become names in generated files and runtime objects (job names, locks,
environments): refused when unusable, each with a located error.

Checked once when the spec is loaded (``spec.checks``); the pipeline planner runs the same
function through ``superspec.render.names``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from superspec.spec.models import Spec

Problem = Callable[[tuple[str, ...], str], None]

# Names that become parts of resource names (locks, environments): plain ASCII identifiers only.
RESOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # used with fullmatch
MAX_JOB_NAME = 255
# Top-level .gitlab-ci.yml keywords a job may not be called.
GITLAB_RESERVED = frozenset({
    "image", "services", "stages", "types", "before_script", "after_script", "variables",
    "cache", "include", "default", "workflow", "spec", "pages:deploy",
})
_NAME_RULE = "use letters, digits, '.', '_' and '-', starting with a letter or digit"


def check_names(spec: Spec, problem: Problem) -> None:
    """Project and environment names, approval groups and stage ids."""
    if not RESOURCE_NAME.fullmatch(spec.name):
        problem(("name",), f"project name {spec.name!r} cannot name a lock or environment: "
                           f"{_NAME_RULE}")
    used = {s.env for s in spec.pipeline.stages.values() if s.env}
    used |= {e for s in spec.pipeline.stages.values() for e in s.envs or ()}
    for name in sorted(used):
        if name in spec.environments and not RESOURCE_NAME.fullmatch(name):
            problem(("environments", name), f"environment name {name!r} cannot name a lock or "
                                            f"environment: {_NAME_RULE}")
    for name, env in spec.environments.items():
        for index, group in enumerate(env.approval.groups):
            if "," in group or not group.strip() or group != group.strip():
                problem(("environments", name, "approval", "groups", str(index)),
                        f"approval group {group!r} cannot contain ',' or surrounding spaces")
    for stage_id in spec.pipeline.stages:
        if len(stage_id) > MAX_JOB_NAME:
            problem(("pipeline", "stages", stage_id),
                    f"stage id is {len(stage_id)} characters long; GitLab job names allow "
                    f"{MAX_JOB_NAME}")
        elif stage_id in GITLAB_RESERVED or stage_id.startswith("."):
            problem(("pipeline", "stages", stage_id),
                    f"stage id '{stage_id}' is a .gitlab-ci.yml keyword or a hidden job name: "
                    "choose another id")
