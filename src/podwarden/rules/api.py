"""Everything a rule module imports: metadata, the check decorator, views and violations.

A rule is one module under ``podwarden.rules.<family>``: its docstring is its user
documentation (summary line = title, then ``## What it checks``, ``## Why``, ``## Fix``),
a module-level ``RULE = rule(...)`` declares its metadata, and functions decorated with
``@RULE.check(since=...)`` yield ``Violation``s; rules whose violations come from one pass
over the object register a ``SharedCheck`` instead (the pass runs once for all of them).
Checks are pure: no files, no globals, no state between calls, so the same rule serves
``check`` and the admission webhook.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from podwarden.model.edits import Edit
from podwarden.model.objects import KubeObject, Node, ObjectRef, ShapeError
from podwarden.model.paths import FieldPath, render
from podwarden.model.podspec import ContainerView, PodView
from podwarden.model.record import FrozenError, Record

if TYPE_CHECKING:
    from podwarden.model.index import Index

__all__ = [
    "ContainerView", "Context", "Edit", "FieldPath", "KubeObject", "Level", "Node", "ObjectRef",
    "PodView", "Rule", "Severity", "ShapeError", "Version", "Violation", "quoted", "render",
    "rule",
]


class Severity(enum.IntEnum):
    """How much a finding matters; ordered so ``--min-severity`` can compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(str(s) for s in cls)
            raise ValueError(f"unknown severity {text!r} (one of {names})") from None


class Level(enum.Enum):
    """Pod Security Standards levels."""

    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown level {text!r} (privileged, baseline or restricted)"
            ) from None


_VERSION = re.compile(r"^v?1\.(0|[1-9][0-9]*)$")


@functools.total_ordering
class Version:
    """A Kubernetes minor version (1.N) as Pod Security Admission names them; None = latest.

    Immutable and ordered; a plain slotted class, which takes ~15 µs to define at start-up
    where a named tuple takes ~0.2 ms and a dataclass ~0.8 ms (issue 17).
    """

    __slots__ = ("minor",)
    minor: int

    def __init__(self, minor: int) -> None:
        object.__setattr__(self, "minor", minor)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        return self.minor == other.minor if isinstance(other, Version) else NotImplemented

    def __lt__(self, other: object) -> bool:
        return self.minor < other.minor if isinstance(other, Version) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.minor)

    def __reduce__(self) -> tuple[type[Version], tuple[int]]:
        return Version, (self.minor,)

    def __repr__(self) -> str:
        return f"Version(minor={self.minor})"

    def __str__(self) -> str:
        return f"v1.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """``v1.25`` or ``1.25`` -> Version(25); ``latest`` -> None."""
        text = text.strip()
        if text == "latest":
            return None
        match = _VERSION.match(text)
        if not match:
            raise ValueError(f"bad Kubernetes version {text!r} (v1.N or latest)")
        return cls(int(match.group(1)))


class Violation:
    """One offending field: where (relative to the object) and what is wrong.

    ``secret`` carries a detected credential's redacted fingerprint, never the value.
    ``severity``, when set, replaces the rule's for this one violation (e.g. LOW for
    "the referenced object is not in the input"); a configured override still wins.
    ``hint``, when set, replaces the rule's fix hint in text output.

    Not a tuple: it can be neither iterated nor serialized (``json.dumps`` refuses it), so
    the credential in ``value`` cannot slip out with the rest.
    """

    __slots__ = ("hint", "message", "path", "secret", "severity", "value")

    def __init__(self, path: FieldPath, message: str, secret: str | None = None,
                 severity: Severity | None = None, hint: str | None = None, value: str | None = None) -> None:
        self.path = path
        self.message = message
        self.secret = secret
        self.severity = severity
        #: advice that fits this violation better than the first sentence of the rule's Fix
        self.hint = hint
        #: the credential itself (credentials rules): never output, not even by ``repr``; the
        #: engine hides it in every other message about the object (a token used as a container name)
        self.value = value

    def _key(self) -> tuple[Any, ...]:
        return (self.path, self.message, self.secret, self.severity, self.hint, self.value)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Violation) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self) -> tuple[type[Violation], tuple[Any, ...]]:
        return Violation, self._key()

    def __repr__(self) -> str:
        return (f"Violation(path={self.path!r}, message={self.message!r}, secret={self.secret!r}, "
                f"severity={self.severity!r}, hint={self.hint!r})")


class Context:
    """What a check may know besides its object: selection, settings, other objects."""

    __slots__ = ("fix_options", "index", "known_rules", "level", "settings", "version")

    def __init__(
        self, level: Level = Level.RESTRICTED, version: Version | None = None,
        settings: Mapping[str, Mapping[str, Any]] | None = None, index: Index | None = None,
        known_rules: frozenset[str] = frozenset(), fix_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.level = level
        self.version = version
        self.settings: Mapping[str, Mapping[str, Any]] = {} if settings is None else settings
        self.index = index
        #: every rule id and family name, for rules that check references to rules
        self.known_rules = known_rules
        #: options of ``podwarden fix`` (e.g. ``run_as_user``, ``unsafe``) that fixers may read
        self.fix_options: Mapping[str, Any] = {} if fix_options is None else fix_options

    def rule_settings(self, rule_id: str) -> Mapping[str, Any]:
        """The ``rules: {<id>: {...}}`` section of the configuration for one rule."""
        return self.settings.get(rule_id, {})


CheckFn = Callable[[Any, Context], Iterable[Violation]]


class SharedCheck:
    """A rule's check whose violations come from one pass shared by several rules (the
    credentials scan walks an object once for all its detectors; a workload's RBAC reach
    is resolved once for all its hazards).

    ``shared(target, ctx)`` gives every sharing rule's violations by rule id (remembered
    per object); calling the check gives this rule's share.  The engine calls ``shared``
    once for a run of such checks instead of calling each of them."""

    __slots__ = ("rule_id", "shared")

    def __init__(self, rule_id: str, shared: Callable[[Any, Context], Mapping[str, Sequence[Violation]]]) -> None:
        self.rule_id = rule_id
        self.shared = shared

    def __call__(self, target: Any, ctx: Context) -> Sequence[Violation]:
        return self.shared(target, ctx).get(self.rule_id, ())


class TargetOnly:
    """A check that takes the target alone, called as every check is: ``check(target, ctx)``.

    The engine plans ``check`` itself and calls it with the target: no extra Python frame per
    call (two-thirds of the checks, ~190k calls at 10k objects)."""

    __slots__ = ("check",)

    def __init__(self, check: Callable[[Any], Iterable[Violation]]) -> None:
        self.check = check

    def __call__(self, target: Any, ctx: Context) -> Iterable[Violation]:
        return self.check(target)


class Variant(Record):
    """One version of a rule's check, in force from Kubernetes 1.``since``."""

    __slots__ = ("fn", "overrides", "since")
    _fields = ("since", "fn", "overrides")
    since: int
    fn: CheckFn
    overrides: tuple[str, ...]

    def __init__(self, since: int, fn: CheckFn, overrides: tuple[str, ...] = ()) -> None:
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "fn", fn)
        object.__setattr__(self, "overrides", overrides)


class Rule:
    """A rule's metadata and versioned checks; docs come from its module docstring.

    Declared with ``rule()``; the decorators below add its checks, settings reader and fixer.
    A plain class (not a dataclass, which costs ~1 ms to define at every start-up).
    """

    __slots__ = (
        "covered_by", "doc", "fix_caution", "fix_caution_unless", "fix_enabled_by", "fix_safe",
        "fix_unsafe_reason", "fixer", "hazard", "id", "kinds", "module", "pss", "reason",
        "settings", "settings_reader", "severity", "static_only", "target", "upstream_id",
        "uses_index", "variants",
    )

    def __init__(
        self, id: str, severity: Severity, target: str = "pod", kinds: frozenset[str] = frozenset(),
        pss: Level | None = None, upstream_id: str | None = None, reason: str = "",
        uses_index: bool = False, static_only: bool = False, settings: tuple[str, ...] = (),
        covered_by: tuple[str, ...] = (), hazard: str = "",
    ) -> None:
        self.id = id
        self.severity = severity
        self.target = target
        self.kinds = kinds
        self.pss = pss
        self.upstream_id = upstream_id
        self.reason = reason
        self.uses_index = uses_index
        self.static_only = static_only
        #: keys this rule reads from ``rules: {<id>: {...}}`` besides ``severity``
        self.settings = settings
        #: rules that report the same hazard: when all of them run, this one stays quiet
        self.covered_by = covered_by
        #: what a finding of this rule is about (``capabilities``): findings of rules with the
        #: same hazard at the same field of one object are one finding (the engine merges them)
        self.hazard = hazard
        #: reads (and so validates) those settings: raises ValueError on a wrong value
        self.settings_reader: Callable[[Mapping[str, Any]], Any] | None = None
        self.variants: list[Variant] = []
        #: the module's docstring and name, set by the registry
        self.doc = ""
        self.module = ""
        self.fixer: Callable[..., Any] | None = None
        self.fix_safe = True
        #: ``ctx.fix_options`` keys whose presence asks for this unsafe fixer (``run_as_user``)
        self.fix_enabled_by: tuple[str, ...] = ()
        #: why the fix (or its unsafe part) can change what the application does
        self.fix_unsafe_reason = ""
        #: what to verify after the fix is applied (a safe fix that still has a condition)
        self.fix_caution = ""
        #: ``ctx.fix_options`` keys that make the caution moot
        self.fix_caution_unless: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Rule({self.id!r})"

    @property
    def family(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def slug(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0].strip().rstrip(".") if self.doc else self.id

    def section(self, name: str) -> str:
        """A ``## <name>`` section of the docstring, as plain text."""
        match = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", self.doc, re.M | re.S)
        return match.group(1).strip() if match else ""

    @property
    def first_since(self) -> int:
        return self.variants[0].since if self.variants else 0

    def variant_at(self, minor: int) -> Variant | None:
        """The newest variant in force at 1.``minor``, None before the first."""
        chosen = None
        for variant in self.variants:
            if variant.since <= minor:
                chosen = variant
        return chosen

    def check(
        self, since: str = "1.0", overrides: Iterable[str] = ()
    ) -> Callable[[Callable[..., Iterable[Violation]]], Callable[..., Iterable[Violation]]]:
        """Register the decorated function as this rule's check from Kubernetes ``since``.

        The function takes the target (``PodView`` or ``KubeObject``) and, if it wants it,
        a ``Context`` as second argument.
        """
        parsed = Version.parse(since)
        if parsed is None:
            raise ValueError(f"{self.id}: a check cannot start at 'latest'")

        def register(fn: Callable[..., Iterable[Violation]]) -> Callable[..., Iterable[Violation]]:
            code = getattr(fn, "__code__", None)
            # a SharedCheck takes both arguments
            call: CheckFn = fn if code is None or code.co_argcount >= 2 else TargetOnly(fn)
            self.variants.append(Variant(parsed.minor, call, tuple(overrides)))
            return fn

        return register

    def reads_settings(self, fn: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
        """Register the decorated function as the reader of this rule's settings: called
        with them when a configuration is loaded, so a wrong value fails there, once."""
        self.settings_reader = fn
        return fn

    def fix(
        self, safe: bool = True, enabled_by: Iterable[str] = (), unsafe_reason: str = "",
        caution: str = "", caution_unless: Iterable[str] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function as this rule's fixer.

        A fixer is called as ``fix(target, violation, ctx)`` for one violation of its rule
        (``target`` as for the check) and yields ``Edit``s on object-relative paths.
        ``safe=False`` fixers can change what the application does; they run only when
        the user asks: ``--unsafe``, or an explicit value in ``ctx.fix_options`` under one
        of the ``enabled_by`` keys (``run_as_user``).  A safe fixer may hold back an unsafe
        part unless ``ctx.fix_options["unsafe"]``; ``unsafe_reason`` says, for the output,
        why that part (or the whole unsafe fix) can break the application.  ``caution`` is
        what to check once the fix is applied (printed with the files it changes), unless one
        of the ``caution_unless`` option keys was given (``run_as_user`` settles the user).
        """

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.fixer = fn
            self.fix_safe = safe
            self.fix_enabled_by = tuple(enabled_by)
            self.fix_unsafe_reason = unsafe_reason
            self.fix_caution = caution
            self.fix_caution_unless = tuple(caution_unless)
            return fn

        return register


def rule(
    rule_id: str,
    *,
    severity: Severity,
    target: str = "pod",
    kinds: Iterable[str] = (),
    pss: Level | None = None,
    upstream_id: str | None = None,
    reason: str = "",
    uses_index: bool = False,
    static_only: bool = False,
    settings: Iterable[str] = (),
    covered_by: Iterable[str] = (),
    hazard: str = "",
) -> Rule:
    """Declare a rule.  ``target`` is ``pod`` (checks get a PodView) or ``object``
    (checks get every KubeObject, or those of ``kinds``).  ``uses_index`` rules read
    other objects through ``ctx.index``, which the engine then builds first.
    ``static_only`` rules judge a set of manifests as a whole (a reference missing from
    the input); the admission webhook, which sees one object at a time, skips them."""
    if target not in ("pod", "object"):
        raise ValueError(f"{rule_id}: target must be 'pod' or 'object'")
    return Rule(
        id=rule_id,
        severity=severity,
        target=target,
        kinds=frozenset(kinds),
        pss=pss,
        upstream_id=upstream_id,
        reason=reason,
        uses_index=uses_index,
        static_only=static_only,
        settings=tuple(settings),
        covered_by=tuple(covered_by),
        hazard=hazard,
    )


# -- small helpers shared by many rules -------------------------------------------------


def quoted(items: Iterable[str]) -> str:
    """``"a", "b"`` for messages."""
    return ", ".join(f'"{item}"' for item in items)
