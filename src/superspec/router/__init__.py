"""The traffic router of an environment: an HAProxy container on the environment's network.

``config`` holds the pure model and renders haproxy.cfg, ``runtime`` talks to HAProxy's runtime
API, ``container`` runs the router through the engine adapter and ``image`` builds a local router
image. See docs/router.md.
"""
