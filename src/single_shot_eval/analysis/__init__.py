"""Analysis of stored samples: statistics, Pareto frontiers and per-task summaries.

Reads only `Sample` records; never calls a model or rustc.

* `aggregate`: `summarize(samples, level_weights=...)` -> `EvaluationSummary` (per task:
  `ModelSummary` per model, `Comparison` per model pair, `ParetoAnalysis`).
* `stats`: confidence intervals, paired tests, effect sizes, multiple-comparison
  adjustments, power.
* `pareto`: 2-D front, 3-D skyline, convex frontier, dominance, trade-offs.
* `errors`: `AnalysisError`, raised when asked to mix tasks.
"""
