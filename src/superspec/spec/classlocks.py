"""Locks on an environment hold for every environment of the same class.

A company that locks ``environments.prod.approval`` (prod being ``class: production``) means
"production needs this approval", not "the environment named prod does". So after the layers are
merged, each lock under ``environments.<E>`` applies to every other environment whose class is
E's and that a layer below the lock defined: where that environment leaves the locked value out,
it inherits E's; where it sets a different one, that is a lock violation naming both.
"""

from __future__ import annotations

from typing import Any

from superspec.errors import SpecError
from superspec.mappings import overlay
from superspec.spec.layers import Layer
from superspec.spec.merge import ABSENT, Lock, Merged, copy_tree, get_path, same, show
from superspec.spec.yamlsource import KeyPath


def apply_class_locks(merged: Merged, chain: list[Layer]) -> None:
    """Fill in or check the class-keyed locks; raises SpecError listing every violation."""
    envs = merged.data.get("environments")
    if not isinstance(envs, dict):
        return
    rank = {id(layer): index for index, layer in enumerate(chain)}
    problems: list[SpecError] = []
    for lock in merged.locks:
        if len(lock.path) < 2 or lock.path[0] != "environments":
            continue
        source_name, rest = lock.path[1], lock.path[2:]
        source = envs.get(source_name)
        lock_rank = _rank_of(lock, chain)
        # the class the environment had where the lock was declared: a lower layer that moves
        # the locked environment to another class does not take the lock off its old class
        env_class = _class_at(chain[:lock_rank + 1], source_name)
        if not isinstance(source, dict) or env_class is None:
            continue
        for name, env in envs.items():
            if name == source_name or not isinstance(env, dict) or env.get("class") != env_class:
                continue
            definer = merged.setters.get(("environments", name, "class"))
            if definer is None or rank.get(id(definer), -1) <= lock_rank:
                continue  # defined by the locking layer itself (or above): its own choice
            for key in _locked_keys(source, rest):
                problem = _hold(merged, lock, (source_name, name), key, env_class)
                if problem is not None:
                    problems.append(problem)
    if problems:
        raise SpecError(problems)


def _class_at(layers: list[Layer], env: str) -> str | None:
    found = None
    for layer in layers:
        envs = layer.data.get("environments")
        entry = envs.get(env) if isinstance(envs, dict) else None
        if isinstance(entry, dict) and isinstance(entry.get("class"), str):
            found = entry["class"]
    return found


def _rank_of(lock: Lock, chain: list[Layer]) -> int:
    for index, layer in enumerate(chain):
        if layer.file == lock.origin.file:
            return index
    return len(chain)


def _locked_keys(source: dict[str, Any], rest: KeyPath) -> list[KeyPath]:
    """The paths (below an environment) a lock covers: ``rest``, or every key of a locked
    environment."""
    return [rest] if rest else [(key,) for key in source if key != "class"]


def _hold(merged: Merged, lock: Lock, names: tuple[str, str], rest: KeyPath,
          env_class: str) -> SpecError | None:
    source_name, name = names
    envs = merged.data["environments"]
    wanted = get_path(envs[source_name], rest)
    current = get_path(envs[name], rest)
    target: KeyPath = ("environments", name, *rest)
    if wanted is ABSENT:
        return None if current is ABSENT else _violation(
            merged, lock, target, source_name, env_class, current)
    candidate = current
    if current is ABSENT:
        candidate = wanted
    elif isinstance(wanted, dict) and isinstance(current, dict):
        candidate = overlay(wanted, current)  # what it writes, over what it would inherit
    if not same(candidate, wanted):
        return _violation(merged, lock, target, source_name, env_class, current)
    parent = envs[name]
    for key in rest[:-1]:
        parent = parent.setdefault(key, {})
    parent[rest[-1]] = copy_tree(wanted)
    _inherit_setters(merged, ("environments", source_name, *rest), target)
    return None


def _inherit_setters(merged: Merged, source: KeyPath, target: KeyPath) -> None:
    """The filled-in values are shown as set where the locked environment's values were set."""
    size = len(source)
    for path, layer in list(merged.setters.items()):
        if path[:size] == source and target + path[size:] not in merged.setters:
            merged.setters[target + path[size:]] = layer
            merged.borrowed[target + path[size:]] = path


def _violation(merged: Merged, lock: Lock, target: KeyPath, source_name: str, env_class: str,
               current: Any) -> SpecError:
    probe = target
    while probe and probe not in merged.setters:
        probe = probe[:-1]
    layer = merged.setters[probe]
    return SpecError(
        f"environment '{target[1]}' has class {env_class}: {lock.dotted} is locked by "
        f"{lock.origin.layer} {lock.origin.name} at {lock.origin.file}:{lock.origin.line} for "
        f"every {env_class} environment; this layer sets it to {show(current)}",
        location=layer.location(target),
    )
