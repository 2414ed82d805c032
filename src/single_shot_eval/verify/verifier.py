"""Verify a candidate translation against every ground truth its example offers.

Stages, each with its own verdict and timing: `compile` (rustc, JSON diagnostics), `tests`
(function-level `#[test]`s generated from the example's cases), `behaviour` (the Rust binary and
the Python original on the same argv/stdin/env; stdout and exit code must match) and `pytest`
(the example's own pytest file, with a `python3` shim that runs the Rust binary instead of the
script). Everything untrusted runs in the `Sandbox`. Identical candidates are verified once.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from single_shot_eval.corpus.example import BehaviourCase, Example, ExampleKind
from single_shot_eval.records import Diagnostic, StageResult, Verdict
from single_shot_eval.verify.diagnostics import parse_rustc_json
from single_shot_eval.verify.sandbox import Sandbox, SandboxLimits, SandboxResult
from single_shot_eval.verify.toolchain import Toolchain, detect_toolchain

PANIC_EXIT_CODE = 101
PYTHON_UNCAUGHT_EXIT_CODE = 1


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

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    def to_json(self) -> str:
        return json.dumps(
            {
                "verdict": self.verdict.value,
                "stages": [asdict(s) for s in self.stages],
                "diagnostics": [asdict(d) for d in self.diagnostics],
                "toolchain": self.toolchain_fingerprint,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, *, cached: bool = False) -> VerificationResult:
        data = json.loads(text)
        return cls(
            verdict=Verdict(data["verdict"]),
            stages=tuple(StageResult(**s) for s in data["stages"]),
            diagnostics=tuple(Diagnostic(**d) for d in data["diagnostics"]),
            toolchain_fingerprint=data["toolchain"],
            cached=cached,
        )


@dataclass(frozen=True)
class _RunOutcome:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    signal: int | None = None


class VerdictCache:
    """Thread-safe memo of verdicts and Python oracle outputs, optionally persisted by a callback."""

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
        self._lock = threading.Lock()
        self.hits = 0

    def get_verdict(self, key: str) -> VerificationResult | None:
        with self._lock:
            text = self._verdicts.get(key)
            if text is not None:
                self.hits += 1
        return VerificationResult.from_json(text, cached=True) if text is not None else None

    def put_verdict(self, key: str, result: VerificationResult) -> None:
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
        return _RunOutcome(
            exit_code=data["exit_code"],
            stdout=bytes.fromhex(data["stdout"]),
            stderr=bytes.fromhex(data["stderr"]),
            timed_out=data["timed_out"],
        )

    def put_oracle(self, key: str, outcome: _RunOutcome) -> None:
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

    def cache_key(self, code: str, example: Example) -> str:
        return _sha(code, example_checks_digest(example), self.toolchain.fingerprint,
                    self.policy.key())

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
        with tempfile.TemporaryDirectory(prefix="sse-verify-") as tmp:
            result = self._verify_uncached(code, example, Path(tmp))
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
        self, source: str, workdir: Path, *, test_harness: bool
    ) -> tuple[StageResult, tuple[Diagnostic, ...], Path | None]:
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
            "-A",
            "warnings",
            "-o",
            "prog",
            "main.rs",
        ]
        if test_harness:
            argv.insert(1, "--test")
        start = time.perf_counter()
        res = self.sandbox.run(
            argv, workdir=workdir, limits=self._limits(self.policy.compile_timeout_s)
        )
        duration = time.perf_counter() - start
        stderr = res.stderr.decode("utf-8", "replace")
        diagnostics = parse_rustc_json(stderr)
        binary = workdir / "prog"
        if res.exit_code == 0 and binary.exists():
            return StageResult("compile", True, duration), diagnostics, binary
        if res.timed_out:
            detail = f"rustc timed out after {self.policy.compile_timeout_s:g} s"
        elif diagnostics:
            first = diagnostics[0]
            detail = f"{first.code or first.category}: {first.message.splitlines()[0]}"
            crates = [d for d in diagnostics if d.category == "missing_crate"]
            if crates:
                detail = "uses a crate outside the allowed set (std only): " + detail
        else:
            detail = f"rustc failed (exit {res.exit_code}): {stderr.strip()[:300]}"
        return StageResult("compile", False, duration, detail=detail), diagnostics, None

    def _verify_uncached(self, code: str, example: Example, workdir: Path) -> VerificationResult:
        fp = self.toolchain.fingerprint
        gt = self.policy.ground_truth
        stages: list[StageResult] = []
        harness = ""
        if example.kind is ExampleKind.FUNCTION and example.function_cases:
            from single_shot_eval.verify.function_harness import render_test_module

            assert example.entry_point is not None
            harness = render_test_module(
                example.python_source, example.entry_point, example.function_cases
            )
        if example.rust_tests:
            harness += "\n" + example.rust_tests
        if harness and gt != "compiler":
            compile_stage, diags, binary = self._compile(
                code + "\n" + harness, workdir, test_harness=True
            )
            stages.append(compile_stage)
            if binary is None:
                return VerificationResult(Verdict.COMPILE_ERROR, tuple(stages), diags, fp)
            test_stage, verdict = self._run_function_tests(
                binary, workdir, harness_only=bool(example.function_cases)
            )
            stages.append(test_stage)
            return VerificationResult(verdict, tuple(stages), diags, fp)

        test_harness = example.kind is ExampleKind.FUNCTION
        compile_stage, diags, binary = self._compile(code, workdir, test_harness=test_harness)
        stages.append(compile_stage)
        if binary is None:
            return VerificationResult(Verdict.COMPILE_ERROR, tuple(stages), diags, fp)
        checked = False
        if example.kind is ExampleKind.PROGRAM and example.cases and gt in {"full", "behaviour"}:
            checked = True
            stage, verdict = self._run_behaviour(binary, example, workdir)
            stages.append(stage)
            if verdict is not Verdict.PASS:
                return VerificationResult(verdict, tuple(stages), diags, fp)
        if (
            example.kind is ExampleKind.PROGRAM
            and example.pytest_path is not None
            and self.policy.run_pytest
            and gt in {"full", "tests"}
        ):
            checked = True
            stage, verdict = self._run_pytest(binary, example, workdir)
            stages.append(stage)
            if verdict is not Verdict.PASS:
                return VerificationResult(verdict, tuple(stages), diags, fp)
        final = Verdict.PASS if checked else Verdict.COMPILE_ONLY
        return VerificationResult(final, tuple(stages), diags, fp)

    def _run_function_tests(
        self, binary: Path, workdir: Path, *, harness_only: bool
    ) -> tuple[StageResult, Verdict]:
        """Run the test binary; with `harness_only`, only the generated cases count (a
        candidate's own `#[test]`s are not ground truth)."""
        from single_shot_eval.verify.function_harness import (
            HARNESS_TEST_FILTER,
            TEST_BINARY_ARGS,
            parse_libtest_output,
        )

        args = list(TEST_BINARY_ARGS) if harness_only else ["--test-threads=1"]
        start = time.perf_counter()
        res = self.sandbox.run(
            [str(binary), *args],
            workdir=workdir,
            limits=self._limits(self.policy.run_timeout_s),
        )
        duration = time.perf_counter() - start
        outcome = parse_libtest_output(
            res.stdout.decode("utf-8", "replace"),
            name_prefix=HARNESS_TEST_FILTER if harness_only else None,
        )
        total = outcome.passed + outcome.failed
        if res.timed_out:
            return StageResult("tests", False, duration, "test run timed out", total,
                               outcome.passed), Verdict.TIMEOUT
        if res.signal is not None:
            return StageResult("tests", False, duration, f"killed by signal {res.signal}",
                               total, outcome.passed), Verdict.CRASH
        if outcome.failed or res.exit_code != 0 or total == 0:
            name, message = outcome.failures[0] if outcome.failures else ("", "")
            detail = f"{outcome.failed} of {total} test cases failed"
            if total == 0:
                detail = f"test binary ran no test (exit {res.exit_code})"
            return (
                StageResult("tests", False, duration, detail, total, outcome.passed,
                            failing_case=name or None, actual=message[:2000] or None),
                Verdict.TEST_FAILURE,
            )
        return StageResult("tests", True, duration, "", total, outcome.passed), Verdict.PASS

    def _oracle(self, example: Example, case: BehaviourCase) -> _RunOutcome:
        key = _sha("oracle", example.python_source, example.script_name, repr(case),
                   self.toolchain.python_version)
        cached = self.cache.get_oracle(key)
        if cached is not None:
            return cached
        with tempfile.TemporaryDirectory(prefix="sse-oracle-") as tmp:
            wd = Path(tmp)
            (wd / example.script_name).write_text(example.python_source, encoding="utf-8")
            res = self.sandbox.run(
                [self.sandbox.python_executable, example.script_name, *case.args],
                workdir=wd,
                stdin=case.stdin.encode(),
                env={"PYTHONHASHSEED": "0", **dict(case.env)},
                limits=self._limits(self.policy.run_timeout_s),
            )
        outcome = _as_outcome(res)
        self.cache.put_oracle(key, outcome)
        return outcome

    def _same(self, expected: _RunOutcome, actual: _RunOutcome) -> bool:
        if expected.stdout != actual.stdout:
            return False
        if self.policy.compare_stderr and expected.stderr != actual.stderr:
            return False
        if expected.exit_code == actual.exit_code:
            return True
        return (
            self.policy.panic_matches_exception
            and expected.exit_code == PYTHON_UNCAUGHT_EXIT_CODE
            and b"Traceback (most recent call last)" in expected.stderr
            and actual.exit_code == PANIC_EXIT_CODE
        )

    def _run_behaviour(
        self, binary: Path, example: Example, workdir: Path
    ) -> tuple[StageResult, Verdict]:
        start = time.perf_counter()
        passed = 0
        first_failure: tuple[BehaviourCase, _RunOutcome, _RunOutcome, Verdict] | None = None
        for case in example.cases:
            expected = self._oracle(example, case)
            res = self.sandbox.run(
                [str(binary), *case.args],
                workdir=workdir,
                stdin=case.stdin.encode(),
                env=dict(case.env),
                limits=self._limits(self.policy.run_timeout_s),
            )
            actual = _as_outcome(res)
            if self._same(expected, actual):
                passed += 1
                continue
            if actual.timed_out and not expected.timed_out:
                verdict = Verdict.TIMEOUT
            elif actual.signal is not None or (
                actual.exit_code == PANIC_EXIT_CODE and expected.exit_code != PANIC_EXIT_CODE
            ):
                verdict = Verdict.CRASH
            else:
                verdict = Verdict.BEHAVIOUR_MISMATCH
            if first_failure is None or _rank(verdict) < _rank(first_failure[3]):
                first_failure = (case, expected, actual, verdict)
        duration = time.perf_counter() - start
        total = len(example.cases)
        if first_failure is None:
            return StageResult("behaviour", True, duration, "", total, passed), Verdict.PASS
        case, expected, actual, verdict = first_failure
        return (
            StageResult(
                "behaviour",
                False,
                duration,
                detail=f"{total - passed} of {total} cases differ from the Python program",
                checks_total=total,
                checks_passed=passed,
                failing_case=f"{case.name}: args={shlex.join(case.args)} stdin={case.stdin!r}",
                expected=_describe(expected),
                actual=_describe(actual),
            ),
            verdict,
        )

    def _run_pytest(
        self, binary: Path, example: Example, workdir: Path
    ) -> tuple[StageResult, Verdict]:
        assert example.pytest_path is not None
        suite = workdir / "suite"
        suite.mkdir()
        (suite / example.script_name).write_text(example.python_source, encoding="utf-8")
        test_file = suite / example.pytest_path.name
        test_file.write_text(example.pytest_path.read_text(encoding="utf-8"), encoding="utf-8")
        shim_dir = workdir / "shim"
        shim_dir.mkdir()
        real_python = self.sandbox.python_executable
        shim = (
            "#!/bin/sh\n"
            "# Runs the Rust binary in place of the example's script; the real Python otherwise.\n"
            'case "$1" in\n'
            f'  *{example.script_name}) shift; exec "{binary}" "$@" ;;\n'
            "esac\n"
            f'exec "{real_python}" "$@"\n'
        )
        for name in ("python3", "python"):
            path = shim_dir / name
            path.write_text(shim)
            path.chmod(0o755)
        start = time.perf_counter()
        res = self.sandbox.run(
            [real_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
             "--no-header", str(test_file)],
            workdir=workdir,
            env={
                "PATH": f"{shim_dir}:/usr/local/bin:/usr/bin:/bin",
                "PYTHONDONTWRITEBYTECODE": "1",
                # pytest comes from this tool's environment, mounted read-only in the sandbox.
                "PYTHONPATH": sysconfig.get_paths()["purelib"],
            },
            limits=self._limits(max(self.policy.run_timeout_s * 6, 60.0)),
        )
        duration = time.perf_counter() - start
        out = res.stdout.decode("utf-8", "replace")
        summary = out.strip().splitlines()[-1] if out.strip() else ""
        passed = _count(summary, "passed")
        failed = _count(summary, "failed") + _count(summary, "error")
        if res.timed_out:
            return StageResult("pytest", False, duration, "pytest suite timed out"), Verdict.TIMEOUT
        if res.exit_code == 0:
            return StageResult("pytest", True, duration, summary, passed, passed), Verdict.PASS
        return (
            StageResult("pytest", False, duration, summary or f"pytest exit {res.exit_code}",
                        passed + failed, passed, actual=out[-2000:]),
            Verdict.TEST_FAILURE,
        )


def _count(summary: str, word: str) -> int:
    import re

    m = re.search(rf"(\d+) {word}", summary)
    return int(m.group(1)) if m else 0


_LADDER = [Verdict.TIMEOUT, Verdict.CRASH, Verdict.TEST_FAILURE, Verdict.BEHAVIOUR_MISMATCH]


def _rank(verdict: Verdict) -> int:
    return _LADDER.index(verdict) if verdict in _LADDER else len(_LADDER)


def _as_outcome(res: SandboxResult) -> _RunOutcome:
    return _RunOutcome(
        exit_code=res.exit_code,
        stdout=res.stdout,
        stderr=res.stderr,
        timed_out=res.timed_out,
        signal=res.signal,
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
