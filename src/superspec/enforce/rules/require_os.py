"""requireOS: the build machine's OS family, name, arch and version, like Maven Enforcer's rule
(which asks Maven's OS profile activator). Values are compared as Java reports them: os.name
lower-cased (``linux``, ``mac os x``, ``windows 11``), os.arch (``amd64``, ``aarch64``, ``x86``),
os.version. A leading ``!`` negates a value."""

from __future__ import annotations

from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.optionsref import OptionsModel
from superspec.enforce.rules.osinfo import FAMILIES, is_family, java_os


class RequireOS:
    id = "requireOS"
    Options = OptionsModel("RequireOSOptions")

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
