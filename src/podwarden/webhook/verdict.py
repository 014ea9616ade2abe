"""What validation decided: the answer (``Decision``), the verdict on an object before it
is worded for one request (``Verdict``), the cache of verdicts, and the limits that keep
answers within what the API server passes on."""

from __future__ import annotations

import hashlib
import marshal
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

from podwarden.engine import Finding
from podwarden.rules.registry import Registry
from podwarden.webhook.policy import NamespacePolicy
from podwarden.webhook.warnings import denial_lines, group_by_rule

MAX_WARNINGS = 25
#: what the API server keeps of admission warnings: each, and all together
MAX_WARNING_CHARS = 256
MAX_WARNINGS_TOTAL = 4096
MAX_DENY_LINES = 50
MAX_AUDIT_CHARS = 8000


@dataclass(slots=True)
class Decision:
    """What to answer, plus what the decision log records (rule ids, never values)."""

    allowed: bool = True
    message: str = ""
    code: int = 403
    reason: str = "Forbidden"
    warnings: list[str] = field(default_factory=list)
    audit: dict[str, str] = field(default_factory=dict)
    patch: list[dict[str, Any]] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    #: internal, timeout, api: why the answer is a failure-mode answer
    error: str = ""
    exempt: str = ""

    @property
    def label(self) -> str:
        """allow, warn, patch, deny or error: the decision metric's value."""
        if self.error:
            return "error"
        if not self.allowed:
            return "deny"
        if self.patch:
            return "patch"
        return "warn" if self.warnings else "allow"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What validating an object decided, before it is worded for one request."""

    #: the violations' lines, one per rule (of the first MAX_DENY_LINES violations, then
    #: one line saying how many more)
    deny: tuple[str, ...]
    warnings: tuple[str, ...]
    audit: tuple[tuple[str, str], ...]
    rules: tuple[str, ...]
    enforce_labels: tuple[str, ...]
    #: how many violations deny the object
    denied: int

    def decision(self, where: str) -> Decision:
        """The answer for the object called ``where`` (``Pod "web-7d9f"``)."""
        decision = Decision(warnings=list(self.warnings), audit=dict(self.audit), rules=list(self.rules))
        if self.deny:
            decision.allowed = False
            count = f"{self.denied} violation{'s' if self.denied != 1 else ''}"
            decision.message = (
                f"{where} is forbidden by podwarden (enforce {', '.join(self.enforce_labels)}; {count}):\n"
                + "\n".join(self.deny)
            )
        return decision


class InternalError(Exception):
    """Evaluation failed (a rule crashed): answered by the failure mode, never a pass."""


class InvalidObject(Exception):
    """The object has a field of the wrong type: denied with 400."""


class VerdictCache:
    """Verdicts on recently validated objects, least recently used first out.

    Keyed by a 256-bit BLAKE2 digest of the object serialized (``marshal`` of plain JSON
    data: equal bytes load as equal data, so different objects never share a key short of
    a BLAKE2 collision), the namespace policy and whether it is enforced.  A verdict is a
    function of those alone (rule settings are fixed for the process, the webhook's index is
    empty), so a hit is what evaluation would return.  A verdict holds at most 50 violations
    of 480 characters, 4,096 characters of warnings and 8,000 of audit text, so the
    cache stays within some 40 MB at its default size.  Size 0 turns it off.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[bytes, NamespacePolicy, bool], Verdict] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, obj: dict[str, Any], policy: NamespacePolicy, enforcing: bool) -> tuple[bytes, NamespacePolicy, bool]:
        digest = hashlib.blake2b(marshal.dumps(obj), digest_size=32).digest() if self.size else b""
        return digest, policy, enforcing

    def get(self, key: tuple[bytes, NamespacePolicy, bool]) -> Verdict | None:
        if not self.size:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self.hits += 1
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[bytes, NamespacePolicy, bool], verdict: Verdict) -> None:
        if not self.size:
            return
        with self._lock:
            self.misses += 1
            self._entries[key] = verdict
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)


def warnings_within_limits(warnings: list[str]) -> list[str]:
    """Warnings as the API server passes them on: it cuts each at 256 characters and drops
    them all past 4,096 in total, so each is clipped here and those past the budget are
    counted in a last line instead."""
    out: list[str] = []
    total = 0
    for n, warning in enumerate(warnings):
        clipped = clip(warning, MAX_WARNING_CHARS)
        if len(out) == MAX_WARNINGS or total + len(clipped) > MAX_WARNINGS_TOTAL - 64:
            out.append(f"podwarden: {len(warnings) - n} more warning(s) not shown")
            break
        out.append(clipped)
        total += len(clipped)
    return out


def deny_lines(denied: list[Finding], registry: Registry) -> list[str]:
    """The first MAX_DENY_LINES violations, one line per rule (480 characters a violation
    at most), and a line saying how many more there were: answers, and the verdicts the
    cache keeps, stay small."""
    shown = denied[:MAX_DENY_LINES]
    counts = Counter(f.rule_id for f in shown)
    out = [clip(line, 480 * counts[rule_id])
           for rule_id, line in zip(group_by_rule(shown), denial_lines(shown, registry), strict=True)]
    if len(denied) > MAX_DENY_LINES:
        out.append(f"- ... {len(denied) - MAX_DENY_LINES} more violation(s) not shown")
    return out


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
