"""`env split`: a sub-environment forking some applications of its parent.

Each forked application starts from what the parent runs (the same image, configuration and
replicas) with a copy of its database as it is at the split; the split point (version, image,
configuration, applied migrations) is recorded in the new environment's Server Spec. The new
router answers for the parent's other applications and forwards their calls to the parent's
router; nothing in the parent ever calls into the sub-environment.
"""

from __future__ import annotations

from dataclasses import replace

from superspec.db import copy_database
from superspec.engine.docker import DockerEngine
from superspec.env import database as databases
from superspec.env.apply import Lineage, Outcome, Say, exact_image, read_spec, up
from superspec.env.desired import AppPlan
from superspec.env.lock import environment_lock
from superspec.env.names import check_env_name, router_name
from superspec.env.serverspec import AppSpec, ServerSpec, SplitPoint
from superspec.errors import InputError, UsageError


def split(engine: DockerEngine, parent: str, new: str, plans: list[AppPlan], *,
          port: int | None = None, timeout: float = 60.0,
          say: Say = lambda _: None) -> list[Outcome]:
    """Fork the applications of ``plans`` (each planned for ``parent``) into ``new``."""
    check_env_name(new)
    if new == parent:
        raise UsageError(f"a sub-environment needs a name of its own, not '{parent}'")
    if engine.container_state(router_name(new)) is not None:
        raise InputError(f"environment '{new}' exists already; destroy it or pick another name")
    outcomes = []
    with environment_lock(parent):  # the split point and copies: of a parent nobody changes
        header = _parent_spec(engine, parent)
        forked = {plan.project for plan in plans}
        missing = sorted(forked - {app.project for app in header.apps})
        if missing:
            raise InputError(f"environment '{parent}' does not run {', '.join(missing)} (it "
                             f"runs: {', '.join(a.project for a in header.apps) or 'nothing'})")
        fallback = tuple(a.project.lower() for a in header.apps if a.project not in forked)
        for plan in sorted(plans, key=lambda p: p.project):
            app = header.app(plan.project)
            assert app is not None
            child = _child_plan(engine, plan, app, new, port)
            _copy_database(plan, child, parent, say)
            point = SplitPoint(version=app.version, image_id=app.image_id, config=app.config,
                               config_digest=app.config_digest,
                               migrations=app.database.applied if app.database else [])
            outcomes.append(up(engine, child, timeout=timeout, say=say, lineage=Lineage(
                parent=parent, split_point=point, fallback=fallback, migrate=False)))
            port = None  # the router exists now: its port is taken
    return outcomes


def _parent_spec(engine: DockerEngine, parent: str) -> ServerSpec:
    spec = read_spec(engine, router_name(parent)) \
        if engine.container_state(router_name(parent)) is not None else None
    if spec is None:
        raise InputError(f"environment '{parent}' does not exist on this engine")
    return spec


def _child_plan(engine: DockerEngine, plan: AppPlan, app: AppSpec, new: str,
                port: int | None) -> AppPlan:
    """The parent's application as it runs, planned for ``new``: the parent's exact image
    (by id when its tag has moved on since)."""
    return replace(plan, env=new, version=app.version, image=exact_image(engine, app),
                   front_port=port)


def _copy_database(plan: AppPlan, child: AppPlan, parent: str, say: Say) -> None:
    source, target = databases.target(plan, parent), databases.target(child)
    if source is None or target is None:
        return
    mount = databases.mount_dir(target)
    if mount is not None:
        mount.mkdir(parents=True, exist_ok=True)
    copy_database(source, target)
    say(f"database of {plan.project}: copied {source.describe()} to {target.describe()}")
