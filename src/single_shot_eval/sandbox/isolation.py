"""How the sandbox isolates a command: bubblewrap, or the degraded fallback without it.

Both give the prefix that goes in front of the wrapper's argv (`Sandbox` adds the wrapper and the
command): `Bubblewrap.argv` builds a fresh root of read-only host trees, a private /tmp, the work
directory as the only writable host path and new namespaces; `Degraded` is `unshare --net --pid`
when that works here, else nothing (rlimits, a new session and a scrubbed environment remain).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from single_shot_eval.sandbox.host import is_within
from single_shot_eval.sandbox.limits import MIB, SandboxLimits

INSTALL_HINT = "apt-get install -y bubblewrap"

# Smallest size of the private /tmp tmpfs, and its size in units of the file-size limit.
_MIN_TMPFS_BYTES = 64 * MIB
_TMPFS_FILE_SIZE_FACTOR = 4
# Host /etc entries the toolchain needs: `cc` is an alternatives link, ld.so wants its cache.
_ETC_ENTRIES = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
)
# Top-level host entries that are links into /usr on merged-/usr systems, or real directories.
_TOP_LEVEL_SYSTEM_ENTRIES = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class BubblewrapUnavailable(Exception):
    """bwrap is missing or unusable here; the message says why."""


@dataclass(frozen=True)
class Bubblewrap:
    """Full isolation by bubblewrap: `argv` mounts `read_only_roots` (Python's prefix, the Rust
    sysroot) beside /usr, and, when we are root, keeps only the capabilities needed to switch to
    a fresh uid (else a new user namespace)."""

    executable: str
    read_only_roots: tuple[Path, ...]
    is_root: bool
    supports_size: bool
    supports_disable_userns: bool

    @classmethod
    def find(
        cls, bwrap_path: str | None, read_only_roots: Sequence[Path], *, is_root: bool
    ) -> Bubblewrap:
        """The bwrap at `bwrap_path` (else on PATH) and the options it supports; raises
        `BubblewrapUnavailable` when there is none that runs (`Sandbox` then probes it)."""
        found = bwrap_path or shutil.which("bwrap")
        if found is None:
            raise BubblewrapUnavailable("the bwrap executable was not found on PATH")
        try:
            help_text = subprocess.run(
                [found, "--help"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError) as error:
            raise BubblewrapUnavailable(f"{found} --help failed: {error}") from error
        return cls(
            executable=found,
            read_only_roots=tuple(read_only_roots),
            is_root=is_root,
            supports_size="--size" in help_text,
            supports_disable_userns="--disable-userns" in help_text,
        )

    def argv(
        self,
        workdir: Path,
        limits: SandboxLimits,
        info_fd: int,
        extra_roots: Sequence[Path] = (),
    ) -> list[str]:
        """The bwrap options for one run: mounts, namespaces, identity."""
        args = [self.executable]
        created: set[str] = set()
        host_trees: list[Path] = []

        def ensure_parents(destination: Path) -> None:
            # bwrap creates missing parents 0700, which an unprivileged uid cannot traverse.
            for parent in reversed(destination.parents):
                text = str(parent)
                if text == "/" or text in created:
                    continue
                if any(is_within(parent, tree) for tree in host_trees):
                    continue
                args.extend(["--perms", "0755", "--dir", text])
                created.add(text)

        for name in _TOP_LEVEL_SYSTEM_ENTRIES:
            host = Path("/") / name
            if host.is_symlink():
                args.extend(["--symlink", os.readlink(host), str(host)])
            elif host.is_dir():
                args.extend(["--ro-bind", str(host), str(host)])
                host_trees.append(host)
        args.extend(["--ro-bind", "/usr", "/usr"])
        host_trees.append(Path("/usr"))
        args.extend(["--perms", "0755", "--dir", "/etc"])
        created.add("/etc")
        for name in _ETC_ENTRIES:
            host = Path("/etc") / name
            if host.exists():
                args.extend(["--ro-bind", str(host), str(host)])
        args.extend(["--proc", "/proc", "--dev", "/dev"])
        args.extend(["--perms", "1777"])
        if self.supports_size:
            tmpfs_bytes = max(_MIN_TMPFS_BYTES, _TMPFS_FILE_SIZE_FACTOR * limits.file_size_bytes)
            args.extend(["--size", str(tmpfs_bytes)])
        args.extend(["--tmpfs", "/tmp"])
        created.add("/tmp")
        # After /tmp, so that a toolchain living under /tmp stays visible.
        for tree in (*self.read_only_roots, *extra_roots):
            if any(is_within(tree, known) for known in host_trees):
                continue
            ensure_parents(tree)
            args.extend(["--ro-bind", str(tree), str(tree)])
            host_trees.append(tree)
        ensure_parents(workdir)
        args.extend(["--bind", str(workdir), str(workdir), "--chdir", str(workdir)])
        args.extend(
            [
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--hostname",
                "sandbox",
                "--die-with-parent",
                "--new-session",
                "--info-fd",
                str(info_fd),
            ]
        )
        if self.is_root:
            # Only what bwrap's chdir into the (fresh-uid-owned) workdir and the wrapper's switch to
            # that uid need; switching to the unprivileged uid then clears all of them.
            args.extend(["--cap-drop", "ALL"])
            for capability in ("CAP_SETUID", "CAP_SETGID", "CAP_DAC_READ_SEARCH"):
                args.extend(["--cap-add", capability])
        else:
            args.append("--unshare-user")
            if self.supports_disable_userns:
                args.append("--disable-userns")
        args.append("--")
        return args


@dataclass(frozen=True)
class Degraded:
    """No usable bubblewrap (`reason` says why): commands run behind `unshare_prefix` only."""

    reason: str
    unshare_prefix: tuple[str, ...]

    @classmethod
    def here(cls, reason: str) -> Degraded:
        """The fallback for this machine: with `unshare` when it works."""
        return cls(reason, tuple(_working_unshare_prefix()))

    def argv(self) -> list[str]:
        """The prefix of every command: `unshare` with what works here, or nothing."""
        return list(self.unshare_prefix)

    def warning(self, *, is_root: bool) -> str:
        """What is lost, for the one warning the sandbox gives."""
        lost = [
            "file-system isolation (the command can read and write whatever this user can, "
            "include_str! of any readable file included)"
        ]
        if "--net" not in self.unshare_prefix:
            lost.append("network isolation")
        if "--pid" not in self.unshare_prefix:
            lost.append("that background processes which leave the process group die with the run")
        if is_root:
            lost.append("the process-count limit (RLIMIT_NPROC does not bind root)")
        return (
            f"Sandbox is degraded: {self.reason}. Untrusted code runs with rlimits, a new session "
            f"and a scrubbed environment only; NOT guaranteed: {'; '.join(lost)}. "
            f"Install bubblewrap for full isolation: {INSTALL_HINT}"
        )


def _working_unshare_prefix() -> list[str]:
    """`unshare --net --pid --fork --kill-child` (or just `--net`) if it works here, else []."""
    found = shutil.which("unshare")
    if found is None:
        return []
    for options in (["--net", "--pid", "--fork", "--kill-child"], ["--net"]):
        try:
            completed = subprocess.run(
                [found, *options, "true"], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if completed.returncode == 0:
            return [found, *options]
    return []
