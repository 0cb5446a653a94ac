"""Thousands of random and mutated YAML documents through `superspec validate`: never a traceback,
always exit 0 or 1, and every failure line names the file it is about."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superspec.cli.main import main
from superspec.spec.validate import known_keys
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow  # runs the fuzz corpus

KEYS = sorted({
    key
    for path in [(), ("ci",), ("ci", "jenkins"), ("ci", "gitlab"), ("build",), ("branching",),
                 ("pipeline",), ("enforce",), ("app",), ("package",), ("ci", "jenkins", "agent"),
                 ("ci", "jenkins", "options"), ("environments", "x"), ("pipeline", "stages", "x"),
                 ("environments", "x", "release"), ("environments", "x", "approval")]
    for key in known_keys(path)
} | {"prod", "test", "build", "deploy", "enforce", "extends", "locked"})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
    st.sampled_from(["maven", "trunk", "production", "prod", "deploy", "1", "release/*", "",
                     "../x.yaml", "acme", "project", "company", "${X}"]),
    st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)
headers = st.fixed_dictionaries(
    {"superspec": st.sampled_from([1, 1, 1, 2, "1"]),
     "kind": st.sampled_from(["project", "project", "company", "team"]),
     "name": st.sampled_from(["api", "", 3])})

EXAMPLE_TEXTS = [p.read_text() for p in sorted(EXAMPLES.rglob("superspec.yaml"))]


def _validate(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "superspec.yaml"
        spec.write_text(text, encoding="utf-8", errors="surrogateescape")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            code, err = _run(["validate", "--spec", "superspec.yaml"])
        finally:
            os.chdir(cwd)
    assert code in (0, 1), err
    if code == 1:
        lines = err.splitlines()
        assert lines, "a failure must say why"
        for line in lines:
            assert line.startswith("error: superspec.yaml"), line


def _run(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), err.getvalue()


FUZZ = settings(max_examples=1500, deadline=None, derandomize=os.environ.get("FUZZ_RANDOM") is None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(header=headers, body=st.dictionaries(keys, trees, max_size=6))
def test_random_documents(header: dict[str, Any], body: dict[str, Any]) -> None:
    _validate(yaml.safe_dump({**header, **body}, allow_unicode=True))


@FUZZ
@given(
    source=st.sampled_from(EXAMPLE_TEXTS),
    edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3),
                             st.sampled_from(list(":{}[],-#&*!|>'\"\n\t x0%@`<") + ["null"])),
                   min_size=1, max_size=4),
)
def test_mutated_example_layers(source: str, edits: list[tuple[float, int, str]]) -> None:
    text = source
    for where, drop, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + drop:]
    _validate(text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_arbitrary_bytes(data: bytes) -> None:
    _validate(data.decode("utf-8", errors="surrogateescape"))
