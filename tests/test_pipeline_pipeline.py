"""The staged pipeline: skips, halting with the gate and figure, and a real evaluate + report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from single_shot_eval.cli.pipeline import (
    PipelineConfig,
    PipelineHalt,
    check_config,
    run_pipeline,
)
from single_shot_eval.config import bundled_task_path
from single_shot_eval.errors import UserError
from single_shot_eval.modelprep.quality import load_validation_prompts
from single_shot_eval.models.llama_cpp import smollm2_gguf_path
from single_shot_eval.models.quality_gate import quality_report_path
from tests.test_pipeline_fixtures import HubFile, build_hub_repo, gguf_bytes, offline_hub

__all__ = ["offline_hub"]


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown stage 'deploy'"):
        check_config(PipelineConfig(output=tmp_path, skip=frozenset({"deploy"})))
    with pytest.raises(UserError, match="needs --models-file"):
        check_config(PipelineConfig(output=tmp_path, quant_types=("Q8_0",)))
    with pytest.raises(UserError, match="give the GGUF to start from with --model"):
        check_config(PipelineConfig(output=tmp_path, skip=frozenset({"download"})))
    with pytest.raises(UserError, match="needs --types"):
        check_config(PipelineConfig(output=tmp_path, model=tmp_path / "m.gguf",
                                    skip=frozenset({"download"})))


def test_download_then_validate_offline(offline_hub: Path, tmp_path: Path) -> None:
    hub_dir = offline_hub / "hub"
    build_hub_repo(hub_dir, "acme/tiny", {"tiny.F16.gguf": HubFile(gguf_bytes())})
    spec = tmp_path / "models.yaml"
    spec.write_text("models:\n  - repo_id: acme/tiny\n    files: ['*.gguf']\n    format: gguf\n")
    events: list[str] = []
    result = run_pipeline(
        PipelineConfig(
            output=tmp_path / "out", models_file=spec, cache_dir=offline_hub,
            skip=frozenset({"convert", "evaluate", "report"}),
        ),
        on_event=events.append,
    )
    assert result.stages_run == ["download", "validate"]
    assert [p.name for p in result.candidates] == ["tiny.F16.gguf"]
    assert result.validations[0].format == "gguf"
    assert any("sha256 verified" in e for e in events)


def test_a_failed_download_gate_halts_and_names_the_stage(
    offline_hub: Path, tmp_path: Path
) -> None:
    build_hub_repo(
        offline_hub / "hub", "acme/tiny",
        {"tiny.gguf": HubFile(gguf_bytes(), published_sha256="0" * 64)},
    )
    spec = tmp_path / "models.yaml"
    spec.write_text("models:\n  - repo_id: acme/tiny\n    files: ['*.gguf']\n    format: gguf\n")
    with pytest.raises(PipelineHalt) as halt:
        run_pipeline(PipelineConfig(output=tmp_path / "out", models_file=spec,
                                    cache_dir=offline_hub, quant_types=("Q8_0",)))
    assert halt.value.stage == "download"
    assert "pipeline halted at stage 'download'" in str(halt.value)
    assert "SHA-256 mismatch" in str(halt.value)


def test_report_without_a_store_halts(tmp_path: Path) -> None:
    with pytest.raises(PipelineHalt, match=r"stage 'report': .*no results store"):
        run_pipeline(
            PipelineConfig(
                output=tmp_path / "empty", model=smollm2_gguf_path(),
                skip=frozenset({"download", "convert", "validate", "evaluate"}),
            )
        )


@pytest.mark.slow
def test_convert_gate_halt_then_evaluate_and_report(tmp_path: Path) -> None:
    """The full gate calibration runs in test_pipeline_quality; here 3 prompts suffice to see
    the flow: Q2_K halts at validate, stays refused later, an ungated Q8_0 is evaluated."""
    out = tmp_path / "out"
    prompts = tmp_path / "prompts.yaml"
    bundled = load_validation_prompts()[:3]
    prompts.write_text(yaml.safe_dump({"prompts": [{"id": p.id, "text": p.text} for p in bundled]}))
    events: list[str] = []
    with pytest.raises(PipelineHalt) as halt:
        run_pipeline(
            PipelineConfig(
                output=out, model=smollm2_gguf_path(), quant_types=("Q2_K",),
                skip=frozenset({"download"}), prompts_path=prompts,
            ),
            on_event=events.append,
        )
    message = str(halt.value)
    print("\n" + "\n".join(events) + "\n" + message)
    assert halt.value.stage == "validate"
    assert halt.value.gate == "mean KL"
    assert "quality gate 'mean KL' failed for SmolLM2-135M-Instruct.Q2_K.gguf" in message
    q2_model = out / "models" / "SmolLM2-135M-Instruct.Q2_K.gguf"
    q2 = json.loads(quality_report_path(q2_model).read_text())
    assert q2["metrics"]["prompts"] == 3
    assert f"mean KL = {q2['metrics']['mean_kl']:.4g} > limit 0.1" in message
    assert not (out / "results.json").exists()  # halted before evaluate and report

    # the failed model stays refused when a later run skips the gate stage itself
    with pytest.raises(PipelineHalt, match="stage 'evaluate': quality gate 'mean KL' failed"):
        run_pipeline(
            PipelineConfig(output=out, model=q2_model,
                           skip=frozenset({"download", "convert", "validate"}))
        )

    # convert -> evaluate -> report for real (short answers keep it quick)
    task = tmp_path / "task.yaml"
    task.write_text(
        re.sub(r"max_tokens: \d+", "max_tokens: 24", bundled_task_path().read_text())
    )
    result = run_pipeline(
        PipelineConfig(
            output=out, model=smollm2_gguf_path(), quant_types=("Q8_0",),
            skip=frozenset({"download", "validate"}), tasks=str(task), limit=1, runs=1,
        )
    )
    assert result.stages_run == ["convert", "evaluate", "report"]
    assert result.results is not None
    samples = result.results["samples"]
    assert len(samples) == 1
    assert samples[0]["model_id"] == "SmolLM2-135M-Instruct.Q8_0"
    assert 0 < samples[0]["output_tokens"] <= 24
    assert (out / "results.json").exists() and (out / "report.md").exists()


def test_commands_register_and_report(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from single_shot_eval.cli.modelprep import (
        convert_command,
        pipeline_command,
        validate_command,
    )
    from single_shot_eval.modelprep.convert import ConversionError
    from single_shot_eval.modelprep.gguf import ModelFileError
    from tests.test_pipeline_fixtures import safetensors_bytes

    app = typer.Typer()
    app.command("validate")(validate_command)
    app.command("convert")(convert_command)
    app.command("pipeline")(pipeline_command)
    runner = CliRunner()
    model = tmp_path / "m.gguf"
    model.write_bytes(gguf_bytes())
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(safetensors_bytes())
    ok = runner.invoke(app, ["validate", "--input", str(model), "--input", str(weights), "--json"])
    assert ok.exit_code == 0, ok.output
    listed = json.loads(ok.stdout)
    assert [item["format"] for item in listed] == ["gguf", "safetensors"]
    assert listed[0]["tensor_count"] == 1
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\xff" * 20)
    failed = runner.invoke(app, ["validate", "--input", str(broken)])
    assert isinstance(failed.exception, ModelFileError)
    bad_type = runner.invoke(app, ["convert", "--input", str(model), "--type", "Q7_7"])
    assert isinstance(bad_type.exception, ConversionError)
    skipped = runner.invoke(app, ["pipeline", "--skip", "download,nothing", "--model", str(model)])
    assert isinstance(skipped.exception, UserError)
    assert "unknown stage 'nothing'" in str(skipped.exception)
