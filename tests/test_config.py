from __future__ import annotations

from pathlib import Path

import pytest

from single_shot_eval.config import bundled_task_path, load_task, load_tasks
from single_shot_eval.errors import ConfigError

VALID = """\
task:
  id: t1
  domain: code-transpile
  description: test
evaluation:
  samples: 10
  timeout_ms: 5000
  metrics: [accuracy, cost]
  runs: 3
prompts:
  system: sys
  user_template: |
    Translate:
    {python_code}
ground_truth:
  type: compiler
  run_tests: true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "task.yaml"
    path.write_text(text)
    return path


def test_bundled_task_has_the_seed_defaults_where_not_overridden() -> None:
    task = load_task(bundled_task_path())
    assert task.id == "python-to-rust-transpile"
    assert task.evaluation.runs == 5
    assert task.evaluation.timeout_ms == 30000
    assert task.inference.temperature == 0.0
    assert "{python_code}" in task.prompts.user_template


def test_seed_schema_loads_and_defaults_inference(tmp_path: Path) -> None:
    task = load_task(write(tmp_path, VALID))
    assert task.evaluation.runs == 3
    assert task.evaluation.samples == 10
    assert task.ground_truth.type == "compiler"
    assert task.inference.max_tokens == 4096
    assert task.inference.temperature == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID.replace("  runs: 3", "  runs: 3\n  rnus: 4"), "task.yaml:10: evaluation.rnus: unknown key"),
        (VALID.replace("runs: 3", "runs: three"), "task.yaml:9: evaluation.runs: Input should be a valid integer"),
        (VALID.replace("runs: 3", "runs: -1"), "task.yaml:9: evaluation.runs: Input should be greater than or equal to 1"),
        (VALID.replace("{python_code}", "{code}"), "task.yaml:12: prompts.user_template: unknown placeholder {code}"),
        (VALID.replace("{python_code}", "no placeholder"), "template must contain the {python_code} placeholder"),
        (VALID.replace("  id: t1\n", ""), "task.yaml:1: task.id: required key is missing"),
        (VALID.replace("type: compiler", "type: vibes"), "task.yaml:16: ground_truth.type: Input should be"),
        (VALID.replace("runs: 3", "runs: 3\ninference:\n  answer_budget:\n    tokens_per_source_char: 0"),
         "task.yaml:12: inference.answer_budget.tokens_per_source_char: Input should be greater than 0"),
        ("task: [unclosed\n", "task.yaml:2: invalid YAML"),
        ("- just\n- a list\n", "task.yaml:1: expected a mapping at the top level"),
    ],
)
def test_bad_task_errors_name_file_key_and_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_task(write(tmp_path, text))
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_task_file_and_empty_glob(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="task file does not exist"):
        load_task(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="no task file matches"):
        load_tasks(str(tmp_path / "*.yaml"))


def test_glob_loads_tasks_sorted_and_rejects_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(VALID.replace("id: t1", "id: t2"))
    (tmp_path / "a.yaml").write_text(VALID)
    assert [t.id for t in load_tasks(str(tmp_path / "*.yaml"))] == ["t1", "t2"]
    (tmp_path / "c.yaml").write_text(VALID)
    with pytest.raises(ConfigError, match="task id 't1' is used twice"):
        load_tasks(str(tmp_path / "*.yaml"))
