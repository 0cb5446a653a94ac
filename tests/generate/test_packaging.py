"""The templates ship inside the package (superspec/_templates), as setup.py/pyproject say."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.generate.tools import ROOT


@pytest.mark.slow
def test_build_ships_every_template(tmp_path: Path) -> None:
    source = tmp_path / "src-copy"
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    shutil.copytree(ROOT / "templates", source / "templates", ignore=ignore)
    build = tmp_path / "build"
    proc = subprocess.run([sys.executable, "setup.py", "-q", "build", "--build-base", str(build)],
                          cwd=source, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    shipped = build / "lib" / "superspec" / "_templates"
    expected = sorted(p.relative_to(ROOT / "templates").as_posix()
                      for p in (ROOT / "templates").rglob("*.j2"))
    assert sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*.j2")) == expected
    assert expected  # the check above compared something
