"""Writers for tiny local Maven repositories and projects used by the reader tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def dep(coord: str, scope: str = "", optional: bool = False, exclusions: tuple[str, ...] = (),
        type_: str = "") -> str:
    """'g:a[:v]' -> a <dependency> element."""
    parts = coord.split(":")
    body = f"<groupId>{parts[0]}</groupId><artifactId>{parts[1]}</artifactId>"
    if len(parts) > 2:
        body += f"<version>{parts[2]}</version>"
    if type_:
        body += f"<type>{type_}</type>"
    if scope:
        body += f"<scope>{scope}</scope>"
    if optional:
        body += "<optional>true</optional>"
    if exclusions:
        body += "<exclusions>" + "".join(
            f"<exclusion><groupId>{e.split(':')[0]}</groupId>"
            f"<artifactId>{e.split(':')[1]}</artifactId></exclusion>" for e in exclusions
        ) + "</exclusions>"
    return f"<dependency>{body}</dependency>"


def pom(coord: str, deps: Sequence[str] = (), managed: Sequence[str] = (), parent: str = "",
        properties: dict[str, str] | None = None, extra: str = "", packaging: str = "") -> str:
    g, a, v = coord.split(":")
    lines = ['<?xml version="1.0"?>', '<project xmlns="http://maven.apache.org/POM/4.0.0">',
             "  <modelVersion>4.0.0</modelVersion>"]
    if parent:
        pg, pa, pv, *rel = parent.split(":")
        rel_xml = f"<relativePath>{rel[0]}</relativePath>" if rel else ""
        lines.append(f"  <parent><groupId>{pg}</groupId><artifactId>{pa}</artifactId>"
                     f"<version>{pv}</version>{rel_xml}</parent>")
    for tag, value in (("groupId", g), ("artifactId", a), ("version", v)):
        if value:
            lines.append(f"  <{tag}>{value}</{tag}>")
    if packaging:
        lines.append(f"  <packaging>{packaging}</packaging>")
    if properties:
        lines.append("  <properties>" + "".join(f"<{k}>{val}</{k}>" for k, val in
                                                properties.items()) + "</properties>")
    if managed:
        lines.append("  <dependencyManagement><dependencies>")
        lines += [f"    {m}" for m in managed]
        lines.append("  </dependencies></dependencyManagement>")
    lines.append("  <dependencies>")
    lines += [f"    {d}" for d in deps]
    lines.append("  </dependencies>")
    if extra:
        lines.append(extra)
    lines.append("</project>")
    return "\n".join(lines) + "\n"


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, coord: str, *args: object, jar: bool = True, **kwargs: object) -> Path:
        g, a, v = coord.split(":")
        d = self.root.joinpath(*g.split("."), a, v)
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{a}-{v}.pom"
        path.write_text(pom(coord, *args, **kwargs))  # type: ignore[arg-type]
        if jar:
            (d / f"{a}-{v}.jar").write_bytes(b"PK\x05\x06" + b"\0" * 18)
        return path


