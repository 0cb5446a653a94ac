"""Jenkins job config.xml: built with xml.etree from typed values, compared in canonical form.

No value is ever formatted into XML text: every spec value is an element's text, so quotes, ``<``,
``&`` and ``]]>`` stay data. Live configs are compared after canonicalisation (below) so that the
server's own bookkeeping is not reported as drift, while every edit made in the UI is.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

XML_DECLARATION = "<?xml version='1.1' encoding='UTF-8'?>\n"

WORKFLOW_JOB = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
MULTIBRANCH = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
CPS_INLINE = "org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"
CPS_SCM = "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"
GIT_SCM_SOURCE = "jenkins.plugins.git.GitSCMSource"

# the root element of each job class's config.xml (XStream aliases WorkflowJob)
ROOT_TAGS = {"pipeline": "flow-definition", "multibranch": MULTIBRANCH}
CLASS_OF_TAG = {"flow-definition": WORKFLOW_JOB, MULTIBRANCH: MULTIBRANCH, FOLDER: FOLDER,
                "project": "hudson.model.FreeStyleProject"}

MARKER = "superspec-managed:"
_MARKER_LINE = re.compile(rf"^{re.escape(MARKER)}(?P<fields>.*)$", re.MULTILINE)
_TRACKER = ("org.jenkinsci.plugins.pipeline.modeldefinition.actions."
            "DeclarativeJobPropertyTrackerAction")
_TRACKED = {"triggers": "org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty",
            "parameters": "hudson.model.ParametersDefinitionProperty"}
# XML 1.0 text: tab and newline, printable characters; a carriage return would not read back
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Scm:
    url: str
    credentials_id: str | None = None
    branches: tuple[str, ...] = ()  # wildcards; empty: every branch (multibranch)


@dataclass(frozen=True)
class JobShape:
    """What a job's config.xml says, in superspec's terms."""

    kind: str  # "multibranch" | "pipeline"
    description: str
    scm: Scm | None = None
    script: str | None = None  # the inline Jenkinsfile (a pipeline job without scm)
    script_path: str = "Jenkinsfile"  # where the Jenkinsfile sits in the repository
    source_id: str = "superspec"  # the multibranch source's stable id


@dataclass(frozen=True)
class Marker:
    version: str
    company: str
    project: str
    digest: str


def unwritable(value: str) -> str | None:
    """Why ``value`` cannot be an element's text (None when it can)."""
    bad = _NOT_XML_TEXT.search(value)
    if bad is None:
        return None
    return f"holds the character U+{ord(bad.group()):04X}, which a config.xml cannot carry"


def description(marker: Marker) -> str:
    return (f"Managed by superspec from the spec of project {marker.project}: changes made here "
            f"are replaced by the next 'superspec jenkins apply'.\n"
            f"{MARKER} version={marker.version} company={marker.company} "
            f"project={marker.project} spec-digest={marker.digest}")


def job_config(shape: JobShape) -> str:
    """The config.xml text of a pipeline or multibranch job."""
    root = _multibranch(shape) if shape.kind == "multibranch" else _pipeline(shape)
    ET.indent(root, "  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def folder_config(text: str) -> str:
    root = ET.Element(FOLDER)
    ET.SubElement(root, "actions")
    _text(root, "description", text)
    ET.SubElement(root, "properties")
    ET.SubElement(root, "folderViews")
    ET.SubElement(root, "healthMetrics")
    ET.indent(root, "  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _pipeline(shape: JobShape) -> ET.Element:
    root = ET.Element("flow-definition")
    ET.SubElement(root, "actions")
    _text(root, "description", shape.description)
    _text(root, "keepDependencies", "false")
    ET.SubElement(root, "properties")
    if shape.scm is None:
        definition = ET.SubElement(root, "definition", {"class": CPS_INLINE})
        _text(definition, "script", shape.script or "")
        _text(definition, "sandbox", "true")
    else:
        definition = ET.SubElement(root, "definition", {"class": CPS_SCM})
        _git_scm(definition, shape.scm)
        _text(definition, "scriptPath", shape.script_path)
        _text(definition, "lightweight", "true")
    ET.SubElement(root, "triggers")
    _text(root, "disabled", "false")
    return root


def _git_scm(parent: ET.Element, scm: Scm) -> None:
    element = ET.SubElement(parent, "scm", {"class": "hudson.plugins.git.GitSCM"})
    _text(element, "configVersion", "2")
    remotes = ET.SubElement(element, "userRemoteConfigs")
    remote = ET.SubElement(remotes, "hudson.plugins.git.UserRemoteConfig")
    _text(remote, "url", scm.url)
    if scm.credentials_id:
        _text(remote, "credentialsId", scm.credentials_id)
    branches = ET.SubElement(element, "branches")
    for pattern in scm.branches:
        spec = ET.SubElement(branches, "hudson.plugins.git.BranchSpec")
        _text(spec, "name", pattern)
    ET.SubElement(element, "extensions")


def _multibranch(shape: JobShape) -> ET.Element:
    owner = {"class": MULTIBRANCH, "reference": "../.."}
    root = ET.Element(MULTIBRANCH)
    ET.SubElement(root, "actions")
    _text(root, "description", shape.description)
    ET.SubElement(root, "properties")
    views = ET.SubElement(root, "folderViews",
                          {"class": "jenkins.branch.MultiBranchProjectViewHolder"})
    ET.SubElement(views, "owner", owner)
    ET.SubElement(root, "healthMetrics")
    icon = ET.SubElement(root, "icon", {"class": "jenkins.branch.MetadataActionFolderIcon"})
    ET.SubElement(icon, "owner", owner)
    orphans = ET.SubElement(root, "orphanedItemStrategy", {
        "class": "com.cloudbees.hudson.plugins.folder.computed.DefaultOrphanedItemStrategy"})
    for tag, value in (("pruneDeadBranches", "true"), ("daysToKeep", "-1"),
                       ("numToKeep", "-1"), ("abortBuilds", "false")):
        _text(orphans, tag, value)
    ET.SubElement(root, "triggers")
    _text(root, "disabled", "false")
    sources = ET.SubElement(root, "sources",
                            {"class": "jenkins.branch.MultiBranchProject$BranchSourceList"})
    data = ET.SubElement(sources, "data")
    branch_source = ET.SubElement(data, "jenkins.branch.BranchSource")
    source = ET.SubElement(branch_source, "source", {"class": GIT_SCM_SOURCE})
    scm = shape.scm if shape.scm is not None else Scm(url="")
    _text(source, "id", shape.source_id)
    _text(source, "remote", scm.url)
    if scm.credentials_id:
        _text(source, "credentialsId", scm.credentials_id)
    traits = ET.SubElement(source, "traits")
    ET.SubElement(traits, "jenkins.plugins.git.traits.BranchDiscoveryTrait")
    if scm.branches:
        wildcard = ET.SubElement(traits, "jenkins.scm.impl.trait.WildcardSCMHeadFilterTrait")
        _text(wildcard, "includes", " ".join(scm.branches))
        _text(wildcard, "excludes", "")
    strategy = ET.SubElement(branch_source, "strategy",
                             {"class": "jenkins.branch.DefaultBranchPropertyStrategy"})
    ET.SubElement(strategy, "properties", {"class": "empty-list"})
    ET.SubElement(sources, "owner", owner)
    factory = ET.SubElement(root, "factory", {
        "class": "org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory"})
    ET.SubElement(factory, "owner", owner)
    _text(factory, "scriptPath", shape.script_path)
    return root


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = value
    return element


# --- reading live configs ---------------------------------------------------------------------


def parse(xml_text: str) -> ET.Element:
    """The root element; ValueError when the text is not XML."""
    try:
        return ET.fromstring(xml_text.encode("utf-8"))
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from None


def item_class(xml_text: str) -> str:
    """The Java class a config.xml describes (its root element, XStream aliases resolved)."""
    tag = parse(xml_text).tag
    return CLASS_OF_TAG.get(tag, tag)


def marker_of(xml_text: str) -> Marker | None:
    """The superspec marker in the job's description, if any."""
    try:
        root = parse(xml_text)
    except ValueError:
        return None
    found = _MARKER_LINE.search(root.findtext("description") or "")
    if found is None:
        return None
    fields = dict(part.split("=", 1) for part in found.group("fields").split() if "=" in part)
    return Marker(version=fields.get("version", ""), company=fields.get("company", ""),
                  project=fields.get("project", ""), digest=fields.get("spec-digest", ""))


def canonical(xml_text: str) -> str:
    """A config.xml in a form where only meaningful differences remain.

    Dropped: the XML declaration, comments, ``plugin="name@version"`` attributes (the server
    adds them when it saves an item), whitespace between elements, attribute order, CRLF line
    ends in text (a form saved in the UI sends them), the
    ``<actions>`` the server records on jobs, and job properties that a declarative Jenkinsfile
    set when it ran (Jenkins lists them in its DeclarativeJobPropertyTrackerAction). Everything
    else, including any value edited in the UI, is compared."""
    root = parse(xml_text)
    _drop_tracked_properties(root)
    actions = root.find("actions")
    if actions is not None:
        for child in list(actions):
            actions.remove(child)
    for element in root.iter():
        element.attrib = {k: v for k, v in sorted(element.attrib.items()) if k != "plugin"}
        if element.text is not None:  # a form saved in the UI sends CRLF line ends
            element.text = element.text.replace("\r\n", "\n") if element.text.strip() else None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    ET.indent(root, "  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def _drop_tracked_properties(root: ET.Element) -> None:
    tracker = root.find(f"actions/{_TRACKER}")
    properties = root.find("properties")
    if tracker is None or properties is None:
        return
    tracked = {(s.text or "").strip() for s in tracker.iterfind("jobProperties/string")}
    for section, cls in _TRACKED.items():
        if len(tracker.findall(f"{section}/*")):
            tracked.add(cls)
    for child in list(properties):
        if child.tag in tracked:
            properties.remove(child)


def diff(live: str, wanted: str, name: str) -> str:
    """A unified diff of the canonical forms (server -> spec); empty when they agree."""
    lines = difflib.unified_diff(live.splitlines(keepends=True), wanted.splitlines(keepends=True),
                                 f"{name} (on the server)", f"{name} (from the spec)")
    return "".join(lines)
