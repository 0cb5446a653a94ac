"""jenkins: `superspec jenkins plan/apply` over 500 projects against the fake Jenkins, beside
jenkins-job-builder's `jenkins-jobs update` pushing the same 500 jobs to the same fake.

Run: .venv/bin/python -m benchmarks.bench_jenkins   (needs the `bench` extra:
jenkins-job-builder 6.5.0; no Jenkins server: the fake of tests/integrations/jenkins_fake.py
serves 127.0.0.1 from this process, both tools run as separate processes)

The fleet: the examples' company and payments department layers and 500 projects shaped like
examples/projects/payments-api, i.e. 500 pipeline jobs with an inline Jenkinsfile in the folder
payments. The peer gets one job-template whose `dsl` is superspec's own Jenkinsfile for such a
project, expanded for the 500 names, `folder: payments`, so both tools push the same jobs.

What differs by design: superspec reads every live config.xml on each plan (edits made in the UI
show up) and lints each Jenkinsfile with the server's linter; jenkins-job-builder trusts a local
cache of what it pushed last (an unchanged run sends nothing, and cannot see UI edits), and with
--ignore-cache re-posts every job. Rows give the wall time (median) and the HTTP requests the
fake answered in one run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_generate import PROJECT_SPEC
from benchmarks.common import Row, record

ROOT = Path(__file__).resolve().parent.parent
SUPERSPEC = str(Path(sys.executable).with_name("superspec"))
JENKINS_JOBS = str(Path(sys.executable).with_name("jenkins-jobs"))
PROJECTS = 500
RUNS = 3
TOKEN = "bench-token"


def make_fleet(root: Path) -> list[Path]:
    shutil.copytree(ROOT / "examples" / "layers", root / "layers")
    dirs = []
    for index in range(PROJECTS):
        name = f"svc-{index:04d}"
        directory = root / "projects" / name
        directory.mkdir(parents=True)
        (directory / "superspec.yaml").write_text(PROJECT_SPEC.format(name=name))
        dirs.append(directory)
    return dirs


def jjb_input(root: Path, jenkinsfile: str, name: str, url: str) -> tuple[Path, Path]:
    """One job-template with superspec's Jenkinsfile as its DSL, and the ini naming the fake."""
    dsl = jenkinsfile.replace("{", "{{").replace("}", "}}").replace(name, "{name}")
    lines = ["- job-template:", "    name: '{name}'", "    folder: payments",
             "    project-type: pipeline", "    description: 'Pipeline of {name}'",
             "    sandbox: true", "    dsl: |"]
    lines += [f"      {line}" if line else "" for line in dsl.splitlines()]
    for index in range(PROJECTS):
        lines += ["- project:", f"    name: svc-{index:04d}", "    jobs:", "      - '{name}'"]
    jobs = root / "jjb" / "jobs.yaml"
    jobs.parent.mkdir()
    jobs.write_text("\n".join(lines) + "\n")
    ini = root / "jjb" / "jenkins_jobs.ini"
    ini.write_text(f"[job_builder]\nignore_cache=False\n\n[jenkins]\nurl={url}\nuser=admin\n"
                   f"password={TOKEN}\nquery_plugins_info=False\n")
    return jobs, ini


def timed(argv: list[str], cwd: Path, env: dict[str, str], fake: object,
          before: Callable[[], None] | None = None, codes: tuple[int, ...] = (0,)
          ) -> tuple[float, int]:
    """Median wall time over RUNS (after one warm-up) and the requests of the last run."""
    samples, requests = [], 0
    for _ in range(RUNS + 1):
        if before is not None:
            before()
        log = fake.log  # type: ignore[attr-defined]
        start_requests = len(log)
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        samples.append(time.perf_counter() - start)
        requests = len(log) - start_requests
        if proc.returncode not in codes:
            raise SystemExit(f"{argv[1]} failed: {proc.stderr.decode()[-2000:]}")
    return statistics.median(samples[1:]), requests


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.integrations.jenkins_fake import FakeJenkins, User

    from superspec.integrations.jenkins_jobs import FleetOptions, load_fleet

    if not Path(JENKINS_JOBS).exists():
        raise SystemExit("jenkins-jobs missing: .venv/bin/pip install 'jenkins-job-builder==6.5.0'")
    with tempfile.TemporaryDirectory(prefix="bench-jenkins-") as tmp, \
            FakeJenkins([User("admin", TOKEN)]) as fake:
        root = Path(tmp)
        dirs = make_fleet(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERSPEC_")}
        env.update(SUPERSPEC_JENKINS_USER="admin", SUPERSPEC_JENKINS_TOKEN=TOKEN,
                   XDG_CACHE_HOME=str(root / "cache"))
        fleet = [str(d.relative_to(root)) for d in dirs]
        ours = [SUPERSPEC, "jenkins", "{}", *fleet, "--layers", "layers", "--url", fake.url]

        def command(name: str, *extra: str) -> list[str]:
            return [name if word == "{}" else word for word in ours] + list(extra)

        def empty_server() -> None:
            with fake.lock:
                fake.root.children.clear()

        plan_empty = timed(command("plan"), root, env, fake, empty_server)
        apply_cold = timed(command("apply"), root, env, fake, empty_server)
        plan_same = timed(command("plan"), root, env, fake)
        plan_nolint = timed(command("plan", "--no-lint"), root, env, fake)
        fake.ui_edit("payments/svc-0007", fake.config("payments/svc-0007").replace(
            "timestamps()", "ansiColor('xterm')"))
        plan_edit = timed(command("plan", "--detailed-exitcode"), root, env, fake, codes=(2,))

        [project] = load_fleet([dirs[0]], FleetOptions(layer_dirs=(root / "layers",)))
        assert project.job is not None
        jobs, ini = jjb_input(root, project.job.jenkinsfile, "svc-0000", fake.url)
        jjb = [JENKINS_JOBS, "--conf", str(ini), "update", "--workers", "4", str(jobs)]

        def folder_only() -> None:
            empty_server()
            shutil.rmtree(root / "cache", ignore_errors=True)
            fake.ui_create("payments", "<com.cloudbees.hudson.plugins.folder.Folder>"
                                       "<description/></com.cloudbees.hudson.plugins.folder."
                                       "Folder>")

        jjb_cold = timed(jjb, root, env, fake, folder_only)
        jjb_cached = timed(jjb, root, env, fake)
        jjb_ignore = timed([JENKINS_JOBS, "--conf", str(ini), "--ignore-cache", "update",
                            "--workers", "4", str(jobs)], root, env, fake)
        jjb_one = timed([JENKINS_JOBS, "--conf", str(ini), "update", str(jobs)], root, env,
                        fake, folder_only)
        assert len(fake.names()) == PROJECTS + 1

    n = f"{PROJECTS} projects"

    def row(case: str, tool: str, measured: tuple[float, int], note: str) -> Row:
        seconds, requests = measured
        return Row(case, tool, seconds, RUNS, f"{requests:,} requests; {note}")

    jjb_name = "jenkins-job-builder 6.5.0"
    rows = [
        row(f"{n}: first push (empty server)", "superspec", apply_cold,
            "apply: folder + 500 jobs created, each Jenkinsfile linted, 4 workers"),
        row(f"{n}: first push (empty server)", jjb_name, jjb_cold,
            "update --workers 4: 500 jobs created (folder made beforehand)"),
        row(f"{n}: first push (empty server)", f"{jjb_name}, 1 worker", jjb_one,
            "update (default workers)"),
        row(f"{n}: nothing changed", "superspec", plan_same,
            "plan: every live config.xml read and compared, every Jenkinsfile linted"),
        row(f"{n}: nothing changed", "superspec --no-lint", plan_nolint,
            "plan without the server's linter"),
        row(f"{n}: nothing changed", f"{jjb_name} (local cache)", jjb_cached,
            "update: trusts its cache, reads nothing from the server, cannot see UI edits"),
        row(f"{n}: nothing changed", f"{jjb_name} --ignore-cache", jjb_ignore,
            "update: re-posts all 500 configs, compares nothing"),
        row(f"{n}: one job edited in the UI", "superspec", plan_edit,
            "plan finds it: 1 update with its diff, exit 2"),
        row(f"{n}: plan on an empty server", "superspec", plan_empty,
            "plan: 1 folder + 500 creates (no config to read), each Jenkinsfile linted"),
    ]
    record("jenkins", rows)


if __name__ == "__main__":
    main()
