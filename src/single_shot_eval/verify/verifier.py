"""Verify a candidate translation against every ground truth its example offers.

Stages, each with its own verdict and timing: `compile` (rustc, JSON diagnostics), `tests`
(function-level `#[test]`s generated from the example's cases), `behaviour` (the Rust binary and
the Python original on the same argv/stdin/env; stdout and exit code must match) and `pytest`
(the example's own pytest file, with a `python3` shim that runs the Rust binary instead of the
script). Every check the example offers runs (a test-harness build and a binary build when both
are needed) and the verdict is the worst along the ladder. Everything untrusted runs in the
`Sandbox`. Identical candidates are verified once.

The Python oracle's own failures (it timed out, was killed by a signal, ran out of memory, overran
the output cap, or the sandbox failed) are never cached as truth: the example is reported as
broken (`harness_error`, with the reason in an `oracle` stage), which never counts against a model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from single_shot_eval.corpus.example import BehaviourCase, Comparison, Example, ExampleKind
from single_shot_eval.results.records import Diagnostic, StageResult, Verdict
from single_shot_eval.verify.crates import (
    DEFAULT_CRATES,
    CrateSet,
    CrateSetProvider,
    describe_crate_names,
)
from single_shot_eval.verify.diagnostics import missing_crate_name, parse_rustc_json
from single_shot_eval.verify.function_harness import (
    HARNESS_TEST_FILTER,
    TEST_BINARY_ARGS,
    new_nonce,
    parse_libtest_output,
    passed_cases,
)
from single_shot_eval.verify.sandbox import (
    SHIM_SOURCE,
    Sandbox,
    SandboxCommand,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)
from single_shot_eval.verify.sandbox_wrapper import render_shim
from single_shot_eval.verify.toolchain import Toolchain, detect_toolchain

PANIC_EXIT_CODE = 101
PYTHON_UNCAUGHT_EXIT_CODE = 1
# Bumped whenever verification logic changes what a verdict means: part of every verdict-cache
# and oracle key, so a store's cached verdicts from an older verifier are never reused.
VERIFIER_REVISION = "3"


@dataclass(frozen=True)
class VerificationPolicy:
    """What counts as a pass. Part of every verdict-cache key."""

    ground_truth: str = "full"
    compare_stderr: bool = False
    panic_matches_exception: bool = True
    run_pytest: bool = True
    compile_timeout_s: float = 120.0
    run_timeout_s: float = 10.0
    memory_bytes: int = 2 * 1024**3
    # Crates a candidate may use besides std (`name` or `name[feature,...]`); empty: std only.
    crates: tuple[str, ...] = DEFAULT_CRATES

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class VerificationResult:
    """The verdict of one candidate plus every stage's result and the compiler's diagnostics."""

    verdict: Verdict
    stages: tuple[StageResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    toolchain_fingerprint: str = ""
    cached: bool = False
    # Why the example itself cannot judge any candidate now (its Python oracle could not finish);
    # the verdict is then `harness_error`. None: the example worked.
    example_broken: str | None = None

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def to_json(self) -> str:
        data: dict[str, object] = {
            "verdict": self.verdict.value,
            "stages": [asdict(s) for s in self.stages],
            "diagnostics": [asdict(d) for d in self.diagnostics],
            "toolchain": self.toolchain_fingerprint,
        }
        if self.example_broken is not None:
            data["example_broken"] = self.example_broken
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, cached: bool = False) -> VerificationResult:
        data = json.loads(text)
        return cls(
            verdict=Verdict(data["verdict"]),
            stages=tuple(StageResult(**s) for s in data["stages"]),
            diagnostics=tuple(Diagnostic(**d) for d in data["diagnostics"]),
            toolchain_fingerprint=data["toolchain"],
            cached=cached,
            example_broken=data.get("example_broken"),
        )


@dataclass(frozen=True)
class _RunOutcome:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    signal: int | None = None
    memory_exceeded: bool = False
    output_capped: bool = False


class BrokenExample(Exception):
    """The example cannot judge a candidate now: its Python oracle did not finish on a case
    (timeout, signal, memory limit, output cap) or the sandbox failed running it."""

    def __init__(self, reason: str, duration_s: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.duration_s = duration_s


class VerdictCache:
    """Thread-safe memo of verdicts and Python oracle outputs, optionally persisted (callbacks)."""

    def __init__(
        self,
        verdicts: dict[str, str] | None = None,
        oracle: dict[str, str] | None = None,
        on_verdict: Callable[[str, str], None] | None = None,
        on_oracle: Callable[[str, str], None] | None = None,
    ) -> None:
        self._verdicts = dict(verdicts or {})
        self._oracle = dict(oracle or {})
        self._on_verdict = on_verdict
        self._on_oracle = on_oracle
        # Examples whose oracle could not finish, with why: kept in memory only (never
        # persisted), so this process does not pay the failing oracle runs again for every
        # candidate, and a later process tries again.
        self._broken: dict[str, str] = {}
        self._lock = threading.Lock()
        self.hits = 0

    def get_verdict(self, key: str) -> VerificationResult | None:
        with self._lock:
            text = self._verdicts.get(key)
            if text is not None:
                self.hits += 1
        return VerificationResult.from_json(text, cached=True) if text is not None else None

    def put_verdict(self, key: str, result: VerificationResult) -> None:
        """Remember a verdict; a `harness_error` (our failure, or a broken example) never is,
        so the next attempt verifies for real."""
        if result.verdict is Verdict.HARNESS_ERROR:
            return
        text = result.to_json()
        with self._lock:
            self._verdicts[key] = text
        if self._on_verdict is not None:
            self._on_verdict(key, text)

    def get_oracle(self, key: str) -> _RunOutcome | None:
        with self._lock:
            text = self._oracle.get(key)
        if text is None:
            return None
        data = json.loads(text)
        outcome = _RunOutcome(
            exit_code=data["exit_code"],
            stdout=bytes.fromhex(data["stdout"]),
            stderr=bytes.fromhex(data["stderr"]),
            timed_out=data["timed_out"],
        )
        # Written by an older version that cached oracle failures: not truth, run it again.
        return None if _oracle_failure(outcome) is not None else outcome

    def broken_reason(self, key: str) -> str | None:
        """Why the example with oracle-run key `key` is broken in this process, or None."""
        with self._lock:
            return self._broken.get(key)

    def put_broken(self, key: str, reason: str) -> None:
        with self._lock:
            self._broken[key] = reason

    def put_oracle(self, key: str, outcome: _RunOutcome) -> None:
        """Remember the Python program's outcome on a case; one that did not finish never is."""
        if _oracle_failure(outcome) is not None:
            return
        text = json.dumps(
            {
                "exit_code": outcome.exit_code,
                "stdout": outcome.stdout.hex(),
                "stderr": outcome.stderr[:65536].hex(),
                "timed_out": outcome.timed_out,
            }
        )
        with self._lock:
            self._oracle[key] = text
        if self._on_oracle is not None:
            self._on_oracle(key, text)


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def example_checks_digest(example: Example) -> str:
    """Hash of everything about an example that a verdict depends on."""
    pytest_text = example.pytest_path.read_text() if example.pytest_path else ""
    return _sha(
        example.kind.value,
        example.python_source,
        example.script_name,
        repr(example.support_files),
        # The whole case set, hand-written and generated: args, stdin, env, files, origin and
        # comparison of every case.
        repr(example.cases),
        repr(example.function_cases),
        example.entry_point or "",
        example.rust_tests or "",
        pytest_text,
    )


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
        return _sha(code, example_checks_digest(example), self.toolchain.fingerprint,
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
        if _timed_out(res):
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
                from single_shot_eval.verify.function_harness import render_test_module

                assert example.entry_point is not None
                harness = render_test_module(
                    example.python_source, example.entry_point, example.function_cases
                )
            if example.rust_tests:
                harness += "\n" + example.rust_tests
        is_program = example.kind is ExampleKind.PROGRAM
        behaviour = is_program and bool(example.cases) and gt in {"full", "behaviour"}
        pytest = (
            is_program and example.pytest_path is not None and self.policy.run_pytest
            and gt in {"full", "tests"}
        )
        oracles: dict[BehaviourCase, _RunOutcome] = {}
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
                    Verdict.COMPILE_ERROR, tuple(stages), _unique(diagnostics), fp
                )
            test_stage, verdict = self._run_function_tests(
                binary, tests_dir, harness_only=harness_only, result=runs[0], nonce=nonce,
                case_count=len(example.function_cases),
            )
            stages.append(test_stage)
            verdicts.append(verdict)

        if program_build or not harness:
            compile_stage, diags, binary, runs = self._compile(
                code, workdir, test_harness=not is_program, crate_set=crate_set,
                then=self._case_commands(workdir, example) if behaviour else (),
            )
            stages.append(compile_stage)
            diagnostics.extend(diags)
            if binary is None:
                return VerificationResult(
                    Verdict.COMPILE_ERROR, tuple(stages), _unique(diagnostics), fp
                )
            if behaviour:
                stage, verdict = self._run_behaviour(example, runs, oracles)
                stages.append(stage)
                verdicts.append(verdict)
            if pytest:
                stage, pytest_verdict = self._run_pytest(binary, example, workdir)
                stages.append(stage)
                # None: the suite never ran the binary, so it checked nothing of the translation.
                if pytest_verdict is not None:
                    verdicts.append(pytest_verdict)
        final = min(verdicts, key=_rank) if verdicts else Verdict.COMPILE_ONLY
        return VerificationResult(final, tuple(stages), _unique(diagnostics), fp)

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
        if _timed_out(res):
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
        return _sha("oracle", example.python_source, example.script_name,
                    repr(example.support_files), repr(case), self.toolchain.python_version,
                    self.isolation, VERIFIER_REVISION)

    def _oracles(self, example: Example) -> dict[BehaviourCase, _RunOutcome]:
        """The Python program's outcome on every case: cached ones, the rest run in one sandbox
        (each case in a fresh folder of its own, as if run alone, with the example's support
        files beside the script and the case's own files). Raises `BrokenExample` when a case
        does not finish; only finished outcomes are cached."""
        outcomes: dict[BehaviourCase, _RunOutcome] = {}
        missing: list[BehaviourCase] = []
        for case in example.cases:
            cached = self.cache.get_oracle(self._oracle_key(example, case))
            if cached is not None:
                outcomes[case] = cached
            elif case not in missing:
                missing.append(case)
        if not missing:
            return outcomes
        broken_key = _sha("broken", *(self._oracle_key(example, c) for c in missing),
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
        outcomes: dict[BehaviourCase, _RunOutcome],
    ) -> dict[BehaviourCase, _RunOutcome]:
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
                    _write_inside(folder, name, text, f"support file {name!r}")
                taken = {name for name, _ in program_files}
                for name, _ in case.files:
                    if name in taken:
                        raise BrokenExample(
                            f"case {case.name!r}: file {name!r} would replace the program's own"
                        )
                _write_case_files(folder, case)
                commands.append(SandboxCommand(
                    (self.sandbox.python_executable, example.script_name, *case.args),
                    case.stdin.encode(),
                    # HOME and TMPDIR per case too: no case sees another's files.
                    (("PYTHONHASHSEED", "0"), *_case_home(folder), *case.env),
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
            outcome = _as_outcome(res)
            failure = _oracle_failure(outcome, self.policy.run_timeout_s)
            if failure is not None:
                failures.append(f"case {case.name!r}: the Python program {failure}")
                continue
            self.cache.put_oracle(self._oracle_key(example, case), outcome)
            outcomes[case] = outcome
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise BrokenExample(failures[0] + more, time.perf_counter() - start)
        return outcomes

    def _same(self, expected: _RunOutcome, actual: _RunOutcome, case: BehaviourCase) -> bool:
        """Whether the candidate's run matches the oracle's on `case`. A run that timed out or
        was killed by a signal never matches (the oracle's outcome always finished)."""
        if actual.timed_out or actual.signal is not None or expected.timed_out:
            return False
        if case.comparison is not Comparison.EXIT_CODE:
            if expected.stdout != actual.stdout:
                return False
            if self.policy.compare_stderr and expected.stderr != actual.stderr:
                return False
        if expected.exit_code is not None and expected.exit_code == actual.exit_code:
            return True
        return (
            self.policy.panic_matches_exception
            and expected.exit_code == PYTHON_UNCAUGHT_EXIT_CODE
            and b"Traceback (most recent call last)" in expected.stderr
            and actual.exit_code == PANIC_EXIT_CODE
        )

    def _case_commands(self, workdir: Path, example: Example) -> list[SandboxCommand]:
        """The binary on every behaviour case; they run in the compile's sandbox, after rustc.
        Each case starts in a folder of its own holding the case's files (as the oracle does)."""
        binary = str(workdir.resolve() / "prog")
        commands = []
        for number, case in enumerate(example.cases):
            folder = workdir / "cases" / f"case-{number}"
            folder.mkdir(parents=True)
            _write_case_files(folder, case)
            commands.append(SandboxCommand(
                (binary, *case.args), case.stdin.encode(), (*_case_home(folder), *case.env),
                str(folder.resolve()), timeout_s=self.policy.run_timeout_s, confine=True,
            ))
        return commands

    def _run_behaviour(
        self,
        example: Example,
        runs: Sequence[SandboxResult],
        oracles: dict[BehaviourCase, _RunOutcome] | None = None,
    ) -> tuple[StageResult, Verdict]:
        """Compare the binary's runs (one per case, from `_case_commands`) with Python's."""
        start = time.perf_counter()
        passed = 0
        first_failure: tuple[BehaviourCase, _RunOutcome, _RunOutcome, Verdict] | None = None
        if oracles is None:
            oracles = self._oracles(example)
        expectations = [oracles[case] for case in example.cases]
        for case, expected, res in zip(example.cases, expectations, runs, strict=True):
            actual = _as_outcome(res)
            if self._same(expected, actual, case):
                passed += 1
                continue
            if actual.timed_out:
                verdict = Verdict.TIMEOUT
            elif actual.signal is not None or (
                actual.exit_code == PANIC_EXIT_CODE and expected.exit_code != PANIC_EXIT_CODE
            ):
                verdict = Verdict.CRASH
            else:
                verdict = Verdict.BEHAVIOUR_MISMATCH
            if first_failure is None or _rank(verdict) < _rank(first_failure[3]):
                first_failure = (case, expected, actual, verdict)
        duration = time.perf_counter() - start + sum(res.duration_s for res in runs)
        total = len(example.cases)
        if first_failure is None:
            return StageResult("behaviour", True, duration, "", total, passed), Verdict.PASS
        case, expected, actual, verdict = first_failure
        compared = " (exit code only)" if case.comparison is Comparison.EXIT_CODE else ""
        return (
            StageResult(
                "behaviour",
                False,
                duration,
                detail=f"{total - passed} of {total} cases differ from the Python program",
                checks_total=total,
                checks_passed=passed,
                failing_case=(f"{case.name}: args={shlex.join(case.args)} "
                              f"stdin={case.stdin!r}{compared}"),
                expected=_describe(expected),
                actual=_describe(actual),
            ),
            verdict,
        )

    def _run_pytest(
        self, binary: Path, example: Example, workdir: Path
    ) -> tuple[StageResult, Verdict | None]:
        """Run the example's pytest suite with `python3`/`python` shims that start the Rust
        binary (confined to executing itself) in place of the script, counting each start.

        Verdict None: the suite passed without ever starting the binary through a shim (it
        imported the module or ran `sys.executable`), so it checked nothing of the translation
        and the stage is reported as "pytest (not a check)". `workdir` (where earlier stages let
        the candidate write) is not reused: the suite runs in a fresh folder."""
        assert example.pytest_path is not None
        with tempfile.TemporaryDirectory(prefix="sse-pytest-", dir=_pytest_parent_dir()) as tmp:
            root = Path(tmp).resolve()
            suite, shim_dir, count_dir, bin_dir = (
                root / name for name in ("suite", "shim", "count", "bin")
            )
            for folder in (suite, shim_dir, count_dir, bin_dir):
                folder.mkdir()
            (suite / example.script_name).write_text(example.python_source, encoding="utf-8")
            for name, text in example.support_files:  # sibling modules the suite may import
                (suite / name).write_text(text, encoding="utf-8")
            test_file = suite / example.pytest_path.name
            test_file.write_text(example.pytest_path.read_text(encoding="utf-8"), encoding="utf-8")
            candidate = bin_dir / "prog"
            shutil.copyfile(binary, candidate)
            candidate.chmod(0o755)
            count_file = count_dir / "invocations"
            real_python = self.sandbox.python_executable
            # The binary reads and writes only the suite's folder, /tmp and /dev; the count file
            # lies outside them (when this folder is not itself below /tmp).
            roots = (str(suite), "/tmp", "/dev") if self.sandbox.exec_confined else None
            shim = render_shim(
                SHIM_SOURCE, real_python,
                (example.script_name, str(candidate), str(count_file), roots, real_python),
            )
            for name in ("python3", "python"):
                path = shim_dir / name
                path.write_text(shim, encoding="utf-8")
                path.chmod(0o755)
            pytest_args = ["-q", "-p", "no:cacheprovider", "-x", "--no-header", str(test_file)]
            start = time.perf_counter()
            res = self.sandbox.run(
                [real_python, "-c",
                 f"import os, sys; os.chdir({str(suite)!r}); import pytest; "
                 f"sys.exit(pytest.main({pytest_args!r}))"],
                workdir=root,
                env={
                    "PATH": f"{shim_dir}:/usr/local/bin:/usr/bin:/bin",
                    "HOME": str(suite),
                    "PYTHONDONTWRITEBYTECODE": "1",
                    # pytest comes from this tool's environment, mounted read-only in the sandbox.
                    "PYTHONPATH": sysconfig.get_paths()["purelib"],
                },
                limits=self._limits(max(self.policy.run_timeout_s * 6, 60.0)),
            )
            duration = time.perf_counter() - start
            invocations = count_file.stat().st_size if count_file.exists() else 0
        # "5 passed in 1.54s" -> "5 passed": a verdict must not depend on how busy the machine was.
        out = _PYTEST_DURATION.sub("", res.stdout.decode("utf-8", "replace"))
        # Nor on the name of the temporary folder it ran in.
        out = out.replace(str(root), "<suite>")
        summary = out.strip().splitlines()[-1] if out.strip() else ""
        passed = _count(summary, "passed")
        failed = _count(summary, "failed") + _count(summary, "error")
        if _timed_out(res):
            return StageResult("pytest", False, duration, "pytest suite timed out"), Verdict.TIMEOUT
        if res.exit_code == 0 and invocations == 0:
            return StageResult(
                "pytest (not a check)", False, duration,
                f"does not exercise the translation: the suite passed ({summary}) without "
                f"starting the binary through `python3 {example.script_name}`",
            ), None
        if res.exit_code == 0:
            detail = f"{summary}; binary started {invocations} time(s)"
            return StageResult("pytest", True, duration, detail, passed, passed), Verdict.PASS
        return (
            StageResult("pytest", False, duration, summary or f"pytest exit {res.exit_code}",
                        passed + failed, passed, actual=out[-2000:]),
            Verdict.TEST_FAILURE,
        )


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


def _pytest_parent_dir() -> str | None:
    """Where the pytest stage's folder goes: /var/tmp when usable, so that the invocation count
    is not below /tmp, which the binary may write; else the default temporary folder."""
    candidate = Path("/var/tmp")
    if candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK):
        return str(candidate)
    return None


_PYTEST_DURATION = re.compile(r"[ \t]+in [0-9.]+s(?: \([0-9:]+\))?(?=[ \t=]*$)", re.MULTILINE)


def _count(summary: str, word: str) -> int:
    m = re.search(rf"(\d+) {word}", summary)
    return int(m.group(1)) if m else 0


_LADDER = [
    Verdict.HARNESS_ERROR, Verdict.COMPILE_ERROR, Verdict.TIMEOUT, Verdict.CRASH,
    Verdict.TEST_FAILURE, Verdict.BEHAVIOUR_MISMATCH, Verdict.COMPILE_ONLY, Verdict.PASS,
]


def _rank(verdict: Verdict) -> int:
    """Position on the verdict ladder, worst first (the lowest rank is the verdict)."""
    return _LADDER.index(verdict) if verdict in _LADDER else len(_LADDER)


def _unique(diagnostics: Sequence[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(dict.fromkeys(diagnostics))


def _case_home(folder: Path) -> tuple[tuple[str, str], ...]:
    """HOME and TMPDIR of a case: its own folder, so no case sees another's files."""
    return (("HOME", str(folder.resolve())), ("TMPDIR", str(folder.resolve())))


def _write_inside(folder: Path, name: str, text: str, what: str) -> None:
    """Write `text` to `folder/name`; a path that is absolute or leaves the folder is refused
    (the example is broken, not the candidate)."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise BrokenExample(f"{what}: {name!r} is not a relative path inside the work folder")
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _write_case_files(folder: Path, case: BehaviourCase) -> None:
    for name, text in case.files:
        _write_inside(folder, name, text, f"case {case.name!r}: file")


def _oracle_failure(outcome: _RunOutcome, timeout_s: float | None = None) -> str | None:
    """Why the Python oracle's outcome is not the program's own behaviour (it did not finish,
    for reasons outside the program), or None when it is."""
    if outcome.timed_out:
        limit = f" after {timeout_s:g} s" if timeout_s is not None else ""
        return f"timed out{limit}"
    if outcome.signal is not None or outcome.exit_code is None:
        return f"was killed by signal {outcome.signal}"
    if outcome.memory_exceeded:
        return "ran out of memory"
    if outcome.output_capped:
        return "wrote more output than the sandbox keeps"
    return None


def _timed_out(res: SandboxResult) -> bool:
    """A wall-clock timeout, or the CPU-time limit (SIGXCPU) that a busy loop reaches first."""
    return res.timed_out or res.signal == signal.SIGXCPU


def _as_outcome(res: SandboxResult) -> _RunOutcome:
    return _RunOutcome(
        exit_code=res.exit_code,
        stdout=res.stdout,
        stderr=res.stderr,
        timed_out=_timed_out(res),
        signal=None if _timed_out(res) else res.signal,
        memory_exceeded=res.memory_exceeded,
        output_capped=res.output_capped,
    )


def _describe(outcome: _RunOutcome) -> str:
    if outcome.timed_out:
        return "timed out"
    text = outcome.stdout.decode("utf-8", "replace")
    if len(text) > 2000:
        text = text[:2000] + "…"
    status = f"signal {outcome.signal}" if outcome.signal else f"exit {outcome.exit_code}"
    return f"{status}\n{text}"


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
