"""Every kind of code point through both literal filters, read back by the real parsers: Groovy
2.4 (one JVM for the whole list) and PyYAML (pure Python and libyaml, as GitLab's Ruby reads
YAML). Both give back exactly the string written; what a file cannot hold is refused."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from superspec.errors import SpecError
from superspec.render import yamlout
from superspec.render.filters import groovy_comment, groovy_str, to_yaml, yaml_scalar
from tests.generate.tools import parse_groovy

# a code point on each side of every category boundary worth having
POINTS = [
    *range(0x00, 0x21), *range(0x7E, 0xA2), 0xAD, 0x0600, 0x061C, 0x180E, *range(0x200A, 0x2010),
    0x2028, 0x2029, *range(0x202A, 0x202F), 0x2060, 0x2064, *range(0x2066, 0x206A), 0x3000,
    0xD7FF, 0xE000, 0xF8FF, 0xFDD0, 0xFDEF, 0xFEFF, *range(0xFFF9, 0xFFFF), 0x10000, 0x1D11E,
    0x1F600, 0x1FAE8, 0x20000, 0x2FFFF, 0xE0001, 0xE007F, 0xF0000, 0x10FFFD, 0x10FFFE, 0x10FFFF,
]
CHARS = [chr(point) for point in POINTS]
# each character alone, between letters, next to a quote or a backslash, before text that
# reads like the rest of a unicode escape; then all of them in one string
SAMPLES = [
    *CHARS, *(f"a{c}b" for c in CHARS), *(f"\\{c}'{c}u0041" for c in CHARS),
    "".join(CHARS), "caf\u00e9 \u4e2d\u6587 \u00bd", "\U0001F600\U0001F600 \\ud83d",
]
LONE_SURROGATES = ["\ud800", "a\udbffb", "\udc80", "\udfff", "\ude00\ud83d"]
LOADERS = [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)]  # libyaml: as GitLab


def _visible(char: str) -> bool:
    """Printable ASCII, or a BMP character printable in Unicode 3.2 (but U+00AD, a format
    character since Unicode 4.0): the characters a generated file may hold unescaped."""
    if char.isascii():
        return char.isprintable()
    return (ord(char) <= 0xFFFF and char != "\xad"
            and unicodedata.ucd_3_2_0.category(char)[0] not in "CZ")


def _written_as_is(literal: str) -> bool:
    return all(map(_visible, literal))


def test_examples_of_each_escape() -> None:
    assert groovy_str("\U0001F600") == "'\\ud83d\\ude00'"
    assert groovy_str("\U0010FFFF\ufffe") == "'\\udbff\\udfff\\ufffe'"
    assert groovy_str("\u00ad\u200b\ufeff\ue000\u3000") == "'\\u00ad\\u200b\\ufeff\\ue000\\u3000'"
    assert groovy_str("caf\u00e9 \u4e2d") == "'caf\u00e9 \u4e2d'"
    assert yaml_scalar("\U0001F600") == '"\\U0001f600"'
    assert yaml_scalar("\U0010FFFF\ufffe\uffff") == '"\\U0010ffff\\ufffe\\uffff"'
    assert yaml_scalar("\u00ad\u200b\ufeff\ue000\u3000") == '"\\xad\\u200b\\ufeff\\ue000\\u3000"'
    assert yaml_scalar("caf\u00e9 \u4e2d") == "'caf\u00e9 \u4e2d'"


@pytest.mark.slow  # the Groovy parser
def test_groovy_reads_back_every_literal_and_no_comment_escapes(tmp_path: Path) -> None:
    literals = tmp_path / "literals.groovy"
    literals.write_text("".join(f"f({groovy_str(s)})\n" for s in SAMPLES), encoding="utf-8")
    comments = tmp_path / "comments.groovy"
    comments.write_text("".join(f"// {groovy_comment(s)}\nf('{i}')\n" for i, s in
                                enumerate(SAMPLES)), encoding="utf-8")
    # why U+FFFF is refused: Groovy 2.4 takes it for the end of the file, raw or escaped
    raw_ffff = tmp_path / "raw_ffff.groovy"
    raw_ffff.write_text("f('a\uffffb')\n", encoding="utf-8")
    escaped_ffff = tmp_path / "escaped_ffff.groovy"
    escaped_ffff.write_text("f('a\\uffffb')\n", encoding="utf-8")
    asts = parse_groovy([literals, comments, raw_ffff, escaped_ffff])  # one JVM

    ast = asts[str(literals)]
    assert "error" not in ast
    assert ast["calls"] == ["f"] * len(SAMPLES)
    assert ast["gstrings"] == [] and ast["variables"] == [] and ast["other"] == []
    assert ast["constants"] == SAMPLES
    ast = asts[str(comments)]
    assert "error" not in ast
    assert ast["constants"] == [str(i) for i in range(len(SAMPLES))]
    assert ast["calls"] == ["f"] * len(SAMPLES) and ast["other"] == []
    for witness in (raw_ffff, escaped_ffff):
        assert "found '<EOF>'" in asts[str(witness)]["error"]


def test_groovy_literals_show_only_visible_bmp_characters() -> None:
    for sample in SAMPLES:
        assert _written_as_is(groovy_str(sample)), ascii(sample)
        assert groovy_comment(sample).isascii() and groovy_comment(sample).isprintable()
    assert groovy_comment("\U0001F600\U0010FFFF") == "%F0%9F%98%80%F4%8F%BF%BF"


def test_yaml_reads_back_every_sample() -> None:
    for sample in [*SAMPLES, "\uffff", "a\uffffb"]:
        for text in (yaml_scalar(sample), to_yaml({sample: [sample, {"k": sample}]})):
            assert all(_written_as_is(line) for line in text.splitlines()), ascii(sample)
        for loader in LOADERS:
            assert yaml.load(yaml_scalar(sample), Loader=loader) == sample
            assert yaml.load(to_yaml({sample: [sample, {"k": sample}]}), Loader=loader) == {
                sample: [sample, {"k": sample}]}


def test_what_no_file_can_hold_is_refused() -> None:
    for text in LONE_SURROGATES:
        with pytest.raises(SpecError, match=r"lone surrogate, not a character"):
            groovy_str(text)
        with pytest.raises(SpecError, match=r"lone surrogate, not a character"):
            yaml_scalar(text)
    with pytest.raises(SpecError) as info:
        groovy_str("a\uffffb")
    assert str(info.value) == (
        "cannot write 'a\\uffffb' to a Jenkinsfile: Groovy reads U+FFFF as the end of the file")


def test_the_shown_characters_do_not_depend_on_the_python_version() -> None:
    """What is written unescaped comes from Unicode 3.2 (a table every Python has) and is
    printable in this Python's newer Unicode too: the same bytes on every version."""
    every = list(map(chr, range(0x110000)))
    shown = [c for c in every if yamlout.shown_as_is(c)]
    assert shown == [c for c in every if _visible(c)]
    assert all(c.isprintable() for c in shown)
    assert not yamlout.shown_as_is("\U0001F600") and not yamlout.shown_as_is("\u1e9e")


everything = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                   exclude_categories=[]), max_size=20)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(everything)
def test_any_string_round_trips_through_yaml_or_is_refused(text: str) -> None:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        with pytest.raises(SpecError):
            yaml_scalar(text)
        return
    emitted = to_yaml({text: [text]})
    assert all(_written_as_is(line) for line in emitted.splitlines())
    for loader in LOADERS:
        assert yaml.load(yaml_scalar(text), Loader=loader) == text
        assert yaml.load(emitted, Loader=loader) == {text: [text]}
