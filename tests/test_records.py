"""superspec.records.Record: at run time the same tuple typing.NamedTuple makes, built without
importing typing."""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import NamedTuple

import pytest

from superspec.records import Record


class Point(Record):
    """A point."""

    x: int
    y: int
    label: str = "origin"

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


class TypingPoint(NamedTuple):
    x: int
    y: int
    label: str = "origin"


def test_a_record_is_the_namedtuple_typing_makes() -> None:
    point = Point(1, -2)
    reference = TypingPoint(1, -2)
    assert point == reference and tuple(point) == (1, -2, "origin")
    assert Point._fields == TypingPoint._fields == ("x", "y", "label")
    assert Point._field_defaults == TypingPoint._field_defaults == {"label": "origin"}
    assert Point.__mro__ == (Point, tuple, object)
    assert Point.__annotations__ == {"x": "int", "y": "int", "label": "str"}
    assert repr(point) == "Point(x=1, y=-2, label='origin')"
    assert (Point.__module__, Point.__qualname__, Point.__doc__) == (__name__, "Point",
                                                                      "A point.")
    assert point.moved(2) == Point(3, -2) and point.norm == 3
    assert pickle.loads(pickle.dumps(point)) == point
    with pytest.raises(AttributeError):
        point.x = 5


def test_a_field_without_a_default_after_one_with_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="a field without a default follows one with a default"):
        class Broken(Record):
            a: int = 0
            b: int


def test_a_record_has_no_other_base() -> None:
    with pytest.raises(TypeError, match="a record has Record as its only base"):
        class Mixed(Record, dict):
            a: int


def test_records_do_not_import_typing() -> None:
    probe = "import sys, superspec.package.manifest; print('typing' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "False"
