"""The Groovy side: the library compiles with Groovy 2.4 and its stubbed-pipeline tests pass."""

from __future__ import annotations

import re

import pytest

from tests.shared_library.conftest import LIBRARY, GroovyTests, Process, library_sources

pytestmark = pytest.mark.slow  # starts JVMs (groovyc, Groovy tests)


def test_every_file_of_the_library_compiles_with_groovyc(groovyc_run: Process) -> None:
    assert groovyc_run.code == 0, f"groovyc failed:\n{groovyc_run.output}"
    dirs = {p.relative_to(LIBRARY).parts[0] for p in library_sources()}
    assert dirs == {"vars", "src", "test"}


def test_groovy_tests_pass(groovy_tests: GroovyTests) -> None:
    assert groovy_tests.code == 0, f"Groovy tests failed:\n{groovy_tests.output}"


def test_every_groovy_test_method_ran(groovy_tests: GroovyTests) -> None:
    declared = set()
    for path in (LIBRARY / "test").rglob("*Test.groovy"):
        cls = ".".join(path.relative_to(LIBRARY / "test").with_suffix("").parts)
        declared |= {f"{cls}.{m}" for m in re.findall(r"^\s+void (test\w+)\(\)", path.read_text(),
                                                      re.MULTILINE)}
    ran = set(re.findall(r"^ok   (\S+)$", groovy_tests.output, re.MULTILINE))
    assert len(declared) >= 15
    assert ran == declared, groovy_tests.output
    assert f"{len(declared)} tests, 0 failed" in groovy_tests.output
