"""``Value`` and ``Record``: slotted value classes without dataclasses' start-up cost.

A slotted dataclass compiles its generated methods from source each time its module is
imported (0.4-1 ms a class, a tenth of a short run for the model, RBAC and result
classes).  A ``Value`` subclass lists its fields in ``_fields`` (in order), declares them
in ``__slots__`` and writes its own ``__init__``; equality, hashing, ``repr``, pickling and
``replace`` behave as a dataclass's do.  A ``Record`` is a frozen ``Value``: its
``__init__`` sets fields with ``object.__setattr__``.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, TypeVar

_V = TypeVar("_V", bound="Value")


class FrozenError(AttributeError):
    """Assigning to or deleting a field of a record."""


class Value:
    """Base of value classes: fields compared, hashed, shown and pickled in ``_fields`` order."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    #: the field values as a tuple (an ``attrgetter``: no method call per comparison)
    _values_of: ClassVar[attrgetter[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots: set[str] = set()
        for klass in cls.__mro__:
            declared = klass.__dict__.get("__slots__", ())
            slots.update((declared,) if isinstance(declared, str) else declared)
        if not slots and not cls._fields:
            return  # a base without fields (``Record``)
        if len(cls._fields) < 2:
            raise TypeError(f"{cls.__qualname__}: a value class has two fields or more")
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

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return type(self), self._values()

    def replace(self: _V, **changes: Any) -> _V:
        """A copy with some fields changed (as ``dataclasses.replace``)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no field {sorted(unknown)[0]!r}")
        return type(self)(*[changes.get(name, getattr(self, name)) for name in self._fields])


class Record(Value):
    """A frozen value: assigning to or deleting a field raises ``FrozenError``."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")
