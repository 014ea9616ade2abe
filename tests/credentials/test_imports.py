"""The family's modules import one another without a circle: filters and detectors depend
on ``_leaf``, the scan on both, never the other way round."""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")

FAMILY = "podwarden.rules.credentials"


def test_no_module_of_the_family_imports_itself_back() -> None:
    graph = grimp.build_graph("podwarden")
    modules = sorted(m for m in graph.modules if m.startswith(FAMILY))
    circles = [
        (a, b) for a in modules for b in graph.find_modules_directly_imported_by(a)
        if b.startswith(FAMILY) and graph.chain_exists(importer=b, imported=a)
    ]
    assert circles == []
    for module in modules:
        if module.startswith(f"{FAMILY}.filters"):
            assert not graph.chain_exists(importer=module, imported=f"{FAMILY}._scan"), module
