"""The llama.cpp backend checks a GGUF's recorded quality gate when it loads the model; an
evaluation runs the same check before it starts any work; `--allow-failed-quality-gate`
reaches the backend through the model config."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from single_shot_eval.config import bundled_task_path, load_task
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.models.llama_cpp import LlamaCppModel
from single_shot_eval.models.quality_gate import QualityGateError, quality_report_path
from single_shot_eval.models.registry import ModelConfig, build_model, check_model_configs
from single_shot_eval.run.evaluate import RunOptions, evaluate


def _converted(tmp_path: Path, *, passed: bool) -> Path:
    """A file with GGUF magic bytes and a quality record next to it describing exactly it."""
    model = tmp_path / "tiny-Q2_K.gguf"
    model.write_bytes(b"GGUF" + bytes(range(60)))
    record = {
        "passed": passed,
        "model_size_bytes": model.stat().st_size,
        "model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "quant_type": "Q2_K",
        "threshold_class": "2/3-bit",
        "checks": [{"gate": "mean KL", "measured": 0.8, "limit": 0.5, "upper_bound": True,
                    "passed": passed}],
    }
    quality_report_path(model).write_text(json.dumps(record), encoding="utf-8")
    return model


def test_the_backend_refuses_a_model_that_failed_its_gate(tmp_path: Path) -> None:
    model = _converted(tmp_path, passed=False)
    config = ModelConfig(id="tiny", backend="llama_cpp", model=str(model), params={"n_threads": 1})
    with pytest.raises(QualityGateError, match=r"quality gate 'mean KL' failed for tiny-Q2_K\.gguf"
                       r" \(Q2_K, 2/3-bit thresholds\): mean KL = 0\.8 > limit 0\.5") as refused:
        build_model(config)
    assert "--allow-failed-quality-gate" in str(refused.value)
    with pytest.raises(QualityGateError):
        check_model_configs([config])


def test_the_override_reaches_the_backend(tmp_path: Path) -> None:
    model = _converted(tmp_path, passed=False)
    config = ModelConfig(id="tiny", backend="llama_cpp", model=str(model),
                         params={"n_threads": 1}, allow_failed_quality_gate=True)
    check_model_configs([config])
    built = build_model(config)
    assert isinstance(built, LlamaCppModel)
    assert built.path == model
    # a run setting, not the model's identity: not in provenance or cache keys
    assert "allow_failed_quality_gate" not in config.model_dump()
    assert config.model_dump() == config.model_copy(
        update={"allow_failed_quality_gate": False}
    ).model_dump()


def test_a_passed_gate_loads(tmp_path: Path) -> None:
    model = _converted(tmp_path, passed=True)
    config = ModelConfig(id="tiny", backend="llama_cpp", model=str(model), params={"n_threads": 1})
    check_model_configs([config])
    assert isinstance(build_model(config), LlamaCppModel)


def test_evaluate_refuses_before_it_writes_a_store(tmp_path: Path) -> None:
    model = _converted(tmp_path, passed=False)
    corpus_file = tmp_path / "c.jsonl"
    corpus_file.write_text(json.dumps({
        "id": "negate", "python_code": "def negate(v: int) -> int:\n    return -v\n",
        "test_cases": [{"input": [4], "expected": -4}],
    }) + "\n", encoding="utf-8")
    config = ModelConfig(id="tiny", backend="llama_cpp", model=str(model), params={"n_threads": 1})
    output = tmp_path / "out"
    with pytest.raises(QualityGateError):
        evaluate(
            [load_task(bundled_task_path())], [config], load_corpus(corpus_file),
            RunOptions(output=output),
        )
    assert not (output / "results.sqlite").exists()
