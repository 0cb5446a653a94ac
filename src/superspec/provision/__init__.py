"""Environments and images at the edge: docker.py is the only module that imports docker."""
