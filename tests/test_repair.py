"""repair@r: feedback turns after a failing answer, stored per turn, reported with intervals.

The contestant is `fixer` (tests/repair_fixtures.py), a real `command`-backend process that
answers per example and changes its answer only when the feedback tells it something; the
controls (`mutant`) run beside it and must never get a repair turn. Every verdict comes from the
real rustc and the real Python oracle.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from single_shot_eval.config import load_task
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.errors import ConfigError
from single_shot_eval.models.base import COMPLETION_ROLE, Message
from single_shot_eval.models.registry import resolve_model_specs
from single_shot_eval.report.build import write_reports
from single_shot_eval.report.data import load_report_data
from single_shot_eval.results.records import Diagnostic, Sample, StageResult, Verdict
from single_shot_eval.results.store import SCHEMA_VERSION, ResultStore
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.run.repair import (
    MAX_FEEDBACK_CHARS,
    feedback_text,
    repair_messages,
)
from tests.conftest import run_cli
from tests.repair_fixtures import write_corpus, write_fixer, write_task


def _sample(verdict: Verdict, **fields: object) -> Sample:
    base: dict[str, object] = {
        "task_id": "t", "model_id": "m", "run": 1, "example_id": "e", "level": 1,
        "prompt_sha256": "0" * 64, "completion": "```rust\nfn main() {}\n```",
        "extracted_code": "fn main() {}", "input_tokens": 10, "output_tokens": 5,
        "tokens_estimated": False, "latency_s": 0.5, "cost_usd": 0.001, "verdict": verdict,
    }
    base.update(fields)
    return Sample(**base)  # type: ignore[arg-type]


# -- task YAML ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "field"),
    [("turns: -1", "repair.turns"), ("feedback: verbose", "repair.feedback"),
     ("turns: two", "repair.turns"), ("tries: 2", "repair.tries")],
)
def test_bad_repair_section_is_one_line_naming_file_and_field(
    tmp_path: Path, section: str, field: str
) -> None:
    path = write_task(tmp_path / "task.yaml", turns=None)
    path.write_text(path.read_text() + f"repair:\n  {section}\n")
    with pytest.raises(ConfigError) as caught:
        load_task(path)
    message = str(caught.value)
    assert str(path) in message and field in message and "\n" not in message


def test_bad_repair_section_exits_2_on_the_command_line(tmp_path: Path) -> None:
    path = write_task(tmp_path / "task.yaml", turns=None)
    path.write_text(path.read_text() + "repair:\n  feedback: verbose\n")
    result = run_cli("evaluate", "--tasks", str(path), "--models", "reference",
                     "--output", str(tmp_path / "out"), timeout=120)
    assert result.returncode == 2
    assert "repair.feedback" in result.stderr and "Traceback" not in result.stderr


def test_repair_section_defaults_and_values(tmp_path: Path) -> None:
    assert load_task(write_task(tmp_path / "none.yaml", turns=None)).repair is None
    task = load_task(write_task(tmp_path / "two.yaml", turns=2, feedback="tests"))
    assert task.repair is not None
    assert (task.repair.turns, task.repair.feedback) == (2, "tests")


# -- feedback and prompts -----------------------------------------------------------------------


def test_compiler_feedback_shows_the_first_diagnostics_bounded() -> None:
    diagnostics = tuple(
        Diagnostic("error", f"error[E0308]: mismatch number {i}\n" + "x" * 5000, "E0308", "type")
        for i in range(6)
    )
    sample = _sample(Verdict.COMPILE_ERROR, diagnostics=diagnostics)
    text = feedback_text(sample, "compiler")
    assert len(text) <= MAX_FEEDBACK_CHARS
    assert "mismatch number 0" in text and "6 error(s)" in text
    assert "mismatch number 5" not in text
    # under `tests` feedback a compile error is named, its diagnostics are not shown
    tests_only = feedback_text(sample, "tests")
    assert "does not compile" in tests_only and "mismatch number 0" not in tests_only


def test_tests_feedback_shows_the_first_failing_case() -> None:
    stage = StageResult(
        "behaviour", False, 0.1, "1 of 2 cases differ from the Python program", 2, 1,
        failing_case="case1: args= stdin='21\\n'", expected="exit 0\n42\n",
        actual="exit 0\n" + "63\n" * 1000,
    )
    sample = _sample(Verdict.BEHAVIOUR_MISMATCH, stages=(StageResult("compile", True, 0.1),
                                                         stage))
    text = feedback_text(sample, "tests")
    assert "case1" in text and "42" in text and "63" in text
    assert len(text) <= MAX_FEEDBACK_CHARS and "[... cut ...]" in text
    compiler_only = feedback_text(sample, "compiler")
    assert "case1" not in compiler_only and "behaviour mismatch" in compiler_only


def test_chat_repair_prompt_is_a_continuation_and_completion_prompt_reopens_a_fence() -> None:
    first = (Message("system", "Translate."), Message("user", "print(1)"))
    failed = _sample(Verdict.NO_CODE, completion="I cannot.", extracted_code=None)
    chat = repair_messages(first, failed, "both")
    assert [m.role for m in chat] == ["system", "user", "assistant", "user"]
    assert chat[:2] == first and chat[2].content == "I cannot."
    assert "no Rust code" in chat[3].content

    prompt = "few-shot ...\n### Rust\n```rust\n"
    compile_error = _sample(
        Verdict.COMPILE_ERROR, completion="```rust\nfn main() { x }\n```",
        extracted_code="fn main() { x }",
        diagnostics=(Diagnostic("error", "error[E0425]: cannot find value `x`", "E0425"),),
    )
    (message,) = repair_messages((Message(COMPLETION_ROLE, prompt),), compile_error, "both")
    assert message.role == COMPLETION_ROLE
    assert message.content.startswith(prompt + "fn main() { x }\n```\n")
    assert "cannot find value `x`" in message.content
    assert message.content.endswith("```rust\n")


# -- evaluation, store and reports --------------------------------------------------------------


def _evaluate(tmp_path: Path, *, feedback: str = "both", turns: int | None = 2,
              repair_turns: int | None = None, name: str = "out") -> Path:
    corpus = load_corpus(write_corpus(tmp_path / "corpus", mutant_for="double")) \
        if not (tmp_path / "corpus").exists() else load_corpus(tmp_path / "corpus")
    models = resolve_model_specs(f"mutant,{write_fixer(tmp_path)}")
    task = load_task(write_task(tmp_path / f"task-{name}.yaml", turns=turns, feedback=feedback))
    out = tmp_path / name
    outcome = evaluate([task], models, corpus, RunOptions(output=out, repair_turns=repair_turns))
    assert outcome.completed == 6  # 3 examples x (mutant, fixer); repair turns come on top
    return out


def _turns(out: Path) -> dict[tuple[str, str, int], str]:
    with ResultStore(out / "results.sqlite", create=False) as store:
        return {(t.sample.model_id, t.sample.example_id, t.turn): t.sample.verdict.value
                for t in store.repair_turns()}


@pytest.mark.slow
def test_repair_turns_are_stored_per_turn_and_reported(tmp_path: Path) -> None:
    out = _evaluate(tmp_path)
    assert _turns(out) == {
        ("fixer", "double", 1): "behaviour_mismatch",  # compiler feedback fixed the compile
        ("fixer", "double", 2): "pass",  # the failing case fixed the behaviour
        ("fixer", "count", 1): "compile_error",
        ("fixer", "count", 2): "compile_error",
    }  # `shout` passed at once; the mutant control gets no turn although it failed
    with ResultStore(out / "results.sqlite", create=False) as store:
        firsts = {(s.model_id, s.example_id): s for s in store.iter_samples()}
        turns = {(t.sample.example_id, t.turn): t.sample for t in store.repair_turns()}
    assert firsts[("mutant", "double")].verdict is Verdict.BEHAVIOUR_MISMATCH
    assert firsts[("fixer", "double")].verdict is Verdict.COMPILE_ERROR
    # each turn is a sample of its own: own prompt, tokens, latency and cost
    assert turns[("double", 1)].prompt_sha256 != firsts[("fixer", "double")].prompt_sha256
    assert turns[("double", 2)].prompt_sha256 != turns[("double", 1)].prompt_sha256
    assert all(t.latency_s > 0 and t.cost_usd > 0 and t.input_tokens > 0
               for t in turns.values())
    assert turns[("double", 2)].details.repair_turn == 2

    data = load_report_data(out / "results.sqlite")
    assert data.repair is not None
    (curve,) = data.repair.curves  # the control has no curve
    assert curve.model_id == "fixer" and curve.n_samples == 3
    assert [p.passed for p in curve.points] == [1, 1, 2]
    assert [p.generated for p in curve.points] == [0, 2, 2]
    assert [round(p.accuracy, 4) for p in curve.points] == [0.3333, 0.3333, 0.6667]
    headline = data.summary.task("repair-test").model("fixer")
    assert curve.points[0].accuracy == pytest.approx(headline.pass_at_1)
    assert (curve.points[0].ci_low, curve.points[0].ci_high) == pytest.approx(
        (headline.example_ci_low, headline.example_ci_high))
    costs = [p.cumulative_cost_per_sample_usd for p in curve.points]
    assert costs[0] < costs[1] < costs[2]
    assert costs[0] == pytest.approx(headline.cost_per_sample_usd)
    expected_1 = costs[0] + (turns[("double", 1)].cost_usd + turns[("count", 1)].cost_usd) / 3
    assert costs[1] == pytest.approx(expected_1)

    reports = tmp_path / "reports"
    document = write_reports(out / "results.sqlite", reports, formats=("json", "md", "html"))
    points = document["repair"]["tasks"]["repair-test"]["curves"][0]["points"]
    assert [p["passed"] for p in points] == [1, 1, 2]
    assert document["repair"]["tasks"]["repair-test"]["feedback"] == "both"
    markdown = (reports / "report.md").read_text()
    assert "## Repair turns (repair@r)" in markdown
    assert "| `fixer` | repair@2 | 66.7% |" in markdown
    html = (reports / "report.html").read_text()
    assert 'class="repair-table"' in html and "repair@2" in html


@pytest.mark.slow
def test_tests_feedback_alone_does_not_fix_a_compile_error(tmp_path: Path) -> None:
    out = _evaluate(tmp_path, feedback="tests")
    # without rustc's diagnostics the fixer cannot tell what is wrong and stays broken
    assert _turns(out)[("fixer", "double", 2)] == "compile_error"
    data = load_report_data(out / "results.sqlite")
    assert data.repair is not None
    assert [p.passed for p in data.repair.curves[0].points] == [1, 1, 1]


@pytest.mark.slow
def test_command_line_turns_override_the_task(tmp_path: Path) -> None:
    one = _evaluate(tmp_path, repair_turns=1, name="one")
    assert {k[2] for k in _turns(one)} == {1}
    data = load_report_data(one / "results.sqlite")
    assert data.repair is not None and len(data.repair.curves[0].points) == 2


@pytest.mark.slow
def test_zero_turns_leave_no_trace_and_a_schema_2_store_reports_identically(
    tmp_path: Path,
) -> None:
    out = _evaluate(tmp_path, turns=None, repair_turns=0)
    assert _turns(out) == {}
    store_file = out / "results.sqlite"
    data = load_report_data(store_file)
    assert data.repair is None
    assert data.provenance.tasks is not None
    assert "repair" not in data.provenance.tasks["repair-test"]
    fresh = write_reports(store_file, tmp_path / "fresh", formats=("json", "md"))
    assert "repair" not in fresh
    assert "Repair turns" not in (tmp_path / "fresh" / "report.md").read_text()

    conn = sqlite3.connect(store_file)
    conn.executescript(  # as the tool before repair turns left it
        "DROP TABLE repair_turns; UPDATE meta SET value = '2' WHERE key = 'schema_version';"
    )
    conn.commit()
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "repair_turns" not in tables
    migrated = write_reports(store_file, tmp_path / "migrated", formats=("json", "md"))
    with ResultStore(store_file, create=False) as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "3"
        assert store.repair_turns() == []
    assert fresh == migrated
    assert (tmp_path / "fresh" / "report.md").read_text() == (
        tmp_path / "migrated" / "report.md").read_text()


def test_contestants_are_compared_at_the_last_turn_as_at_pass_at_1() -> None:
    """A model that fails one-shot but passes after feedback is compared, at repair@1, on what
    it delivered by then; the transpiler-like contestant without turns keeps its turn 0."""
    from single_shot_eval.analysis.repair import RepairSettingsSeen, summarize_repair
    from single_shot_eval.report import repair_view
    from single_shot_eval.results.records import RepairTurn

    examples = [f"e{i}" for i in range(10)]
    firsts = [_sample(Verdict.COMPILE_ERROR, model_id=m, example_id=e)
              for m in ("learner", "stuck", "static") for e in examples]
    firsts[20] = _sample(Verdict.PASS, model_id="static", example_id="e0")
    later = [RepairTurn(turn=1, sample=_sample(Verdict.PASS, model_id="learner", example_id=e))
             for e in examples[:9]]
    later.append(RepairTurn(turn=1, sample=_sample(
        Verdict.HARNESS_ERROR, model_id="learner", example_id="e9")))
    later += [RepairTurn(turn=1, sample=_sample(
        Verdict.COMPILE_ERROR, model_id="stuck", example_id=e)) for e in examples]
    summary = summarize_repair(firsts, later, {"t": RepairSettingsSeen(1, "compiler")},
                               bootstrap_resamples=200)
    assert summary is not None
    pairs = {(c.model_a, c.model_b): c for c in summary.comparisons_for("t")}
    assert set(pairs) == {("learner", "static"), ("learner", "stuck"), ("static", "stuck")}
    learner_stuck = pairs[("learner", "stuck")]
    # e9's chain had a harness error: left out, so 9 common examples, all won by the learner
    assert learner_stuck.n_common_examples == 9
    assert (learner_stuck.mcnemar_b, learner_stuck.mcnemar_c) == (9, 0)
    assert learner_stuck.mcnemar_mid_p == pytest.approx(0.5 ** 9)
    assert learner_stuck.holm_p == pytest.approx(3 * 0.5 ** 9)  # smallest of three pairs
    learner_static = pairs[("learner", "static")]
    assert (learner_static.mcnemar_b, learner_static.mcnemar_c) == (8, 0)  # static kept e0
    lines = repair_view.comparison_lines(summary, "t")
    assert any(line.startswith("repair@1: learner − stuck:") and "McNemar 9/0" in line
               for line in lines)
    assert summary.to_dict()["tasks"]["t"]["comparisons_at_last_turn"][1]["mcnemar_b"] == 9
