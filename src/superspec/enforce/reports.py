"""Formatting an EnforceReport: JUnit XML (one testcase per rule), text (a rich table), JSON.

JUnit mapping: pass -> a plain testcase; fail -> <failure type="error|warn"> whose text lists
every violation with its dependency path; error -> <error>; onlyWhen skip -> <skipped>. Jenkins'
``junit`` step then marks a build with a warn-level failure UNSTABLE; GitLab lists it as failed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from superspec.enforce.model import EnforceReport, RuleResult

SUITE = "superspec.enforce"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """Characters XML 1.0 cannot hold (control characters from a file name, say) become U+FFFD:
    a report Jenkins cannot parse would hide every result."""
    return _NOT_XML.sub("\ufffd", text)


def violations_text(result: RuleResult) -> str:
    return "\n".join(_indent(v.text()) for v in result.violations)


def _indent(text: str) -> str:
    first, *rest = text.split("\n")
    return "\n".join([f"- {first}", *(f"  {line}" for line in rest)])


def junit_xml(report: EnforceReport) -> bytes:
    from xml.etree import ElementTree as ET  # noqa: N817 - only a JUnit report needs it

    counts = report.counts()
    failures = counts["fail"]
    attrs = {"name": SUITE, "tests": str(len(report.rule_results)), "failures": str(failures),
             "errors": str(counts["error"]), "skipped": str(counts["skip"])}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "project", "value": _x(report.project)})
    ET.SubElement(properties, "property", {"name": "branch", "value": _x(report.branch or "")})
    for result in report.rule_results:
        case = ET.SubElement(suite, "testcase", {"classname": _x(f"{SUITE}.{report.project}"),
                                                 "name": _x(result.id)})
        if result.status == "fail":
            count = len(result.violations)
            failure = ET.SubElement(case, "failure", {
                "type": result.level,
                "message": f"{count} violation{'s' if count != 1 else ''} ({result.level})"})
            failure.text = _x(violations_text(result))
        elif result.status == "error":
            error = ET.SubElement(case, "error", {"type": "error", "message": _x(result.detail)})
            error.text = _x(result.detail)
        elif result.status == "skip":
            ET.SubElement(case, "skipped", {"message": _x(result.detail)})
    if report.warnings:
        ET.SubElement(suite, "system-err").text = _x("\n".join(
            f"warning: {w}" for w in report.warnings))
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(report: EnforceReport, path: Path) -> None:
    """Write the JUnit XML report atomically (a temp file renamed over ``path``)."""
    from superspec.fileio import write_atomic

    write_atomic(Path(path), junit_xml(report))


def to_json_text(report: EnforceReport) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=True)


_STYLE = {"pass": "green", "fail": "red", "skip": "dim", "error": "bold red"}


def render_text(report: EnforceReport, width: int = 100, color: bool = False) -> str:
    """The human report: a table of rules, then every violation with its dependency path."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      highlight=False, emoji=False, color_system="standard" if color else None)
    # every value goes in as Text: a branch or project name is never read as rich markup
    table = Table(title=Text(f"superspec enforce: {report.project}"
                             + (f" (branch {report.branch})" if report.branch else "")),
                  title_justify="left")
    table.add_column("rule")
    table.add_column("level")
    table.add_column("status")
    table.add_column("violations", justify="right")
    for r in report.rule_results:
        status = r.status.upper() if r.status in ("fail", "error") else r.status
        if r.status == "fail" and r.level == "warn":
            status = "WARN"
        table.add_row(Text(r.id), Text(r.level), Text(status, style=_STYLE[r.status]),
                      Text(str(len(r.violations)) if r.violations else ""))
    console.print(table)
    for r in report.rule_results:
        if r.status in ("fail", "error") or r.detail:
            console.print(Text(f"{r.id} [{r.level}] {r.status}:", style=_STYLE[r.status]))
            if r.detail:
                console.print(Text(f"  {r.detail}"), soft_wrap=True)
            for v in r.violations:
                first, *rest = v.text().split("\n")
                lines = [f"  - {first}", *(f"    {x.strip()}" for x in rest)]
                console.print(Text("\n".join(lines)), soft_wrap=True)
    for warning in report.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)
    counts = report.counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    verdict = "passed" if report.passed else "FAILED"
    console.print(Text(f"enforce {verdict} ({summary or 'no rules'})",
                       style="green" if report.passed else "bold red"))
    return buffer.getvalue()
