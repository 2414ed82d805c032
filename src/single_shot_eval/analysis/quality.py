"""The quality of passing Rust answers per contestant, with 95% intervals over examples.

Input: one `AnswerQuality` per passing sample (what clippy, rustfmt and the token scan found in
it; see `verify/lint.py`). Output: per (task, model), densities per 100 lines of Rust (clippy
warnings in all and by group, `unsafe` blocks, `unwrap`/`expect`/`panic!`, lines rustfmt
rewrites), shares of answers (rustfmt-clean, clippy-clean), lines of Rust per line of Python,
and every clippy lint tripped with the examples that trip it.

Intervals follow `analysis.stats`: the example is the unit of sampling, and an example's
answers (its runs) stay together. A density is a ratio of totals (warnings / lines); its
interval is a cluster bootstrap (BCa) over examples, or, when nothing was counted or fewer than
two examples passed, the exact Poisson interval of the total count over the total lines (zero
warnings in 800 lines gives [0, 0.46] per 100 lines, not a point). Shares use
`stats.example_interval`.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as scipy_stats

from single_shot_eval.analysis.stats import JsonReady, example_interval

PER_LINES = 100.0
BOOTSTRAP = "cluster-bootstrap-bca"
POISSON = "poisson-exact"
MAX_EXAMPLES_PER_LINT = 8


@dataclass(frozen=True)
class AnswerQuality:
    """What the tools found in one passing answer.

    `lints` holds (lint, group) per clippy warning; None when clippy could not run on it.
    `formatted` is rustfmt --check's verdict; None when rustfmt could not run.
    `python_lines` is the code lines of the example's Python original (None: unknown).
    """

    task_id: str
    model_id: str
    example_id: str
    code_lines: int
    unsafe_blocks: int
    unwrap_calls: int
    expect_calls: int
    panic_macros: int
    lints: tuple[tuple[str, str], ...] | None
    formatted: bool | None
    rustfmt_changed_lines: int
    python_lines: int | None = None


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval (NaN bounds when it cannot be computed)."""

    estimate: float
    low: float
    high: float
    method: str
    note: str = ""


@dataclass(frozen=True)
class LintTally:
    """One clippy lint: its group, how often it fired, in how many answers, and where."""

    lint: str
    group: str
    count: int
    answers: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ContestantQuality:
    """Quality of one model's passing answers on one task (`role`: contestant or a control)."""

    task_id: str
    model_id: str
    role: str
    passing_answers: int
    examples: int
    rust_lines: int
    linted_answers: int
    warnings: int
    default_warnings: int
    warnings_by_group: dict[str, int]
    warnings_per_100_lines: Estimate
    default_warnings_per_100_lines: Estimate
    group_per_100_lines: dict[str, Estimate]
    clippy_clean_share: Estimate
    lints: tuple[LintTally, ...]
    formatted_answers: int
    rustfmt_checked_answers: int
    rustfmt_formatted_share: Estimate
    rustfmt_changed_lines: int
    rustfmt_changed_per_100_lines: Estimate
    unsafe_blocks: int
    unsafe_per_100_lines: Estimate
    unwrap_calls: int
    expect_calls: int
    panic_macros: int
    panicking_per_100_lines: Estimate
    rust_per_python_line: Estimate
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class QualitySection(JsonReady):
    """The `quality` section of every report."""

    tools: str
    groups: tuple[str, ...]
    default_groups: tuple[str, ...]
    contestants: tuple[ContestantQuality, ...] = ()
    unavailable_reason: str = ""  # kept in results.json; the notes say what is missing
    notes: tuple[str, ...] = field(default_factory=tuple)

    def for_task(self, task_id: str) -> tuple[ContestantQuality, ...]:
        return tuple(c for c in self.contestants if c.task_id == task_id)


def _seed(seed: int, *labels: str) -> list[int]:
    words = [seed]
    for label in labels:
        words.append(int.from_bytes(hashlib.sha256(label.encode()).digest()[:4], "little"))
    return words


def poisson_interval(
    count: float, exposure: float, *, scale: float = PER_LINES, confidence: float = 0.95
) -> Estimate:
    """Exact (Garwood) interval of a rate: `count` events in `exposure` units, per `scale`."""
    if exposure <= 0:
        return Estimate(math.nan, math.nan, math.nan, POISSON, "no lines")
    alpha = 1 - confidence
    low = 0.0 if count == 0 else float(scipy_stats.chi2.ppf(alpha / 2, 2 * count)) / 2
    high = float(scipy_stats.chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    factor = scale / exposure
    return Estimate(count * factor, low * factor, high * factor, POISSON)


def ratio_interval(
    numerators: Sequence[float],
    denominators: Sequence[float],
    *,
    scale: float = PER_LINES,
    counts: bool = True,
    resamples: int = 10_000,
    seed: int | list[int] = 0,
    confidence: float = 0.95,
) -> Estimate:
    """sum(numerators) / sum(denominators) * scale, with a cluster bootstrap over the entries
    (one per example); `counts`: the numerators are event counts, so the exact Poisson interval
    stands in where a bootstrap collapses (no event, or one example)."""
    num = np.asarray(numerators, dtype=np.float64)
    den = np.asarray(denominators, dtype=np.float64)
    total_num, total_den = float(num.sum()), float(den.sum())
    if num.size == 0 or total_den <= 0:
        return Estimate(math.nan, math.nan, math.nan, BOOTSTRAP, "no passing answer")
    estimate = total_num / total_den * scale
    if counts and (total_num == 0 or num.size < 2):
        exact = poisson_interval(total_num, total_den, scale=scale, confidence=confidence)
        why = "no occurrence" if total_num == 0 else "one example"
        return Estimate(estimate, exact.low, exact.high, POISSON, f"{why}: exact Poisson")
    ratios = num / np.where(den > 0, den, 1.0)
    if num.size < 2 or np.all(ratios == ratios[0]):
        return Estimate(estimate, math.nan, math.nan, BOOTSTRAP,
                        "fewer than two examples or no spread: no interval")

    def statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(np.sum(a, axis=axis) / np.sum(b, axis=axis) * scale)

    result = scipy_stats.bootstrap(
        (num, den), statistic, paired=True, vectorized=True, n_resamples=resamples,
        confidence_level=confidence, method="BCa", rng=np.random.default_rng(seed),
    )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return Estimate(estimate, math.nan, math.nan, BOOTSTRAP, "the bootstrap failed")
    return Estimate(estimate, low, high, BOOTSTRAP)


def share_interval(example_shares: Sequence[float], *, seed: int | list[int] = 0,
                   resamples: int = 10_000) -> Estimate:
    """A share of answers with its interval over examples (`stats.example_interval`)."""
    if not example_shares:
        return Estimate(math.nan, math.nan, math.nan, "", "no answer")
    ci = example_interval(example_shares, seed=np.random.default_rng(seed), resamples=resamples)
    return Estimate(ci.estimate, ci.low, ci.high, ci.method, ci.note)


def summarize_quality(
    answers: Iterable[AnswerQuality],
    *,
    tools: str,
    roles: dict[tuple[str, str], str] | None = None,
    seed: int = 0,
    resamples: int = 10_000,
    groups: Sequence[str] = (),
    default_groups: Sequence[str] = (),
    notes: Sequence[str] = (),
    models: Iterable[tuple[str, str]] = (),
) -> QualitySection:
    """Per (task, model), the quality figures of its passing answers (see the module doc).
    `models`: (task, model) pairs to list even when they passed nothing (0 answers, no
    figures)."""
    by_model: dict[tuple[str, str], list[AnswerQuality]] = defaultdict(list)
    for key in models:
        by_model[key] = []
    for answer in answers:
        by_model[(answer.task_id, answer.model_id)].append(answer)
    contestants = [
        _contestant(task_id, model_id, items, (roles or {}).get((task_id, model_id),
                                                               "contestant"),
                    seed=seed, resamples=resamples, groups=groups,
                    default_groups=default_groups)
        for (task_id, model_id), items in sorted(by_model.items())
    ]
    return QualitySection(tools=tools, groups=tuple(groups), default_groups=tuple(default_groups),
                          contestants=tuple(contestants), notes=tuple(notes))


def _contestant(
    task_id: str,
    model_id: str,
    answers: list[AnswerQuality],
    role: str,
    *,
    seed: int,
    resamples: int,
    groups: Sequence[str],
    default_groups: Sequence[str],
) -> ContestantQuality:
    by_example: dict[str, list[AnswerQuality]] = defaultdict(list)
    for answer in answers:
        by_example[answer.example_id].append(answer)
    examples = sorted(by_example)
    label = f"{task_id}\0{model_id}"

    def density(name: str, value: Callable[[AnswerQuality], int], only: str = "all") -> Estimate:
        """Per 100 lines over the answers `only` selects (all, linted, rustfmt-checked)."""
        nums: list[float] = []
        dens: list[float] = []
        for example in examples:
            chosen = [a for a in by_example[example] if _selected(a, only)]
            if not chosen:
                continue
            nums.append(float(sum(value(a) for a in chosen)))
            dens.append(float(sum(a.code_lines for a in chosen)))
        return ratio_interval(nums, dens, seed=_seed(seed, label, name), resamples=resamples)

    def share(name: str, test: Callable[[AnswerQuality], bool], only: str) -> Estimate:
        shares = []
        for example in examples:
            chosen = [a for a in by_example[example] if _selected(a, only)]
            if chosen:
                shares.append(sum(1 for a in chosen if test(a)) / len(chosen))
        return share_interval(shares, seed=_seed(seed, label, name), resamples=resamples)

    linted = [a for a in answers if a.lints is not None]
    default = set(default_groups)
    by_group: dict[str, int] = {g: 0 for g in groups}
    fired: Counter[str] = Counter()
    answers_with: Counter[str] = Counter()
    group_of: dict[str, str] = {}
    examples_with: dict[str, set[str]] = defaultdict(set)
    for answer in linted:
        for lint, group in answer.lints or ():
            by_group[group] = by_group.get(group, 0) + 1
            fired[lint] += 1
            group_of[lint] = group
        for lint in {lint for lint, _ in answer.lints or ()}:
            answers_with[lint] += 1
            examples_with[lint].add(answer.example_id)
    lints = tuple(sorted(
        (LintTally(lint, group_of[lint], count, answers_with[lint],
                   tuple(sorted(examples_with[lint])[:MAX_EXAMPLES_PER_LINT]))
         for lint, count in fired.items()),
        key=lambda t: (-t.count, t.lint),
    ))
    checked = [a for a in answers if a.formatted is not None]
    notes: list[str] = []
    if len(linted) < len(answers):
        notes.append(f"clippy could not run on {len(answers) - len(linted)} of "
                     f"{len(answers)} passing answers: left out of the clippy figures")
    if len(checked) < len(answers):
        notes.append(f"rustfmt could not run on {len(answers) - len(checked)} of "
                     f"{len(answers)} passing answers: left out of the rustfmt figures")
    python_nums: list[float] = []
    python_dens: list[float] = []
    for example in examples:
        known = [a for a in by_example[example] if a.python_lines]
        if known:
            python_nums.append(float(sum(a.code_lines for a in known)))
            python_dens.append(float(sum(a.python_lines or 0 for a in known)))
    rust_per_python = ratio_interval(python_nums, python_dens, scale=1.0, counts=False,
                                     seed=_seed(seed, label, "python"), resamples=resamples)
    if not python_dens:
        rust_per_python = Estimate(math.nan, math.nan, math.nan, "",
                                   "the Python originals are not available")
    return ContestantQuality(
        task_id=task_id,
        model_id=model_id,
        role=role,
        passing_answers=len(answers),
        examples=len(examples),
        rust_lines=sum(a.code_lines for a in answers),
        linted_answers=len(linted),
        warnings=sum(len(a.lints or ()) for a in linted),
        default_warnings=sum(1 for a in linted for _, g in a.lints or () if g in default),
        warnings_by_group=by_group,
        warnings_per_100_lines=density("warnings", lambda a: len(a.lints or ()), "linted"),
        default_warnings_per_100_lines=density(
            "default", lambda a: sum(1 for _, g in a.lints or () if g in default), "linted"),
        group_per_100_lines={
            g: density(f"group:{g}", _group_counter(g), "linted") for g in sorted(by_group)
        },
        clippy_clean_share=share(
            "clean", lambda a: not any(g in default for _, g in a.lints or ()), "linted"),
        lints=lints,
        formatted_answers=sum(1 for a in checked if a.formatted),
        rustfmt_checked_answers=len(checked),
        rustfmt_formatted_share=share("formatted", lambda a: bool(a.formatted), "rustfmt"),
        rustfmt_changed_lines=sum(a.rustfmt_changed_lines for a in checked),
        rustfmt_changed_per_100_lines=density(
            "rustfmt", lambda a: a.rustfmt_changed_lines, "rustfmt"),
        unsafe_blocks=sum(a.unsafe_blocks for a in answers),
        unsafe_per_100_lines=density("unsafe", lambda a: a.unsafe_blocks),
        unwrap_calls=sum(a.unwrap_calls for a in answers),
        expect_calls=sum(a.expect_calls for a in answers),
        panic_macros=sum(a.panic_macros for a in answers),
        panicking_per_100_lines=density(
            "panicking", lambda a: a.unwrap_calls + a.expect_calls + a.panic_macros),
        rust_per_python_line=rust_per_python,
        notes=tuple(notes),
    )


def _group_counter(group: str) -> Callable[[AnswerQuality], int]:
    """How many warnings of `group` an answer has."""
    return lambda answer: sum(1 for _, found in answer.lints or () if found == group)


def _selected(answer: AnswerQuality, only: str) -> bool:
    if only == "linted":
        return answer.lints is not None
    if only == "rustfmt":
        return answer.formatted is not None
    return True
