"""Adapters to container engines. ``engine.docker`` is the only module that imports docker."""
