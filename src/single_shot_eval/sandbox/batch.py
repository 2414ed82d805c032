"""The batch protocol between `Sandbox.run_batch` and the wrapper inside the sandbox: the
commands go marshalled on the wrapper's stdin, one record per command comes back on its status
pipe (see `wrapper.run_batch`)."""

from __future__ import annotations

import dataclasses
import marshal
import signal as signal_module
from collections.abc import Sequence

from single_shot_eval.sandbox import wrapper
from single_shot_eval.sandbox.limits import (
    KIB,
    MEMORY_FAILURE_MARKERS,
    SandboxLimits,
    SandboxResult,
)

BATCH_MARKER = wrapper.BATCH_MARKER
"""The wrapper's argv for a batch (in place of a command)."""
# Batch runs: how long to keep reading a command's pipes after it exited (a daemon it left may
# hold them open), and the slack on top of the commands' summed timeouts for the whole batch.
_BATCH_DRAIN_S = 0.5
_BATCH_SLACK_S = 10.0
_BATCH_HEADER_FIELDS = 9

BatchEntry = tuple[list[str], bytes, dict[str, str], str, float, bool, list[str] | None]
"""One command as the wrapper reads it: argv, stdin, environment, cwd, timeout, required, roots."""


def encode_batch(entries: Sequence[BatchEntry], cap_bytes: int, *, sweep: bool) -> bytes:
    """The wrapper's stdin for a batch; `sweep`: kill every other process after each command
    (`kill(-1)`, safe only inside bubblewrap's pid namespace, never on the host)."""
    return marshal.dumps((list(entries), int(cap_bytes), _BATCH_DRAIN_S, sweep), 4)


def batch_limits(limits: SandboxLimits, timeouts_s: Sequence[float]) -> SandboxLimits:
    """The limits of the batch's one sandbox: room for every command's timeout and drain."""
    return dataclasses.replace(
        limits,
        cpu_s=max(limits.cpu_s, *timeouts_s),
        wall_timeout_s=sum(t + _BATCH_DRAIN_S + 1.0 for t in timeouts_s) + _BATCH_SLACK_S,
        output_cap_bytes=64 * KIB,
    )


def encode_confinement(roots: list[str] | None) -> str:
    """The wrapper's CONFINE argument (`wrapper.decode_confinement` reads it)."""
    if roots is None:
        return wrapper.NO_CONFINEMENT
    return marshal.dumps(roots, 4).hex()


def parse_batch(payload: bytes, cap_bytes: int) -> list[SandboxResult]:
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
                or any(marker in stderr for marker in MEMORY_FAILURE_MARKERS),
            )
        )
    return results
