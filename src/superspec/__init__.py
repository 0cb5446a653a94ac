"""superspec: a layered company super-spec turned into CI pipelines and the step runners they
call."""

__version__ = "0.1.0"
