"""Merge keys and aliases read as Kubernetes' YAML reader (go-yaml v2) reads them: what the
API server would store is what the rules see, whatever the order of entries, and a large
``List`` read item by item loses nothing an alias or a merge key brings in."""

from __future__ import annotations

import pytest

from podwarden.engine import Engine, Selection
from podwarden.load import large_list
from podwarden.load import yaml as yamlload

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
  - name: a
    image: b
    securityContext:
{context}
"""


def _context(text: str) -> dict:
    body = "\n".join("      " + line for line in text.splitlines())
    data = yamlload.parse(POD.format(context=body), "p.yaml")[0].data
    return data["spec"]["containers"][0]["securityContext"]


@pytest.mark.parametrize(("written", "privileged"), [
    ("privileged: false\n<<: {privileged: true}", True),  # a later merge sets over an earlier key
    ("<<: {privileged: true}\nprivileged: false", False),  # a later key sets over a merge
    ("<<: [{privileged: true}, {privileged: false}]", True),  # of a list of mappings, the first wins
    ("<<: {privileged: false}\n<<: {privileged: true}", True),
])
def test_entries_apply_in_the_order_written(written: str, privileged: bool) -> None:
    assert _context(written)["privileged"] is privileged


def test_a_key_written_twice_is_still_refused_with_a_merge_between() -> None:
    with pytest.raises(Exception, match="duplicate key"):
        _context("privileged: false\n<<: {runAsUser: 1}\nprivileged: true")


def test_check_sees_the_privileged_container_a_merge_makes() -> None:
    text = POD.format(context="      privileged: false\n      <<: {privileged: true}")
    engine = Engine(Selection(only=frozenset({"pss/privileged"})))
    result = engine.scan_docs(yamlload.parse(text, "p.yaml"), "p.yaml", True)
    assert [f.rule_id for f in result.findings] == ["pss/privileged"]


PRIVILEGED_POD = ("{apiVersion: v1, kind: Pod, metadata: {name: hidden}, spec: {containers: "
                  "[{name: a, image: b, securityContext: {privileged: true}}]}}")
PAD = "x" * (large_list.LARGE_LIST_BYTES + 100)


@pytest.mark.parametrize("layout", [
    "extra: &p [{pod}]\nitems: *p\n",  # items from an alias
    "<<: {{items: [{pod}]}}\n",  # items from a merge key
    "base: &p {pod}\nitems:\n- *p\n",  # an item that is an alias
])
def test_a_large_list_gets_its_items_from_aliases_and_merges(layout: str) -> None:
    text = (f"apiVersion: v1\nkind: List\nmetadata:\n  annotations: {{pad: {PAD}}}\n"
            + layout.format(pod=PRIVILEGED_POD))
    assert len(text) > large_list.LARGE_LIST_BYTES
    objects = [data for doc in yamlload.parse(text, "list.yaml") for _, data in yamlload.iter_objects(doc)]
    assert [o["metadata"]["name"] for o in objects] == ["hidden"]
    assert objects[0]["spec"]["containers"][0]["securityContext"]["privileged"] is True


def test_a_plain_large_list_is_still_read_item_by_item() -> None:
    items = "".join(f"- {PRIVILEGED_POD.replace('hidden', f'p{n}')}\n" for n in range(3))
    text = f"apiVersion: v1\nkind: List\nmetadata:\n  annotations: {{pad: {PAD}}}\nitems:\n{items}"
    docs = yamlload.parse(text, "list.yaml")
    assert [d.prefix for d in docs] == [("items", 0), ("items", 1), ("items", 2)]  # one document per item
