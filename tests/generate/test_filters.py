"""The escaping filters, checked against the real parsers: Groovy 2.4 and PyYAML."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from superspec.render.filters import (
    groovy_comment,
    groovy_str,
    shell_quote,
    to_yaml,
    yaml_comment,
    yaml_scalar,
)
from tests.generate.tools import parse_groovy

NASTY = ["'", '"', "\\", "$", "{", "}", "\n", "\r", "\t", "'''", '"""', "${x}", "#", ": ", "/",
         "*", "`", "\u2028", "\u0000", "\u00e9", "\U0001F600", "a", " ", "-", "|", ">", "&",
         "!", "%", "@", "\u200b", "\x1b", "//", "/*", "*/"]

# unicode escapes Groovy translates before parsing (Java allows several u's), and look-alikes
ESCAPES = ["\\u000a", "\\\\u000a", "\\uuuu000a", "\\u000D", "\\u2028", "\\u002f\\u002f",
           "\\u0027", "%5C"]


def _samples(count: int = 400) -> list[str]:
    rng = random.Random(20261126)
    return [
        "".join(rng.choice(NASTY) for _ in range(rng.randint(0, 12))) for _ in range(count)
    ]


def test_groovy_str_examples() -> None:
    assert groovy_str("it's") == "'it\\'s'"
    assert groovy_str("a\\b") == "'a\\\\b'"
    assert groovy_str("${x}\n") == "'${x}\\n'"
    assert groovy_str("\u2028") == "'\\u2028'"


@pytest.mark.slow  # the Groovy parser
def test_groovy_literals_parse_back_to_the_same_string(tmp_path: Path) -> None:
    """Each literal, as Groovy 2.4 parses it, is one string constant equal to the input."""
    samples = _samples() + ESCAPES + [e + "x'" for e in ESCAPES]
    source = tmp_path / "literals.groovy"
    source.write_text("".join(f"f({groovy_str(s)})\n" for s in samples), encoding="utf-8")
    ast = parse_groovy([source])[str(source)]
    assert "error" not in ast
    assert ast["gstrings"] == [] and ast["variables"] == [] and ast["other"] == []
    assert ast["calls"] == ["f"] * len(samples)
    assert ast["constants"] == samples


def test_yaml_filters_round_trip() -> None:
    samples = [s for s in _samples() if "\x00" not in s and "\x1b" not in s] + [
        "yes", "no", "null", "~", "1.0", "0x10", "- a", "? b", "@c", "%d", "&e", "*f", "!g",
        "abc\n", "./x\n", "$Y\n"]  # a final newline is data, not the end of a plain scalar
    for sample in samples:
        assert yaml.safe_load(yaml_scalar(sample)) == sample
        assert yaml.safe_load(to_yaml({sample: [sample]})) == {sample: [sample]}


def test_yaml_output_is_deterministic_block_style() -> None:
    assert to_yaml({"b": 1, "a": ["x: y", "#z"]}) == "b: 1\na:\n- 'x: y'\n- '#z'\n"


def test_shell_quote() -> None:
    assert shell_quote("plain.xml") == "plain.xml"
    assert shell_quote("a b'c") == "'a b'\"'\"'c'"


def test_emitted_yaml_is_read_back_unchanged_by_pyyaml_in_every_shape() -> None:
    specials = ["", "yes", "No", "null", "~", "1.0", "0x10", "1_000", "2001-12-14", ".inf",
                "- a", "? b", "@c", "%d", "&e", "*f", "!g", "a: b", "a:", "x #y", " lead",
                "trail ", "=", "<<", "a\u00a0b", "tab\there", "line\u2028sep", "\U0001F600"]
    for sample in _samples() + specials:
        for value in ({sample: [sample, {"k": sample, "l": [sample, {"m": sample}]}]},
                      [sample, [sample], {sample: sample}], {"e": [], "f": {}, "n": None,
                                                            "b": True, "i": 3}):
            assert yaml.safe_load(to_yaml(value)) == value, repr(sample)


def test_comment_filters_percent_encode_backslash_percent_and_non_ascii() -> None:
    assert groovy_comment('x\\u000aprintln("PWN")') == 'x%5Cu000aprintln("PWN")'
    assert groovy_comment("a\\\\u000ab") == "a%5C%5Cu000ab"
    assert groovy_comment("\\uuuu000a") == "%5Cuuuu000a"
    assert groovy_comment("50% \n\r\t*/ /* é\u2028\u2029\u0085\U0001F600") == (
        "50%25 %0A%0D%09*/ /* %C3%A9%E2%80%A8%E2%80%A9%C2%85%F0%9F%98%80")
    assert groovy_comment("plain text: ok # // ${x}") == "plain text: ok # // ${x}"
    assert yaml_comment("a\nb: c\u2028d\u0085e") == "a%0Ab: c%E2%80%A8d%C2%85e"


@pytest.mark.slow  # the Groovy parser
def test_groovy_comments_stay_comments(tmp_path: Path) -> None:
    """Groovy translates unicode escapes before parsing, comments included: a comment line
    holding any filtered value (escapes, line breaks, '*/') leaves only the code around it."""
    samples = _samples() + [f"{e}println('PWN'){e}//" for e in ESCAPES] + [
        "x\\u000aprintln(\"PWN\")\\u000a\\u002f\\u002f", "\\", "\\u", "*/ f(1) /*"]
    source = tmp_path / "comments.groovy"
    source.write_text("".join(f"// {groovy_comment(s)}\nf('{i}')\n" for i, s in
                              enumerate(samples)), encoding="utf-8")
    ast = parse_groovy([source])[str(source)]
    assert "error" not in ast
    assert ast["calls"] == ["f"] * len(samples)
    assert ast["constants"] == [str(i) for i in range(len(samples))]
    assert ast["variables"] == [] and ast["other"] == [] and ast["gstrings"] == []


def test_yaml_comments_stay_comments() -> None:
    samples = _samples() + ESCAPES + ["a\u0085b: 1", "a\u2028b: 1", "a\u2029b: 1", "a\rb: 1"]
    text = "".join(f"# {yaml_comment(s)}\nk{i}: {i}\n" for i, s in enumerate(samples))
    assert yaml.safe_load(text) == {f"k{i}": i for i in range(len(samples))}
