"""The build machine's OS as a JVM reports it (os.name, os.arch, os.version) and plexus-utils'
OS families: what requireOS compares and what its options model checks a family against."""

from __future__ import annotations

import os
import platform

FAMILIES = ("dos", "mac", "netware", "os/2", "tandem", "unix", "windows", "win9x", "z/os",
            "os/400", "openvms")
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "i386": "x86", "i686": "x86", "arm64": "aarch64",
         "aarch64": "aarch64"}


def java_os() -> tuple[str, str, str]:
    """(os.name, os.arch, os.version) as a JVM on this machine reports them, lower-cased."""
    system = platform.system()
    if system == "Darwin":
        name, version = "mac os x", platform.mac_ver()[0] or platform.release()
        arch = {"arm64": "aarch64"}.get(platform.machine(), platform.machine())
    elif system == "Windows":
        name, version = f"windows {platform.release()}", platform.version()
        arch = _ARCH.get(platform.machine().lower(), platform.machine().lower())
    else:
        name, version = system, platform.release()
        arch = _ARCH.get(platform.machine(), platform.machine())
    return name.lower(), arch.lower(), version.lower()


def is_family(family: str, name: str) -> bool:
    """plexus-utils ``Os.isFamily``."""
    path_sep = os.pathsep
    windows = "windows" in name
    win9x = windows and any(v in name for v in ("95", "98", "me", "ce"))
    checks = {
        "windows": windows, "win9x": win9x, "winnt": windows and not win9x,
        "os/2": "os/2" in name, "netware": "netware" in name,
        "dos": path_sep == ";" and "netware" not in name,
        "mac": "mac" in name, "tandem": "nonstop_kernel" in name,
        "unix": path_sep == ":" and "openvms" not in name
        and ("mac" not in name or name.endswith("x")),
        "z/os": "z/os" in name or "os/390" in name, "os/400": "os/400" in name,
        "openvms": "openvms" in name,
    }
    return checks.get(family, False)
