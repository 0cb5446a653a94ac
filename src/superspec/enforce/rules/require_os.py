"""requireOS: the build machine's OS family, name, arch and version, like Maven Enforcer's rule
(which asks Maven's OS profile activator). Values are compared as Java reports them: os.name
lower-cased (``linux``, ``mac os x``, ``windows 11``), os.arch (``amd64``, ``aarch64``, ``x86``),
os.version. A leading ``!`` negates a value."""

from __future__ import annotations

import os
import platform

from pydantic import field_validator, model_validator

from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext, RuleOptions

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


class RequireOS:
    id = "requireOS"

    class Options(RuleOptions):
        family: str | None = None
        name: str | None = None
        arch: str | None = None
        version: str | None = None
        display: bool = False
        message: str | None = None

        @field_validator("family")
        @classmethod
        def _family(cls, value: str | None) -> str | None:
            if value and value.lstrip("!").lower() not in FAMILIES:
                raise ValueError(f"invalid family '{value}' (valid: {', '.join(FAMILIES)})")
            return value

        @model_validator(mode="after")
        def _some(self) -> RequireOS.Options:
            if not any((self.family, self.name, self.arch, self.version)):
                raise ValueError("set at least one of family, name, arch, version")
            return self

    def check(self, context: RuleContext) -> list[Violation]:
        o = context.options
        name, arch, version = java_os()
        tests = [("Family", o.family, lambda v: is_family(v, name)),
                 ("Name", o.name, lambda v: v == name),
                 ("Arch", o.arch, lambda v: v == arch),
                 ("Version", o.version, lambda v: v == version)]
        failed = []
        for label, value, test in tests:
            if not value:
                continue
            negate = value.startswith("!")
            wanted = value.lstrip("!").lower()
            if test(wanted) == negate:
                failed.append(f"{label}={value}")
        if not failed:
            return []
        family = next((f for f in FAMILIES if is_family(f, name)), "unknown")
        return [context.violation(o.message or (
            f"OS family {family}, name {name}, arch {arch}, version {version} is not allowed "
            f"by {', '.join(failed)}"))]
