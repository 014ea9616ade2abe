"""A recorded cluster behind a local HTTPS server, and a kubeconfig pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster import recorded
from tests.cluster.fakeapi import FakeAPI


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fakeapi-tls")


@pytest.fixture
def api(tls_dir: Path) -> Iterator[FakeAPI]:
    server = FakeAPI(recorded.build(), tls_dir, recorded.behaviour())
    yield server
    server.stop()


@pytest.fixture
def kubeconfig(api: FakeAPI, tmp_path: Path) -> Path:
    return api.kubeconfig(tmp_path / "kubeconfig")
