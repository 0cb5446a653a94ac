"""Remember that a spec's ``enforce.rules`` passed ``check_rule_config``, so ``superspec validate``
on an unchanged spec answers without importing the rules (and pydantic, their options' models),
and what the options models made of the options, so ``superspec enforce`` runs the built-in
rules without pydantic.

A memo is a signed file of the user cache (``superspec.cachefiles``) named after the rule
settings (ids, levels, onlyWhen, options) and the interpreter. It holds while the code that
judged them is unchanged: superspec's modules (the options models among them), the rule
plugins' modules, and the directories of ``sys.path`` (installing or removing a distribution,
and with it a ``superspec.rules`` entry point, changes its directory). A memo written by an
enforce run also holds each rule's validated options (``PlainValues``) when every rule's model
is plain; ``validate`` writes none. Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import sys

from superspec import cachefiles
from superspec.enforce.entrycache import path_dirs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from superspec.enforce.registry import ConfiguredRule
    from superspec.plainvalues import PlainValues
    from superspec.spec.effective import EffectiveSpec

FORMAT = "rules-1"


class Memo:
    """A memo that holds: the rule settings passed, and (when recorded) each rule's validated
    options, in spec order."""

    __slots__ = ("options",)

    def __init__(self, options: list[PlainValues] | None) -> None:
        self.options = options


def configured_rules(effective: EffectiveSpec) -> list[ConfiguredRule]:
    """``registry.configured_rules`` with this memo: the options it holds when it holds them,
    else validated by the models and remembered (a memo without options, as ``validate``
    writes, gains them when every rule's model is plain)."""
    from superspec.enforce.registry import configured_rules as configure
    from superspec.plainvalues import PlainValues

    memo = lookup(effective)
    remembered = None if memo is None else memo.options
    rules = configure(effective, remembered)
    options = [rule.options for rule in rules]
    if memo is None or (remembered is None
                        and all(isinstance(o, PlainValues) for o in options)):
        remember_valid(effective, options)
    return rules


def known_valid(effective: EffectiveSpec) -> bool:
    """True when no rule is configured, or a memo says these rule settings passed with the
    code and distributions installed now. Never raises."""
    return not effective.facts["rules"] or lookup(effective) is not None


def lookup(effective: EffectiveSpec) -> Memo | None:
    """The memo of these rule settings when it holds for the code and distributions installed
    now, else None. Never raises."""
    from superspec.spec import compiled

    facts = effective.facts
    if not facts["rules"] or compiled.disabled():
        return None
    try:
        memo = _read(effective)
        if memo is None or memo["paths"] != path_dirs() \
                or not cachefiles.stats_unchanged(memo["files"]):
            return None
        return Memo(_options(memo.get("options"), facts["rules"]))
    except Exception:  # noqa: BLE001 - a memo that cannot be read is a miss
        return None


def _options(stored: list[list[Any]] | None, rules: list[Any]) -> list[PlainValues] | None:
    if stored is None or [rule_id for rule_id, *_ in stored] != [r[0] for r in rules]:
        return None
    from superspec.plainvalues import PlainValues

    return [PlainValues(model, values) for _rule_id, model, values in stored]


def remember_valid(effective: EffectiveSpec, options: Sequence[object] | None = None) -> None:
    """Record that the rule settings passed (call after ``check_rule_config`` found nothing),
    with the rules' validated ``options`` (in spec order) when every one is ``PlainValues``.
    Never raises: a memo that cannot be written is no error."""
    from superspec.spec import compiled

    if not effective.facts["rules"] or compiled.disabled():
        return
    try:
        _remember(effective, options)
    except Exception:  # noqa: BLE001 - a cache that cannot remember is no error
        return


def _remember(effective: EffectiveSpec, options: Sequence[object] | None) -> None:
    from superspec.enforce.registry import entry_points
    from superspec.plainvalues import PlainValues, as_dict, model_name
    from superspec.spec import compiled

    facts = effective.facts
    eps = entry_points(effective.path.parent)
    plugins = [ep.module for rule_id, *_settings in facts["rules"]
               if (ep := eps.get(rule_id)) is not None]
    files = [list(f) for f in compiled.code_stamp(plugins)]
    opened = cachefiles.open_cache(effective.path.parent, create=True)
    if opened is None:
        return
    directory, secret = opened
    memo: dict[str, Any] = {"paths": path_dirs(), "files": files}
    if options is not None and all(isinstance(o, PlainValues) for o in options):
        memo["options"] = [[rule[0], model_name(o), as_dict(o)]
                           for rule, o in zip(facts["rules"], options, strict=True)
                           if isinstance(o, PlainValues)]
    data = json.dumps(memo).encode()
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
