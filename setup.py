"""Ships the top-level templates/ directory inside the wheel as the package superspec._templates."""

from setuptools import find_packages, setup

setup(packages=find_packages("src") + ["superspec._templates"])
