"""Pareto analysis of a stored evaluation: which models are worth their price?

    python examples/demo.py [RESULTS_DIR_OR_STORE]

With a results directory (or its results.sqlite) the demo reads the store only: no model or
compiler is called. Without one it first runs a small real evaluation (reference, mutant and
SmolLM2-135M on the first 6 bundled examples, 2 runs each) into a temporary directory, which
takes a few minutes on two cores. It then prints the cost-accuracy frontier, the dominated
models and each model's trade-off against the most accurate one, all from measured numbers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from single_shot_eval.errors import UserError
from single_shot_eval.report import fmt
from single_shot_eval.report.data import ReportData, load_report_data
from single_shot_eval.results.store import store_path

DEFAULT_MODELS = "reference,mutant,smollm2-135m"


def run_small_evaluation(output: Path, models: str, limit: int, runs: int) -> Path:
    """Evaluate `models` on the first `limit` bundled examples; returns the store file."""
    from single_shot_eval.config import load_tasks
    from single_shot_eval.corpus.loader import load_corpus
    from single_shot_eval.models.registry import resolve_model_specs
    from single_shot_eval.run.evaluate import RunOptions, evaluate
    from single_shot_eval.verify.toolchain import detect_toolchain

    detect_toolchain()
    print(f"Evaluating {models} on {limit} examples x {runs} runs into {output} ...", flush=True)
    outcome = evaluate(
        load_tasks(None), resolve_model_specs(models), load_corpus(None),
        RunOptions(output=output, runs=runs, limit=limit),
        on_sample=lambda s: print(
            f"  {s.model_id:<14} run {s.run} {s.example_id:<28} {s.verdict.value}", flush=True
        ),
    )
    return outcome.store_path


def print_analysis(data: ReportData) -> None:
    """The seed demo's layout, filled with the store's measured numbers."""
    print("=== Single-Shot Eval Demo ===")
    print(f"Store: {data.store_path} ({data.sample_count} samples)")
    for task in data.summary.tasks:
        pareto = task.pareto
        print()
        print(f"📊 Pareto frontier of task {task.task_id} (cost per sample x pass@1)")
        print()
        print("Pareto-optimal models:")
        for model_id in pareto.pareto_front:
            m = task.model(model_id)
            hull = ", on the convex hull" if model_id in pareto.convex_frontier else ""
            probability = pareto.membership_probability(model_id)
            print(
                f"  ◆ {model_id} (acc: {fmt.pct(m.pass_at_1)} "
                f"{fmt.pct_ci(m.bca_ci_low, m.bca_ci_high)}, cost: "
                f"{fmt.usd(m.cost_per_sample_usd)}, lat: {fmt.seconds(m.latency_p50_s)}"
                f"{hull}; on the frontier in {fmt.pct(probability, 0)} of bootstrap resamples)"
            )
        if pareto.dominated:
            print()
            print("Dominated models:")
            for item in pareto.dominated:
                m = task.model(item.model_id)
                print(
                    f"  ○ {item.model_id} (acc: {fmt.pct(m.pass_at_1)}, cost: "
                    f"{fmt.usd(m.cost_per_sample_usd)}) is dominated by {item.dominated_by}"
                )
        print()
        print(f"📈 Trade-off analysis (against the most accurate model, "
              f"{pareto.reference_model_id})")
        for t in pareto.trade_offs:
            if t.model_id == pareto.reference_model_id:
                continue
            print(f"  {t.model_id} trade-off:")
            print(f"    Accuracy gap: {100 * t.accuracy_gap:.1f} percentage points")
            print(f"    Cost ratio: {_cost_ratio(t.cost_ratio)}")
            print(f"    Latency ratio: {fmt.ratio(t.latency_ratio)}")
            print(f"    Value score: {fmt.ratio(t.value_score)}"
                  + (f" ({t.note})" if t.note else ""))
        if task.comparisons:
            print()
            print("🔬 Pairwise comparisons (difference in pass@1, 95% paired bootstrap CI):")
        for comparison in task.comparisons:
            print(
                f"  {comparison.model_a} − {comparison.model_b}: "
                f"{fmt.signed_points(comparison.accuracy_difference)} "
                f"{fmt.pct_ci(comparison.difference_ci_low, comparison.difference_ci_high)}, "
                f"Holm-adjusted p {fmt.pvalue(comparison.holm_p)}"
            )
    print()
    print("✅ Demo complete!")


def _cost_ratio(ratio: float) -> str:
    """'2500x cheaper' / '3.0x more expensive' / 'same cost' / 'free vs paid' wording."""
    if fmt.missing(ratio):
        return "–"
    if ratio == float("inf"):
        return "paid, the reference is free"
    if ratio == 0:
        return "free"
    if ratio == 1:
        return "same cost"
    if ratio < 1:
        return f"{1 / ratio:,.0f}x cheaper"
    return f"{ratio:,.1f}x more expensive"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("results", nargs="?", type=Path,
                        help="results directory or results.sqlite (default: run a small one)")
    parser.add_argument("--models", default=DEFAULT_MODELS,
                        help=f"models for the fresh evaluation (default: {DEFAULT_MODELS})")
    parser.add_argument("--limit", type=int, default=6, help="examples for the fresh evaluation")
    parser.add_argument("--runs", type=int, default=2, help="runs for the fresh evaluation")
    args = parser.parse_args(argv)
    try:
        if args.results is not None:
            path = store_path(args.results)
            if not path.exists():
                raise UserError(f"{args.results}: no results store found (expected {path})")
            print_analysis(load_report_data(path))
            return 0
        with tempfile.TemporaryDirectory(prefix="single-shot-eval-demo-") as tmp:
            path = run_small_evaluation(Path(tmp), args.models, args.limit, args.runs)
            print()
            print_analysis(load_report_data(path))
        return 0
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
