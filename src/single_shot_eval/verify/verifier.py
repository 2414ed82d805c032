"""Verify a candidate translation against every ground truth its example offers.

Stages, each with its own verdict and timing: `compile` (rustc, JSON diagnostics), `tests`
(function-level `#[test]`s generated from the example's cases), `behaviour` (the Rust binary and
the Python original on the same argv/stdin/env; stdout and exit code must match) and `pytest`
(the example's own pytest file, with a `python3` shim that runs the Rust binary instead of the
script). Every check the example offers runs (a test-harness build and a binary build when both
are needed) and the verdict is the worst along the ladder. Everything untrusted runs in the
`Sandbox`. Identical candidates are verified once. The stages' comparisons live beside this
module: `behaviour` (candidate vs. Python oracle), `pytest_stage`, and `verdicts` (the policy,
results, oracle outcomes and the verdict cache).

The Python oracle's own failures (it timed out, was killed by a signal, ran out of memory, overran
the output cap, or the sandbox failed) are never cached as truth: the example is reported as
broken (`harness_error`, with the reason in an `oracle` stage), which never counts against a model.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from single_shot_eval.corpus.example import BehaviourCase, Example, ExampleKind
from single_shot_eval.results.records import Diagnostic, StageResult, Verdict
from single_shot_eval.sandbox import (
    Sandbox,
    SandboxCommand,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)
from single_shot_eval.verify.behaviour import (
    behaviour_stage,
    case_commands,
    case_home,
    write_case_files,
    write_inside,
)
from single_shot_eval.verify.crates import CrateSet, CrateSetProvider, describe_crate_names
from single_shot_eval.verify.diagnostics import missing_crate_name, parse_rustc_json
from single_shot_eval.verify.divergence import label_function_failures
from single_shot_eval.verify.function_harness import (
    HARNESS_TEST_FILTER,
    TEST_BINARY_ARGS,
    new_nonce,
    parse_libtest_output,
    passed_cases,
)
from single_shot_eval.verify.pytest_stage import pytest_stage
from single_shot_eval.verify.toolchain import Toolchain, detect_toolchain
from single_shot_eval.verify.verdicts import (
    BrokenExample,
    RunOutcome,
    VerdictCache,
    VerificationPolicy,
    VerificationResult,
    as_outcome,
    example_checks_digest,
    oracle_failure,
    sha,
    timed_out,
    unique_diagnostics,
    verdict_rank,
)

__all__ = [
    "VERIFIER_REVISION",
    "VerdictCache",
    "VerificationPolicy",
    "VerificationResult",
    "Verifier",
    "example_checks_digest",
    "verify_translation",
]

# Bumped whenever verification logic changes what a verdict means: part of every verdict-cache
# and oracle key, so a store's cached verdicts from an older verifier are never reused.
VERIFIER_REVISION = "4"


@dataclass
class Verifier:
    """Runs the verification stages for candidates of any example; safe to share across threads."""

    policy: VerificationPolicy = field(default_factory=VerificationPolicy)
    toolchain: Toolchain = field(default_factory=detect_toolchain)
    sandbox: Sandbox = field(default_factory=Sandbox)
    cache: VerdictCache = field(default_factory=VerdictCache)
    # The allowed crates (built on first use); None: from `policy.crates` and the default folder.
    crates: CrateSetProvider | None = None

    def __post_init__(self) -> None:
        if self.crates is None:
            self.crates = CrateSetProvider(self.policy.crates, self.toolchain)

    def crate_set_for(self, code: str) -> CrateSet | None:
        """The crate set `code` compiles against (built now if needed); None when it uses no
        allowed crate."""
        assert self.crates is not None
        if not self.crates.used_by(code):
            return None
        return self.crates.ensure()

    @property
    def isolation(self) -> str:
        """How candidates and the oracle are contained: `bubblewrap` or `degraded`, plus
        `+landlock` when a candidate can execute nothing but itself (part of every cache key:
        a verdict reached with weaker containment is never reused by a stronger one)."""
        mode = "bubblewrap" if self.sandbox.isolated else "degraded"
        return mode + ("+landlock" if self.sandbox.exec_confined else "")

    def cache_key(self, code: str, example: Example) -> str:
        """Verdict-cache key: the candidate, the example's checks (every case), the toolchain, the
        policy, the isolation mode, the verifier revision, the allowed crate set and (for a
        crate-using candidate) the exact crates it links against."""
        assert self.crates is not None
        crate_set = self.crate_set_for(code)
        crates_key = crate_set.fingerprint if crate_set is not None else "std"
        return sha(code, example_checks_digest(example), self.toolchain.fingerprint,
                    self.policy.key(), self.crates.spec_fingerprint, crates_key,
                    self.isolation, VERIFIER_REVISION)

    def verify(self, code: str | None, example: Example) -> VerificationResult:
        """The verdict for `code` as a translation of `example` (None: the answer had no code)."""
        if code is None or not code.strip():
            return VerificationResult(
                Verdict.NO_CODE, toolchain_fingerprint=self.toolchain.fingerprint
            )
        key = self.cache_key(code, example)
        cached = self.cache.get_verdict(key)
        if cached is not None:
            return cached
        crate_set = self.crate_set_for(code)
        with tempfile.TemporaryDirectory(prefix="sse-verify-") as tmp:
            result = self._verify_uncached(code, example, Path(tmp), crate_set)
        self.cache.put_verdict(key, result)
        return result

    # -- stages ---------------------------------------------------------------------------

    def _limits(self, timeout_s: float) -> SandboxLimits:
        return SandboxLimits(
            cpu_s=timeout_s,
            wall_timeout_s=timeout_s,
            memory_bytes=self.policy.memory_bytes,
        )

    def _compile(
        self,
        source: str,
        workdir: Path,
        *,
        test_harness: bool,
        crate_set: CrateSet | None = None,
        then: Sequence[SandboxCommand] = (),
    ) -> tuple[StageResult, tuple[Diagnostic, ...], Path | None, list[SandboxResult]]:
        """Compile `source` to `workdir/prog`; when it compiles, run the `then` commands in the
        same sandbox (one start-up for both) and return their results too."""
        (workdir / "main.rs").write_text(source, encoding="utf-8")
        argv = [
            str(self.toolchain.rustc),
            "--edition",
            self.toolchain.edition,
            "--error-format=json",
            "-C",
            "opt-level=0",
            "-C",
            "debuginfo=0",
            # Static: the binary needs no dynamic loader, so it runs where it may execute nothing
            # but itself (the loader would need an exec right of its own).
            "-C",
            "target-feature=+crt-static",
            # std's debuginfo (kept by debuginfo=0) makes a static link ~15% slower; panics and
            # test output do not use it.
            "-C",
            "strip=debuginfo",
            "-A",
            "warnings",
            # The linker's command line on stdout, written before any candidate code runs: it
            # names every native library the candidate asked for (`_foreign_libraries`).
            "--print=link-args",
            "-o",
            "prog",
            "main.rs",
        ]
        if test_harness:
            argv.insert(1, "--test")
        read_only: list[Path] = []
        if crate_set is not None and crate_set.deps_dir is not None:
            argv[1:1] = crate_set.rustc_flags()
            read_only.append(crate_set.deps_dir)
        start = time.perf_counter()
        followups: list[SandboxResult] = []
        if then:
            compile_command = SandboxCommand(
                tuple(argv), timeout_s=self.policy.compile_timeout_s, required=True
            )
            res, *followups = self.sandbox.run_batch(
                [compile_command, *then],
                workdir=workdir,
                limits=self._limits(self.policy.run_timeout_s),
                read_only_paths=read_only,
            )
        else:
            res = self.sandbox.run(
                argv,
                workdir=workdir,
                limits=self._limits(self.policy.compile_timeout_s),
                read_only_paths=read_only,
            )
        # The sandbox's start-up counts as compile time; the commands after it report their own.
        duration = time.perf_counter() - start - sum(f.duration_s for f in followups)
        stderr = res.stderr.decode("utf-8", "replace")
        diagnostics = parse_rustc_json(stderr)
        binary = workdir / "prog"
        if res.exit_code == 0 and (foreign := _foreign_libraries(res.stdout)):
            detail = (f"links native libraries {', '.join(foreign)}: a translation may link only "
                      "std and the allowed crates")
            return StageResult("compile", False, duration, detail=detail), diagnostics, None, []
        if res.exit_code == 0 and binary.exists():
            if len(followups) != len(then):
                raise SandboxError(
                    f"the sandbox ran {len(followups)} of {len(then)} commands after rustc"
                )
            return StageResult("compile", True, duration), diagnostics, binary, followups
        if timed_out(res):
            detail = f"rustc timed out after {self.policy.compile_timeout_s:g} s"
        elif diagnostics:
            first = diagnostics[0]
            detail = f"{first.code or first.category}: {first.message.splitlines()[0]}"
            detail = self._missing_crate_detail(diagnostics, crate_set) or detail
        else:
            detail = f"rustc failed (exit {res.exit_code}): {stderr.strip()[:300]}"
        return StageResult("compile", False, duration, detail=detail), diagnostics, None, []

    def _missing_crate_detail(
        self, diagnostics: tuple[Diagnostic, ...], crate_set: CrateSet | None
    ) -> str | None:
        """Say which crate rustc could not find: outside the allowed set, or in it but the set is
        not installed. None when no diagnostic is about a missing crate."""
        assert self.crates is not None
        missing = list(dict.fromkeys(
            name for d in diagnostics if (name := missing_crate_name(d)) is not None
        ))
        if not missing:
            return None
        allowed = self.crates.allowed_names
        outside = [name for name in missing if name not in allowed]
        allowed_text = describe_crate_names(self.crates.names)
        if outside:
            names = ", ".join(f"`{name}`" for name in outside)
            noun = "crate" if len(outside) == 1 else "crates"
            return f"uses {noun} {names} outside the allowed set ({allowed_text})"
        names = ", ".join(f"`{name}`" for name in missing)
        reason = crate_set.unavailable_reason if crate_set is not None else ""
        if crate_set is not None and not crate_set.available:
            return (
                f"uses {names} from the allowed set ({allowed_text}), but the crate set is not "
                f"installed: {reason}"
            )
        return f"uses {names} from the allowed set ({allowed_text}), but rustc did not find it"

    def _verify_uncached(
        self, code: str, example: Example, workdir: Path, crate_set: CrateSet | None = None
    ) -> VerificationResult:
        """Every check the example offers, each once: the Python oracle first (a broken example
        judges nobody), then the test-harness build and its tests, then the program build with
        its behaviour cases and pytest suite. The verdict is the worst along the ladder."""
        fp = self.toolchain.fingerprint
        gt = self.policy.ground_truth
        harness = ""
        if gt != "compiler":
            if example.kind is ExampleKind.FUNCTION and example.function_cases:
                from single_shot_eval.verify.function_harness import render_target_cases

                contract = example.contract
                assert contract is not None  # a function example with cases has one
                harness = render_target_cases(contract, example.function_cases)
            if example.rust_tests:
                harness += "\n" + example.rust_tests
        is_program = example.kind is ExampleKind.PROGRAM
        behaviour = is_program and bool(example.cases) and gt in {"full", "behaviour"}
        pytest = (
            is_program and example.pytest_path is not None and self.policy.run_pytest
            and gt in {"full", "tests"}
        )
        oracles: dict[BehaviourCase, RunOutcome] = {}
        if behaviour:
            try:
                oracles = self._oracles(example)
            except BrokenExample as broken:
                detail = f"example broken: {broken.reason}; not counted for or against the model"
                return VerificationResult(
                    Verdict.HARNESS_ERROR,
                    (StageResult("oracle", False, broken.duration_s, detail=detail),),
                    toolchain_fingerprint=fp,
                    example_broken=broken.reason,
                )
        stages: list[StageResult] = []
        diagnostics: list[Diagnostic] = []
        verdicts: list[Verdict] = []
        program_build = is_program and (behaviour or pytest or not harness)

        if harness:
            harness_only = bool(example.function_cases)
            nonce = new_nonce()
            # Its own folder when the program is built too: each build owns `main.rs` and `prog`.
            tests_dir = workdir / "test-build" if program_build else workdir
            tests_dir.mkdir(exist_ok=True)
            compile_stage, diags, binary, runs = self._compile(
                code + "\n" + harness, tests_dir, test_harness=True, crate_set=crate_set,
                then=[self._test_command(tests_dir, harness_only=harness_only, nonce=nonce)],
            )
            if program_build:
                compile_stage = replace(compile_stage, stage="compile_tests")
            stages.append(compile_stage)
            diagnostics.extend(diags)
            if binary is None:
                return VerificationResult(
                    Verdict.COMPILE_ERROR, tuple(stages), unique_diagnostics(diagnostics), fp
                )
            test_stage, verdict = self._run_function_tests(
                binary, tests_dir, harness_only=harness_only, result=runs[0], nonce=nonce,
                case_count=len(example.function_cases),
            )
            if harness_only:
                test_stage = label_function_failures(test_stage, example, runs[0], nonce)
            stages.append(test_stage)
            verdicts.append(verdict)

        if program_build or not harness:
            runs_after: list[SandboxCommand] = (
                case_commands(workdir, example, self.policy.run_timeout_s) if behaviour else []
            )
            compile_stage, diags, binary, runs = self._compile(
                code, workdir, test_harness=not is_program, crate_set=crate_set, then=runs_after,
            )
            stages.append(compile_stage)
            diagnostics.extend(diags)
            if binary is None:
                return VerificationResult(
                    Verdict.COMPILE_ERROR, tuple(stages), unique_diagnostics(diagnostics), fp
                )
            if behaviour:
                stage, verdict = behaviour_stage(example, runs, oracles, self.policy)
                stages.append(stage)
                verdicts.append(verdict)
            if pytest:
                stage, pytest_verdict = pytest_stage(
                    self.sandbox, binary, example,
                    self._limits(max(self.policy.run_timeout_s * 6, 60.0)),
                )
                stages.append(stage)
                # None: the suite never ran the binary, so it checked nothing of the translation.
                if pytest_verdict is not None:
                    verdicts.append(pytest_verdict)
        final = min(verdicts, key=verdict_rank) if verdicts else Verdict.COMPILE_ONLY
        return VerificationResult(final, tuple(stages), unique_diagnostics(diagnostics), fp)

    def _test_command(self, workdir: Path, *, harness_only: bool, nonce: str) -> SandboxCommand:
        """The test binary's run: confined to itself, with the run's nonce on stdin (with
        `harness_only`, only the generated cases run)."""
        args = list(TEST_BINARY_ARGS) if harness_only else ["--test-threads=1"]
        return SandboxCommand((str(workdir.resolve() / "prog"), *args), (nonce + "\n").encode(),
                              timeout_s=self.policy.run_timeout_s, confine=True)

    def _run_function_tests(
        self, binary: Path, workdir: Path, *, harness_only: bool,
        result: SandboxResult | None = None, nonce: str = "", case_count: int = 0,
    ) -> tuple[StageResult, Verdict]:
        """Run the test binary (unless `result` is its run). With `harness_only`, only the
        `case_count` generated cases count (a candidate's own `#[test]`s are not ground truth),
        each by its one pass record tagged with `nonce`: `test ... ok` lines on stdout are
        output the candidate can forge."""
        if harness_only and result is None:
            nonce = new_nonce()
        if result is None:
            command = self._test_command(workdir, harness_only=harness_only, nonce=nonce)
            result = self.sandbox.run(
                command.argv, workdir=workdir, stdin=command.stdin,
                limits=self._limits(self.policy.run_timeout_s), confine=True,
            )
        res = result
        duration = res.duration_s
        outcome = parse_libtest_output(
            res.stdout.decode("utf-8", "replace"),
            name_prefix=HARNESS_TEST_FILTER if harness_only else None,
        )
        if harness_only:
            passed = len(passed_cases(res.stderr.decode("utf-8", "replace"), nonce, case_count))
            total = case_count
        else:
            passed, total = outcome.passed, outcome.passed + outcome.failed
        if timed_out(res):
            return StageResult("tests", False, duration, "test run timed out", total,
                               passed), Verdict.TIMEOUT
        if res.signal is not None:
            return StageResult("tests", False, duration, f"killed by signal {res.signal}",
                               total, passed), Verdict.CRASH
        if passed < total or res.exit_code != 0 or total == 0:
            name, message = outcome.failures[0] if outcome.failures else ("", "")
            detail = f"{total - passed} of {total} test cases failed"
            if total == 0:
                detail = f"test binary ran no test (exit {res.exit_code})"
            elif harness_only and not outcome.failures and passed < total:
                detail += " (no pass record from the harness)"
            elif passed == total:
                detail = f"the test binary exited with {res.exit_code} after every case passed"
            return (
                StageResult("tests", False, duration, detail, total, passed,
                            failing_case=name or None, actual=message[:2000] or None),
                Verdict.TEST_FAILURE,
            )
        return StageResult("tests", True, duration, "", total, passed), Verdict.PASS

    def _oracle_key(self, example: Example, case: BehaviourCase) -> str:
        return sha("oracle", example.python_source, example.script_name,
                    repr(example.support_files), repr(case), self.toolchain.python_version,
                    self.isolation, VERIFIER_REVISION)

    def _oracles(self, example: Example) -> dict[BehaviourCase, RunOutcome]:
        """The Python program's outcome on every case: cached ones, the rest run in one sandbox
        (each case in a fresh folder of its own, as if run alone, with the example's support
        files beside the script and the case's own files). Raises `BrokenExample` when a case
        does not finish; only finished outcomes are cached."""
        outcomes: dict[BehaviourCase, RunOutcome] = {}
        missing: list[BehaviourCase] = []
        for case in example.cases:
            cached = self.cache.get_oracle(self._oracle_key(example, case))
            if cached is not None:
                outcomes[case] = cached
            elif case not in missing:
                missing.append(case)
        if not missing:
            return outcomes
        broken_key = sha("broken", *(self._oracle_key(example, c) for c in missing),
                          repr(self._limits(self.policy.run_timeout_s)))
        known = self.cache.broken_reason(broken_key)
        if known is not None:
            raise BrokenExample(known)
        try:
            return self._run_oracles(example, missing, outcomes)
        except BrokenExample as broken:
            self.cache.put_broken(broken_key, broken.reason)
            raise

    def _run_oracles(
        self,
        example: Example,
        missing: list[BehaviourCase],
        outcomes: dict[BehaviourCase, RunOutcome],
    ) -> dict[BehaviourCase, RunOutcome]:
        """Run the Python program on the `missing` cases (see `_oracles`)."""
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="sse-oracle-") as tmp:
            commands = []
            for number, case in enumerate(missing):
                folder = Path(tmp) / f"case-{number}"
                folder.mkdir()
                program_files = ((example.script_name, example.python_source),
                                 *example.support_files)
                for name, text in program_files:
                    write_inside(folder, name, text, f"support file {name!r}")
                taken = {name for name, _ in program_files}
                for name, _ in case.files:
                    if name in taken:
                        raise BrokenExample(
                            f"case {case.name!r}: file {name!r} would replace the program's own"
                        )
                write_case_files(folder, case)
                commands.append(SandboxCommand(
                    (self.sandbox.python_executable, example.script_name, *case.args),
                    case.stdin.encode(),
                    # HOME and TMPDIR per case too: no case sees another's files.
                    (("PYTHONHASHSEED", "0"), *case_home(folder), *case.env),
                    str(folder),
                ))
            try:
                runs = self.sandbox.run_batch(
                    commands, workdir=Path(tmp), limits=self._limits(self.policy.run_timeout_s)
                )
            except SandboxError as exc:
                raise BrokenExample(
                    f"the sandbox failed running the Python oracle: {exc}",
                    time.perf_counter() - start,
                ) from exc
        failures: list[str] = []
        for case, res in zip(missing, runs, strict=True):
            outcome = as_outcome(res)
            failure = oracle_failure(outcome, self.policy.run_timeout_s)
            if failure is not None:
                failures.append(f"case {case.name!r}: the Python program {failure}")
                continue
            self.cache.put_oracle(self._oracle_key(example, case), outcome)
            outcomes[case] = outcome
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise BrokenExample(failures[0] + more, time.perf_counter() - start)
        return outcomes


# The native libraries rustc itself links into a static std binary on Linux (glibc, libgcc).
_STD_NATIVE_LIBRARIES = frozenset(
    f"-l{name}" for name in ("c", "dl", "gcc", "gcc_eh", "gcc_s", "m", "pthread", "rt", "util")
)
_QUOTED_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"')


def _foreign_libraries(link_args: bytes) -> list[str]:
    """The `-l` arguments in rustc's `--print=link-args` output that std does not need: native
    libraries the candidate declared with `#[link]`. One of them, `-l:../python3.11/…-pic.a`
    (a `+verbatim` name relative to the linker's search path), links CPython into the binary,
    an interpreter inside "itself"."""
    found: list[str] = []
    args = [arg.decode(errors="replace") for arg in _QUOTED_ARG.findall(link_args)]
    for number, arg in enumerate(args):
        if arg == "-l" and number + 1 < len(args):
            arg += args[number + 1]  # the split form `-l NAME`
        foreign = arg.startswith("-l") and arg != "-l" and arg not in _STD_NATIVE_LIBRARIES
        if foreign and arg not in found:
            found.append(arg)
    return found


_default_verifier: Verifier | None = None


def verify_translation(
    code: str | None, example: Example, policy: VerificationPolicy | None = None
) -> VerificationResult:
    """Verify one candidate with a default (or given-policy) verifier."""
    global _default_verifier
    if policy is not None:
        return Verifier(policy=policy).verify(code, example)
    if _default_verifier is None:
        _default_verifier = Verifier()
    return _default_verifier.verify(code, example)
