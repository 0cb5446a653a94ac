"""Session fixtures: one Maven run per oracle (Enforcer, dependency:tree) for every parity case."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.enforce.parity import harness


@pytest.fixture(scope="session")
def maven_oracles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """Both Maven runs, started together (two JVMs on two cores), each in its own work tree."""
    harness.require_maven()
    enforce_work = harness.prepare(tmp_path_factory.mktemp("parity-enforce"))
    tree_work = harness.prepare(tmp_path_factory.mktemp("parity-tree"))
    with ThreadPoolExecutor(2) as pool:
        verdicts = pool.submit(harness.enforcer_verdicts, enforce_work)
        tree = pool.submit(harness.mvn, tree_work, harness.TREE, "-Dverbose")
        # superspec's side of every case, two processes at a time
        superspec = Path(sys.executable).with_name("superspec")
        list(pool.map(lambda c: harness.superspec_verdicts(enforce_work, c, superspec),
                      enforce_work.cases))
        yield {"enforce_work": enforce_work, "verdicts": verdicts.result()[0],
               "enforcer_log": verdicts.result()[1], "tree_work": tree_work,
               "tree": harness.sections(tree.result(), "maven-dependency-plugin"),
               "tree_log": tree.result()}
