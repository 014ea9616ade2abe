"""``Document.locate`` gives the same line and column whatever it located before.

It remembers the nodes of paths it walked and starts a new walk from the nearest one
remembered; the answer must be the one a walk from the root gives.
"""

from __future__ import annotations

import random
from typing import Any

from podwarden.load.yaml import Document, child_node, parse
from podwarden.model.paths import FieldPath

TEXT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  template:
    spec:
      containers:
        - name: a
          image: nginx
          securityContext:
            privileged: true
            capabilities: {add: [NET_ADMIN, SYS_TIME]}
        - name: b
          env:
            - {name: X, value: "1"}
            - name: Y
              value: "2"
      volumes: []
"""

PATHS: list[FieldPath] = [
    (), ("metadata",), ("metadata", "labels", "tier"), ("metadata", "missing", "deeper"),
    ("spec", "template", "spec", "containers", 0, "securityContext", "privileged"),
    ("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add", 1),
    ("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add", 5),
    ("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "drop", 0),
    ("spec", "template", "spec", "containers", 1, "env", 1, "value"),
    ("spec", "template", "spec", "containers", 1, "env", 0, "name"),
    ("spec", "template", "spec", "containers", 1, "securityContext", "runAsUser"),
    ("spec", "template", "spec", "containers", 2, "image"),
    ("spec", "template", "spec", "volumes", 0, "name"),
    ("spec", "template", "spec", "containers", "name"),
    ("spec", "template", "spec", "containers", 0, "image"),
]


def _from_root(doc: Document, path: FieldPath) -> tuple[int, int]:
    """The line and column a walk from the root finds (nearest present node)."""
    node: Any = doc.node
    for part in path:
        child = child_node(node, part)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1, node.start_mark.column + 1


def test_locate_does_not_depend_on_what_was_located_before() -> None:
    expected = {path: _from_root(parse(TEXT, "x.yaml")[0], path) for path in PATHS}
    assert expected[("spec", "template", "spec", "containers", 1, "env", 1, "value")] == (19, 22)
    assert expected[("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add", 5)] \
        == (14, 33)
    shuffle = random.Random(17)
    for _ in range(30):
        order = PATHS * 2
        shuffle.shuffle(order)
        doc = parse(TEXT, "x.yaml")[0]
        assert {path: doc.locate(path) for path in order} == expected


def test_a_key_is_found_as_the_loader_reads_it() -> None:
    # a plain `on` is the key "true" and a quoted "on" the key "on" (both in one mapping);
    # a plain 80 is the key "80": each path finds its own line, not the other's
    doc = parse('a:\n  "on": 1\n  on: 2\n  80: 3\n  !!str tagged: 4\n', "x.yaml")[0]
    assert doc.data == {"a": {"on": 1, "true": 2, "80": 3, "tagged": 4}}
    assert doc.locate(("a", "on"))[0] == 2
    assert doc.locate(("a", "true"))[0] == 3
    assert doc.locate(("a", "80"))[0] == 4
    assert doc.locate(("a", "tagged"))[0] == 5
    assert doc.locate(("a", "missing")) == doc.locate(("a",))


def test_keys_that_are_no_plain_strings_are_read_once_per_mapping(monkeypatch: Any) -> None:
    # a mapping of many number keys, a path under each: each key is read once, not at each
    # lookup (a hostile file of 12,000 hex keys took 13 times as long before)
    from podwarden.load import yaml as yamlload

    text = "data:\n" + "".join(f"  0x{i:x}: v{i}\n" for i in range(300))
    doc = parse(text, "x.yaml")[0]
    calls = []
    real = yamlload.key_text
    monkeypatch.setattr(yamlload, "key_text", lambda node: calls.append(1) or real(node))
    lines = [doc.locate(("data", str(i)))[0] for i in range(300)]
    assert lines == list(range(2, 302))
    assert len(calls) == 300
