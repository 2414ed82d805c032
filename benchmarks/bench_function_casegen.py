"""Benchmark: generated cases for a JSONL function corpus (e.g. a checkout's
`data/corpus/transpile_corpus.jsonl`).

Run: ``.venv/bin/python benchmarks/bench_function_casegen.py CORPUS.jsonl [--json]``. For every
record: load it as shipped, check its hand-written cases against the Python oracle, generate
cases (fresh, no cache), then again from the cache; re-run every kept case on the oracle three
more times. Prints per record the kind, cases (hand-written/generated), line coverage and
seconds, then the totals: records accounted for, judgeable share, median generation seconds
(fresh and cached, and their ratio), median line coverage, and how many generated cases
reproduced 3 times out of 3. Every figure is measured in this run.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.casegen.function_runs import run_oracle
from single_shot_eval.casegen.function_values import case_value, same_value
from single_shot_eval.casegen.functions import _hand_written, prepare_function_example
from single_shot_eval.corpus.contract import ClassSignature, harness_target
from single_shot_eval.corpus.example import CaseOrigin, ExampleKind
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.sandbox import Sandbox


def main(path: str, as_json: bool) -> None:
    corpus = load_corpus(path)
    sandbox = Sandbox()
    rows = []
    reproduced = total_generated = 0
    with tempfile.TemporaryDirectory() as cache:
        for example in corpus:
            if example.kind is ExampleKind.PROGRAM:
                rows.append({"id": example.id, "kind": "program", "hand_written": 0,
                             "generated": len(example.cases), "judgeable": True,
                             "reason": None, "line_coverage": None, "seconds": None,
                             "cached_seconds": None, "warnings": []})
                continue
            warnings: list[str] = []
            started = time.perf_counter()
            prepared = prepare_function_example(example, sandbox, cache_dir=Path(cache),
                                                warn=warnings.append)
            fresh_s = time.perf_counter() - started
            started = time.perf_counter()
            prepare_function_example(example, sandbox, cache_dir=Path(cache))
            cached_s = time.perf_counter() - started
            result = prepared.example
            generated = [c for c in result.function_cases if c.origin is CaseOrigin.GENERATED]
            if generated and result.entry_point:
                target = harness_target(result.python_source, result.entry_point,
                                        result.function_cases)
                inputs = [
                    [list(c.inputs[0]), [list(call) for call in c.inputs[1]]]
                    if isinstance(target, ClassSignature) else list(c.inputs)
                    for c in generated
                ]
                runs, _ = run_oracle(sandbox, result.python_source, target, inputs,
                                      runs=(0, 1, 2), coverage=False)
                for index, case in enumerate(generated):
                    total_generated += 1
                    outcomes = [run[index] for run in runs]
                    if all(o.status == "ok" and same_value(case.expected, case_value(o.value))
                           for o in outcomes):
                        reproduced += 1
            judgeable = result.unjudgeable_reason is None and result.has_behaviour_check
            rows.append({
                "id": example.id,
                "kind": "class" if f"class {result.entry_point}" in result.python_source
                else "function",
                "hand_written": len(_hand_written(result)), "generated": len(generated),
                "judgeable": judgeable, "reason": result.unjudgeable_reason,
                "line_coverage": prepared.case_set.line_coverage, "seconds": round(fresh_s, 2),
                "cached_seconds": round(cached_s, 4), "warnings": warnings,
            })
    generated_rows = [r for r in rows if r["seconds"] is not None and r["generated"]]
    coverages = [r["line_coverage"] for r in generated_rows if r["line_coverage"] is not None]
    fresh = [r["seconds"] for r in generated_rows]
    cached = [r["cached_seconds"] for r in generated_rows]
    summary = {
        "records": len(rows),
        "judgeable": sum(1 for r in rows if r["judgeable"]),
        "unjudgeable": {r["id"]: r["reason"] for r in rows if not r["judgeable"]},
        "cases": {"hand_written": sum(r["hand_written"] for r in rows),
                  "generated": sum(r["generated"] for r in rows)},
        "median_generation_s": statistics.median(fresh) if fresh else None,
        "max_generation_s": max(fresh) if fresh else None,
        "median_cached_s": statistics.median(cached) if cached else None,
        "median_line_coverage": statistics.median(coverages) if coverages else None,
        "min_line_coverage": min(coverages) if coverages else None,
        "reproduced_3_of_3": f"{reproduced}/{total_generated}",
        "hand_written_warnings": [w for r in rows for w in r["warnings"]],
    }
    if as_json:
        print(json.dumps({"rows": rows, "summary": summary}, indent=2, ensure_ascii=False))
        return
    for r in rows:
        coverage = "-" if r["line_coverage"] is None else f"{r['line_coverage']:.0%}"
        seconds = "-" if r["seconds"] is None else f"{r['seconds']:.2f}s"
        status = "ok" if r["judgeable"] else f"UNJUDGEABLE: {r['reason']}"
        print(f"{r['id']:<24} {r['kind']:<8} hand {r['hand_written']:>2} gen {r['generated']:>2} "
              f"cov {coverage:>4} {seconds:>7}  {status}")
    judgeable_share = summary["judgeable"] / summary["records"]
    print(f"\nrecords {summary['records']}, judgeable {summary['judgeable']} "
          f"({judgeable_share:.1%}), cases hand-written {summary['cases']['hand_written']}, "
          f"generated {summary['cases']['generated']}")
    if fresh:
        ratio = statistics.median(fresh) / max(statistics.median(cached), 1e-9)
        print(f"generation: median {statistics.median(fresh):.2f}s, max {max(fresh):.2f}s; "
              f"from the cache: median {statistics.median(cached) * 1000:.1f}ms "
              f"({ratio:.0f}x faster)")
    print(f"line coverage: median {summary['median_line_coverage']}, "
          f"min {summary['min_line_coverage']}")
    print(f"generated cases reproduced 3/3 on the oracle: {summary['reproduced_3_of_3']}")
    for warning in summary["hand_written_warnings"]:
        print(f"warning: {warning}")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--json"]
    if len(arguments) != 1:
        sys.exit("usage: bench_function_casegen.py CORPUS.jsonl [--json]")
    main(arguments[0], "--json" in sys.argv[1:])
