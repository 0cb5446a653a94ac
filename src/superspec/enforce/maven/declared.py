"""What one POM declares: its dependencies, managed dependencies and properties (with the
profiles Maven activates without ``-P``), management injection, and ``${...}`` interpolation."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from superspec.enforce.maven.pomxml import Element
from superspec.errors import InputError

if TYPE_CHECKING:
    from superspec.enforce.maven.model import Model, _Raw


@dataclass(frozen=True)
class Dep:
    """A dependency or managed dependency as declared (after interpolation)."""

    group: str
    artifact: str
    version: str | None
    type: str = "jar"
    classifier: str = ""
    scope: str | None = None
    optional: bool | None = None
    exclusions: tuple[tuple[str, str], ...] = ()
    where: str = ""  # "path/pom.xml:12"

    @property
    def key(self) -> str:
        return f"{self.group}:{self.artifact}" + (f":{self.classifier}" if self.classifier else "")

    @property
    def management_key(self) -> tuple[str, str, str, str]:
        return (self.group, self.artifact, self.type, self.classifier)


# JVM system properties a profile's <property> activation can see (Maven runs in a JVM).
_JVM_PROPERTY_PREFIXES = ("java.", "os.", "user.", "file.", "line.", "path.", "sun.")


def _active_profiles(el: Element) -> list[Element]:
    """Profiles Maven activates without -P: ``<property>`` activation (no user properties are
    set, JVM properties exist), else ``activeByDefault``. jdk/os/file activation: inactive."""
    profiles = el.children_of("profiles", "profile")
    active, by_default = [], []
    for profile in profiles:
        activation = profile.child("activation")
        if activation is None:
            continue
        prop = activation.child("property")
        if prop is not None and not any(activation.child(t) is not None
                                        for t in ("jdk", "os", "file")):
            name = prop.value("name") or ""
            value = prop.value("value")
            negated = name.startswith("!")
            defined = name.lstrip("!").startswith(_JVM_PROPERTY_PREFIXES)
            # an unset property never equals a value, so only "!value" holds
            on = defined != negated if value is None else value.startswith("!")
            if on:
                active.append(profile)
        elif activation.value("activeByDefault") == "true":
            by_default.append(profile)
    return active or by_default


def sections(raw: _Raw) -> tuple[dict[str, str], list[Dep], list[Dep]]:
    """One POM's properties, dependencies and managed dependencies, active profiles injected
    (a profile's entry replaces the POM's own in place; new ones are appended)."""
    props: dict[str, str] = {}
    deps: dict[tuple[str, str, str, str], Dep] = {}
    managed: dict[tuple[str, str, str, str], Dep] = {}
    for part in [raw.el] + _active_profiles(raw.el):
        box = part.child("properties")
        for prop in box.children if box is not None else []:
            props[prop.tag] = prop.text.strip()
        for d in _deps(raw, part.children_of("dependencies", "dependency")):
            deps[d.management_key] = d
        dm = part.child("dependencyManagement")
        if dm is not None:
            for d in _deps(raw, dm.children_of("dependencies", "dependency")):
                managed[d.management_key] = d
    return props, list(deps.values()), list(managed.values())


def _deps(raw: _Raw, elements: list[Element]) -> list[Dep]:
    out = []
    for e in elements:
        g, a = e.value("groupId"), e.value("artifactId")
        where = f"{raw.shown}:{e.line}"
        if not g or not a:
            raise InputError(f"{where}: <dependency> needs groupId and artifactId")
        excl = tuple((x.value("groupId") or "*", x.value("artifactId") or "*")
                     for x in e.children_of("exclusions", "exclusion"))
        opt = e.value("optional")
        out.append(Dep(g, a, e.value("version"), e.value("type") or "jar",
                       e.value("classifier") or "", e.value("scope") or None,
                       None if opt is None else opt == "true", excl, where))
    return out


def manage(d: Dep, management: list[Dep]) -> Dep:
    for m in management:
        if m.management_key == d.management_key:
            excl = d.exclusions + tuple(x for x in m.exclusions if x not in d.exclusions)
            return replace(d, version=d.version or m.version, scope=d.scope or m.scope,
                           optional=d.optional if d.optional is not None else m.optional,
                           exclusions=excl)
    return d


_REF = re.compile(r"\$\{([^}]+)\}")


class Interpolator:
    def __init__(self, model: Model, raw: _Raw) -> None:
        self.values = dict(model.properties)
        parent = raw.parent
        basics = {"groupId": model.group, "artifactId": model.artifact,
                  "version": model.version, "packaging": model.packaging,
                  "basedir": str(raw.path.parent)}
        for prefix in ("project.", "pom.", ""):
            for k, v in basics.items():
                self.values.setdefault(prefix + k, v)
            if parent is not None:
                for k, v in zip(("groupId", "artifactId", "version"), parent[:3], strict=True):
                    self.values.setdefault(f"{prefix}parent.{k}", v)

    def text(self, value: str | None) -> str | None:
        if value is None or "${" not in value:
            return value
        for _ in range(10):  # properties referring to properties
            new = _REF.sub(lambda m: self.values.get(m.group(1), m.group(0)), value)
            if new == value:
                break
            value = new
        return value

    def dep(self, d: Dep) -> Dep:
        if not any("${" in (v or "") for v in (d.group, d.artifact, d.version, d.type,
                                               d.classifier, d.scope)) \
                and not any("${" in g + a for g, a in d.exclusions):
            return d
        t = self.text
        return replace(d, group=t(d.group) or d.group, artifact=t(d.artifact) or d.artifact,
                       version=t(d.version), type=t(d.type) or "jar",
                       classifier=t(d.classifier) or "", scope=t(d.scope),
                       exclusions=tuple((t(g) or g, t(a) or a) for g, a in d.exclusions))
