"""Every command line of the original tool's README that can run offline, run as written.

The working directory imitates the layout those command lines assume (`tasks/*.yaml` in the
original schema, `./python-corpus`, `./reprorusted-python-cli`, `./experiments/python-corpus/`,
`output.rs`, `tests.rs`); the files are small ones written for this test. Command lines that name
`.apr` models (the original tool's own format) must fail with one clear line and exit code 2;
the same command lines with a model this tool runs (`reference`, with a small corpus) must work.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import echo_contestant, run_cli

TASK_YAML = """\
task:
  id: python-to-rust-transpile
  domain: code-transpile
  description: Transpile Python functions to idiomatic Rust

evaluation:
  samples: 100
  timeout_ms: 30000
  metrics:
    - accuracy
    - cost
    - latency

prompts:
  system: |
    You are an expert code transpiler. Convert Python to idiomatic Rust.
  user_template: |
    Convert this Python code to Rust:
    ```python
    {python_code}
    ```

ground_truth:
  type: full
  run_tests: true
"""

GREET_PY = 'import sys\n\nname = sys.argv[1] if len(sys.argv) > 1 else "world"\nprint(f"hello, {name}")\n'
GREET_CASES = "cases:\n  - name: default\n    args: []\n  - name: named\n    args: [\"ada\"]\n"
GREET_RS = (
    "fn main() {\n"
    '    let name = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());\n'
    '    println!("hello, {}", name);\n}\n'
)
# compiles, but greets the wrong way: the behaviour check must reject it
GREET_MUTANT_RS = 'fn main() {\n    println!("hello, world");\n}\n'
OUTPUT_RS = "fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\nfn main() {\n    println!(\"{}\", add(2, 3));\n}\n"
TESTS_RS = "#[test]\nfn adds() {\n    assert_eq!(add(2, 3), 5);\n}\n"
FAILING_TESTS_RS = "#[test]\nfn adds_wrongly() {\n    assert_eq!(add(2, 3), 6);\n}\n"


def _corpus(folder: Path) -> None:
    example = folder / "example_greet"
    example.mkdir(parents=True)
    (example / "greet.py").write_text(GREET_PY)
    (example / "cases.yaml").write_text(GREET_CASES)
    (example / "reference.rs").write_text(GREET_RS)
    (example / "mutant.rs").write_text(GREET_MUTANT_RS)


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "transpile.yaml").write_text(TASK_YAML)
    _corpus(tmp_path / "python-corpus")
    _corpus(tmp_path / "reprorusted-python-cli")
    _corpus(tmp_path / "experiments" / "python-corpus")
    (tmp_path / "output.rs").write_text(OUTPUT_RS)
    (tmp_path / "tests.rs").write_text(TESTS_RS)
    return tmp_path


def _env_without_baseline_clis() -> dict[str, str]:
    """PATH without any folder holding a `claude` or `gemini` CLI (the run must stay offline)."""
    folders = [
        d for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not any((Path(d) / cli).exists() for cli in ("claude", "gemini"))
    ]
    return {**os.environ, "PATH": os.pathsep.join(folders)}


def _error_line(result: object) -> str:
    stderr = str(getattr(result, "stderr", ""))
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_evaluate_apr_models_say_the_format_is_the_seeds_own(seed_dir: Path) -> None:
    result = run_cli(
        "evaluate", "--tasks", "tasks/*.yaml", "--models", "models/*.apr",
        "--corpus", "./python-corpus", "--runs", "5", "--output", "results.json", cwd=seed_dir,
    )
    assert result.returncode == 2
    line = _error_line(result)
    assert ".apr is the original single-shot-eval's own model format" in line
    assert "*.gguf" in line and "models YAML" in line
    assert not (seed_dir / "results.json").exists()


def test_evaluate_apr_with_baselines_fails_the_same_way(seed_dir: Path) -> None:
    result = run_cli(
        "evaluate", "--tasks", "tasks/transpile.yaml", "--models", "models/slm-100m.apr",
        "--baselines", "claude,gemini", cwd=seed_dir, env=_env_without_baseline_clis(),
    )
    assert result.returncode == 2
    assert "'models/slm-100m.apr': .apr is the original" in _error_line(result)


def test_baselines_claude_gemini_without_the_clis_is_one_clear_line(seed_dir: Path) -> None:
    result = run_cli(
        "evaluate", "--tasks", "tasks/transpile.yaml", "--models", "reference",
        "--corpus", "./python-corpus", "--baselines", "claude,gemini",
        cwd=seed_dir, env=_env_without_baseline_clis(),
    )
    assert result.returncode == 2
    assert "command 'claude' is not on PATH" in _error_line(result)


def test_evaluate_output_json_writes_the_file_and_keeps_the_store_beside_it(
    seed_dir: Path,
) -> None:
    result = run_cli(
        "evaluate", "--tasks", "tasks/*.yaml", "--models", "reference",
        "--corpus", "./python-corpus", "--runs", "5", "--output", "results.json", "--quiet",
        cwd=seed_dir,
    )
    assert result.returncode == 0, result.stderr
    results = seed_dir / "results.json"
    assert results.is_file()
    assert (seed_dir / "results.sqlite").is_file()
    assert (seed_dir / "results.md").is_file()
    document = json.loads(results.read_text())
    samples = document["samples"]
    assert len(samples) == 5
    assert {s["verdict"] for s in samples} == {"pass"}
    # the seed's form of `report` reads it back from the JSON's name
    again = run_cli("report", "--input", "results.json", "--output", "again.md", "--quiet",
                    cwd=seed_dir)
    assert again.returncode == 0, again.stderr
    assert (seed_dir / "again.md").read_text() == (seed_dir / "results.md").read_text()


def test_baselines_are_evaluated_and_marked_in_every_report(seed_dir: Path) -> None:
    # A baseline is a contestant (the harness controls `reference`/`mutant` are not): `echo`.
    echo = echo_contestant(seed_dir)
    result = run_cli(
        "evaluate", "--tasks", "tasks/transpile.yaml", "--models", "reference",
        "--baselines", str(echo), "--corpus", "./python-corpus", "--runs", "1",
        "--output", "results", "--quiet", cwd=seed_dir,
    )
    assert result.returncode == 0, result.stderr
    report_md = (seed_dir / "results" / "report.md").read_text()
    assert "- Baselines: echo" in report_md
    assert "| `echo` (baseline) |" in report_md
    assert "(baseline)" not in report_md.replace("| `echo` (baseline) |", "")
    document = json.loads((seed_dir / "results" / "results.json").read_text())
    assert document["provenance"]["baselines"] == ["echo"]
    verdicts = {s["model_id"]: s["verdict"] for s in document["samples"]}
    assert verdicts["reference"] == "pass" and verdicts["echo"] != "pass"
    html = run_cli("report", "--input", "results", "--output", "report.html", "--quiet",
                   cwd=seed_dir)
    assert html.returncode == 0, html.stderr
    assert "echo (baseline)</th>" in (seed_dir / "report.html").read_text()


def test_report_input_dir_output_report_md(seed_dir: Path) -> None:
    evaluated = run_cli(
        "evaluate", "--tasks", "tasks/transpile.yaml", "--models", "reference",
        "--corpus", "./python-corpus", "--runs", "1", "--output", "results", "--quiet",
        cwd=seed_dir,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    result = run_cli("report", "--input", "./results", "--output", "report.md", cwd=seed_dir)
    assert result.returncode == 0, result.stderr
    written = (seed_dir / "report.md").read_text()
    assert written.startswith("# single-shot-eval report")
    assert written == (seed_dir / "results" / "report.md").read_text()
    # the suffix names the format: the same store as HTML, written to that very file
    html = run_cli("report", "--input", "./results", "--output", "view.html", "--quiet",
                   cwd=seed_dir)
    assert html.returncode == 0, html.stderr
    assert (seed_dir / "view.html").read_text().lstrip().lower().startswith("<!doctype html")
    assert not (seed_dir / "report.html").exists()


def test_verify_source_and_tests(seed_dir: Path) -> None:
    compiled = run_cli("verify", "--source", "output.rs", cwd=seed_dir)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    tested = run_cli("verify", "--source", "output.rs", "--tests", "tests.rs", "--json",
                     cwd=seed_dir)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert json.loads(tested.stdout)["verdict"] == "pass"
    (seed_dir / "tests.rs").write_text(FAILING_TESTS_RS)
    failing = run_cli("verify", "--source", "output.rs", "--tests", "tests.rs", cwd=seed_dir)
    assert failing.returncode == 1


def test_corpus_stats_and_benchmark_on_the_seed_paths(seed_dir: Path) -> None:
    stats = run_cli("corpus-stats", "--path", "./reprorusted-python-cli", "--json",
                    "--no-generated-cases", cwd=seed_dir)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["examples"] == 1
    for extra in ((), ("--verbose",)):
        result = run_cli("benchmark", "--corpus", "./experiments/python-corpus/", *extra,
                         cwd=seed_dir)
        assert result.returncode == 0, result.stderr
        assert ("example_greet" in result.stdout) == bool(extra)


def test_fixture_has_no_baseline_cli_on_path() -> None:
    path = _env_without_baseline_clis()["PATH"]
    assert all(shutil.which(cli, path=path) is None for cli in ("claude", "gemini"))
