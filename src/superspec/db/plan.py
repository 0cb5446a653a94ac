"""The pure core: compare the scripts on disk with the history a database recorded.

Nothing here touches a database. ``plan`` classifies every script and history row; ``refusals``
says what migrate must refuse before it applies anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from superspec.db.changes import ChangeSet, Script
from superspec.db.errors import DatabaseError
from superspec.db.model import HISTORY_TABLE, AppliedScript, ChangedScript
from superspec.db.versions import Version, parse_version
from superspec.errors import InputError, Location, SuperspecError
from superspec.paths import display_path


@dataclass(frozen=True)
class Plan:
    """Every script and history row, classified (see ``Status`` for the meaning of each)."""

    applied: tuple[AppliedScript, ...]
    pending: tuple[Script, ...]
    out_of_order: tuple[Script, ...]
    changed: tuple[tuple[Script, AppliedScript], ...]
    missing: tuple[AppliedScript, ...]
    future: tuple[AppliedScript, ...]
    below_baseline: tuple[Script, ...]
    failed: tuple[AppliedScript, ...]

    @property
    def baseline_version(self) -> str | None:
        return self.applied[0].version if self.applied else None

    @property
    def schema_version(self) -> str | None:
        versions = [_version(row) for row in self.applied if row.success]
        return max(versions).text if versions else None

    @property
    def next_rank(self) -> int:
        return max((row.installed_rank for row in self.applied), default=0) + 1

    def changed_scripts(self) -> tuple[ChangedScript, ...]:
        return tuple(ChangedScript(row.version, script.name, display_path(script.path),
                                   row.checksum, script.checksum)
                     for script, row in self.changed)


def _version(row: AppliedScript) -> Version:
    version = parse_version(row.version)
    if version is None:
        raise DatabaseError(f"{HISTORY_TABLE}: installed_rank {row.installed_rank} has "
                            f"version {row.version!r}, which is not a version")
    return version


def plan(changes: ChangeSet, history: Sequence[AppliedScript]) -> Plan:
    """Classify ``changes`` against ``history`` (the rows in installed_rank order)."""
    rows = tuple(sorted(history, key=lambda row: row.installed_rank))
    if not rows:
        above = tuple(s for s in changes.scripts if s.version > changes.baseline.version)
        below = tuple(s for s in changes.scripts if s.version <= changes.baseline.version)
        return Plan((), (changes.baseline, *above), (), (), (), (), below, ())
    scripts = {script.version.key: script for script in changes.scripts}
    applied = {_version(row).key: row for row in rows if row.success}
    recorded_baseline = _version(rows[0])
    latest = max(_version(row) for row in applied.values()) if applied else recorded_baseline
    newest_local = max([*scripts, changes.baseline.version.key])
    changed: list[tuple[Script, AppliedScript]] = []
    missing: list[AppliedScript] = []
    future: list[AppliedScript] = []
    for key, row in applied.items():
        if row.installed_rank == 1:
            if key == changes.baseline.version.key and row.checksum != changes.baseline.checksum:
                changed.append((changes.baseline, row))
            continue
        script = scripts.get(key)
        if script is not None:
            if script.checksum != row.checksum:
                changed.append((script, row))
        elif key > newest_local:
            future.append(row)
        elif _version(row) > changes.baseline.version:
            missing.append(row)
    pending = tuple(s for s in changes.scripts
                    if s.version.key not in applied and s.version > recorded_baseline)
    return Plan(
        applied=rows,
        pending=pending,
        out_of_order=tuple(s for s in pending if s.version < latest),
        changed=tuple(sorted(changed, key=lambda pair: pair[0].version)),
        missing=tuple(missing),
        future=tuple(future),
        below_baseline=tuple(s for s in changes.scripts if s.version.key not in applied
                             and s.version <= recorded_baseline),
        failed=tuple(row for row in rows if not row.success),
    )


def refusals(current: Plan, changes: ChangeSet, out_of_order: bool) -> list[SuperspecError]:
    """What migrate refuses, one problem per script; empty when it may go on."""
    problems: list[SuperspecError] = []
    for script, row in current.changed:
        problems.append(InputError(
            f"{script.name} was changed after it was applied (version {row.version}, "
            f"installed {row.installed_on}): its SHA-256 is {script.checksum[:12]}..., the "
            f"history recorded {row.checksum[:12]}...; restore the applied content and put the "
            f"change in a new script", location=Location(display_path(script.path))))
    where = Location(display_path(changes.migrations)) if changes.migrations else None
    for row in current.missing:
        problems.append(InputError(
            f"version {row.version} ({row.script}) was applied to the database but is not in "
            f"the migrations directory", location=where))
    for row in current.failed:
        problems.append(DatabaseError(
            f"{HISTORY_TABLE} records a failed script: version {row.version} ({row.script}), "
            f"installed_rank {row.installed_rank}; repair the database and delete that row"))
    if not out_of_order:
        latest = current.schema_version
        for script in current.out_of_order:
            problems.append(InputError(
                f"{script.name} is out of order: version {script.version} is lower than the "
                f"latest applied version {latest}; allow out-of-order scripts to apply it",
                location=Location(display_path(script.path))))
    return problems
