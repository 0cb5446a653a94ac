"""Reading the change scripts: the baseline and the ``V<version>__<description>.sql`` files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from superspec.db.model import ScriptInfo
from superspec.db.versions import Version, parse_script_name, parse_version
from superspec.errors import InputError, Location
from superspec.paths import display_path

BASELINE_DESCRIPTION = "baseline"


@dataclass(frozen=True)
class Script:
    """A change script: its version, description, file, SHA-256 of its bytes, and its text."""

    version: Version
    description: str
    path: Path
    checksum: str
    text: str = field(repr=False, compare=False)
    baseline: bool = False

    @property
    def name(self) -> str:
        return self.path.name

    def info(self) -> ScriptInfo:
        return ScriptInfo(self.version.text, self.description, self.name,
                          display_path(self.path), self.checksum)


@dataclass(frozen=True)
class ChangeSet:
    """The baseline and the versioned scripts above it, in version order."""

    baseline: Script
    scripts: tuple[Script, ...]
    migrations: Path | None = None


def read_script(path: Path, version: Version, description: str, baseline: bool = False) -> Script:
    """Read ``path``: its bytes for the checksum, its text (UTF-8, a BOM is dropped) to run."""
    where = Location(display_path(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", location=where) from None
    except IsADirectoryError:
        raise InputError("not a regular file (a directory)", location=where) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", location=where) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})",
                         location=where) from None
    return Script(version, description, path, hashlib.sha256(data).hexdigest(), text, baseline)


def load_changes(baseline: Path, baseline_version: str, migrations: Path | None) -> ChangeSet:
    """The baseline file (recorded as ``baseline_version``) and the scripts of ``migrations``.

    ``migrations`` None means there are none yet. Every ``*.sql`` file in the directory must be
    named ``V<version>__<description>.sql``; two files with the same version are an error
    naming both. Other files (a README) are ignored, and so are subdirectories."""
    version = parse_version(baseline_version)
    if version is None:
        raise InputError(
            f"baselineVersion {baseline_version!r} is not a version (numbers separated by dots, "
            f"e.g. 1 or 2026.11.01)", location=Location(display_path(baseline)))
    base = read_script(baseline, version, BASELINE_DESCRIPTION, baseline=True)
    if migrations is None:
        return ChangeSet(base, ())
    if not migrations.is_dir():
        what = "no such directory" if not migrations.exists() else "not a directory"
        raise InputError(f"migrations: {what}", location=Location(display_path(migrations)))
    scripts: dict[tuple[int, ...], Script] = {}
    for path in sorted(migrations.iterdir()):
        if path.suffix.lower() != ".sql" or path.is_dir():
            continue
        name = parse_script_name(path.name)
        if name is None:
            raise InputError(
                f"{path.name}: not a change script name: expected V<version>__<description>.sql "
                f"(e.g. V2__add_orders.sql, V2.1__backfill.sql)",
                location=Location(display_path(path)))
        other = scripts.get(name.version.key)
        if other is not None:
            raise InputError(
                f"version {name.version} is defined twice: {other.name} and {path.name}",
                location=Location(display_path(path)))
        scripts[name.version.key] = read_script(path, name.version, name.description)
    ordered = tuple(scripts[key] for key in sorted(scripts))
    return ChangeSet(base, ordered, migrations)
