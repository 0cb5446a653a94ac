from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write


class Tree:
    """A company -> department -> project chain in a temp dir (cwd), written on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def company(self, body: str = "", name: str = "acme") -> Path:
        return write(self.root / "acme/superspec.yaml", _layer("company", name, None, body))

    def department(self, body: str = "", name: str = "payments",
                   extends: str = "../superspec.yaml") -> Path:
        return write(self.root / "acme/payments/superspec.yaml",
                     _layer("department", name, extends, body))

    def project(self, body: str = "", extends: str | None = "../acme/payments/superspec.yaml",
                name: str = "api") -> Path:
        return write(self.root / "api/superspec.yaml", _layer("project", name, extends, body))


def _layer(kind: str, name: str, extends: str | None, body: str) -> str:
    import textwrap

    head = f"superspec: 1\nkind: {kind}\nname: {name}\n"
    if extends:
        head += f"extends: {extends}\n"
    return head + textwrap.dedent(body).lstrip("\n")


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tree:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERSPEC_LAYERS", raising=False)
    return Tree(tmp_path)


MINIMAL = """
build: {tool: maven}
pipeline:
  stages:
    build: {}
"""
