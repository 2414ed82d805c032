"""Reading a test binary's run: which generated cases passed (by their nonce-tagged pass
records on stderr) and what libtest's stdout says about the tests that failed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

PASS_RECORD = "single-shot-eval-case-passed"
"""First word of the line each generated case writes to stderr once its check passed:
`PASS_RECORD NONCE INDEX`. The nonce is fresh per run and reaches the binary on stdin; see
`passed_cases`."""


def new_nonce() -> str:
    """A fresh random nonce for one run of a test binary (write it, plus a newline, on stdin)."""
    return secrets.token_hex(16)


def passed_cases(stderr: str, nonce: str, case_count: int) -> frozenset[int]:
    """Indices of the generated cases that passed in a run given `nonce`: exactly one
    `PASS_RECORD nonce index` line each. libtest's `test ... ok` lines are stdout the candidate
    can print too, so they never count; lines with another nonce are ignored, and a case with
    two records (one of them forged) does not pass."""
    if not nonce:
        raise ValueError("passed_cases needs the run's nonce")
    seen: dict[int, int] = {}
    for line in stderr.splitlines():
        words = line.split()
        if (
            len(words) == 3 and words[0] == PASS_RECORD and words[1] == nonce
            and words[2].isdigit() and int(words[2]) < case_count
        ):
            seen[int(words[2])] = seen.get(int(words[2]), 0) + 1
    return frozenset(index for index, count in seen.items() if count == 1)


@dataclass(frozen=True)
class TestRunOutcome:
    """Counts from one run of a libtest binary.

    `failed` includes tests that never reported a result because the process aborted (stack
    overflow, `std::process::abort`, killed by a timeout): the test that was running is listed
    in `failures`, the ones that never started are only counted in `not_run`.
    """

    __test__ = False  # not a pytest test class despite the name

    passed: int
    failed: int
    failures: tuple[tuple[str, str], ...]
    not_run: int = 0

    @property
    def total(self) -> int:
        """Number of tests the binary announced (or saw, when the header is missing)."""
        return self.passed + self.failed

    @property
    def all_passed(self) -> bool:
        """True when at least one test ran and none failed."""
        return self.passed > 0 and self.failed == 0


_RUNNING = re.compile(r"^running (\d+) tests?$")
_RESULT = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored)(?:, .*)?$")
_STARTED = re.compile(r"^test (\S+) \.\.\.( |$)")
_SECTION = re.compile(r"^---- (\S+) stdout ----$")
_PANIC_HEADER = re.compile(r"^thread '.*' (\(\d+\) )?panicked at .*:$")


def _clean_failure_message(lines: list[str]) -> str:
    """Keep the panic message; drop the `thread ... panicked at` header and backtraces."""
    kept: list[str] = []
    in_backtrace = False
    for line in lines:
        if line == "stack backtrace:":
            in_backtrace = True
            continue
        if line.startswith("note: "):
            in_backtrace = False
            continue
        if in_backtrace or _PANIC_HEADER.match(line):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def parse_libtest_output(stdout: str, *, name_prefix: str | None = None) -> TestRunOutcome:
    """Parse the stdout of a libtest binary run with `--test-threads=1`.

    Only tests whose full name starts with `name_prefix` are counted when it is given (use
    `HARNESS_TEST_FILTER` to ignore tests the candidate wrote itself). Output cut short by an
    abort counts the running test and the announced-but-unseen tests as failed.
    """

    def wanted(name: str) -> bool:
        return name_prefix is None or name.startswith(name_prefix)

    announced: int | None = None
    results: dict[str, str] = {}
    unfinished: str | None = None
    messages: dict[str, list[str]] = {}
    section: str | None = None
    for line in stdout.splitlines():
        if section is not None:  # inside a failure's captured output: only a new header ends it
            if match := _SECTION.match(line):
                section = match.group(1)
                messages[section] = []
            elif line == "failures:" or line.startswith("test result: "):
                section = None
            else:
                messages[section].append(line)
        elif (match := _RUNNING.match(line)) and announced is None:
            announced = int(match.group(1))
        elif match := _RESULT.match(line):
            results[match.group(1)] = match.group(2)
            unfinished = None
        elif match := _STARTED.match(line):
            unfinished = match.group(1)
        elif match := _SECTION.match(line):
            section = match.group(1)
            messages[section] = []
    passed = sum(1 for name, status in results.items() if status == "ok" and wanted(name))
    failures = [
        (name, _clean_failure_message(messages.get(name, [])))
        for name, status in results.items()
        if status == "FAILED" and wanted(name)
    ]
    seen = len(results)
    if unfinished is not None:
        seen += 1
        if wanted(unfinished):
            failures.append(
                (unfinished, "the test process aborted during this test (e.g. stack overflow)")
            )
    not_run = max(0, (announced or 0) - seen)
    return TestRunOutcome(
        passed=passed,
        failed=len(failures) + not_run,
        failures=tuple(failures),
        not_run=not_run,
    )
