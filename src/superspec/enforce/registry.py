"""Rule discovery through the ``superspec.rules`` entry-point group, and rule-config checking.

Built-in rules are registered in superspec's own pyproject.toml the same way a company registers
its rules in its package: ``[project.entry-points."superspec.rules"] myRule = "pkg.mod:MyRule"``.
The entry-point name is the rule id used under ``enforce.rules`` in the spec.

Options are validated by each rule's pydantic model, or taken from a rules memo that holds for
these settings and this code (``rulememo.configured_rules``): running the built-in rules then
imports no pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from superspec.errors import SpecError, SuperspecError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.enforce.rule import Rule
    from superspec.enforce.ruleoptions import RuleOptions
    from superspec.plainvalues import PlainValues
    from superspec.spec import EffectiveSpec

EntryPoint = Any  # importlib.metadata.EntryPoint, or entrycache.CachedEntryPoint

GROUP = "superspec.rules"


class PluginError(SuperspecError):
    """A rule plugin could not be loaded, or raised while checking."""


@dataclass(frozen=True)
class ConfiguredRule:
    """A rule from the spec, ready to run: the implementation, validated options and settings."""

    id: str
    rule: Rule
    options: RuleOptions | PlainValues  # PlainValues for a plain model
    level: str
    only_when: tuple[str, ...] | None  # branch globs; None = always
    entry_point: EntryPoint

    @property
    def plugin(self) -> str:
        """``module:attr from dist version``, for messages (a distribution's name and version
        come from parsing its metadata: done only when a message needs them)."""
        return describe(self.entry_point)


def entry_points(project_dir: Path | None = None) -> dict[str, EntryPoint]:
    """Every registered rule id -> its entry point (sorted by id). With ``project_dir``, from
    the entry-point record of the user cache while nothing installed changed."""
    return {name: eps[0] for name, eps in _registrations(project_dir).items()}


def _registrations(project_dir: Path | None = None) -> dict[str, list[EntryPoint]]:
    """Rule id -> its distinct registrations (more than one is a conflict). With
    ``project_dir``, from the entry-point record of the user cache while nothing installed
    changed (see ``entrycache``)."""
    from superspec.enforce import entrycache

    listed: list[EntryPoint] | None = None
    if project_dir is not None:
        listed = entrycache.cached(GROUP, project_dir)
    if listed is None:
        from importlib import metadata

        listed = list(metadata.entry_points(group=GROUP))
        if project_dir is not None:
            entrycache.remember(GROUP, project_dir, listed)
    found: dict[str, list[EntryPoint]] = {}
    for ep in listed:
        same = found.setdefault(ep.name, [])
        if all(other.value != ep.value for other in same):
            same.append(ep)
    return dict(sorted(found.items()))


def describe(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    where = f" from {dist.name} {dist.version}" if dist is not None else ""
    return f"{ep.value}{where}"


def load_rule(rule_id: str, ep: EntryPoint, *, inspect: bool = True) -> Any:
    """Import a rule; a plugin that fails to import or is not a Rule is named in the error.
    ``inspect=False`` skips the check of its shape (``Options`` and ``check``): for a rule the
    rules memo says passed it, with this very code."""
    try:
        obj = ep.load()
        rule = obj() if isinstance(obj, type) else obj
    except Exception as exc:  # noqa: BLE001 - any plugin failure becomes a named error
        raise PluginError(f"rule plugin '{rule_id}' ({describe(ep)}) failed to load: "
                          f"{type(exc).__name__}: {exc}") from None
    if not inspect:
        return rule
    from superspec.enforce.ruleoptions import RuleOptions

    options = getattr(rule, "Options", None)
    if not (callable(getattr(rule, "check", None)) and isinstance(options, type)
            and issubclass(options, RuleOptions)):
        raise PluginError(f"rule plugin '{rule_id}' ({describe(ep)}) is not a rule: it needs "
                          "'Options' (a RuleOptions subclass) and 'check(context)'")
    return rule


def check_rule_config(effective: EffectiveSpec) -> list[SpecError]:
    """Located problems of ``enforce.rules``: unknown rule ids (with a did-you-mean hint), rule
    plugins that fail to load, and invalid rule options. Empty when every rule is usable."""
    return _configure(effective)[1]


def configured_rules(effective: EffectiveSpec, remembered: list[PlainValues] | None = None
                     ) -> list[ConfiguredRule]:
    """The spec's rules in order, validated; raises SpecError listing every problem.
    ``remembered``: each rule's validated options, in spec order, from a rules memo that holds
    for these settings and this code (``rulememo.configured_rules``): then no model is used."""
    rules, problems = _configure(effective, remembered)
    if problems:
        raise SpecError(list(problems))
    return rules


def _configure(effective: EffectiveSpec, remembered: list[PlainValues] | None = None
               ) -> tuple[list[ConfiguredRule], list[SpecError]]:
    facts = effective.facts  # the rule settings as plain data: no spec model needed
    if not facts["rules"]:
        return [], []
    registered = _registrations(effective.path.parent)
    known = {name: eps[0] for name, eps in registered.items()}
    rules: list[ConfiguredRule] = []
    problems: list[SpecError] = []
    for index, (rule_id, rule_level, only, options_data) in enumerate(facts["rules"]):
        base = f"enforce.rules.{rule_id}"
        ep = known.get(rule_id)
        if ep is None:
            problems.append(SpecError(_unknown_rule(rule_id, list(known)),
                                      location=effective.locate(base)))
            continue
        if len(registered[rule_id]) > 1:
            which = " and ".join(describe(e) for e in registered[rule_id])
            problems.append(SpecError(f"rule '{rule_id}' is registered more than once: {which}",
                                      location=effective.locate(base)))
            continue
        try:
            rule = load_rule(rule_id, ep, inspect=remembered is None)
        except PluginError as exc:
            problems.append(SpecError(exc.message, location=effective.locate(base)))
            continue
        if remembered is not None:
            options: RuleOptions | PlainValues = remembered[index]
        else:
            validated = _validated(effective, base, rule_id, rule.Options, options_data)
            if isinstance(validated, list):
                problems += validated
                continue
            options = validated
        globs = None if only is None else ((only,) if isinstance(only, str) else tuple(only))
        level = rule_level or facts["pinned"].get(rule_id) or facts["level"]
        rules.append(ConfiguredRule(rule_id, rule, options, level, globs, ep))
    return rules, problems


def _validated(effective: EffectiveSpec, base: str, rule_id: str, model: type[RuleOptions],
               data: dict[str, Any]) -> RuleOptions | PlainValues | list[SpecError]:
    """The options as the rule receives them (``PlainValues`` for a plain model), or their
    located problems."""
    from pydantic import ValidationError

    from superspec.plainvalues import values_of

    try:
        options = model.model_validate(data)
    except ValidationError as exc:
        return [_option_problem(effective, base, rule_id, model, e) for e in exc.errors()]
    return values_of(options) or options


def _unknown_rule(rule_id: str, known: list[str]) -> str:
    from superspec.suggest import hinted

    return hinted(f"unknown rule '{rule_id}'", rule_id, known, "known rules")


def _option_problem(effective: EffectiveSpec, base: str, rule_id: str, options: type[RuleOptions],
                    error: Any) -> SpecError:
    from superspec.suggest import hinted

    path = ".".join(str(p) for p in error["loc"])
    location = effective.locate(f"{base}.{path}" if path else base)
    if error["type"] == "extra_forbidden":
        key = str(error["loc"][-1])
        names = sorted([f.alias or n for n, f in options.model_fields.items()]
                       + ["level", "onlyWhen"])
        message = hinted(f"unknown option '{key}' for rule {rule_id}", key, names,
                         "known options")
        return SpecError(message, location=location)
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if "input" in error and path and not isinstance(error["input"], (dict, list)) \
            and error["type"] not in ("model_type", "dict_type", "missing"):
        message += f" (got {error['input']!r})"
    return SpecError(f"rule {rule_id}: {message}", location=location)

