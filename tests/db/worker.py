"""One migrator process for the concurrency tests: ``python -m tests.db.worker`` with a JSON
job as its argument; waits for the go file, migrates, prints the result as JSON.

The PostgreSQL password comes from the environment (SUPERSPEC_TEST_PG_PASSWORD)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from superspec.db import PostgresTarget, SqliteTarget, Target, load_changes, migrate


def main() -> None:
    job = json.loads(sys.argv[1])
    target: Target
    if job["engine"] == "sqlite":
        target = SqliteTarget(Path(job["path"]))
    else:
        target = PostgresTarget(job["url"], job["database"],
                                password=os.environ["SUPERSPEC_TEST_PG_PASSWORD"])
    changes = load_changes(Path(job["baseline"]), "1", Path(job["migrations"]))
    Path(job["ready"]).touch()
    go = Path(job["go"])
    while not go.exists():
        time.sleep(0.005)
    started = time.time()
    result = migrate(target, changes)
    print(json.dumps({"started": started, "ended": time.time(),
                      "applied": [row.version for row in result.applied],
                      "schema_version": result.schema_version}))


if __name__ == "__main__":
    main()
