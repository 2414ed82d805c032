"""Shared fixtures: the bundled corpus and helpers to run the CLI in-process or as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from single_shot_eval.corpus.loader import Corpus, load_corpus

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def bundled_corpus() -> Corpus:
    return load_corpus()


def run_cli(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 900,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m single_shot_eval ARGS` as a real process."""
    env = {**(env if env is not None else os.environ), "NO_COLOR": "1", "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-m", "single_shot_eval", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def echo_contestant(directory: Path) -> Path:
    """A models file with one cheap contestant, `echo`, that answers with its prompt (`cat`).

    It is a real model as far as the harness knows (a command backend, priced by wall time),
    so reports built from a quick evaluation have a contestant besides the controls.
    """
    path = directory / "echo-models.yaml"
    path.write_text(
        "models:\n"
        "  - id: echo\n"
        "    backend: command\n"
        '    command: ["cat"]\n'
        "    params: {deterministic: true}\n"
        "    price: {hardware_usd_per_hour: 0.085}\n",
        encoding="utf-8",
    )
    return path
