"""Architecture rules read from the source: no import cycles, one docker importer, typed seams."""

from __future__ import annotations

import re

from tests.architecture.imports import SRC, cycles, graph, modules


def test_there_is_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(edges) == [["a", "b", "c"]]


def _importers(library: str) -> list[str]:
    pattern = re.compile(rf"^\s*(import {library}\b|from {library}[\s.])", re.MULTILINE)
    return sorted(name for name, path in modules().items()
                  if pattern.search(path.read_text(encoding="utf-8")))


def test_docker_is_imported_by_the_engine_adapter_only() -> None:
    """The SDK stays inside the engine package (containers in engine.docker, swarm objects in
    engine.swarm); everything else gets an engine handed to it."""
    importers = _importers("docker")
    assert "superspec.engine.docker" in importers
    assert [name for name in importers if not name.startswith("superspec.engine.")] == []


def test_the_effective_spec_is_typed_at_every_seam() -> None:
    untyped = [f"{path.relative_to(SRC)}:{number}"
               for path in sorted((SRC / "superspec").rglob("*.py"))
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"\beffective: Any\b", line)]
    assert untyped == []


def test_the_runner_registry_imports_nothing_of_superspec() -> None:
    """Listing runners must cost nothing at start-up: the registry is a leaf."""
    assert graph()["superspec.runners.registry"] == set()
