"""Shared fixtures of the security suite: a chain in a temp dir, as in tests/spec."""

from __future__ import annotations

from tests.spec.conftest import MINIMAL, Tree, tree

__all__ = ["MINIMAL", "Tree", "tree"]
