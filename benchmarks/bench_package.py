"""Packaging a ~100 MB jar for 3 environments, against cp, zip -u and jar uf on copies.

python -m benchmarks.bench_package   (writes benchmarks/results/package.json)

The jar is generated once in a temp dir: ~20,000 class-like entries, mostly deflated, some
stored. Every tool changes the same one file (BOOT-INF/classes/application.properties).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Row, record

ROOT = Path(__file__).resolve().parent.parent
PROPS = "BOOT-INF/classes/application.properties"
ENVS = ["test", "staging", "prod"]
CASE = "100 MB jar, 1 file changed"
ROUNDS = 7


def make_jar(path: Path, target_mb: int = 100) -> None:
    rng = random.Random(42)
    words = [bytes(rng.getrandbits(8) for _ in range(rng.randint(4, 14))) for _ in range(4000)]
    with zipfile.ZipFile(path, "w", compresslevel=1) as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        jar.writestr(PROPS, "placeholder=true\n", compress_type=zipfile.ZIP_DEFLATED)
        i = 0
        while path.stat().st_size < target_mb * 1_000_000 if path.exists() else True:
            for _ in range(500):
                body = b"\xca\xfe\xba\xbe" + b"".join(rng.choices(words, k=rng.randint(200, 900)))
                stored = i % 10 == 0  # nested jars and resources are often stored
                jar.writestr(f"BOOT-INF/classes/org/example/p{i // 500}/C{i}.class", body,
                             compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
                i += 1
            jar.fp.flush()  # type: ignore[union-attr]


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) and its finished children, user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(setup: Callable[[], None], action: Callable[[], None], runs: int) -> float:
    samples = []
    for _ in range(runs + 1):  # the first is a warm-up
        setup()
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples[1:])


def run(argv: list[str], cwd: Path | None = None) -> None:
    subprocess.run(argv, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    from superspec.package.runner import package_envs
    from superspec.spec import load_spec

    work = Path(tempfile.mkdtemp(prefix="superspec-bench-package-"))
    try:
        project = work / "payments-api"
        shutil.copytree(ROOT / "examples" / "projects" / "payments-api", project)
        base = project / "target" / "payments-api.jar"
        base.parent.mkdir(parents=True)
        make_jar(base)
        size_mb = base.stat().st_size / 1e6
        with zipfile.ZipFile(base) as jar:
            entries = len(jar.infolist())
        effective = load_spec(project / "superspec.yaml", [ROOT / "examples" / "layers"])
        out = work / "out"
        out.mkdir()
        copy = work / "copy.jar"
        newer = work / "upd"
        (newer / "BOOT-INF" / "classes").mkdir(parents=True)
        (newer / PROPS).write_text("spring.datasource.hikari.maximum-pool-size=50\n")

        def fresh_copy() -> None:
            copy.unlink(missing_ok=True)
            shutil.copyfile(base, copy)
            os.utime(newer / PROPS)  # newer than the entry, so zip -u replaces it

        def drop_copy() -> None:
            copy.unlink(missing_ok=True)

        def clean_out() -> None:  # every tool writes a new file, as cp does after drop_copy
            for path in out.iterdir():
                path.unlink()

        # cp and superspec alternate round by round, so a busy machine slows both alike
        samples: dict[str, list[float]] = {"all": [], "one": [], "cp": []}
        cpu: dict[str, list[float]] = {"all": [], "one": [], "cp": []}  # load-independent
        actions = {
            "all": lambda: package_envs(effective, ENVS, base, out),
            "one": lambda: package_envs(effective, ["prod"], base, out / "p.jar"),
            "cp": lambda: run(["cp", str(base), str(copy)]),
        }
        for round_ in range(ROUNDS + 1):
            for key, action in actions.items():
                clean_out()
                drop_copy()
                start, used = time.perf_counter(), _cpu_seconds()
                action()
                if round_:  # round 0 warms the page cache and the imports
                    samples[key].append(time.perf_counter() - start)
                    cpu[key].append(_cpu_seconds() - used)
        all_envs, one, cp = (statistics.median(samples[k]) for k in ("all", "one", "cp"))
        cpu_ms = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
        rows = [
            Row(CASE, "superspec", all_envs / 3, ROUNDS,
                f"per env, 3 envs in one run ({all_envs * 1000:.0f} ms total); "
                f"CPU {cpu_ms['all'] / 3:.0f} ms per env"),
            Row(CASE, "superspec, 1 env", one, ROUNDS,
                f"in-process, base digest included; CPU {cpu_ms['one']:.0f} ms"),
        ]
        cli = [sys.executable, "-m", "superspec", "package", "--env", "prod", "--spec",
               str(project / "superspec.yaml"), "--layers", str(ROOT / "examples" / "layers"),
               "--out", str(out / "cli.jar")]
        rows.append(Row(CASE, "superspec CLI, 1 env", timed(clean_out, lambda: run(cli), 3),
                        3, "includes interpreter start-up"))
        rows.append(Row(CASE, "cp", cp, ROUNDS, f"copy only, no change; CPU {cpu_ms['cp']:.0f} ms"))
        rows.append(Row(CASE, "zip -u", timed(fresh_copy, lambda: run(
            ["zip", "-q", "-u", str(copy), PROPS], cwd=newer), 3), 3, "Info-ZIP, on a copy"))
        rows.append(Row(CASE, "jar uf", timed(fresh_copy, lambda: run(
            ["jar", "uf", str(copy), "-C", str(newer), PROPS]), 2), 2, "JDK jar tool, on a copy"))
        for row in rows:
            row.note += f"; {row.seconds / cp:.2f}x cp"
        load = os.getloadavg()[0]
        print(f"jar: {size_mb:.0f} MB, {entries} entries; load average {load:.1f} "
              f"on {os.cpu_count()} cores")
        record("package", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
