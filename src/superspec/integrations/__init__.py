"""Adapters for CI servers (GitLab, Jenkins): the only modules importing their client libraries.

Each is imported lazily by its commands, so starting the CLI costs none of them.
"""
