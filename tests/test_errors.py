"""superspec.errors.Location: an immutable value, equal by its fields, pickled and copied
whole (a fleet's worker processes send located errors back to the parent)."""

from __future__ import annotations

import copy
import pickle

import pytest

from superspec.errors import InputError, Location, SpecError


def test_a_location_is_an_immutable_value() -> None:
    where = Location("spec.yaml", 3, 5, "project app", "environments.prod")
    assert str(where) == "spec.yaml:3:5 [project app] environments.prod"
    assert where == Location("spec.yaml", 3, 5, "project app", "environments.prod")
    assert where != Location("spec.yaml", 3, 5, "project app", "environments.test")
    assert len({where, Location("spec.yaml", 3, 5, "project app", "environments.prod")}) == 1
    assert repr(Location("a")) == ("Location(file='a', line=None, column=None, layer=None, "
                                   "key=None)")
    assert where.replace(file="other.yaml").fields() == (
        "other.yaml", 3, 5, "project app", "environments.prod")
    with pytest.raises(AttributeError, match="cannot assign to field 'line'"):
        where.line = 4


def test_located_errors_survive_pickling_and_copying() -> None:
    where = Location("spec.yaml", 3, None, "project app", "ci.timeoutMinutes")
    for made in (pickle.loads(pickle.dumps(where)), copy.copy(where), copy.deepcopy(where)):
        assert made == where and made.fields() == where.fields()
    error = pickle.loads(pickle.dumps(SpecError([InputError("bad", location=where)])))
    assert error.lines() == ["spec.yaml:3 [project app] ci.timeoutMinutes: bad"]
