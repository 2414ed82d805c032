"""The sandbox against real hostile programs: Rust compiled by rustc and run, all inside it.

Every hostile test checks three things: the run ends with a failing or limited result within its
limits, no canary text reaches any output, and no process of the run is left afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from single_shot_eval.sandbox import (
    MIB,
    Sandbox,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    built = Sandbox()
    assert built.isolated, f"bubblewrap must be usable here: {built.degraded_reason}"
    return built


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique argument given to hostile programs, to find their processes by command line."""
    token = f"sse-marker-{uuid.uuid4().hex}"
    yield token
    assert _processes_with(token) == [], "a sandboxed process outlived its test"


def _processes_with(token: str) -> list[int]:
    """Pids of live processes whose command line contains `token`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(entry.name))
    return found


def _compile(sandbox: Sandbox, workdir: Path, source: str) -> SandboxResult:
    (workdir / "prog.rs").write_text(source)
    return sandbox.run(
        ["rustc", "--edition", "2021", "-O", "-o", "prog", "prog.rs"],
        workdir=workdir,
        limits=SandboxLimits(wall_timeout_s=120, cpu_s=120),
    )


def _build(sandbox: Sandbox, workdir: Path, source: str) -> None:
    compiled = _compile(sandbox, workdir, source)
    assert compiled.exit_code == 0, compiled.stderr.decode(errors="replace")


def _all_output(result: SandboxResult) -> bytes:
    return result.stdout + result.stderr


# -- normal programs ---------------------------------------------------------------------------

ECHO_PROGRAM = """
use std::io::Read;
fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    println!("sum={}", text.split_whitespace().map(|w| w.parse::<i64>().unwrap()).sum::<i64>());
    eprintln!("words={}", text.split_whitespace().count());
    let code: i32 = std::env::args().nth(1).map_or(0, |a| a.parse().unwrap());
    std::process::exit(code);
}
"""


@pytest.mark.slow
def test_normal_program_compiles_runs_and_reads_stdin(sandbox: Sandbox, workdir: Path) -> None:
    _build(sandbox, workdir, ECHO_PROGRAM)
    result = sandbox.run(["./prog"], workdir=workdir, stdin=b"1 2 39\n")
    assert result.exit_code == 0
    assert result.signal is None
    assert result.stdout == b"sum=42\n"
    assert result.stderr == b"words=3\n"
    assert result.succeeded
    assert not (result.timed_out or result.output_capped or result.memory_exceeded)
    # What the sandbox wrote is handed back to the caller's uid.
    assert (workdir / "prog").stat().st_uid == os.getuid()


@pytest.mark.slow
def test_nonzero_exit_code_is_reported(sandbox: Sandbox, workdir: Path) -> None:
    _build(sandbox, workdir, ECHO_PROGRAM)
    result = sandbox.run(["./prog", "3"], workdir=workdir, stdin=b"5")
    assert result.exit_code == 3
    assert result.signal is None
    assert result.stdout == b"sum=5\n"
    assert not result.succeeded


@pytest.mark.slow
def test_compile_error_is_reported_not_raised(sandbox: Sandbox, workdir: Path) -> None:
    result = _compile(sandbox, workdir, 'fn main() { let x: u32 = "text"; }\n')
    assert result.exit_code == 1
    assert b"mismatched types" in result.stderr
    assert not (workdir / "prog").exists()


def test_python_oracle_runs_with_stdin_and_sees_no_host_files(
    sandbox: Sandbox, workdir: Path
) -> None:
    (workdir / "script.py").write_text(
        "import os, sys\n"
        "data = sys.stdin.read()\n"
        "print(data.upper(), end='')\n"
        f"print(os.path.exists({str(Path(__file__).resolve().parents[1] / 'pyproject.toml')!r}),"
        " sorted(os.listdir('/root')))\n"
        "open('made.txt', 'w').write('kept')\n"
        "sys.exit(4)\n"
    )
    result = sandbox.run(["python3", "script.py"], workdir=workdir, stdin=b"hello\n")
    assert result.exit_code == 4
    # The project tree is absent (only the tool's venv is mounted, read-only); of /root only the
    # toolchain directories are there, read-only.
    first, second = result.stdout.decode().splitlines()
    assert first == "HELLO"
    assert second.startswith("False [")
    assert ".bashrc" not in second
    assert (workdir / "made.txt").read_text() == "kept"


def test_program_killed_by_signal_reports_the_signal(sandbox: Sandbox, workdir: Path) -> None:
    killed = sandbox.run(["sh", "-c", "kill -SEGV $$"], workdir=workdir)
    assert killed.exit_code is None
    assert killed.signal == signal.SIGSEGV
    # An exit code that looks like "128 + signal" stays an exit code.
    exited = sandbox.run(["sh", "-c", "exit 139"], workdir=workdir)
    assert exited.exit_code == 139
    assert exited.signal is None


def test_missing_command_and_bad_workdirs(sandbox: Sandbox, tmp_path: Path) -> None:
    result = sandbox.run(["no-such-command-here"], workdir=tmp_path)
    assert result.exit_code == 127
    assert b"no-such-command-here" in result.stderr
    with pytest.raises(SandboxError, match="does not exist"):
        sandbox.run(["true"], workdir=tmp_path / "missing")
    # A workdir that would make the toolchain or the system writable is refused.
    with pytest.raises(SandboxError, match="must not write"):
        sandbox.run(["true"], workdir=Path("/"))


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="wall_timeout_s"):
        SandboxLimits(wall_timeout_s=0)
    with pytest.raises(ValueError, match="max_processes"):
        SandboxLimits(max_processes=-1)


# -- hostile programs --------------------------------------------------------------------------

FORK_BOMB = """
use std::process::Command;
fn main() {
    let exe = std::env::current_exe().unwrap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    loop {
        let _ = Command::new(&exe).args(&args).spawn();
    }
}
"""


@pytest.mark.slow
def test_fork_bomb_is_contained_and_cleaned_up(
    sandbox: Sandbox, workdir: Path, marker: str
) -> None:
    _build(sandbox, workdir, FORK_BOMB)
    limits = SandboxLimits(max_processes=16, cpu_s=2, wall_timeout_s=3)
    result = sandbox.run(["./prog", marker], workdir=workdir, limits=limits)
    assert not result.succeeded
    assert result.exit_code is None
    assert result.timed_out or result.signal in (signal.SIGXCPU, signal.SIGKILL)


THREAD_COUNTER = """
fn main() {
    let mut handles = Vec::new();
    for _ in 0..500 {
        let spawned = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| std::thread::sleep(std::time::Duration::from_secs(2)));
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(_) => break,
        }
    }
    println!("threads={}", handles.len());
}
"""


@pytest.mark.slow
def test_process_limit_binds_even_though_we_are_root(
    sandbox: Sandbox, workdir: Path, marker: str
) -> None:
    _build(sandbox, workdir, THREAD_COUNTER)
    result = sandbox.run(
        ["./prog", marker], workdir=workdir, limits=SandboxLimits(max_processes=16)
    )
    assert result.exit_code == 0, result.stderr
    threads = int(result.stdout.decode().strip().removeprefix("threads="))
    # Threads count as processes: the main thread plus at most 15 more.
    assert 0 < threads < 16


BUSY_LOOP = """
fn main() {
    let mut counter: u64 = 0;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}
"""


@pytest.mark.slow
def test_infinite_loop_hits_the_cpu_limit(sandbox: Sandbox, workdir: Path, marker: str) -> None:
    _build(sandbox, workdir, BUSY_LOOP)
    result = sandbox.run(
        ["./prog", marker], workdir=workdir, limits=SandboxLimits(cpu_s=1, wall_timeout_s=60)
    )
    assert result.exit_code is None
    assert result.signal == signal.SIGXCPU
    assert not result.timed_out


SLEEPER = """
fn main() {
    println!("going to sleep");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
"""


@pytest.mark.slow
def test_sleeping_forever_hits_the_wall_clock_timeout(
    sandbox: Sandbox, workdir: Path, marker: str
) -> None:
    _build(sandbox, workdir, SLEEPER)
    result = sandbox.run(
        ["./prog", marker], workdir=workdir, limits=SandboxLimits(wall_timeout_s=1)
    )
    assert result.timed_out
    assert result.exit_code is None
    assert result.signal == signal.SIGKILL
    assert result.stdout == b"going to sleep\n"
    assert not result.memory_exceeded


MEMORY_BALLOON = """
fn main() {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut block = vec![0u8; 64 << 20];
        for index in (0..block.len()).step_by(4096) {
            block[index] = 1;
        }
        blocks.push(block);
        println!("holding {} MiB", blocks.len() * 64);
    }
}
"""


@pytest.mark.slow
def test_memory_balloon_hits_the_memory_limit(sandbox: Sandbox, workdir: Path, marker: str) -> None:
    _build(sandbox, workdir, MEMORY_BALLOON)
    result = sandbox.run(
        ["./prog", marker], workdir=workdir, limits=SandboxLimits(memory_bytes=256 * MIB)
    )
    assert result.exit_code is None
    assert result.signal == signal.SIGABRT
    assert result.memory_exceeded
    assert b"memory allocation of" in result.stderr
    assert b"holding 256 MiB" not in result.stdout
    assert not result.timed_out


OUTPUT_FLOOD = """
use std::io::Write;
fn main() {
    let chunk = vec![b'x'; 65536];
    let mut out = std::io::stdout().lock();
    for _ in 0..(100 * 1024 * 1024 / 65536) {
        if out.write_all(&chunk).is_err() {
            std::process::exit(2);
        }
    }
}
"""


@pytest.mark.slow
def test_hundred_megabytes_of_output_are_capped_and_the_flood_killed(
    sandbox: Sandbox, workdir: Path, marker: str
) -> None:
    _build(sandbox, workdir, OUTPUT_FLOOD)
    result = sandbox.run(["./prog", marker], workdir=workdir, limits=SandboxLimits())
    assert result.output_capped
    assert result.stdout == b"x" * MIB
    assert result.exit_code is None
    assert result.signal == signal.SIGKILL
    assert not result.timed_out


TCP_CLIENT = """
use std::net::TcpStream;
fn main() {
    let port: u16 = std::env::args().nth(1).unwrap().parse().unwrap();
    match TcpStream::connect(("127.0.0.1", port)) {
        Ok(_) => println!("CONNECTED"),
        Err(error) => {
            println!("connect failed: {}", error);
            std::process::exit(1);
        }
    }
}
"""


@pytest.mark.slow
def test_network_is_unreachable(sandbox: Sandbox, workdir: Path, marker: str) -> None:
    _build(sandbox, workdir, TCP_CLIENT)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        result = sandbox.run(["./prog", str(port), marker], workdir=workdir)
        assert result.exit_code == 1
        assert b"CONNECTED" not in result.stdout
        assert b"connect failed" in result.stdout
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()


FILE_WRITER = """
fn main() {
    let mut failures = 0;
    for target in std::env::args().skip(2) {
        match std::fs::write(&target, "escaped") {
            Ok(()) => println!("wrote {}", target),
            Err(error) => {
                println!("cannot write {}: {}", target, error);
                failures += 1;
            }
        }
    }
    std::process::exit(if failures > 0 { 1 } else { 0 });
}
"""


@pytest.mark.slow
def test_writes_outside_the_workdir_do_not_land(
    sandbox: Sandbox, workdir: Path, tmp_path: Path, marker: str
) -> None:
    _build(sandbox, workdir, FILE_WRITER)
    outside = tmp_path / "outside"
    outside.mkdir()
    targets = [outside / "escaped.txt", workdir.parent / "escaped.txt"]
    result = sandbox.run(["./prog", marker, *map(str, targets)], workdir=workdir)
    assert result.exit_code == 1
    assert b"wrote" not in result.stdout
    assert result.stdout.count(b"cannot write") == len(targets)
    for target in targets:
        assert not target.exists()
    # The same program may write inside its workdir.
    inside = sandbox.run(["./prog", marker, str(workdir / "ok.txt")], workdir=workdir)
    assert inside.exit_code == 0
    assert (workdir / "ok.txt").read_text() == "escaped"


@pytest.mark.slow
def test_include_str_cannot_read_files_outside_the_workdir(
    sandbox: Sandbox, workdir: Path, tmp_path: Path
) -> None:
    canary = f"canary-file-{uuid.uuid4().hex}"
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    secret = secret_dir / "canary.txt"
    secret.write_text(canary)
    source = (
        f'const ABSOLUTE: &str = include_str!("{secret}");\n'
        'const RELATIVE: &str = include_str!("../secret/canary.txt");\n'
        'fn main() { println!("{} {}", ABSOLUTE, RELATIVE); }\n'
    )
    result = _compile(sandbox, workdir, source)
    assert result.exit_code == 1
    assert b"couldn't read" in result.stderr
    assert canary.encode() not in _all_output(result)
    assert not (workdir / "prog").exists()


ENVIRONMENT_DUMPER = """
fn main() {
    for (key, value) in std::env::vars() {
        println!("{}={}", key, value);
    }
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(data) = std::fs::read(entry.path().join("environ")) {
            println!("{}", String::from_utf8_lossy(&data).replace('\\0', "\\n"));
        }
    }
}
"""


@pytest.mark.slow
def test_parent_environment_is_not_visible(
    sandbox: Sandbox, workdir: Path, marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = f"canary-env-{uuid.uuid4().hex}"
    monkeypatch.setenv("SSE_SANDBOX_CANARY", canary)
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    _build(sandbox, workdir, ENVIRONMENT_DUMPER)
    result = sandbox.run(["./prog", marker], workdir=workdir, env={"SSE_PASSED": "given-by-caller"})
    assert result.exit_code == 0
    lines = result.stdout.decode().splitlines()
    assert canary.encode() not in _all_output(result)
    assert "SSE_SANDBOX_CANARY" not in result.stdout.decode()
    assert "SSE_PASSED=given-by-caller" in lines
    assert f"HOME={workdir}" in lines


DAEMON = """
use std::os::unix::process::CommandExt;
use std::process::Command;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 2 && args[2] == "child" {
        std::fs::write("alive", "yes").unwrap();
        println!("child holding stdout");
        std::thread::sleep(std::time::Duration::from_secs(300));
        return;
    }
    let child = Command::new(std::env::current_exe().unwrap())
        .arg(&args[1])
        .arg("child")
        .process_group(0)
        .spawn()
        .unwrap();
    while !std::path::Path::new("alive").exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    println!("left daemon {} behind", child.id());
}
"""


@pytest.mark.slow
def test_background_child_does_not_outlive_the_run(
    sandbox: Sandbox, workdir: Path, marker: str
) -> None:
    _build(sandbox, workdir, DAEMON)
    result = sandbox.run(
        ["./prog", marker], workdir=workdir, limits=SandboxLimits(wall_timeout_s=30)
    )
    assert result.exit_code == 0
    assert b"left daemon" in result.stdout
    # The daemon really ran, and still holding stdout did not keep the run waiting.
    assert (workdir / "alive").read_text() == "yes"
    assert not result.timed_out
    assert _processes_with(marker) == []


# -- degraded mode -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def degraded() -> Sandbox:
    with pytest.warns(RuntimeWarning, match="degraded.*NOT guaranteed: file-system isolation"):
        built = Sandbox(force_degraded=True)
    assert not built.isolated
    return built


def test_degraded_mode_runs_with_stdin_and_exit_code(degraded: Sandbox, workdir: Path) -> None:
    result = degraded.run(
        ["python3", "-c", "import sys; print(sys.stdin.read()[::-1]); sys.exit(5)"],
        workdir=workdir,
        stdin=b"abc",
    )
    assert result.exit_code == 5
    assert result.stdout == b"cba\n"


def test_degraded_mode_kills_on_timeout(degraded: Sandbox, workdir: Path, marker: str) -> None:
    result = degraded.run(
        ["python3", "-c", "import time; print('started', flush=True); time.sleep(60)", marker],
        workdir=workdir,
        limits=SandboxLimits(wall_timeout_s=1),
    )
    assert result.timed_out
    assert result.exit_code is None
    assert result.signal == signal.SIGKILL
    assert result.stdout == b"started\n"


def test_degraded_mode_caps_output(degraded: Sandbox, workdir: Path, marker: str) -> None:
    result = degraded.run(
        ["python3", "-c", "import sys; sys.stdout.write('y' * 5_000_000)", marker],
        workdir=workdir,
        limits=SandboxLimits(output_cap_bytes=64 * 1024),
    )
    assert result.output_capped
    assert result.stdout == b"y" * (64 * 1024)
    assert not result.succeeded


def test_degraded_mode_scrubs_the_environment(
    degraded: Sandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = f"canary-env-{uuid.uuid4().hex}"
    monkeypatch.setenv("SSE_SANDBOX_CANARY", canary)
    result = degraded.run(
        ["python3", "-c", "import os; print(sorted(os.environ.items()))"],
        workdir=workdir,
        env={"SSE_PASSED": "given-by-caller"},
    )
    assert result.exit_code == 0
    assert canary.encode() not in result.stdout
    assert b"SSE_SANDBOX_CANARY" not in result.stdout
    assert b"('SSE_PASSED', 'given-by-caller')" in result.stdout
    assert f"('HOME', '{workdir}')".encode() in result.stdout
