"""What verification produces and remembers: the policy, the result of one candidate, the
Python oracle's outcome on a case, and the typed cache of verdicts and oracle outcomes (with the
digests their keys are built from)."""

from __future__ import annotations

import hashlib
import json
import signal
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from single_shot_eval.corpus.example import Example
from single_shot_eval.results.cache import KeyValueCache, MemoryCache, PrefixedCache
from single_shot_eval.results.records import Diagnostic, StageResult, Verdict
from single_shot_eval.sandbox import SandboxResult
from single_shot_eval.verify.crates import DEFAULT_CRATES


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
class RunOutcome:
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
    """Verdicts and Python oracle outcomes as typed records over two key-value caches (a store's
    tables, or memory): a `harness_error` verdict and an oracle run that did not finish are never
    cached, so the next attempt verifies for real."""

    def __init__(
        self,
        verdicts: KeyValueCache | None = None,
        oracle: KeyValueCache | None = None,
        *,
        broken: KeyValueCache | None = None,
    ) -> None:
        self.verdicts: KeyValueCache = verdicts if verdicts is not None else MemoryCache()
        self.oracle: KeyValueCache = oracle if oracle is not None else MemoryCache()
        # Examples whose oracle could not finish, with why: kept in memory only (never
        # persisted), so this process does not pay the failing oracle runs again for every
        # candidate, and a later process tries again.
        self.broken: KeyValueCache = broken if broken is not None else MemoryCache()

    def with_verdict_prefix(self, prefix: str) -> VerdictCache:
        """This cache with verdicts under keys of their own (`prefix` + key), so they never mix
        with the others; oracle outcomes and broken examples are shared (the Python program
        does the same whoever the candidate is)."""
        return VerdictCache(PrefixedCache(self.verdicts, prefix), self.oracle, broken=self.broken)

    def get_verdict(self, key: str) -> VerificationResult | None:
        text = self.verdicts.get(key)
        return VerificationResult.from_json(text, cached=True) if text is not None else None

    def put_verdict(self, key: str, result: VerificationResult) -> None:
        """Remember a verdict; a `harness_error` (our failure, or a broken example) never is,
        so the next attempt verifies for real."""
        if result.verdict is not Verdict.HARNESS_ERROR:
            self.verdicts.put(key, result.to_json())

    def get_oracle(self, key: str) -> RunOutcome | None:
        text = self.oracle.get(key)
        if text is None:
            return None
        data = json.loads(text)
        outcome = RunOutcome(
            exit_code=data["exit_code"],
            stdout=bytes.fromhex(data["stdout"]),
            stderr=bytes.fromhex(data["stderr"]),
            timed_out=data["timed_out"],
        )
        # Written by an older version that cached oracle failures: not truth, run it again.
        return None if oracle_failure(outcome) is not None else outcome

    def put_oracle(self, key: str, outcome: RunOutcome) -> None:
        """Remember the Python program's outcome on a case; one that did not finish never is."""
        if oracle_failure(outcome) is not None:
            return
        text = json.dumps(
            {
                "exit_code": outcome.exit_code,
                "stdout": outcome.stdout.hex(),
                "stderr": outcome.stderr[:65536].hex(),
                "timed_out": outcome.timed_out,
            }
        )
        self.oracle.put(key, text)

    def broken_reason(self, key: str) -> str | None:
        """Why the example with oracle-run key `key` is broken in this process, or None."""
        return self.broken.get(key)

    def put_broken(self, key: str, reason: str) -> None:
        self.broken.put(key, reason)


def sha(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def example_checks_digest(example: Example) -> str:
    """Hash of everything about an example that a verdict depends on."""
    pytest_text = example.pytest_path.read_text() if example.pytest_path else ""
    return sha(
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


_LADDER = [
    Verdict.HARNESS_ERROR, Verdict.COMPILE_ERROR, Verdict.TIMEOUT, Verdict.CRASH,
    Verdict.TEST_FAILURE, Verdict.BEHAVIOUR_MISMATCH, Verdict.COMPILE_ONLY, Verdict.PASS,
]


def verdict_rank(verdict: Verdict) -> int:
    """Position on the verdict ladder, worst first (the lowest rank is the verdict)."""
    return _LADDER.index(verdict) if verdict in _LADDER else len(_LADDER)


def unique_diagnostics(diagnostics: Sequence[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(dict.fromkeys(diagnostics))


def oracle_failure(outcome: RunOutcome, timeout_s: float | None = None) -> str | None:
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


def timed_out(res: SandboxResult) -> bool:
    """A wall-clock timeout, or the CPU-time limit (SIGXCPU) that a busy loop reaches first."""
    return res.timed_out or res.signal == signal.SIGXCPU


def as_outcome(res: SandboxResult) -> RunOutcome:
    return RunOutcome(
        exit_code=res.exit_code,
        stdout=res.stdout,
        stderr=res.stderr,
        timed_out=timed_out(res),
        signal=None if timed_out(res) else res.signal,
        memory_exceeded=res.memory_exceeded,
        output_capped=res.output_capped,
    )
