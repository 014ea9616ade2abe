"""The values ``fix --move-secrets`` extracts: files (0600) in a new directory (0700)
outside the manifests, and ``upload.sh``, one ``az keyvault secret set --file`` per value."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence


def check_secrets_dir(path: str, inputs: Sequence[str]) -> str:
    """Why ``path`` cannot take the values ('' when it can); it is not created here."""
    if os.path.lexists(path):
        return f"{path} already exists: give a directory that does not exist yet"
    parent = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(parent):
        return f"{parent} does not exist"
    return check_inside(path, inputs)


def write_values(values: dict[str, str], vault: str, folder: str | None, inputs: Sequence[str]) -> str:
    """Write each value to ``folder``/NAME (0600) and ``upload.sh`` (0700) in a new
    directory (0700): ``folder``, or a fresh temporary one.  Returns the directory."""
    import tempfile

    if folder is None:
        target = tempfile.mkdtemp(prefix="podwarden-secrets-")
        problem = check_inside(target, inputs)
        if problem:
            os.rmdir(target)
            raise OSError(problem)
    else:
        target = os.path.realpath(folder)
        os.mkdir(target, 0o700)
    os.chmod(target, 0o700)
    lines = [
        "#!/bin/sh",
        "# Upload the values podwarden moved out of the manifests to Azure Key Vault.",
        "# Each value is read from its file (--file): none appears on a command line.",
        "# Delete this directory once the upload succeeded:",
        f"#   rm -rf {shlex.quote(target)}",
        "set -eu",
    ]
    for name, value in sorted(values.items()):
        file = os.path.join(target, name)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(value)
        lines.append(f"az keyvault secret set --vault-name {shlex.quote(vault)} --name {shlex.quote(name)} "
                     f"--file {shlex.quote(file)} --encoding utf-8 --output none")
    script = os.path.join(target, "upload.sh")
    fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o700)
        handle.write("\n".join(lines) + "\n")
    return target


def check_inside(path: str, inputs: Sequence[str]) -> str:
    """Why ``path`` is inside a manifest tree given as input ('' when it is not)."""
    full = os.path.realpath(path)
    for given in inputs:
        if given == "-":
            continue
        real = os.path.realpath(given)
        if os.path.isdir(real) and os.path.commonpath([real, full]) == real:
            return f"{path} is inside the manifest tree {given}: the values must be kept outside it"
    return ""
