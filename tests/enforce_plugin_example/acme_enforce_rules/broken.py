"""A rule module that cannot be imported (a missing dependency)."""

import acme_internal_sdk  # noqa: F401  - not installed anywhere

Broken = None
