"""SIGKILL in the middle of a repair turn, then --resume: nothing is lost or redone.

A real `evaluate` process runs the `fixer` contestant (a `command`-backend process, see
tests/repair_fixtures.py) with two repair turns. The fixer creates a marker file and sleeps the
first time it is asked a repair turn; the test kills the evaluation (SIGKILL) right then,
resumes it, and compares the store with that of an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.repair_fixtures import write_corpus, write_fixer, write_task

STABLE = (
    "task_id, model_id, run, example_id, {turn}level, prompt_sha256, completion, "
    "extracted_code, input_tokens, output_tokens, verdict, stages_json, diagnostics_json, error"
)


def start(out: Path, corpus: Path, task: Path, models: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "single_shot_eval", "evaluate", "--tasks", str(task),
         "--corpus", str(corpus), "--models", f"mutant,{models}", "--no-generated-cases",
         "--quiet", "--output", str(out), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def rows(out: Path, table: str) -> list[tuple[object, ...]]:
    """The rows of `samples` or `repair_turns` without timings (stage durations, latency)."""
    columns = STABLE.format(turn="turn, " if table == "repair_turns" else "")
    conn = sqlite3.connect(out / "results.sqlite")
    try:
        found = conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3, 4, 5").fetchall()
    finally:
        conn.close()
    stage_index = columns.split(", ").index("stages_json")
    stable = []
    for row in found:
        stages = json.loads(str(row[stage_index]))
        for stage in stages:
            stage.pop("duration_s")
        stable.append((*row[:stage_index], json.dumps(stages), *row[stage_index + 1:]))
    return stable


def created(out: Path) -> dict[tuple[object, ...], str]:
    conn = sqlite3.connect(out / "results.sqlite")
    try:
        found = conn.execute(
            "SELECT model_id, example_id, 0, created_at FROM samples UNION ALL "
            "SELECT model_id, example_id, turn, created_at FROM repair_turns"
        ).fetchall()
    finally:
        conn.close()
    return {tuple(r[:3]): str(r[3]) for r in found}


def calls(marker: Path) -> list[str]:
    log = Path(str(marker) + ".calls")
    return log.read_text().split() if log.exists() else []


@pytest.mark.slow
def test_sigkill_during_a_repair_turn_then_resume_loses_nothing(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", mutant_for="double")
    task = write_task(tmp_path / "task.yaml", turns=2)

    calm = tmp_path / "calm-marker"
    calm.write_text("exists: never sleep")
    whole = tmp_path / "uninterrupted"
    (tmp_path / "calm").mkdir()
    done = start(whole, corpus, task, write_fixer(tmp_path / "calm", calm))
    assert done.wait(timeout=600) == 0, done.stderr.read() if done.stderr else ""
    expected_samples, expected_turns = rows(whole, "samples"), rows(whole, "repair_turns")
    assert len(expected_samples) == 6 and len(expected_turns) == 4
    uninterrupted_calls = calls(calm)
    assert uninterrupted_calls.count("repair") == 4

    marker = tmp_path / "marker"
    (tmp_path / "sleepy").mkdir()
    models = write_fixer(tmp_path / "sleepy", marker)
    out = tmp_path / "killed"
    proc = start(out, corpus, task, models)
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the fixer was never asked a repair turn"
        time.sleep(0.05)
    time.sleep(0.3)  # the repair generation is in flight (the fixer sleeps)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    sleeper = int(marker.read_text().split()[-1])
    os.kill(sleeper, signal.SIGKILL)  # the orphaned fixer process, killed by its pid
    before_resume = created(out)
    partial_turns = rows(out, "repair_turns")
    assert partial_turns == []  # killed in the first repair turn: none of it stored
    killed_calls = calls(marker)
    assert killed_calls[-1] == "repair"

    resumed = start(out, corpus, task, models, "--resume")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read() if resumed.stderr else ""
    assert rows(out, "samples") == expected_samples
    assert rows(out, "repair_turns") == expected_turns
    after = created(out)
    # every sample stored before the kill is kept as it was (not redone) ...
    assert {k: after[k] for k in before_resume} == before_resume
    # ... and the resumed run asked the fixer exactly what was not stored yet: the repair turn
    # lost with the kill, and the first answers still in flight or unverified then
    stored_fixer_turns = sum(1 for model, _, _ in before_resume if model == "fixer")
    resumed_calls = calls(marker)[len(killed_calls):]
    assert len(resumed_calls) == len(uninterrupted_calls) - stored_fixer_turns
    assert resumed_calls.count("repair") == 4
