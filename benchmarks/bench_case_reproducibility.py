"""Benchmark: do generated behaviour cases reproduce on the Python oracle?

Run: ``.venv/bin/python benchmarks/bench_case_reproducibility.py CORPUS [--jobs 2]
[--cache DIR] [--cached-only] [--repeats 3]``.

CORPUS is anything `--corpus` accepts (a repository root, an `examples/` folder, ...). Every CLI
program example gets its generated cases from the case cache (`--cache`, default the user's
cache; generated there first where it has none), then every case runs `--repeats` times on the
Python original the way the verifier runs it (`python3 script ARGS` in a fresh folder of its
own, with its files and stdin, `PYTHONHASHSEED=0`), all repeats in one sandbox batch. A case
reproduces when every run gives the same stdout and exit code and none times out. The script
prints the examples and cases checked, the count that reproduce every time, and each example
with a case that does not; it exits 1 when any case does not reproduce.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.casegen import DEFAULT_BUDGET, CaseCache, with_generated_cases
from single_shot_eval.casegen.programs import GENERATOR_VERSION
from single_shot_eval.corpus.example import CaseOrigin, Example, ExampleKind
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.sandbox import Sandbox, SandboxCommand, SandboxLimits

REPEATS = 3
RUN_TIMEOUT_S = 10.0


def reproduces(example: Example, sandbox: Sandbox, repeats: int = REPEATS) -> tuple[int, int]:
    """(cases whose `repeats` oracle runs agree, cases) for `example`'s generated cases."""
    cases = [c for c in example.cases if c.origin is CaseOrigin.GENERATED]
    if not cases:
        return 0, 0
    with tempfile.TemporaryDirectory(prefix="sse-repro-") as tmp:
        commands = []
        for repeat in range(repeats):
            for number, case in enumerate(cases):
                folder = Path(tmp) / f"r{repeat}" / f"case-{number}"
                folder.mkdir(parents=True)
                (folder / example.script_name).write_text(example.python_source, "utf-8")
                for name, text in (*example.support_files, *case.files):
                    (folder / name).parent.mkdir(parents=True, exist_ok=True)
                    (folder / name).write_text(text, "utf-8")
                commands.append(SandboxCommand(
                    (sandbox.python_executable, example.script_name, *case.args),
                    case.stdin.encode(),
                    (("PYTHONHASHSEED", "0"), ("HOME", str(folder)), ("TMPDIR", str(folder)),
                     *case.env),
                    str(folder),
                ))
        results = sandbox.run_batch(commands, workdir=Path(tmp), limits=SandboxLimits(
            cpu_s=RUN_TIMEOUT_S, wall_timeout_s=RUN_TIMEOUT_S))
    agreeing = 0
    for number in range(len(cases)):
        runs = [results[repeat * len(cases) + number] for repeat in range(repeats)]
        outcomes = {(r.exit_code, r.stdout, r.timed_out) for r in runs}
        agreeing += len(outcomes) == 1 and not runs[0].timed_out
    return agreeing, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--cache", type=Path, default=None,
                        help="case cache (default: the user's, as `cases` uses)")
    parser.add_argument("--cached-only", action="store_true",
                        help="only the examples the cache already holds (generate nothing)")
    args = parser.parse_args()

    corpus = load_corpus(args.corpus)
    cache = CaseCache(args.cache)
    programs = [e for e in corpus.examples if e.kind is ExampleKind.PROGRAM]
    if args.cached_only:
        programs = [e for e in programs
                    if cache.get(CaseCache.key(e, GENERATOR_VERSION, args.budget)) is not None]
    sandbox = Sandbox()
    started = time.perf_counter()
    generated = with_generated_cases(
        replace(corpus, examples=tuple(programs)), sandbox=sandbox, budget=args.budget,
        cache=cache, jobs=args.jobs)
    print(f"{len(programs)} program examples; cases ready in {time.perf_counter() - started:.1f}"
          " s (cached or generated)")
    started = time.perf_counter()
    agreeing = total = 0
    unjudgeable = [e.id for e in generated.examples if e.unjudgeable_reason is not None]
    failing: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        counts = list(pool.map(lambda e: reproduces(e, sandbox, args.repeats),
                               generated.examples))
    for example, (ok, count) in zip(generated.examples, counts, strict=True):
        agreeing += ok
        total += count
        if ok != count:
            failing.append(f"{example.id} ({count - ok} of {count})")
    print(f"reproduction: {agreeing}/{total} generated cases give the same stdout and exit code "
          f"{args.repeats} times out of {args.repeats}; {total - agreeing} do not"
          + (f": {', '.join(failing)}" if failing else "")
          + f" ({time.perf_counter() - started:.1f} s)")
    print(f"unjudgeable (no deterministic input): {len(unjudgeable)}"
          + (f": {', '.join(unjudgeable)}" if unjudgeable else ""))
    sys.exit(1 if failing else 0)


if __name__ == "__main__":
    main()
