"""Effective POM models, built offline the way Maven's model builder does.

Order, as in Maven: read the raw POM, walk the parent chain (``relativePath``, default
``../pom.xml``, when its coordinates match; else the repository), inherit (properties, dependencies,
dependencyManagement; the child wins), interpolate ``${...}`` (the child's properties win even in
values the parent declared), import BOMs (``<scope>import</scope>`` ``<type>pom</type>`` in
dependencyManagement; the POM's own entries win, then the first import), then inject
dependencyManagement into the declared dependencies (version, scope, exclusions, optional).
Profiles active without ``-P`` are injected first (``activeByDefault``, ``<property>``
activation); jdk, os and file activation are not evaluated (such profiles stay inactive).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from superspec.enforce.maven.declared import Dep, Interpolator, manage, sections
from superspec.enforce.maven.pomxml import Element, parse_pom
from superspec.enforce.maven.repository import Repository
from superspec.errors import InputError


class MissingPom(InputError):
    """A dependency's POM is not in the local repository."""


@dataclass
class Model:
    group: str
    artifact: str
    version: str
    packaging: str
    where: str
    properties: dict[str, str] = field(default_factory=dict)
    dependencies: list[Dep] = field(default_factory=list)
    management: list[Dep] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every POM read to build this model
    parent_version: str | None = None


@dataclass
class _Raw:
    el: Element
    path: Path
    shown: str
    parent: tuple[str, str, str, str | None, int] | None  # g, a, v, relativePath, line
    in_repo: bool = False  # read from the repository: its parent comes from there too
    declared: tuple[dict[str, str], list[Dep], list[Dep]] | None = None  # sections(), cached


class ModelBuilder:
    """Builds effective models; caches raw POMs and repository models for the process."""

    def __init__(self, repo: Repository, cwd: Path | None = None) -> None:
        self.repo = repo
        self.cwd = str(cwd if cwd is not None else Path.cwd())
        self._raw: dict[Path, _Raw] = {}
        self._models: dict[tuple[str, str, str], Model] = {}

    # -- entry points -------------------------------------------------------------------------

    def project(self, pom: Path) -> Model:
        return self._build(self._read(pom), set())

    def artifact(self, group: str, artifact: str, version: str, where: str) -> Model:
        gav = (group, artifact, version)
        if gav not in self._models:
            pom = self.repo.pom(group, artifact, version)
            if pom is None:
                raise MissingPom(f"{where}: {group}:{artifact}:{version} not found in the local "
                                 f"repository {self.repo.root} (no "
                                 f"{self.repo.relative_pom(group, artifact, version)})")
            self._models[gav] = self._build(self._read(pom), {gav})
        return self._models[gav]

    def relocation(self, group: str, artifact: str, version: str) -> tuple[str, str, str]:
        """Follow ``distributionManagement/relocation`` (Debian relocates many versions to
        ``debian``); the coordinates unchanged when there is none or the POM is absent."""
        seen = set()
        while (group, artifact, version) not in seen:
            seen.add((group, artifact, version))
            pom = self.repo.pom(group, artifact, version)
            if pom is None:
                break
            try:
                dm = self._read(pom).el.child("distributionManagement")
            except InputError:
                break  # reported when the dependency's model is built
            reloc = dm.child("relocation") if dm is not None else None
            if reloc is None:
                break
            group = reloc.value("groupId") or group
            artifact = reloc.value("artifactId") or artifact
            version = reloc.value("version") or version
        return group, artifact, version

    # -- raw reading ----------------------------------------------------------------------------

    def _show(self, path: Path) -> str:
        """Files under the working directory relative to it (``pom.xml:12``, as compilers
        print them); repository files and everything else in full."""
        if self.repo.holds(path):
            return str(path)
        text = str(path)
        if text.startswith(self.cwd.rstrip("/") + "/"):
            return os.path.relpath(text, self.cwd)
        return text

    def _read(self, path: Path) -> _Raw:
        given = path
        raw = self._raw.get(given)
        if raw is not None:
            return raw
        path = Path(os.path.normpath(path.absolute()))
        raw = self._raw.get(path)
        if raw is None:
            shown = self._show(path)
            el = parse_pom(path, shown)
            parent = None
            p = el.child("parent")
            if p is not None:
                g, a, v = p.value("groupId"), p.value("artifactId"), p.value("version")
                if not (g and a and v):
                    raise InputError(f"{shown}:{p.line}: <parent> needs groupId, artifactId "
                                     "and version")
                parent = (g, a, v, p.value("relativePath"), p.line)
            raw = self._raw[path] = _Raw(el, path, shown, parent, self.repo.holds(path))
        self._raw[given] = raw
        return raw

    def _parent_raw(self, raw: _Raw) -> _Raw | None:
        if raw.parent is None:
            return None
        g, a, v, rel, line = raw.parent
        rel = "../pom.xml" if rel is None else rel
        if rel and not raw.in_repo:
            candidate = (raw.path.parent / rel)
            if candidate.is_dir():
                candidate = candidate / "pom.xml"
            if candidate.is_file():
                cand = self._read(candidate)
                cg = cand.el.value("groupId") or (cand.parent[0] if cand.parent else None)
                cv = cand.el.value("version") or (cand.parent[2] if cand.parent else None)
                if (cg, cand.el.value("artifactId"), cv) == (g, a, v):
                    return cand
        pom = self.repo.pom(g, a, v)
        if pom is None:
            if raw.in_repo:
                raise InputError(f"{raw.shown}:{line}: parent {g}:{a}:{v} not found in the "
                                 f"local repository {self.repo.root}")
            raise InputError(f"{raw.shown}:{line}: parent {g}:{a}:{v} not found (relativePath "
                             f"{rel or '(none)'}, local repository {self.repo.root})")
        return self._read(pom)

    # -- building ------------------------------------------------------------------------------

    def _build(self, raw: _Raw, importing: set[tuple[str, str, str]]) -> Model:
        chain = [raw]
        seen = {raw.path}
        while True:
            parent = self._parent_raw(chain[-1])
            if parent is None:
                break
            if parent.path in seen:
                last = chain[-1]
                line = last.parent[4] if last.parent else 1
                raise InputError(f"{last.shown}:{line}: parent cycle: "
                                 + " -> ".join(r.shown for r in chain + [parent]))
            seen.add(parent.path)
            chain.append(parent)
        el = raw.el
        group = el.value("groupId") or (raw.parent[0] if raw.parent else None)
        artifact = el.value("artifactId")
        version = el.value("version") or (raw.parent[2] if raw.parent else None)
        if not artifact:
            raise InputError(f"{raw.shown}:{el.line}: <project> has no artifactId")
        if not group or not version:
            missing = "groupId" if not group else "version"
            raise InputError(f"{raw.shown}:{el.line}: <project> has no {missing} and no parent")
        model = Model(group, artifact, version, el.value("packaging") or "jar", raw.shown,
                      files=[r.path for r in chain],
                      parent_version=raw.parent[2] if raw.parent else None)
        deps: dict[tuple[str, str, str, str], Dep] = {}
        managed: dict[tuple[str, str, str, str], Dep] = {}
        for r in chain:  # child first: the first definition of a key wins
            if r.declared is None:
                r.declared = sections(r)
            props, own_deps, own_managed = r.declared
            for k, v in props.items():
                model.properties.setdefault(k, v)
            for d in own_deps:
                deps.setdefault(d.management_key, d)
            for d in own_managed:
                managed.setdefault(d.management_key, d)
        if "${" in model.version or "${" in model.group:  # CI-friendly ${revision}
            own = Interpolator(Model(model.group, model.artifact, "", model.packaging,
                                     model.where, properties=model.properties), raw)
            model.version = own.text(model.version) or model.version
            model.group = own.text(model.group) or model.group
        interp = Interpolator(model, raw)
        model.dependencies = [interp.dep(d) for d in deps.values()]
        model.management = self._imports([interp.dep(d) for d in managed.values()], importing,
                                          model.files)
        model.dependencies = [manage(d, model.management) for d in model.dependencies]
        for d in model.dependencies:
            if not d.version:
                raise InputError(f"{d.where}: dependencies.dependency.version for "
                                 f"{d.group}:{d.artifact}:{d.type} is missing")
        return model

    def _imports(self, managed: list[Dep], importing: set[tuple[str, str, str]],
                 files: list[Path]) -> list[Dep]:
        out: dict[tuple[str, str, str, str], Dep] = {}
        boms = []
        for d in managed:
            if d.scope == "import" and d.type == "pom":
                boms.append(d)
            else:
                out.setdefault(d.management_key, d)
        for bom in boms:
            if not bom.version:
                raise InputError(f"{bom.where}: imported POM {bom.group}:{bom.artifact} "
                                 "has no version")
            gav = (bom.group, bom.artifact, bom.version)
            if gav in importing:
                raise InputError(f"{bom.where}: import cycle through {':'.join(gav)}")
            pom = self.repo.pom(*gav)
            if pom is None:
                raise InputError(f"{bom.where}: imported POM {':'.join(gav)} not found in the "
                                 f"local repository {self.repo.root}")
            imported = self._build(self._read(pom), importing | {gav})
            files += [f for f in imported.files if f not in files]
            for m in imported.management:
                out.setdefault(m.management_key, m)
        return list(out.values())


