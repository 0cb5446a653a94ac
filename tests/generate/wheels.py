"""Wheels the tests install offline: a stand-in superspec, and a wheelhouse holding superspec built
from this checkout plus every dependency repacked from the test virtualenv (no index needed)."""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # superspec's own dependency there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(path: Path, files: dict[str, bytes], dist_info: str) -> Path:
    """A wheel holding ``files`` (``dist_info``/RECORD is written last, from the files)."""
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return path


def fake_superspec(directory: Path, version: str = "9.9") -> Path:
    """A one-module wheel whose `superspec` prints `superspec, version V` for --version and its
    arguments as JSON otherwise (installs in a second, offline)."""
    info = f"fakess-{version}.dist-info"
    files = {
        "fakess/__init__.py": (
            "import json, sys\n\ndef main():\n"
            "    if sys.argv[1:] == ['--version']:\n"
            f"        print('superspec, version {version}')\n"
            "    else:\n        print(json.dumps(sys.argv[1:]))\n").encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: fakess\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
        f"{info}/entry_points.txt": b"[console_scripts]\nsuperspec = fakess:main\n",
    }
    return write_wheel(directory / f"fakess-{version}-py3-none-any.whl", files, info)


def superspec_wheel(directory: Path) -> Path:
    """superspec built from this checkout as setup.py/pyproject.toml lay it out: the packages of
    src/, templates/ as superspec/_templates, its metadata and entry points."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    info = f"{name}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / "src" / "superspec").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed"):
            files[path.relative_to(ROOT / "src").as_posix()] = path.read_bytes()
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file() and path.suffix in (".j2", ".md"):
            files["superspec/_templates/" + path.relative_to(ROOT / "templates").as_posix()] = (
                path.read_bytes())
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
             f"Requires-Python: {project['requires-python']}"]
    lines += [f"Requires-Dist: {dependency}" for dependency in project["dependencies"]]
    files[f"{info}/METADATA"] = ("\n".join(lines) + "\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n")
    entry_points = ["[console_scripts]"]
    entry_points += [f"{k} = {v}" for k, v in project["scripts"].items()]
    for group, points in project.get("entry-points", {}).items():
        entry_points += ["", f"[{group}]"] + [f"{k} = {v}" for k, v in points.items()]
    files[f"{info}/entry_points.txt"] = ("\n".join(entry_points) + "\n").encode()
    return write_wheel(directory / f"{name}-{version}-py3-none-any.whl", files, info)


def repack(dist: metadata.Distribution, directory: Path) -> Path:
    """An installed distribution back as a wheel: the files its RECORD lists inside
    site-packages (scripts are recreated by pip from entry_points.txt) and its metadata."""
    name, version = dist.metadata["Name"], dist.version
    info = next(f.parts[0] for f in dist.files or () if f.parts[0].endswith(".dist-info"))
    site = Path(str(dist.locate_file("")))
    files: dict[str, bytes] = {}
    for entry in dist.files or ():
        posix = entry.as_posix()
        if posix.startswith("../") or "__pycache__" in entry.parts or posix.endswith(
                (f"{info}/RECORD", f"{info}/INSTALLER", f"{info}/REQUESTED",
                 f"{info}/direct_url.json")):
            continue
        files[posix] = (site / posix).read_bytes()
    wheel_meta = (site / info / "WHEEL").read_text()
    tags = [t.split("-") for t in re.findall(r"^Tag: (\S+)$", wheel_meta, re.MULTILINE)]
    assert tags, f"{name}: no Tag in WHEEL"
    # a wheel for several tags names them all, each part dotted: py2.py3-none-any
    tag = "-".join(".".join(dict.fromkeys(parts)) for parts in zip(*tags, strict=True))
    safe = re.sub(r"[^A-Za-z0-9.]+", "_", name)
    return write_wheel(directory / f"{safe}-{version}-{tag}.whl", files, info)


def wheelhouse(directory: Path) -> Path:
    """superspec from this checkout and its dependencies (those pyproject.toml declares, repacked
    from the test virtualenv): everything `pip install --no-index --find-links DIR` needs.
    Returns superspec's wheel. A dependency missing from the virtualenv fails loudly."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = superspec_wheel(directory)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [(Requirement(r), "") for r in project["dependencies"]]
    wanted: dict[str, set[str]] = {}  # distribution -> extras already followed
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        new_extras = {"", *requirement.extras} - wanted.get(key, set())
        if not new_extras:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{requirement.name} (a dependency of superspec) is not "
                                 "installed in the test virtualenv: run make venv") from None
        if key not in wanted:
            repack(dist, directory)
        wanted.setdefault(key, set()).update(new_extras)
        todo += [(Requirement(r), e) for r in dist.requires or () for e in new_extras]
    return wheel
