"""Run untrusted commands (rustc on generated Rust, the binaries it builds, Python oracles).

Generated Rust is hostile until proven otherwise: rustc itself reads files at compile time
(`include_str!`, `include_bytes!`, `#[path]`), and the built program can do anything its user can.
`Sandbox.run` therefore wraps every such command in bubblewrap (`bwrap`):

* file system: a fresh root holding read-only binds of `/usr` (plus the `/bin`, `/lib*` links),
  a few `/etc` pieces the linker and dynamic loader need, the Rust sysroot and Python's prefix;
  the work directory is the only writable host path, `/tmp` is a private size-limited tmpfs;
  `$HOME`, `/root`, `/work` and everything else are absent;
* namespaces: no network, own pid/ipc/uts namespaces, a new session, killed with its parent;
* identity and limits: when we are root the command runs as a fresh unprivileged uid (so
  RLIMIT_NPROC, which does not bind root, caps processes and threads); when we are not root a new
  user namespace gives the same per-run process cap; rlimits cap CPU, address space, file size;
* lifetime: a wall-clock timeout kills the sandbox's pid-namespace init, which makes the kernel
  kill every process in it before `run` returns, so nothing (daemons included) outlives a run;
* output: stdout and stderr are read concurrently and capped; a program that keeps writing far
  past the cap is killed;
* environment: a short allow-list (PATH, LANG, LC_ALL, HOME=workdir, TMPDIR) plus the caller's.

A small Python program (`sandbox/wrapper.py`, run from its text) sits inside the sandbox between
bwrap and the command: it switches uid, sets the rlimits, restores default signal dispositions,
runs the command and reports its true wait status on a private pipe (bwrap itself folds "killed by
signal N" into exit code 128+N, which would make a segfault indistinguishable from `exit(139)`).

Candidate code runs `confine`d (`SandboxCommand.confine`, `run(confine=True)`): the wrapper puts
it under a Landlock ruleset right before `execve`, so that it can execute its own (statically
linked) binary and nothing else, and read and write files only in the work directory, /tmp and
/dev. rustc and the Python oracle are ours and run unconfined. Without Landlock `exec_confined`
is False and a warning says candidates are not confined.

`Sandbox.run_batch` runs several commands (a candidate's behaviour cases, the Python oracle's) in
ONE sandbox, so its start-up (bwrap, the wrapper's Python) is paid once instead of once per
command: the wrapper then runs each command in its own session with its own pipes, timeout and
output cap, and kills every process but itself after each command (`kill(-1)`, safe only in the
sandbox's own pid namespace, so degraded batches kill the command's session only). A command that
kills the batch itself costs time, not correctness: the commands left without a result run again
one by one. Commands of a batch share the work directory, as consecutive `run` calls do.

Without a usable bwrap the sandbox degrades (one `warnings.warn` says what is lost) to the same
helper with rlimits, a new session and a scrubbed environment, inside `unshare --net --pid` when
that works.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import marshal
import math
import os
import random
import selectors
import shutil
import signal as signal_module
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from single_shot_eval.errors import ToolchainError
from single_shot_eval.sandbox import wrapper as sandbox_wrapper

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

INSTALL_HINT = "apt-get install -y bubblewrap"

# A stream that has produced this many times its cap beyond the cap gets its process killed:
# reading and discarding forever would let a flood run until the wall-clock timeout.
_FLOOD_KILL_FACTOR = 4
# Smallest size of the private /tmp tmpfs, and its size in units of the file-size limit.
_MIN_TMPFS_BYTES = 64 * MIB
_TMPFS_FILE_SIZE_FACTOR = 4
# How long `run` waits for a killed sandbox to be reaped before it kills bwrap itself.
_KILL_GRACE_S = 5.0
# Degraded mode: how long to keep reading output after the command has exited (a daemon that
# escaped the process group could otherwise hold the pipes open until the wall-clock timeout).
_DEGRADED_DRAIN_S = 0.5
_READ_CHUNK_BYTES = 64 * KIB
_WRITE_CHUNK_BYTES = 64 * KIB
# Fresh uids for sandboxed commands when we are root; no account needs to exist for them.
_SANDBOX_UID_BASE = 1_900_000_000
_SANDBOX_UID_COUNT = 1_000_000
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
# Lines in stderr that say an allocation failed (Rust's alloc error handler, Python, LLVM, C++).
_MEMORY_FAILURE_MARKERS = (
    b"memory allocation of ",
    b"MemoryError",
    b"Cannot allocate memory",
    b"out of memory",
    b"std::bad_alloc",
    b"failed to allocate",
)

_NO_ENV: Mapping[str, str] = MappingProxyType({})

# The program that runs inside the sandbox between bwrap and the command (see its docstring),
# started as `python -I -S -c _WRAPPER_SOURCE ...`; it is a module of this package, read as text.
_WRAPPER_SOURCE = Path(sandbox_wrapper.__file__).read_text(encoding="utf-8")
_BATCH_MARKER = sandbox_wrapper.BATCH_MARKER
SHIM_SOURCE = _WRAPPER_SOURCE
"""The body of a `python3` shim that starts a confined binary (`sandbox_wrapper.render_shim`)."""
# Where a confined command may read and write files besides its work directory.
_CONFINED_EXTRA_ROOTS = ("/tmp", "/dev")


class SandboxError(ToolchainError):
    """The sandbox itself could not start a command (not the command's own failure)."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits for one sandboxed command.

    `cpu_s` is per process (RLIMIT_CPU), `memory_bytes` is address space per process (RLIMIT_AS),
    `max_processes` counts processes and threads of the run, `file_size_bytes` caps each file
    written, `wall_timeout_s` bounds the whole run, and `output_cap_bytes` applies to stdout and to
    stderr separately.
    """

    cpu_s: float = 10
    memory_bytes: int = 2 * GIB
    max_processes: int = 64
    file_size_bytes: int = 64 * MIB
    wall_timeout_s: float = 10
    output_cap_bytes: int = 1 * MIB

    def __post_init__(self) -> None:
        for name in (
            "cpu_s",
            "memory_bytes",
            "max_processes",
            "file_size_bytes",
            "wall_timeout_s",
            "output_cap_bytes",
        ):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"SandboxLimits.{name} must be positive, got {value!r}")


DEFAULT_LIMITS = SandboxLimits()
# Batch runs: how long to keep reading a command's pipes after it exited (a daemon it left may
# hold them open), and the slack on top of the commands' summed timeouts for the whole batch.
_BATCH_DRAIN_S = 0.5
_BATCH_SLACK_S = 10.0
_BATCH_HEADER_FIELDS = 9


@dataclass(frozen=True)
class SandboxCommand:
    """One command of a batch: argv, stdin bytes, environment additions and the directory it
    starts in (`cwd`, a folder inside the batch's work directory; empty: the work directory).

    `timeout_s` replaces the batch's wall-clock timeout (and CPU limit) for this command. A
    `required` command that does not exit 0 ends the batch: the commands after it do not run.
    `confine`: the command is untrusted candidate code that may execute nothing but its own
    binary `argv[0]` (a path) and touch files only in the work directory, /tmp and /dev (see
    `Sandbox.exec_confined`).
    """

    argv: tuple[str, ...]
    stdin: bytes = b""
    env: tuple[tuple[str, str], ...] = ()
    cwd: str = ""
    timeout_s: float | None = None
    required: bool = False
    confine: bool = False


@dataclass(frozen=True)
class SandboxResult:
    """What a sandboxed command did.

    `exit_code` is None when the command was killed by a signal (`signal` then says which; a
    timeout or output flood kill reports SIGKILL). `stdout`/`stderr` hold at most
    `output_cap_bytes` each; `output_capped` says bytes were discarded. `memory_exceeded` is a best
    effort guess from the stderr of allocation failures and from unexplained SIGKILLs.
    """

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    duration_s: float
    timed_out: bool
    signal: int | None
    output_capped: bool
    memory_exceeded: bool

    @property
    def succeeded(self) -> bool:
        """True when the command ran to completion and exited 0."""
        return self.exit_code == 0 and not self.timed_out


@dataclass
class _CappedBuffer:
    """Keeps the first `cap_bytes` of a stream and counts what it discards."""

    cap_bytes: int
    data: bytearray = field(default_factory=bytearray)
    discarded_bytes: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.cap_bytes - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.discarded_bytes += max(0, len(chunk) - max(room, 0))

    @property
    def flooding(self) -> bool:
        return self.discarded_bytes > _FLOOD_KILL_FACTOR * self.cap_bytes


@dataclass
class _RunState:
    """Everything one `run` collects while the command is alive."""

    stdout: _CappedBuffer
    stderr: _CappedBuffer
    status_text: bytes = b""
    info_text: bytes = b""
    namespace_init_pidfd: int | None = None
    namespace_init_pid: int | None = None
    timed_out: bool = False
    flood_killed: bool = False
    killed: bool = False


class Sandbox:
    """Runs untrusted commands isolated by bubblewrap, or degraded to rlimits without it.

    Construct once (it probes bwrap, the Rust sysroot and Python's prefix) and call `run` for
    every command. `isolated` tells whether bubblewrap isolation is active, `exec_confined`
    whether candidate commands can be confined to executing themselves. `force_degraded` skips
    bwrap and `force_unconfined` skips the confinement (for tests of the fallback paths).
    """

    def __init__(
        self,
        *,
        force_degraded: bool = False,
        bwrap_path: str | None = None,
        rustc: str = "rustc",
        force_unconfined: bool = False,
    ) -> None:
        self._is_root = os.geteuid() == 0
        self._uid_lock = threading.Lock()
        self._uids_in_use: set[int] = set()
        self._python_executable = _base_python_executable()
        self._rust_sysroot = _rust_sysroot(rustc)
        self._read_only_roots = _read_only_roots(self._python_executable, self._rust_sysroot)
        self._search_path = _search_path(self._python_executable, self._rust_sysroot)
        self._bwrap: str | None = None
        self._bwrap_supports_size = False
        self._bwrap_supports_disable_userns = False
        self._unshare_prefix: list[str] = []
        self.degraded_reason: str | None = None
        self._landlock_abi = 0 if force_unconfined else sandbox_wrapper.landlock_abi()
        self.exec_confinement_missing_reason: str | None = None
        if force_unconfined:
            self.exec_confinement_missing_reason = "disabled by the caller (force_unconfined=True)"
        elif self._landlock_abi < 1:
            self.exec_confinement_missing_reason = (
                "the kernel offers no Landlock (needs Linux 5.13+ with the landlock LSM enabled)"
            )
        if self.exec_confinement_missing_reason is not None:
            warnings.warn(
                "Candidates are NOT confined to executing themselves: "
                f"{self.exec_confinement_missing_reason}. A translation can run the Python "
                "original through python3 or a shell and pass; results are not contained.",
                RuntimeWarning,
                stacklevel=2,
            )

        reason: str | None
        if force_degraded:
            reason = "bubblewrap was disabled by the caller (force_degraded=True)"
        else:
            reason = self._try_bubblewrap(bwrap_path)
        if reason is not None:
            self.degraded_reason = reason
            self._unshare_prefix = _working_unshare_prefix()
            warnings.warn(self._degraded_warning(reason), RuntimeWarning, stacklevel=2)

    @property
    def isolated(self) -> bool:
        """Whether commands run inside bubblewrap (False means the degraded fallback)."""
        return self._bwrap is not None

    @property
    def exec_confined(self) -> bool:
        """Whether confined commands (`confine=True`) run under a Landlock ruleset that lets them
        execute their own binary only; False on kernels without Landlock (then they run
        unconfined, and a warning said so)."""
        return self._landlock_abi >= 1

    @property
    def python_executable(self) -> str:
        """A Python interpreter that exists inside the sandbox (`python3` on its PATH is it too)."""
        return self._python_executable

    @property
    def rust_sysroot(self) -> Path | None:
        """The Rust sysroot made visible in the sandbox, or None when rustc was not found."""
        return self._rust_sysroot

    def run(
        self,
        argv: Sequence[str],
        *,
        workdir: Path,
        stdin: bytes = b"",
        env: Mapping[str, str] = _NO_ENV,
        limits: SandboxLimits = DEFAULT_LIMITS,
        read_only_paths: Sequence[Path] = (),
        confine: bool = False,
    ) -> SandboxResult:
        """Run `argv` in `workdir` (its only writable host directory) under `limits`.

        `argv[0]` is looked up on the sandbox's PATH (Python's bin directory, the Rust sysroot's
        bin, /usr/local/bin, /usr/bin, /bin). `env` is added to the minimal environment.
        `read_only_paths` are extra host trees made visible read-only at the same path (e.g. the
        prebuilt crate libraries rustc links against). Raises `SandboxError` when the sandbox
        itself fails to start, never for the command's failures. With `confine`, `argv[0]` is
        the path of untrusted code that may execute nothing but itself (`SandboxCommand.confine`).
        """
        if not argv:
            raise ValueError("Sandbox.run needs a non-empty argv")
        return self._run(argv, workdir, stdin, env, limits, read_only_paths, None,
                         self._confinement(workdir, confine))

    def run_batch(
        self,
        commands: Sequence[SandboxCommand],
        *,
        workdir: Path,
        limits: SandboxLimits = DEFAULT_LIMITS,
        read_only_paths: Sequence[Path] = (),
    ) -> list[SandboxResult]:
        """Run `commands` one after another in ONE sandbox; one result per command, in order
        (fewer when a `required` command failed: the results end with its own).

        The same isolation as `run`, paid once instead of once per command: each command gets
        its own session, pipes, `limits.wall_timeout_s` and output cap, and its leftover
        processes are killed when it ends (with bubblewrap, daemons that left its session too;
        degraded, those live until the batch ends). Commands share `workdir`, as consecutive
        `run` calls do. If the batch itself dies
        (a command may kill it), the commands without a result are run again one by one.
        """
        if not commands or any(not command.argv for command in commands):
            raise ValueError("Sandbox.run_batch needs commands with non-empty argv")
        workdir = Path(workdir).resolve()
        for command in commands:
            if command.cwd and not _is_within(Path(command.cwd).resolve(), workdir):
                raise ValueError(f"batch command cwd {command.cwd} is not inside {workdir}")
        timeouts_s = [c.timeout_s or limits.wall_timeout_s for c in commands]
        if len(commands) == 1 and not commands[0].cwd:
            return [self._run_alone(commands[0], workdir, limits, read_only_paths)]
        spec = marshal.dumps(
            (
                [
                    (list(c.argv), bytes(c.stdin), self._command_env(workdir, dict(c.env)),
                     c.cwd, float(timeout_s), c.required, self._confinement(workdir, c.confine))
                    for c, timeout_s in zip(commands, timeouts_s, strict=True)
                ],
                int(limits.output_cap_bytes),
                _BATCH_DRAIN_S,
                # kill(-1) is safe only inside bubblewrap's pid namespace, never on the host.
                self._bwrap is not None,
            ),
            4,
        )
        batch_limits = dataclasses.replace(
            limits,
            cpu_s=max(limits.cpu_s, *timeouts_s),
            wall_timeout_s=sum(t + _BATCH_DRAIN_S + 1.0 for t in timeouts_s) + _BATCH_SLACK_S,
            output_cap_bytes=64 * KIB,
        )
        payload: list[bytes] = []
        batch = self._run([_BATCH_MARKER], workdir, spec, _NO_ENV, batch_limits,
                          read_only_paths, payload, None)
        results = _parse_batch(payload[0] if payload else b"", limits.output_cap_bytes)
        for number, (command, result) in enumerate(zip(commands, results, strict=False)):
            if command.required and result.exit_code != 0 and batch.exit_code == 0:
                return results[: number + 1]  # stopped on purpose
        for command in commands[len(results):]:
            # The batch died before these ran (a command may kill it): run them alone.
            results.append(self._run_alone(command, workdir, limits, read_only_paths))
            if command.required and results[-1].exit_code != 0:
                break
        return results[: len(commands)]

    def _run_alone(
        self,
        command: SandboxCommand,
        workdir: Path,
        limits: SandboxLimits,
        read_only_paths: Sequence[Path],
    ) -> SandboxResult:
        """One batch command in a sandbox of its own (same limits and directory as in a batch)."""
        if command.timeout_s is not None:
            limits = dataclasses.replace(
                limits, cpu_s=command.timeout_s, wall_timeout_s=command.timeout_s
            )
        return self._run(command.argv, Path(command.cwd or workdir), command.stdin,
                         dict(command.env), limits, read_only_paths, None,
                         self._confinement(workdir, command.confine))

    def _confinement(self, workdir: Path, confine: bool) -> list[str] | None:
        """The roots a confined command may read and write (None: not confined)."""
        if not confine or not self.exec_confined:
            return None
        return [str(Path(workdir).resolve()), *_CONFINED_EXTRA_ROOTS]

    def _run(
        self,
        argv: Sequence[str],
        workdir: Path,
        stdin: bytes,
        env: Mapping[str, str],
        limits: SandboxLimits,
        read_only_paths: Sequence[Path],
        payload_sink: list[bytes] | None,
        confine_roots: list[str] | None,
    ) -> SandboxResult:
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise SandboxError(f"sandbox work directory {workdir} does not exist or is no folder")
        extra_roots = [Path(path).resolve() for path in read_only_paths]
        for kept_read_only in (Path("/usr"), Path("/etc"), *self._read_only_roots, *extra_roots):
            if _is_within(kept_read_only, workdir):
                raise SandboxError(
                    f"sandbox work directory {workdir} contains {kept_read_only}, which sandboxed "
                    "code must not write: use a dedicated folder"
                )
        command_env = self._command_env(workdir, env)
        confine = _encode_confinement(confine_roots)
        if self._bwrap is None:
            return self._run_degraded(
                list(argv), workdir, stdin, command_env, limits, payload_sink, confine
            )
        if not self._is_root:
            return self._run_isolated(
                list(argv), workdir, stdin, command_env, limits, None, extra_roots, payload_sink,
                confine,
            )
        uid = self._allocate_uid()
        owner = workdir.stat()
        try:
            _chown_tree(workdir, uid, uid)
            return self._run_isolated(
                list(argv), workdir, stdin, command_env, limits, uid, extra_roots, payload_sink,
                confine,
            )
        finally:
            _chown_tree(workdir, owner.st_uid, owner.st_gid)
            self._release_uid(uid)

    # -- isolation setup -------------------------------------------------------------------

    def _try_bubblewrap(self, bwrap_path: str | None) -> str | None:
        """Adopt bwrap if it exists and runs `true` in a sandbox; else say why not."""
        found = bwrap_path or shutil.which("bwrap")
        if found is None:
            return "the bwrap executable was not found on PATH"
        try:
            help_text = subprocess.run(
                [found, "--help"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError) as error:
            return f"{found} --help failed: {error}"
        self._bwrap = found
        self._bwrap_supports_size = "--size" in help_text
        self._bwrap_supports_disable_userns = "--disable-userns" in help_text
        with tempfile.TemporaryDirectory(prefix="sse-sandbox-probe-") as probe_dir:
            try:
                probe = self.run(
                    ["true"], workdir=Path(probe_dir), limits=SandboxLimits(wall_timeout_s=30)
                )
            except SandboxError as error:
                self._bwrap = None
                return f"bwrap cannot start a sandbox here: {error}"
        if probe.exit_code != 0:
            self._bwrap = None
            detail = probe.stderr.decode(errors="replace").strip()
            return f"a probe command failed inside bwrap (exit {probe.exit_code}): {detail}"
        return None

    def _degraded_warning(self, reason: str) -> str:
        lost = [
            "file-system isolation (the command can read and write whatever this user can, "
            "include_str! of any readable file included)"
        ]
        if "--net" not in self._unshare_prefix:
            lost.append("network isolation")
        if "--pid" not in self._unshare_prefix:
            lost.append("that background processes which leave the process group die with the run")
        if self._is_root:
            lost.append("the process-count limit (RLIMIT_NPROC does not bind root)")
        return (
            f"Sandbox is degraded: {reason}. Untrusted code runs with rlimits, a new session and "
            f"a scrubbed environment only; NOT guaranteed: {'; '.join(lost)}. "
            f"Install bubblewrap for full isolation: {INSTALL_HINT}"
        )

    def _bwrap_argv(
        self,
        workdir: Path,
        limits: SandboxLimits,
        info_fd: int,
        extra_roots: Sequence[Path] = (),
    ) -> list[str]:
        """The bwrap options for one run: mounts, namespaces, identity."""
        assert self._bwrap is not None
        args = [self._bwrap]
        created: set[str] = set()
        host_trees: list[Path] = []

        def ensure_parents(destination: Path) -> None:
            # bwrap creates missing parents 0700, which an unprivileged uid cannot traverse.
            for parent in reversed(destination.parents):
                text = str(parent)
                if text == "/" or text in created:
                    continue
                if any(_is_within(parent, tree) for tree in host_trees):
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
        if self._bwrap_supports_size:
            tmpfs_bytes = max(_MIN_TMPFS_BYTES, _TMPFS_FILE_SIZE_FACTOR * limits.file_size_bytes)
            args.extend(["--size", str(tmpfs_bytes)])
        args.extend(["--tmpfs", "/tmp"])
        created.add("/tmp")
        # After /tmp, so that a toolchain living under /tmp stays visible.
        for tree in (*self._read_only_roots, *extra_roots):
            if any(_is_within(tree, known) for known in host_trees):
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
        if self._is_root:
            # Only what bwrap's chdir into the (fresh-uid-owned) workdir and the wrapper's switch to
            # that uid need; switching to the unprivileged uid then clears all of them.
            args.extend(["--cap-drop", "ALL"])
            for capability in ("CAP_SETUID", "CAP_SETGID", "CAP_DAC_READ_SEARCH"):
                args.extend(["--cap-add", capability])
        else:
            args.append("--unshare-user")
            if self._bwrap_supports_disable_userns:
                args.append("--disable-userns")
        args.append("--")
        return args

    def _command_env(self, workdir: Path, extra: Mapping[str, str]) -> dict[str, str]:
        """The allow-listed environment plus the caller's additions; nothing else leaks in."""
        command_env = {
            "PATH": self._search_path,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(workdir),
            "TMPDIR": "/tmp",
        }
        command_env.update(extra)
        return command_env

    def _allocate_uid(self) -> int:
        with self._uid_lock:
            while True:
                uid = _SANDBOX_UID_BASE + random.randrange(_SANDBOX_UID_COUNT)
                if uid not in self._uids_in_use:
                    self._uids_in_use.add(uid)
                    return uid

    def _release_uid(self, uid: int) -> None:
        with self._uid_lock:
            self._uids_in_use.discard(uid)

    # -- running -----------------------------------------------------------------------------

    def _wrapper_argv(
        self, limits: SandboxLimits, status_fd: int, uid: int | None, confine: str
    ) -> list[str]:
        identity = uid if uid is not None else -1
        return [
            self._python_executable,
            "-I",
            "-S",
            "-c",
            _WRAPPER_SOURCE,
            str(status_fd),
            str(identity),
            str(identity),
            str(max(1, math.ceil(limits.cpu_s))),
            str(limits.memory_bytes),
            str(limits.file_size_bytes),
            # The wrapper itself is one of the run's processes.
            str(limits.max_processes + 1),
            confine,
        ]

    def _run_isolated(
        self,
        argv: list[str],
        workdir: Path,
        stdin: bytes,
        command_env: dict[str, str],
        limits: SandboxLimits,
        uid: int | None,
        extra_roots: Sequence[Path] = (),
        payload_sink: list[bytes] | None = None,
        confine: str = sandbox_wrapper.NO_CONFINEMENT,
    ) -> SandboxResult:
        status_read, status_write = os.pipe()
        info_read, info_write = os.pipe()
        command = [
            *self._bwrap_argv(workdir, limits, info_write, extra_roots),
            *self._wrapper_argv(limits, status_write, uid, confine),
            *argv,
        ]
        return self._supervise(
            command,
            workdir,
            stdin,
            command_env,
            limits,
            status_pipe=(status_read, status_write),
            info_pipe=(info_read, info_write),
            payload_sink=payload_sink,
        )

    def _run_degraded(
        self,
        argv: list[str],
        workdir: Path,
        stdin: bytes,
        command_env: dict[str, str],
        limits: SandboxLimits,
        payload_sink: list[bytes] | None = None,
        confine: str = sandbox_wrapper.NO_CONFINEMENT,
    ) -> SandboxResult:
        status_read, status_write = os.pipe()
        command = [
            *self._unshare_prefix,
            *self._wrapper_argv(limits, status_write, None, confine),
            *argv,
        ]
        return self._supervise(
            command,
            workdir,
            stdin,
            command_env,
            limits,
            status_pipe=(status_read, status_write),
            info_pipe=None,
            payload_sink=payload_sink,
        )

    def _supervise(
        self,
        command: list[str],
        workdir: Path,
        stdin: bytes,
        command_env: dict[str, str],
        limits: SandboxLimits,
        *,
        status_pipe: tuple[int, int],
        info_pipe: tuple[int, int] | None,
        payload_sink: list[bytes] | None = None,
    ) -> SandboxResult:
        """Start `command`, feed stdin, collect capped output, enforce the timeout, reap it.

        The status pipe's last line is the wrapper's status; a batch writes its records before
        it, and they go to `payload_sink`."""
        status_read, status_write = status_pipe
        pass_fds = [status_write]
        if info_pipe is not None:
            pass_fds.append(info_pipe[1])
        state = _RunState(
            stdout=_CappedBuffer(limits.output_cap_bytes),
            stderr=_CappedBuffer(limits.output_cap_bytes),
        )
        started_s = time.monotonic()
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=workdir,
                env=command_env,
                pass_fds=pass_fds,
                start_new_session=True,
            )
        except OSError as error:
            for fd in (status_read, status_write, *(info_pipe or ())):
                os.close(fd)
            raise SandboxError(f"cannot start {command[0]}: {error}") from error
        for fd in pass_fds:
            os.close(fd)
        try:
            self._pump(process, state, stdin, limits, started_s, status_read, info_pipe)
        finally:
            if process.poll() is None:
                _kill_process_group(process)
                process.wait()
            for fd in (status_read, info_pipe[0] if info_pipe else None):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            if state.namespace_init_pidfd is not None:
                os.close(state.namespace_init_pidfd)
        duration_s = time.monotonic() - started_s
        payload, newline, last_line = state.status_text.rpartition(b"\n")
        if newline:
            state.status_text = last_line
        if payload_sink is not None:
            payload_sink.append(payload)
        return self._result(process, state, duration_s, isolated=info_pipe is not None)

    def _pump(
        self,
        process: subprocess.Popen[bytes],
        state: _RunState,
        stdin: bytes,
        limits: SandboxLimits,
        started_s: float,
        status_read: int,
        info_pipe: tuple[int, int] | None,
    ) -> None:
        """The event loop of one run: pipes in and out, exit, timeout, flood, kill."""
        assert process.stdin is not None and process.stdout is not None
        assert process.stderr is not None
        selector = selectors.DefaultSelector()
        stdin_fd = process.stdin.fileno()
        stdout_fd = process.stdout.fileno()
        stderr_fd = process.stderr.fileno()
        buffers = {stdout_fd: state.stdout, stderr_fd: state.stderr}
        open_streams = {stdout_fd, stderr_fd}
        for fd in open_streams:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(status_read, selectors.EVENT_READ)
        info_read = info_pipe[0] if info_pipe is not None else None
        if info_read is not None:
            selector.register(info_read, selectors.EVENT_READ)
        pending_stdin = memoryview(stdin)
        if pending_stdin:
            os.set_blocking(stdin_fd, False)
            selector.register(stdin_fd, selectors.EVENT_WRITE)
        else:
            process.stdin.close()
        exit_pidfd = _pidfd_open(process.pid)
        if exit_pidfd is not None:
            selector.register(exit_pidfd, selectors.EVENT_READ)
        deadline_s = started_s + limits.wall_timeout_s
        kill_deadline_s: float | None = None
        drain_deadline_s: float | None = None
        isolated = info_pipe is not None

        def kill(reason_timed_out: bool, reason_flood: bool) -> None:
            nonlocal kill_deadline_s
            state.timed_out |= reason_timed_out
            state.flood_killed |= reason_flood
            if state.killed:
                return
            state.killed = True
            kill_deadline_s = time.monotonic() + _KILL_GRACE_S
            self._kill(process, state)

        try:
            while True:
                exited = process.poll() is not None
                if exited and not open_streams:
                    break
                now_s = time.monotonic()
                if exited and drain_deadline_s is None:
                    if isolated:
                        # bwrap exits only once its pid namespace is empty: EOF is imminent.
                        drain_deadline_s = now_s + _KILL_GRACE_S
                    else:
                        # Whatever is left of the process group goes now; then drain briefly.
                        _kill_process_group(process)
                        drain_deadline_s = now_s + _DEGRADED_DRAIN_S
                if drain_deadline_s is not None and now_s >= drain_deadline_s:
                    break
                if now_s >= deadline_s and not state.killed and not exited:
                    kill(reason_timed_out=True, reason_flood=False)
                if kill_deadline_s is not None and now_s >= kill_deadline_s:
                    # The namespace kill did not finish; take bwrap and its group down directly.
                    _kill_process_group(process)
                    process.wait()
                    break
                wake_s = min(
                    deadline_s if not state.killed else math.inf,
                    kill_deadline_s if kill_deadline_s is not None else math.inf,
                    drain_deadline_s if drain_deadline_s is not None else math.inf,
                )
                timeout_s = max(0.0, wake_s - now_s) if wake_s != math.inf else None
                if exit_pidfd is None:
                    timeout_s = 0.05 if timeout_s is None else min(timeout_s, 0.05)
                for key, _ in selector.select(timeout_s):
                    fd = int(key.fd)
                    if fd == exit_pidfd:
                        selector.unregister(fd)
                    elif fd == stdin_fd:
                        pending_stdin = _feed_stdin(process, selector, pending_stdin)
                    elif fd in buffers:
                        chunk = _read_chunk(fd)
                        if not chunk:
                            selector.unregister(fd)
                            open_streams.discard(fd)
                            continue
                        buffers[fd].add(chunk)
                        if buffers[fd].flooding:
                            kill(reason_timed_out=False, reason_flood=True)
                    elif fd == status_read:
                        chunk = _read_chunk(status_read)
                        state.status_text += chunk
                        if not chunk:
                            selector.unregister(fd)
                    elif fd == info_read:
                        chunk = _read_chunk(info_read)
                        state.info_text += chunk
                        if not chunk:
                            selector.unregister(fd)
                        self._note_namespace_init(state)
                        if state.killed:
                            self._kill(process, state)
        finally:
            selector.close()
            if exit_pidfd is not None:
                os.close(exit_pidfd)
            if process.stdin is not None and not process.stdin.closed:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            # Drain what the status pipe still holds (the wrapper writes it just before exiting).
            with contextlib.suppress(OSError):
                os.set_blocking(status_read, False)
                while chunk := os.read(status_read, _READ_CHUNK_BYTES):
                    state.status_text += chunk

    def _note_namespace_init(self, state: _RunState) -> None:
        """Pick the pid of the sandbox's pid-namespace init out of bwrap's --info-fd JSON."""
        if state.namespace_init_pid is not None:
            return
        try:
            info = json.loads(state.info_text.decode())
        except (UnicodeDecodeError, json.JSONDecodeError):
            return
        pid = info.get("child-pid") if isinstance(info, dict) else None
        if isinstance(pid, int):
            state.namespace_init_pid = pid
            state.namespace_init_pidfd = _pidfd_open(pid)

    def _kill(self, process: subprocess.Popen[bytes], state: _RunState) -> None:
        """Kill the run: its pid namespace when known (the kernel then kills every member before
        the namespace init is reaped), else bwrap's process group (bwrap's --die-with-parent
        takes the namespace down with it)."""
        if state.namespace_init_pidfd is not None:
            with contextlib.suppress(OSError):
                signal_module.pidfd_send_signal(state.namespace_init_pidfd, signal_module.SIGKILL)
                return
        if state.namespace_init_pid is not None and state.namespace_init_pidfd is None:
            with contextlib.suppress(OSError):
                os.kill(state.namespace_init_pid, signal_module.SIGKILL)
                return
        _kill_process_group(process)

    def _result(
        self,
        process: subprocess.Popen[bytes],
        state: _RunState,
        duration_s: float,
        *,
        isolated: bool,
    ) -> SandboxResult:
        exit_code: int | None
        signal_number: int | None
        status = state.status_text.decode(errors="replace").split()
        return_code = process.returncode
        if len(status) == 2 and status[0] == "exit" and status[1].lstrip("-").isdigit():
            exit_code, signal_number = int(status[1]), None
        elif len(status) == 2 and status[0] == "signal" and status[1].isdigit():
            exit_code, signal_number = None, int(status[1])
        elif state.killed:
            exit_code, signal_number = None, int(signal_module.SIGKILL)
        elif isolated and state.namespace_init_pid is None:
            stderr_text = bytes(state.stderr.data).decode(errors="replace").strip()
            raise SandboxError(
                f"bubblewrap could not set up the sandbox (exit {return_code}): {stderr_text}"
            )
        elif return_code is not None and return_code < 0:
            exit_code, signal_number = None, -return_code
        elif return_code is not None and return_code > 128:
            # The wrapper itself died (the command may have killed it): bwrap reports 128+N.
            exit_code, signal_number = None, return_code - 128
        else:
            exit_code, signal_number = return_code, None
        stderr = bytes(state.stderr.data)
        unexplained_kill = signal_number == signal_module.SIGKILL and not state.killed
        memory_exceeded = unexplained_kill or any(
            marker in stderr for marker in _MEMORY_FAILURE_MARKERS
        )
        return SandboxResult(
            exit_code=exit_code,
            stdout=bytes(state.stdout.data),
            stderr=stderr,
            duration_s=duration_s,
            timed_out=state.timed_out,
            signal=signal_number,
            output_capped=state.stdout.discarded_bytes > 0 or state.stderr.discarded_bytes > 0,
            memory_exceeded=memory_exceeded,
        )


# -- helpers -----------------------------------------------------------------------------------


def _encode_confinement(roots: list[str] | None) -> str:
    """The wrapper's CONFINE argument (`sandbox_wrapper.decode_confinement` reads it)."""
    if roots is None:
        return sandbox_wrapper.NO_CONFINEMENT
    return marshal.dumps(roots, 4).hex()


def _parse_batch(payload: bytes, cap_bytes: int) -> list[SandboxResult]:
    """The complete records of a batch's status payload, in order; stops at the first bad one.

    Record: `R exit signal timed_out flood capped duration_us stdout_len stderr_len\n` followed by
    the stdout and stderr bytes (exit is -1 when a signal ended the command)."""
    results: list[SandboxResult] = []
    position = 0
    while payload.startswith(b"R ", position):
        end = payload.find(b"\n", position)
        if end < 0:
            break
        fields = payload[position + 2 : end].split()
        if len(fields) != _BATCH_HEADER_FIELDS - 1 or not all(
            f.lstrip(b"-").isdigit() for f in fields
        ):
            break
        exit_code, signal_number, timed_out, flood, capped, duration_us, out_len, err_len = (
            int(f) for f in fields
        )
        if not (0 <= out_len <= cap_bytes and 0 <= err_len <= cap_bytes):
            break
        body = end + 1
        if body + out_len + err_len > len(payload):
            break
        stdout = payload[body : body + out_len]
        stderr = payload[body + out_len : body + out_len + err_len]
        position = body + out_len + err_len
        signal_value = signal_number if exit_code < 0 else None
        unexplained_kill = signal_value == signal_module.SIGKILL and not (timed_out or flood)
        results.append(
            SandboxResult(
                exit_code=exit_code if exit_code >= 0 else None,
                stdout=stdout,
                stderr=stderr,
                duration_s=duration_us / 1e6,
                timed_out=bool(timed_out),
                signal=signal_value,
                output_capped=bool(capped),
                memory_exceeded=unexplained_kill
                or any(marker in stderr for marker in _MEMORY_FAILURE_MARKERS),
            )
        )
    return results


def _feed_stdin(
    process: subprocess.Popen[bytes], selector: selectors.BaseSelector, pending: memoryview
) -> memoryview:
    """Write what the pipe takes now; close stdin when done or when the reader is gone."""
    assert process.stdin is not None
    fd = process.stdin.fileno()
    try:
        written = os.write(fd, pending[:_WRITE_CHUNK_BYTES])
    except BlockingIOError:
        return pending
    except OSError:  # BrokenPipeError: the command does not read its stdin; that is its right.
        written = len(pending)
    pending = pending[written:]
    if not pending:
        selector.unregister(fd)
        with contextlib.suppress(OSError):
            process.stdin.close()
    return pending


def _read_chunk(fd: int) -> bytes:
    """Read what a readable pipe holds; b"" means end of file (or a broken pipe)."""
    try:
        return os.read(fd, _READ_CHUNK_BYTES)
    except OSError:
        return b""


def _pidfd_open(pid: int) -> int | None:
    """A pidfd for `pid` (readable once it exits), or None where pidfds are unavailable."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def _kill_process_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal_module.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()


def _chown_tree(root: Path, uid: int, gid: int) -> None:
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


def _is_within(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


def _base_python_executable() -> str:
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


def _rust_sysroot(rustc: str) -> Path | None:
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


def _read_only_roots(python_executable: str, rust_sysroot: Path | None) -> list[Path]:
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


def _search_path(python_executable: str, rust_sysroot: Path | None) -> str:
    entries = [str(Path(python_executable).parent)]
    if rust_sysroot is not None:
        entries.append(str(rust_sysroot / "bin"))
    entries.extend(["/usr/local/bin", "/usr/bin", "/bin"])
    return ":".join(dict.fromkeys(entries))


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
