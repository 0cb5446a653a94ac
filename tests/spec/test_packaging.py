"""One rule for which environments a package stage packages, used by the generated pipeline
(planner), `superspec package --all-envs` and `superspec step package`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import yaml

from superspec.errors import SpecError
from superspec.package.plan import stage_envs
from superspec.render.planner import build_plan
from superspec.spec import load_spec
from superspec.spec.packaging import envs_packaged_by
from tests.helpers import run_cli

ENVIRONMENTS = {e: {"class": c} for e, c in (("dev", "development"), ("test", "functional-test"),
                                             ("prod", "production"))}
DEPLOYS = {"deploy-test": {"run": "deploy", "env": "test"},
           "release-prod": {"run": "release", "env": "prod"}}


def _project(root: Path, package: dict[str, object], deploys: dict[str, object]) -> Path:
    spec = {"superspec": 1, "kind": "project", "name": "app", "build": {"tool": "maven"},
            "environments": ENVIRONMENTS, "package": {"artifact": "target/app.jar"},
            "pipeline": {"stages": {"build": {}, "package": package, **deploys}}}
    path = root / "superspec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    jar = root / "target" / "app.jar"
    jar.parent.mkdir()
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    return path


def _step_envs(root: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(root)
    params = root / ".superspec" / "step-package.json"
    params.parent.mkdir()
    params.write_text(json.dumps({"contract": 1, "step": "package", "stage": "package"}))
    run = run_cli(capsys, "step", "package", "--params-file", str(params))
    assert run.code == 0, run.err
    result = json.loads((root / ".superspec" / "step-package.result.json").read_text())
    return [p["environment"] for p in result["details"]["packages"]]


@pytest.mark.parametrize(("package", "deploys", "expected"), [
    ({"envs": ["test"], "env": "dev"}, DEPLOYS, ["test", "dev"]),  # env counts as well
    ({"envs": ["prod", "prod"]}, DEPLOYS, ["prod"]),
    ({}, DEPLOYS, ["test", "prod"]),  # none named: what deploy/release stages target
    ({}, {"release-prod": {"run": "release", "env": "prod"},
          "deploy-test": {"run": "deploy", "env": "test", "after": "package"}}, ["test", "prod"]),
])
def test_pipeline_package_command_and_step_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    package: dict[str, object], deploys: dict[str, object], expected: list[str],
) -> None:
    path = _project(tmp_path, package, deploys)
    effective = load_spec(path)
    assert envs_packaged_by(effective.model, "package") == expected
    plan = build_plan(effective, "superspec.yaml", "0.1.0")
    [stage] = [s for s in plan.stages if s.id == "package"]
    assert stage.call is not None and list(stage.call.envs) == expected
    assert stage_envs(effective) == expected
    assert _step_envs(tmp_path, capsys, monkeypatch) == expected


def test_nothing_to_package_is_refused_when_the_spec_is_loaded(tmp_path: Path) -> None:
    """Validation refuses it, so generate, package and step never see such a stage."""
    with pytest.raises(SpecError) as error:
        load_spec(_project(tmp_path, {}, {}))
    assert str(error.value) == (
        f"{error.value.problems[0].location.file}:18 [project app] pipeline.stages.package: "
        "stage 'package' runs 'package' but names no environments and no stage deploys to one: "
        "set 'envs: [...]'")
