"""An edge read from a lock file or an environment: what was asked for and where it comes from.

Python and npm readers produce ``LockedDependency`` (a ``Dependency``): ``coordinate.version`` is
the concrete version the edge resolves to, ``requested`` the specifier the parent wrote
(``>=2,<3``, ``^1.2.3``; empty when not recorded), ``origin`` where the package comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from superspec.enforce.graph import Dependency


@dataclass(frozen=True)
class LockedDependency(Dependency):
    requested: str = ""
    origin: str = "registry"
    origin_ref: str = ""  # the URL or path of a non-registry origin
    pinned: bool = True  # False: a requirement without a pin (requirements files only)


def requested(dep: Dependency) -> str:
    return dep.requested if isinstance(dep, LockedDependency) else dep.coordinate.version


def origin(dep: Dependency) -> tuple[str, str]:
    if isinstance(dep, LockedDependency):
        return dep.origin, dep.origin_ref
    return "registry", ""
