"""Read package templates from the project directory and nowhere else (no jinja2: the render
cache re-reads them this way before it trusts a remembered rendering).

Every template (the ones ``package.files`` names and every ``{% include %}``, ``{% import %}``
and ``{% extends %}`` of them) must resolve inside the project directory after every link is
followed, and must be a regular file: a link to ``/proc/self/environ`` or ``/etc/passwd``, or a
FIFO or device, is refused. The file is then opened one component at a time below the project
directory without following links, so a link swapped in after the check is not followed either.
"""

from __future__ import annotations

import os
import stat
from pathlib import PurePath

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a link that does not resolve"))


class TemplateRefused(Exception):
    """A template outside the project directory, or not a regular file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def inside(path: str, root: str) -> bool:
    """Whether ``path`` lies below ``root``, compared component by component ('/proj-evil' is
    not inside '/proj')."""
    parts, top = PurePath(path).parts, PurePath(root).parts
    return len(parts) > len(top) and parts[:len(top)] == top


def read_template(root: str, template: str) -> bytes | None:
    """The bytes of the template named ``template`` ('/'-separated, relative to ``root``, the
    project directory with its links resolved); None when there is no such file;
    TemplateRefused when it must not be read."""
    if "\x00" in template:
        raise TemplateRefused(f"template name {template!r} holds a NUL character")
    written = os.path.join(root, template)
    real = os.path.realpath(written)
    if real != root and not inside(real, root):  # the root: "a directory" below
        raise TemplateRefused(f"template {template!r} resolves to {real}, outside the "
                              f"project directory {root}")
    try:
        return _read_below(root, real, template)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise TemplateRefused(f"cannot read template {template!r}: {exc.strerror}") from None


def _read_below(root: str, real: str, template: str) -> bytes:
    """Read ``real`` (a path below ``root`` without links) with no link followed on the way."""
    info = os.lstat(real)
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        raise TemplateRefused(f"template {template!r} is not a regular file ({kind})")
    parts = PurePath(real).relative_to(root).parts
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            below = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = below
        file = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY,
                       dir_fd=fd)
    except OSError as exc:
        raise TemplateRefused(f"template {template!r} changed while it was read "
                              f"({exc.strerror})") from None
    finally:
        os.close(fd)
    with open(file, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise TemplateRefused(f"template {template!r} changed while it was read")
        return handle.read()
