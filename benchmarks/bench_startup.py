"""Start-up: `superspec --help`, `superspec validate` and `explain` on the examples (from the
compiled-spec cache and with --no-cache), and each runner starting on an unchanged spec
(`enforce`, `step enforce`, `package` of one environment from a small jar, so that start-up
dominates), beside the floor (a bare Python interpreter start) and `jenkins-jobs --help` (the
peer CLI for job generation). The runner rows note their time above the floor (target of the
Speed issue: <= 60 ms). `step enforce` runs as the Jenkins shared library runs it in every
stage: params naming the stage, pretty-printed to `.superspec/step-enforce.json` in the
workspace, `step enforce --params-file .superspec/step-enforce.json` from the workspace; with
unchanged params and spec it takes both from the user cache (params memo, compiled spec).

Run: .venv/bin/python -m benchmarks.bench_startup

The cache lives in a temporary SUPERSPEC_CACHE_DIR; the first (warm-up) run of each command
fills it, so the cached rows measure hits. Bytecode is cached in a temporary
PYTHONPYCACHEPREFIX (PYTHONDONTWRITEBYTECODE is unset for the timed commands), as for an
installed superspec, so no row measures compiling superspec's sources.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks.common import Row, record, time_command

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNS = 15
# what a console-script shim does: answer from the caches, else run the CLI
SHIM = ("import sys\n"
        "from superspec.spec.fastpath import main\n"
        "code = main(sys.argv[1:])\n"
        "if code is None:\n"
        "    from superspec.cli.main import main as cli\n"
        "    cli(sys.argv[1:])\n"
        "sys.exit(code)\n")


def main() -> None:
    superspec = str(BIN / "superspec")
    spec = str(ROOT / "examples/projects/payments-api/superspec.yaml")
    layers = str(ROOT / "examples/layers")
    validate = [superspec, "validate", "--spec", spec, "--layers", layers]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(Path(tmp) / "user-cache" / "enforce"),
               "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT",
                     "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)

        def timed(argv: list[str], cwd: str | None = None) -> float:
            return time_command(argv, runs=RUNS, env=env, cwd=cwd)

        floor = timed([sys.executable, "-c", "pass"])

        def above(seconds: float) -> str:
            return f"{(seconds - floor) * 1000:.0f} ms above the floor"

        rows = [
            Row("--help", "superspec", timed([superspec, "--help"]), RUNS),
            Row("--help", "python -c pass (floor)", floor, RUNS),
        ]
        jjb = shutil.which("jenkins-jobs", path=str(BIN))
        if jjb:
            rows.append(Row("--help", "jenkins-jobs", timed([jjb, "--help"]), RUNS))
        validated = timed(validate)
        rows.append(Row("validate payments-api (3 layers)", "superspec", validated, RUNS,
                        f"compiled-spec cache hit; {above(validated)}"))
        shim = [sys.executable, "-c", SHIM, *validate[1:]]
        rows.append(Row("validate payments-api (3 layers), before click", "superspec",
                        timed(shim), RUNS, "spec.fastpath, as a console-script shim would call "
                                           "it (cache hit)"))
        rows.append(Row("validate payments-api (3 layers), --no-cache", "superspec",
                        timed([*validate, "--no-cache"]), RUNS, "YAML, merge, pydantic"))
        rows.append(Row("explain payments-api", "superspec",
                        timed([superspec, "explain", "--spec", spec, "--layers", layers]), RUNS,
                        "cache hit; the model is built for the defaults"))
        project = _enforce_project(Path(tmp))
        enforce = [superspec, "enforce", "--spec", str(project / "superspec.yaml"),
                   "--branch", "main", "--format", "json"]
        started = timed(enforce)
        rows.append(Row("runner start: enforce, unchanged spec and project", "superspec",
                        started, RUNS, above(started)))
        step = _step_params(project)
        stepped = timed([superspec, "step", "enforce", "--params-file", step], cwd=str(project))
        rows.append(Row("runner start: step enforce (stage), unchanged params, spec and project",
                        "superspec", stepped, RUNS,
                        f"{above(stepped)}; params from the params memo, no pydantic"))
        packaged = _package_project(Path(tmp))
        package = [superspec, "package", "--spec", str(packaged / "superspec.yaml"),
                   "--layers", layers, "--env", "prod", "--out", str(Path(tmp) / "prod.jar")]
        one_env = timed(package)
        rows.append(Row("runner start: package payments-api, 1 env, 50 kB jar, unchanged spec",
                        "superspec", one_env, RUNS, f"{above(one_env)}; one template "
                                                    "rendered (jinja2)"))
        full = timed([*package, "--no-cache"])
        rows.append(Row("runner start: package payments-api, 1 env, 50 kB jar, --no-cache",
                        "superspec", full, RUNS, f"{above(full)}; YAML, merge, pydantic, click"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    record("startup", rows)


def _enforce_project(tmp: Path) -> Path:
    project = tmp / "svc"
    project.mkdir()
    (project / "superspec.yaml").write_text(
        "superspec: 1\nkind: project\nname: svc\nbuild: {tool: npm}\n"
        "pipeline: {stages: {enforce: {}}}\n"
        "enforce: {rules: {requireFilesExist: {files: [superspec.yaml]}, "
        "requireOS: {family: unix}}}\n")
    past = os.stat(project / "superspec.yaml").st_mtime - 10
    os.utime(project / "superspec.yaml", (past, past))
    return project


def _package_project(tmp: Path) -> Path:
    """A copy of payments-api (one template) with a small built jar, written well before use
    (a fresh spec is not stored, a fresh jar's digest not remembered)."""
    project = tmp / "payments-api"
    shutil.copytree(ROOT / "examples/projects/payments-api", project)
    jar = project / "target" / "payments-api.jar"
    jar.parent.mkdir()
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        archive.writestr("BOOT-INF/classes/application.properties", "placeholder=true\n")
        for i in range(200):
            archive.writestr(f"BOOT-INF/classes/org/example/C{i}.class", b"\xca\xfe" * 128)
    past = os.stat(project / "superspec.yaml").st_mtime - 3600
    for path in [project, *project.rglob("*")]:
        os.utime(path, (past, past))
    return project


def _step_params(project: Path) -> str:
    """The params the Jenkins shared library writes for the enforce stage (its path, relative to
    the workspace)."""
    params = project / ".superspec" / "step-enforce.json"
    params.parent.mkdir()
    params.write_text(json.dumps({"contract": 1, "step": "enforce", "stage": "enforce",
                                  "spec": "superspec.yaml", "branch": "main"}, indent=4) + "\n")
    return str(params.relative_to(project))


if __name__ == "__main__":
    main()
