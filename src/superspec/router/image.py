"""A router image built from this machine's HAProxy, for engines without registry access.

``build_router_image`` imports (``docker import``) a rootfs holding the local haproxy binary, the
``mv`` the router uses to rename files into place, the shared libraries ``ldd`` lists for both,
and the directories HAProxy writes to. It is laid out like the official image: haproxy at
/usr/local/sbin/haproxy, the config at /usr/local/etc/haproxy/haproxy.cfg, entrypoint
``haproxy -W -db -f /usr/local/etc/haproxy/haproxy.cfg``. (``docker import`` cannot set a stop
signal: the router container sets SIGUSR1, HAProxy's soft stop, when it is created.)
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from superspec.engine.docker import DockerEngine, ImageInfo
from superspec.errors import InputError
from superspec.router.config import CONFIG_PATH, STATE_PATH

DEFAULT_TAG = "superspec/router:local"
ENTRYPOINT = ["haproxy", "-W", "-db", "-f", CONFIG_PATH]
_LIB = re.compile(r"(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)")
_DIRS = {"tmp": 0o1777, "run": 0o755, "etc": 0o755, "usr/local/etc/haproxy": 0o755,
         STATE_PATH.rpartition("/")[0].lstrip("/"): 0o755}
_ETC = {"etc/passwd": b"root:x:0:0:root:/root:/sbin/nologin\n",
        "etc/group": b"root:x:0:\n"}


def build_router_image(engine: DockerEngine, tag: str = DEFAULT_TAG,
                       haproxy: str = "/usr/sbin/haproxy") -> ImageInfo:
    """Tag ``tag``: a router image made of the local ``haproxy`` and what it needs to run."""
    mv = shutil.which("mv")
    if not Path(haproxy).is_file() or mv is None:
        raise InputError(f"building the router image needs {haproxy} and mv on this machine "
                         "(Debian: apt-get install haproxy)")
    files = {"usr/local/sbin/haproxy": Path(haproxy), "bin/mv": Path(mv)}
    for binary in (haproxy, mv):
        for library in shared_libraries(binary):
            files[library.lstrip("/")] = Path(library)
    version = subprocess.run([haproxy, "-v"], capture_output=True, text=True,
                             check=False).stdout.split("\n")[0].split(" ")
    with tempfile.TemporaryDirectory(prefix="superspec-router-image-") as scratch:
        archive = Path(scratch, "rootfs.tar")
        write_rootfs(archive, files)
        return engine.import_image(archive, tag, [
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ENTRYPOINT " + json.dumps(ENTRYPOINT),
            "LABEL io.superspec.role=router-image",
            f"LABEL io.superspec.haproxy-version={version[2] if len(version) > 2 else ''}",
        ])


def shared_libraries(binary: str) -> list[str]:
    """The absolute paths ``ldd`` lists for ``binary`` (the dynamic loader included)."""
    done = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InputError(f"ldd {binary} failed: {done.stderr.strip() or done.stdout.strip()}")
    return sorted({match.group(1) for match in _LIB.finditer(done.stdout)})


def write_rootfs(archive: Path, files: dict[str, Path]) -> None:
    """A tar of ``files`` (path in the image -> file here, links followed) plus the directories
    and minimal /etc files the router needs; owner root, mtime 0, sorted: the same files give
    the same bytes."""
    with tarfile.open(archive, "w") as tar:
        parents = {str(p) for name in files for p in Path(name).parents if str(p) != "."}
        for directory in sorted(parents | set(_DIRS)):
            member = tarfile.TarInfo(directory)
            member.type, member.mode = tarfile.DIRTYPE, _DIRS.get(directory, 0o755)
            tar.addfile(member)
        for name, data in sorted(_ETC.items()):
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), 0o644
            tar.addfile(member, io.BytesIO(data))
        for name, source in sorted(files.items()):
            data = source.resolve().read_bytes()
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), 0o755
            tar.addfile(member, io.BytesIO(data))

