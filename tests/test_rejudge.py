"""`rejudge`: stored answers re-verified with today's verifier, no model call; the new verdicts
replace the old ones in the samples, the old ones stay readable, and the changes are reported per
model. Stores come from the real `evaluate` (one with a deliberately lenient verifier)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from single_shot_eval.config import EvaluationSettings, Prompts, TaskConfig, TaskInfo, load_tasks
from single_shot_eval.corpus.example import Example
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.models.registry import resolve_model_specs
from single_shot_eval.results.cache import CacheNamespace
from single_shot_eval.results.records import Verdict
from single_shot_eval.results.store import SCHEMA_VERSION, ResultStore, SampleKey
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.run.executors import worker
from single_shot_eval.run.rejudge import rejudge, render_rejudge
from single_shot_eval.verify.crates import CrateSet
from single_shot_eval.verify.lint import answer_key
from single_shot_eval.verify.verifier import VerificationResult, Verifier
from tests.conftest import run_cli

COUNT_PY = "import sys\nprint(len(sys.argv) - 1)\n"
COUNT_RS = 'fn main() {\n    println!("{}", std::env::args().count() - 1);\n}\n'
OFF_BY_ONE_RS = 'fn main() {\n    println!("{}", std::env::args().count());\n}\n'


class LenientVerifier(Verifier):
    """A deliberately lenient judge: whatever compiles passes."""

    def _verify_uncached(
        self, code: str, example: Example, workdir: Path, crate_set: CrateSet | None = None
    ) -> VerificationResult:
        result = super()._verify_uncached(code, example, workdir, crate_set)
        if result.verdict.compiled:
            return dataclasses.replace(result, verdict=Verdict.PASS)
        return result


def _corpus(root: Path) -> Corpus:
    for name in ("alpha", "beta"):
        folder = root / name
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(f"# {name}\n" + COUNT_PY)
        (folder / "cases.yaml").write_text(
            'cases:\n  - name: none\n    args: []\n  - name: two\n    args: ["a", "b"]\n'
        )
        (folder / "reference.rs").write_text(COUNT_RS)
        (folder / "mutant.rs").write_text(OFF_BY_ONE_RS)
    return load_corpus(root)


def _verdicts(path: Path) -> dict[tuple[str, str], Verdict]:
    with ResultStore(path, create=False) as store:
        return {(s.model_id, s.example_id): s.verdict for s in store.iter_samples()}


def test_rejudge_reports_what_a_lenient_verifier_let_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    task = TaskConfig(
        task=TaskInfo(id="lenient"), evaluation=EvaluationSettings(runs=1),
        prompts=Prompts(user_template="Translate:\n{python_code}"),
    )
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(worker, "Verifier", LenientVerifier)
        evaluate(
            [task], resolve_model_specs("reference,mutant"), corpus,
            RunOptions(output=out, controls=False),
        )
    store_file = out / "results.sqlite"
    lenient = _verdicts(store_file)
    assert set(lenient.values()) == {Verdict.PASS}  # the lenient judge passed the mutants too
    assert len(lenient) == 4
    # The lint stage after the samples: findings of both passing texts, Python line counts.
    assert _findings(store_file) == {answer_key(COUNT_RS), answer_key(OFF_BY_ONE_RS)}
    with ResultStore(store_file, create=False) as store:
        assert store.provenance().python_lines == {"alpha": 2, "beta": 2}

    # Into another directory: the input store stays as it was.
    copy = tmp_path / "rejudged"
    cli = run_cli("rejudge", "--input", str(out), "--corpus", str(tmp_path / "corpus"),
                  "--output", str(copy))
    assert cli.returncode == 0, cli.stderr
    assert "mutant: 2 judged, 2 changed: pass->fail 2, fail->pass 0" in cli.stdout
    assert "pass->fail: alpha (pass -> behaviour_mismatch), beta (pass -> behaviour_mismatch)" \
        in cli.stdout
    assert "reference: 2 judged, 0 changed" in cli.stdout
    assert "quality: 1 distinct passing answers linted, 1 stored" in cli.stdout  # the mutants fail now
    assert _verdicts(store_file) == lenient
    assert _verdicts(copy / "results.sqlite")[("mutant", "alpha")] is Verdict.BEHAVIOUR_MISMATCH

    # In place, through the API: the same changes, and the old verdicts stay readable.
    outcome = rejudge(out, corpus)
    assert outcome.rejudge_id == 1 and outcome.judged == 4
    by_model = {m.model_id: m for m in outcome.models}
    assert [c.key.example_id for c in by_model["mutant"].pass_to_fail] == ["alpha", "beta"]
    assert by_model["mutant"].fail_to_pass == () and by_model["reference"].changed == 0
    now = _verdicts(store_file)
    assert now[("mutant", "beta")] is Verdict.BEHAVIOUR_MISMATCH
    assert now[("reference", "beta")] is Verdict.PASS
    with ResultStore(store_file, create=False) as store:
        previous = {(p.key.model_id, p.key.example_id): p for p in store.previous_verdicts()}
        assert {k: p.verdict for k, p in previous.items()} == lenient
        assert previous[("mutant", "alpha")].replaced_by == 1
        assert previous[("mutant", "alpha")].judgement == 0
        assert previous[("mutant", "alpha")].stages[-1].stage == "behaviour"
        assert store.judgement_of(SampleKey("lenient", "mutant", 1, "alpha")) == 1
        (record,) = store.rejudges()
        assert record.sandbox.startswith("bubblewrap") and record.id == 1

    # A second re-judgement with the same verifier changes nothing.
    second = rejudge(out, corpus)
    assert second.rejudge_id == 2
    assert [m.changed for m in second.models] == [0, 0]
    assert render_rejudge(second)[1].startswith("mutant: 2 judged, 0 changed")
    assert second.lint is not None and (second.lint.linted, second.lint.stored) == (1, 1)

    # `rejudge --lint-only` fills what the reports read, without judging anything.
    with sqlite3.connect(store_file) as conn:  # as a store from before the lint stage
        conn.execute("DELETE FROM quality_findings")
        conn.execute("DELETE FROM meta WHERE key = 'python_lines'")
    lint_only = run_cli("rejudge", "--input", str(out), "--corpus", str(tmp_path / "corpus"),
                        "--lint-only")
    assert lint_only.returncode == 0, lint_only.stderr
    assert lint_only.stdout.strip() == "quality: 1 distinct passing answers linted, 1 stored"
    assert _findings(store_file) == {answer_key(COUNT_RS)}
    with ResultStore(store_file, create=False) as store:
        assert store.provenance().python_lines == {"alpha": 2, "beta": 2}
        assert len(store.rejudges()) == 2


def _findings(path: Path) -> set[str]:
    with ResultStore(path, create=False) as store:
        return set(store.cache(CacheNamespace.QUALITY_FINDINGS).keys())


def _downgrade_to_schema_1(path: Path) -> None:
    """Turn a store into the layout of schema 1 (no judgement column, no re-judgement tables)."""
    conn = sqlite3.connect(path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(samples)")
               if row[1] != "judgement"]
    listed = ", ".join(columns)
    conn.executescript(
        f"CREATE TABLE samples_v1 AS SELECT {listed} FROM samples;"
        "DROP TABLE samples; ALTER TABLE samples_v1 RENAME TO samples;"
        "DROP TABLE rejudges; DROP TABLE previous_verdicts;"
        "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
    )
    conn.commit()
    conn.close()


def test_rejudge_of_a_store_from_the_current_evaluate_changes_nothing(
    tmp_path: Path, bundled_corpus: Corpus
) -> None:
    with_mutants = dataclasses.replace(
        bundled_corpus, examples=tuple(e for e in bundled_corpus if e.mutant_rust)[:2]
    )
    out = tmp_path / "out"
    evaluate(
        load_tasks(None), resolve_model_specs("reference,mutant"), with_mutants,
        RunOptions(output=out, runs=1, limit=2),
    )
    store_file = out / "results.sqlite"
    before = _verdicts(store_file)
    assert len(before) == 4
    assert {v for (model, _), v in before.items() if model == "reference"} == {Verdict.PASS}
    assert not any(v.passed for (model, _), v in before.items() if model == "mutant")

    _downgrade_to_schema_1(store_file)  # as an older version of this tool left it
    cli = run_cli("rejudge", "--input", str(out), "--json")  # corpus: as recorded in the store
    assert cli.returncode == 0, cli.stderr
    report = json.loads(cli.stdout)
    assert report["judged"] == 4 and report["skipped"] == []
    assert {model: entry["changed"] for model, entry in report["models"].items()} == {
        "mutant": 0, "reference": 0,
    }
    assert _verdicts(store_file) == before
    with ResultStore(store_file, create=False) as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert {(p.key.model_id, p.key.example_id): p.verdict
                for p in store.previous_verdicts(1)} == before


LAST_DIGIT = {
    "id": "last_digit",
    "python_code": "def last_digit(n: int) -> int:\n    return n % 10\n",
    "test_cases": [{"input": [123], "expected": 3}, {"input": [40], "expected": 0},
                   {"input": [7], "expected": 7}],
    "reference_rust": "pub fn last_digit(n: i64) -> i64 {\n    n.rem_euclid(10)\n}\n",
    # right on every hand-written case, wrong on a negative n (Rust's % keeps the sign)
    "mutant_rust": "pub fn last_digit(n: i64) -> i64 {\n    n % 10\n}\n",
}


def test_rejudge_judges_with_generated_cases_when_the_evaluation_did(tmp_path: Path) -> None:
    corpus = tmp_path / "records.jsonl"
    corpus.write_text(json.dumps(LAST_DIGIT) + "\n")
    out = tmp_path / "out"
    evaluated = run_cli("evaluate", "--corpus", str(corpus), "--models", "mutant", "--runs", "1",
                        "--output", str(out), "--quiet", "--no-controls")
    assert evaluated.returncode == 0, evaluated.stderr

    def verdict() -> str:
        with sqlite3.connect(out / "results.sqlite") as conn:
            return str(conn.execute("SELECT verdict FROM samples").fetchone()[0])

    assert verdict() == Verdict.TEST_FAILURE.value  # a generated negative case caught it
    again = run_cli("rejudge", "--input", str(out))
    assert again.returncode == 0, again.stderr
    assert verdict() == Verdict.TEST_FAILURE.value and "0 changed" in again.stdout
    # with the hand-written cases alone the mutant passes: the default is not that
    lenient = run_cli("rejudge", "--input", str(out), "--no-generated-cases")
    assert lenient.returncode == 0, lenient.stderr
    assert verdict() == Verdict.PASS.value and "fail->pass: last_digit" in lenient.stdout
