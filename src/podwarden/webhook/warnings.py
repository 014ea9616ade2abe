"""Admission messages worded as Pod Security Admission words them: one line per rule.

PSA says ``allowPrivilegeEscalation != false (containers "a", "b" must set
securityContext.allowPrivilegeEscalation=false)``: the check's reason, then its offenders
together.  Rules yield one violation per container; these helpers put a rule's violations
back together (``container "a" must ...`` and ``container "b" must ...`` become
``containers "a", "b" must ...``) and fold warnings that repeat a hazard already said at
the same field (the engine's ``merge_hazards``, across the modes the webhook routes to).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from podwarden.engine import Finding
from podwarden.rules.registry import Registry

#: a message about one container: its word (container, init container, ephemeral
#: container), its name, and what it must do (the same for every container it concerns)
#: the mode word of a workload's warning that enforcement would deny for a pod
DENIED_PREFIX = "would be denied"
_CONTAINER = re.compile(r'^((?:init |ephemeral )?container) ("[^"]*") (.+)$', re.S)


def join_messages(messages: Iterable[str]) -> str:
    """Messages of one rule, the same statement about several containers said once:
    ``containers "a", "b" must set runAsNonRoot=true``; other messages follow, "; "-joined,
    in their first order, each once."""
    groups: dict[tuple[str, str], list[str]] = {}
    for message in messages:
        found = _CONTAINER.match(message)
        key = (found.group(1), found.group(3)) if found else ("", message)
        names = groups.setdefault(key, [])
        if found and found.group(2) not in names:
            names.append(found.group(2))
    parts = []
    for (word, rest), names in groups.items():
        if not word:
            parts.append(rest)
        elif len(names) == 1:
            parts.append(f"{word} {names[0]} {rest}")
        else:
            parts.append(f"{word}s {', '.join(names)} {_plural_verb(rest)}")
    return "; ".join(parts)


def _plural_verb(rest: str) -> str:
    """``sets no runAsGroup`` said of several containers: ``set no runAsGroup``."""
    verb, space, tail = rest.partition(" ")
    plural = {"has": "have", "is": "are", "does": "do"}.get(verb)
    if plural is None and verb.endswith("s") and verb not in _NOT_VERBS and verb.isalpha() and len(verb) > 2:
        plural = verb[:-1]
    return (plural or verb) + space + tail


#: words ending in s that may open a statement and are not verbs in the third person
_NOT_VERBS = frozenset({"always", "was", "as", "its", "this", "is"})


def rule_line(rule_id: str, findings: Sequence[Finding], registry: Registry, *, paths: bool = False,
              reason: bool = True) -> str:
    """``rule: reason (offenders)`` for a rule with PSA's wording, else ``rule: offenders``;
    with ``paths`` the fields follow in parentheses (a denial names each one)."""
    details = join_messages(f.message for f in findings)
    rule = registry.rules.get(rule_id)
    worded = reason and rule is not None and rule.reason
    text = f"{rule_id}: {rule.reason} ({details})" if worded and rule else f"{rule_id}: {details}"
    if paths:
        text += " (" + ", ".join(dict.fromkeys(f.path for f in findings)) + ")"
    return text


@dataclass(slots=True)
class Said:
    """A warning's findings, routed to one label and mode (``restricted:latest``, ``would be
    denied``), with the rules folded into it."""

    label: str
    prefix: str
    findings: list[Finding] = field(default_factory=list)
    also: list[str] = field(default_factory=list)


def group_by_rule(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings by rule id, rules in the order they first appear."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule_id, []).append(f)
    return out


def warning_lines(
    candidates: Sequence[tuple[str, str, Finding]], denied: Iterable[Finding], registry: Registry
) -> list[str]:
    """One warning line per (label, mode, rule) of ``candidates`` ((label, prefix, finding)
    in the order they were found), PSA's way.

    A warning about a hazard (``Rule.hazard``) at a field a denial already names says
    nothing new and is dropped; of warnings about one hazard at one field the strongest
    is kept (``would be denied`` over a warning, then the higher severity, then the PSS
    rule, then the first) and names the others (``also``), as ``check`` merges findings.
    """
    said_at: set[tuple[str, str]] = set()
    for f in denied:
        rule = registry.rules.get(f.rule_id)
        if rule is not None and rule.hazard:
            said_at.add((f.path, rule.hazard))
    hazards = [_hazard(f, registry) for _, _, f in candidates]
    winner: dict[tuple[str, str], int] = {}
    for n, (_, _, f) in enumerate(candidates):
        if hazards[n] and (f.path, hazards[n]) not in said_at:
            at = winner.setdefault((f.path, hazards[n]), n)
            if _strength(candidates[n], registry) > _strength(candidates[at], registry):
                winner[(f.path, hazards[n])] = n
    lines: dict[tuple[str, str, str], Said] = {}
    folded: list[tuple[int, str]] = []
    for n, (label, prefix, f) in enumerate(candidates):
        key = (f.path, hazards[n])
        if hazards[n] and key in said_at:
            continue
        if hazards[n] and winner[key] != n:
            folded.append((winner[key], f.rule_id))
            continue
        lines.setdefault((label, prefix, f.rule_id), Said(label, prefix)).findings.append(f)
    for at, rule_id in folded:
        label, prefix, f = candidates[at]
        said = lines[(label, prefix, f.rule_id)]
        if rule_id != f.rule_id and rule_id not in said.also:
            said.also.append(rule_id)
    out = []
    for said in lines.values():
        text = f"podwarden {said.label} {said.prefix}: {rule_line(said.findings[0].rule_id, said.findings, registry)}"
        if said.also:
            text += f"; also {', '.join(said.also)}"
        out.append(text)
    return out


def _hazard(f: Finding, registry: Registry) -> str:
    rule = registry.rules.get(f.rule_id)
    return rule.hazard if rule is not None else ""


def _strength(candidate: tuple[str, str, Finding], registry: Registry) -> tuple[bool, int, bool]:
    _, prefix, f = candidate
    rule = registry.rules.get(f.rule_id)
    return prefix == DENIED_PREFIX, int(f.severity), bool(rule is not None and rule.pss)


def denial_lines(denied: Sequence[Finding], registry: Registry) -> list[str]:
    """Every violation that denies, one line per rule: ``- rule: offenders (fields)`` (no
    reason: the offenders say it, and the fields make each one exact)."""
    return [f"- {rule_line(rule_id, found, registry, paths=True, reason=False)}"
            for rule_id, found in group_by_rule(denied).items()]
