"""The program that runs INSIDE the sandbox between bubblewrap and the command (no package imports).

`runner.py` reads this file's text and starts it as `python -I -S -c SOURCE STATUS_FD UID GID
CPU_S AS_BYTES FSIZE_BYTES NPROC CONFINE ARGV...`. It is kept to builtin modules (it starts in
about 12 ms); ctypes is imported only when a command must be confined. It switches uid, sets the
rlimits, restores default signal dispositions, runs the command and reports its true wait status
on a private pipe (bwrap folds "killed by signal N" into exit code 128+N, which would make a
segfault indistinguishable from `exit(139)`).

With ARGV = [BATCH_MARKER] it runs a batch (see `Sandbox.run_batch`): the commands come marshalled
on stdin, each runs in its own session with its own pipes, wall-clock timeout and output cap, and
one record per command goes to the status pipe before the final status line.

Exec confinement (`confine_exec`): a command marked as untrusted candidate code is started under a
Landlock ruleset, applied in the forked child right before `execve`, that

* grants LANDLOCK_ACCESS_FS_EXECUTE on exactly one inode, the command's own binary (argv[0]): no
  interpreter, shell, `env`, dynamic loader or copied file can be executed, `/proc/self/exe` only
  re-executes the same binary under the same ruleset (a domain is inherited and can only shrink);
* grants reading and writing files only beneath the given roots (the work directory, /tmp, /dev):
  the interpreters under /usr or a Python prefix can neither be copied nor mapped by a loader
  written in the candidate, and files the harness keeps elsewhere cannot be touched;
* from ABI 6 on, cannot signal (kill) or reach by abstract unix socket any process outside the
  ruleset: not the wrapper, not the pytest process that started it;
* sets no_new_privs (required by Landlock, and no set-uid binary regains anything).

A ruleset needs the candidate to be statically linked (the dynamic loader would need EXECUTE).
When the ruleset cannot be applied the command is not run (exit 126): confinement fails closed.

The same file is the body of the pytest stage's `python3` shim: `render_shim` prepends a shebang
and a `SHIM_CONFIG` line; run as a script it counts the invocation and confines the binary.
"""

from __future__ import annotations

import _signal
import os
import resource
import sys

TYPE_CHECKING = False  # `typing` costs ~10 ms of start-up; mypy reads this block anyway
if TYPE_CHECKING:
    from typing import Any

    # (script name, binary, invocation count file, roots or None: unconfined, real python)
    ShimConfig = tuple[str, str, str, tuple[str, ...] | None, str]

BATCH_MARKER = "--single-shot-eval-batch--"
NO_CONFINEMENT = "-"

# Landlock (include/uapi/linux/landlock.h); the syscall numbers are the same on every architecture.
_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_ACCESS_EXECUTE = 1 << 0
_ACCESS_WRITE_FILE = 1 << 1
_ACCESS_READ_FILE = 1 << 2
_ACCESS_REMOVE_DIR = 1 << 4
_ACCESS_REMOVE_FILE = 1 << 5
_ACCESS_MAKE_ALL = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_ACCESS_REFER = 1 << 13  # ABI 2
_ACCESS_TRUNCATE = 1 << 14  # ABI 3
# ABI 6: no signals to, and no abstract unix sockets of, processes outside the domain.
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1

_libc: Any = None


def _load_libc() -> Any:
    """ctypes' handle on libc, imported on first use (it costs ~2 ms of start-up)."""
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    return _libc


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or disabled."""
    try:
        libc = _load_libc()
    except OSError:
        return 0
    version = int(libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0,
                               _LANDLOCK_CREATE_RULESET_VERSION))
    return max(version, 0)


def _write_rights(abi: int) -> int:
    rights = _ACCESS_WRITE_FILE | _ACCESS_REMOVE_DIR | _ACCESS_REMOVE_FILE | _ACCESS_MAKE_ALL
    if abi >= 2:
        rights |= _ACCESS_REFER
    if abi >= 3:
        rights |= _ACCESS_TRUNCATE
    return rights


def confine_exec(binary: str, roots: list[str] | tuple[str, ...]) -> None:
    """Restrict this process (and all it will start) to executing `binary` only, and to reading
    and writing files beneath `roots`. Raises OSError when that cannot be done."""
    import ctypes
    import struct

    libc = _load_libc()
    abi = landlock_abi()
    if abi < 1:
        raise OSError(38, "Landlock is not available in this kernel")
    write = _write_rights(abi)
    handled = _ACCESS_EXECUTE | _ACCESS_READ_FILE | write
    if abi >= 6:
        # handled_access_fs, handled_access_net (none: bubblewrap has no network anyway), scoped
        packed = struct.pack("=QQQ", handled, 0, _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL)
    else:
        packed = struct.pack("=Q", handled)
    attr = ctypes.create_string_buffer(packed, len(packed))
    ruleset = int(libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, attr, len(packed), 0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        file_rights = _ACCESS_READ_FILE | _ACCESS_WRITE_FILE | (write & _ACCESS_TRUNCATE)
        rules = [(binary, _ACCESS_EXECUTE | _ACCESS_READ_FILE)]
        rules += [(root, _ACCESS_READ_FILE | write) for root in roots]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                if path == binary:
                    raise
                continue
            try:
                if path != binary and not os.path.isdir(path):
                    rights &= file_rights
                rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
                if libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH,
                                rule, 0) != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def decode_confinement(text: str) -> tuple[str, ...] | None:
    """The wrapper's CONFINE argument: `-` (none) or the roots, marshalled and hex-encoded."""
    if text == NO_CONFINEMENT:
        return None
    import marshal

    roots = marshal.loads(bytes.fromhex(text))
    return tuple(str(root) for root in roots)


def run_command(argv: list[str], confine: tuple[str, ...] | None = None) -> None:
    """exec `argv` (searching PATH like execvp), confined to itself when `confine` holds roots;
    never returns."""
    # os.execvp would import warnings and signal would import enum: ~5 ms we need not spend.
    for number in (_signal.SIGPIPE, _signal.SIGXFSZ):
        _signal.signal(number, _signal.SIG_DFL)
    name = argv[0]
    if confine is not None:
        try:
            if "/" not in name:
                raise OSError(22, "a confined command must be given by path")
            confine_exec(os.path.abspath(name), confine)
        except OSError as error:
            os.write(2, ("sandbox: cannot confine %r: %s\n" % (name, error)).encode())
            os._exit(126)
    directories = [""] if "/" in name else os.environ.get("PATH", "/usr/bin:/bin").split(":")
    failure: OSError = FileNotFoundError(2, "No such file or directory")
    for directory in directories:
        try:
            os.execv(os.path.join(directory, name) if directory else name, argv)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            failure = error
    os.write(2, ("sandbox: cannot execute %r: %s\n" % (name, failure.strerror)).encode())
    os._exit(126 if isinstance(failure, PermissionError) else 127)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def kill_group(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, _signal.SIGKILL)
        except OSError:
            pass


def run_one(
    argv: list[str],
    stdin: bytes,
    env: dict[str, str],
    cwd: str,
    timeout_s: float,
    cap: int,
    drain_s: float,
    sweep: bool,
    confine: tuple[str, ...] | None,
) -> bytes:
    """Run one batch command; its record: header line, then its stdout and stderr bytes."""
    import select
    import time

    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.dup2(in_r, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.environ.clear()
        os.environ.update(env)
        cpu_s = max(1, int(-(-timeout_s // 1)))
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        except (ValueError, OSError):
            pass  # above the batch's hard limit: the batch's limit applies
        if cwd:
            try:
                os.chdir(cwd)
            except OSError as error:
                os.write(2, ("sandbox: cannot enter %r: %s\n" % (cwd, error.strerror)).encode())
                os._exit(127)
        run_command(argv, confine)
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    try:
        pidfd: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    poller = select.poll()
    buffers = {out_r: bytearray(), err_r: bytearray()}
    dropped = {out_r: 0, err_r: 0}
    for fd in buffers:
        poller.register(fd, select.POLLIN)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    pending = memoryview(stdin)
    if pending:
        os.set_blocking(in_w, False)
        poller.register(in_w, select.POLLOUT)
    else:
        os.close(in_w)
        in_w = -1
    open_streams = set(buffers)
    status: int | None = None
    timed_out = flood = False
    deadline = started + timeout_s
    drain_deadline: float | None = None
    while True:
        if status is None:
            done, wait_status = os.waitpid(pid, os.WNOHANG)
            if done:
                status = wait_status
        now = time.monotonic()
        if status is not None:
            if drain_deadline is None:
                drain_deadline = now + drain_s
                if pidfd is not None:
                    poller.unregister(pidfd)
            if not open_streams or now >= drain_deadline:
                break
        elif now >= deadline or flood:
            timed_out = not flood
            kill_group(pid)
            status = os.waitpid(pid, 0)[1]
            continue
        wake = drain_deadline if drain_deadline is not None else deadline
        wait_ms = max(0.0, wake - now) * 1000
        if status is None and pidfd is None:
            wait_ms = min(wait_ms, 10)
        for fd, _ in poller.poll(wait_ms):
            if fd == pidfd:
                continue
            if fd == in_w:
                try:
                    written = os.write(in_w, pending[:65536])
                except BlockingIOError:
                    continue
                except OSError:
                    written = len(pending)
                pending = pending[written:]
                if not pending:
                    poller.unregister(in_w)
                    os.close(in_w)
                    in_w = -1
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                poller.unregister(fd)
                open_streams.discard(fd)
                continue
            room = cap - len(buffers[fd])
            if room > 0:
                buffers[fd] += chunk[:room]
            dropped[fd] += max(0, len(chunk) - max(room, 0))
            if dropped[fd] > 4 * cap and status is None:
                flood = True
    duration_us = int((time.monotonic() - started) * 1e6)
    kill_group(pid)  # whatever is left of the command's session
    if sweep:
        # In our own pid namespace: every other process but init is a leftover of this command
        # (daemons that left its session included); none may live on into the next command.
        try:
            os.kill(-1, _signal.SIGKILL)
        except OSError:
            pass
    for leftover in (out_r, err_r, in_w, pidfd):
        if leftover is not None and leftover >= 0:
            try:
                os.close(leftover)
            except OSError:
                pass
    assert status is not None
    if os.WIFSIGNALED(status):
        exit_code, signal_number = -1, os.WTERMSIG(status)
    else:
        exit_code, signal_number = os.waitstatus_to_exitcode(status), 0
    capped = int(dropped[out_r] > 0 or dropped[err_r] > 0)
    header = b"R %d %d %d %d %d %d %d %d\n" % (
        exit_code, signal_number, int(timed_out), int(flood), capped, duration_us,
        len(buffers[out_r]), len(buffers[err_r]),
    )
    return header + bytes(buffers[out_r]) + bytes(buffers[err_r])


def run_batch(status_fd: int) -> None:
    import marshal

    data = bytearray()
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        data += chunk
    commands, cap, drain_s, sweep = marshal.loads(bytes(data))
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    if any(command[6] is not None for command in commands):
        _load_libc()  # once here, not in every forked child
    for argv, stdin, env, cwd, timeout_s, required, confine in commands:
        record = run_one(argv, stdin, env, cwd, timeout_s, cap, drain_s, sweep,
                         tuple(confine) if confine is not None else None)
        write_all(status_fd, record)
        if required and not record.startswith(b"R 0 "):
            break
    write_all(status_fd, b"\nexit 0")
    os._exit(0)


def main() -> None:
    status_fd, uid, gid, cpu_s, as_bytes, fsize_bytes, nproc = map(int, sys.argv[1:8])
    confine = decode_confinement(sys.argv[8])
    os.set_inheritable(status_fd, False)
    limits = (
        (resource.RLIMIT_CPU, cpu_s, cpu_s + 1),
        (resource.RLIMIT_AS, as_bytes, as_bytes),
        (resource.RLIMIT_FSIZE, fsize_bytes, fsize_bytes),
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_CORE, 0, 0),
    )
    for which, soft, hard in limits:
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            _, current_hard = resource.getrlimit(which)
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), current_hard
            resource.setrlimit(which, (soft, hard))
    if uid >= 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    if sys.argv[9:] == [BATCH_MARKER]:
        run_batch(status_fd)
    pid = os.fork()
    if pid == 0:
        run_command(sys.argv[9:], confine)
    _, wait_status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        os.write(status_fd, b"signal %d" % number)
        os._exit(128 + number)
    code = os.waitstatus_to_exitcode(wait_status)
    os.write(status_fd, b"exit %d" % code)
    os._exit(code)


def run_shim(config: ShimConfig) -> None:
    """The pytest stage's `python3`: `python3 <…script> ARGS` runs the confined binary with ARGS
    (after appending one byte to the invocation count file, which the binary cannot reach);
    anything else runs the real Python (the suite's own helpers)."""
    script_name, binary, count_file, roots, real_python = config
    if len(sys.argv) > 1 and sys.argv[1].endswith(script_name):
        fd = os.open(count_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            write_all(fd, b"1")
        finally:
            os.close(fd)
        run_command([binary, *sys.argv[2:]], roots)
    os.execv(real_python, [real_python, *sys.argv[1:]])


_ENTRY = '\nif __name__ == "__main__":\n'


def render_shim(source: str, python: str, config: ShimConfig) -> str:
    """The text of a shim script: this file's `source` run by `python`, with
    `SHIM_CONFIG = config` defined just before its entry point."""
    if source.count(_ENTRY) != 1:
        raise ValueError("the wrapper source has no single entry point")
    return f"#!{python} -IS\n" + source.replace(_ENTRY, f"\nSHIM_CONFIG = {config!r}\n{_ENTRY}")


if __name__ == "__main__":
    shim_config = globals().get("SHIM_CONFIG")
    if shim_config is not None:
        run_shim(shim_config)
    else:
        main()
