"""Rendered package files, remembered between runs: a hit renders nothing (and the cached CLI
path imports no jinja2); any change to a template, to one it includes, to a name it looked for
and did not find, or to the spec's values renders afresh; a random value is never remembered;
--no-cache neither reads nor writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.package import render, rendercache
from tests.package.conftest import LAYERS
from tests.package.test_render import make_project, package, read

FILES = """\
    artifact: app.jar
    files: [{template: app.conf.j2, path: conf/app.conf}]
    values: {default: {pool: 10}, prod: {pool: 50}}
    """


class Renders:
    """render.Renderer, counted: a hit builds none."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = render.Renderer

        def counted(*args: object) -> render.Renderer:
            self.calls += 1
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(render, "Renderer", counted)


def run(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> str:
    result = package(capsys, root, "--env", "prod", *extra)
    assert result.code == 0, result.err
    return read(root / "app-prod.jar")


def entries(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in cache_dir.glob("package-render-*"))


def test_a_hit_renders_nothing_and_gives_the_same_file(cache_dir: Path, tmp_path: Path,
                                                       capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": "pool={{ pool }}\n"})
    renders = Renders(monkeypatch)
    assert run(capsys, root) == "pool=50\n"
    assert len(entries(cache_dir)) == 1
    first = (root / "app-prod.jar").read_bytes()
    assert run(capsys, root) == "pool=50\n"
    assert renders.calls == 1
    assert (root / "app-prod.jar").read_bytes() == first


def test_template_changes_render_afresh(cache_dir: Path, tmp_path: Path, capsys,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", FILES, {
        "app.conf.j2": "{% include ['local.j2', 'part.j2'] %}pool={{ pool }}\n",
        "part.j2": "part 1\n"})
    renders = Renders(monkeypatch)
    assert run(capsys, root) == "part 1\npool=50\n"
    (root / "part.j2").write_text("part 2\n")  # an included template
    assert run(capsys, root) == "part 2\npool=50\n"
    (root / "local.j2").write_text("local\n")  # a name the include looked for, now there
    assert run(capsys, root) == "local\npool=50\n"
    (root / "app.conf.j2").write_text("pool={{ pool }}!\n")  # the template itself
    assert run(capsys, root) == "pool=50!\n"
    spec = root / "superspec.yaml"
    spec.write_text(spec.read_text().replace("prod: {pool: 50}", "prod: {pool: 51}"))
    assert run(capsys, root) == "pool=51!\n"
    assert run(capsys, root) == "pool=51!\n"
    assert renders.calls == 5


def test_a_template_that_now_leaves_the_project_is_refused(cache_dir: Path, tmp_path: Path,
                                                           capsys) -> None:
    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": "pool={{ pool }}\n"})
    assert run(capsys, root) == "pool=50\n"
    outside = tmp_path / "outside.j2"
    outside.write_text("pool={{ pool }}\n")  # the same text, now behind a link
    (root / "app.conf.j2").unlink()
    (root / "app.conf.j2").symlink_to(outside)
    result = package(capsys, root, "--env", "prod")
    assert result.code == 1
    assert "outside the project directory" in result.err


@pytest.mark.parametrize("draw", ["{{ range(100000) | random }}", "{{ lipsum(1) | length }}",
                                  "{{ [[1, 2], [3]] | map('random') | list | length }}"])
def test_a_random_value_is_not_remembered(draw: str, cache_dir: Path, tmp_path: Path,
                                          capsys) -> None:
    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": f"pool={{{{ pool }}}} {draw}\n"})
    run(capsys, root)
    assert entries(cache_dir) == []


def test_no_cache_neither_reads_nor_writes(cache_dir: Path, tmp_path: Path, capsys,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": "pool={{ pool }}\n"})
    renders = Renders(monkeypatch)
    run(capsys, root, "--no-cache")
    assert entries(cache_dir) == []
    run(capsys, root)
    run(capsys, root, "--no-cache")
    assert renders.calls == 3


def test_a_forged_entry_is_a_miss(cache_dir: Path, tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": "pool={{ pool }}\n"})
    run(capsys, root)
    [name] = entries(cache_dir)
    stored = cache_dir / name
    stored.write_bytes(stored.read_bytes().replace(b"pool=50", b"pool=99"))
    assert run(capsys, root) == "pool=50\n"


PROBE = """
import json, sys
from superspec.cli.entry import main
try:
    main()
finally:
    sys.stderr.write("PROBE " + json.dumps("jinja2" in sys.modules) + "\\n")
"""


def test_the_cached_cli_path_imports_no_jinja2_on_a_hit(cache_dir: Path,
                                                        tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": "pool={{ pool }}\n"})
    past = os.stat(root / "superspec.yaml").st_mtime - 60  # the spec cache wants settled files
    for path in root.rglob("*"):
        os.utime(path, (past, past))
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(cache_dir)}
    argv = [sys.executable, "-c", PROBE, "package", "--spec", str(root / "superspec.yaml"),
            "--layers", str(LAYERS), "--env", "prod"]
    seen = []
    for _ in range(3):
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        seen.append(json.loads(proc.stderr.splitlines()[-1][len("PROBE "):]))
    assert seen[-1] is False
    assert read(root / "app-prod.jar") == "pool=50\n"


def test_inputs_cover_the_render_context(tmp_path: Path) -> None:
    """The key changes with anything a template sees (the values' types and order too)."""
    from superspec.spec import load_spec

    root = make_project(tmp_path / "p", FILES, {"app.conf.j2": ""})
    spec = root / "superspec.yaml"
    written = spec.read_text()

    def key(values: str) -> str | None:
        spec.write_text(written.replace("{default: {pool: 10}, prod: {pool: 50}}", values))
        return rendercache.inputs_digest(load_spec(spec, [LAYERS]), "prod", None)

    keys = [key("{default: {a: 1, b: 2}}"), key("{default: {b: 2, a: 1}}"),
            key("{default: {a: '1', b: 2}}"), key("{default: {a: 1, b: 2}}")]
    assert None not in keys and len(set(keys)) == 3 and keys[0] == keys[3]
