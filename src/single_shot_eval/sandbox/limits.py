"""What a sandboxed command is given (limits; a batch command) and what it did (its result)."""

from __future__ import annotations

from dataclasses import dataclass

from single_shot_eval.errors import ToolchainError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# Lines in stderr that say an allocation failed (Rust's alloc error handler, Python, LLVM, C++).
MEMORY_FAILURE_MARKERS = (
    b"memory allocation of ",
    b"MemoryError",
    b"Cannot allocate memory",
    b"out of memory",
    b"std::bad_alloc",
    b"failed to allocate",
)


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
