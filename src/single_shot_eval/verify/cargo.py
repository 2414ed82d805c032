"""Running cargo for the crate set (`crates`): the cargo beside our rustc, an environment that
cannot change the build, one invocation with a timeout, its first error, a lock across processes,
and permissions the sandboxed rustc (another uid) can read."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from single_shot_eval.verify.toolchain import Toolchain

# Host environment variables that would change how (or where) cargo builds the set.
_CARGO_ENV_DROPPED = (
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_INCREMENTAL",
)


class CrateSetError(Exception):
    """Building the crate set from one source failed; the message says why."""


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive `flock` on `path`: one builder per crate set across processes."""
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def find_cargo(toolchain: Toolchain) -> str:
    """The cargo next to the verifier's rustc (the same release), else cargo on PATH."""
    beside = toolchain.rustc.parent / "cargo"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("cargo")
    if found is None:
        raise CrateSetError("cargo not found (it builds the crate set once): install Rust's cargo")
    return found


def cargo_env(toolchain: Toolchain) -> dict[str, str]:
    """The caller's environment, minus what would change the build, with our rustc."""
    env = {k: v for k, v in os.environ.items() if k not in _CARGO_ENV_DROPPED}
    env["RUSTC"] = str(toolchain.rustc)
    env["CARGO_TERM_COLOR"] = "never"
    # Newest versions whose rust-version the toolchain meets (cargo >= 1.84; ignored before).
    env["CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS"] = "fallback"
    return env


def run_cargo(
    cargo: str, args: list[str], project: Path, env: dict[str, str], timeout_s: float
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [cargo, *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CrateSetError(f"cargo {args[0]} took longer than {timeout_s:g} s") from None
    except OSError as error:
        raise CrateSetError(f"cannot run {cargo}: {error}") from None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def cargo_error(result: subprocess.CompletedProcess[str]) -> str:
    """The first compiler error in cargo's JSON output, else cargo's last stderr line."""
    for line in result.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        inner = message.get("message") if isinstance(message, dict) else None
        if isinstance(inner, dict) and inner.get("level") == "error":
            return str(inner.get("message", ""))[:300]
    return last_line(result.stderr)


def make_world_readable(tree: Path) -> None:
    """Sandboxed rustc runs as another uid: it must read every library and traverse folders."""
    for directory, _, files in os.walk(tree):
        os.chmod(directory, 0o755)
        for name in files:
            mode = 0o755 if name.endswith((".so", ".dylib")) else 0o644
            os.chmod(os.path.join(directory, name), mode)
