"""``Record``: typing.NamedTuple's class syntax, made with collections.namedtuple at run time.

Type checkers see typing.NamedTuple itself. At run time the class is built from its annotated
fields (and their defaults, methods and docstring) on a ``collections.namedtuple`` base, the
same tuple either way. The point is start-up time: the commands answered before the CLI
framework loads (``superspec package`` of an unchanged spec among them) would otherwise import
typing (~2 ms) and have typing.NamedTuple compile every field's annotation string into a
ForwardRef (~40 us a field, ~3 ms for the packager's records).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    from collections import namedtuple

    _SPECIAL = frozenset({"__module__", "__qualname__", "__annotations__"})

    class _RecordType(type):
        """Makes each subclass of Record a namedtuple, as typing.NamedTuple does."""

        def __new__(cls, name, bases, namespace):
            if not bases:  # Record itself
                return super().__new__(cls, name, bases, namespace)
            if len(bases) != 1:
                raise TypeError(f"{name}: a record has Record as its only base")
            annotations = namespace.get("__annotations__", {})
            fields = list(annotations)
            defaults = [namespace[f] for f in fields if f in namespace]
            if any(f not in namespace for f in fields[len(fields) - len(defaults):]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            record = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            record.__annotations__ = dict(annotations)
            for key, value in namespace.items():
                if key not in _SPECIAL and key not in fields:
                    setattr(record, key, value)
            return record

    class Record(metaclass=_RecordType):
        """Subclass with annotated fields, as typing.NamedTuple."""


__all__ = ["Record"]
