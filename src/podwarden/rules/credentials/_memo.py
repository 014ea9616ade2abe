"""Results remembered per distinct text, within a budget of characters.

Values repeat across the objects of a run (image names, labels, CRD descriptions, the same
script in many ConfigMaps), so what the scan derives from a text alone is computed once per
distinct text.  Unlike ``functools.lru_cache`` the memory held is bounded by characters,
not entries: when the budget is spent, everything is forgotten at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")
_MISSING = object()


class TextMemo(Generic[T]):
    """``fn(text)`` remembered per distinct text (texts up to ``longest`` characters, and
    ``budget`` characters in all, each entry counting ``overhead`` more)."""

    __slots__ = ("budget", "chars", "fn", "longest", "overhead", "results")

    def __init__(self, fn: Callable[[str], T], budget: int = 1 << 21, longest: int = 1 << 20,
                 overhead: int = 0) -> None:
        self.fn = fn
        self.budget = budget
        self.longest = longest
        self.overhead = overhead
        self.results: dict[str, T] = {}
        self.chars = 0

    def __call__(self, text: str) -> T:
        known = self.results.get(text, _MISSING)
        if known is not _MISSING:
            return cast(T, known)
        found = self.fn(text)
        n = len(text)
        if n <= self.longest:
            n += self.overhead
            if self.chars + n > self.budget:
                self.clear()
            self.results[text] = found
            self.chars += n
        return found

    def clear(self) -> None:
        """Forget every result."""
        self.results.clear()
        self.chars = 0


class BoundedSet(Generic[T]):
    """A set of items, each counted at a size its adder gives, emptied at once when
    ``budget`` is spent (the memory held stays bounded, like ``TextMemo``'s)."""

    __slots__ = ("budget", "chars", "items")

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.items: set[T] = set()
        self.chars = 0

    def add(self, item: T, size: int) -> None:
        """Remember ``item``, counted as ``size``."""
        if self.chars + size > self.budget:
            self.clear()
        self.items.add(item)
        self.chars += size

    def clear(self) -> None:
        """Forget every item."""
        self.items.clear()
        self.chars = 0
