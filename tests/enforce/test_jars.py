"""banDuplicateClasses' class index over real Debian jars (/usr/share/java)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from superspec.enforce.jars import class_entries, find_duplicate_classes
from superspec.errors import InputError

JAVA = Path("/usr/share/java")


def jar(name: str) -> Path:
    path = JAVA / name
    assert path.exists(), f"{path} missing: run .ci/install-system-deps.sh"
    return path


def test_commons_logging_and_jcl_over_slf4j_share_six_classes_that_differ() -> None:
    groups = find_duplicate_classes([jar("commons-logging-1.2.jar"), jar("jcl-over-slf4j.jar")],
                                    ignore_when_identical=True)
    assert [(g.jars, g.identical) for g in groups] == [
        ((JAVA / "commons-logging-1.2.jar", JAVA / "jcl-over-slf4j.jar"), False)]
    assert groups[0].classes == tuple(sorted(
        f"org/apache/commons/logging/{c}.class" for c in (
            "Log", "LogConfigurationException", "LogFactory", "impl/NoOpLog",
            "impl/SimpleLog", "impl/SimpleLog$1")))


def test_log4j_and_log4j_over_slf4j_overlap() -> None:
    groups = find_duplicate_classes([jar("log4j-1.2.jar"), jar("log4j-over-slf4j.jar")], False)
    names = {c for g in groups for c in g.classes}
    assert "org/apache/log4j/Logger.class" in names
    assert "org/apache/log4j/Category.class" in names
    differing = {c for g in groups if not g.identical for c in g.classes}
    assert "org/apache/log4j/Logger.class" in differing


def test_commons_codec_inside_httpclient_osgi_is_identical() -> None:
    pair = [jar("commons-codec.jar"), jar("httpclient-osgi.jar")]
    groups = find_duplicate_classes(pair, ignore_when_identical=False)
    assert [(len(g.classes), g.identical) for g in groups] == [(106, True)]
    assert find_duplicate_classes(pair, ignore_when_identical=True) == []


def test_symlinked_aliases_are_one_jar() -> None:
    alias = jar("commons-codec-1.15.jar")
    assert alias.is_symlink()
    assert find_duplicate_classes([alias, jar("commons-codec.jar")], False) == []


def test_crc_and_size_come_from_the_central_directory(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jar", tmp_path / "b.jar"
    for path, body in ((a, b"one"), (b, b"two")):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("p/Same.class", b"same bytes")
            zf.writestr("p/Diff.class", body)
            zf.writestr("module-info.class", body)
            zf.writestr("META-INF/versions/11/p/Diff.class", body)
            zf.writestr("p/readme.txt", body)
    assert sorted(class_entries(a)) == ["p/Diff.class", "p/Same.class"]
    groups = find_duplicate_classes([b, a], ignore_when_identical=False)
    assert [(g.jars, g.classes, g.identical) for g in groups] == [
        ((a, b), ("p/Diff.class",), False), ((a, b), ("p/Same.class",), True)]
    assert groups[0].describe() == f"1 different class(es) in {a} and {b}"


def test_not_a_jar(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jar"
    bad.write_text("hello")
    with pytest.raises(InputError) as err:
        class_entries(bad)
    assert str(err.value) == f"{bad}: not a jar (no zip central directory)"
    with pytest.raises(InputError) as err:
        class_entries(tmp_path / "gone.jar")
    assert str(err.value) == f"{tmp_path}/gone.jar: cannot read jar: No such file or directory"


def test_every_debian_jar_can_be_indexed() -> None:
    jars = sorted(JAVA.glob("*.jar"))
    assert len(jars) > 100
    groups = find_duplicate_classes(jars, ignore_when_identical=True)
    holders = {p.name for g in groups if "org/apache/commons/logging/Log.class" in g.classes
               for p in g.jars}
    # aliases count once, under the first name given (sorted: the versioned symlink)
    assert {"commons-logging-1.2.jar", "jcl-over-slf4j-1.7.32.jar"} <= holders
    assert "commons-logging.jar" not in holders and "jcl-over-slf4j.jar" not in holders


def test_a_zip_comment_holding_the_end_signature_is_not_mistaken(tmp_path: Path) -> None:
    path = tmp_path / "commented.jar"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("p/A.class", b"a")
        zf.comment = b"PK\x05\x06 looks like an end record"
    assert list(class_entries(path)) == ["p/A.class"]
