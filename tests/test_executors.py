"""Executors: `local` and `ray` store the same results; lost units are retried, then recorded.

The Ray tests start a private Ray instance (2 CPUs) and shut it down again; they check that no
process they started is left behind. Worker processes are found by walking /proc from this test
process, so Ray instances of other users of the machine are never touched.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

from single_shot_eval.config import TaskConfig, load_tasks
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.errors import UserError
from single_shot_eval.models.registry import ModelConfig, resolve_model_specs
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.run.executors import (
    LocalExecutor,
    VerificationDone,
    VerificationJob,
    make_executor,
)

SMOLLM2_MAX_TOKENS = 160
PROCESS_EXIT_WAIT_S = 60.0


@pytest.fixture(scope="module")
def task() -> TaskConfig:
    """The bundled task with a short answer budget, so SmolLM2 stays quick on two cores."""
    bundled = load_tasks(None)[0]
    inference = bundled.inference.model_copy(update={"max_tokens": SMOLLM2_MAX_TOKENS})
    return bundled.model_copy(update={"inference": inference})


@pytest.fixture(scope="module")
def mutant_corpus(bundled_corpus: Corpus) -> Corpus:
    """The first four examples that carry a mutant, so both models' answers get verified."""
    examples = tuple(e for e in bundled_corpus if e.mutant_rust)[:4]
    assert len(examples) == 4
    return dataclasses.replace(bundled_corpus, examples=examples)


def smollm2_config() -> ModelConfig:
    # One llama.cpp thread: the answer does not depend on how busy the machine is.
    return ModelConfig(
        id="smollm2-135m", backend="llama_cpp", model="smollm2", params={"n_threads": 1}
    )


def stored(output: Path) -> list[Sample]:
    with ResultStore(output / "results.sqlite", create=False) as store:
        return list(store.iter_samples())


def comparable(sample: Sample) -> tuple[object, ...]:
    """Everything a stored sample says about the answer, minus timings and dates."""

    def untimed(text: str | None) -> str | None:
        return None if text is None else re.sub(r" in [0-9.]+s\b", "", text)

    stages = tuple(
        (s.stage, s.ok, untimed(s.detail), s.checks_total, s.checks_passed, s.failing_case,
         s.expected, untimed(s.actual))
        for s in sample.stages
    )
    return (
        sample.task_id, sample.model_id, sample.run, sample.example_id, sample.verdict,
        sample.completion, sample.extracted_code, sample.input_tokens, sample.output_tokens,
        sample.tokens_estimated, sample.cached_response, sample.error, stages,
        sample.diagnostics, sample.prompt_sha256,
    )


def descendants(root: int) -> dict[int, str]:
    """pid -> first word of the command line, of every live descendant of `root`."""
    parents: dict[int, int] = {}
    titles: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        # The command name in parentheses may hold spaces: the fields after it are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents[int(entry)] = int(fields[1])
        titles[int(entry)] = cmdline.split(b"\0")[0].decode(errors="replace")
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = titles[pid]
                frontier.append(pid)
    return found


def wait_until_gone(pids: set[int]) -> set[int]:
    """The pids still alive after waiting (up to a minute) for them to exit."""
    deadline = time.monotonic() + PROCESS_EXIT_WAIT_S
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)}
        if alive:
            time.sleep(0.5)
    return alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def private_ray() -> Iterator[None]:
    """A Ray instance of 2 CPUs for one test; afterwards none of its processes may remain."""
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        started = set(descendants(os.getpid()))
        ray.shutdown()
        assert wait_until_gone(started) == set()


@pytest.mark.slow
def test_local_and_ray_store_identical_results(
    tmp_path: Path, task: TaskConfig, mutant_corpus: Corpus, bundled_corpus: Corpus,
    private_ray: None,
) -> None:
    results: dict[str, list[Sample]] = {}
    for executor in ("local", "ray"):
        out = tmp_path / executor
        first = evaluate(
            [task], resolve_model_specs("reference,mutant"), mutant_corpus,
            RunOptions(output=out / "reference", runs=2, limit=4, executor=executor),
        )
        second = evaluate(
            [task], [smollm2_config()], bundled_corpus,
            RunOptions(output=out / "smollm2", runs=1, limit=2, executor=executor),
        )
        assert (first.completed, second.completed) == (16, 2)
        assert first.executor.startswith(executor)
        results[executor] = stored(out / "reference") + stored(out / "smollm2")

    local, ray = results["local"], results["ray"]
    assert [comparable(s) for s in ray] == [comparable(s) for s in local]
    verdicts = {(s.model_id, s.verdict) for s in local}
    assert {v for m, v in verdicts if m == "reference"} == {Verdict.PASS}
    assert Verdict.PASS not in {v for m, v in verdicts if m == "mutant"}
    assert {v for m, v in verdicts if m == "mutant"} - {Verdict.NO_CODE}
    smollm2 = [s for s in local if s.model_id == "smollm2-135m"]
    assert all(s.completion and s.output_tokens > 0 for s in smollm2)
    # Run 2 asked the identical questions: answered from the response cache on both executors.
    two_runs = [s for s in local + ray if s.model_id != "smollm2-135m"]
    assert all(s.cached_response == (s.run == 2) for s in two_runs)


@pytest.mark.slow
def test_killed_ray_worker_loses_only_in_flight_units(
    tmp_path: Path, task: TaskConfig, mutant_corpus: Corpus
) -> None:
    pytest.importorskip("ray")
    killed: list[int] = []
    seen: list[tuple[str, int, str]] = []
    ray_processes: set[int] = set()

    def busy_verifiers() -> set[int]:
        return {pid for pid, title in descendants(os.getpid()).items()
                if title.startswith("ray::verify_unit")}

    def kill_a_busy_verifier(sample: Sample) -> None:
        seen.append((sample.model_id, sample.run, sample.example_id))
        ray_processes.update(descendants(os.getpid()))
        # Kill at the first and third stored sample: two kills can cost one unit at most two
        # of its three attempts (max_retries=2), so nothing may be lost for good.
        if len(seen) not in (1, 3):
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = busy_verifiers()
            time.sleep(0.1)
            still_busy = sorted(busy & busy_verifiers())  # not merely finishing a unit
            if still_busy:
                os.kill(still_busy[0], signal.SIGKILL)
                killed.append(still_busy[0])
                return

    out = tmp_path / "out"
    outcome = evaluate(
        [task], resolve_model_specs("reference,mutant"), mutant_corpus,
        RunOptions(output=out, runs=2, limit=4, executor="ray", ray_address="local", workers=2,
                   use_cache=False),
        on_sample=kill_a_busy_verifier,
    )
    assert killed, "no verification unit was in flight to kill"
    assert outcome.retries >= 1
    assert outcome.retries <= len(killed)
    assert outcome.lost_units == 0
    assert outcome.completed == 16 and not outcome.interrupted
    expected = {(m, r, e.id) for m in ("reference", "mutant") for r in (1, 2)
                for e in mutant_corpus.examples}
    assert sorted(seen) == sorted(expected)  # each sample stored (and reported) exactly once
    samples = stored(out)
    assert sorted((s.model_id, s.run, s.example_id) for s in samples) == sorted(expected)
    assert {s.verdict for s in samples if s.model_id == "reference"} == {Verdict.PASS}
    assert not any(s.details.harness_failure_stage for s in samples)
    # evaluate started this Ray instance, so it shut it down: nothing it started is left.
    assert wait_until_gone(ray_processes) == set()


class FlakyExecutor(LocalExecutor):
    """A local executor whose verification units of some examples are lost `failures` times."""

    def __init__(self, lose: set[str], failures: int) -> None:
        super().__init__(workers=2)
        self.lose = lose
        self.remaining = dict.fromkeys(lose, failures)
        self.submitted: dict[str, int] = {}

    def submit_verification(self, job: VerificationJob) -> Future[VerificationDone]:
        example = job.example.id
        self.submitted[example] = self.submitted.get(example, 0) + 1
        if self.remaining.get(example, 0) > 0:
            self.remaining[example] -= 1
            lost: Future[VerificationDone] = Future()
            lost.set_exception(ConnectionResetError("worker went away"))
            return lost
        return super().submit_verification(job)


def test_lost_units_are_retried_then_recorded_and_resume_redoes_them(
    tmp_path: Path, task: TaskConfig, mutant_corpus: Corpus
) -> None:
    first, second = (e.id for e in mutant_corpus.examples[:2])
    out = tmp_path / "out"
    # `first` is lost once (then verified); `second` is lost every time (1 + 1 retry attempts).
    executor = FlakyExecutor({first, second}, failures=1)
    executor.remaining[second] = 99
    outcome = evaluate(
        [task], resolve_model_specs("reference"), mutant_corpus,
        RunOptions(output=out, runs=1, limit=2, executor=executor, max_retries=1),
    )
    assert (outcome.completed, outcome.retries, outcome.lost_units) == (2, 2, 1)
    assert executor.submitted == {first: 2, second: 2}
    by_example = {s.example_id: s for s in stored(out)}
    assert by_example[first].verdict is Verdict.PASS
    lost = by_example[second]
    assert lost.verdict is Verdict.HARNESS_ERROR
    assert lost.details.harness_failure_stage == "verification"
    assert "lost 2 times" in lost.error and "ConnectionResetError" in lost.error
    assert lost.completion  # the answer itself was kept

    again = evaluate(
        [task], resolve_model_specs("reference"), mutant_corpus,
        RunOptions(output=out, runs=1, limit=2, resume=True),
    )
    assert (again.completed, again.skipped) == (1, 1)
    assert {s.example_id: s.verdict for s in stored(out)} == {
        first: Verdict.PASS, second: Verdict.PASS,
    }


def test_interrupt_keeps_finished_samples(
    tmp_path: Path, task: TaskConfig, mutant_corpus: Corpus
) -> None:
    count = 0

    def interrupt_after_two(sample: Sample) -> None:
        nonlocal count
        count += 1
        if count == 2:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    outcome = evaluate(
        [task], resolve_model_specs("reference,mutant"), mutant_corpus,
        RunOptions(output=out, runs=1, limit=4),
        on_sample=interrupt_after_two,
    )
    assert outcome.interrupted
    assert outcome.completed == 1  # the second sample was stored, then the interrupt came
    assert len(stored(out)) == 2


def test_executor_names_and_arguments_are_checked() -> None:
    assert make_executor("local").name == "local"
    assert make_executor("ray", ray_address="auto").name == "ray"
    with pytest.raises(UserError, match="unknown executor 'dask'"):
        make_executor("dask")
    with pytest.raises(UserError, match="--ray-address applies only to --executor ray"):
        make_executor("local", ray_address="auto")
    with pytest.raises(UserError, match="at least 1"):
        make_executor("local", workers=0)


def test_the_tasks_execution_section_picks_the_executor() -> None:
    from types import SimpleNamespace
    from typing import cast

    from single_shot_eval.run.evaluate import resolve_executor
    from single_shot_eval.run.executors.ray_executor import RayExecutor

    def task_asking(**execution: object) -> TaskConfig:
        return cast(TaskConfig, SimpleNamespace(execution=SimpleNamespace(**execution)))

    on_ray = task_asking(executor="ray", ray_address="local", workers=3)
    chosen = resolve_executor([on_ray], None, ray_address=None, workers=None)
    assert isinstance(chosen, RayExecutor)
    assert (chosen.address, chosen.requested_workers) == ("local", 3)
    # An explicit argument wins, and the task's Ray address does not apply to `local`.
    explicit = resolve_executor([on_ray], "local", ray_address=None, workers=None)
    assert isinstance(explicit, LocalExecutor) and explicit.workers == 3
    with pytest.raises(UserError, match=r"different execution\.executor values"):
        resolve_executor([on_ray, task_asking(executor="local")], None, ray_address=None,
                         workers=None)
