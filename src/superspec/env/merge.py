"""`env merge CHILD --into PARENT`: a three-way merge of each forked application from its split
point. What changed only in the child (version and image, configuration, migrations newer than
the parent's) goes to the parent; what changed only in the parent stays; what changed on both
sides differently is a conflict: listed, nothing changed, unless ``take`` names the side that
wins. Row data is never merged.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from typing import Any

from superspec.engine.docker import DockerEngine
from superspec.env.apply import Lineage, Outcome, Say, exact_image, read_spec, up
from superspec.env.desired import AppPlan
from superspec.env.destroy import destroy
from superspec.env.lock import environment_lock
from superspec.env.names import router_name
from superspec.env.serverspec import AppliedMigration, AppSpec, ServerSpec
from superspec.errors import InputError, UsageError


@dataclass(frozen=True)
class Conflict:
    project: str
    key: str
    base: Any
    parent: Any
    child: Any

    def line(self, parent: str, child: str, parent_from: str | None) -> str:
        via = f" (merged from {parent_from})" if parent_from else ""
        return (f"{self.project} {self.key}: split point {_show(self.base)}, {parent}{via} "
                f"{_show(self.parent)}, {child} {_show(self.child)}")


@dataclass
class MergePlan:
    parent: str
    child: str
    changes: list[str] = field(default_factory=list)  # what goes to the parent
    conflicts: list[str] = field(default_factory=list)
    deploy: list[tuple[AppPlan, AppSpec]] = field(default_factory=list)  # (plan, child app)

    def to_json(self) -> dict[str, Any]:
        return {"parent": self.parent, "child": self.child, "changes": self.changes,
                "conflicts": self.conflicts,
                "note": "row data is never merged: only versions, configuration and migrations"}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f"{m.version}" if isinstance(m, AppliedMigration) else str(m)
                               for m in value) + "]"
    return str(value)


def plan_merge(engine: DockerEngine, child: str, parent: str, plans: dict[str, AppPlan],
               take: str | None = None) -> MergePlan:
    """What merging ``child`` into ``parent`` would do. ``plans``: the forked projects' plans
    (for ``parent``); ``take``: the side (``child`` or ``parent`` name) that wins conflicts."""
    if take is not None and take not in (child, parent):
        raise UsageError(f"--take names the side that wins: '{child}' or '{parent}'")
    child_spec, parent_spec = _spec(engine, child), _spec(engine, parent)
    if child_spec.parent != parent:
        raise InputError(f"environment '{child}' was split from "
                         f"'{child_spec.parent or 'nothing'}', not from '{parent}'")
    out = MergePlan(parent, child)
    for app in child_spec.apps:
        point, theirs = app.split_point, parent_spec.app(app.project)
        if point is None or theirs is None:
            out.conflicts.append(f"{app.project}: not in {parent} any more, or no split point")
            continue
        plan = plans.get(app.project)
        if plan is None:
            raise UsageError(f"merging {child} needs the spec of {app.project} (pass its "
                             "directory or spec file)")
        conflicts, changes = _compare(app, theirs)
        if take == child:  # the child's side of every conflict goes to the parent
            changes += [c.key for c in conflicts]
        elif take is None:
            out.conflicts += [c.line(parent, child, theirs.merged_from) for c in conflicts]
        if changes:
            out.changes += [f"{app.project} {key}: {child}'s goes to {parent}"
                            for key in changes]
            out.deploy.append((plan, app))
    return out


def _compare(child: AppSpec, parent: AppSpec) -> tuple[list[Conflict], list[str]]:
    """The conflicts, and the keys that changed in the child only."""
    assert child.split_point is not None
    point = child.split_point
    conflicts: list[Conflict] = []
    changes: list[str] = []

    def three(key: str, base: Any, theirs: Any, ours: Any) -> None:
        if ours in (base, theirs):
            return  # unchanged in the child, or the same change on both sides
        if theirs == base:
            changes.append(key)
        else:
            conflicts.append(Conflict(child.project, key, base, theirs, ours))

    three("version", (point.version, point.image_id), (parent.version, parent.image_id),
          (child.version, child.image_id))
    for key in sorted(set(point.config) | set(parent.config) | set(child.config)):
        three(f"config.{key}", point.config.get(key), parent.config.get(key),
              child.config.get(key))
    base = {m.version: m.checksum for m in point.migrations}
    theirs = {m.version: m.checksum for m in (parent.database.applied if parent.database else [])}
    ours = {m.version: m.checksum for m in (child.database.applied if child.database else [])}
    for version in sorted(set(ours) - set(base), key=_version_key):
        if version in theirs and theirs[version] != ours[version]:
            conflicts.append(Conflict(child.project, f"migration {version}", "absent",
                                      f"checksum {theirs[version][:12]}",
                                      f"checksum {ours[version][:12]}"))
        elif version not in theirs:
            changes.append(f"migration {version}")
    return conflicts, changes


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def merge(engine: DockerEngine, child: str, parent: str, plans: dict[str, AppPlan], *,
          take: str | None = None, dry_run: bool = False, keep: bool = False,
          timeout: float = 60.0, say: Say = lambda _: None) -> tuple[MergePlan, list[Outcome]]:
    """Merge ``child`` into ``parent``: nothing changes when there are conflicts (InputError
    listing them) or with ``dry_run``. The child is destroyed afterwards unless ``keep``."""
    # both sides hold still from the three-way comparison to the last deploy (a dry run only
    # reads)
    with contextlib.ExitStack() as held:
        if not dry_run:
            held.enter_context(environment_lock(parent))
            held.enter_context(environment_lock(child))
        found = plan_merge(engine, child, parent, plans, take)
        if found.conflicts:
            raise MergeConflicts(child, parent, found.conflicts)
        if dry_run:
            return found, []
        outcomes = []
        for plan, app in found.deploy:
            outcomes.append(up(engine, replace(plan, version=app.version,
                                               image=exact_image(engine, app)),
                               timeout=timeout, say=say, lineage=Lineage(merged_from=child)))
        if not keep:
            destroy(engine, child, say=say)
    return found, outcomes


class MergeConflicts(InputError):
    """Both sides changed the same thing differently: one line per conflict, exit 1."""

    def __init__(self, child: str, parent: str, conflicts: list[str]) -> None:
        super().__init__(f"merging {child} into {parent}: {len(conflicts)} conflict(s); "
                         f"nothing changed (--take {child} or --take {parent} decides)")
        self.conflicts = conflicts

    def lines(self) -> list[str]:
        return [f"conflict: {line}" for line in self.conflicts] + [str(self)]


def _spec(engine: DockerEngine, env: str) -> ServerSpec:
    if engine.container_state(router_name(env)) is None:
        raise InputError(f"environment '{env}' does not exist on this engine")
    spec = read_spec(engine, router_name(env))
    if spec is None:
        raise InputError(f"environment '{env}' has no server spec in its router")
    return spec
