"""Import the modules of a package by name: the rule families and the credential filters.

``importlib.import_module`` asks each finder on ``sys.meta_path`` and searches the package's
folder for every name: for the ~140 rule and filter modules that is about 3 ms of the
0.09 s a check of one small file takes (issue 17).  These modules are known by name and
sit beside their package's ``__init__``, so ``submodule`` loads each straight from its file
(importlib's documented recipe for importing a source file), with its cached bytecode, as
an import statement would; where there is no such file (a package in a zip archive) it
falls back to ``import_module``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType

#: held while a module loads: a module is in ``sys.modules`` before its code has run, and
#: another thread (the webhook's workers load the filters on first use) must not take it then
_LOADING = threading.RLock()


def submodule(package: ModuleType, name: str) -> ModuleType:
    """``package.name``, imported (or as already imported)."""
    full = f"{package.__name__}.{name}"
    with _LOADING:
        return sys.modules.get(full) or _load(package, name, full)


def _load(package: ModuleType, name: str, full: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(full, f"{package.__path__[0]}/{name}.py")
    if spec is None or spec.loader is None:
        return importlib.import_module(full)
    try:
        code = spec.loader.get_code(full)  # type: ignore[attr-defined]
    except OSError:
        return importlib.import_module(full)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(full, None)
        raise
    setattr(package, name, module)
    return module
