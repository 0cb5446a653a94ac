"""Ships the top-level templates/ directory inside the wheel as superspec/_templates."""

from pathlib import Path

from setuptools import find_packages, setup

TEMPLATES = Path(__file__).parent / "templates"
template_packages = ["superspec._templates"] + [
    "superspec._templates." + ".".join(d.relative_to(TEMPLATES).parts)
    for d in sorted(TEMPLATES.rglob("*")) if d.is_dir()
]

setup(packages=find_packages("src") + template_packages)
