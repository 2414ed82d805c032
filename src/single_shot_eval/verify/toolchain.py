"""Detect the Rust and Python toolchains and fingerprint them for provenance and cache keys."""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from single_shot_eval.errors import ToolchainError

RUST_EDITION = "2021"


@dataclass(frozen=True)
class Toolchain:
    """The rustc and python3 every verdict was produced with."""

    rustc: Path
    rustc_version: str
    python: Path
    python_version: str
    edition: str = RUST_EDITION

    @property
    def fingerprint(self) -> str:
        """Short hash of `rustc -Vv`, the edition and the Python version."""
        text = f"{self.rustc_version}\n{self.edition}\n{self.python_version}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def rustc_release(self) -> str:
        first = self.rustc_version.splitlines()[0] if self.rustc_version else ""
        return first


@functools.cache
def detect_toolchain() -> Toolchain:
    """Find rustc and python3; raise `ToolchainError` with a fix when rustc is missing."""
    rustc = shutil.which("rustc")
    if rustc is None:
        raise ToolchainError(
            "rustc not found on PATH: install Rust (rustup or your distribution's rustc package)"
        )
    try:
        version = subprocess.run(
            [rustc, "-Vv"], capture_output=True, text=True, timeout=120, check=True
        ).stdout.strip()
        sysroot = subprocess.run(
            [rustc, "--print", "sysroot"], capture_output=True, text=True, timeout=120, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"rustc at {rustc} does not run: {exc}") from None
    real_rustc = Path(sysroot) / "bin" / "rustc"
    if real_rustc.is_file():
        # Bypass the rustup proxy: it needs $HOME and costs a few ms per call.
        rustc = str(real_rustc)
    python = str(Path(sys.executable).resolve())
    py_version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    return Toolchain(
        rustc=Path(rustc), rustc_version=version, python=Path(python), python_version=py_version
    )
