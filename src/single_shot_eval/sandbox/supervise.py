"""Process supervision of one sandbox start: feed its stdin, read its capped stdout and stderr
concurrently, enforce the wall-clock timeout, kill it (the whole pid namespace when bubblewrap
runs it), reap it, and turn the wrapper's status line into a `SandboxResult`."""

from __future__ import annotations

import contextlib
import json
import math
import os
import selectors
import signal as signal_module
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from single_shot_eval.sandbox.limits import (
    KIB,
    MEMORY_FAILURE_MARKERS,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)

# A stream that has produced this many times its cap beyond the cap gets its process killed:
# reading and discarding forever would let a flood run until the wall-clock timeout.
_FLOOD_KILL_FACTOR = 4
# How long `run` waits for a killed sandbox to be reaped before it kills bwrap itself.
_KILL_GRACE_S = 5.0
# Degraded mode: how long to keep reading output after the command has exited (a daemon that
# escaped the process group could otherwise hold the pipes open until the wall-clock timeout).
_DEGRADED_DRAIN_S = 0.5
_READ_CHUNK_BYTES = 64 * KIB
_WRITE_CHUNK_BYTES = 64 * KIB


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



def supervise(
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
        _pump(process, state, stdin, limits, started_s, status_read, info_pipe)
    finally:
        if process.poll() is None:
            kill_process_group(process)
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
    return _result(process, state, duration_s, isolated=info_pipe is not None)


def _pump(
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
        _kill(process, state)

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
                    kill_process_group(process)
                    drain_deadline_s = now_s + _DEGRADED_DRAIN_S
            if drain_deadline_s is not None and now_s >= drain_deadline_s:
                break
            if now_s >= deadline_s and not state.killed and not exited:
                kill(reason_timed_out=True, reason_flood=False)
            if kill_deadline_s is not None and now_s >= kill_deadline_s:
                # The namespace kill did not finish; take bwrap and its group down directly.
                kill_process_group(process)
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
                    _note_namespace_init(state)
                    if state.killed:
                        _kill(process, state)
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


def _note_namespace_init(state: _RunState) -> None:
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


def _kill(process: subprocess.Popen[bytes], state: _RunState) -> None:
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
    kill_process_group(process)


def _result(
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
        marker in stderr for marker in MEMORY_FAILURE_MARKERS
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


def kill_process_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal_module.SIGKILL)
    with contextlib.suppress(OSError):
        process.kill()

