"""The company layers a Jenkins shared library carries: `superspec library add-layers`.

The library's steps unpack `resources/superspec/layers/` into the workspace before they call
superspec (StepExecutor, with `libraryResource`: one call per file, listed in
`resources/superspec/layers/index.txt`) and point SUPERSPEC_LAYERS at it. This module copies a
directory of layers (`<name>/superspec.yaml`, the layout `--layers` and SUPERSPEC_LAYERS read)
into a library checkout: every layer is validated first, nothing is written when one is wrong,
and the library's layers directory is replaced in one step (an atomic rename exchange on Linux).
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from superspec.errors import InputError, Location, SpecError, SuperspecError
from superspec.fileio import flocked
from superspec.paths import display_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec.layers import Layer

LAYERS = Path("resources") / "superspec" / "layers"
INDEX = "index.txt"
WRAPPER = Path("resources") / "superspec" / "superspec.sh"
# What a path segment of a carried file may be: the Groovy side checks the same before it writes
SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
INDEX_HEADER = ("# The files of the company layers this library carries (resources/superspec/"
                "layers), one a line.\n# Written by `superspec library add-layers`; the steps "
                "unpack them and set SUPERSPEC_LAYERS.\n")


@dataclass
class LayersResult:
    target: str  # the library's layers directory, as shown to the user
    layers: list[str] = field(default_factory=list)  # names of the layers now carried
    added: list[str] = field(default_factory=list)  # files, relative to the layers directory
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def add_layers(source: Path, library: Path) -> LayersResult:
    """Copy the layers in ``source`` into the shared library checkout ``library``."""
    target = _library_layers(library)
    files = _files(source)
    # another add-layers into this library waits: no lost update
    with flocked(target.parent, strict=False):
        return _merge_into(source, target, files)


def _merge_into(source: Path, target: Path, files: dict[str, bytes]) -> LayersResult:
    current = _files(target, index=True) if target.is_dir() else {}
    _validate(source, target, files)
    result = LayersResult(target=display_path(target))
    merged = dict(current)
    for name, data in files.items():
        if name not in current:
            result.added.append(name)
        elif current[name] != data:
            result.replaced.append(name)
        else:
            result.unchanged.append(name)
        merged[name] = data
    result.layers = sorted(str(Path(n).parent) for n in merged if Path(n).name == "superspec.yaml")
    if result.added or result.replaced or not (target / INDEX).is_file():
        try:
            _write(target, merged)
        except OSError as exc:
            raise InputError(f"cannot write the library's layers: {exc.strerror or exc}",
                             location=Location(display_path(target))) from None
    return result


def _library_layers(library: Path) -> Path:
    """``library``'s resources/superspec/layers, refusing a path that is not a superspec shared
    library or that reaches it through a symlink (it would write elsewhere)."""
    if not (library / WRAPPER).is_file():
        hint = " (its shared-library/ directory is)" if (library / "shared-library" /
                                                          WRAPPER).is_file() else ""
        raise InputError(f"not a superspec shared library checkout: no {WRAPPER}{hint}",
                         location=Location(display_path(library)))
    for part in (Path("resources"), Path("resources") / "superspec", LAYERS):
        if (library / part).is_symlink():
            raise InputError("is a symlink; the library's layers are only written as regular "
                             "directories", location=Location(display_path(library / part)))
    return library / LAYERS


def _files(root: Path, index: bool = False) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX path -> bytes); symlinks, special files and
    names the library cannot carry are refused. ``index``: skip the library's own index."""
    if root.is_symlink() or not root.is_dir():
        what = "is a symlink" if root.is_symlink() else "is not a directory"
        raise InputError(f"{what}; expected a directory of layers (NAME/superspec.yaml)",
                         location=Location(display_path(root)))
    found: dict[str, bytes] = {}
    stack = [root]
    while stack:
        directory = stack.pop()
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            path = Path(entry.path)
            relative = path.relative_to(root).as_posix()
            where = Location(display_path(path))
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise InputError("is a symlink; layers are copied as regular files only",
                                 location=where)
            if not SEGMENT.fullmatch(entry.name):
                raise InputError("cannot be carried by the library: names may only use letters, "
                                 "digits, '.', '_' and '-', starting with a letter or digit",
                                 location=where)
            if stat.S_ISDIR(mode):
                stack.append(path)
            elif not stat.S_ISREG(mode):
                raise InputError("is not a regular file", location=where)
            elif index and relative == INDEX:
                continue
            else:
                data = path.read_bytes()
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    raise InputError("is not UTF-8 text (the library reads its resources as "
                                     "text)", location=where) from None
                found[relative] = data
    return dict(sorted(found.items()))


def _validate(source: Path, target: Path, files: dict[str, bytes]) -> None:
    """Each layer's chain, resolved by name in ``source`` then in the library's layers, must
    stay inside them and hold valid layers (keys, locks, kinds): a project is not a layer."""
    from superspec.spec.checks import check_company_only, check_lock_paths
    from superspec.spec.classlocks import apply_class_locks
    from superspec.spec.layers import load_chain
    from superspec.spec.merge import merge_chain

    if INDEX in files:
        raise InputError(f"{INDEX} is the library's list of layer files: rename it",
                         location=Location(display_path(source / INDEX)))
    layers = [name for name in files if Path(name).name == "superspec.yaml"]
    top = [name for name in layers if "/" not in name]
    if top:
        raise InputError("a layer lives in DIR/NAME/superspec.yaml (found by its name NAME)",
                         location=Location(display_path(source / top[0])))
    if not layers:
        raise InputError("holds no layer (DIR/NAME/superspec.yaml)",
                         location=Location(display_path(source)))
    roots = [Path(os.path.realpath(source)), Path(os.path.realpath(target))]
    problems: list[SuperspecError] = []
    for name in layers:
        try:
            chain = load_chain(source / name, [source, target])
            for layer in chain:
                if not any(layer.path.is_relative_to(root) for root in roots):
                    raise SpecError(f"the chain of {display_path(source / name)} leaves the "
                                    "layers the library carries", location=Location(layer.file))
            if chain[-1].kind == "project":
                raise SpecError("a project spec is not a layer: the library carries company "
                                "and department layers", location=chain[-1].location(("kind",)))
            found = [p for layer in chain for p in _layer_checks(layer)
                     + check_lock_paths(layer) + check_company_only(layer)]
            if found:
                raise SpecError(found)
            apply_class_locks(merge_chain(chain), chain)
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        unique = {str(p): p for p in problems}  # a shared parent's problem once
        raise SpecError(list(unique.values()))


def _layer_checks(layer: Layer) -> list[SpecError]:
    """The spec package's checks of one layer on its own (unknown keys, and values of the wrong
    type where it checks them per layer)."""
    from superspec.spec import validate

    check = getattr(validate, "check_layer", None)
    if check is not None:  # (unknown keys, wrong values)
        keys, values = check(layer)
        return [*keys, *values]
    found: list[SpecError] = getattr(validate, "check_layer_keys")(layer)  # noqa: B009
    return found


def _write(target: Path, files: dict[str, bytes]) -> None:
    """Build the new layers directory beside ``target``, then swap it in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".layers-new-"))
    try:
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(0o644)
        (staging / INDEX).write_text(INDEX_HEADER + "".join(f"{n}\n" for n in files))
        staging.chmod(0o755)
        if not target.exists():
            os.rename(staging, target)
            return
        if not _exchange(staging, target):
            aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=".layers-old-"))
            os.rename(target, aside / "layers")
            os.rename(staging, target)
            shutil.rmtree(aside)
            return
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging)  # now the old layers


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where
    the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
