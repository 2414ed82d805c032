"""`report` rebuilds every report from a copied store alone, byte for byte.

The rebuild runs in a process where no model can load (`llama_cpp` is shadowed by a module
that raises ImportError) and no Rust toolchain is on PATH, so it cannot have called a model or
the compiler. Plots are checked the same way: two builds write identical PNG and SVG files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import echo_contestant, run_cli

PLOT_KINDS = ("pareto", "levels", "error-codes", "verdicts")
REPORT_FILES = ("results.json", "report.md", "report.html", "samples.csv")


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real small evaluation (controls and an echo contestant, 4 examples, 2 runs)."""
    base = tmp_path_factory.mktemp("evaluated")
    out = base / "results"
    result = run_cli(
        "evaluate", "--models", f"reference,mutant,{echo_contestant(base)}", "--limit", "4",
        "--runs", "2",
        "--output", str(out), "--quiet",
    )
    assert result.returncode == 0, result.stderr
    return out


def _copy_store(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.name.startswith("results.sqlite"):
            shutil.copy2(path, target / path.name)
    return target


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """Environment in which no model loads and no compiler can be found."""
    shadow = tmp_path / "no-models"
    shadow.mkdir()
    (shadow / "llama_cpp.py").write_text(
        'raise ImportError("llama_cpp is not installed (blocked by the test)")\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUSTUP", "CARGO"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(shadow), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PATH=str(tmp_path / "empty-bin"),
        NO_COLOR="1",
        COLUMNS="160",
    )
    return env


def _report(store_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "single_shot_eval", "report", "--input", str(store_dir),
         "--format", "json,md,html,csv", "--quiet"],
        capture_output=True, text=True, env=env if env is not None else os.environ.copy(),
        timeout=600,
    )


@pytest.mark.slow
def test_report_on_a_copied_store_without_models_is_byte_identical(
    evaluated: Path, tmp_path: Path
) -> None:
    env = _offline_env(tmp_path)
    blocked = subprocess.run(
        [sys.executable, "-c", "import llama_cpp"], capture_output=True, text=True, env=env
    )
    assert blocked.returncode != 0 and "blocked by the test" in blocked.stderr
    assert shutil.which("rustc", path=env["PATH"]) is None

    original_json = (evaluated / "results.json").read_bytes()
    rebuilt_here = _report(evaluated)
    assert rebuilt_here.returncode == 0, rebuilt_here.stderr

    copy = _copy_store(evaluated, tmp_path / "copy")
    rebuilt = _report(copy, env)
    assert rebuilt.returncode == 0, rebuilt.stderr

    assert (copy / "results.json").read_bytes() == original_json
    for name in REPORT_FILES:
        assert (copy / name).read_bytes() == (evaluated / name).read_bytes(), name
    html = (copy / "report.html").read_text(encoding="utf-8")
    assert 'data-model="reference"' in html and 'data-model="mutant"' in html
    assert 'data-model="echo"' in html


@pytest.mark.slow
def test_plots_are_written_as_png_and_svg_identically_by_two_builds(
    evaluated: Path, tmp_path: Path
) -> None:
    first = _copy_store(evaluated, tmp_path / "first")
    second = _copy_store(evaluated, tmp_path / "second")
    for store_dir in (first, second):
        result = _report(store_dir)
        assert result.returncode == 0, result.stderr

    for kind in PLOT_KINDS:
        png = first / "plots" / f"{kind}.png"
        svg = first / "plots" / f"{kind}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", kind
        assert png.stat().st_size > 5_000, kind
        svg_text = svg.read_text(encoding="utf-8")
        assert "<svg" in svg_text and "<dc:date>" not in svg_text, kind
        assert png.read_bytes() == (second / "plots" / png.name).read_bytes(), png.name
        assert svg.read_bytes() == (second / "plots" / svg.name).read_bytes(), svg.name
    assert sorted(p.name for p in (first / "plots").iterdir()) == sorted(
        f"{kind}.{ext}" for kind in PLOT_KINDS for ext in ("png", "svg")
    )
    markdown = (first / "report.md").read_text(encoding="utf-8")
    assert "![Pareto frontier](plots/pareto.png)" in markdown


@pytest.mark.slow
def test_no_quality_leaves_only_the_quality_section_out(evaluated: Path, tmp_path: Path) -> None:
    # `report --no-quality` is the report of a store before the quality section existed: the
    # same bytes minus that section (the quality section is measured, never required).
    with_quality = _copy_store(evaluated, tmp_path / "with")
    without = _copy_store(evaluated, tmp_path / "without")
    assert _report(with_quality).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "single_shot_eval", "report", "--input", str(without),
         "--format", "json,md,html,csv", "--quiet", "--no-quality"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    full = json.loads((with_quality / "results.json").read_text(encoding="utf-8"))
    lean = json.loads((without / "results.json").read_text(encoding="utf-8"))
    assert "quality" in full and "quality" not in lean
    assert {k: v for k, v in full.items() if k != "quality"} == lean
    assert 'id="quality"' in (with_quality / "report.html").read_text(encoding="utf-8")
    assert 'id="quality"' not in (without / "report.html").read_text(encoding="utf-8")
    assert (with_quality / "samples.csv").read_bytes() == (without / "samples.csv").read_bytes()
