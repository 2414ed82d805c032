"""The `quality` section of every report (the HTML one is `templates/quality.html.j2`).

A report only reads: the lint stage of `evaluate` and `rejudge` (`run/quality_stage.py`) stored
every passing answer's clippy and rustfmt findings (`quality_findings`, by answer hash) and the
Python code lines of its example (provenance `python_lines`); `analysis/quality.py` turns them
into per-contestant figures with 95% intervals. An answer the store holds no findings for is
shown as not linted, and the section's notes say so and which command fills them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Console

from single_shot_eval.analysis.aggregate import TaskSummary
from single_shot_eval.analysis.quality import (
    AnswerQuality,
    ContestantQuality,
    Estimate,
    QualitySection,
    summarize_quality,
)
from single_shot_eval.report import fmt
from single_shot_eval.report.fit import FittedTable
from single_shot_eval.results.cache import CacheNamespace
from single_shot_eval.results.records import Sample
from single_shot_eval.results.store import ResultStore
from single_shot_eval.verify.lint import (
    CLIPPY_GROUPS,
    DEFAULT_GROUPS,
    ToolFindings,
    answer_key,
    rust_text_metrics,
)

FILL_COMMAND = "`single-shot-eval rejudge --input <store> --lint-only`"
_NOT_LINTED = ToolFindings(clippy_error="not linted", rustfmt_error="not linted")
QUALITY_NOTE = (
    "Quality of passing answers only (verdict pass). Clippy (clippy-driver, the compiler "
    "`cargo clippy` runs, with the verifier's offline crate set) with the groups "
    f"{', '.join(CLIPPY_GROUPS)} forced on (`--force-warn`, so an answer's own `#[allow]` "
    f"hides nothing); `clippy::all` = {', '.join(DEFAULT_GROUPS)} (the groups `cargo clippy` "
    "warns about by default); clippy-clean = no warning from those. Not enabled: nursery, "
    "restriction, cargo. rustfmt: default configuration, edition 2021; formatted = "
    "`rustfmt --check` would pass; changed lines = lines rustfmt rewrites. Lines = non-blank "
    "lines that are not only a comment. `unsafe` = `unsafe { }` blocks; panicking = "
    "`.unwrap()`, `.expect(..)` and `panic!` outside comments and strings. Densities are "
    "per 100 lines of Rust (ratio of totals); 95% intervals are a cluster bootstrap (BCa) over "
    "examples, or exact Poisson where nothing was counted or one example passed; shares use the "
    "pass@1 interval over examples."
)


def compute_quality(
    samples: Iterable[Sample],
    store: ResultStore,
    *,
    tasks: Iterable[TaskSummary],
    seed: int = 0,
    resamples: int = 10_000,
) -> QualitySection:
    """Summarise per contestant and task the findings `store` holds for its passing answers
    (read only: no tool runs, nothing is written)."""
    tasks = tuple(tasks)
    passing = [s for s in samples if s.passed and s.extracted_code]
    roles = {(t.task_id, c.model_id): c.role for t in tasks for c in t.controls}
    provenance = store.provenance()
    stored = store.cache(CacheNamespace.QUALITY_FINDINGS)
    records = {code: json.loads(r) for code in {s.extracted_code or "" for s in passing}
               if (r := stored.get(answer_key(code))) is not None}
    python_lines = provenance.python_lines or {}
    answers = []
    for sample in passing:
        text = rust_text_metrics(sample.extracted_code or "")
        record = records.get(sample.extracted_code or "")
        found = ToolFindings.from_json(record["findings"]) if record else _NOT_LINTED
        answers.append(AnswerQuality(
            sample.task_id, sample.model_id, sample.example_id, text.code_lines,
            text.unsafe_blocks, text.unwrap_calls, text.expect_calls, text.panic_macros,
            lints=tuple((f.lint, f.group) for f in found.lints) if found.clippy_ran else None,
            formatted=found.formatted if found.rustfmt_ran else None,
            rustfmt_changed_lines=found.rustfmt_changed_lines if found.rustfmt_ran else 0,
            python_lines=python_lines.get(sample.example_id),
        ))
    unlinted = sum(1 for s in passing if s.extracted_code not in records)
    missing = len({s.example_id for s in passing} - set(python_lines))
    notes = [
        f"{unlinted} of {len(passing)} passing answers are not linted (the store holds no "
        f"clippy or rustfmt findings for them; a report runs no tool): {FILL_COMMAND} "
        "lints them" if unlinted else "",
        "Rust lines per Python line: unavailable (the store records no Python line counts; "
        f"{FILL_COMMAND} records them)" if passing and provenance.python_lines is None
        else f"Rust lines per Python line: {missing} example(s) not found in "
        f"{provenance.corpus or 'the corpus'}" if missing else "",
    ]
    return summarize_quality(
        answers, tools=" + ".join(sorted({str(r["tools"]) for r in records.values()})),
        roles=roles, seed=seed, resamples=resamples, groups=CLIPPY_GROUPS,
        default_groups=DEFAULT_GROUPS, notes=[n for n in notes if n],
        models=[(t.task_id, m.model_id) for t in tasks
                for m in (*t.models, *(c.summary for c in t.controls))],
    )


# -- formatting -------------------------------------------------------------------------------


def _estimate(value: Estimate, digits: int = 2) -> str:
    """`1.23 [0.80, 1.90]`, or `–`."""
    if fmt.missing(value.estimate):
        return "–"
    if fmt.missing(value.low) or fmt.missing(value.high):
        return f"{value.estimate:.{digits}f}"
    return f"{value.estimate:.{digits}f} [{value.low:.{digits}f}, {value.high:.{digits}f}]"


def _share(value: Estimate) -> str:
    if fmt.missing(value.estimate):
        return "–"
    return f"{fmt.pct(value.estimate, 0)} {fmt.pct_ci(value.low, value.high)}"


def contestant_name(c: ContestantQuality) -> str:
    """The model id, marked `(control: …)` for a harness control."""
    return c.model_id if c.role == "contestant" else f"{c.model_id} (control: {c.role})"


def quality_cells(c: ContestantQuality, groups: tuple[str, ...]) -> list[str]:
    """One contestant's figures after its name, as the Markdown and HTML tables show them."""
    return [
        f"{c.passing_answers} ({c.examples})", str(c.rust_lines),
        _estimate(c.warnings_per_100_lines), _estimate(c.default_warnings_per_100_lines),
        *[_estimate(c.group_per_100_lines[g]) for g in groups],
        _share(c.clippy_clean_share), _share(c.rustfmt_formatted_share),
        _estimate(c.rustfmt_changed_per_100_lines),
        f"{c.unsafe_blocks} ({_estimate(c.unsafe_per_100_lines)})",
        f"{c.unwrap_calls}/{c.expect_calls}/{c.panic_macros} "
        f"({_estimate(c.panicking_per_100_lines)})",
        _estimate(c.rust_per_python_line),
    ]


def _lint_line(c: ContestantQuality, limit: int = 12) -> str:
    if c.passing_answers == 0:
        return "no passing answer: nothing to measure"
    if c.linted_answers == 0:
        return "clippy did not run"
    if not c.lints:
        return "no clippy warning"
    parts = [f"{t.lint} ({t.group}) ×{t.count} in {t.answers} answer(s): "
             f"{', '.join(t.examples)}" for t in c.lints[:limit]]
    more = f"; and {len(c.lints) - limit} more lints" if len(c.lints) > limit else ""
    return "; ".join(parts) + more


def clippy_clean_verdict(c: ContestantQuality) -> str:
    """'clippy-clean (clippy::all)' or the lints it trips, for the controls' line."""
    default = [t for t in c.lints if t.group in DEFAULT_GROUPS]
    if c.passing_answers == 0:
        return "no passing answer"
    if c.linted_answers == 0:
        return "not linted"
    if not default:
        return f"clippy-clean on clippy::all ({c.linted_answers} answers)"
    names = "; ".join(f"{t.lint} ×{t.count} ({', '.join(t.examples)})" for t in default)
    return f"NOT clippy-clean: trips {names}"


def quality_markdown(section: QualitySection | None) -> list[str]:
    """The `## Rust quality of passing answers` section of report.md."""
    if section is None:
        return []
    out = ["## Rust quality of passing answers", ""]
    if not section.contestants:
        return [*out, "No passing answer to measure.", ""]
    out += [f"Tools: {section.tools}.", ""]
    header = ["Model", "Passing (examples)", "Rust lines", "clippy /100 lines (all groups)",
              "clippy::all /100 lines", *[f"{g} /100" for g in section.groups],
              "clippy-clean", "rustfmt-clean", "rustfmt changed /100", "unsafe blocks (/100)",
              "unwrap/expect/panic! (/100)", "Rust lines per Python line"]
    for task_id in sorted({c.task_id for c in section.contestants}):
        out += [f"### Task `{task_id}`", ""]
        rows = []
        for c in section.for_task(task_id):
            rows.append([f"`{contestant_name(c)}`", *quality_cells(c, section.groups)])
        out += _md_table(header, rows)
        out += ["", "Lints tripped:", ""]
        out += [f"- `{contestant_name(c)}`: {_lint_line(c)}" for c in section.for_task(task_id)]
        controls = [c for c in section.for_task(task_id) if c.role == "reference"]
        out += [f"- Reference check: `{c.model_id}` {clippy_clean_verdict(c)}" for c in controls]
        notes = [f"- `{c.model_id}`: {n}" for c in section.for_task(task_id) for n in c.notes]
        out += [*notes, ""]
    out += [f"- {n}" for n in section.notes]
    return [*out, "", QUALITY_NOTE, ""]


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


def _compact(value: Estimate, digits: int = 1) -> str:
    """`5.3 (2.6–9.7)`: an estimate and its interval in the width of a terminal column."""
    if fmt.missing(value.estimate):
        return "–"
    if fmt.missing(value.low) or fmt.missing(value.high):
        return f"{value.estimate:.{digits}f}"
    return f"{value.estimate:.{digits}f} ({value.low:.{digits}f}–{value.high:.{digits}f})"


def print_quality(console: Console, section: QualitySection | None) -> None:
    """The terminal table: one row per model with passing answers (controls marked *)."""
    if section is None or not section.contestants:
        return
    for task_id in sorted({c.task_id for c in section.contestants}):
        table = FittedTable(
            "model",
            ("passing", "clippy::all", "+pedantic", "clippy-clean", "rustfmt-clean", "unsafe",
             "panics", "rs/py lines"),
            title=f"Rust quality of passing answers ({task_id})",
            caption="per 100 lines of Rust with 95% CI over examples; clippy::all = the groups "
            "cargo clippy enables by default, +pedantic = all enabled groups; "
            "panics = unwrap + expect + panic!; * = harness control",
        )
        for c in section.for_task(task_id):
            table.add_row(
                c.model_id + ("" if c.role == "contestant" else "*"),
                f"{c.passing_answers} ({c.examples} ex)",
                _compact(c.default_warnings_per_100_lines), _compact(c.warnings_per_100_lines),
                fmt.pct(c.clippy_clean_share.estimate, 0),
                fmt.pct(c.rustfmt_formatted_share.estimate, 0),
                _compact(c.unsafe_per_100_lines), _compact(c.panicking_per_100_lines),
                _compact(c.rust_per_python_line, 2),
            )
        table.render(console)
        for c in section.for_task(task_id):
            if c.role == "reference":
                console.print(f"  {c.model_id}: {clippy_clean_verdict(c)}", markup=False)


def quality_json(section: QualitySection | None) -> dict[str, object] | None:
    """The `quality` section of results.json (None: not computed)."""
    if section is None:
        return None
    document: dict[str, object] = json.loads(json.dumps(section.to_dict()))
    document["note"] = QUALITY_NOTE
    return document
