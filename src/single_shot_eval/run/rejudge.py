"""Re-judge a stored evaluation with today's verifier, without calling any model.

Every stored answer (its extracted Rust code is in the store) is verified again against its
example; the sample then holds the new verdict and the old one stays readable in the store's
`previous_verdicts`. After a verifier fix a user reruns this one command, not the evaluation, and
sees per model what changed (pass -> fail, fail -> pass), like re-judging an EvalPlus samples file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from single_shot_eval.config import TaskConfig
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.errors import UserError
from single_shot_eval.results.cache import CacheNamespace, WriteOnlyCache
from single_shot_eval.results.records import Sample, Verdict
from single_shot_eval.results.store import ResultStore, SampleKey, StoreError, store_path
from single_shot_eval.run.quality_stage import LintStage, lint_passing
from single_shot_eval.verify.verifier import (
    VERIFIER_REVISION,
    VerdictCache,
    VerificationPolicy,
    VerificationResult,
    Verifier,
)
from single_shot_eval.version import __version__


@dataclass(frozen=True)
class VerdictChange:
    """One sample whose verdict a re-judgement changed."""

    key: SampleKey
    before: Verdict
    after: Verdict

    @property
    def label(self) -> str:
        """`example` (run 1) or `example#run`, for listings."""
        return self.key.example_id if self.key.run == 1 else (
            f"{self.key.example_id}#{self.key.run}"
        )


@dataclass(frozen=True)
class ModelChanges:
    """What a re-judgement changed for one model.

    `pass_to_fail` / `fail_to_pass` are samples that left or joined the strict passes among
    samples that count for the model both times; `now_excluded` / `now_counted` moved out of or
    into the denominators (`harness_error`); `other` changed verdict without changing any of
    that (e.g. `test_failure` -> `crash`).
    """

    model_id: str
    judged: int
    pass_to_fail: tuple[VerdictChange, ...] = ()
    fail_to_pass: tuple[VerdictChange, ...] = ()
    now_excluded: tuple[VerdictChange, ...] = ()
    now_counted: tuple[VerdictChange, ...] = ()
    other: tuple[VerdictChange, ...] = ()

    @property
    def changed(self) -> int:
        return sum(len(group) for group in (self.pass_to_fail, self.fail_to_pass,
                                            self.now_excluded, self.now_counted, self.other))


@dataclass(frozen=True)
class RejudgeOutcome:
    """What `rejudge` did: the store it wrote, its re-judgement id, and the changes per model."""

    store_path: Path
    rejudge_id: int
    judged: int
    models: tuple[ModelChanges, ...]
    # Samples not re-judged, with why: (sample, reason).
    skipped: tuple[tuple[SampleKey, str], ...] = ()
    changes: tuple[VerdictChange, ...] = field(default=(), repr=False)
    lint: LintStage | None = None  # the lint stage run after it (rejudge_id 0: it alone)

    def to_json(self) -> dict[str, object]:
        def ids(changes: tuple[VerdictChange, ...]) -> list[str]:
            return [c.label for c in changes]

        return {
            "store": str(self.store_path),
            "rejudge_id": self.rejudge_id,
            "lint": self.lint.line() if self.lint else None,
            "judged": self.judged,
            "skipped": [{"example": k.example_id, "model": k.model_id, "run": k.run,
                         "reason": reason} for k, reason in self.skipped],
            "models": {
                m.model_id: {
                    "judged": m.judged,
                    "changed": m.changed,
                    "pass_to_fail": ids(m.pass_to_fail),
                    "fail_to_pass": ids(m.fail_to_pass),
                    "now_excluded": ids(m.now_excluded),
                    "now_counted": ids(m.now_counted),
                    "other": [f"{c.label}: {c.before.value} -> {c.after.value}"
                              for c in m.other],
                }
                for m in self.models
            },
        }


def _key(sample: Sample) -> SampleKey:
    return SampleKey(sample.task_id, sample.model_id, sample.run, sample.example_id)


def _task_policies(store: ResultStore) -> dict[str, VerificationPolicy]:
    """The verification policy of every task recorded in the store's provenance."""
    from single_shot_eval.run.evaluate import policy_for

    policies: dict[str, VerificationPolicy] = {}
    for task_id, data in (store.provenance().tasks or {}).items():
        try:
            policies[task_id] = policy_for(TaskConfig.model_validate(data))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise StoreError(
                f"{store.path}: meta.tasks: task {task_id!r} cannot be read ({where}: "
                f"{first['msg']})"
            ) from None
    return policies


def _classify(change: VerdictChange) -> str:
    before, after = change.before, change.after
    if before.counts_for_model and not after.counts_for_model:
        return "now_excluded"
    if not before.counts_for_model and after.counts_for_model:
        return "now_counted"
    if before.passed and not after.passed:
        return "pass_to_fail"
    if not before.passed and after.passed:
        return "fail_to_pass"
    return "other"


def _model_changes(model_id: str, judged: int, changes: list[VerdictChange]) -> ModelChanges:
    kinds: dict[str, list[VerdictChange]] = {}
    for change in changes:
        kinds.setdefault(_classify(change), []).append(change)
    return ModelChanges(
        model_id, judged,
        pass_to_fail=tuple(kinds.get("pass_to_fail", ())),
        fail_to_pass=tuple(kinds.get("fail_to_pass", ())),
        now_excluded=tuple(kinds.get("now_excluded", ())),
        now_counted=tuple(kinds.get("now_counted", ())),
        other=tuple(kinds.get("other", ())),
    )


def _copy_store(source: Path, target: Path) -> None:
    """A consistent copy of the store at `source` (SQLite's backup, WAL included)."""
    if target.exists():
        raise UserError(f"{target}: already exists; choose another --output")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def rejudge(
    input_path: Path,
    corpus: Corpus,
    *,
    output: Path | None = None,
    verifier: Verifier | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    lint_only: bool = False,
) -> RejudgeOutcome:
    """Re-verify every stored answer of the store at `input_path` against `corpus`.

    With `output`, the store is first copied there and only the copy changes. Each task's policy
    comes from the store's provenance. Verdicts are computed anew (the store's cached verdicts,
    possibly from an older verifier, are not consulted; new ones are cached for later runs);
    Python oracle outputs are reused. Samples without an answer (`model_error`) and samples
    whose example is not in `corpus` are skipped and listed. `verifier` (tests) replaces the
    verifier for every task. Then the passing answers are linted again (`run/quality_stage.py`);
    with `lint_only`, that alone (no verdict changes).
    """
    source = store_path(input_path)
    if not source.exists():
        raise UserError(f"{input_path}: no results store found (expected {source})")
    target = source
    if output is not None:
        target = store_path(output)
        _copy_store(source, target)
    examples: dict[str, Example] = {e.id: e for e in corpus}
    with ResultStore(target, create=False) as store:
        if lint_only:
            return RejudgeOutcome(target, 0, 0, (), lint=lint_passing(
                store, corpus, relint=True, workers=workers))
        # Verdicts are computed anew but kept for later runs; oracle outputs are reused.
        cache = VerdictCache(
            WriteOnlyCache(store.cache(CacheNamespace.VERDICTS)),
            store.cache(CacheNamespace.ORACLE),
        )
        base = verifier if verifier is not None else Verifier(cache=cache)
        policies = _task_policies(store)
        verifiers: dict[VerificationPolicy, Verifier] = {}

        def verifier_for(task_id: str) -> Verifier:
            if verifier is not None:
                return verifier
            policy = policies.get(task_id, VerificationPolicy())
            if policy == base.policy:
                return base
            if policy not in verifiers:
                same_crates = policy.crates == base.policy.crates
                verifiers[policy] = replace(
                    base, policy=policy, crates=base.crates if same_crates else None
                )
            return verifiers[policy]

        todo: list[tuple[Sample, Example, Verifier]] = []
        skipped: list[tuple[SampleKey, str]] = []
        for sample in store.iter_samples():
            if sample.verdict is Verdict.MODEL_ERROR:
                skipped.append((_key(sample), "no answer to judge (model_error)"))
            elif sample.example_id not in examples:
                skipped.append((_key(sample), "example not in the corpus"))
            else:
                todo.append((sample, examples[sample.example_id], verifier_for(sample.task_id)))

        # Identical candidates are verified once: group by verdict-cache key first.
        groups: dict[str, list[int]] = {}
        for index, (sample, example, judge) in enumerate(todo):
            code = sample.extracted_code
            group = judge.cache_key(code, example) if code and code.strip() else f"none:{index}"
            groups.setdefault(group, []).append(index)
        results: dict[int, VerificationResult] = {}
        threads = max(1, workers or os.cpu_count() or 1)
        finished = 0
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sse-rejudge") as pool:
            futures = {
                pool.submit(judge.verify, sample.extracted_code, example): members
                for members in groups.values()
                for sample, example, judge in [todo[members[0]]]
            }
            for future, members in futures.items():
                result = future.result()
                for index in members:
                    results[index] = result
                finished += len(members)
                if on_progress is not None:
                    on_progress(finished, len(todo))

        sandbox = base.isolation
        rejudge_id = store.begin_rejudge(
            judged_at=datetime.now(UTC).isoformat(timespec="seconds"),
            tool_version=__version__,
            toolchain_fingerprint=base.toolchain.fingerprint,
            sandbox=sandbox,
            verifier_revision=VERIFIER_REVISION,
        )
        changes: list[VerdictChange] = []
        judged_by_model: dict[str, int] = {}
        for index, (sample, _, _) in enumerate(todo):
            result = results[index]
            key = _key(sample)
            store.replace_verdict(key, rejudge_id, result.verdict, result.stages,
                                  result.diagnostics)
            judged_by_model[key.model_id] = judged_by_model.get(key.model_id, 0) + 1
            if result.verdict is not sample.verdict:
                changes.append(VerdictChange(key, sample.verdict, result.verdict))
        lint = lint_passing(store, corpus, relint=True, workers=workers)
    per_model = tuple(
        _model_changes(model_id, judged, [c for c in changes if c.key.model_id == model_id])
        for model_id, judged in sorted(judged_by_model.items())
    )
    return RejudgeOutcome(target, rejudge_id, len(todo), per_model, tuple(skipped),
                          tuple(changes), lint)


def render_rejudge(outcome: RejudgeOutcome) -> list[str]:
    """Plain lines saying what changed, per model (with example ids)."""
    lines = [f"re-judged {outcome.judged} samples in {outcome.store_path} "
             f"(re-judgement {outcome.rejudge_id})"] if outcome.rejudge_id else []
    for m in outcome.models:
        lines.append(
            f"{m.model_id}: {m.judged} judged, {m.changed} changed: "
            f"pass->fail {len(m.pass_to_fail)}, fail->pass {len(m.fail_to_pass)}, "
            f"now excluded (harness_error) {len(m.now_excluded)}, "
            f"now counted {len(m.now_counted)}, other {len(m.other)}"
        )
        for name, group in (("pass->fail", m.pass_to_fail), ("fail->pass", m.fail_to_pass),
                            ("now excluded", m.now_excluded), ("now counted", m.now_counted)):
            if group:
                lines.append(f"  {name}: " + ", ".join(
                    f"{c.label} ({c.before.value} -> {c.after.value})" for c in group
                ))
        if m.other:
            lines.append("  other: " + ", ".join(
                f"{c.label} ({c.before.value} -> {c.after.value})" for c in m.other
            ))
    if outcome.skipped:
        reasons: dict[str, int] = {}
        for _, reason in outcome.skipped:
            reasons[reason] = reasons.get(reason, 0) + 1
        lines.append("not re-judged: " + ", ".join(f"{n} ({r})" for r, n in reasons.items()))
    return [*lines, outcome.lint.line()] if outcome.lint else lines
