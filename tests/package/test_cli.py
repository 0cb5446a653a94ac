"""The package command group: options, outputs, usage errors, help."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.package.conftest import SUPERSPEC, run_cli, spec_args


def test_out_is_a_file_for_one_env_and_a_directory_for_several(project: Path, tmp_path: Path,
                                                               capsys) -> None:
    one = tmp_path / "release" / "app.jar"
    run = run_cli(capsys, "package", "--env", "staging", "--out", str(one), *spec_args(project))
    assert run.code == 0, run.err
    assert sorted(p.name for p in one.parent.iterdir()) == [
        "app.jar", "app.jar.superspec-package.json"]
    many = tmp_path / "dist"
    run = run_cli(capsys, "package", "--env", "test", "--env", "prod", "--out", str(many),
                  "--format", "json", *spec_args(project))
    assert run.code == 0, run.err
    assert [r["output"] for r in json.loads(run.out)["results"]] == [
        str(many / "payments-api-test.jar"), str(many / "payments-api-prod.jar")]
    assert sorted(p.name for p in many.iterdir()) == [
        "payments-api-prod.jar", "payments-api-prod.jar.superspec-package.json",
        "payments-api-test.jar", "payments-api-test.jar.superspec-package.json"]
    side = json.loads((many / "payments-api-prod.jar.superspec-package.json").read_text())
    assert side["environment"] == "prod" and side["secrets"] == {"names": ["DB_PASSWORD"],
                                                                 "style": "${NAME}"}


def test_text_output(project: Path, capsys) -> None:
    run = run_cli(capsys, "package", "--env", "prod", *spec_args(project))
    target = project / "target"
    assert run.out == (f"prod: {target}/payments-api-prod.jar <- {target}/payments-api.jar "
                       "[BOOT-INF/classes/application.properties (replaced)]\n")


def test_usage_errors(project: Path, capsys) -> None:
    cases = {
        ("--env", "qa"): "environment 'qa' is not defined in environments (defined: dev, test, "
                         "staging, prod)",
        (): "name an environment with --env ENV, or use --all-envs",
        ("--env", "prod", "--all-envs"): "--all-envs and --env exclude each other",
        ("--env", "prod", "--image", "x:1", "--artifact", "a.jar"):
            "--image packages an image: --artifact and --out do not apply",
        ("--env", "prod", "--image", "x:1", "--out", "dist"):
            "--image packages an image: --artifact and --out do not apply",
        ("--env", "prod", "--out", str(project / "target" / "payments-api.jar")):
            f"the output {project}/target/payments-api.jar would overwrite the base artifact",
    }
    for args, message in cases.items():
        run = run_cli(capsys, "package", *args, *spec_args(project))
        assert (run.code, run.err) == (2, f"error: {message}\n"), args


def test_no_artifact_configured(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "superspec.yaml"
    spec.write_text("superspec: 1\nkind: project\nname: x\nextends: acme/payments\n")
    run = run_cli(capsys, "package", "--env", "prod", "--spec", str(spec), "--layers",
                  str(Path(__file__).resolve().parents[2] / "examples" / "layers"))
    assert (run.code, run.err) == (2, "error: no artifact: pass --artifact PATH or set "
                                      "package.artifact in the spec\n")


def test_all_envs_without_a_package_stage(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "superspec.yaml"
    spec.write_text("superspec: 1\nkind: project\nname: lib\nextends: acme\nbuild: {tool: npm}\n")
    run = run_cli(capsys, "package", "--all-envs", "--spec", str(spec), "--layers",
                  str(Path(__file__).resolve().parents[2] / "examples" / "layers"))
    assert run.code == 1
    assert run.err.startswith("error: ")
    assert run.err.endswith("pipeline.stages: no pipeline stage runs 'package', so --all-envs has "
                            "no environments\n")


def test_help_teaches(capsys) -> None:
    run = run_cli(capsys, "package", "--help")
    assert run.code == 0
    for text in ("--all-envs", "--image REF", "superspec package verify", "Commands:",
                 "verify", "secrets.NAME"):
        assert text in run.out
    run = run_cli(capsys, "package", "verify", "--help")
    assert run.code == 0 and "Usage: superspec package verify [OPTIONS] BASE PACKAGED" in run.out


def test_verify_a_file_that_is_not_there(project: Path, tmp_path: Path, capsys) -> None:
    base = project / "target" / "payments-api.jar"
    missing = tmp_path / "nope.jar"
    run = run_cli(capsys, "package", "verify", str(base), str(missing))
    assert (run.code, run.out, run.err) == (1, "", f"error: {missing}: no such file or directory\n")
    run = run_cli(capsys, "package", "verify", str(missing), str(base))
    assert (run.code, run.err) == (1, f"error: {missing}: no such file or directory\n")


def test_a_fifo_artifact_is_refused_without_waiting_for_a_writer(project: Path,
                                                                 tmp_path: Path) -> None:
    fifo = tmp_path / "app.jar"
    os.mkfifo(fifo)
    base = project / "target" / "payments-api.jar"
    for argv in (["package", "verify", str(base), str(fifo)],
                 ["package", "verify", str(fifo), str(base)],
                 ["package", "--env", "prod", "--artifact", str(fifo), *spec_args(project)]):
        run = subprocess.run([*SUPERSPEC, *argv], capture_output=True, text=True, timeout=60)
        assert (run.returncode, run.stdout, run.stderr) == (
            1, "", f"error: {fifo}: not a regular file (a FIFO)\n"), argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.jar", "payments-api"]


def test_a_repeated_env_is_one_env_for_out(project: Path, capsys) -> None:
    """--env prod --env prod is one environment, so --out names its output file."""
    target = project / "target"
    run = run_cli(capsys, "package", "--env", "prod", "--env", "prod", "--out",
                  str(target / "x.jar"), *spec_args(project))
    assert run.code == 0, run.err
    assert sorted(p.name for p in target.iterdir()) == [
        "payments-api.jar", "x.jar", "x.jar.superspec-package.json"]
