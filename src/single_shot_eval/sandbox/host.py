"""What the sandbox needs from the host: the real Python interpreter (venvs live outside the
sandbox), the Rust sysroot, the read-only trees they live in, the search path, and handing a
work directory to a fresh uid and back."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from single_shot_eval.errors import ToolchainError


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give `root` and everything below it (links themselves, never their targets) to uid:gid.

    Set-user/group-id bits are cleared on regular files, so nothing a sandboxed uid left behind
    can run with another identity once it belongs to the caller again.
    """
    entries = [str(root)]
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        entries.extend(os.path.join(directory, name) for name in (*subdirectories, *files))
    for entry in entries:
        try:
            info = os.lstat(entry)
            if info.st_uid != uid or info.st_gid != gid:
                os.lchown(entry, uid, gid)
            if stat.S_ISREG(info.st_mode) and info.st_mode & (stat.S_ISUID | stat.S_ISGID):
                os.chmod(entry, stat.S_IMODE(info.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))
        except FileNotFoundError:
            continue


def is_within(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


def base_python_executable() -> str:
    """The real interpreter behind this (possibly venv) Python: venvs live outside the sandbox."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [
        Path(sys.base_exec_prefix) / "bin" / version,
        Path(sys.base_exec_prefix) / "bin" / "python3",
        Path(getattr(sys, "_base_executable", sys.executable)),
        Path(sys.executable),
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate.resolve())
    raise ToolchainError(f"cannot find the base Python interpreter under {sys.base_exec_prefix}")


def rust_sysroot(rustc: str) -> Path | None:
    """`rustc --print sysroot`, resolved; None when rustc is missing or broken."""
    try:
        completed = subprocess.run(
            [rustc, "--print", "sysroot"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sysroot = Path(completed.stdout.strip()) if completed.returncode == 0 else None
    if sysroot is None or not sysroot.is_dir():
        return None
    return sysroot.resolve()


def read_only_roots(python_executable: str, rust_sysroot: Path | None) -> list[Path]:
    """Host trees outside /usr that the sandbox needs read-only: Python's prefix, the sysroot."""
    roots = [
        Path(sys.base_prefix).resolve(),
        Path(sys.base_exec_prefix).resolve(),
        Path(python_executable).parent.parent,
        # The tool's own environment (a venv): its packages (pytest) run an example's suite.
        Path(sys.prefix).resolve(),
    ]
    if rust_sysroot is not None:
        roots.append(rust_sysroot)
    unique: list[Path] = []
    for root in roots:
        if root == Path("/") or root in unique:
            continue
        unique.append(root)
    return unique


def search_path(python_executable: str, rust_sysroot: Path | None) -> str:
    entries = [str(Path(python_executable).parent)]
    if rust_sysroot is not None:
        entries.append(str(rust_sysroot / "bin"))
    entries.extend(["/usr/local/bin", "/usr/bin", "/bin"])
    return ":".join(dict.fromkeys(entries))

