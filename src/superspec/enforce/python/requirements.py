"""requirements*.txt: pip's requirement-file format, including pip-compile's ``# via`` comments.

Handled: ``name==1.2`` pins, other specifiers (unpinned), ``name @ URL`` and bare VCS/URL/path
lines, ``-e``/``--editable`` local paths and VCS URLs, ``-r``/``--requirement`` includes, ``-c``
constraints (ignored: they install nothing), per-line options such as ``--hash`` and global ones
such as ``--index-url``, ``\\`` continuations. ``# via parent`` (pip-compile) gives each pin the
path that brought it in.
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from superspec.enforce.python.graphbuild import Pkg, Req, norm
from superspec.errors import InputError
from superspec.paths import display_path

_VCS = ("git+", "hg+", "svn+", "bzr+")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_EDITABLE = re.compile(r"^(?:-e|--editable(?=[=\s]))[=\s]*")
_LINE_OPTION = re.compile(r"\s+--?(hash|global-option|config-settings|install-option)[=\s]\S+")


def read_requirement_files(files: list[Path]) -> tuple[list[Req], list[Pkg], list[Path]]:
    """Roots, packages and the files read (includes followed)."""
    roots: list[Req] = []
    pkgs: list[Pkg] = []
    read: list[Path] = []
    for file in files:
        scope = "dev" if re.search(r"dev|test", file.name) else "runtime"
        _read(file, scope, roots, pkgs, read, set())
    return roots, pkgs, read


def _read(file: Path, scope: str, roots: list[Req], pkgs: list[Pkg], read: list[Path],
          stack: set[Path]) -> None:
    real = file.resolve()
    if real in stack:
        raise InputError(f"{display_path(file)}: requirement files include each other")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{display_path(file)}: cannot read: {exc}") from None
    read.append(file)
    via: dict[str, list[str]] = {}
    current: str | None = None
    collecting = False
    local: list[tuple[Pkg, str]] = []
    for lineno, line in _logical_lines(text):
        where = f"{display_path(file)}:{lineno}"
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if current is not None and comment.startswith("via"):
                rest = comment[3:].strip()
                collecting = not rest
                if rest:
                    via.setdefault(current, []).append(rest)
            elif current is not None and collecting and comment:
                via.setdefault(current, []).append(comment)
            continue
        collecting = False
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement", "-r")) and not line.startswith("-re"):
            target = re.sub(r"^(-r|--requirement)[=\s]*", "", line).strip()
            _read(file.parent / target, scope, roots, pkgs, read, stack | {real})
            continue
        if line.startswith(("-c", "--constraint")):
            continue
        editable = _EDITABLE.match(line)
        if editable:
            line = line[editable.end():].strip()
            if not line:
                continue
        elif line.startswith("-"):
            continue  # --index-url, --pre, --find-links, ...: not a requirement
        line = _LINE_OPTION.sub("", " " + line).strip()
        pkg = _package(line, editable is not None, scope, where, file.parent)
        local.append((pkg, where))
        current = norm(pkg.name)
    pinned_names = {norm(p.name) for p, _ in local}
    for pkg, where in local:
        parents = [p for p in via.get(norm(pkg.name), []) if norm(p) in pinned_names]
        pkgs.append(pkg)
        if not parents:
            roots.append(Req(pkg.name, pkg.version if not pkg.pinned else f"=={pkg.version}",
                             where, pkg.version))
    for pkg, where in local:
        for parent in via.get(norm(pkg.name), []):
            if norm(parent) in pinned_names:
                owner = next(p for p, _ in local if norm(p.name) == norm(parent))
                owner.requires.append(Req(pkg.name, "", where, pkg.version))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            buffer += raw[:-1] + " "
            continue
        out.append((start, buffer + raw))
        buffer = ""
    if buffer:
        out.append((start, buffer))
    return out


def parse_requirement(text: str, scope: str, where: str, base: Path) -> Pkg:
    """One PEP 508 requirement (as ``pyproject.toml`` declares them) as a package: a pin, an
    unpinned specifier or a URL; an invalid one is an InputError located at ``where``."""
    return _package(text, False, scope, where, base)


def _package(line: str, editable: bool, scope: str, where: str, base: Path) -> Pkg:
    if editable or line.startswith(_VCS) \
            or line.startswith(("http://", "https://", "file:", ".", "/")):
        egg = _EGG.search(line)
        name = egg.group(1) if egg else _name_from_path(line, base)
        kind = "git" if line.startswith(_VCS) else "url" if line.startswith("http") else "file"
        if editable:
            kind = "git" if line.startswith(_VCS) else "editable"
        return Pkg(name, "", origin=kind, origin_ref=line, scope=scope, pinned=False,
                   source=where)
    try:
        req = Requirement(line)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise InputError(f"{where}: invalid requirement '{line}': {reason}") from None
    if req.url:
        kind = "git" if req.url.startswith(_VCS) else "file" if req.url.startswith("file:") \
            else "url"
        return Pkg(req.name, "", origin=kind, origin_ref=req.url, scope=scope, pinned=False,
                   source=where)
    pins = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    if len(pins) == 1 and len(req.specifier) == 1:
        return Pkg(req.name, pins[0].version, scope=scope, source=where)
    return Pkg(req.name, str(req.specifier), scope=scope, pinned=False, source=where)


def _name_from_path(line: str, base: Path) -> str:
    """``./tools/helper[cli]`` -> helper; ``pkg-1.0.tar.gz`` -> pkg; ``.`` -> the project there."""
    raw = re.sub(r"\[[^\]]*\]$", "", line.split("#")[0].strip())  # extras: -e .[dev]
    tail = raw.rstrip("/").rsplit("/", 1)[-1]
    if tail in ("", ".", "..") and not re.match(r"^[a-z][a-z0-9+.-]*:", raw):
        return _directory_name((base / (raw or ".")).resolve())
    archive = re.search(r"\.(tar\.gz|tgz|tar\.bz2|zip|whl)$", tail)
    if archive:  # name-version.tar.gz, name-version-tags.whl
        return tail[: archive.start()].split("-")[0] or "unknown"
    return re.sub(r"\.git$", "", tail) or "unknown"


def _directory_name(directory: Path) -> str:
    """The name the pyproject.toml in ``directory`` gives its project, else the directory's."""
    from superspec.enforce.python.tomlfile import read_toml

    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = read_toml(pyproject)
        except InputError:
            data = {}
        project = data.get("project") or data.get("tool", {}).get("poetry") or {}
        if isinstance(project, dict) and isinstance(project.get("name"), str):
            return str(project["name"])
    return directory.name or "unknown"
