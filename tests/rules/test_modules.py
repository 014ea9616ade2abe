"""``rules.modules.submodule``: a module loaded from its file is the module an import statement
would give; where there is no file (a zip archive) the normal import is used."""

from __future__ import annotations

import importlib
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podwarden.rules import registry
from podwarden.rules.modules import submodule


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.split(".")[0] in ("pkg_on_disk", "pkg_in_zip")]:
        del sys.modules[name]


def _package(folder: Path, **modules: str) -> Any:
    """The package ``pkg_on_disk`` in ``folder``, with these modules (name=source), imported."""
    (folder / "pkg_on_disk").mkdir()
    (folder / "pkg_on_disk" / "__init__.py").write_text("")
    for name, source in modules.items():
        (folder / "pkg_on_disk" / f"{name}.py").write_text(source)
    return importlib.import_module("pkg_on_disk")


def test_a_module_loaded_from_its_file_is_a_proper_submodule(on_path: Path) -> None:
    package = _package(on_path, helper="VALUE = 1\n",
                       uses="from pkg_on_disk.helper import VALUE\nfrom . import helper\nDOUBLE = VALUE * 2\n")
    package_dir = on_path / "pkg_on_disk"
    module = submodule(package, "uses")
    assert module.DOUBLE == 2 and module.helper is sys.modules["pkg_on_disk.helper"]
    assert sys.modules["pkg_on_disk.uses"] is module and package.uses is module
    assert module.__name__ == "pkg_on_disk.uses" and module.__package__ == "pkg_on_disk"
    assert module.__file__ == str(package_dir / "uses.py") and module.__spec__.parent == "pkg_on_disk"
    # bytecode cached (or not, under PYTHONDONTWRITEBYTECODE) as the import statement did
    assert Path(module.__cached__).exists() is Path(module.helper.__cached__).exists()
    assert Path(module.__cached__).parent == Path(module.helper.__cached__).parent
    assert submodule(package, "uses") is module  # loaded once
    assert importlib.import_module("pkg_on_disk.uses") is module


def test_a_module_that_fails_leaves_nothing_behind(on_path: Path) -> None:
    package = _package(on_path, broken="raise ValueError('at import')\n")
    with pytest.raises(ValueError, match="at import"):
        submodule(package, "broken")
    assert "pkg_on_disk.broken" not in sys.modules and not hasattr(package, "broken")


def test_a_package_in_a_zip_archive_is_imported_the_usual_way(on_path: Path) -> None:
    archive = on_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pkg_in_zip/__init__.py", "")
        z.writestr("pkg_in_zip/rule.py", "NAME = 'from the zip'\n")
    sys.path.insert(0, str(archive))
    try:
        package = importlib.import_module("pkg_in_zip")
        assert submodule(package, "rule").NAME == "from the zip"
        assert sys.modules["pkg_in_zip.rule"].__loader__.__class__.__name__ == "zipimporter"
    finally:
        sys.path.remove(str(archive))


def test_every_built_in_rule_module_is_the_one_import_gives() -> None:
    for rule in registry.discover():
        assert sys.modules[rule.module].RULE is rule
        assert importlib.import_module(rule.module).RULE is rule


def test_a_thread_never_gets_a_module_another_is_still_loading(on_path: Path) -> None:
    package = _package(on_path, slow="import time\ntime.sleep(0.3)\nREADY = True\n")
    got: list[tuple[Any, bool]] = []  # each module as it was returned: loaded or not

    def load() -> None:
        module = submodule(package, "slow")
        got.append((module, getattr(module, "READY", False)))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.02)
    for t in threads:
        t.join(timeout=10)
    assert len(got) == 4 and all(module is got[0][0] and ready for module, ready in got)
