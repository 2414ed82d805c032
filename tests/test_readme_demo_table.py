"""The README's demo table is the committed demo results' table (docs/demo/results.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from single_shot_eval.report.demo_table import (
    DEMO_TABLE_BEGIN,
    DEMO_TABLE_END,
    DemoTableError,
    main,
    render_demo_table,
    replace_between_markers,
    table_in,
)
from tests.conftest import REPO

DEMO = REPO / "docs" / "demo"


def _document() -> dict[str, object]:
    path = DEMO / "results.json"
    assert path.is_file(), f"{path} is missing: run `make demo` and commit docs/demo"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_readme_table_equals_the_committed_results() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table_in(readme) == render_demo_table(_document())


def test_committed_demo_holds_every_report_and_the_reference_passes() -> None:
    document = _document()
    for name in ("report.md", "report.html", "plots/pareto.png", "plots/pareto.svg"):
        assert (DEMO / name).is_file(), name
    models = {m["model_id"]: m for t in document["summary"]["tasks"] for m in t["models"]}
    controls = {c["model_id"]: c for t in document["summary"]["tasks"] for c in t["controls"]}
    # the answer key is the self-check, not a contestant, and it must pass everything
    assert "reference" not in models
    assert controls["reference"]["pass_rate"] == 1.0 and controls["reference"]["ok"]
    # the real contestants of `make demo`
    assert {"py2many", "smollm2-135m", "gemma3-270m", "qwen2.5-coder-0.5b",
            "qwen2.5-coder-1.5b"} <= set(models)
    # a frontier that says something: two contestants pass something, and a pair differs
    # significantly after Holm's adjustment over all pairs
    assert sum(m["pass_at_1"] > 0 for m in models.values()) >= 2
    comparisons = [c for t in document["summary"]["tasks"] for c in t["comparisons"]]
    assert len(comparisons) == len(models) * (len(models) - 1) // 2
    assert min(c["holm_p"] for c in comparisons) < 0.05
    # the Markdown report is the same store's: same sample count
    assert f"- Samples: {len(document['samples'])} " in (DEMO / "report.md").read_text()


def test_rows_follow_the_document(tmp_path: Path) -> None:
    document = _document()
    table = render_demo_table(document)
    for task in document["summary"]["tasks"]:
        for m in task["models"]:
            assert f"`{m['model_id']}`" in table
        for c in task["comparisons"]:
            row = f"| `{c['model_a']}` − `{c['model_b']}` |"
            assert table.count(row) == 1, row
            assert f"| {c['mcnemar_b']}/{c['mcnemar_c']} |" in table.split(row, 1)[1].split("\n")[0]
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{DEMO_TABLE_BEGIN}\nold figures\n{DEMO_TABLE_END}\noutro\n")
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document))
    assert main([str(readme), str(results), "--check"]) == 1
    assert main([str(readme), str(results)]) == 0
    updated = readme.read_text()
    assert "old figures" not in updated and updated.endswith(f"{DEMO_TABLE_END}\noutro\n")
    assert table_in(updated) == table
    assert main([str(readme), str(results), "--check"]) == 0


def test_markers_are_required() -> None:
    with pytest.raises(DemoTableError):
        replace_between_markers("no markers here", "| table |\n")
    with pytest.raises(DemoTableError):
        replace_between_markers(f"{DEMO_TABLE_END}\n{DEMO_TABLE_BEGIN}\n", "| table |\n")
