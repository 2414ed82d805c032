"""Rust quality of passing answers: real clippy and rustfmt on small programs written here,
the token counts, the per-contestant figures and their intervals, and the report sections."""

from __future__ import annotations

import concurrent.futures
import io
import json
import math
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest
from rich.console import Console

from single_shot_eval.analysis.quality import (
    AnswerQuality,
    poisson_interval,
    ratio_interval,
    summarize_quality,
)
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.report.build import write_reports
from single_shot_eval.results.cache import CacheNamespace
from single_shot_eval.results.records import Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.quality_stage import lint_passing
from single_shot_eval.verify.lint import (
    LintTools,
    changed_line_count,
    python_code_lines,
    rust_text_metrics,
)

# unsafe, .unwrap() and a `needless_return`; formatted as rustfmt would write it.
RISKY = """\
fn add(a: i32, b: i32) -> i32 {
    return a + b;
}

fn main() {
    let values = vec![1, 2, 3];
    let first = values.first().unwrap();
    let pointer = values.as_ptr();
    let second = unsafe { *pointer.add(1) };
    println!("{}", add(*first, second));
}
"""

# Formatted, and nothing clippy (all groups, pedantic included) objects to.
CLEAN = """\
fn add(a: i32, b: i32) -> i32 {
    a + b
}

fn main() {
    let total = add(2, 3);
    println!("{total}");
}
"""

UNFORMATTED = """\
fn main(){let total=2+3;
println!("{total}");}
"""

# A function answer (no main): linted as a library crate.
FUNCTION = """\
pub fn double(values: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    for i in 0..values.len() {
        out.push(values[i] * 2);
    }
    out
}
"""


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> LintTools:
    return LintTools(cache_dir=tmp_path_factory.mktemp("quality-cache"))


def test_risky_program_counts_unsafe_unwrap_and_needless_return(tools: LintTools) -> None:
    findings = tools.findings(RISKY)
    assert findings.clippy_error == "" and findings.rustfmt_error == ""
    lints = {(f.lint, f.group, f.line) for f in findings.lints}
    assert ("clippy::needless_return", "style", 2) in lints
    assert findings.formatted is True and findings.rustfmt_changed_lines == 0
    text = rust_text_metrics(RISKY)
    assert (text.unsafe_blocks, text.unwrap_calls, text.expect_calls, text.panic_macros) == (
        1, 1, 0, 0)
    assert text.code_lines == 10


def test_unformatted_program_fails_rustfmt_check(tools: LintTools) -> None:
    findings = tools.findings(UNFORMATTED)
    assert findings.rustfmt_error == ""
    assert findings.formatted is False
    # Two lines become four: `fn main() {`, two statements, `}`.
    assert findings.rustfmt_changed_lines == 4


def test_clean_program_has_zero_of_everything(tools: LintTools) -> None:
    findings = tools.findings(CLEAN)
    assert findings.clippy_error == ""
    assert findings.lints == ()
    assert findings.formatted is True and findings.rustfmt_changed_lines == 0
    text = rust_text_metrics(CLEAN)
    assert (text.unsafe_blocks, text.panicking_calls) == (0, 0)


def test_function_answer_is_linted_as_a_library(tools: LintTools) -> None:
    findings = tools.findings(FUNCTION)
    assert findings.clippy_error == ""
    assert "clippy::needless_range_loop" in {f.lint for f in findings.lints}


def test_an_answers_own_allow_does_not_hide_lints(tools: LintTools) -> None:
    findings = tools.findings("#![allow(clippy::all)]\n" + RISKY)
    assert "clippy::needless_return" in {f.lint for f in findings.lints}


def test_findings_are_cached_by_answer_and_tool_versions(tmp_path: Path) -> None:
    first = LintTools(cache_dir=tmp_path)
    result = first.findings(RISKY)
    assert (first.linted, first.cache_hits) == (1, 0)
    second = LintTools(cache_dir=tmp_path)
    assert second.findings(RISKY) == result
    assert (second.linted, second.cache_hits) == (0, 1)
    newer = LintTools(cache_dir=tmp_path)
    newer.clippy_version += " (another build)"
    assert newer.cache_key(RISKY) != second.cache_key(RISKY)
    assert newer.cache_key(RISKY + "\n") != newer.cache_key(RISKY)


def test_text_metrics_ignore_comments_strings_and_lifetimes() -> None:
    code = (
        "// x.unwrap() and unsafe { } in a comment\n"
        "/* nested /* unsafe { */ .unwrap() */\n"
        "fn pick<'a>(s: &'a str) -> char {\n"
        '    let _ = "panic!(\\"no\\") .unwrap() unsafe {";\n'
        '    let _ = r#"x.expect("y")"#;\n'
        "    let quote = '\"';\n"
        "    s.chars().next().expect(\"empty\")\n"
        "}\n"
        "fn main() { if pick(\"a\") == '{' { panic!(\"brace\"); } }\n"
    )
    text = rust_text_metrics(code)
    assert (text.unsafe_blocks, text.unwrap_calls, text.expect_calls, text.panic_macros) == (
        0, 0, 1, 1)
    assert text.code_lines == 7


def test_python_lines_leave_out_comments_and_docstrings() -> None:
    source = '"""Module\ndoc."""\n# comment\nimport sys\n\n\ndef f():\n    """Doc."""\n' \
             '    return 1  # trailing\n'
    assert python_code_lines(source) == 3
    assert python_code_lines("def (:\n") is None


def test_changed_line_count_takes_the_larger_side_of_each_block() -> None:
    assert changed_line_count("a\nb\nc\n", "a\nb\nc\n") == 0
    assert changed_line_count("a\nxy\nc\n", "a\nx\ny\nz\nc\n") == 3
    assert changed_line_count("a\nb\nc\n", "a\nc\n") == 1


# -- aggregation ------------------------------------------------------------------------------


def _answer(model: str, example: str, lines: int, lints: tuple[tuple[str, str], ...] | None,
            *, unsafe: int = 0, unwraps: int = 0, formatted: bool | None = True,
            python: int | None = 10) -> AnswerQuality:
    return AnswerQuality("t", model, example, lines, unsafe, unwraps, 0, 0, lints, formatted,
                         0 if formatted else 3, python)


def test_densities_are_ratios_of_totals_with_intervals() -> None:
    answers = [
        _answer("m", "e1", 50, (("clippy::needless_return", "style"),) * 2, unsafe=1),
        _answer("m", "e2", 100, (("clippy::doc_markdown", "pedantic"),), unwraps=3,
                formatted=False),
        _answer("m", "e3", 50, (), python=25),
        _answer("m", "e4", 100, None),  # clippy could not run on this one
    ]
    section = summarize_quality(answers, tools="test", groups=("style", "pedantic"),
                                default_groups=("style",), resamples=2000)
    (quality,) = section.contestants
    assert quality.warnings == 3 and quality.default_warnings == 2
    assert quality.warnings_by_group == {"style": 2, "pedantic": 1}
    # Clippy figures only over the linted 200 lines; text figures over all 300.
    assert quality.warnings_per_100_lines.estimate == pytest.approx(1.5)
    assert quality.group_per_100_lines["style"].estimate == pytest.approx(1.0)
    assert quality.unsafe_per_100_lines.estimate == pytest.approx(100 / 300)
    assert quality.panicking_per_100_lines.estimate == pytest.approx(1.0)
    assert quality.clippy_clean_share.estimate == pytest.approx(2 / 3)
    assert quality.rustfmt_formatted_share.estimate == pytest.approx(3 / 4)
    assert quality.rust_per_python_line.estimate == pytest.approx(300 / 55)
    top = quality.lints[0]
    assert (top.lint, top.group, top.count, top.answers, top.examples) == (
        "clippy::needless_return", "style", 2, 1, ("e1",))
    assert quality.notes and "1 of 4" in quality.notes[0]
    for estimate in (quality.warnings_per_100_lines, quality.rust_per_python_line):
        assert estimate.low <= estimate.estimate <= estimate.high
        assert estimate.high > estimate.low


def test_no_occurrence_gets_an_exact_poisson_upper_bound_not_a_point() -> None:
    zero = ratio_interval([0, 0, 0], [300, 300, 200])
    assert zero.method == "poisson-exact"
    assert zero.estimate == 0 and zero.low == 0
    assert zero.high == pytest.approx(3.6889 / 800 * 100, rel=1e-3)
    one = poisson_interval(1, 100)
    assert one.low == pytest.approx(0.0253, rel=1e-2) and one.high == pytest.approx(5.5716,
                                                                                     rel=1e-3)
    assert math.isnan(ratio_interval([], []).estimate)


def test_controls_keep_their_role() -> None:
    section = summarize_quality(
        [_answer("reference", "e1", 10, ()), _answer("m", "e1", 10, ())], tools="test",
        roles={("t", "reference"): "reference"}, resamples=200,
    )
    assert {(c.model_id, c.role) for c in section.contestants} == {
        ("reference", "reference"), ("m", "contestant")}


# -- reports ----------------------------------------------------------------------------------


def _sample(model: str, example: str, level: int, code: str | None, passed: bool,
            control: str | None = None) -> Sample:
    return Sample(
        task_id="task", model_id=model, run=1, example_id=example, level=level,
        prompt_sha256="0" * 64, completion=code or "", extracted_code=code, input_tokens=10,
        output_tokens=10, tokens_estimated=False, latency_s=0.1, cost_usd=0.0 if control
        else 0.001, verdict=Verdict.PASS if passed else Verdict.BEHAVIOUR_MISMATCH,
        stages=(StageResult("compile", True, 0.1), StageResult("behaviour", passed, 0.1)),
        extra={"control": control} if control else {},
    )


ALPHA_PY = '"""Add two numbers."""\n# a comment\nimport sys\n\nprint(int(sys.argv[1]) + 1)\n'


def _corpus(root: Path) -> Corpus:
    for name in ("alpha", "beta"):
        folder = root / name
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(ALPHA_PY if name == "alpha" else "print(2)\n")
        (folder / "cases.yaml").write_text('cases:\n  - name: one\n    args: ["1"]\n')
        (folder / "reference.rs").write_text(CLEAN)
    return load_corpus(root)


@pytest.fixture(scope="module")
def quality_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object],
                                                                         str]:
    """A store the lint stage ran on (as `evaluate` runs it), and the reports built from it."""
    directory = tmp_path_factory.mktemp("quality") / "store"  # corpus and lint cache beside it
    directory.mkdir()
    with ResultStore(directory / "results.sqlite") as store:
        store.add_sample(_sample("reference", "alpha", 2, CLEAN, True, "reference"))
        store.add_sample(_sample("reference", "beta", 4, RISKY, True, "reference"))
        store.add_sample(_sample("model", "alpha", 2, RISKY, True))
        store.add_sample(_sample("model", "beta", 4, UNFORMATTED, False))  # not measured
        stage = lint_passing(store, _corpus(directory.parent / "corpus"),
                             tools=LintTools(cache_dir=directory.parent / "cache"))
    assert (stage.linted, stage.stored, stage.unavailable) == (2, 2, "")  # CLEAN and RISKY
    buffer = io.StringIO()
    document = write_reports(directory / "results.sqlite", directory,
                             formats=("json", "md", "html", "csv"),
                             console=Console(file=buffer, width=200, no_color=True))
    return directory, document, buffer.getvalue()


def test_quality_section_in_every_format(
    quality_reports: tuple[Path, dict[str, object], str],
) -> None:
    directory, document, terminal = quality_reports
    written = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    quality = written["quality"]
    assert quality == json.loads(json.dumps(document["quality"]))
    by_model = {c["model_id"]: c for c in quality["contestants"]}
    assert by_model["reference"]["role"] == "reference"
    assert by_model["model"]["role"] == "contestant"
    # Only the passing answer counts: the unformatted failing one is not measured.
    assert by_model["model"]["passing_answers"] == 1
    assert by_model["model"]["formatted_answers"] == 1
    assert by_model["model"]["unsafe_blocks"] == 1 and by_model["model"]["unwrap_calls"] == 1
    assert by_model["reference"]["unsafe_blocks"] == 1
    assert "clippy::needless_return" in {t["lint"] for t in by_model["reference"]["lints"]}
    # The stage stored alpha's Python code lines (2: no docstring, no comment): 10 / 2.
    assert by_model["model"]["rust_per_python_line"]["estimate"] == pytest.approx(10 / 2)
    assert quality["notes"] == [] and quality["tools"].startswith("clippy")
    markdown = (directory / "report.md").read_text(encoding="utf-8")
    assert "## Rust quality of passing answers" in markdown
    assert "`reference` NOT clippy-clean: trips clippy::needless_return ×1 (beta)" in markdown
    page = (directory / "report.html").read_text(encoding="utf-8")
    assert '<section id="quality">' in page and 'data-role="reference"' in page
    assert "Rust quality of passing answers" in terminal
    assert "reference: NOT clippy-clean" in terminal


def test_html_heatmap_colours_pass_at_1_per_level(
    quality_reports: tuple[Path, dict[str, object], str],
) -> None:
    directory, _, _ = quality_reports
    page = (directory / "report.html").read_text(encoding="utf-8")
    start = page.index('id="level-heatmap"')
    heatmap = page[start:page.index("</table>", start)]
    # `model` passed its L2 example and failed its L4 one: a full and an empty cell.
    assert 'data-col="level_2" data-value="1.0" style="background:#08306b' in heatmap
    assert 'data-col="level_4" data-value="0.0" style="background:#f7fbff' in heatmap


def test_report_on_a_store_without_quality_still_builds(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "results.sqlite") as store:
        store.add_sample(_sample("model", "alpha", 1, None, False))
    document = write_reports(tmp_path / "results.sqlite", tmp_path, formats=("json", "md"))
    # A contestant that passed nothing is listed, with no figure rather than a made-up one.
    (listed,) = document["quality"]["contestants"]
    assert (listed["model_id"], listed["passing_answers"]) == ("model", 0)
    assert listed["warnings_per_100_lines"]["estimate"] is None
    assert listed["rustfmt_formatted_share"]["estimate"] is None
    assert "`model`: no passing answer: nothing to measure" in (
        tmp_path / "report.md").read_text()


def _copy(directory: Path, target: Path) -> Path:
    target.mkdir()
    for path in directory.glob("results.sqlite*"):  # with its write-ahead log
        shutil.copy2(path, target / path.name)
    return target / "results.sqlite"


def _no_process(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError(f"the report started a process or a thread pool: {args!r}")


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and not p.name.startswith("results.sqlite")}


def test_the_report_only_reads_and_rebuilds_the_same_bytes(
    quality_reports: tuple[Path, dict[str, object], str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every format, rebuilt from a copy of the store with no way to start a process or a
    thread pool, is byte for byte what the reports after the lint stage were, and the store is
    not written; nor does an answer without findings get linted."""
    directory, document, _ = quality_reports
    store = _copy(directory, tmp_path / "copy")
    before = {p.name: p.read_bytes() for p in store.parent.glob("results.sqlite*")}
    for name in ("Popen", "run", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, _no_process)
    for name in ("posix_spawn", "posix_spawnp", "fork", "system", "execv", "execve"):
        monkeypatch.setattr(os, name, _no_process)
    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "__init__", _no_process)
    monkeypatch.setattr("single_shot_eval.verify.lint.LintTools.findings", _no_process)
    formats = ("json", "md", "html", "csv")
    console = Console(file=io.StringIO(), width=200)
    rebuilt = write_reports(store, store.parent, formats=formats, console=console)
    assert rebuilt["quality"] == document["quality"]
    assert _files(store.parent) == _files(directory) != {}
    assert {p.name: p.read_bytes() for p in store.parent.glob("results.sqlite*")} == before
    with ResultStore(store) as writable:  # a passing answer the lint stage never saw
        writable.add_sample(_sample("model", "beta", 4, CLEAN + "\n// new\n", True))
    write_reports(store, store.parent, formats=formats, console=console)
    monkeypatch.undo()
    with ResultStore(store, create=False) as written:
        assert len(written.cache(CacheNamespace.QUALITY_FINDINGS).keys()) == 2


def test_answers_without_stored_findings_are_shown_as_not_linted(
    quality_reports: tuple[Path, dict[str, object], str], tmp_path: Path,
) -> None:
    directory, _, _ = quality_reports
    store_file = _copy(directory, tmp_path / "copy")
    with ResultStore(store_file) as store:  # a passing answer added after the lint stage
        store.add_sample(_sample("model", "beta", 4, CLEAN + "\n// new\n", True))
    partial = write_reports(store_file, store_file.parent, formats=("json", "md"))
    quality = partial["quality"]
    model = next(c for c in quality["contestants"] if c["model_id"] == "model")
    assert model["passing_answers"] == 2 and model["linted_answers"] == 1
    assert quality["notes"] == [
        "1 of 4 passing answers are not linted (the store holds no clippy or rustfmt findings "
        "for them; a report runs no tool): `single-shot-eval rejudge --input <store> "
        "--lint-only` lints them"]
    assert "1 of 4 passing answers are not linted" in (
        store_file.parent / "report.md").read_text()
    with ResultStore(store_file, create=False) as store:
        assert len(store.cache(CacheNamespace.QUALITY_FINDINGS).keys()) == 2  # nothing written
        stage = lint_passing(store, _corpus(tmp_path / "corpus"),
                             tools=LintTools(cache_dir=directory.parent / "cache"))
        assert (stage.linted, stage.stored) == (1, 1)  # only the answer without findings
        assert len(store.cache(CacheNamespace.QUALITY_FINDINGS).keys()) == 3
    filled = write_reports(store_file, store_file.parent, formats=("json",))["quality"]
    assert filled["notes"] == []
    assert next(c for c in filled["contestants"] if c["model_id"] == "model")[
        "linted_answers"] == 2


def test_a_store_without_python_line_counts_says_which_command_records_them(
    tmp_path: Path,
) -> None:
    """A store written before the lint stage existed: its findings are used, the Rust/Python
    ratio is left out and the notes name the command."""
    with ResultStore(tmp_path / "results.sqlite") as store:
        store.add_sample(_sample("model", "alpha", 1, CLEAN, True))
    quality = write_reports(tmp_path / "results.sqlite", tmp_path, formats=("json",))["quality"]
    assert quality["notes"][1] == (
        "Rust lines per Python line: unavailable (the store records no Python line counts; "
        "`single-shot-eval rejudge --input <store> --lint-only` records them)")
    assert quality["contestants"][0]["linted_answers"] == 0


def test_opening_a_store_does_not_create_the_findings_table(tmp_path: Path) -> None:
    """An old store must still open (and report) where it cannot be written: the table appears
    only with the first findings."""
    path = tmp_path / "results.sqlite"
    with ResultStore(path) as store:
        store.add_sample(_sample("model", "alpha", 1, None, False))
    write_reports(path, tmp_path, formats=("json",))

    def tables() -> set[str]:
        connection = sqlite3.connect(path)
        try:
            return {row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()

    assert "quality_findings" not in tables()
    with ResultStore(path, create=False) as store:
        findings = store.cache(CacheNamespace.QUALITY_FINDINGS)
        assert findings.keys() == [] and findings.get("k") is None
        findings.put("k", "{}")
        assert findings.keys() == ["k"] and findings.get("k") == "{}"
    assert "quality_findings" in tables()
