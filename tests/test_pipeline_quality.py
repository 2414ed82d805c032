"""The quality gate: logit metrics, thresholds, and the real SmolLM2 requantized two ways."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from single_shot_eval.errors import ConfigError, UserError
from single_shot_eval.modelprep import OVERRIDE_FLAG
from single_shot_eval.modelprep.convert import (
    ConversionError,
    ConversionResult,
    default_output_path,
    normalize_quant_type,
    quantization_types,
    quantize_gguf,
)
from single_shot_eval.modelprep.logits import LogitComparison, compare_logits
from single_shot_eval.modelprep.quality import (
    QualityReport,
    QualityThresholds,
    apply_thresholds,
    load_thresholds,
    load_validation_prompts,
    run_quality_gates,
)
from single_shot_eval.models.llama_cpp import smollm2_gguf_path
from single_shot_eval.models.quality_gate import (
    QualityGateError,
    check_quality_gate,
    quality_report_path,
)

# --- metrics on hand-made logits ---------------------------------------------------------------


def test_identical_logits_agree_perfectly() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 50))
    m = compare_logits(logits, logits.copy(), top_k=10)
    assert np.allclose(m.kl, 0.0)
    assert np.all(m.top_k_overlap == 1.0)
    assert np.all(m.top1_match == 1.0)
    assert np.allclose(m.cosine, 1.0)


def test_kl_topk_and_cosine_by_hand() -> None:
    # P = (1/2, 1/2), Q = (3/4, 1/4): KL(P||Q) = 1/2 ln(4/3)
    m = compare_logits(np.array([[0.0, 0.0]]), np.array([[math.log(3), 0.0]]), top_k=1)
    assert m.kl[0] == pytest.approx(0.5 * math.log(4 / 3))
    reference = np.array([[4.0, 3.0, 2.0, 1.0]])
    candidate = np.array([[4.0, 1.0, 2.0, 3.0]])
    m = compare_logits(reference, candidate, top_k=2)
    assert m.top_k_overlap[0] == pytest.approx(0.5)  # {0, 1} vs {0, 3}
    assert m.top1_match[0] == 1.0
    orthogonal = compare_logits(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), top_k=1)
    assert orthogonal.cosine[0] == pytest.approx(0.0)
    assert orthogonal.top1_match[0] == 0.0
    # KL is not symmetric: the gate measures KL(original || converted)
    forward = compare_logits(np.array([[0.0, 0.0]]), np.array([[math.log(3), 0.0]]), 1).kl[0]
    backward = compare_logits(np.array([[math.log(3), 0.0]]), np.array([[0.0, 0.0]]), 1).kl[0]
    assert forward != pytest.approx(backward)


def _comparison(**figures: float) -> LogitComparison:
    base = {"mean_kl": 0.001, "max_kl": 0.01, "top_k_agreement": 0.99, "mean_cosine": 0.9999}
    base.update(figures)
    return LogitComparison(
        prompts=1, positions=1, top_k=10, max_kl_prompt="p", top1_agreement=1.0,
        min_cosine=base["mean_cosine"], mean_kl=base["mean_kl"], max_kl=base["max_kl"],
        top_k_agreement=base["top_k_agreement"], mean_cosine=base["mean_cosine"],
    )


def test_thresholds_apply_in_order() -> None:
    limits = QualityThresholds("x", ("Q8_0",), max_mean_kl=0.01, min_top_k_agreement=0.9,
                               max_max_kl=0.5, min_cosine=0.99)
    checks = apply_thresholds(_comparison(), limits)
    assert [c.gate for c in checks] == ["mean KL", "top-10 agreement", "max KL", "logit cosine"]
    assert all(c.passed for c in checks)
    failed = apply_thresholds(_comparison(top_k_agreement=0.85, mean_cosine=0.9), limits)
    assert [c.gate for c in failed if not c.passed] == ["top-10 agreement", "logit cosine"]
    ungated = QualityThresholds("y", ("Q4_0",), max_mean_kl=0.01, min_top_k_agreement=0.9)
    assert [c.gate for c in apply_thresholds(_comparison(), ungated)] == [
        "mean KL", "top-10 agreement"
    ]


def test_bundled_thresholds_cover_every_quantization_type() -> None:
    table = load_thresholds()
    assert table.top_k == 10
    four_bit = table.for_type("Q4_K_M")
    assert (four_bit.max_mean_kl, four_bit.min_top_k_agreement) == (0.01, 0.90)  # the seed's
    assert table.for_type("q8_0").name == "8-bit"
    assert table.for_type("Q2_K").name == "2/3-bit"
    for name in quantization_types():
        assert table.for_type(name).types  # raises ConfigError for a type without a class


def test_threshold_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "classes:\n"
        "  - {name: a, types: [Q8_0], max_mean_kl: 0.01, min_top_k_agreement: 0.9}\n"
        "  - {name: b, types: [q8_0], max_mean_kl: 0.02, min_top_k_agreement: 0.8}\n"
    )
    with pytest.raises(ConfigError, match="Q8_0 is listed in both 'a' and 'b'"):
        load_thresholds(path)
    path.write_text("classes:\n  - {name: a, types: [Q8_0], max_mean_kl: -1, "
                    "min_top_k_agreement: 0.9}\n")
    with pytest.raises(ConfigError, match=r"classes\.0\.max_mean_kl"):
        load_thresholds(path)
    path.write_text("classes:\n  - {name: a, types: [Q8_0], max_mean_kl: 0.1, "
                    "min_top_k_agreement: 0.9}\n")
    with pytest.raises(ConfigError, match="no quality thresholds for quantization type 'Q2_K'"):
        load_thresholds(path).for_type("Q2_K")


def test_bundled_validation_prompts() -> None:
    prompts = load_validation_prompts()
    assert len(prompts) >= 20
    assert len({p.id for p in prompts}) == len(prompts)
    assert all("Python" in p.text and "Rust" in p.text for p in prompts)


def test_quant_type_names_and_output_paths(tmp_path: Path) -> None:
    assert normalize_quant_type(" q4_k_m ") == "Q4_K_M"
    with pytest.raises(ConversionError, match="unknown quantization type 'Q9_9'"):
        normalize_quant_type("Q9_9")
    source = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert default_output_path(source, "Q8_0").name == "SmolLM2-135M-Instruct.Q8_0.gguf"
    assert default_output_path(tmp_path / "m-q4_k_m.gguf", "Q2_K").name == "m.Q2_K.gguf"
    assert default_output_path(tmp_path / "plain.gguf", "Q8_0", tmp_path / "o").parent.name == "o"


def test_check_quality_gate_reads_records(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF not really")
    assert quality_report_path(model) == tmp_path / "m.quality.json"
    check_quality_gate(model)  # no record: nothing to refuse
    quality_report_path(model).write_text("{not json")
    with pytest.raises(UserError, match="unreadable quality report"):
        check_quality_gate(model)


# --- the real model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GatedPair:
    gentle: ConversionResult
    aggressive: ConversionResult
    reports: dict[str, QualityReport]


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> GatedPair:
    """SmolLM2 (Q4_1) requantized to Q8_0 and Q2_K, both gated on the bundled prompts."""
    out = tmp_path_factory.mktemp("quantized")
    source = smollm2_gguf_path()
    gentle = quantize_gguf(source, out / "smollm2.Q8_0.gguf", "Q8_0")
    aggressive = quantize_gguf(source, out / "smollm2.Q2_K.gguf", "Q2_K")
    reports = run_quality_gates([gentle.output, aggressive.output], source)
    for report in reports:
        c = report.comparison
        print(
            f"\n{report.quant_type}: mean KL {c.mean_kl:.5f} nats, max KL {c.max_kl:.4f}, "
            f"top-10 agreement {c.top_k_agreement:.4f}, top-1 {c.top1_agreement:.4f}, "
            f"cosine {c.mean_cosine:.6f} over {c.positions} positions of {c.prompts} prompts "
            f"-> {'pass' if report.passed else 'FAIL'}"
        )
    return GatedPair(gentle, aggressive, {r.quant_type: r for r in reports})


@pytest.mark.slow
def test_requantized_headers(gated: GatedPair) -> None:
    for conversion, kind in ((gated.gentle, "Q8_0"), (gated.aggressive, "Q2_K")):
        assert conversion.requantized  # from Q4_1
        assert conversion.source_header.file_type_name == "Q4_1"
        assert conversion.output_header.file_type_name == kind
        assert conversion.output_header.tensor_count == conversion.source_header.tensor_count
        assert conversion.output_header.architecture == "llama"
    assert set(gated.gentle.tensor_types) == {"Q8_0", "F32"}
    # SmolLM2's rows of 576 are no multiple of 256: llama.cpp keeps those tensors in Q4_0
    assert {"Q4_0", "Q3_K", "F32"} <= set(gated.aggressive.tensor_types)
    assert gated.gentle.size_ratio > 1.2  # 8-bit is larger than the 4-bit input
    assert gated.aggressive.size_ratio < 1.0


@pytest.mark.slow
def test_gentle_quantization_passes_the_gate(gated: GatedPair) -> None:
    report = gated.reports["Q8_0"]
    assert report.thresholds.name == "8-bit"
    assert report.comparison.prompts >= 20
    assert report.passed, [c.describe() for c in report.checks]
    assert report.comparison.mean_kl <= report.thresholds.max_mean_kl
    record = json.loads(quality_report_path(gated.gentle.output).read_text())
    assert record["passed"] is True and record["quant_type"] == "Q8_0"
    assert record["metrics"]["mean_kl"] == pytest.approx(report.comparison.mean_kl)
    check_quality_gate(gated.gentle.output)  # evaluate may use it


@pytest.mark.slow
def test_aggressive_quantization_fails_the_gate_with_the_figure(gated: GatedPair) -> None:
    report = gated.reports["Q2_K"]
    assert report.thresholds.name == "2/3-bit"
    assert not report.passed
    first = report.failures[0]
    assert first.gate == "mean KL"
    assert first.measured == report.comparison.mean_kl > report.thresholds.max_mean_kl
    message = str(report.error())
    assert f"mean KL = {report.comparison.mean_kl:.4g} > limit" in message
    with pytest.raises(QualityGateError) as refused:
        check_quality_gate(gated.aggressive.output)
    assert "quality gate 'mean KL' failed" in str(refused.value)
    assert OVERRIDE_FLAG in str(refused.value)
    assert refused.value.measured == pytest.approx(report.comparison.mean_kl)
    gentle = gated.reports["Q8_0"].comparison
    assert gentle.mean_kl < report.comparison.mean_kl
    assert gentle.top_k_agreement > report.comparison.top_k_agreement


@pytest.mark.slow
def test_a_record_applies_to_its_content_only(gated: GatedPair, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.gguf"
    shutil.copyfile(gated.aggressive.output, copy)
    shutil.copyfile(quality_report_path(gated.aggressive.output), quality_report_path(copy))
    with pytest.raises(QualityGateError):
        check_quality_gate(copy)  # same bytes, same verdict
    with copy.open("r+b") as fh:
        fh.seek(-1, 2)
        last = fh.read(1)
        fh.seek(-1, 2)
        fh.write(bytes([last[0] ^ 0xFF]))
    check_quality_gate(copy)  # other content: the record does not describe it
