"""The pure core: classifying scripts against a recorded history, and what migrate refuses."""

from __future__ import annotations

from collections.abc import Sequence

from superspec.db import AppliedScript, ChangeSet, Script
from superspec.db.plan import plan, refusals
from tests.db.conftest import V2, V2_1, V10, Project


def row(rank: int, version: str, script: str, checksum: str) -> AppliedScript:
    return AppliedScript(rank, version, script.split("__")[-1].removesuffix(".sql"), script,
                         checksum, "2026-11-01T10:00:00.000Z", 3, True)


def history(changes: ChangeSet, *versions: str) -> list[AppliedScript]:
    """Rows as migrate would have written them for the baseline and ``versions``."""
    rows = [row(1, changes.baseline.version.text, changes.baseline.name,
                changes.baseline.checksum)]
    by_version = {s.version.text: s for s in changes.scripts}
    for version in versions:
        script = by_version[version]
        rows.append(row(len(rows) + 1, version, script.name, script.checksum))
    return rows


def names(items: Sequence[Script | AppliedScript]) -> list[str]:
    return [item.name if isinstance(item, Script) else item.script for item in items]


def test_a_new_database_gets_the_baseline_then_everything_above_it(project: Project) -> None:
    project.script("V1__covered.sql", "SELECT 1;")
    project.script("V2__account.sql", V2)
    project.script("V10__owner.sql", V10)
    current = plan(project.changes(), [])
    assert names(current.pending) == ["baseline.sql", "V2__account.sql", "V10__owner.sql"]
    assert names(current.below_baseline) == ["V1__covered.sql"]
    assert current.schema_version is None and current.next_rank == 1


def test_pending_out_of_order_changed_missing_and_future(project: Project) -> None:
    project.script("V2__account.sql", V2)
    project.script("V3__gone.sql", "SELECT 3;")
    project.script("V10__owner.sql", V10)
    project.script("V11__later.sql", "SELECT 11;")
    recorded = history(project.changes(), "2", "3", "10", "11")
    recorded.append(row(6, "12", "V12__newer_branch.sql", "f" * 64))
    (project.migrations / "V3__gone.sql").unlink()
    project.script("V2.1__chf.sql", V2_1)
    project.script("V10__owner.sql", V10 + "-- edited\n")
    project.script("V11__later.sql", "SELECT 11;")
    changes = project.changes()
    current = plan(changes, recorded)
    assert names(current.pending) == ["V2.1__chf.sql"]
    assert names(current.out_of_order) == ["V2.1__chf.sql"]
    assert [(s.name, r.version) for s, r in current.changed] == [("V10__owner.sql", "10")]
    assert names(current.missing) == ["V3__gone.sql"]
    assert names(current.future) == ["V12__newer_branch.sql"]
    assert current.schema_version == "12" and current.next_rank == 7
    problems = [str(p) for p in refusals(current, changes, out_of_order=False)]
    changed = changes.scripts[-2]
    assert problems == [
        f"db/migrations/V10__owner.sql: V10__owner.sql was changed after it was applied "
        f"(version 10, installed 2026-11-01T10:00:00.000Z): its SHA-256 is "
        f"{changed.checksum[:12]}..., the history recorded {recorded[3].checksum[:12]}...; "
        f"restore the applied content and put the change in a new script",
        "db/migrations: version 3 (V3__gone.sql) was applied to the database but is not in the "
        "migrations directory",
        "db/migrations/V2.1__chf.sql: V2.1__chf.sql is out of order: version 2.1 is lower than "
        "the latest applied version 12; allow out-of-order scripts to apply it",
    ]
    assert len(refusals(current, changes, out_of_order=True)) == 2


def test_a_changed_baseline_is_refused_unless_reissued_at_a_new_version(
        project: Project) -> None:
    project.script("V2__account.sql", V2)
    recorded = history(project.changes(), "2")
    project.baseline.write_text(project.baseline.read_text() + "-- edited\n")
    current = plan(project.changes(), recorded)
    assert [s.name for s, _ in current.changed] == ["baseline.sql"]
    # squashed: the baseline now stands for version 2, and V2 is gone from the directory
    (project.migrations / "V2__account.sql").unlink()
    squashed = plan(project.changes("2"), recorded)
    assert (squashed.changed, squashed.missing, squashed.pending) == ((), (), ())


def test_a_failed_history_row_is_refused(project: Project) -> None:
    project.script("V2__account.sql", V2)
    changes = project.changes()
    recorded = history(changes)
    recorded.append(AppliedScript(2, "2", "account", "V2__account.sql",
                                  changes.scripts[0].checksum, "2026-11-01T10:00:00.000Z", 1,
                                  False))
    current = plan(changes, recorded)
    assert [str(p) for p in refusals(current, changes, out_of_order=False)] == [
        "superspec_schema_history records a failed script: version 2 (V2__account.sql), "
        "installed_rank 2; repair the database and delete that row"]
