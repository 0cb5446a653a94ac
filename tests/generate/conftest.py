"""Session fixtures: every golden case and example rendered once, parsed once by Groovy."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests.generate.tools import (
    EXAMPLES,
    GOLDEN,
    example_projects,
    golden_cases,
    parse_groovy,
    render_case,
)


@dataclass
class Output:
    """One project's generated files, written to ``directory`` (a copy, safe to run in)."""

    name: str
    directory: Path
    files: dict[str, str]

    @property
    def jenkinsfile(self) -> Path:
        return self.directory / "Jenkinsfile"

    @property
    def gitlab_ci(self) -> Path:
        return self.directory / ".gitlab-ci.yml"


@pytest.fixture(scope="session")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Output]:
    """Golden cases (their expected files) and example projects (freshly generated)."""
    root = tmp_path_factory.mktemp("generated")
    result: dict[str, Output] = {}
    for case in golden_cases():
        directory = root / f"golden-{case.name}"
        directory.mkdir()
        files = {}
        for name in ("Jenkinsfile", ".gitlab-ci.yml"):
            expected = case / "expected" / name
            assert expected.is_file(), f"{expected} missing: run pytest --update-golden"
            files[name] = expected.read_text()
            shutil.copy(expected, directory / name)
        result[f"golden/{case.name}"] = Output(f"golden/{case.name}", directory, files)
    for project in example_projects():
        directory = root / f"example-{project.name}"
        directory.mkdir()
        files = render_case(project, [EXAMPLES / "layers"])
        for name, text in files.items():
            (directory / name).write_text(text)
        result[f"examples/{project.name}"] = Output(f"examples/{project.name}", directory, files)
    # the hostile case again, without a shared library: runner stages become `sh 'superspec ...'`
    directory = root / "variant-hostile-no-library"
    directory.mkdir()
    files = render_without_library(GOLDEN / "hostile-values")
    for name, text in files.items():
        (directory / name).write_text(text)
    result["variants/hostile-no-library"] = Output("variants/hostile-no-library", directory, files)
    return result


def render_without_library(case: Path) -> dict[str, str]:
    from superspec import __version__
    from superspec.render.engine import TARGETS, render
    from superspec.render.planner import build_plan
    from superspec.spec import load_spec

    plan = build_plan(load_spec(case / "superspec.yaml"), "superspec.yaml", __version__)
    plan = replace(plan, jenkins=replace(plan.jenkins, library=None))
    return {TARGETS[t]: render(t, plan) for t in TARGETS}


@pytest.fixture(scope="session")
def groovy_asts(outputs: dict[str, Output]) -> dict[str, dict[str, Any]]:
    """{output name: AST summary}: one Groovy JVM parses every Jenkinsfile."""
    parsed = parse_groovy([o.jenkinsfile for o in outputs.values()])
    return {name: parsed[str(o.jenkinsfile)] for name, o in outputs.items()}
