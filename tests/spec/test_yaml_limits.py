"""A hostile YAML layer cannot exhaust memory or crash the reader: aliases may add at most
ALIAS_BUDGET values, an alias inside its own anchor and very deep nesting are refused, and code
points no generated file can hold are refused where they are written. Whole messages asserted."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from superspec.errors import SpecError
from superspec.spec import load_spec, yamlsource
from superspec.spec.yamlsource import parse_yaml
from tests.helpers import run_cli, write
from tests.spec.conftest import MINIMAL, Tree

HEADER = "superspec: 1\nkind: project\nname: api\n"
BUDGET = 10_000  # values aliases may add to a document
BUDGET_TAIL = "; write the values out or share fewer"


def _laughs(levels: int = 9, width: int = 9, mapping: bool = False) -> str:
    """The billion laughs: level n holds ``width`` aliases of level n-1 (lines 4 on)."""
    def collection(items: list[str]) -> str:
        if mapping:
            return "{" + ", ".join(f"k{i}: {item}" for i, item in enumerate(items)) + "}"
        return "[" + ", ".join(items) + "]"

    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = [f"a: &a {collection(['x'] * width)}"]
    lines += [f"{n}: &{n} {collection([f'*{p}'] * width)}"
              for p, n in zip(names, names[1:], strict=False)]
    return HEADER + "\n".join(lines) + "\n"


def _error(text: str, file: str = "f.yaml") -> str:
    """The message parsing ``text`` fails with (in-process: bombs here expand to ~10**5 values,
    so a reader that expanded them would fail this test, not exhaust the machine)."""
    with pytest.raises(SpecError) as info:
        parse_yaml(text, file)
    return str(info.value)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_the_billion_laughs_is_one_error_line_from_the_cli(tmp_path: Path) -> None:
    """In a child process held to 1 GiB of address space and 60 s: exit 1, never 3."""
    (tmp_path / "bomb.yaml").write_text(_laughs())
    assert len(_laughs()) < 700
    proc = subprocess.run(
        [sys.executable, "-m", "superspec", "validate", "--spec", "bomb.yaml"], cwd=tmp_path,
        capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    # a..d add 90 + 819 + 7380 values; e's first '*d' adds 7381 more
    assert proc.stderr == (
        f"error: bomb.yaml:8:8: YAML aliases expand to more than 10000 values (at '*d')"
        f"{BUDGET_TAIL}\n")


def test_the_billion_laughs_in_mappings() -> None:
    assert _error(_laughs(levels=5, mapping=True)) == (
        f"f.yaml:7:52: YAML aliases expand to more than 10000 values (at '*c'){BUDGET_TAIL}")


def test_an_alias_used_as_a_mapping_key_counts_too() -> None:
    text = _laughs(levels=4) + "? *d\n: x\n"
    assert _error(text) == (
        f"f.yaml:8:3: YAML aliases expand to more than 10000 values (at '*d'){BUDGET_TAIL}")
    # a plain scalar alias is a fine key
    assert parse_yaml("a: &k foo\n*k : 1\n", "f.yaml").data == {"a": "foo", "foo": 1}


def test_exactly_the_budget_is_allowed_one_value_more_is_not() -> None:
    # the anchored list is 100 values (itself and 99 items): 100 aliases add exactly the budget
    anchor = "a: &a [" + ", ".join(["x"] * 99) + "]\n"
    uses = "".join(f"u{i}: *a\n" for i in range(BUDGET // 100))
    doc = parse_yaml(anchor + uses, "f.yaml")
    assert doc.data["u99"] == ["x"] * 99
    assert _error(anchor + "s: &s y\n" + uses + "z: *s\n") == (
        f"f.yaml:103:4: YAML aliases expand to more than 10000 values (at '*s'){BUDGET_TAIL}")


@pytest.mark.parametrize(("text", "where"), [
    ("a: &a [*a]\n", "1:8"),
    ("a: &a [x, [y, *a]]\n", "1:15"),
    ("a: &a {b: *a}\n", "1:11"),
    ("a: &a\n  b:\n    c: [1, {d: *a}]\n", "3:16"),
    ("x: &x 1\na: &a {b: *x, c: [*a]}\n", "2:19"),
])
def test_recursive_aliases_are_refused(text: str, where: str) -> None:
    assert _error(text) == (
        f"f.yaml:{where}: recursive alias '*a': it is inside the value it refers to")


def test_a_recursive_alias_exits_1_from_the_cli(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "superspec.yaml", HEADER + "build: &b {tool: [*b]}\n")
    run = run_cli(capsys, "validate", "--spec", "superspec.yaml")
    assert (run.code, run.err) == (
        1, "error: superspec.yaml:4:19: recursive alias '*b': it is inside the value it refers "
           "to\n")


def test_the_pure_python_reader_gets_the_same_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "_Loader", yaml.SafeLoader)
    assert _error("a: &a [*a]\n") == (
        "f.yaml:1:8: recursive alias '*a': it is inside the value it refers to")
    assert _error(_laughs(levels=5)).startswith(
        "f.yaml:8:8: YAML aliases expand to more than 10000")
    # the pure-Python reader turns escaped surrogates into lone ones; libyaml refuses them
    assert _error('a:\n  b: "\\ud83d\\ude00"\n') == (
        "f.yaml:2 a.b: U+D83D is not allowed: a lone surrogate is not a character")
    assert _error("a: " + "[" * 2000 + "]" * 2000 + "\n") == (
        "f.yaml: YAML values nest more than 100 levels deep")


def test_small_aliases_work_and_their_values_keep_the_lines_they_are_written_on() -> None:
    text = "shared: &s [x, y]\nmore: &m\n  k: v\nuse:\n  list: *s\n  map: *m\n"
    doc = parse_yaml(text, "f.yaml")
    assert doc.data == {"shared": ["x", "y"], "more": {"k": "v"},
                        "use": {"list": ["x", "y"], "map": {"k": "v"}}}
    assert {path: doc.lines[path] for path in [
        ("use",), ("use", "list"), ("use", "list", "1"), ("use", "map"), ("use", "map", "k"),
    ]} == {("use",): 4, ("use", "list"): 5, ("use", "list", "1"): 1, ("use", "map"): 6,
           ("use", "map", "k"): 3}


def test_a_spec_sharing_a_list_through_an_alias_loads(tree: Tree) -> None:
    tree.company()
    tree.department()
    body = MINIMAL + "ci:\n  gitlab:\n    tags: &runners [docker, linux]\n"
    body += "    image: &image maven:3\nbuild:\n  tool: maven\n  image: *image\n"
    project = tree.project(body.replace("build: {tool: maven}\n", ""))
    model = load_spec(project).model
    assert (model.ci.gitlab.tags, model.build.image) == (["docker", "linux"], "maven:3")


@pytest.mark.parametrize(("text", "message"), [
    ("a: *x\nb: &x 1\n", "f.yaml:1:4: YAML syntax error: found undefined alias"),
    ("a: &x 1\nb: &x 2\n", "f.yaml:2:4: YAML syntax error: duplicate anchor (first at line 1)"),
    ('a: "\\ud800"\n', "f.yaml:1:7: YAML syntax error: found invalid Unicode character escape "
                       "code"),
])
def test_what_the_yaml_reader_refuses_is_located(text: str, message: str) -> None:
    assert _error(text) == message


def test_deep_nesting_is_refused_not_a_crash(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert _error("a:\n  b: " + "[" * 150 + "]" * 150 + "\n") == (
        "f.yaml:2 a: YAML values nest more than 100 levels deep")
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "superspec.yaml", HEADER + "app: " + "[" * 995 + "]" * 995 + "\n")
    run = run_cli(capsys, "validate", "--spec", "superspec.yaml")
    assert (run.code, run.err) == (
        1, "error: superspec.yaml:4 app: YAML values nest more than 100 levels deep\n")


def test_u_ffff_is_refused_where_it_is_written() -> None:
    assert _error('a:\n  b: ["x\\uFFFFy"]\n') == (
        "f.yaml:2 a.b.0: U+FFFF is not allowed: Groovy reads it as the end of a Jenkinsfile")
    assert _error('a:\n  "\\U0000ffff": 1\n') == (
        "f.yaml:2 a: U+FFFF is not allowed: Groovy reads it as the end of a Jenkinsfile")
    assert parse_yaml('a: "\\ufffe\\U0010FFFF"\n', "f.yaml").data == {"a": "\ufffe\U0010ffff"}
