"""Errors every room may raise; each renders as one readable line."""

from __future__ import annotations


class PodwardenError(Exception):
    """Base of every error podwarden reports to a user (exit status 2)."""


class InputError(PodwardenError):
    """A file or document that cannot be read as Kubernetes manifests."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line > 0 else f"{file}: {message}")
        self.file = file
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type[InputError], tuple[str, int, str]]:
        return InputError, (self.file, self.line, self.message)


class ConfigError(PodwardenError):
    """A bad option, configuration file or rule selection."""


class RuleError(PodwardenError):
    """A rule crashed on an object: never a silent pass."""
