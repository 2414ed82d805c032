"""The lint stage, run by `evaluate` after its samples and by `rejudge` (verdicts change), so
that a report only reads: clippy and rustfmt findings of each passing answer go to the store's
`quality_findings` (by the answer's SHA-256, with the tool versions), the Python code lines of
their examples to the provenance (`python_lines`). `LintTools` caches findings on disk too."""

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
        return f"quality: {self.linted} distinct passing answers linted, {self.stored} stored{why}"


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
    with ThreadPoolExecutor(max_workers=max(1, min(4, workers or os.cpu_count() or 1))) as pool:
        results = list(pool.map(tools.findings, todo))
    ran = [(c, r) for c, r in zip(todo, results, strict=True) if r.clippy_ran or r.rustfmt_ran]
    for code, result in ran:  # a sandbox failure is not stored: the next run tries again
        cache.put(answer_key(code), json.dumps(
            {"tools": tools.versions, "findings": result.to_json()}, sort_keys=True))
    return LintStage(len(todo), len(ran))
