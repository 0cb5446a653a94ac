"""A local Maven repository laid out as ``group/as/dirs/artifact/version/artifact-version.ext``."""

from __future__ import annotations

import os
import re
from pathlib import Path

from superspec.enforce.maven.versions import ComparableVersion, VersionRange

# type -> (extension, implied classifier), as Maven's default artifact handlers say.
_HANDLERS = {
    "jar": ("jar", ""), "pom": ("pom", ""), "test-jar": ("jar", "tests"),
    "maven-plugin": ("jar", ""), "ejb": ("jar", ""), "ejb-client": ("jar", "client"),
    "bundle": ("jar", ""), "java-source": ("jar", "sources"), "javadoc": ("jar", "javadoc"),
    "war": ("war", ""), "ear": ("ear", ""), "rar": ("rar", ""),
}


_TIMESTAMPED = re.compile(r"^(.*)-(\d{8}\.\d{6})-(\d+)$")


def base_version(version: str) -> str:
    """A timestamped snapshot (``1.0-20240101.120000-3``) lives in the ``1.0-SNAPSHOT``
    directory; every other version in its own."""
    m = _TIMESTAMPED.match(version)
    return f"{m.group(1)}-SNAPSHOT" if m else version


def extension_and_classifier(type_: str, classifier: str) -> tuple[str, str]:
    ext, implied = _HANDLERS.get(type_, (type_, ""))
    return ext, classifier or implied


class Repository:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._versions: dict[tuple[str, str], list[str]] = {}
        self._poms: dict[tuple[str, str, str], Path | None] = {}
        self._absolute = str(self.root.absolute()) + "/"

    def holds(self, path: Path) -> bool:
        """Is ``path`` inside this repository (as given, symlinks not followed)?"""
        return str(path).startswith(self._absolute)

    def _dir(self, group: str, artifact: str, version: str) -> Path:
        return self.root.joinpath(*group.split("."), artifact, base_version(version))

    def relative_pom(self, group: str, artifact: str, version: str) -> str:
        return "/".join([*group.split("."), artifact, base_version(version),
                         f"{artifact}-{version}.pom"])

    def pom(self, group: str, artifact: str, version: str) -> Path | None:
        key = (group, artifact, version)
        if key not in self._poms:
            name = f"{self._absolute}{group.replace('.', '/')}/{artifact}/" \
                   f"{base_version(version)}/{artifact}-{version}.pom"
            self._poms[key] = Path(name) if os.path.isfile(name) else None
        return self._poms[key]

    def artifact_file(self, group: str, artifact: str, version: str, type_: str = "jar",
                      classifier: str = "") -> Path | None:
        ext, cls = extension_and_classifier(type_, classifier)
        name = f"{artifact}-{version}" + (f"-{cls}" if cls else "") + f".{ext}"
        path = self._dir(group, artifact, version) / name
        return path if path.is_file() else None

    def versions(self, group: str, artifact: str) -> list[str]:
        """Versions present (directories holding a POM), oldest first in Maven's order."""
        key = (group, artifact)
        if key not in self._versions:
            base = self.root.joinpath(*group.split("."), artifact)
            found = []
            if base.is_dir():
                for d in base.iterdir():
                    if (d / f"{artifact}-{d.name}.pom").is_file():
                        found.append(d.name)
            self._versions[key] = sorted(found, key=ComparableVersion)
        return self._versions[key]

    def highest_in(self, group: str, artifact: str, spec: VersionRange) -> str | None:
        """The highest present version inside a hard range (Maven picks the highest match)."""
        matching = [v for v in self.versions(group, artifact) if spec.contains_strict(v)]
        return matching[-1] if matching else None
