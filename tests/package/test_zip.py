"""Zip-family packaging over real archives: raw copies, stored/deflated, jar tools, zip64."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.package.conftest import PROPS, make_jar, raw_entries, run_cli, spec_args

EXPECTED_PROD = """\
# Written at packaging time by superspec for environment prod (production).
# The build knows nothing about environments; this file is the only difference between them.
spring.application.name=payments-api
info.app.version=2.3.1
server.port=8080
management.endpoints.web.base-path=/healthz
spring.datasource.hikari.maximum-pool-size=50
# resolved from the process environment at start-up; the value is never packaged
spring.datasource.password=${DB_PASSWORD}
logging.level.root=WARN
"""


def test_every_environment_of_the_example_project(project: Path, capsys) -> None:
    run = run_cli(capsys, "package", "--all-envs", "--version", "2.3.1", "--format", "json",
                  *spec_args(project))
    assert run.code == 0, run.err
    results = json.loads(run.out)["results"]
    assert [r["environment"] for r in results] == ["test", "staging", "prod"]
    target = project / "target"
    assert run.err.splitlines() == [
        f"packaged {env}: {target}/payments-api-{env}.jar (1 file(s) rendered)"
        for env in ("test", "staging", "prod")]
    with zipfile.ZipFile(target / "payments-api-prod.jar") as jar:
        assert jar.read(PROPS).decode() == EXPECTED_PROD
        assert jar.namelist()[0] == "META-INF/MANIFEST.MF"
        assert jar.namelist()[-1] == "superspec-package.json"
        assert jar.testzip() is None
    with zipfile.ZipFile(target / "payments-api-test.jar") as jar:
        text = jar.read(PROPS).decode()
        assert "maximum-pool-size=10\n" in text and "logging.level.root=INFO\n" in text
        assert "environment test (functional-test)" in text


def test_unchanged_entries_are_the_raw_bytes_of_the_base(project: Path, capsys) -> None:
    assert run_cli(capsys, "package", "--env", "prod", *spec_args(project)).code == 0
    base = raw_entries(project / "target" / "payments-api.jar")
    packaged = raw_entries(project / "target" / "payments-api-prod.jar")
    assert set(packaged) == set(base) | {"superspec-package.json"}
    for name, entry in base.items():
        if name != PROPS:
            assert packaged[name] == entry, name
    assert packaged["BOOT-INF/lib/dep-1.0.jar"][0] == zipfile.ZIP_STORED
    assert packaged[PROPS][0] == zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(project / "target" / "payments-api-prod.jar") as jar:
        info = jar.getinfo(PROPS)
        assert info.date_time == (2024, 5, 1, 12, 0, 0)  # the replaced entry keeps its stamp
        assert jar.getinfo("superspec-package.json").date_time == (1980, 1, 1, 0, 0, 0)


def test_replaced_entries_are_padded_to_512_bytes(project: Path, capsys) -> None:
    """An alignment extra field (0xD935, as zipalign writes) pads a replaced entry, so runs
    for several environments usually share one shifted central directory."""
    assert run_cli(capsys, "package", "--all-envs", *spec_args(project)).code == 0
    for env in ("test", "staging", "prod"):
        with zipfile.ZipFile(project / "target" / f"payments-api-{env}.jar") as jar:
            infos = jar.infolist()
        index = [i.filename for i in infos].index(PROPS)
        span = infos[index + 1].header_offset - infos[index].header_offset
        assert span % 512 == 0
        raw = (project / "target" / f"payments-api-{env}.jar").read_bytes()
        local = infos[index].header_offset
        name_len = int.from_bytes(raw[local + 26:local + 28], "little")
        assert raw[local + 30 + name_len:local + 32 + name_len] == b"\x35\xd9"


def test_a_stored_entry_is_replaced_stored(tmp_path: Path, project: Path, capsys) -> None:
    jar = tmp_path / "stored.jar"
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        archive.writestr(PROPS, "x=1\n")
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(jar), *spec_args(project))
    assert run.code == 0, run.err
    with zipfile.ZipFile(tmp_path / "stored-prod.jar") as archive:
        assert archive.getinfo(PROPS).compress_type == zipfile.ZIP_STORED
        assert archive.read(PROPS).decode().endswith("logging.level.root=WARN\n")


def test_jar_tool_output_with_data_descriptors(tmp_path: Path, project: Path, capsys) -> None:
    """A jar written by the JDK's jar tool (deflated entries with data descriptors)."""
    src = tmp_path / "classes"
    (src / "BOOT-INF" / "classes").mkdir(parents=True)
    (src / PROPS).write_text("placeholder=1\n")
    (src / "Main.class").write_bytes(b"\xca\xfe\xba\xbe" + bytes(5000))
    jar = tmp_path / "tool.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(src), "."], check=True)
    with zipfile.ZipFile(jar) as archive:
        assert any(info.flag_bits & 0x08 for info in archive.infolist())
    run = run_cli(capsys, "package", "--env", "staging", "--artifact", str(jar),
                  *spec_args(project))
    assert run.code == 0, run.err
    out = tmp_path / "tool-staging.jar"
    listing = subprocess.run(["jar", "tf", str(out)], check=True, capture_output=True, text=True)
    assert listing.stdout.splitlines()[:2] == ["META-INF/", "META-INF/MANIFEST.MF"]
    assert subprocess.run(["unzip", "-tq", str(out)], capture_output=True).returncode == 0
    base, packaged = raw_entries(jar), raw_entries(out)
    assert packaged["Main.class"] == base["Main.class"]
    assert run_cli(capsys, "package", "verify", str(jar), str(out)).code == 0
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(["jar", "xf", str(out)], cwd=unpacked, check=True)
    assert "logging.level.root=INFO" in (unpacked / PROPS).read_text()
    assert (unpacked / "Main.class").read_bytes() == (src / "Main.class").read_bytes()


def test_output_is_deterministic(project: Path, tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "a.jar", tmp_path / "b.jar"
    for out in (first, second):
        assert run_cli(capsys, "package", "--env", "prod", "--out", str(out),
                       *spec_args(project)).code == 0
    assert first.read_bytes() == second.read_bytes()


def test_zip64_archive(tmp_path: Path, project: Path, capsys) -> None:
    """More than 65,535 entries: zip64 end records are read and written."""
    jar = tmp_path / "many.zip"
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(PROPS, "x=1\n")
        for i in range(70_000):
            archive.writestr(f"r/{i}", b"")
    run = run_cli(capsys, "package", "--env", "test", "--artifact", str(jar), *spec_args(project))
    assert run.code == 0, run.err
    with zipfile.ZipFile(tmp_path / "many-test.zip") as archive:
        assert len(archive.infolist()) == 70_002
        assert "maximum-pool-size=10" in archive.read(PROPS).decode()
    assert run_cli(capsys, "package", "verify", str(jar), str(tmp_path / "many-test.zip")).code == 0


@pytest.mark.parametrize("suffix", [".war", ".ear", ".zip"])
def test_zip_family_suffixes(suffix: str, tmp_path: Path, project: Path, capsys) -> None:
    base = make_jar(tmp_path / f"app{suffix}", classes=3)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), *spec_args(project))
    assert run.code == 0, run.err
    assert zipfile.ZipFile(tmp_path / f"app-prod{suffix}").read(PROPS).decode() == \
        EXPECTED_PROD.replace("info.app.version=2.3.1\n", "")


def test_launch_script_before_the_first_entry(tmp_path: Path, project: Path, capsys) -> None:
    """A fully executable jar: a shell script, then the zip (offsets fixed with zip -A)."""
    jar = make_jar(tmp_path / "plain.jar", classes=5)
    script = b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n"
    exe = tmp_path / "exe.jar"
    exe.write_bytes(script + jar.read_bytes())
    subprocess.run(["zip", "-qA", str(exe)], check=True)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(exe), *spec_args(project))
    assert run.code == 0, run.err
    out = tmp_path / "exe-prod.jar"
    assert out.read_bytes().startswith(script)
    assert subprocess.run(["unzip", "-tq", str(out)], capture_output=True).returncode == 0
    assert "maximum-pool-size=50" in zipfile.ZipFile(out).read(PROPS).decode()
    assert run_cli(capsys, "package", "verify", str(exe), str(out)).code == 0


def test_central_directory_order_differs_from_file_order(tmp_path: Path, project: Path,
                                                         capsys) -> None:
    """Entries listed in another order than they are stored are copied one by one."""
    jar = make_jar(tmp_path / "plain.jar", classes=5)
    data = bytearray(jar.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    count = int.from_bytes(data[end + 10:end + 12], "little")
    cd_offset = int.from_bytes(data[end + 16:end + 20], "little")
    records, pos = [], cd_offset
    for _ in range(count):
        n, e, c = (int.from_bytes(data[pos + k:pos + k + 2], "little") for k in (28, 30, 32))
        records.append(bytes(data[pos:pos + 46 + n + e + c]))
        pos += 46 + n + e + c
    records = [records[0]] + records[1:][::-1]
    data[cd_offset:pos] = b"".join(records)
    reordered = tmp_path / "reordered.jar"
    reordered.write_bytes(bytes(data))
    assert zipfile.ZipFile(reordered).namelist()[1] == "BOOT-INF/lib/dep-1.0.jar"
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(reordered),
                  *spec_args(project))
    assert run.code == 0, run.err
    out = tmp_path / "reordered-prod.jar"
    assert subprocess.run(["unzip", "-tq", str(out)], capture_output=True).returncode == 0
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist()[:2] == ["META-INF/MANIFEST.MF", "BOOT-INF/lib/dep-1.0.jar"]
        assert "maximum-pool-size=50" in archive.read(PROPS).decode()
    assert raw_entries(out)["BOOT-INF/lib/dep-1.0.jar"] == \
        raw_entries(reordered)["BOOT-INF/lib/dep-1.0.jar"]
    assert run_cli(capsys, "package", "verify", str(reordered), str(out)).code == 0


def test_wheel_record_and_manifest_location(tmp_path: Path, capsys) -> None:
    """A wheel keeps its file name (one directory per environment), its RECORD stays true, the
    manifest goes into .dist-info, and pip installs the result."""
    import base64
    import hashlib
    import sys
    import textwrap

    from tests.package.conftest import LAYERS

    def record_line(path: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{path},sha256={digest},{len(data)}"

    files = {"billing/__init__.py": b"", "billing/app.conf": b"placeholder\n",
             "billing-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: billing\n"
                                               b"Version: 1.0\n",
             "billing-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\n"
                                            b"Root-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(record_line(p, d) + "\n" for p, d in files.items())
    record += "billing-1.0.dist-info/RECORD,,\n"
    wheel = tmp_path / "billing-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr("billing-1.0.dist-info/RECORD", record)
    (tmp_path / "app.conf.j2").write_text("pool={{ pool }}\n")
    (tmp_path / "superspec.yaml").write_text(textwrap.dedent("""\
        superspec: 1
        kind: project
        name: billing
        extends: acme/payments
        package:
          artifact: billing-1.0-py3-none-any.whl
          files: [{template: app.conf.j2, path: billing/app.conf}]
          values: {default: {pool: 5}, prod: {pool: 20}}
        """))
    run = run_cli(capsys, "package", "--all-envs", "--spec", str(tmp_path / "superspec.yaml"),
                  "--layers", str(LAYERS))
    assert run.code == 0, run.err
    out = tmp_path / "prod" / "billing-1.0-py3-none-any.whl"
    with zipfile.ZipFile(out) as archive:
        assert "superspec-package.json" not in archive.namelist()
        new_record = archive.read("billing-1.0.dist-info/RECORD").decode()
    assert new_record.splitlines() == [
        record_line("billing/__init__.py", b""),
        record_line("billing/app.conf", b"pool=20\n"),
        record_line("billing-1.0.dist-info/METADATA", files["billing-1.0.dist-info/METADATA"]),
        record_line("billing-1.0.dist-info/WHEEL", files["billing-1.0.dist-info/WHEEL"]),
        "billing-1.0.dist-info/RECORD,,",
        "billing-1.0.dist-info/superspec-package.json,,"]
    manifest = json.loads((tmp_path / "prod" / (out.name + ".superspec-package.json")).read_text())
    assert manifest["manifestEntry"] == "billing-1.0.dist-info/superspec-package.json"
    assert [e["path"] for e in manifest["entries"]] == ["billing/app.conf",
                                                        "billing-1.0.dist-info/RECORD"]
    assert run_cli(capsys, "package", "verify", str(wheel), str(out)).code == 0
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(target), str(out)], check=True, capture_output=True)
    assert (target / "billing" / "app.conf").read_text() == "pool=20\n"
    assert (target / "billing-1.0.dist-info" / "superspec-package.json").is_file()
    assert not (target / "superspec-package.json").exists()


def _with_gap(jar: Path, after: int, gap: bytes) -> bytes:
    """The jar with ``gap`` inserted after entry number ``after``; offsets fixed up."""
    data = bytearray(jar.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    count = int.from_bytes(data[end + 10:end + 12], "little")
    cd_offset = int.from_bytes(data[end + 16:end + 20], "little")
    with zipfile.ZipFile(jar) as archive:
        infos = archive.infolist()
    insert_at = infos[after + 1].header_offset
    pos = cd_offset
    for _ in range(count):
        offset = int.from_bytes(data[pos + 42:pos + 46], "little")
        if offset >= insert_at:
            data[pos + 42:pos + 46] = (offset + len(gap)).to_bytes(4, "little")
        n, e, c = (int.from_bytes(data[pos + k:pos + k + 2], "little") for k in (28, 30, 32))
        pos += 46 + n + e + c
    data[end + 16:end + 20] = (cd_offset + len(gap)).to_bytes(4, "little")
    return bytes(data[:insert_at] + gap + data[insert_at:])


def test_unused_bytes_between_entries(tmp_path: Path, project: Path, capsys) -> None:
    """Entries in order but not back to back: the fast copy is redone entry by entry, and the
    unused bytes are not carried over."""
    jar = make_jar(tmp_path / "plain.jar", classes=5)
    gapped = tmp_path / "gapped.jar"
    gapped.write_bytes(_with_gap(jar, 3, b"UNREFERENCED-BYTES" * 10))
    assert zipfile.ZipFile(gapped).testzip() is None
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(gapped),
                  *spec_args(project))
    assert run.code == 0, run.err
    out = tmp_path / "gapped-prod.jar"
    assert b"UNREFERENCED-BYTES" not in out.read_bytes()
    assert subprocess.run(["unzip", "-tq", str(out)], capture_output=True).returncode == 0
    assert "maximum-pool-size=50" in zipfile.ZipFile(out).read(PROPS).decode()
    assert run_cli(capsys, "package", "verify", str(gapped), str(out)).code == 0


def test_streamed_zip64_entries_with_data_descriptors(tmp_path: Path, project: Path,
                                                      capsys) -> None:
    """Entries written to a stream: zip64 local extra fields and 24-byte data descriptors."""
    import io

    class Stream(io.RawIOBase):
        def __init__(self, sink: io.BufferedWriter) -> None:
            self.sink = sink

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
            return self.sink.write(data)

    jar = tmp_path / "streamed.jar"
    with open(jar, "wb") as sink, zipfile.ZipFile(Stream(sink), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                           (PROPS, b"x=1\n"), ("lib/big.bin", bytes(range(256)) * 400)):
            with z.open(name, "w", force_zip64=True) as entry:
                entry.write(data)
    with zipfile.ZipFile(jar) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())
    from superspec.package.zipread import open_zip

    parsed = open_zip(jar)
    assert parsed.contiguous  # the 24-byte descriptors were measured right
    parsed.close()
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(jar), *spec_args(project))
    assert run.code == 0, run.err
    out = tmp_path / "streamed-prod.jar"
    assert subprocess.run(["unzip", "-tq", str(out)], capture_output=True).returncode == 0
    assert raw_entries(out)["lib/big.bin"] == raw_entries(jar)["lib/big.bin"]
    assert "maximum-pool-size=50" in zipfile.ZipFile(out).read(PROPS).decode()
    assert run_cli(capsys, "package", "verify", str(jar), str(out)).code == 0
