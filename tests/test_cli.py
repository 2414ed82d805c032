"""The CLI as a user meets it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli


def one_line_error(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return str(lines[0])


def test_version_and_help() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "single-shot-eval 0.1.0"
    for command in ("evaluate", "verify", "corpus-stats", "benchmark", "report"):
        help_result = run_cli(command, "--help")
        assert help_result.returncode == 0, command
        assert "Usage" in help_result.stdout


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        (
            {"task.yaml": "task:\n  id: x\nprompts:\n  user_template: '{python_code}'\n  sistem: hi\n"},
            ["evaluate", "--tasks", "{tmp}/task.yaml"],
            "task.yaml:5: prompts.sistem: unknown key",
        ),
        (
            {"task.yaml": "task: [\n"},
            ["evaluate", "--tasks", "{tmp}/task.yaml"],
            "task.yaml:2: invalid YAML",
        ),
        ({}, ["evaluate", "--corpus", "{tmp}/missing"], "missing: corpus path does not exist"),
        ({"empty/.keep": ""}, ["evaluate", "--corpus", "{tmp}/empty"], "corpus is empty"),
        (
            {"c/ex/ex.py": "def broken(:\n    pass\n"},
            ["evaluate", "--corpus", "{tmp}/c"],
            "ex.py:1: Python syntax error",
        ),
        ({}, ["evaluate", "--models", "gpt-17-ultra"], "unknown model spec 'gpt-17-ultra'"),
        ({}, ["evaluate", "--models", "{tmp}/none/*.gguf"], "no file matches"),
        ({}, ["report", "--input", "{tmp}/nothing"], "no results store found"),
        ({}, ["verify", "--source", "{tmp}/none.rs"], "none.rs: --source does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, files: dict[str, str], args: list[str], message: str
) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = run_cli(*argv, "--output", str(tmp_path / "out")) if argv[0] == "evaluate" else run_cli(*argv)
    assert result.returncode == 2, result.stderr
    line = one_line_error(result)
    assert line.startswith("error: ")
    assert message in line


def test_usage_error_exit_2() -> None:
    result = run_cli("evaluate", "--runs", "0")
    assert result.returncode == 2
    assert "Invalid value for '--runs'" in result.stderr


def test_corpus_stats_json(tmp_path: Path) -> None:
    result = run_cli("corpus-stats", "--json", "--no-generated-cases")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["examples"] == stats["programs"] + stats["functions"]
    assert sum(stats["level_counts"].values()) == stats["examples"]


@pytest.mark.slow
def test_evaluate_reference_then_resume_makes_no_model_call(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["evaluate", "--models", "reference,mutant", "--limit", "5", "--runs", "2",
            "--output", str(out)]
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert "20 samples evaluated, 0 already stored" in first.stdout
    report_1 = (out / "results.json").read_bytes()
    document = json.loads(report_1)
    (task,) = document["summary"]["tasks"]
    assert task["models"] == []  # the controls are checked apart, they are no contestants
    controls = {c["model_id"]: c for c in task["controls"]}
    assert controls["reference"]["summary"]["pass_at_1"] == 1.0 and controls["reference"]["ok"]
    assert controls["mutant"]["summary"]["pass_at_1"] == 0.0 and controls["mutant"]["ok"]
    assert len(document["samples"]) == 20

    again = run_cli(*args)
    assert again.returncode == 2
    assert "pass --resume" in one_line_error(again)

    second = run_cli(*args, "--resume")
    assert second.returncode == 0, second.stderr
    assert "0 samples evaluated, 20 already stored; 0 model calls" in second.stdout
    assert (out / "results.json").read_bytes() == report_1

    rebuilt = tmp_path / "rebuilt"
    report = run_cli("report", "--input", str(out), "--output", str(rebuilt),
                     "--format", "json,md,csv", "--quiet")
    assert report.returncode == 0, report.stderr
    assert (rebuilt / "results.json").read_bytes() == report_1
    assert "| `reference` | reference | 100% | 100.0% | 5/5 | ok |" in (
        rebuilt / "report.md"
    ).read_text()
    assert len((rebuilt / "samples.csv").read_text().splitlines()) == 21


_FAILING_REPORT = """
import sys
import single_shot_eval.report.build as build
from single_shot_eval.cli import main

def broken(*args, **kwargs):
    raise RuntimeError("injected failure\\nsecond line")

build.write_reports = broken
main(sys.argv[1:])
"""


def test_unexpected_exception_is_one_line_exit_70_and_a_saved_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    args = ["evaluate", "--models", "reference", "--limit", "2", "--runs", "1",
            "--output", str(out)]
    env = {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1"}
    failed = subprocess.run(
        [sys.executable, "-c", _FAILING_REPORT, *args], capture_output=True, text=True,
        env=env, timeout=600,
    )
    assert failed.returncode == 70, failed.stderr
    line = one_line_error(failed)
    assert line.startswith("internal error: RuntimeError: injected failure second line; ")
    assert line.endswith("; stored samples are kept, rerun with --resume")
    saved = Path(line.split("traceback saved to ")[1].split(";")[0])
    assert saved.parent == tmp_path
    traceback_text = saved.read_text()
    assert "Traceback (most recent call last)" in traceback_text
    assert "in broken" in traceback_text
    assert "RuntimeError: injected failure" in traceback_text

    resumed = run_cli(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "0 samples evaluated, 2 already stored; 0 model calls" in resumed.stdout
    assert (out / "results.json").exists()


def test_internal_error_outside_evaluate_does_not_mention_resume(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import single_shot_eval.corpus.stats as stats\n"
        "from single_shot_eval.cli import main\n"
        "def broken(corpus):\n"
        "    raise KeyError('lost')\n"
        "stats.corpus_statistics = broken\n"
        "main(['corpus-stats'])\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 70, result.stderr
    line = one_line_error(result)
    assert line.startswith("internal error: KeyError: 'lost'; traceback saved to ")
    assert "--resume" not in line
    assert len(list(tmp_path.glob("single-shot-eval-traceback-*.txt"))) == 1
