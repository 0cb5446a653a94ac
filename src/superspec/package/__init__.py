"""Packaging-time config: read a built artifact once, render config per environment, write one
artifact per environment whose every other byte is copied unchanged, and verify that claim.

Pure core: archive readers and writers per kind (zip family, tar, tar.gz, directory), template
rendering, the manifest and verify. Container images: package.image, through the engine adapter
(superspec.engine.docker).
"""
