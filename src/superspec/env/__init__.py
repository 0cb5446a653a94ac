"""Environments: applications running on a Docker engine that describe themselves.

Every object an environment owns (network, router, replicas) carries ``io.superspec.*`` labels,
and every container holds ``/etc/superspec/server-spec.json``: what is running is read back from
the engine, never from a local state file. An environment is shared by the projects that deploy
into it (one network, one router); a sub-environment forks a few of them and falls back to its
parent's router for the rest. See docs/environments.md.
"""
