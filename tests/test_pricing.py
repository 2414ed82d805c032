"""The bundled pricing table and how a model's cost rule is chosen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from single_shot_eval.errors import ConfigError, ModelSpecError
from single_shot_eval.models.pricing import (
    DEFAULT_HARDWARE_USD_PER_HOUR,
    bundled_pricing_path,
    cost_rule_for,
    load_pricing_table,
)
from single_shot_eval.models.registry import ModelConfig, Price

REQUIRED = {
    "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3-mini",
    "claude-3-5-haiku", "claude-sonnet-4", "claude-opus-4",
    "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro",
}


def test_bundled_table_is_dated_sourced_and_complete() -> None:
    table = load_pricing_table()
    ids = [entry.id for entry in table.models]
    assert len(ids) == len(set(ids))
    assert set(ids) >= REQUIRED
    assert "verify before citing" in table.caveat
    for entry in table.models:
        assert entry.source.strip()
        assert entry.read_on <= date.today()
        assert 0 < entry.input_usd_per_mtok <= entry.output_usd_per_mtok
    assert "verify before citing" in bundled_pricing_path().read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gpt-4o", "gpt-4o"),
        ("GPT-4o-Mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("openai/gpt-4.1-nano", "gpt-4.1-nano"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("anthropic/claude-opus-4-0", "claude-opus-4"),
        ("gemini-2.5-pro", "gemini-2.5-pro"),
    ],
)
def test_lookup_tolerates_prefixes_and_snapshot_suffixes(name: str, expected: str) -> None:
    entry = load_pricing_table().lookup(name)
    assert entry is not None
    assert entry.id == expected


@pytest.mark.parametrize("name", ["gpt-4o-audio-preview", "gpt-5-ultra", "smollm2", "", None])
def test_lookup_does_not_guess(name: str | None) -> None:
    assert load_pricing_table().lookup(name) is None


def test_config_price_overrides_the_table() -> None:
    config = ModelConfig(
        id="m", backend="openai", model="gpt-4o",
        price=Price(input_usd_per_mtok=1.0, output_usd_per_mtok=2.0),
    )
    rule = cost_rule_for(config, "gpt-4o", wall_time_fallback=False)
    assert rule.source == "models file price"
    assert rule.cost_usd(input_tokens=1_000_000, output_tokens=500_000, wall_time_s=9) == 2.0
    table_rule = cost_rule_for(config.model_copy(update={"price": None}), "gpt-4o",
                               wall_time_fallback=False)
    assert table_rule.cost_usd(input_tokens=1_000_000, output_tokens=0, wall_time_s=0) == 2.5
    assert "read 20" in table_rule.source


def test_wall_time_pricing_for_local_models() -> None:
    config = ModelConfig(id="local", backend="llama_cpp")
    rule = cost_rule_for(config, None, wall_time_fallback=True)
    assert rule.basis == "wall_time"
    assert rule.cost_usd(input_tokens=10**9, output_tokens=10**9, wall_time_s=3600) == (
        pytest.approx(DEFAULT_HARDWARE_USD_PER_HOUR)
    )
    priced = config.model_copy(update={"price": Price(hardware_usd_per_hour=1.8)})
    rule = cost_rule_for(priced, None, wall_time_fallback=True)
    assert rule.cost_usd(input_tokens=0, output_tokens=0, wall_time_s=60) == pytest.approx(0.03)


def test_inconsistent_or_missing_prices_are_spec_errors() -> None:
    half = ModelConfig(id="h", backend="openai", price=Price(input_usd_per_mtok=1.0))
    with pytest.raises(ModelSpecError, match="needs both"):
        cost_rule_for(half, "x", wall_time_fallback=False)
    mixed = ModelConfig(
        id="m", backend="openai",
        price=Price(input_usd_per_mtok=1.0, output_usd_per_mtok=1.0, hardware_usd_per_hour=1.0),
    )
    with pytest.raises(ModelSpecError, match="both token prices and hardware"):
        cost_rule_for(mixed, "x", wall_time_fallback=False)
    with pytest.raises(ModelSpecError, match="no price known for 'unknown-model'"):
        cost_rule_for(ModelConfig(id="u", backend="openai"), "unknown-model",
                      wall_time_fallback=False)


def test_a_malformed_table_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "pricing.yaml"
    bad.write_text(
        "transcribed_on: 2025-01-01\nprices_as_of: x\ncaveat: y\n"
        "models:\n  - {id: a, provider: p, input_usd_per_mtok: -1, output_usd_per_mtok: 1,"
        " source: s, read_on: 2025-01-01}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"models\.0\.input_usd_per_mtok"):
        load_pricing_table(bad)
