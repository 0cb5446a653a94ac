"""Which local Maven repository to read: ``--maven-repo``, else settings' ``localRepository``,
else ``~/.m2/repository`` — the order Maven itself uses (user settings override global settings).

Debian's ``/etc/maven/settings-debian.xml`` (``localRepository`` = ``/usr/share/maven-repo``) is
only read when named by ``SUPERSPEC_MAVEN_SETTINGS`` or copied to ``~/.m2/settings.xml``, exactly as
``mvn`` only reads it with ``-s``.
"""

from __future__ import annotations

import os
import re
import xml.parsers.expat
from pathlib import Path

from superspec.errors import InputError

SETTINGS_ENV = "SUPERSPEC_MAVEN_SETTINGS"


def settings_files(home: Path | None = None, env: dict[str, str] | None = None) -> list[Path]:
    """Settings files in precedence order (first wins): explicit, user, global."""
    env = dict(os.environ) if env is None else env
    home = home or Path(env.get("HOME") or Path.home())
    files = []
    if env.get(SETTINGS_ENV):
        files.append(Path(env[SETTINGS_ENV]))
    files.append(home / ".m2" / "settings.xml")
    maven_home = env.get("MAVEN_HOME") or env.get("M2_HOME")
    if maven_home:
        files.append(Path(maven_home) / "conf" / "settings.xml")
    files.append(Path("/usr/share/maven/conf/settings.xml"))
    return files


def local_repository(explicit: Path | None = None, home: Path | None = None,
                     env: dict[str, str] | None = None) -> Path:
    """The local repository directory to resolve from (it need not exist)."""
    if explicit is not None:
        return Path(explicit)
    env = dict(os.environ) if env is None else env
    home = home or Path(env.get("HOME") or Path.home())
    for path in settings_files(home, env):
        if path.is_file():
            value = _local_repository_of(path)
            if value:
                return Path(_interpolate(value, home, env))
    return home / ".m2" / "repository"


def _local_repository_of(path: Path) -> str | None:
    found: list[str] = []
    stack: list[str] = []
    text: list[str] = []
    parser = xml.parsers.expat.ParserCreate()

    def start(name: str, _attrs: dict[str, str]) -> None:
        stack.append(name.rsplit(":", 1)[-1])
        text.clear()

    def end(_name: str) -> None:
        if stack == ["settings", "localRepository"]:
            found.append("".join(text).strip())
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(path.read_bytes(), True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(f"{path}:{exc.lineno}: malformed XML: "
                         f"{xml.parsers.expat.ErrorString(exc.code)}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return found[0] if found and found[0] else None


def _interpolate(value: str, home: Path, env: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "user.home":
            return str(home)
        if name.startswith("env."):
            return env.get(name[4:], m.group(0))
        return m.group(0)

    return re.sub(r"\$\{([^}]+)\}", sub, value)
