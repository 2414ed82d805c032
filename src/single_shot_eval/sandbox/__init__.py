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

A small Python program (`wrapper.py`, run from its text) sits inside the sandbox between
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

The package: `runner.Sandbox` (the one interface), `isolation` (bubblewrap argv and mounts, or
the degraded fallback), `supervise` (one start: pipes, timeout, kill, status), `batch` (the batch
protocol), `host` (interpreter, sysroot, read-only trees), `limits` (limits, commands, results)
and `wrapper` (the in-sandbox program). Nothing here imports from `verify`, `corpus`, `run` or
`report`: the sandbox sits below the verifier.
"""

from single_shot_eval.sandbox.isolation import INSTALL_HINT
from single_shot_eval.sandbox.limits import (
    DEFAULT_LIMITS,
    GIB,
    KIB,
    MIB,
    SandboxCommand,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)
from single_shot_eval.sandbox.runner import SHIM_SOURCE, Sandbox
from single_shot_eval.sandbox.wrapper import render_shim

__all__ = [
    "DEFAULT_LIMITS",
    "GIB",
    "INSTALL_HINT",
    "KIB",
    "MIB",
    "SHIM_SOURCE",
    "Sandbox",
    "SandboxCommand",
    "SandboxError",
    "SandboxLimits",
    "SandboxResult",
    "render_shim",
]
