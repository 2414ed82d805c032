"""The HTML report's drill-down: per model, the first failures and passes in store order, each
with its stages, failing cases, diagnostics and answer, within bounded size."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from single_shot_eval.analysis.aggregate import TaskSummary
from single_shot_eval.report import fmt
from single_shot_eval.report.html_kit import LEVEL_NAMES as _LEVEL_NAMES
from single_shot_eval.report.html_kit import MAX_TEXT_CHARS
from single_shot_eval.report.html_kit import VERDICT_RANK as _VERDICT_RANK
from single_shot_eval.report.html_kit import clip as _clip
from single_shot_eval.report.html_kit import element_id as _element_id
from single_shot_eval.report.html_kit import escape as _e
from single_shot_eval.report.html_kit import verdict_badge as _verdict_badge
from single_shot_eval.report.palette import VERDICT_COLOURS
from single_shot_eval.results.records import Sample, StageResult

MAX_SAMPLES_PER_MODEL = 30
MAX_DIAGNOSTICS = 12
MAX_DIAGNOSTIC_CHARS = 2000


# --- samples for the drill-down ---------------------------------------------------------------


@dataclass
class ModelSamples:
    """The samples of one model kept for the drill-down, and counts of all of them."""

    failures: list[Sample] = field(default_factory=list)
    passes: list[Sample] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.verdicts.values())

    def shown(self) -> list[Sample]:
        kept = self.failures[:MAX_SAMPLES_PER_MODEL]
        kept += self.passes[: MAX_SAMPLES_PER_MODEL - len(kept)]
        return kept


def collect_samples(samples: Iterable[Sample]) -> dict[tuple[str, str], ModelSamples]:
    """One streaming pass: per (task, model), the first failures and passes in store order."""
    kept: dict[tuple[str, str], ModelSamples] = defaultdict(ModelSamples)
    for sample in samples:
        entry = kept[(sample.task_id, sample.model_id)]
        entry.verdicts[sample.verdict.value] += 1
        bucket = entry.passes if sample.passed else entry.failures
        if len(bucket) < MAX_SAMPLES_PER_MODEL:
            bucket.append(sample)
    return kept


def _stage_rows(stages: Sequence[StageResult]) -> str:
    rows = []
    for s in stages:
        checks = f"{s.checks_passed}/{s.checks_total}" if s.checks_total else "–"
        mark = '<span class="ok">✓</span>' if s.ok else '<span class="fail">✗</span>'
        rows.append(
            f"<tr><td>{_e(s.stage)}</td><td class=\"center\">{mark}</td>"
            f'<td class="num">{_e(fmt.seconds(s.duration_s))}</td><td class="num">{_e(checks)}'
            f"</td><td>{_e(_clip(s.detail, 300))}</td></tr>"
        )
    return "".join(rows)


def _failing_cases(stages: Sequence[StageResult]) -> str:
    out = []
    for s in stages:
        if s.failing_case is None and s.expected is None and s.actual is None:
            continue
        out.append(
            f'<div class="failing"><h5>Failing case ({_e(s.stage)})</h5>'
            f"<pre>{_e(_clip(s.failing_case or '(not recorded)', 1500))}</pre>"
            '<div class="compare"><div><h6>Expected</h6>'
            f"<pre>{_e(_clip(s.expected if s.expected is not None else '(none)', 2500))}</pre>"
            "</div><div><h6>Actual</h6>"
            f"<pre>{_e(_clip(s.actual if s.actual is not None else '(none)', 2500))}</pre>"
            "</div></div></div>"
        )
    return "".join(out)


def _sample_details(sample: Sample) -> str:
    level = _LEVEL_NAMES.get(sample.level, "")
    tokens = f"{sample.input_tokens:,} in / {sample.output_tokens:,} out" + (
        " (estimated)" if sample.tokens_estimated else ""
    )
    parts = [
        f'<details class="sample" data-example="{_e(sample.example_id)}" '
        f'data-run="{sample.run}" data-verdict="{_e(sample.verdict.value)}"><summary>'
        f'<span class="ex">{_e(sample.example_id)}</span> <span class="muted">run {sample.run}'
        f" · L{sample.level} {_e(level)}</span> {_verdict_badge(sample.verdict.value)}"
        f'<span class="muted right">{_e(fmt.seconds(sample.latency_s))}</span></summary>'
        '<div class="sample-body"><dl class="meta">'
        f'<dt>Prompt digest</dt><dd><code title="{_e(sample.prompt_sha256)}">'
        f"sha256:{_e(sample.prompt_sha256[:16])}…</code></dd>"
        f"<dt>Tokens</dt><dd>{_e(tokens)}</dd>"
        f"<dt>Latency</dt><dd>{_e(fmt.seconds(sample.latency_s))}</dd>"
        f"<dt>Cost</dt><dd>{_e(fmt.usd(sample.cost_usd))}"
        f"{' (cached response)' if sample.cached_response else ''}</dd></dl>",
    ]
    if sample.error:
        parts.append(f'<p class="error">{_e(_clip(sample.error, 1500))}</p>')
    if sample.stages:
        parts.append(
            '<table class="stages"><thead><tr><th>Stage</th><th>OK</th><th>Time</th>'
            f"<th>Checks</th><th>Detail</th></tr></thead><tbody>{_stage_rows(sample.stages)}"
            "</tbody></table>"
        )
    parts.append(_failing_cases(sample.stages))
    if sample.diagnostics:
        shown = sample.diagnostics[:MAX_DIAGNOSTICS]
        items = "".join(
            f'<li><span class="diag-level {_e(d.level)}">{_e(d.level)}</span>'
            f"{f' <code>{_e(d.code)}</code>' if d.code else ''}"
            f' <span class="muted">{_e(d.category)}</span>'
            f"<pre>{_e(_clip(d.message, MAX_DIAGNOSTIC_CHARS))}</pre></li>"
            for d in shown
        )
        more = len(sample.diagnostics) - len(shown)
        more_note = f'<p class="muted">… {more} more messages not shown.</p>' if more else ""
        parts.append(f'<h5>Compiler messages</h5><ul class="diagnostics">{items}</ul>{more_note}')
    if sample.extracted_code is not None:
        parts.append(
            f'<h5>Extracted Rust</h5><pre class="code">{_e(_clip(sample.extracted_code))}</pre>'
        )
    else:
        parts.append('<h5>Extracted Rust</h5><p class="muted">No code block was found.</p>')
    # The completion mostly repeats the extracted code, so it is clipped shorter when the
    # code is shown above it.
    limit = MAX_TEXT_CHARS if sample.extracted_code is None else MAX_TEXT_CHARS // 3
    parts.append(
        '<details class="completion"><summary>Raw completion</summary>'
        f'<pre class="code">{_e(_clip(sample.completion, limit))}</pre></details>'
    )
    parts.append("</div></details>")
    return "".join(parts)


def drill_down(
    task: TaskSummary, task_index: int, kept: dict[tuple[str, str], ModelSamples]
) -> str:
    out = [f'<div class="drill-down" id="{_element_id("drill-down", task_index)}">']
    for m in [*task.models, *(c.summary for c in task.controls)]:
        entry = kept.get((task.task_id, m.model_id), ModelSamples())
        shown = sorted(
            entry.shown(),
            key=lambda s: (s.passed, _VERDICT_RANK.get(s.verdict.value, 0) * -1, s.example_id,
                           s.run),
        )
        counts = " ".join(
            f"{_verdict_badge(v.value)} {entry.verdicts[v.value]}"
            for v, _ in VERDICT_COLOURS if entry.verdicts.get(v.value)
        )
        elided = entry.total - len(shown)
        elided_note = (
            f'<p class="muted">{elided} of {entry.total} samples are not shown in full (at most '
            f"{MAX_SAMPLES_PER_MODEL} per model, failures first); samples.csv and results.json "
            "list them all.</p>" if elided > 0 else ""
        )
        out.append(
            f'<details class="model-samples" data-model="{_e(m.model_id)}"><summary>'
            f'<span class="model">{_e(m.model_id)}</span> <span class="muted">{entry.total} '
            f"samples, {len(shown)} shown</span> <span class=\"counts\">{counts}</span>"
            f"</summary>{elided_note}{''.join(_sample_details(s) for s in shown)}</details>"
        )
    out.append("</div>")
    return "".join(out)
