"""enforce: superspec beside Maven Enforcer 3.1.0 on the parity POMs and rules, cold and cached,
plus banDuplicateClasses' class index over every jar in /usr/share/java.

Run: .venv/bin/python -m benchmarks.bench_enforce   (needs .ci/install-system-deps.sh)

Rows:
* one project (the largest parity case: Debian's maven-core + plexus-compiler-javac, 86 edges,
  4 rules): ``mvn -o enforcer:enforce`` (a cold JVM, as CI runs it) against ``superspec enforce``
  cold (fresh process, ``--no-cache``) and cached (fresh process, unchanged project);
* the same project with its POM touched (the result cache is stale, the spec unchanged: the
  compiled-spec cache answers the spec, the rules memo the rules' options, the rules run), as CI
  meets a new commit;
* the CLI's start-up floor (``superspec --version``), and the one project in-process
  (``run_enforce`` with the spec already loaded: the engine and the reader alone);
* every parity project: Maven's reactor (one JVM for all modules) against ONE ``superspec
  enforce DIR...`` process (cold with --no-cache; every POM touched; unchanged), against one
  process per project, cold and cached; and the in-process engine alone;
* dependency resolution alone: ``mvn dependency:tree`` (reactor) against ``read_maven_project``;
* banDuplicateClasses over /usr/share/java: the central-directory index against the same index
  built with the standard library's ``zipfile``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

from tests.enforce.parity import harness

from benchmarks.common import Row, record, time_call, time_command

SUPERSPEC = str(Path(sys.executable).with_name("superspec"))
BIG = "debian-maven-core"


def _superspec(work: harness.Work, case: str, cached: bool) -> list[str]:
    d = work.root / case
    argv = [SUPERSPEC, "enforce", "--spec", str(d / "superspec.yaml"), "--project-dir", str(d),
            "--maven-repo", str(work.repo), "--format", "json"]
    return argv if cached else argv + ["--no-cache"]


def _touch_and_run(paths: list[Path], argvs: list[list[str]], env: dict[str, str]) -> None:
    """Touch ``paths`` (their results go stale, the specs stay unchanged), then run."""
    for path in paths:
        os.utime(path)
    _run_all(argvs, env)


def _mvn(work: harness.Work, where: Path, *goals: str) -> list[str]:
    return ["mvn", "-o", "-B", "-q", "-fae", "-s", str(harness.DEBIAN_SETTINGS),
            f"-Dmaven.repo.local={work.repo}", "-f", str(where / "pom.xml"), *goals]


def _run_all(argvs: list[list[str]], env: dict[str, str]) -> None:
    for argv in argvs:
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       env=env)


def _zipfile_index(jars: list[Path]) -> int:
    owners: dict[str, set[tuple[int, int]]] = defaultdict(set)
    seen = set()
    for jar in jars:
        real = os.path.realpath(jar)
        if real in seen:
            continue
        seen.add(real)
        with zipfile.ZipFile(real) as zf:
            for info in zf.infolist():
                if info.filename.endswith(".class"):
                    owners[info.filename].add((info.CRC, info.file_size))
    return len(owners)


def main() -> None:
    harness.require_maven()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = harness.prepare(Path(tmp))
        cases = work.cases
        # the result cache as on an agent: outside the projects, in the account's own directory;
        # bytecode cached as for an installed superspec (no row measures compiling its sources)
        env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(Path(tmp) / "user-cache" / "enforce")}
        for name in ("SUPERSPEC_NO_SPEC_CACHE", "SUPERSPEC_LAYERS", "SUPERSPEC_ROOT",
                     "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        enforce = f"{harness.ENFORCER}:enforce"

        # -- one project ---------------------------------------------------------------------
        one = f"1 project ({BIG}, 4 rules)"
        load = os.getloadavg()[0]
        mvn_one = time_command(_mvn(work, work.root / BIG, enforce), runs=3, check=False)
        rows.append(Row(one, "mvn enforcer:enforce", mvn_one, 3, "cold JVM"))
        rows.append(Row(one, "superspec", time_command(
            _superspec(work, BIG, cached=False), runs=7, check=False, env=env), 7,
            "cold, --no-cache"))
        big_pom = work.root / BIG / "pom.xml"
        stale = _superspec(work, BIG, cached=True)
        rows.append(Row(one + ", result cache stale", "superspec", time_call(
            lambda: _touch_and_run([big_pom], [stale], env), runs=9), 9,
            "POM touched, spec unchanged (compiled-spec cache and rules memo hit)"))
        rows.append(Row(one + ", result cache stale", "mvn enforcer:enforce", mvn_one, 3,
                        "cold JVM"))
        rows.append(Row(one + ", cached", "superspec", time_command(
            _superspec(work, BIG, cached=True), runs=10, check=False, env=env), 10,
            "result cache hit"))
        rows.append(Row(one + ", cached", "mvn enforcer:enforce", mvn_one, 3,
                        "Maven has no result cache"))
        floor = time_command([SUPERSPEC, "--version"], runs=5, env=env)
        rows.append(Row("CLI start-up floor", "superspec", floor, 5,
                        f"superspec --version; load average {load:.1f} at start"))

        # -- every parity project --------------------------------------------------------------
        many = f"{len(cases)} parity projects"
        mvn_many = time_command(_mvn(work, work.root, enforce), runs=2, warmup=0, check=False)
        rows.append(Row(many, "mvn enforcer:enforce", mvn_many, 2, "one reactor, one JVM"))
        reactor = [SUPERSPEC, "enforce", *(str(work.root / c) for c in cases),
                   "--maven-repo", str(work.repo), "--format", "json"]
        rows.append(Row(many, "superspec", time_command(
            [*reactor, "--no-cache"], runs=3, check=False, env=env), 3,
            "ONE process (enforce DIR...), --no-cache"))
        poms = [work.root / c / "pom.xml" for c in cases]
        rows.append(Row(many + ", result cache stale", "superspec", time_call(
            lambda: _touch_and_run(poms, [reactor], env), runs=3), 3,
            "ONE process, every POM touched, specs unchanged"))
        rows.append(Row(many + ", result cache stale", "mvn enforcer:enforce", mvn_many, 2,
                        "one reactor, one JVM"))
        rows.append(Row(many + ", cached, one process", "superspec", time_command(
            reactor, runs=3, check=False, env=env), 3, "ONE process, cache hits"))
        rows.append(Row(many + ", cached, one process", "mvn enforcer:enforce", mvn_many, 2,
                        "Maven has no result cache"))
        cold = [_superspec(work, c, cached=False) for c in cases]
        rows.append(Row(many + ", a process each", "superspec",
                        time_call(lambda: _run_all(cold, env), runs=1, warmup=0),
                        1, f"{len(cases)} processes, --no-cache"))
        rows.append(Row(many + ", a process each", "mvn enforcer:enforce", mvn_many, 2,
                        "one reactor, one JVM"))
        warm = [_superspec(work, c, cached=True) for c in cases]
        _run_all(warm, env)
        rows.append(Row(many + ", cached", "superspec",
                        time_call(lambda: _run_all(warm, env), runs=2, warmup=0), 2,
                        f"{len(cases)} processes, cache hits"))
        rows.append(Row(many + ", cached", "mvn enforcer:enforce", mvn_many, 2,
                        "Maven has no result cache"))

        from superspec.enforce.maven import read_maven_project
        from superspec.enforce.runner import run_enforce
        from superspec.spec import load_spec

        specs = [(load_spec(work.root / c / "superspec.yaml", []), work.root / c) for c in cases]

        def engine() -> None:
            for effective, d in specs:
                run_enforce(effective, d, branch="main", maven_repo=work.repo, use_cache=False)

        rows.append(Row(many + ", in-process", "superspec", time_call(engine, runs=3), 3,
                        "run_enforce per project, spec already loaded"))
        big = [(e, d) for e, d in specs if d.name == BIG]
        rows.append(Row(one + ", in-process", "superspec", time_call(
            lambda: [run_enforce(e, d, branch="main", maven_repo=work.repo, use_cache=False)
                     for e, d in big], runs=5), 5, "run_enforce, spec already loaded"))

        # -- resolution alone ------------------------------------------------------------------
        tree = f"resolve {len(cases)} POMs"
        rows.append(Row(tree, "mvn dependency:tree", time_command(
            _mvn(work, work.root, harness.TREE), runs=2, warmup=0, check=False), 2,
            "one reactor"))
        rows.append(Row(tree, "superspec", time_call(
            lambda: [read_maven_project(work.root / c, work.repo) for c in cases], runs=5), 5,
            "read_maven_project, fresh model cache per project"))

    # -- banDuplicateClasses ---------------------------------------------------------------------
    from superspec.enforce.jars import find_duplicate_classes

    jars = sorted(Path("/usr/share/java").glob("*.jar"))
    dup = f"banDuplicateClasses, {len(jars)} jars in /usr/share/java"
    start = time.perf_counter()
    groups = find_duplicate_classes(jars, ignore_when_identical=True)
    first = time.perf_counter() - start
    rows.append(Row(dup, "superspec", time_call(
        lambda: find_duplicate_classes(jars, ignore_when_identical=True), runs=3), 3,
        f"central directory only; {len(groups)} groups differ; first run {first:.2f} s"))
    rows.append(Row(dup, "python zipfile", time_call(lambda: _zipfile_index(jars), runs=3), 3,
                    "same index via zipfile.ZipFile"))
    record("enforce", rows)


if __name__ == "__main__":
    main()
