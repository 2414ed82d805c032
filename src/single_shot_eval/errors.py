"""Exceptions a user can act on. The CLI turns every `UserError` into one line and exit code 2."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input or environment: the message names the file and field and says what to fix."""


class ConfigError(UserError):
    """A task, models or corpus file is malformed."""

    def __init__(self, path: Path | str, message: str, *, key: str = "", line: int | None = None):
        self.path = Path(path)
        self.key = key
        self.line = line
        where = str(path)
        if line is not None:
            where += f":{line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}")


class CorpusError(ConfigError):
    """A corpus file or folder cannot be loaded."""


class ModelSpecError(UserError):
    """A model spec on the command line or in a models file cannot be resolved."""


class ToolchainError(UserError):
    """rustc, cargo or python3 is missing or unusable."""
