"""Verdicts nothing can fake: oracle failures are never truth, every check runs, cases carry their
files and comparison, and cache keys hold everything a verdict depends on.

Real rustc, real Python oracle, real sandbox; programs are tiny.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseOrigin,
    Comparison,
    Example,
    ExampleKind,
)
from single_shot_eval.results.cache import MemoryCache
from single_shot_eval.results.records import Verdict
from single_shot_eval.sandbox import Sandbox
from single_shot_eval.verify.verifier import (
    VerdictCache,
    VerificationPolicy,
    VerificationResult,
    Verifier,
)
from tests.conftest import run_cli

SLOW_PY = "import time\ntime.sleep(1.5)\nprint('done')\n"
DONE_RS = 'fn main() {\n    println!("done");\n}\n'
LOOP_RS = (
    "fn main() {\n    let mut n: u64 = 0;\n    loop {\n        n = n.wrapping_add(1);\n"
    "        std::hint::black_box(n);\n    }\n}\n"
)


def _program(python: str, *cases: BehaviourCase, **fields: object) -> Example:
    example = Example(
        id="integrity", kind=ExampleKind.PROGRAM, python_source=python,
        script_name="integrity.py", cases=cases or (BehaviourCase("only"),),
    )
    return dataclasses.replace(example, **fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def base() -> Verifier:
    return Verifier(policy=VerificationPolicy(run_timeout_s=5.0))


def _with(base: Verifier, *, timeout_s: float, cache: VerdictCache) -> Verifier:
    return Verifier(policy=VerificationPolicy(run_timeout_s=timeout_s), toolchain=base.toolchain,
                    sandbox=base.sandbox, cache=cache)


def _stage_names(result: VerificationResult) -> list[str]:
    return [stage.stage for stage in result.stages]


# -- 1. oracle failures ---------------------------------------------------------------------


def test_an_oracle_that_times_out_is_never_cached_and_marks_the_example_broken(
    base: Verifier,
) -> None:
    oracle, verdicts = MemoryCache(), MemoryCache()
    cache = VerdictCache(verdicts, oracle)
    example = _program(SLOW_PY)
    hurried = _with(base, timeout_s=0.5, cache=cache)

    broken = hurried.verify(DONE_RS, example)
    assert broken.verdict is Verdict.HARNESS_ERROR
    assert not broken.verdict.counts_for_model
    assert broken.example_broken is not None and "timed out after 0.5 s" in broken.example_broken
    assert _stage_names(broken) == ["oracle"]
    assert broken.stages[0].detail.startswith("example broken: case 'only'")
    # Nothing about the failed run was kept: no expected outcome, no verdict.
    assert oracle.written() == () and verdicts.written() == ()
    assert hurried.cache.get_oracle(hurried._oracle_key(example, example.cases[0])) is None
    assert hurried.cache.get_verdict(hurried.cache_key(DONE_RS, example)) is None

    # A candidate that times out too does not "match" an oracle that timed out.
    looping = hurried.verify(LOOP_RS, example)
    assert looping.verdict is Verdict.HARNESS_ERROR
    # ... and this process remembered the broken example instead of running the oracle again.
    assert looping.example_broken == broken.example_broken
    assert looping.stages[0].duration_s == 0.0 < broken.stages[0].duration_s

    # Later, with enough time and the same cache: verified for real.
    patient = _with(base, timeout_s=5.0, cache=cache)
    good = patient.verify(DONE_RS, example)
    assert good.verdict is Verdict.PASS, good.stages
    assert good.example_broken is None
    assert len(oracle.written()) == 1 and len(verdicts.written()) == 1
    assert patient.verify(LOOP_RS, example).verdict is Verdict.TIMEOUT


def test_an_oracle_killed_by_a_signal_is_a_broken_example_with_its_reason(
    base: Verifier,
) -> None:
    python = "import os, signal\nprint('partial', flush=True)\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    result = base.verify(DONE_RS, _program(python))
    assert result.verdict is Verdict.HARNESS_ERROR
    assert result.example_broken == "case 'only': the Python program was killed by signal 11"


def test_an_oracle_that_runs_out_of_memory_is_a_broken_example(base: Verifier) -> None:
    python = "block = bytearray(8 * 1024 ** 3)\nprint(len(block))\n"  # beyond the 2 GiB limit
    cache = VerdictCache()
    verifier = _with(base, timeout_s=5.0, cache=cache)
    result = verifier.verify(DONE_RS, _program(python))
    assert result.verdict is Verdict.HARNESS_ERROR
    assert result.example_broken == "case 'only': the Python program ran out of memory"
    assert cache.get_verdict(verifier.cache_key(DONE_RS, _program(python))) is None


def test_a_candidate_that_times_out_never_passes_a_case() -> None:
    verifier = Verifier(policy=VerificationPolicy(run_timeout_s=1.0))
    example = _program("print('done')\n")
    result = verifier.verify(LOOP_RS, example)
    assert result.verdict is Verdict.TIMEOUT
    assert result.stages[-1].checks_passed == 0


# -- 2. every check runs --------------------------------------------------------------------

ECHO_PY = "import sys\nprint(' '.join(sys.argv[1:]).upper())\n"
ECHO_RS = '''fn shout(words: &[String]) -> String {
    words.join(" ").to_uppercase()
}

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    println!("{}", shout(&words));
}
'''
RUST_TESTS = '''#[cfg(test)]
mod given_tests {
    use super::*;

    #[test]
    fn shouts() {
        assert_eq!(shout(&["a".to_string(), "b".to_string()]), "A B");
    }
}
'''
PYTEST_TEXT = '''import subprocess
import sys


def test_shouts():
    out = subprocess.run(["python3", "integrity.py", "hi", "there"], capture_output=True,
                         text=True, check=True).stdout
    assert out == "HI THERE\\n"
'''


def _checked_program(tmp_path: Path) -> Example:
    test_file = tmp_path / "test_integrity.py"
    test_file.write_text(PYTEST_TEXT)
    return _program(
        ECHO_PY, BehaviourCase("two", ("x", "y")), BehaviourCase("none"),
        rust_tests=RUST_TESTS, pytest_path=test_file,
    )


def test_every_check_runs_and_a_pass_needs_all_of_them(base: Verifier, tmp_path: Path) -> None:
    example = _checked_program(tmp_path)
    good = base.verify(ECHO_RS, example)
    assert good.verdict is Verdict.PASS, good.stages
    assert _stage_names(good) == ["compile_tests", "tests", "compile", "behaviour", "pytest"]
    assert all(stage.ok for stage in good.stages)

    # Right in the Rust tests, wrong in behaviour (a trailing "!"): the tests alone would pass it.
    shouty = ECHO_RS.replace('println!("{}", shout(&words));', 'println!("{}!", shout(&words));')
    wrong_output = base.verify(shouty, example)
    # Behaviour and pytest both fail; test_failure is the first of the two on the ladder.
    assert wrong_output.verdict is Verdict.TEST_FAILURE
    assert {s.stage: s.ok for s in wrong_output.stages} == {
        "compile_tests": True, "tests": True, "compile": True, "behaviour": False,
        "pytest": False,
    }

    # Right in behaviour, wrong in the Rust tests: the worst verdict on the ladder wins.
    lower_in_tests = ECHO_RS.replace(
        'words.join(" ").to_uppercase()',
        'if cfg!(test) { words.join(" ") } else { words.join(" ").to_uppercase() }',
    )
    test_failure = base.verify(lower_in_tests, example)
    assert test_failure.verdict is Verdict.TEST_FAILURE
    assert [s.stage for s in test_failure.stages if not s.ok] == ["tests"]


def test_verify_with_tests_on_an_example_folder_still_runs_behaviour(tmp_path: Path) -> None:
    folder = tmp_path / "echo"
    folder.mkdir()
    (folder / "echo.py").write_text(ECHO_PY)
    (folder / "cases.yaml").write_text('cases:\n  - name: two\n    args: ["x", "y"]\n')
    (tmp_path / "tests.rs").write_text(RUST_TESTS)
    shouty = ECHO_RS.replace('println!("{}", shout(&words));', 'println!("{}!", shout(&words));')
    (tmp_path / "candidate.rs").write_text(shouty)
    result = run_cli("verify", "--source", str(tmp_path / "candidate.rs"), "--example",
                     str(folder), "--tests", str(tmp_path / "tests.rs"), "--json")
    assert result.returncode == 1, result.stderr
    assert '"verdict": "behaviour_mismatch"' in result.stdout
    assert '"stage": "tests"' in result.stdout and '"stage": "behaviour"' in result.stdout


# -- 3. case files, own folders, exit-code comparison, support files ------------------------


def test_case_files_are_created_in_each_cases_own_folder(base: Verifier) -> None:
    python = (
        "import os, sys\n"
        "print(os.path.exists('state.txt'), open(sys.argv[1]).read().strip().upper())\n"
        "open('state.txt', 'w').write('left behind')\n"
    )
    rust = '''fn main() {
    let path = std::env::args().nth(1).unwrap();
    let seen = std::path::Path::new("state.txt").exists();
    let text = std::fs::read_to_string(path).unwrap();
    println!("{} {}", if seen { "True" } else { "False" }, text.trim().to_uppercase());
    std::fs::write("state.txt", "left behind").unwrap();
}
'''
    example = _program(
        python,
        BehaviourCase("first", ("in.txt",), files=(("in.txt", "alpha\n"),)),
        BehaviourCase("second", ("data/in.txt",), files=(("data/in.txt", "beta\n"),)),
    )
    result = base.verify(rust, example)
    assert result.verdict is Verdict.PASS, result.stages
    assert result.stages[-1].checks_passed == 2


def test_exit_code_comparison_ignores_the_wording(base: Verifier) -> None:
    python = (
        "import argparse\nparser = argparse.ArgumentParser(prog='tool')\n"
        "parser.add_argument('--count', type=int, default=1)\nprint(parser.parse_args().count)\n"
    )
    rust = '''fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help") {
        println!("Usage: tool [--count N] (worded differently)");
        return;
    }
    if args.iter().any(|a| a == "--bogus") {
        eprintln!("error: unexpected argument");
        std::process::exit(2);
    }
    println!("1");
}
'''
    help_case = BehaviourCase("help", ("--help",), origin=CaseOrigin.GENERATED,
                              comparison=Comparison.EXIT_CODE)
    usage_case = BehaviourCase("usage", ("--bogus",), origin=CaseOrigin.GENERATED,
                               comparison=Comparison.EXIT_CODE)
    plain = BehaviourCase("plain")
    assert base.verify(rust, _program(python, help_case, usage_case, plain)).verdict is (
        Verdict.PASS
    )
    # The same help case compared on stdout too: the wording now matters.
    strict = dataclasses.replace(help_case, comparison=Comparison.STDOUT_AND_EXIT)
    mismatch = base.verify(rust, _program(python, strict, plain))
    assert mismatch.verdict is Verdict.BEHAVIOUR_MISMATCH
    # Exit code only still catches a wrong exit code.
    wrong_exit = rust.replace("std::process::exit(2)", "std::process::exit(1)")
    assert base.verify(wrong_exit, _program(python, usage_case, plain)).verdict is (
        Verdict.BEHAVIOUR_MISMATCH
    )


def test_support_files_sit_beside_the_script_for_the_oracle(base: Verifier) -> None:
    python = "import helper\nprint(helper.greet('rust'))\n"
    helper = "def greet(name):\n    return 'hello ' + name\n"
    rust = 'fn main() {\n    println!("hello rust");\n}\n'
    example = _program(python, support_files=(("helper.py", helper),))
    assert base.verify(rust, example).verdict is Verdict.PASS
    # Without the module the Python program fails, so the same candidate no longer matches.
    assert base.verify(rust, _program(python)).verdict is Verdict.BEHAVIOUR_MISMATCH


# -- 4. cache keys ----------------------------------------------------------------------------


def test_cache_keys_hold_the_isolation_mode_and_the_whole_case_set(base: Verifier) -> None:
    example = _program(ECHO_PY, BehaviourCase("two", ("x", "y")))
    with pytest.warns(RuntimeWarning):
        degraded_sandbox = Sandbox(force_degraded=True)
    degraded = Verifier(policy=base.policy, toolchain=base.toolchain, sandbox=degraded_sandbox,
                        crates=base.crates)
    assert base.isolation.startswith("bubblewrap") and degraded.isolation.startswith("degraded")
    assert base.cache_key(ECHO_RS, example) != degraded.cache_key(ECHO_RS, example)
    case = example.cases[0]
    assert base._oracle_key(example, case) != degraded._oracle_key(example, case)

    variants = [
        example,
        _program(ECHO_PY, dataclasses.replace(case, origin=CaseOrigin.GENERATED)),
        _program(ECHO_PY, dataclasses.replace(case, comparison=Comparison.EXIT_CODE)),
        _program(ECHO_PY, dataclasses.replace(case, files=(("a.txt", "a"),))),
        _program(ECHO_PY, case, BehaviourCase("more", origin=CaseOrigin.GENERATED)),
        _program(ECHO_PY, case, support_files=(("helper.py", "X = 1\n"),)),
    ]
    assert len({base.cache_key(ECHO_RS, e) for e in variants}) == len(variants)
    # The oracle key changes with the files and the support modules (what Python sees).
    assert base._oracle_key(variants[3], variants[3].cases[0]) != base._oracle_key(
        example, case
    )
    assert base._oracle_key(variants[5], case) != base._oracle_key(example, case)
