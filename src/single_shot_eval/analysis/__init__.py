"""Analysis of stored samples: statistics, Pareto frontiers and per-task summaries.

Reads only `Sample` records; never calls a model or rustc.

* `aggregate`: `summarize(samples, level_weights=...)` -> `EvaluationSummary` (per task:
  `ControlCheck` per harness control, `ModelSummary` per contestant, `Comparison` per
  contestant pair, `ParetoAnalysis` of the contestants).
* `stats`: thin wrappers over scipy.stats / statsmodels: intervals over examples, paired
  tests, effect sizes, multiple-comparison adjustments, exact power.
* `pareto`: 2-D front, 3-D skyline, convex frontier, dominance, trade-offs.
* `errors`: `AnalysisError`, raised when asked to mix tasks.
"""
