"""A secret's value present in the environment never reaches an output, a manifest or a log."""

from __future__ import annotations

import gzip
import os
import subprocess
import zipfile
from pathlib import Path

from tests.package.conftest import SUPERSPEC, make_tar, spec_args

VALUE = b"s3cr3t-value"


def every_byte(root: Path) -> list[tuple[Path, bytes]]:
    """Every file under root, plus the decompressed contents of zips and gzips."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        found.append((path, data))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found += [(path / n, archive.read(n)) for n in archive.namelist()]
        if data[:2] == b"\x1f\x8b":
            found.append((path, gzip.decompress(data)))
    return found


def test_secret_values_never_leave_the_environment(tmp_path: Path, project: Path) -> None:
    dist = project / "dist"
    (dist / "BOOT-INF" / "classes").mkdir(parents=True)
    (dist / "BOOT-INF" / "classes" / "application.properties").write_text("x\n")
    make_tar(project / "target" / "payments-api.tar.gz", gz=True)
    env = {**os.environ, "DB_PASSWORD": VALUE.decode()}
    logs = b""
    for artifact in ("target/payments-api.jar", "target/payments-api.tar.gz", "dist"):
        for fmt in ("text", "json"):
            run = subprocess.run([*SUPERSPEC, "package", "--all-envs", "--format", fmt,
                                  "--artifact", str(project / artifact), *spec_args(project)],
                                 capture_output=True, env=env, cwd=tmp_path)
            assert run.returncode == 0, run.stderr
            logs += run.stdout + run.stderr
    run = subprocess.run([*SUPERSPEC, "package", "verify", str(project / "target/payments-api.jar"),
                          str(project / "target/payments-api-prod.jar")],
                         capture_output=True, env=env, cwd=tmp_path)
    logs += run.stdout + run.stderr
    outputs = every_byte(project)
    packaged = [p for p, _ in outputs if "-prod" in str(p)]
    assert len(packaged) > 10  # jar, tar.gz and directory outputs and their manifests were read
    rendered = [d for p, d in outputs
                if p.name == "application.properties" and b"${DB_PASSWORD}" in d]
    assert len(rendered) >= 6  # the reference is there, in every packaged config file
    assert [p for p, data in outputs if VALUE in data] == []
    assert VALUE not in logs
