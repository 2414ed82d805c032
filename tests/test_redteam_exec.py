"""Red team: candidates that try to run the Python original instead of translating it, or forge
test outcomes, against bundled examples, with real rustc and the real sandbox.

Every escape is checked twice: with the sandbox as shipped it must not pass (and its own output
must show the exec or read was refused), and in a sandbox with the exec confinement switched off
it must pass, which proves the attack is real and would fool a verifier without the confinement.
"""

from __future__ import annotations

import dataclasses
import glob
import warnings
from pathlib import Path

import pytest

from single_shot_eval.corpus.example import BehaviourCase, Example, ExampleKind, FunctionCase
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.results.records import Verdict
from single_shot_eval.verify.function_harness import (
    HARNESS_TEST_FILTER,
    TEST_BINARY_ARGS,
    new_nonce,
    parse_libtest_output,
    parse_signature,
    passed_cases,
    render_test_module,
)
from single_shot_eval.verify.sandbox import Sandbox, SandboxLimits
from single_shot_eval.verify.verifier import VerificationPolicy, VerificationResult, Verifier

PROGRAM_ID = "anagram_groups"  # behaviour cases, no pytest suite
PYTEST_ID = "caesar_cipher"  # behaviour cases and a pytest suite that runs `python3 script`
FUNCTION_ID = "fn_binomial"

PRELUDE = r'''
use std::io::{Read, Write};
use std::process::{Command, Stdio};

const PY: &str = r####"@@PY@@"####;
const REAL_PYTHON: &str = "@@PYTHON@@";
const LOADER: &str = "@@LOADER@@";

fn script_args() -> Vec<String> {
    std::env::args().skip(1).filter(|a| a != "--sse-child").collect()
}

/// Run `command` with our stdin, print its output as ours and exit with its code; when it
/// cannot start, say why on stdout (so the verdict shows it) and exit 3.
fn relay(mut command: Command) -> ! {
    let mut input = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut input);
    let spawned = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped())
        .spawn();
    match spawned {
        Ok(mut child) => {
            if let Some(mut pipe) = child.stdin.take() {
                let _ = pipe.write_all(&input);
            }
            let out = child.wait_with_output().expect("wait");
            let _ = std::io::stdout().write_all(&out.stdout);
            let _ = std::io::stderr().write_all(&out.stderr);
            std::process::exit(out.status.code().unwrap_or(1));
        }
        Err(error) => {
            println!("escape failed: {}", error);
            std::process::exit(3);
        }
    }
}

fn python_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.arg("-c").arg(PY).args(script_args());
    command
}
'''

ESCAPES = {
    "python3 -c": 'fn main() { relay(python_command("python3")) }',
    "sh -c python3": r'''
fn main() {
    let mut command = Command::new("sh");
    command.arg("-c").arg("exec python3 -c \"$0\" \"$@\"").arg(PY).args(script_args());
    relay(command)
}''',
    "perl exec python3": r'''
fn main() {
    let mut command = Command::new("perl");
    command.arg("-e").arg("exec 'python3', '-c', @ARGV").arg(PY).args(script_args());
    relay(command)
}''',
    "/usr/bin/env python3": r'''
fn main() {
    let mut command = Command::new("/usr/bin/env");
    command.arg("python3").arg("-c").arg(PY).args(script_args());
    relay(command)
}''',
    "/proc/self/exe re-exec": r'''
fn main() {
    if std::env::args().any(|a| a == "--sse-child") {
        relay(python_command("python3"))
    }
    let mut command = Command::new("/proc/self/exe");
    command.arg("--sse-child").args(script_args());
    relay(command)
}''',
    "copied interpreter": r'''
fn main() {
    use std::os::unix::fs::PermissionsExt;
    let parent = format!("/proc/{}/exe", std::os::unix::process::parent_id());
    let sources = [REAL_PYTHON, "/usr/bin/python3", parent.as_str(), "/proc/1/exe"];
    let mut errors = Vec::new();
    for (number, source) in sources.iter().enumerate() {
        let copy = std::env::current_dir().unwrap().join(format!("interpreter-{}", number));
        match std::fs::copy(source, &copy) {
            Ok(_) => {
                let _ = std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755));
                relay(python_command(copy.to_str().unwrap()))
            }
            Err(error) => errors.push(format!("{}: {}", source, error)),
        }
    }
    println!("escape failed: {}", errors.join("; "));
    std::process::exit(3);
}''',
    "ld.so loader": r'''
fn main() {
    let mut command = Command::new(LOADER);
    command.arg(REAL_PYTHON).arg("-c").arg(PY).args(script_args());
    relay(command)
}''',
    "shebang script": r'''
fn main() {
    use std::os::unix::fs::PermissionsExt;
    let script = std::env::current_dir().unwrap().join("escape.py");
    std::fs::write(&script, format!("#!{}\n{}", REAL_PYTHON, PY)).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = Command::new(&script);
    command.args(script_args());
    relay(command)
}''',
}

# Prints what libtest prints when every harness case passes, plus pass records tagged with every
# nonce it can think of (stdin, the environment, its arguments), then exits 0 before any check.
FORGED_LIBTEST = r'''
pub fn @@SIGNATURE@@ {
    use std::io::{Read, Write};
    let mut guesses: Vec<String> = std::env::vars().map(|(_, value)| value).collect();
    guesses.extend(std::env::args());
    let mut stdin = String::new();
    let _ = std::io::stdin().read_to_string(&mut stdin);
    guesses.push(stdin.trim().to_string());
    let mut out = String::from("\nrunning @@N@@ tests\n");
    let mut err = String::new();
    for case in 0..@@N@@ {
        out += &format!("test single_shot_eval_harness::case_{} ... ok\n", case);
        for guess in &guesses {
            err += &format!("\nsingle-shot-eval-case-passed {} {}\n", guess, case);
        }
    }
    out += "\ntest result: ok. @@N@@ passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
    let _ = std::io::stdout().write_all(out.as_bytes());
    let _ = std::io::stderr().write_all(err.as_bytes());
    std::process::exit(0)
}
'''

# The function computed by the Python original, run through python3 -c.
FUNCTION_VIA_PYTHON = r'''
pub fn @@SIGNATURE@@ {
    let program = format!("{}\nprint(@@ENTRY@@({}, {}))", PY, n, k);
    let out = std::process::Command::new("python3").arg("-c").arg(program).output()
        .expect("escape failed");
    String::from_utf8(out.stdout).unwrap().trim().parse().expect("escape failed")
}
'''

# Pretends to be a passing pytest run and tries to kill the pytest process that started it.
FORGED_PYTEST = r'''
extern "C" {
    fn kill(pid: i32, signal: i32) -> i32;
}

fn main() {
    let parent = std::os::unix::process::parent_id() as i32;
    let killed = unsafe { kill(parent, 9) } == 0;
    let summary = "......                                                   [100%]\n6 passed in 0.01s\n";
    print!("{}", summary);
    eprint!("{}", summary);
    if !killed {
        println!("escape failed: cannot kill the parent");
    }
}
'''


def _loader_path() -> str:
    found = sorted(glob.glob("/lib64/ld-linux*.so*") + glob.glob("/lib/ld-linux*.so*"))
    assert found, "no dynamic loader found on this machine"
    return found[0]


def _escape_source(body: str, python_source: str, python: str) -> str:
    assert '"####' not in python_source
    prelude = (
        PRELUDE.replace("@@PY@@", python_source)
        .replace("@@PYTHON@@", python)
        .replace("@@LOADER@@", _loader_path())
    )
    return prelude + body


@pytest.fixture(scope="module")
def examples() -> dict[str, Example]:
    return {example.id: example for example in load_corpus().examples}


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    built = Verifier(policy=VerificationPolicy(crates=()))
    assert built.sandbox.isolated and built.sandbox.exec_confined, (
        "these tests need bubblewrap and Landlock"
    )
    return built


@pytest.fixture(scope="module")
def unconfined() -> Verifier:
    """The same verifier without exec confinement: the control that shows an attack is real."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sandbox = Sandbox(force_unconfined=True)
    assert not sandbox.exec_confined
    return Verifier(policy=VerificationPolicy(crates=()), sandbox=sandbox)


def _stage(result: VerificationResult, name: str) -> tuple[bool, str]:
    for stage in result.stages:
        if stage.stage == name:
            return stage.ok, f"{stage.detail}\n{stage.actual or ''}"
    raise AssertionError(f"no {name} stage in {result.stages}")


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ESCAPES))
def test_escape_from_the_behaviour_stage_is_refused(
    attack: str, examples: dict[str, Example], verifier: Verifier, unconfined: Verifier
) -> None:
    example = examples[PROGRAM_ID]
    code = _escape_source(ESCAPES[attack], example.python_source,
                          verifier.sandbox.python_executable)
    result = verifier.verify(code, example)
    assert result.verdict is Verdict.BEHAVIOUR_MISMATCH, result.stages
    assert _stage(result, "compile")[0]
    ok, text = _stage(result, "behaviour")
    assert not ok
    assert "escape failed" in text and "Permission denied" in text, text
    control = unconfined.verify(code, example)
    assert control.verdict is Verdict.PASS, control.stages


@pytest.mark.slow
def test_escape_from_the_pytest_stage_is_refused(
    examples: dict[str, Example], verifier: Verifier, unconfined: Verifier
) -> None:
    # Without its behaviour cases the suite alone decides: the binary runs under the shim.
    example = dataclasses.replace(examples[PYTEST_ID], cases=())
    code = _escape_source(ESCAPES["python3 -c"], example.python_source,
                          verifier.sandbox.python_executable)
    result = verifier.verify(code, example)
    assert result.verdict is Verdict.TEST_FAILURE, result.stages
    ok, text = _stage(result, "pytest")
    assert not ok and "Permission denied" in text, text
    control = unconfined.verify(code, example)
    assert control.verdict is Verdict.PASS, control.stages
    assert "binary started" in _stage(control, "pytest")[1]
    # With its behaviour cases every check runs: the escape fails in both stages, and the
    # verdict is the worse of the two along the ladder (test_failure before behaviour_mismatch).
    full = verifier.verify(code, examples[PYTEST_ID])
    assert full.verdict is Verdict.TEST_FAILURE
    assert not _stage(full, "behaviour")[0] and not _stage(full, "pytest")[0]


@pytest.mark.slow
def test_forged_pytest_output_does_not_pass(
    examples: dict[str, Example], verifier: Verifier
) -> None:
    example = dataclasses.replace(examples[PYTEST_ID], cases=())
    result = verifier.verify(FORGED_PYTEST, example)
    assert result.verdict is Verdict.TEST_FAILURE, result.stages
    ok, text = _stage(result, "pytest")
    assert not ok
    # The kill was refused (Landlock's signal scope): pytest lived on and reported failures.
    assert "failed" in text


def _function_code(template: str, example: Example) -> str:
    assert example.entry_point is not None
    signature = parse_signature(example.python_source, example.entry_point).rust()
    return (
        template.replace("@@SIGNATURE@@", signature.removeprefix("pub fn "))
        .replace("@@N@@", str(len(example.function_cases)))
        .replace("@@ENTRY@@", example.entry_point)
        .replace("@@PY@@", example.python_source)
    )


@pytest.mark.slow
def test_forged_libtest_output_does_not_pass(
    examples: dict[str, Example], verifier: Verifier, tmp_path: Path
) -> None:
    example = examples[FUNCTION_ID]
    code = _function_code(FORGED_LIBTEST, example)
    result = verifier.verify(code, example)
    assert result.verdict is Verdict.TEST_FAILURE, result.stages
    tests = next(stage for stage in result.stages if stage.stage == "tests")
    assert tests.checks_passed == 0
    assert tests.checks_total == len(example.function_cases)
    # The control: libtest's own lines, which the candidate printed, claim every case passed.
    assert example.entry_point is not None
    source = code + render_test_module(example.python_source, example.entry_point,
                                       example.function_cases)
    (tmp_path / "main.rs").write_text(source)
    sandbox = verifier.sandbox
    built = sandbox.run(
        ["rustc", "--edition", "2021", "--test", "-C", "target-feature=+crt-static",
         "-A", "warnings", "-o", "prog", "main.rs"],
        workdir=tmp_path, limits=SandboxLimits(cpu_s=120, wall_timeout_s=120),
    )
    assert built.exit_code == 0, built.stderr
    nonce = new_nonce()
    run = sandbox.run([str(tmp_path / "prog"), *TEST_BINARY_ARGS], workdir=tmp_path,
                      stdin=(nonce + "\n").encode(), confine=True)
    forged = parse_libtest_output(run.stdout.decode(), name_prefix=HARNESS_TEST_FILTER)
    assert run.exit_code == 0
    assert forged.passed == len(example.function_cases) and forged.failed == 0
    assert b"single-shot-eval-case-passed" in run.stderr  # it did try to forge records
    assert passed_cases(run.stderr.decode(), nonce, len(example.function_cases)) == frozenset()


@pytest.mark.slow
def test_function_that_shells_out_to_python_does_not_pass(
    examples: dict[str, Example], verifier: Verifier, unconfined: Verifier
) -> None:
    example = examples[FUNCTION_ID]
    assert example.entry_point is not None
    signature = parse_signature(example.python_source, example.entry_point)
    assert [p.name for p in signature.parameters] == ["n", "k"]
    code = f'const PY: &str = r####"{example.python_source}"####;\n' + _function_code(
        FUNCTION_VIA_PYTHON, example
    )
    result = verifier.verify(code, example)
    assert result.verdict is Verdict.TEST_FAILURE, result.stages
    ok, text = _stage(result, "tests")
    assert not ok and "escape failed" in text and "Permission denied" in text, text
    control = unconfined.verify(code, example)
    assert control.verdict is Verdict.PASS, control.stages


ADDER_PY = "import sys\nprint(sum(int(a) for a in sys.argv[1:]))\n"
ADDER_RS = (
    "fn main() {\n"
    "    let total: i64 = std::env::args().skip(1).map(|a| a.parse::<i64>().unwrap()).sum();\n"
    "    println!(\"{}\", total);\n"
    "}\n"
)
WRONG_RS = 'fn main() { println!("wrong"); }\n'
SUITE = '''import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("adder.py")


def test_adds() -> None:
    out = subprocess.run([{python}, str(SCRIPT), "2", "3"], capture_output=True, text=True)
    assert out.stdout == "5\\n"
'''


def _adder(tmp_path: Path, python: str, *cases: BehaviourCase) -> Example:
    suite = tmp_path / "test_adder.py"
    suite.write_text(SUITE.format(python=python))
    return Example(id="adder", kind=ExampleKind.PROGRAM, python_source=ADDER_PY,
                   script_name="adder.py", pytest_path=suite, cases=cases)


@pytest.mark.slow
def test_a_suite_that_never_runs_the_binary_is_not_a_check(
    verifier: Verifier, tmp_path: Path
) -> None:
    bypassing = _adder(tmp_path, "sys.executable")
    result = verifier.verify(WRONG_RS, bypassing)
    assert result.verdict is Verdict.COMPILE_ONLY
    ok, text = _stage(result, "pytest (not a check)")
    assert not ok and "does not exercise the translation" in text
    # With behaviour cases the verdict rests on them.
    with_cases = _adder(tmp_path, "sys.executable", BehaviourCase("sum", ("2", "40")))
    assert verifier.verify(WRONG_RS, with_cases).verdict is Verdict.BEHAVIOUR_MISMATCH
    assert verifier.verify(ADDER_RS, with_cases).verdict is Verdict.PASS
    # A suite that runs `python3 adder.py` exercises the binary: the wrong one fails it.
    exercising = _adder(tmp_path, '"python3"')
    assert verifier.verify(WRONG_RS, exercising).verdict is Verdict.TEST_FAILURE
    passing = verifier.verify(ADDER_RS, exercising)
    assert passing.verdict is Verdict.PASS
    assert "binary started 1 time" in _stage(passing, "pytest")[1]


def test_pass_records_count_only_with_the_run_nonce_and_once_per_case() -> None:
    nonce = new_nonce()
    assert nonce != new_nonce() and len(nonce) == 32
    stderr = "\n".join([
        f"single-shot-eval-case-passed {nonce} 0",
        f"single-shot-eval-case-passed {nonce} 1",
        f"single-shot-eval-case-passed {nonce} 1",  # twice: one of them is forged
        f"single-shot-eval-case-passed {'0' * 32} 2",  # another nonce
        f"single-shot-eval-case-passed {nonce} 7",  # no such case
        f"test single_shot_eval_harness::case_3 ... ok {nonce}",
        f"  single-shot-eval-case-passed {nonce} 4  ",
    ])
    assert passed_cases(stderr, nonce, 5) == frozenset({0, 4})
    with pytest.raises(ValueError, match="nonce"):
        passed_cases(stderr, "", 5)


def test_rendered_cases_read_the_nonce_before_calling_the_candidate() -> None:
    example = Example(id="f", kind=ExampleKind.FUNCTION, python_source="def f(x: int) -> int:\n"
                      "    return x\n", script_name="f.py", entry_point="f",
                      function_cases=(FunctionCase((1,), 1),))
    assert example.entry_point is not None
    text = render_test_module(example.python_source, example.entry_point,
                              example.function_cases)
    body = text[text.index("fn case_0()"):]
    assert body.index("harness_nonce()") < body.index("super::f(") < body.index(
        "harness_passed(nonce, 0)")


def test_confined_commands_fail_closed(verifier: Verifier, tmp_path: Path) -> None:
    sandbox = verifier.sandbox
    # Not given by path: nothing to grant the exec right to.
    bare = sandbox.run(["true"], workdir=tmp_path, confine=True)
    assert bare.exit_code == 126 and b"cannot confine" in bare.stderr
    # A dynamically linked program needs the loader, which it may not execute.
    dynamic = sandbox.run(["/bin/true"], workdir=tmp_path, confine=True)
    assert dynamic.exit_code == 126 and b"Permission denied" in dynamic.stderr
    assert sandbox.run(["/bin/true"], workdir=tmp_path).exit_code == 0


def test_a_sandbox_without_confinement_says_so() -> None:
    with pytest.warns(RuntimeWarning, match="NOT confined to executing themselves"):
        sandbox = Sandbox(force_unconfined=True)
    assert not sandbox.exec_confined
    assert sandbox.exec_confinement_missing_reason is not None


EMBEDDED_PYTHON = r'''
#[link(name = "@@ARCHIVE@@", kind = "static", modifiers = "+verbatim")]
extern "C" {
    fn Py_GetVersion() -> *const std::os::raw::c_char;
}

fn main() {
    let version = unsafe { std::ffi::CStr::from_ptr(Py_GetVersion()) };
    println!("{}", version.to_str().unwrap());
}
'''


@pytest.mark.slow
def test_linking_an_interpreter_library_is_refused(
    examples: dict[str, Example], verifier: Verifier, tmp_path: Path
) -> None:
    # Debian's libpython3-dev ships it (`make system-deps` installs it for the test suite).
    archives = sorted(glob.glob("/usr/lib/python3*/config-*/libpython3*-pic.a"))
    assert archives, "no libpython3*-pic.a: install libpython3-dev (make system-deps)"
    # A name relative to the linker's search directory reaches any archive on the machine.
    relative = "../../.." + archives[0]
    code = EMBEDDED_PYTHON.replace("@@ARCHIVE@@", relative)
    result = verifier.verify(code, examples[PROGRAM_ID])
    assert result.verdict is Verdict.COMPILE_ERROR
    ok, text = _stage(result, "compile")
    assert not ok and "links native libraries -l:../../../usr/lib/python3" in text, text
    # The control: the same file links and runs CPython's code inside the confined binary.
    (tmp_path / "main.rs").write_text(code)
    built = verifier.sandbox.run(
        ["rustc", "--edition", "2021", "-C", "target-feature=+crt-static", "-A", "warnings",
         "-o", "prog", "main.rs"],
        workdir=tmp_path, limits=SandboxLimits(cpu_s=120, wall_timeout_s=120),
    )
    assert built.exit_code == 0, built.stderr.decode(errors="replace")[-2000:]
    run = verifier.sandbox.run([str(tmp_path / "prog")], workdir=tmp_path, confine=True)
    assert run.exit_code == 0 and run.stdout.startswith(b"3."), run
