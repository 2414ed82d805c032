"""`Sandbox`: the one interface for running untrusted commands, isolated by bubblewrap or
degraded without it (see the package docstring for what each gives)."""

from __future__ import annotations

import dataclasses
import math
import os
import random
import tempfile
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from single_shot_eval.sandbox import wrapper
from single_shot_eval.sandbox.batch import (
    BATCH_MARKER,
    BatchEntry,
    batch_limits,
    encode_batch,
    encode_confinement,
    parse_batch,
)
from single_shot_eval.sandbox.host import (
    base_python_executable,
    chown_tree,
    is_within,
    read_only_roots,
    rust_sysroot,
    search_path,
)
from single_shot_eval.sandbox.isolation import Bubblewrap, BubblewrapUnavailable, Degraded
from single_shot_eval.sandbox.limits import (
    DEFAULT_LIMITS,
    SandboxCommand,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)
from single_shot_eval.sandbox.supervise import supervise

# Fresh uids for sandboxed commands when we are root; no account needs to exist for them.
_SANDBOX_UID_BASE = 1_900_000_000
_SANDBOX_UID_COUNT = 1_000_000

_NO_ENV: Mapping[str, str] = MappingProxyType({})

# The program that runs inside the sandbox between bwrap and the command (see its docstring),
# started as `python -I -S -c _WRAPPER_SOURCE ...`: the module `wrapper.py` of this package, run
# from its text (its folder is not visible inside the sandbox when the tool runs from a source
# tree, and its text needs nothing mounted).
_WRAPPER_SOURCE = Path(wrapper.__file__).read_text(encoding="utf-8")
SHIM_SOURCE = _WRAPPER_SOURCE
"""The body of a `python3` shim that starts a confined binary (`wrapper.render_shim`)."""
# Where a confined command may read and write files besides its work directory.
_CONFINED_EXTRA_ROOTS = ("/tmp", "/dev")


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
        self._python_executable = base_python_executable()
        self._rust_sysroot = rust_sysroot(rustc)
        self._read_only_roots = read_only_roots(self._python_executable, self._rust_sysroot)
        self._search_path = search_path(self._python_executable, self._rust_sysroot)
        self._isolation: Bubblewrap | Degraded = Degraded("not probed yet", ())
        self.degraded_reason: str | None = None
        self._landlock_abi = 0 if force_unconfined else wrapper.landlock_abi()
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
            degraded = Degraded.here(reason)
            self._isolation = degraded
            warnings.warn(degraded.warning(is_root=self._is_root), RuntimeWarning, stacklevel=2)

    @property
    def isolated(self) -> bool:
        """Whether commands run inside bubblewrap (False means the degraded fallback)."""
        return isinstance(self._isolation, Bubblewrap)

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
            if command.cwd and not is_within(Path(command.cwd).resolve(), workdir):
                raise ValueError(f"batch command cwd {command.cwd} is not inside {workdir}")
        timeouts_s = [c.timeout_s or limits.wall_timeout_s for c in commands]
        if len(commands) == 1 and not commands[0].cwd:
            return [self._run_alone(commands[0], workdir, limits, read_only_paths)]
        entries: list[BatchEntry] = [
            (list(c.argv), bytes(c.stdin), self._command_env(workdir, dict(c.env)),
             c.cwd, float(timeout_s), c.required, self._confinement(workdir, c.confine))
            for c, timeout_s in zip(commands, timeouts_s, strict=True)
        ]
        # kill(-1) is safe only inside bubblewrap's pid namespace, never on the host.
        spec = encode_batch(entries, limits.output_cap_bytes, sweep=self.isolated)
        payload: list[bytes] = []
        batch = self._run([BATCH_MARKER], workdir, spec, _NO_ENV,
                          batch_limits(limits, timeouts_s), read_only_paths, payload, None)
        results = parse_batch(payload[0] if payload else b"", limits.output_cap_bytes)
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
            if is_within(kept_read_only, workdir):
                raise SandboxError(
                    f"sandbox work directory {workdir} contains {kept_read_only}, which sandboxed "
                    "code must not write: use a dedicated folder"
                )
        command_env = self._command_env(workdir, env)
        confine = encode_confinement(confine_roots)
        isolation = self._isolation
        if isinstance(isolation, Degraded):
            return self._start(list(argv), workdir, stdin, command_env, limits, payload_sink,
                               isolation.argv(), None, confine)
        if not self._is_root:
            return self._start_isolated(isolation, list(argv), workdir, stdin, command_env,
                                        limits, None, extra_roots, payload_sink, confine)
        uid = self._allocate_uid()
        owner = workdir.stat()
        try:
            chown_tree(workdir, uid, uid)
            return self._start_isolated(isolation, list(argv), workdir, stdin, command_env,
                                        limits, uid, extra_roots, payload_sink, confine)
        finally:
            chown_tree(workdir, owner.st_uid, owner.st_gid)
            self._release_uid(uid)

    def _start_isolated(
        self,
        bubblewrap: Bubblewrap,
        argv: list[str],
        workdir: Path,
        stdin: bytes,
        command_env: dict[str, str],
        limits: SandboxLimits,
        uid: int | None,
        extra_roots: Sequence[Path],
        payload_sink: list[bytes] | None,
        confine: str,
    ) -> SandboxResult:
        """Start the wrapper (and `argv`) inside bwrap, which reports its pid-namespace init on
        the info pipe (so a kill takes down every process in the sandbox)."""
        info_read, info_write = os.pipe()
        prefix = bubblewrap.argv(workdir, limits, info_write, extra_roots)
        return self._start(argv, workdir, stdin, command_env, limits, payload_sink, prefix,
                           (info_read, info_write), confine, uid)

    def _start(
        self,
        argv: list[str],
        workdir: Path,
        stdin: bytes,
        command_env: dict[str, str],
        limits: SandboxLimits,
        payload_sink: list[bytes] | None,
        prefix: list[str],
        info_pipe: tuple[int, int] | None,
        confine: str,
        uid: int | None = None,
    ) -> SandboxResult:
        """Start `prefix` + the wrapper + `argv` and supervise it to the end."""
        status_read, status_write = os.pipe()
        command = [*prefix, *self._wrapper_argv(limits, status_write, uid, confine), *argv]
        return supervise(
            command,
            workdir,
            stdin,
            command_env,
            limits,
            status_pipe=(status_read, status_write),
            info_pipe=info_pipe,
            payload_sink=payload_sink,
        )

    # -- isolation setup -------------------------------------------------------------------

    def _try_bubblewrap(self, bwrap_path: str | None) -> str | None:
        """Adopt bwrap if it exists and runs `true` in a sandbox; else say why not."""
        try:
            self._isolation = Bubblewrap.find(
                bwrap_path, self._read_only_roots, is_root=self._is_root
            )
        except BubblewrapUnavailable as unavailable:
            return str(unavailable)
        with tempfile.TemporaryDirectory(prefix="sse-sandbox-probe-") as probe_dir:
            try:
                probe = self.run(
                    ["true"], workdir=Path(probe_dir), limits=SandboxLimits(wall_timeout_s=30)
                )
            except SandboxError as error:
                return f"bwrap cannot start a sandbox here: {error}"
        if probe.exit_code != 0:
            detail = probe.stderr.decode(errors="replace").strip()
            return f"a probe command failed inside bwrap (exit {probe.exit_code}): {detail}"
        return None

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
