"""The README's demo table, generated from the committed `docs/demo/results.json`.

`make demo` writes `docs/demo/` (report.md, report.html, results.json, plots) and then runs
`python -m single_shot_eval.report.demo_table README.md docs/demo/results.json`, which replaces
the text between `DEMO_TABLE_BEGIN` and `DEMO_TABLE_END` in the README with a table rendered
from that JSON. A test renders it again and compares, so the README's figures are always the
committed results' figures. `--check` only compares (exit 1 when they differ).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from single_shot_eval.report import fmt

DEMO_TABLE_BEGIN = "<!-- DEMO_TABLE_BEGIN: generated from docs/demo/results.json -->"
DEMO_TABLE_END = "<!-- DEMO_TABLE_END -->"
COLUMNS = (
    "model", "samples", "examples", "pass@1", "95% CI (examples)", "compile rate", "$/sample",
    "p50 latency", "output tokens/s",
)


class DemoTableError(ValueError):
    """The README has no (or broken) markers, or the results document is unusable."""


def _tokens_per_s(model: dict[str, Any]) -> str:
    # tokens of a command that reports none are estimated: their rate would be invented
    if model.get("estimated_token_samples", 0) >= model.get("n_samples", 0) > 0:
        return "– (no token counts)"
    if not model.get("output_tokens"):
        return "–"
    return fmt.number(model.get("mean_tokens_per_s"), 1)


def _points_ci(comparison: dict[str, Any]) -> str:
    low, high = comparison.get("difference_ci_low"), comparison.get("difference_ci_high")
    if low is None or high is None:
        return "–"
    return f"[{100 * low:+.1f}, {100 * high:+.1f}]"


def _comparison_lines(task: dict[str, Any]) -> list[str]:
    """The paired comparisons, most significant first: which differences the demo can claim."""
    pairs = sorted(task.get("comparisons") or [], key=lambda c: (c["holm_p"], c["model_a"]))
    if not pairs:
        return []
    lines = [
        "",
        "| A − B | Δ pass@1 | 95% CI | McNemar (only A / only B) | mid-p | Holm |",
        "|---|---|---|---|---|---|",
    ]
    for c in pairs:
        lines.append(
            f"| `{c['model_a']}` − `{c['model_b']}` "
            f"| {fmt.signed_points(c['accuracy_difference'])} "
            f"| {_points_ci(c)} "
            f"| {c['mcnemar_b']}/{c['mcnemar_c']} "
            f"| {fmt.pvalue(c['mcnemar_mid_p'])} | {fmt.pvalue(c['holm_p'])} |"
        )
    return lines


def render_demo_table(document: dict[str, Any]) -> str:
    """Markdown for the README: one table per task (the demo has one), then its provenance."""
    provenance = document.get("provenance", {})
    baselines = frozenset(provenance.get("baselines") or ())
    lines: list[str] = []
    tasks = document.get("summary", {}).get("tasks", [])
    if not tasks:
        raise DemoTableError("results document holds no task summary")
    for task in tasks:
        front = set(task.get("pareto", {}).get("pareto_front", []))
        lines += [
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        for m in task["models"]:
            name = f"`{m['model_id']}`" + (fmt.BASELINE_MARK if m["model_id"] in baselines else "")
            lines.append("| " + " | ".join([
                name + (" ◆" if m["model_id"] in front else ""),
                str(m["n_samples"]),
                str(m["n_examples"]),
                fmt.pct(m["pass_at_1"]),
                fmt.pct_ci(m.get("example_ci_low"), m.get("example_ci_high")),
                fmt.pct(m["compile_rate"]),
                fmt.usd(m["cost_per_sample_usd"]),
                fmt.seconds(m["latency_p50_s"]),
                _tokens_per_s(m),
            ]) + " |")
        lines += _comparison_lines(task)
        runs = max((m["n_runs"] for m in task["models"]), default=0)
        lines += [
            "",
            f"Task `{task['task_id']}`, {runs} run(s) per example; ◆ = on the cost/accuracy "
            "Pareto frontier of the contestants.",
        ]
        controls = task.get("controls") or []
        if controls:
            lines.append(
                "Self-check (harness controls, not contestants): "
                + "; ".join(
                    f"`{c['model_id']}` {fmt.pct(c['pass_rate'])} "
                    f"(must be {fmt.pct(c['expected_pass_rate'], 0)}: "
                    f"{'ok' if c['ok'] else 'FAILED'})"
                    for c in controls
                )
                + "."
            )
    rustc = str(provenance.get("rustc_version", "")).splitlines()
    lines.append(
        f"Recorded {provenance.get('started_at', '?')} with {rustc[0] if rustc else 'rustc ?'}, "
        f"Python {provenance.get('python_version', '?')}, sandbox "
        f"{provenance.get('sandbox', '?')}."
    )
    notes = provenance.get("model_notes") or {}
    if notes:
        lines.append(
            "Generation threads: "
            + "; ".join(f"`{k}` {v.removeprefix('n_threads ')}" for k, v in sorted(notes.items()))
            + "."
        )
    return "\n".join(lines) + "\n"


def replace_between_markers(readme: str, table: str) -> str:
    """`readme` with the text between the demo markers replaced by `table`."""
    start = readme.find(DEMO_TABLE_BEGIN)
    end = readme.find(DEMO_TABLE_END)
    if start < 0 or end < 0 or end < start:
        raise DemoTableError(
            f"README: expected the markers {DEMO_TABLE_BEGIN!r} and {DEMO_TABLE_END!r}, in order"
        )
    head = readme[: start + len(DEMO_TABLE_BEGIN)]
    return f"{head}\n{table}{readme[end:]}"


def table_in(readme: str) -> str:
    """The text between the demo markers (what `replace_between_markers` wrote)."""
    start = readme.find(DEMO_TABLE_BEGIN)
    end = readme.find(DEMO_TABLE_END)
    if start < 0 or end < 0 or end < start:
        raise DemoTableError("README: demo table markers missing")
    return readme[start + len(DEMO_TABLE_BEGIN) + 1 : end]


def load_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoTableError(f"{path}: cannot read the results document ({exc})") from None
    if not isinstance(document, dict):
        raise DemoTableError(f"{path}: not a results document")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("readme", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    try:
        readme = args.readme.read_text(encoding="utf-8")
        table = render_demo_table(load_document(args.results))
        updated = replace_between_markers(readme, table)
    except (OSError, DemoTableError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.check:
        if updated != readme:
            sys.stderr.write(f"{args.readme}: demo table differs from {args.results}\n")
            return 1
        return 0
    if updated != readme:
        args.readme.write_text(updated, encoding="utf-8")
    print(f"{args.readme}: demo table from {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
