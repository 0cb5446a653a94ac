"""generate: a fleet of 1,000 projects in one superspec run, beside jenkins-job-builder
rendering 1,000 equivalent pipeline jobs in one `jenkins-jobs test` run.

Run: .venv/bin/python -m benchmarks.bench_generate   (needs the `bench` extra:
jenkins-job-builder 6.5.0)

The fleet: the examples' company and payments department layers, and 1,000 project specs like
examples/projects/payments-api (each its own name, so each generated file differs). superspec
reads every chain (3 YAML layers), merges and validates it, builds the plan and writes a
Jenkinsfile and a .gitlab-ci.yml per project (2,000 files). The peer: one JJB job-template whose
`dsl` is superspec's own Jenkinsfile for such a project with `{name}` placeholders, expanded
for 1,000 projects and written as 1,000 config.xml files (`jenkins-jobs test -o DIR`).

Rows: both tools cold (a fresh process, empty output directory: everything written), superspec
with its default worker processes (one per CPU), with `--target jenkins` (Jenkinsfiles only:
as many files as the peer writes), with `--jobs 1` (everything in one process) and
with `--no-cache` (the compiled-spec cache, filled by an earlier run, not used), and superspec
regenerating an unchanged fleet (compare-and-skip: nothing rewritten; no file is created, so
this row shows the workers' gain on the computing alone), with its workers and with `--jobs 1`;
then, in process, where superspec's time per project goes: loading the spec (3 layers read,
merged, validated) and rendering both files from it. The commands being compared take turns (one
run of each, then the next round), so that a busy moment on the machine falls on all of them
alike.

Before each cold run the outputs are moved out of the way (into a folder deleted at the end),
never deleted: a cold run is a fresh checkout, where nothing was deleted a moment before. On
ext4 without a journal (this machine's root file system), a new inode is never one freed in the
last 60 s or more, and each allocation scans past every such inode of its block group (perf:
``find_inode_bit`` -> ``recently_deleted``, over half the samples). Deleting 2,000 files and
then creating 2,000 in the same folders cost about 0.6 ms of kernel time per file (1.4 s of a
3.2 s serial run); creating them after a move costs about 0.1 ms. The peer's output folder is
moved away in the same way.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, record, time_call

ROOT = Path(__file__).resolve().parent.parent
SUPERSPEC = str(Path(sys.executable).with_name("superspec"))
JENKINS_JOBS = str(Path(sys.executable).with_name("jenkins-jobs"))
PROJECTS = 1000
RUNS = 5

PROJECT_SPEC = """superspec: 1
kind: project
name: {name}
extends: acme/payments
pipeline:
  stages:
    smoke: {{run: script, script: ["./smoke.sh"], after: deploy-test}}
app:
  image: registry.example/payments/{name}
  port: 8080
package:
  artifact: target/{name}.jar
  secrets: [DB_PASSWORD]
"""


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


def jjb_input(root: Path, jenkinsfile: str, name: str) -> Path:
    """One job-template with superspec's Jenkinsfile as its DSL, expanded per project."""
    dsl = jenkinsfile.replace("{", "{{").replace("}", "}}").replace(name, "{name}")
    lines = ["- job-template:", "    name: '{name}-pipeline'", "    project-type: pipeline",
             "    description: 'Pipeline of {name}'", "    sandbox: true",
             "    properties:", "      - build-discarder:", "          num-to-keep: 30",
             "    dsl: |"]
    lines += [f"      {line}" if line else "" for line in dsl.splitlines()]
    for index in range(PROJECTS):
        lines += ["- project:", f"    name: svc-{index:04d}", "    jobs:",
                  "      - '{name}-pipeline'"]
    path = root / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(commands: dict[str, tuple[list[str], object]], cwd: Path) -> dict[str, float]:
    """Median wall time of each command (argv, and a callable run before each run or None),
    the commands taking turns; the first round is a warm-up (page cache, .pyc)."""
    samples: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(RUNS + 1):
        for key, (argv, before) in commands.items():
            if callable(before):
                before()
            start = time.perf_counter()
            proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
            samples[key].append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise SystemExit(f"{argv[0]} failed: {proc.stderr.decode()[-2000:]}")
    return {key: statistics.median(times[1:]) for key, times in samples.items()}


def main() -> None:
    if not Path(JENKINS_JOBS).exists():
        raise SystemExit("jenkins-jobs missing: .venv/bin/pip install 'jenkins-job-builder==6.5.0'")
    from superspec.render.generate import fleet_workers

    workers = fleet_workers(PROJECTS)
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        root = Path(tmp)
        dirs = make_fleet(root)
        rel = [str(d.relative_to(root)) for d in dirs]
        generate = [SUPERSPEC, "generate", *rel, "--layers", "layers"]

        trash = root / "trash"
        trash.mkdir()

        def clean() -> None:
            """Empty the output places by moving the files away (see the module doc)."""
            away = Path(tempfile.mkdtemp(dir=trash))
            for d in dirs:
                for name in ("Jenkinsfile", ".gitlab-ci.yml"):
                    with contextlib.suppress(FileNotFoundError):
                        (d / name).rename(away / f"{d.name}{name}")

        subprocess.run(generate, cwd=root, check=True, stdout=subprocess.DEVNULL)
        jenkinsfile = (dirs[0] / "Jenkinsfile").read_text()
        jobs = jjb_input(root, jenkinsfile, "svc-0000")
        out = root / "jjb-out"

        def clean_jjb() -> None:
            if out.exists():
                out.rename(Path(tempfile.mkdtemp(dir=trash)) / out.name)

        times = timed({
            "ours": (generate, clean),
            "peer": ([JENKINS_JOBS, "test", "-o", str(out), str(jobs)], clean_jjb),
            "jenkins only": ([*generate, "--target", "jenkins"], clean),
            "serial": ([*generate, "--jobs", "1"], clean),
            "uncached": ([*generate, "--no-cache"], clean),
        }, root)
        written = len(list(out.iterdir()))
        assert written == PROJECTS, written
        again = timed({"unchanged": (generate, None),
                       "unchanged serial": ([*generate, "--jobs", "1"], None)}, root)
        load, render = in_process(root, dirs)
    ours, peer, serial = times["ours"], times["peer"], times["serial"]
    case = f"{PROJECTS:,} projects"
    how = f"{workers} worker processes" if workers else "one process"
    versus = ratio(peer, ours)
    rows = [
        Row(case, "superspec", ours, RUNS,
            f"{how} (one per CPU): 3 layers read+merged+validated, Jenkinsfile + .gitlab-ci.yml "
            f"each; {ours / PROJECTS * 1000:.2f} ms/project; {versus} jenkins-job-builder"),
        Row(case, "jenkins-job-builder 6.5.0", peer, RUNS,
            f"`jenkins-jobs test -o`: 1 template expanded to {PROJECTS:,} pipeline config.xml; "
            f"{peer / PROJECTS * 1000:.2f} ms/job"),
        Row(case, "superspec --target jenkins", times["jenkins only"], RUNS,
            f"{how}; Jenkinsfiles only: 1,000 files, as jenkins-job-builder writes; "
            f"{ratio(peer, times['jenkins only'])} jenkins-job-builder"),
        Row(case, "superspec --jobs 1", serial, RUNS,
            f"everything in one process; {serial / PROJECTS * 1000:.2f} ms/project"),
        Row(case, "superspec --no-cache", times["uncached"], RUNS,
            f"{how}, every spec read, merged and validated in full (no compiled-spec cache)"),
        Row(f"{case}, unchanged", "superspec", again["unchanged"], RUNS,
            f"{how}; regenerate: compare, nothing rewritten"),
        Row(f"{case}, unchanged", "superspec --jobs 1", again["unchanged serial"], RUNS,
            "everything in one process"),
    ]
    rows += [
        Row("in process, per project", "superspec: load spec", load, RUNS,
            "3 YAML layers read, merged, validated (the spec core; no compiled-spec cache)"),
        Row("in process, per project", "superspec: render", render, RUNS,
            "plan + Jenkinsfile + .gitlab-ci.yml text"),
    ]
    record("generate", rows)


def ratio(peer: float, ours: float) -> str:
    return f"{peer / ours:.2f}x faster than" if peer >= ours else f"{ours / peer:.2f}x slower than"


def in_process(root: Path, dirs: list[Path]) -> tuple[float, float]:
    """Median seconds per project to load a spec, and to render both files from it."""
    from superspec.render.generate import Options, render_project
    from superspec.spec import load_spec

    layers = [root / "layers"]
    sample = dirs[:300]
    effective = [load_spec(d / "superspec.yaml", layers) for d in sample]
    options = Options()

    def load() -> None:
        for d in sample:
            load_spec(d / "superspec.yaml", layers, use_cache=False)

    def render() -> None:
        for e in effective:
            render_project(e, e.path.parent, options)

    return (time_call(load, runs=RUNS) / len(sample), time_call(render, runs=RUNS) / len(sample))


if __name__ == "__main__":
    main()
