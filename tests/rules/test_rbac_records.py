"""The RBAC records are frozen values: equal by fields, hashable, picklable, copied by ``replace``."""

from __future__ import annotations

import pickle

import pytest

from podwarden.model.index import PolicyRule, RoleRecord, Subject
from podwarden.model.record import FrozenError


def _rule(*verbs: str) -> PolicyRule:
    return PolicyRule(frozenset(verbs), frozenset({""}), frozenset({"secrets"}))


def test_records_equal_and_hash_by_fields() -> None:
    assert _rule("get") == _rule("get")
    assert _rule("get") != _rule("list")
    assert len({_rule("get"), _rule("get"), _rule("list")}) == 2
    assert hash(Subject("User", "u")) == hash(("User", "u", None))
    # same fields, other class: not equal (as dataclasses)
    assert Subject("User", "u") != ("User", "u", None)


def test_records_are_frozen() -> None:
    rule = _rule("get")
    with pytest.raises(FrozenError):
        rule.verbs = frozenset()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del rule.resources


def test_replace_and_pickle_keep_every_field() -> None:
    role = RoleRecord("ClusterRole", None, "r", (_rule("get"),), (("a", "b"),), None, "f.yaml", False)
    changed = role.replace(rules=(), autoupdate=True)
    assert (changed.rules, changed.autoupdate, changed.labels, changed.file) == ((), True, (("a", "b"),), "f.yaml")
    assert pickle.loads(pickle.dumps(role)) == role
    with pytest.raises(TypeError):
        role.replace(nothing=1)


def test_repr_names_the_fields() -> None:
    assert repr(Subject("Group", "g")) == "Subject(kind='Group', name='g', namespace=None)"


def test_a_record_whose_fields_do_not_name_its_slots_is_refused() -> None:
    import pytest

    from podwarden.model.record import Record

    with pytest.raises(TypeError, match="each slot once"):
        class Missing(Record):  # "c" would be left out of equality, hashing and pickling
            __slots__ = ("a", "b", "c")
            _fields = ("a", "b")

    with pytest.raises(TypeError, match="each slot once"):
        class Twice(Record):
            __slots__ = ("a", "b")
            _fields = ("a", "b", "a")
