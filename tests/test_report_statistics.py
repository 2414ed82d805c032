"""What the reports say about controls, intervals at 0% and comparisons, on a hand-built store.

The store imitates `make demo` at temperature 0: the answer key (`reference`), a contestant
that fails all 66 examples (runs 2..5 replayed from the response cache) and a paid contestant
that passes 40 of them. No model or compiler runs: the samples are written directly.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from single_shot_eval.report.build import write_reports
from single_shot_eval.results.records import Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore
from tests.conftest import run_cli

EXAMPLES = 66
RUNS = 5


def _sample(model: str, run: int, index: int, passed: bool, cost_usd: float,
            control: str | None = None) -> Sample:
    verdict = Verdict.PASS if passed else Verdict.COMPILE_ERROR
    return Sample(
        task_id="task", model_id=model, run=run, example_id=f"e{index:02d}", level=1,
        prompt_sha256="0" * 64, completion="", extracted_code=None, input_tokens=100,
        output_tokens=50, tokens_estimated=False, latency_s=0.5, cost_usd=cost_usd,
        verdict=verdict, stages=(StageResult("compile", passed, 0.1),),
        cached_response=control is None and run > 1,
        extra={"control": control} if control else {},
    )


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("store")
    with ResultStore(directory / "results.sqlite") as store:
        for run in range(1, RUNS + 1):
            for index in range(EXAMPLES):
                store.add_sample(_sample("reference", run, index, True, 0.0, "reference"))
                store.add_sample(_sample("tiny", run, index, False, 0.0002))
                store.add_sample(_sample("paid", run, index, index < 40, 0.002))
    return directory


@pytest.fixture(scope="module")
def reports(store_dir: Path) -> tuple[str, dict[str, object], str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, no_color=True)
    document = write_reports(
        store_dir / "results.sqlite", store_dir, formats=("json", "md"), console=console
    )
    markdown = (store_dir / "report.md").read_text(encoding="utf-8")
    return markdown, document, buffer.getvalue()


def test_the_answer_key_is_a_self_check_not_a_contestant(
    reports: tuple[str, dict[str, object], str],
) -> None:
    markdown, document, terminal = reports
    (task,) = document["summary"]["tasks"]  # type: ignore[index]
    assert [m["model_id"] for m in task["models"]] == ["paid", "tiny"]
    assert [(c["model_id"], c["ok"]) for c in task["controls"]] == [("reference", True)]
    assert [(c["model_a"], c["model_b"]) for c in task["comparisons"]] == [("paid", "tiny")]
    assert {p["model_id"] for p in task["pareto"]["points"]} == {"paid", "tiny"}
    assert task["pareto"]["baseline_model_id"] == "paid"
    assert "### Self-check (harness controls)" in markdown
    assert "self-check ok: reference 66/66 pass (must be 100%)" in markdown
    assert "| `paid` − `tiny` |" in markdown and "`reference` −" not in markdown
    assert "self-check ok" in terminal and "paid − tiny" in terminal
    assert "reference −" not in terminal and "− reference" not in terminal


def test_zero_of_66_is_printed_with_its_exact_upper_bound(
    reports: tuple[str, dict[str, object], str],
) -> None:
    markdown, document, terminal = reports
    (task,) = document["summary"]["tasks"]  # type: ignore[index]
    tiny = next(m for m in task["models"] if m["model_id"] == "tiny")
    assert tiny["example_ci_low"] == 0.0
    assert tiny["example_ci_high"] == pytest.approx(0.0544, abs=5e-5)
    assert "| `tiny` | 0.0% | [0.0, 5.4] | exact (Clopper–Pearson) |" in markdown
    assert "0.0–5.4%" in terminal
    # Runs 2..5 were replayed: spend counts one generation per example, pass@5 is withheld.
    assert tiny["actual_cost_usd"] == pytest.approx(EXAMPLES * 0.0002)
    assert tiny["nominal_cost_usd"] == pytest.approx(RUNS * EXAMPLES * 0.0002)
    assert list(tiny["pass_at_k"]) == ["1"] and "pass@5 not reported" in tiny["pass_at_k_note"]


def test_comparison_pairs_examples_and_reports_power(
    reports: tuple[str, dict[str, object], str],
) -> None:
    _markdown, document, _terminal = reports
    (task,) = document["summary"]["tasks"]  # type: ignore[index]
    (pair,) = task["comparisons"]
    assert (pair["mcnemar_b"], pair["mcnemar_c"]) == (40, 0)  # one pair per example, not 5
    assert pair["holm_p"] == pair["mcnemar_mid_p"]  # the family holds contestant pairs only
    # Weaker rate 0%: power(n) = P(Binomial(n, gap) >= 5) (see test_stats); hand values.
    assert pair["examples_needed"] == {"1": 671, "3": 223, "5": 134}
    assert pair["minimum_detectable_difference"] == pytest.approx(0.0997, abs=5e-4)
    json.dumps(document, allow_nan=False)


def test_baseline_must_name_a_contestant(store_dir: Path) -> None:
    result = run_cli("report", "--input", str(store_dir), "--baseline", "reference", "--quiet")
    assert result.returncode == 2
    assert "--baseline 'reference' is not a contestant" in result.stderr
    assert "Traceback" not in result.stderr
