"""The typed getters rules read fields with: what they remember, and what they never do."""

from __future__ import annotations

import pytest

from podwarden.model.objects import KubeObject, Node, ShapeError


def test_map_if_set_builds_no_node_for_an_unset_mapping() -> None:
    node = Node({"a": {"x": 1}, "b": None, "c": "text"}, ("spec",))
    assert node.map_if_set("missing") is None
    assert node.map_if_set("b") is None  # null reads as unset, as map() reads it
    child = node.map_if_set("a")
    assert child is not None and child is node.map("a") and child.path == ("spec", "a")
    for _ in range(2):  # a wrong type is an error on every call, as with map()
        with pytest.raises(ShapeError) as raised:
            node.map_if_set("c")
        assert raised.value.path == ("spec", "c")


def test_str_map_remembers_only_what_it_checked() -> None:
    node = Node({"labels": {"app": "web", "empty": None}, "annotations": {"n": 5}}, ("metadata",))
    first = node.str_map("labels")
    assert first == {"app": "web", "empty": ""}  # JSON null is "" in Kubernetes
    assert node.str_map("labels") is first
    assert node.str_map("missing") == {}
    for _ in range(2):  # never a remembered pass after an error
        with pytest.raises(ShapeError) as raised:
            node.str_map("annotations")
        assert raised.value.path == ("metadata", "annotations", "n")


def test_a_pods_wrong_annotations_are_an_error_each_time_they_are_read() -> None:
    obj = KubeObject({"apiVersion": "v1", "kind": "Pod", "metadata": {"annotations": ["x"]},
                      "spec": {"containers": [{"name": "a", "image": "i"}]}})
    pod = obj.pod
    assert pod is not None
    for _ in range(2):
        with pytest.raises(ShapeError):
            _ = pod.annotations
    assert obj.metadata is obj.metadata
