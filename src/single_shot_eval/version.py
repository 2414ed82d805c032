"""The tool's version, read from the installed distribution: `pyproject.toml` is its one source.

It lives in its own module, below everything, so that the runner and the model preparation can
record it in provenance without importing the package's public API (and with it themselves).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("single-shot-eval")
except PackageNotFoundError:  # a source tree that was never installed (pip install -e .)
    __version__ = "0+unknown"
