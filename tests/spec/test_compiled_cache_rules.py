"""What `superspec validate` remembers of the rules (enforce.rulememo) and the entry-point record
(enforce.entrycache): an unchanged spec is validated without importing its rules, and changed
plugin code or a newly installed distribution is noticed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SUPERSPEC = Path(sys.executable).with_name("superspec")

RULE = """\
from pathlib import Path
from superspec.enforce.rule import RuleOptions

with open({log!r}, "a") as handle:
    handle.write("imported\\n")


class RequireNothing:
    id = "requireNothing"

    class Options(RuleOptions):
        {field}

    def check(self, context):
        return []
"""


def _dist(site: Path, name: str, module: str, rule_id: str = "requireNothing") -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[superspec.rules]\n{rule_id} = {module}:RequireNothing\n")


def _age(path: Path) -> None:
    past = time.time() - 10
    os.utime(path, (past, past))


def _validate(spec: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SUPERSPEC), "validate", "--spec", str(spec)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_validate_remembers_valid_rules_until_their_code_or_the_installation_changes(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    log = tmp_path / "imports.log"
    module = site / "nothing_rule.py"
    module.write_text(RULE.format(log=str(log), field="strict: bool = False"))
    _age(module)
    _dist(site, "nothing-rule", "nothing_rule")
    project = tmp_path / "project"
    project.mkdir()
    spec = project / "superspec.yaml"
    spec.write_text("superspec: 1\nkind: project\nname: p\nbuild: {tool: npm}\n"
                    "pipeline: {stages: {build: {}}}\n"
                    "enforce: {rules: {requireNothing: {strict: true}}}\n")
    for path in (spec, site / "nothing-rule-1.0.dist-info", site):
        _age(path)
    env = {**os.environ, "PYTHONPATH": str(site),
           "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    env.pop("SUPERSPEC_NO_SPEC_CACHE", None)

    def imports() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    first = _validate(spec, env)
    assert first.returncode == 0, first.stderr
    assert imports() == 1
    second = _validate(spec, env)
    assert second.stdout == first.stdout
    assert imports() == 1  # answered from the memo: the rule was not imported

    # the plugin's code changes: its options no longer accept 'strict'
    module.write_text(RULE.format(log=str(log), field="level_of_detail: int = 0"))
    _age(module)
    third = _validate(spec, env)
    assert third.returncode == 1
    assert "unknown option 'strict' for rule requireNothing" in third.stderr
    assert imports() == 2

    # the code is restored; then a second distribution registers the same rule id
    module.write_text(RULE.format(log=str(log), field="strict: bool = False"))
    _age(module)
    assert _validate(spec, env).returncode == 0
    assert _validate(spec, env).returncode == 0
    calls = imports()
    _dist(site, "other-rule", "other_rule")
    fourth = _validate(spec, env)
    assert fourth.returncode == 1
    assert "rule 'requireNothing' is registered more than once" in fourth.stderr
    assert imports() == calls  # the conflict is found before any rule is imported


def test_no_cache_validates_the_rules_again(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    log = tmp_path / "imports.log"
    (site / "nothing_rule.py").write_text(RULE.format(log=str(log), field="strict: bool = False"))
    _dist(site, "nothing-rule", "nothing_rule")
    spec = tmp_path / "project/superspec.yaml"
    spec.parent.mkdir()
    spec.write_text("superspec: 1\nkind: project\nname: p\nbuild: {tool: npm}\n"
                    "pipeline: {stages: {build: {}}}\nenforce: {rules: {requireNothing: {}}}\n")
    for path in (spec, site / "nothing_rule.py", site / "nothing-rule-1.0.dist-info", site):
        _age(path)
    env = {**os.environ, "PYTHONPATH": str(site),
           "SUPERSPEC_CACHE_DIR": str(tmp_path / "user-cache" / "enforce")}
    for _ in range(2):
        proc = subprocess.run([str(SUPERSPEC), "validate", "--spec", str(spec), "--no-cache"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert len(log.read_text().splitlines()) == 2
