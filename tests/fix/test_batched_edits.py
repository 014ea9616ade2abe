"""A document's edits are planned on one composition of its text and made together when
none would see another's change; the result is the text the edits make one at a time
(each on the text the one before left, composed again), which is what these tests hold
them to, on generated documents and edits and on the cases that need composing again."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwarden.fix import yamledit
from podwarden.fix.yamlnodes import FixRefused
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit


def _doc(text: str) -> yamlload.Document:
    """What a refused edit's line is looked up in (not asked here: no positions)."""
    return yamlload.Document(0, None, None, 1)


def _one_at_a_time(text: str, edits: list[Edit]) -> str:
    """The reference: each edit made on the text the one before left (composed again)."""
    for edit in edits:
        text = yamledit._edit_document(text, [edit], _doc(text))
    return text


def _outcome(make: Any) -> tuple[str, str]:
    try:
        return "text", make()
    except FixRefused:
        return "refused", ""


def _composes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = yamledit.compose

    def counting(text: str) -> Any:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(yamledit, "compose", counting)
    return seen


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
  - name: side
    image: busybox
    securityContext: {runAsUser: 0}
"""


@pytest.mark.parametrize("edits", [
    # keys added to one mapping, and to the mapping around it at the same place
    [Edit.set(("spec", "containers", 1, "securityContext", "privileged"), False),
     Edit.set(("spec", "hostNetwork"), False)],
    [Edit.set(("spec", "hostNetwork"), False),
     Edit.set(("spec", "containers", 1, "image"), "busybox:1.36")],
    # the same missing mapping made by two edits: the second goes into what the first made
    [Edit.set(("spec", "containers", 0, "securityContext", "runAsNonRoot"), True),
     Edit.set(("spec", "containers", 0, "securityContext", "capabilities", "drop"), ["ALL"]),
     Edit.add(("spec", "containers", 0, "securityContext", "capabilities", "drop"), "NET_RAW")],
    # a flow mapping: each addition sees the ones before (commas)
    [Edit.set(("spec", "containers", 1, "securityContext", "runAsNonRoot"), True),
     Edit.set(("spec", "containers", 1, "securityContext", "runAsGroup"), 1000),
     Edit.set(("spec", "containers", 1, "securityContext", "runAsUser"), 1000)],
    # items added to a list, and a key after it
    [Edit.add(("spec", "containers", 0, "ports"), {"containerPort": 8080}),
     Edit.add(("spec", "containers", 0, "ports"), {"containerPort": 9090}),
     Edit.set(("spec", "containers", 0, "imagePullPolicy"), "Always")],
    # a scalar replaced in the last entry, then a key added after it
    [Edit.set(("spec", "containers", 1, "securityContext"), {"runAsNonRoot": True}),
     Edit.set(("spec", "containers", 1, "resources"), {"limits": {"cpu": "1"}})],
    # a value an edit adds, replaced by a later edit: in place, as a quoted string
    [Edit.set(("spec", "securityContext", "seLinuxOptions", "level"), "s0"),
     Edit.set(("spec", "securityContext", "seLinuxOptions", "level"), "s0:c1\ns0:c2\n"),
     Edit.set(("spec", "securityContext", "seLinuxOptions", "type"), "two\nlines\n")],
    # a removal between additions
    [Edit.set(("metadata", "labels"), {"app": "web"}),
     Edit.remove(("spec", "containers", 0, "ports")),
     Edit.set(("spec", "containers", 0, "securityContext"), {"privileged": False})],
])
@pytest.mark.parametrize("ending", ["\n", ""])
def test_edits_made_together_give_the_text_made_one_at_a_time(edits: list[Edit], ending: str) -> None:
    text = POD.rstrip("\n") + ending
    assert yamledit._edit_document(text, edits, _doc(text)) == _one_at_a_time(text, edits)


S = Edit.set


@pytest.mark.parametrize(("text", "edits"), [
    # a block scalar's composed end takes in the blank lines after it: what an edit adds
    # after a block scalar another replaced, or wrote, goes where that edit leaves its end
    ("a:\n  b: |\n    t\n\nd: 1\n", [S(("a", "b"), "x"), S(("a", "c"), 2)]),
    ("a:\n  b: >-\n    t\n\n  # note\nd: 1\n", [S(("a", "b"), None), S(("a", "c"), 2)]),
    ("a: |\n  t\n\n", [S(("a",), "x"), S(("z",), 2)]),
    ("a:\r\n  b: |+\r\n    t\r\n\r\nd: 1\r\n", [S(("a", "b"), "x"), S(("a", "c"), 2)]),
    ("l:\n- |\n  t\n\nd: 1\n", [S(("l", 0), "x"), Edit.add(("l",), 2)]),
    ("a:\n  x: 1\n\nd: 1\n", [S(("a", "b"), "l1\nl2\n"), S(("a", "c"), "x")]),
    ("x: 1\n\n# end\n", [S(("s", "a"), "l1\nl2\n"), S(("s", "b"), 1)]),
    ("l:\n- 1\n\nd: 1\n", [Edit.add(("l",), {"k": "l1\nl2\n"}), Edit.add(("l",), 2)]),
    # keys that are no strings are written as strings: an edit naming one is not merged
    ("a: 1\n", [S(("s", "m"), {1: "x"}), S(("s", "m", "1"), "y")]),
    ("a: 1\n", [S(("s", "m"), {True: "x"}), S(("s", "m", "True"), "y")]),
])
def test_what_follows_a_block_scalar_or_a_key_written_as_text(text: str, edits: list[Edit]) -> None:
    assert _outcome(lambda: yamledit._edit_document(text, edits, _doc(text))) == \
        _outcome(lambda: _one_at_a_time(text, edits))


@pytest.mark.parametrize(("text", "edit", "expected"), [
    ("l:\n- 1\n-\n- 3\nz: 1\n", S(("l", 1), 5), {"l": [1, 5, 3], "z": 1}),  # a bare "-" item
    ("a:\n  c: |-\n    lit\nd: 1\n", S(("a", "c"), {"p": 1}), {"a": {"c": {"p": 1}}, "d": 1}),
    ("a: &x {p: 1}\nb: 2\n", Edit.remove(("a", "p")), {"a": {}, "b": 2}),
])
def test_one_edit_writes_what_it_means(text: str, edit: Edit, expected: Any) -> None:
    assert yaml.safe_load(yamledit._edit_document(text, [edit], _doc(text))) == expected


def test_an_explicit_key_without_a_value_is_refused_not_a_crash() -> None:
    with pytest.raises(FixRefused, match="cannot find where"):
        yamledit._edit_document("? a\n: 1\n? b\n", [S(("b",), 5)], _doc(""))


def test_edits_apart_compose_the_document_once(monkeypatch: pytest.MonkeyPatch) -> None:
    composed = _composes(monkeypatch)
    edits = [Edit.set(("spec", "containers", 0, "securityContext"), {"runAsNonRoot": True}),
             Edit.set(("spec", "containers", 1, "image"), "busybox:1.36"),
             Edit.set(("spec", "automountServiceAccountToken"), False),
             Edit.set(("metadata", "labels"), {"app": "web"})]
    out = yamledit._edit_document(POD, edits, _doc(POD))
    assert len(composed) == 1
    composed.clear()
    assert out == _one_at_a_time(POD, edits) and len(composed) == len(edits)
    # an edit into a mapping another one adds goes into the lines that one writes
    made = [Edit.set(("spec", "securityContext", "runAsNonRoot"), True),
            Edit.set(("spec", "securityContext", "seccompProfile", "type"), "RuntimeDefault"),
            Edit.add(("spec", "securityContext", "supplementalGroups"), 10001),
            Edit.add(("spec", "securityContext", "supplementalGroups"), 10002),
            Edit.set(("spec", "securityContext", "runAsNonRoot"), False)]
    composed.clear()
    assert yamledit._edit_document(POD, made, _doc(POD)) == _one_at_a_time(POD, made)
    assert len(composed) == 1 + len(made)
    # an addition to a flow mapping sees the one before it (its comma): composed again
    composed.clear()
    flow = [Edit.set(("spec", "containers", 1, "securityContext", "runAsNonRoot"), True),
            Edit.set(("spec", "containers", 1, "securityContext", "runAsGroup"), 1000)]
    assert yamledit._edit_document(POD, flow, _doc(POD)) == _one_at_a_time(POD, flow)
    assert len(composed) == 2 + len(flow)


# -- generated documents and edits ----------------------------------------------------------

keys = st.sampled_from(["a", "b", "c", "securityContext", "ports", "name"])
scalars = st.one_of(st.booleans(), st.integers(0, 99), st.sampled_from(["x", "ALL", "y z", "two\nlines\n"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(keys, inner, max_size=2)), max_leaves=4)
documents = st.dictionaries(keys, st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3), st.dictionaries(keys, inner, min_size=1, max_size=3)),
    max_leaves=10), min_size=1, max_size=4)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found += _paths(value, (*prefix, key))
    return found


@st.composite
def documents_and_edits(draw: st.DrawFn) -> tuple[dict[str, Any], list[Edit]]:
    """A document, and edits at its own paths, at new keys under them, and deeper."""
    data = draw(documents)
    present = _paths(data)
    path = st.one_of(st.sampled_from(present), st.builds(lambda p, k: (*p, k), st.sampled_from(present), keys),
                     st.builds(lambda p, k, j: (*p, k, j), st.sampled_from(present), keys, keys),
                     st.tuples(keys))
    edits = draw(st.lists(st.one_of(
        st.builds(Edit.set, path, values), st.builds(Edit.add, path, values), st.builds(Edit.remove, path),
    ), min_size=2, max_size=8))
    return data, edits


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def edits_under_a_new_key(draw: st.DrawFn) -> tuple[dict[str, Any], list[Edit]]:
    """A document, and edits that all write under one key its mapping lacks."""
    data = draw(documents)
    mappings = [()] + [p for p in _paths(data) if isinstance(_at(data, p), dict) and _at(data, p)]
    base = (*draw(st.sampled_from(mappings)), "fresh")
    below = st.lists(st.sampled_from(["p", "q", "r"]), max_size=2).map(tuple)
    edits = draw(st.lists(st.one_of(
        st.builds(lambda b, v: Edit.set((*base, *b), v), below, st.one_of(scalars, values)),
        st.builds(lambda b, v: Edit.add((*base, *b), v), below, values),
    ), min_size=2, max_size=6))
    return data, edits


class _LiteralDumper(yaml.SafeDumper):
    """Strings of several lines as ``|`` block scalars, as people write them."""


_LiteralDumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _render(data: dict[str, Any], flow: bool | None, indent: int, ending: str,
            blank_after: frozenset[int] = frozenset()) -> str:
    """``data`` as YAML, with a blank line after each line numbered in ``blank_after``."""
    text = yaml.dump(data, Dumper=_LiteralDumper, default_flow_style=flow, indent=indent, sort_keys=False)
    lines = text.rstrip("\n").split("\n")
    return "\n".join(line + ("\n" if n in blank_after else "") for n, line in enumerate(lines)) + ending


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.one_of(documents_and_edits(), edits_under_a_new_key()), flow=st.sampled_from([False, None]),
       indent=st.sampled_from([2, 4]), ending=st.sampled_from(["\n", ""]),
       blank_after=st.frozensets(st.integers(0, 15), max_size=8))
def test_generated_edits_made_together_match_one_at_a_time(case: tuple[dict[str, Any], list[Edit]],
                                                          flow: bool | None, indent: int, ending: str,
                                                          blank_after: frozenset[int]) -> None:
    data, edits = case
    text = _render(data, flow, indent, ending, blank_after)
    together = _outcome(lambda: yamledit._edit_document(text, edits, _doc(text)))
    alone = _outcome(lambda: _one_at_a_time(text, edits))
    assert together == alone  # the same text, or refused both ways
