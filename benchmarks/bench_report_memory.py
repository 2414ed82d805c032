"""Peak memory and time of `report` on a synthetic 10,000-sample store.

    python benchmarks/bench_report_memory.py [N_SAMPLES]

Builds a store of N synthetic samples (4 models x 500 examples x 5 runs by default, realistic
completion sizes), then runs `single-shot-eval report` on it in a child process and prints its
peak RSS (target < 300 MB) and wall time, next to the same child doing only the imports (the
baseline measured in the same run).
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from single_shot_eval.results.records import Diagnostic, Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore

VERDICTS = [Verdict.PASS, Verdict.COMPILE_ERROR, Verdict.BEHAVIOUR_MISMATCH, Verdict.NO_CODE]


def build_store(path: Path, n_samples: int) -> None:
    rng = random.Random(0)
    models = [("slm", 0.6, 2e-5), ("mid", 0.75, 4e-4), ("big", 0.9, 6e-3), ("ref", 1.0, 0.0)]
    n_examples = max(1, n_samples // (len(models) * 5))
    code = "fn main() {\n" + "    println!(\"line\");\n" * 40 + "}\n"
    with ResultStore(path) as store:
        for model, rate, cost in models:
            for run in range(1, 6):
                for e in range(n_examples):
                    verdict = Verdict.PASS if rng.random() < rate else rng.choice(VERDICTS[1:])
                    store.add_sample(Sample(
                        task_id="bench", model_id=model, run=run, example_id=f"ex{e:05d}",
                        level=1 + e % 10, prompt_sha256="0" * 64,
                        completion=f"```rust\n{code}```\n", extracted_code=code,
                        input_tokens=300, output_tokens=400, tokens_estimated=False,
                        latency_s=rng.uniform(0.1, 3.0), cost_usd=cost * rng.uniform(0.5, 1.5),
                        verdict=verdict,
                        stages=(StageResult("compile", verdict.compiled, 0.2),),
                        diagnostics=() if verdict.compiled else (
                            Diagnostic("error", "mismatched types", "E0308", "type"),),
                        created_at="2026-01-01T00:00:00+00:00",
                    ))


def child_peak(args: list[str]) -> tuple[float, float]:
    """(peak RSS of the child in MB, wall seconds)."""
    code = (
        "import resource, runpy, sys; sys.argv = ['single-shot-eval', *sys.argv[1:]];\n"
        "try:\n    runpy.run_module('single_shot_eval', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - start
    return int(done.stderr.strip().splitlines()[-1]) / 1024, wall


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "results.sqlite"
        build_store(store, n)
        size_mb = store.stat().st_size / 1e6
        base_mb, base_s = child_peak(["--version"])
        peak_mb, wall_s = child_peak(["report", "--input", tmp, "--output", f"{tmp}/out",
                                      "--format", "json,md,csv", "--quiet"])
    print(f"samples: {n:,}  store: {size_mb:.1f} MB")
    print(f"report : peak RSS {peak_mb:.0f} MB, {wall_s:.1f} s")
    print(f"imports: peak RSS {base_mb:.0f} MB, {base_s:.1f} s  (baseline, same run)")
    print(f"report peak RSS / 300 MB target: {peak_mb / 300:.2f}")


if __name__ == "__main__":
    main()
