"""banDuplicateClasses: no class (Maven) or module/file (Python) provided twice.

Maven (extra-enforcer-rules' semantics): the jars of the resolved dependencies (``scopes`` limits
which; all by default), symlinks resolved; ``ignoreWhenIdentical`` drops classes whose copies are
byte-identical (same CRC-32 and size); ``ignoreClasses`` globs over class names (``org.slf4j.*``).
Python: the same importable module, or the same file, installed by two distributions of the
project's environment ($VIRTUAL_ENV or .venv, never superspec's own; from their RECORD files;
identical = same RECORD hash)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from superspec.enforce.graph import Dependency, DependencyGraph
from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.common import trails
from superspec.enforce.rules.optionsref import OptionsModel


def class_name(entry: str) -> str:
    return entry[: -len(".class")].replace("/", ".") if entry.endswith(".class") else entry


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p.replace("/", ".")) for p in patterns)


class BanDuplicateClasses:
    id = "banDuplicateClasses"
    Options = OptionsModel("BanDuplicateClassesOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        out: list[Violation] = []
        ecosystems = context.ecosystems()
        if "maven" in ecosystems:
            out += self._maven(context, context.graph("maven"))
        if "python" in ecosystems:
            out += self._python(context)
        return out

    def _maven(self, context: RuleContext, graph: DependencyGraph) -> list[Violation]:
        from superspec.enforce.jars import find_duplicate_classes

        o = context.options
        owners: dict[Path, Dependency] = {}
        for dep in graph.resolved.values():
            if dep.artifact is None or not str(dep.artifact).endswith((".jar", ".war", ".zip")):
                continue
            if o.scopes and dep.coordinate.scope not in o.scopes:
                continue
            owners.setdefault(dep.artifact, dep)
        out = []
        for group in find_duplicate_classes(sorted(owners), o.ignore_when_identical):
            names = [class_name(c) for c in group.classes if not _ignored(class_name(c),
                                                                          o.ignore_classes)]
            if not names:
                continue
            deps = [owners[j] for j in group.jars if j in owners]
            which = " and ".join(str(d.coordinate) for d in deps)
            kind = "identical" if group.identical else "different"
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5
                                            else "")
            text = o.message or (f"{len(names)} duplicate class(es) ({kind} bytes) in {which}: "
                                 f"{shown}")
            out.append(context.violation(text, trail=trails(deps)))
        return out

    def _python(self, context: RuleContext) -> list[Violation]:
        from superspec.enforce.python.duplicates import find_duplicate_modules
        from superspec.enforce.python.environment import environment_paths

        o = context.options
        paths = environment_paths(context.project_dir)
        found, read = find_duplicate_modules(paths, o.ignore_when_identical,
                                             tuple(o.ignore_classes))
        for path in [*paths, *read]:
            context.record_input(path)
        owners = _python_owners(context) if found else {}
        out = []
        for dup in found:
            kind = "identical" if dup.identical else "different"
            text = o.message or (f"{dup.kind} {dup.name} is provided by {len(dup.dists)} "
                                 f"distributions ({kind} content): {', '.join(dup.dists)}")
            deps = [owners[n] for n in (_dist_key(label) for label in dup.dists) if n in owners]
            out.append(context.violation(text, trail=trails(deps) or None))
        return out


def _dist_key(label: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(label.rsplit(" ", 1)[0])


def _python_owners(context: RuleContext) -> dict[str, Dependency]:
    """Installed distribution -> the dependency path that brought it in (when the project's
    Python dependency data can be read; duplicates are reported either way)."""
    from superspec.errors import SuperspecError

    try:
        graph = context.graph("python")
    except SuperspecError:
        return {}
    owners: dict[str, Dependency] = {}
    for dep in graph.resolved.values():  # several pins of one name: the nearest is listed first
        owners.setdefault(dep.coordinate.name, dep)
    return owners
