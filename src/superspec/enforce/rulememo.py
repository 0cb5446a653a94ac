"""Remember that a spec's ``enforce.rules`` passed ``check_rule_config``, so ``superspec validate``
on an unchanged spec answers without importing the rules (and pydantic, their options' models).

A memo is a signed file of the user cache (``superspec.cachefiles``) named after the rule
settings (ids, levels, onlyWhen, options) and the interpreter. It holds while the code that
judged them is unchanged: superspec's modules, the rule plugins' modules, and the directories of
``sys.path`` (installing or removing a distribution, and with it a ``superspec.rules`` entry
point, changes its directory). Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from superspec import cachefiles
from superspec.enforce.entrycache import path_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec.effective import EffectiveSpec

FORMAT = "rules-1"


def known_valid(effective: EffectiveSpec) -> bool:
    """True when no rule is configured, or a memo says these rule settings passed with the
    code and distributions installed now. Never raises."""
    from superspec.spec import compiled

    facts = effective.facts
    if not facts["rules"]:
        return True
    if compiled.disabled():
        return False
    try:
        memo = _read(effective)
        if memo is None:
            return False
        return bool(memo["paths"] == path_dirs() and cachefiles.stats_unchanged(memo["files"]))
    except Exception:  # noqa: BLE001 - a memo that cannot be read is a miss
        return False


def remember_valid(effective: EffectiveSpec) -> None:
    """Record that the rule settings passed (call after ``check_rule_config`` found nothing)."""
    from superspec.spec import compiled

    facts = effective.facts
    if not facts["rules"] or compiled.disabled():
        return
    from superspec.enforce.registry import entry_points

    files = [list(f) for f in compiled.code_stamp()]
    eps = entry_points()
    for rule_id, *_settings in facts["rules"]:
        ep = eps.get(rule_id)
        module = sys.modules.get(ep.module) if ep is not None else None
        where = getattr(module, "__file__", None)
        if where:
            st = os.stat(where)
            files.append([where, st.st_size, st.st_mtime_ns])
    opened = cachefiles.open_cache(effective.path.parent, create=True)
    if opened is None:
        return
    directory, secret = opened
    data = json.dumps({"paths": path_dirs(), "files": files}).encode()
    cachefiles.write_signed_bytes(directory, secret, FORMAT, _name(effective), data)


def _read(effective: EffectiveSpec) -> dict[str, Any] | None:
    opened = cachefiles.open_cache(effective.path.parent)
    if opened is None:
        return None
    directory, secret = opened
    payload = cachefiles.read_signed_bytes(directory, secret, FORMAT, _name(effective))
    if payload is None:
        return None
    memo = json.loads(payload)
    return memo if isinstance(memo, dict) else None


def _name(effective: EffectiveSpec) -> str:
    from superspec import __version__

    facts = effective.facts
    settings = [facts["rules"], facts["level"], facts["pinned"], facts["tool"]]
    material = json.dumps([FORMAT, __version__, sys.executable, sys.path, settings], sort_keys=True,
                          default=repr)
    return "rules-" + hashlib.sha256(material.encode()).hexdigest()[:40]
