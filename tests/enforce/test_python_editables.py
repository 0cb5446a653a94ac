"""requireReleaseDeps on Python: editable installs and local paths are not releases, whichever way
they are written (requirements files, poetry.lock, an environment installed by ``pip -e``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.enforce.helpers import report_of, texts

RELEASE: dict[str, Any] = {"requireReleaseDeps": {}}


def test_editable_requirements_are_flagged(project: Callable[..., Path]) -> None:
    d = project(RELEASE)
    (d / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "1.0"\n')
    (d / "requirements.txt").write_text(
        "-e ./localpkg\n"
        "--editable ./tools/my-helper[cli]\n"
        "--editable=./x\n"
        "-e./compact\n"
        "-e .\n"
        "-e .[dev]\n"
        "-e file:///abs/path\n"
        "./otherpkg\n"
        "-e git+https://github.com/example/devtool.git@v1.2#egg=devtool\n"
        "attrs==23.2.0\n")
    assert texts(report_of(d), "requireReleaseDeps") == [
        "editable dependency localpkg from ./localpkg\n  via svc:1.0 -> localpkg:",
        "editable dependency my-helper from ./tools/my-helper[cli]\n"
        "  via svc:1.0 -> my-helper:",
        "editable dependency x from ./x\n  via svc:1.0 -> x:",
        "editable dependency compact from ./compact\n  via svc:1.0 -> compact:",
        "editable dependency svc from .\n  via svc:1.0 -> svc:",
        "editable dependency svc from .[dev]\n  via svc:1.0 -> svc:",
        "editable dependency path from file:///abs/path\n  via svc:1.0 -> path:",
        "file dependency otherpkg from ./otherpkg\n  via svc:1.0 -> otherpkg:",
        "git dependency devtool from git+https://github.com/example/devtool.git@v1.2"
        "#egg=devtool\n  via svc:1.0 -> devtool:"]


def test_editable_dot_without_pyproject_is_named_by_its_directory(
        project: Callable[..., Path]) -> None:
    d = project(RELEASE)
    (d / "requirements.txt").write_text("-e .\n")
    assert texts(report_of(d), "requireReleaseDeps") == [
        "editable dependency project from .\n  via project:0 -> project:"]


def test_poetry_develop_directories_are_flagged(project: Callable[..., Path]) -> None:
    d = project(RELEASE)
    (d / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "ledger"\nversion = "1.4.0"\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\n'
        'ledger-tools = {path = "tools", develop = true}\n'
        'other-lib = {path = "../other-lib"}\n')
    (d / "poetry.lock").write_text(textwrap.dedent("""\
        [[package]]
        name = "ledger-tools"
        version = "0.1.0"
        optional = false
        python-versions = "*"
        files = []
        develop = true

        [package.source]
        type = "directory"
        url = "tools"

        [[package]]
        name = "other-lib"
        version = "2.0.0"
        optional = false
        python-versions = "*"
        files = []
        develop = false

        [package.source]
        type = "directory"
        url = "../other-lib"

        [metadata]
        lock-version = "2.0"
        """))
    assert texts(report_of(d), "requireReleaseDeps") == [
        "editable dependency ledger-tools from tools\n  via ledger:1.4.0 -> ledger-tools:0.1.0",
        "directory dependency other-lib from ../other-lib\n  via ledger:1.4.0 -> other-lib:2.0.0"]


# A PEP 517/660 build backend kept in the source tree: pip builds the editable wheel offline
BACKEND = '''
import base64, hashlib, os, zipfile

NAME, VERSION = "devtool", "0.1.0"


def _wheel(directory, files):
    info = f"{NAME}-{VERSION}.dist-info"
    members = dict(files)
    members[f"{info}/METADATA"] = f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"
    members[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\n"
                                "Tag: py3-none-any\\n")
    record = []
    for path, text in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    members[f"{info}/RECORD"] = "\\n".join(record + [f"{info}/RECORD,,"]) + "\\n"
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for path, text in members.items():
            zf.writestr(path, text)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {"devtool.py": ""})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    return _wheel(wheel_directory, {"devtool.pth": here + "\\n"})
'''


@pytest.mark.slow  # a real pip install -e
def test_editable_installs_in_an_environment_are_flagged(
        project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "devtool"
    source.mkdir()
    (source / "backend.py").write_text(BACKEND)
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    prefix = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--prefix", str(prefix), "-e", str(source)],
                   check=True, capture_output=True, text=True)
    monkeypatch.setenv("VIRTUAL_ENV", str(prefix))
    d = project(RELEASE)
    assert texts(report_of(d), "requireReleaseDeps") == [
        f"editable dependency devtool from {source.as_uri()}\n"
        "  via project:0 -> devtool:0.1.0"]
