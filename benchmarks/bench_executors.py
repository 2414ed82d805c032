"""Benchmark: verification throughput of the `local` and `ray` executors with 1 and 2 workers,
and a model of the wall time of a 15,000-sample evaluation on N workers.

Run: ``.venv/bin/python benchmarks/bench_executors.py [--examples 12] [--runs 2]
[--generations 2] [--repeats 2]`` (about 7 minutes on 2 idle cores).

Part 1 verifies the same candidates (the bundled corpus's reference translations of the first
``--examples`` examples, each ``--runs`` times) with each configuration, in one process: local
threads with 1 and 2 workers, and a private Ray instance (2 CPUs, started here) with 1 and 2
units in flight, in ABBA order (``--repeats``), keeping each configuration's best run. No
verdict or oracle is reused between candidates (every candidate is compiled, run and compared
in full), so every configuration does the same work. It prints wall times, throughputs and the
speed-up of 2 workers over 1 (target >= 1.7), with the share of the machine's CPUs that was
busy meanwhile (every process, not only ours): on a shared machine, other programs' load caps
the speed-up.

Part 2 measures SmolLM2-135M's mean generation time per sample (the bundled task's prompt and
settings, one llama.cpp thread, ``--generations`` examples), takes the mean verification time
per sample from part 1, the Ray per-unit overhead (Ray at 1 worker minus local at 1 worker, per
unit) and the driver's cost of storing one sample, and prints the modelled wall time of 15,000
samples on N = 1, 2, 8, 32, 128 workers with the assumptions it rests on.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.config import load_tasks
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.models.base import GenerationRequest
from single_shot_eval.models.llama_cpp import LlamaCppModel
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.results.cache import MemoryCache, WriteOnlyCache
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.evaluate import policy_for
from single_shot_eval.run.executors import (
    DriverContext,
    Executor,
    LocalExecutor,
    VerificationDone,
    VerificationJob,
)
from single_shot_eval.run.prompt import render_messages
from single_shot_eval.verify.extract import extract_rust
from single_shot_eval.verify.verifier import VerdictCache, Verifier

TOTAL_SAMPLES = 15_000
WORKER_COUNTS = (1, 2, 8, 32, 128)
RAY_CPUS = 2
TARGET_SPEEDUP = 1.7


def no_reuse_cache() -> VerdictCache:
    """A verdict cache that never answers: every candidate is verified in full."""
    return VerdictCache(WriteOnlyCache(MemoryCache()), WriteOnlyCache(MemoryCache()))


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One configuration's run over all candidates."""

    label: str
    workers: int
    wall_s: float
    units: int
    verdicts: Counter[Verdict]
    machine_busy: float

    @property
    def throughput(self) -> float:
        return self.units / self.wall_s


def candidate_jobs(examples: list[Example], runs: int) -> list[VerificationJob]:
    """Each example's reference translation, answered as the reference model answers it."""
    policy = policy_for(load_tasks(None)[0])
    jobs = []
    for _ in range(runs):
        for example in examples:
            assert example.reference_rust is not None
            code = extract_rust(f"```rust\n{example.reference_rust}```\n", example.entry_point)
            assert code is not None
            pytest_text = example.pytest_path.read_text() if example.pytest_path else None
            jobs.append(VerificationJob(code, example, policy, pytest_text))
    return jobs


def measure(
    label: str, executor: Executor, jobs: list[VerificationJob], workers: int
) -> Measurement:
    """Verify every job, keeping exactly `workers` units in flight."""
    verifier = Verifier(policy=jobs[0].policy, cache=no_reuse_cache())

    def no_model(config: ModelConfig) -> LlamaCppModel:
        raise AssertionError("this benchmark generates nothing through the executor")

    executor.start(DriverContext(verifier, no_model, ()))
    verdicts: Counter[Verdict] = Counter()
    queue = list(reversed(jobs))
    in_flight: set[Future[VerificationDone]] = set()
    busy_before = cpu_times()
    started = time.perf_counter()
    try:
        while queue or in_flight:
            while queue and len(in_flight) < workers:
                in_flight.add(executor.submit_verification(queue.pop()))
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result().result
                assert result is not None
                verdicts[result.verdict] += 1
        wall_s = time.perf_counter() - started
        busy_after = cpu_times()
    finally:
        executor.close()
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    return Measurement(label, workers, wall_s, len(jobs), verdicts, busy)


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs of the machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def generation_cost(examples: tuple[Example, ...]) -> tuple[float, float, float]:
    """SmolLM2-135M on one thread: (mean s per sample, mean output tokens, tokens per s)."""
    task = load_tasks(None)[0]
    model = LlamaCppModel(
        ModelConfig(id="smollm2-135m", backend="llama_cpp", model="smollm2",
                    params={"n_threads": 1})
    )
    model.llama  # load once, outside the timed calls  # noqa: B018
    latencies, tokens = [], []
    for example in examples:
        request = GenerationRequest(
            messages=render_messages(task, example),
            temperature=task.inference.temperature,
            max_tokens=task.inference.max_tokens,
            seed=task.inference.seed,
            example_id=example.id,
            python_source=example.python_source,
            stop_after_code_block=task.inference.stop_after_code_block,
        )
        completion = model.generate(request)
        latencies.append(completion.latency_s)
        tokens.append(completion.output_tokens)
    return statistics.mean(latencies), statistics.mean(tokens), sum(tokens) / sum(latencies)


def driver_cost_per_sample(count: int = 300) -> float:
    """Seconds the driver spends storing one sample (one durable SQLite row)."""
    sample = Sample(
        task_id="t", model_id="m", run=1, example_id="e", level=3, prompt_sha256="0" * 64,
        completion="```rust\n" + "fn main() {}\n" * 40 + "```", extracted_code="fn main() {}",
        input_tokens=400, output_tokens=300, tokens_estimated=False, latency_s=1.0,
        cost_usd=0.0, verdict=Verdict.PASS,
    )
    with tempfile.TemporaryDirectory() as tmp, ResultStore(Path(tmp) / "s.sqlite") as store:
        started = time.perf_counter()
        for i in range(count):
            store.add_sample(sample.model_copy(update={"run": i}))
        return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=12, help="corpus references to verify")
    parser.add_argument("--runs", type=int, default=2, help="times each reference is verified")
    parser.add_argument("--generations", type=int, default=2, help="SmolLM2 answers to time")
    parser.add_argument("--repeats", type=int, default=2, help="ABBA rounds per configuration")
    args = parser.parse_args()

    corpus = load_corpus()
    examples = [e for e in corpus if e.reference_rust][: args.examples]
    jobs = candidate_jobs(examples, args.runs)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    print(f"candidates: {len(examples)} corpus references x {args.runs} runs = {len(jobs)} "
          "verifications per configuration, nothing reused between them\n")

    import ray

    from single_shot_eval.run.executors.ray_executor import RayExecutor

    started = time.perf_counter()
    ray.init(address="local", num_cpus=RAY_CPUS, include_dashboard=False, log_to_driver=False)
    ray_start_s = time.perf_counter() - started
    factories: dict[tuple[str, int], Callable[[], Executor]] = {
        ("local", 1): lambda: LocalExecutor(workers=1),
        ("local", 2): lambda: LocalExecutor(workers=2),
        ("ray", 1): lambda: RayExecutor(workers=1),
        ("ray", 2): lambda: RayExecutor(workers=2),
    }
    # ABBA order, best of the repeats: drifting load from other programs hits every
    # configuration alike, and a run slowed by a burst of it does not count.
    order = list(factories)
    runs: list[Measurement] = []
    try:
        for repeat in range(args.repeats):
            for label, workers in order if repeat % 2 == 0 else reversed(order):
                runs.append(measure(label, factories[label, workers](), jobs, workers))
    finally:
        ray.shutdown()
    results = [
        min((m for m in runs if (m.label, m.workers) == key), key=lambda m: m.wall_s)
        for key in order
    ]

    print(f"best of {args.repeats} runs; busy: share of all the machine's CPUs that were busy "
          "(every process, ours and others')")
    print(f"{'executor':<8} {'workers':>7} {'wall s':>8} {'units/s':>8} {'busy':>5}  verdicts")
    for m in results:
        verdicts = ", ".join(f"{v.value} {n}" for v, n in sorted(m.verdicts.items()))
        print(f"{m.label:<8} {m.workers:>7} {m.wall_s:>8.2f} {m.throughput:>8.3f} "
              f"{m.machine_busy:>5.0%}  {verdicts}")
    print("all runs: " + ", ".join(f"{m.label}/{m.workers} {m.wall_s:.1f}s" for m in runs))
    print()
    for label in ("local", "ray"):
        one, two = (m for m in results if m.label == label)
        ratio = two.throughput / one.throughput
        verdict = "meets" if ratio >= TARGET_SPEEDUP else "misses"
        print(f"speed-up {label:<5} 2 workers / 1 worker: {ratio:.2f}x "
              f"({verdict} the {TARGET_SPEEDUP}x target)")
    print(f"ray instance start: {ray_start_s:.1f} s\n")

    local_one, _, ray_one, _ = results
    verify_s = local_one.wall_s / local_one.units
    overhead_s = (ray_one.wall_s - local_one.wall_s) / local_one.units
    print(f"timing SmolLM2-135M on {args.generations} examples (bundled task settings, 1 thread)")
    generate_s, mean_tokens, tokens_per_s = generation_cost(corpus.examples[: args.generations])
    driver_s = driver_cost_per_sample()
    print_model(generate_s, mean_tokens, tokens_per_s, verify_s, overhead_s, driver_s,
                ray_start_s)


def print_model(
    generate_s: float, mean_tokens: float, tokens_per_s: float, verify_s: float,
    overhead_s: float, driver_s: float, ray_start_s: float,
) -> None:
    """The wall-time model for TOTAL_SAMPLES samples, from the measured per-unit costs."""
    unit_overhead_s = max(0.0, overhead_s)
    per_sample_s = generate_s + verify_s + 2 * unit_overhead_s
    print("measured per-unit costs:")
    print(f"  generation   g = {generate_s:7.2f} s/sample  ({mean_tokens:.0f} output tokens at "
          f"{tokens_per_s:.1f} tokens/s)")
    print(f"  verification v = {verify_s:7.2f} s/sample  (local, 1 worker, nothing reused)")
    print(f"  ray overhead o = {overhead_s:7.3f} s/unit    (ray minus local at 1 worker; "
          f"{unit_overhead_s:.3f} used, 2 units per sample)")
    print(f"  driver       d = {driver_s * 1000:7.3f} ms/sample (one durable store write)")
    print(f"  ray start    s = {ray_start_s:7.1f} s")
    print()
    print(f"model: wall(N) = s + max({TOTAL_SAMPLES} * (g + v + 2o) / N, {TOTAL_SAMPLES} * d) "
          "+ (g + v)")
    print(f"{'N':>5} {'wall s':>11} {'wall h':>8} {'samples/s':>10}  bound")
    for n in WORKER_COUNTS:
        compute_s = TOTAL_SAMPLES * per_sample_s / n
        driver_bound_s = TOTAL_SAMPLES * driver_s
        wall_s = ray_start_s + max(compute_s, driver_bound_s) + generate_s + verify_s
        bound = "workers" if compute_s >= driver_bound_s else "driver"
        print(f"{n:>5} {wall_s:>11.0f} {wall_s / 3600:>8.2f} {TOTAL_SAMPLES / wall_s:>10.2f}  "
              f"{bound}")
    print("""
assumptions:
  * a worker is one CPU that runs one unit at a time, a generation (SmolLM2-135M, one llama.cpp
    thread) or a verification; units are independent and spread evenly, so the work divides
    by N, plus the last unit's own time (the tail) and the Ray start;
  * every one of the 15,000 samples is generated and verified (no cache hit: temperature > 0,
    or 15,000 distinct answers); at temperature 0 with 5 runs the response and verdict caches
    leave 3,000 distinct units, a fifth of the work;
  * every model costs what SmolLM2-135M costs here per answer; a 7B GGUF model is some 50x
    slower per token (use num_gpus), an API model uses no worker CPU but its rate limit;
  * verification costs what the corpus references cost (a passing candidate runs every stage;
    a candidate that fails to compile is cheaper), oracle runs included;
  * the Ray overhead per unit is measured on one machine; across machines add the network
    round trip (milliseconds) per unit; candidates and results are a few KB;
  * the driver writes every sample itself, one SQLite transaction each: that caps the
    throughput at 1/d samples per second, whatever N.""")


if __name__ == "__main__":
    main()
