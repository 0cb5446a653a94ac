"""The release stage's pause for approval, from the Groovy step down to a real release.

`superspecRelease` runs under Groovy 2.4 in the library's stubbed pipeline (PipelineHarness):
its one `sh` command runs for real, in a real workspace, with the library's wrapper and the
installed superspec, on the tests' private dockerd where a project runs v1. The release is a
canary with `pause: manual`, so the runner pauses (exit 5) and writes a paused-for-approval
result; the step reads that result, asks with `input`, and then either runs the runner again
with `resume: true` (approved) or rolls the release back with `abort: true` (declined), as
its help page says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.env.conftest import get
from tests.release.conftest import (  # noqa: F401 - the fixtures
    shop,
    shop_images,
    spec,
    superspec,
)
from tests.shared_library.conftest import LIBRARY, groovy_tool

pytestmark = pytest.mark.slow  # a real dockerd, the router, busybox replicas, a JVM

SUPERSPEC_BIN = str(Path(sys.executable).with_name("superspec"))
PARAMS = ".superspec/step-release.json"
RESULT = ".superspec/step-release.result.json"
ERROR = ".superspec/step-release.error.json"

# The pipeline side: PipelineHarness with an `sh` that runs the command for real in WORKSPACE.
# Before each run the harness' workspace files are written to disk; after it, the step's
# result and error files are read back. MIRROR `jenkins`: a file superspec removed is gone, as
# for Jenkins' readFile; `kept`: the harness keeps what the step wrote before the run (the empty
# file it clears the answers with), as the library's own Groovy tests do.
DRIVER = r"""
import groovy.json.JsonOutput
import groovy.json.JsonSlurperClassic
import io.superspec.test.PipelineHarness

File library = new File(args[0]).canonicalFile
File workspace = new File(args[1])
String decision = args[2]
String mirror = args[3]
File out = new File(args[4])
List<String> answers = ['.superspec/step-release.result.json', '.superspec/step-release.error.json']

PipelineHarness pipeline = new PipelineHarness(library)
List<Map> runs = []
pipeline.shHandler = { String script, Map environment ->
    pipeline.workspace.each { String path, String text ->
        File file = new File(workspace, path)
        file.parentFile.mkdirs()
        file.setText(text, 'UTF-8')
    }
    ProcessBuilder builder = new ProcessBuilder(['sh', '-c', script]).directory(workspace)
    builder.environment().putAll(environment)
    Process process = builder.start()
    StringBuilder stdout = new StringBuilder()
    StringBuilder stderr = new StringBuilder()
    process.consumeProcessOutput(stdout, stderr)
    int status = process.waitFor()
    String params = pipeline.workspace['.superspec/step-release.json']
    Map run = [script: script, status: status, stderr: stderr.toString(),
               params: new JsonSlurperClassic().parseText(params)]
    answers.each { String path ->
        File file = new File(workspace, path)
        run[path] = file.exists() ? file.getText('UTF-8') : null
        if (file.exists()) {
            pipeline.workspace[path] = file.getText('UTF-8')
        } else if (mirror == 'jenkins') {
            pipeline.workspace.remove(path)
        }
    }
    runs << run
    return status
}
// what input throws when declined (a nested class of the harness, loaded by its binary name)
Class aborted = pipeline.getClass().classLoader
    .loadClass('io.superspec.test.PipelineHarness$Aborted')
pipeline.inputHandler = { Map args ->
    if (decision == 'decline') {
        throw (Throwable) aborted.newInstance('Rejected by release-managers')
    }
    return null
}

Map outcome = [:]
try {
    outcome.returned = pipeline.callVar('superspecRelease', [stage: 'release-test', version: 'v2'])
} catch (Throwable e) {
    outcome.thrown = e.getClass().simpleName
    outcome.message = e.message
}
List<String> shown = ['sh', 'input', 'timeout', 'echo', 'error', 'unstable']
outcome.calls = pipeline.calls.findAll { it.step in shown }
    .collect { Map call -> [step: call.step, args: call.args instanceof Map
        ? call.args.findAll { k, v -> k != 'env' } : call.args] }
outcome.runs = runs
out.setText(JsonOutput.toJson(outcome), 'UTF-8')
"""

CANARY = "[{weight: 50, pause: manual}, {weight: 100}]"
COMMAND = "sh .superspec/superspec.sh step release --params-file .superspec/step-release.json"


def _paused_release_project(root: Path) -> int:
    """The shop project running v1 in `test`; its release stage is a canary that waits for the
    release managers at 50%. Returns the environment's port."""
    text = spec("canary", CANARY, approvers="[release-managers]").replace(
        "pipeline: {stages: {build: {}}}",
        "pipeline: {stages: {build: {}, release-test: {run: release, env: test}}}")
    (root / "superspec.yaml").write_text(text)
    done = superspec("deploy", "--env", "test", "--format", "json")
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["url"].rsplit(":", 1)[1].strip("/"))


def _pipeline(root: Path, tmp: Path, decision: str, mirror: str) -> dict[str, Any]:
    """Run superspecRelease(stage: 'release-test', version: 'v2') in the stubbed pipeline."""
    driver = tmp / "release_pipeline.groovy"
    driver.write_text(DRIVER)
    out = tmp / "outcome.json"
    env = {k: v for k, v in os.environ.items() if k not in ("SUPERSPEC_LAYERS", "BRANCH_NAME")}
    env["SUPERSPEC_BIN"] = SUPERSPEC_BIN
    proc = subprocess.run(
        [groovy_tool("groovy"), "-cp", f"{LIBRARY / 'src'}:{LIBRARY / 'test'}", str(driver),
         str(LIBRARY), str(root), decision, mirror, str(out)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and out.is_file(), proc.stdout + proc.stderr
    outcome: dict[str, Any] = json.loads(out.read_text())
    return outcome


def _steps(outcome: dict[str, Any]) -> list[str]:
    return [call["step"] for call in outcome["calls"]]


def test_the_runner_pauses_with_a_result_the_step_understands(
        shop: Path) -> None:  # noqa: F811 - the fixture imported above
    """The library's fixed command, run by a real shell: superspec exits 5 and its result
    carries what the step's `input` needs."""
    _paused_release_project(shop)
    (shop / ".superspec").mkdir()
    (shop / ".superspec" / "superspec.sh").write_bytes(
        (LIBRARY / "resources" / "superspec" / "superspec.sh").read_bytes())
    (shop / PARAMS).write_text(json.dumps(
        {"contract": 1, "step": "release", "stage": "release-test", "version": "v2"}))
    env = {**os.environ, "SUPERSPEC_BIN": SUPERSPEC_BIN, "SUPERSPEC_VERSION": "0.1.0"}
    run = subprocess.run(["sh", "-c", COMMAND], cwd=shop, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 5, run.stderr
    result = json.loads((shop / RESULT).read_text())
    assert not (shop / ERROR).exists()
    assert result["status"] == "paused-for-approval" and result["exitCode"] == 5
    assert result["approval"] == {
        "groups": ["release-managers"], "timeoutMinutes": 1440,
        "message": "release of shop to v2 paused at 50% for approval: `superspec release "
                   "--env test --resume` to go on, `--abort` to roll back"}
    assert result["details"] == {"environment": "test"}


def test_approved_the_step_resumes_the_real_release(
        shop: Path, tmp_path: Path) -> None:  # noqa: F811 - the fixture imported above
    port = _paused_release_project(shop)

    outcome = _pipeline(shop, tmp_path, "approve", mirror="kept")

    assert "thrown" not in outcome, outcome
    paused, resumed = outcome["runs"]
    assert (paused["status"], resumed["status"]) == (5, 0), outcome["runs"]
    assert json.loads(paused[RESULT])["status"] == "paused-for-approval"
    assert paused["params"] == {"contract": 1, "step": "release", "stage": "release-test",
                                "version": "v2"}
    assert resumed["params"] == {**paused["params"], "resume": True}
    assert _steps(outcome) == ["sh", "echo", "timeout", "input", "sh", "echo"]
    approval = json.loads(paused[RESULT])["approval"]
    ask = next(c["args"] for c in outcome["calls"] if c["step"] == "input")
    assert ask == {"message": f"[superspec release] {approval['message']}",
                   "ok": "Continue release", "submitter": "release-managers"}
    assert next(c["args"] for c in outcome["calls"] if c["step"] == "timeout") == {
        "time": 1440, "unit": "MINUTES"}
    assert outcome["returned"]["status"] == "done"
    assert outcome["returned"]["message"] == "released shop v2 in test"
    assert {get(port)[1] for _ in range(8)} == {"v2"}
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert (status["phase"], status["to_version"]) == ("released", "v2")


def test_declined_the_step_aborts_the_real_release(
        shop: Path, tmp_path: Path) -> None:  # noqa: F811 - the fixture imported above
    port = _paused_release_project(shop)

    outcome = _pipeline(shop, tmp_path, "decline", mirror="kept")

    assert outcome.get("thrown") == "Aborted" and \
        outcome["message"] == "Rejected by release-managers", outcome
    assert [run["status"] for run in outcome["runs"]] == [5, 4], outcome["runs"]
    paused, aborted = outcome["runs"]
    assert aborted["params"] == {**paused["params"], "abort": True}
    assert json.loads(aborted[RESULT])["status"] == "rolled-back"
    assert _steps(outcome)[:5] == ["sh", "echo", "timeout", "input", "echo"]
    assert {get(port)[1] for _ in range(8)} == {"v1"}
    status = json.loads(superspec("release", "status", "--env", "test", "--format",
                                  "json").stdout)
    assert (status["phase"], status["weight"]) == ("rolled-back", 0)


def test_the_step_reads_the_answers_as_superspec_leaves_them(
        shop: Path, tmp_path: Path) -> None:  # noqa: F811 - the fixture imported above
    _paused_release_project(shop)

    outcome = _pipeline(shop, tmp_path, "approve", mirror="jenkins")

    assert "thrown" not in outcome, outcome
    assert [run["status"] for run in outcome["runs"]] == [5, 0], outcome
    assert outcome["returned"]["status"] == "done"
