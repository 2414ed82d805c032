"""Junk model output never breaks a run, and a full disk stops it cleanly with samples kept."""

from __future__ import annotations

import json
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.run.scheduler import MAX_COMPLETION_CHARS
from tests.conftest import run_cli

JUNK_COMMANDS = {
    "empty": "pass",
    "huge": "import sys; sys.stdout.write('x' * 100_000_000)",
    "binary": "import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)",
    "prose": "print('I am sorry, I cannot translate this program.')",
}


@pytest.mark.slow
def test_empty_huge_binary_and_codeless_answers_are_no_code(tmp_path: Path) -> None:
    models = tmp_path / "models.yaml"
    entries = [
        {"id": name, "backend": "command", "command": [sys.executable, "-c", code],
         "price": {"hardware_usd_per_hour": 0.0}}
        for name, code in JUNK_COMMANDS.items()
    ]
    models.write_text(json.dumps({"models": entries}))
    out = tmp_path / "out"
    result = run_cli("evaluate", "--models", str(models), "--limit", "2", "--runs", "1",
                     "--output", str(out), "--quiet", "--json")
    assert result.returncode == 0, result.stderr
    samples = json.loads(result.stdout)["samples"]
    assert len(samples) == 8
    assert {s["verdict"] for s in samples} == {"no_code"}
    huge = [s for s in samples if s["model_id"] == "huge"]
    # capped at MAX_COMPLETION_CHARS, then (the bundled task stops on repetition) cut at the loop
    assert all(s["extra"]["completion_truncated_from_chars"] == "100000000" for s in huge)
    assert all(len(s["completion"]) < MAX_COMPLETION_CHARS for s in huge)
    assert all(s["extra"]["repetition_cut_at_char"] == str(len(s["completion"])) for s in huge)
    assert (out / "results.sqlite").stat().st_size < 20_000_000


def _small_file_limit() -> None:
    # soft limit only: the sandbox may still raise it for the programs it runs. The store's WAL
    # takes a few pages per durable write, and each example's verification writes an oracle
    # output per case (up to 16 generated ones) before its sample: 2 MB lets a few samples in
    # before the limit, as a disk filling mid-run would.
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, resource.RLIM_INFINITY))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@pytest.mark.slow
def test_disk_full_is_one_line_exit_2_and_keeps_stored_samples(
    tmp_path: Path, bundled_corpus: Corpus
) -> None:
    out = tmp_path / "out"
    # --no-controls: the disk must fill while samples are being stored, not while the controls'
    # verdicts are (which happens first, before any sample).
    args = [sys.executable, "-m", "single_shot_eval", "evaluate", "--models", "reference",
            "--runs", "1", "--output", str(out), "--quiet", "--no-controls"]
    result = subprocess.run(args, capture_output=True, text=True, preexec_fn=_small_file_limit,
                            timeout=900)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {out / 'results.sqlite'}: cannot write to the results store")
    assert "free space, then rerun the same command with --resume" in lines[0]
    conn = sqlite3.connect(out / "results.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    conn.close()
    assert 0 < stored < len(bundled_corpus)
    resumed = run_cli("evaluate", "--models", "reference", "--runs", "1", "--output", str(out),
                      "--resume", "--quiet", "--no-controls")
    assert resumed.returncode == 0, resumed.stderr
    conn = sqlite3.connect(out / "results.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == len(bundled_corpus)
    conn.close()
