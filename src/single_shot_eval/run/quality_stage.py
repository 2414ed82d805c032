"""The lint stage: clippy and rustfmt findings of every passing answer, stored for the reports.

`evaluate` runs it after its samples are stored and `rejudge` runs it again (verdicts change),
so that a report only reads: each passing answer's findings go to the store's
`quality_findings` (keyed by the answer's SHA-256, with the tool versions), and the Python code
lines of their examples to the provenance (`python_lines`). `LintTools` keeps its disk cache,
so linting an answer a second time costs nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from single_shot_eval.corpus.example import Example
from single_shot_eval.errors import UserError
from single_shot_eval.results.cache import CacheNamespace
from single_shot_eval.results.provenance import RunProvenance
from single_shot_eval.results.store import ResultStore
from single_shot_eval.verify.lint import LintTools, answer_key, python_code_lines


@dataclass(frozen=True)
class LintStage:
    """What the stage did: answers linted and stored, and why the tools could not run ('')."""

    linted: int
    stored: int
    unavailable: str = ""

    def line(self) -> str:
        why = f"; not linted: {self.unavailable}" if self.unavailable else ""
        return f"quality: {self.linted} passing answers linted, {self.stored} stored{why}"


def lint_passing(store: ResultStore, examples: Iterable[Example], *, relint: bool = False,
                 workers: int | None = None, tools: LintTools | None = None) -> LintStage:
    """Lint the store's passing answers (with `relint`, also those it holds findings for)."""
    passing = [s for s in store.iter_samples() if s.passed and s.extracted_code]
    ids = {s.example_id for s in passing}
    lines = dict(store.provenance().python_lines or {})
    lines.update({e.id: n for e in examples
                  if e.id in ids and (n := python_code_lines(e.python_source))})
    store.record_provenance(RunProvenance(python_lines=lines))
    cache = store.cache(CacheNamespace.QUALITY_FINDINGS)
    codes = sorted({s.extracted_code or "" for s in passing})
    todo = [c for c in codes if relint or cache.get(answer_key(c)) is None]
    if not todo:
        return LintStage(0, 0)
    try:
        tools = tools or LintTools()
    except UserError as error:  # no rustc at all
        return LintStage(0, 0, str(error))
    if tools.unavailable_reason:
        return LintStage(0, 0, tools.unavailable_reason)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with ThreadPoolExecutor(max_workers=max(1, min(4, workers or cpus or 1))) as pool:
        results = list(pool.map(tools.findings, todo))
    ran = [(c, r) for c, r in zip(todo, results, strict=True) if r.clippy_ran or r.rustfmt_ran]
    for code, result in ran:  # a sandbox failure is not stored: the next run tries again
        cache.put(answer_key(code), json.dumps(
            {"tools": tools.versions, "findings": result.to_json()}, sort_keys=True))
    return LintStage(len(todo), len(ran))
