"""``Record``: a frozen value class without dataclasses' start-up cost.

A frozen slotted dataclass compiles its generated methods from source each time its
module is imported (0.4-1 ms a class, a tenth of a short run for the model and RBAC
records).  A ``Record`` subclass lists its fields in ``_fields`` (in order), declares them
in ``__slots__`` and writes its own ``__init__`` with ``object.__setattr__``; equality,
hashing, ``repr``, pickling and ``replace`` behave as a frozen dataclass's do.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, TypeVar

_R = TypeVar("_R", bound="Record")


class FrozenError(AttributeError):
    """Assigning to or deleting a field of a record."""


class Record:
    """Base of frozen value classes: fields compared, hashed and shown in ``_fields`` order."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    #: the field values as a tuple (an ``attrgetter``: no method call per comparison)
    _values_of: ClassVar[attrgetter[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if len(cls._fields) < 2:
            raise TypeError(f"{cls.__qualname__}: a record has two fields or more")
        slots: set[str] = set()
        for klass in cls.__mro__:
            declared = klass.__dict__.get("__slots__", ())
            slots.update((declared,) if isinstance(declared, str) else declared)
        if set(cls._fields) != slots or len(set(cls._fields)) != len(cls._fields):
            # a field left out of _fields would be left out of equality, hashing and pickling
            raise TypeError(f"{cls.__qualname__}: _fields must name each slot once")
        cls._values_of = attrgetter(*cls._fields)

    def _values(self) -> tuple[Any, ...]:
        return self._values_of(self)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values_of(self) == self._values_of(other)

    def __hash__(self) -> int:
        return hash(self._values_of(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return type(self), self._values()

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with some fields changed (as ``dataclasses.replace``)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no field {sorted(unknown)[0]!r}")
        return type(self)(*[changes.get(name, getattr(self, name)) for name in self._fields])
