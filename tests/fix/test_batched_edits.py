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
    # a removal between additions
    [Edit.set(("metadata", "labels"), {"app": "web"}),
     Edit.remove(("spec", "containers", 0, "ports")),
     Edit.set(("spec", "containers", 0, "securityContext"), {"privileged": False})],
])
@pytest.mark.parametrize("ending", ["\n", ""])
def test_edits_made_together_give_the_text_made_one_at_a_time(edits: list[Edit], ending: str) -> None:
    text = POD.rstrip("\n") + ending
    assert yamledit._edit_document(text, edits, _doc(text)) == _one_at_a_time(text, edits)


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
    # the second edit into a mapping the first one makes needs the first one's text
    composed.clear()
    yamledit._edit_document(POD, [Edit.set(("spec", "securityContext", "runAsNonRoot"), True),
                                  Edit.set(("spec", "securityContext", "fsGroup"), 10001)], _doc(POD))
    assert len(composed) == 2


# -- generated documents and edits ----------------------------------------------------------

keys = st.sampled_from(["a", "b", "c", "securityContext", "ports", "name"])
scalars = st.one_of(st.booleans(), st.integers(0, 99), st.sampled_from(["x", "ALL", "y z"]))
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


def _render(data: dict[str, Any], flow: bool | None, indent: int, ending: str) -> str:
    text = yaml.safe_dump(data, default_flow_style=flow, indent=indent, sort_keys=False)
    return text.rstrip("\n") + ending


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=documents_and_edits(), flow=st.sampled_from([False, None]), indent=st.sampled_from([2, 4]),
       ending=st.sampled_from(["\n", ""]))
def test_generated_edits_made_together_match_one_at_a_time(case: tuple[dict[str, Any], list[Edit]],
                                                          flow: bool | None, indent: int, ending: str) -> None:
    data, edits = case
    text = _render(data, flow, indent, ending)
    together = _outcome(lambda: yamledit._edit_document(text, edits, _doc(text)))
    alone = _outcome(lambda: _one_at_a_time(text, edits))
    if alone[0] == "refused":
        # one at a time, an edit can be refused for what an earlier one wrote; made together
        # it may be refused first, or at the end when the file is read back (yamlfile._verify)
        return
    assert together == alone
