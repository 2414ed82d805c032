"""Dollar cost of a completion, and where each price comes from.

API models are priced per million input and output tokens, from the model's own `price:` in a
models file or else from the bundled, dated table `data/pricing.yaml`. Local models are priced
from measured wall-clock compute time times the hourly price of the hardware they run on, so a
local model's cost is small but measured, never a made-up constant. Every completion carries a
`cost_basis` and `price_source` in its details so a reader can see which rule priced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.errors import ConfigError, ModelSpecError
from single_shot_eval.models.registry import ModelConfig, Price

# On-demand price of a 2-vCPU general-purpose cloud instance (AWS c6i.large, us-east-1, Linux),
# the class of machine this tool's bundled evaluation is sized for. Override per model with
# `price.hardware_usd_per_hour`.
DEFAULT_HARDWARE_USD_PER_HOUR = 0.085

TOKENS_BASIS = "tokens"
WALL_TIME_BASIS = "wall_time"


def local_compute_cost_usd(wall_time_s: float, usd_per_hour: float | None = None) -> float:
    """Cost of `wall_time_s` seconds of the local machine."""
    rate = DEFAULT_HARDWARE_USD_PER_HOUR if usd_per_hour is None else usd_per_hour
    return max(0.0, wall_time_s) * rate / 3600.0


def token_cost_usd(
    input_tokens: int, output_tokens: int, input_usd_per_mtok: float, output_usd_per_mtok: float
) -> float:
    """Cost of one API call from its token usage."""
    return (input_tokens * input_usd_per_mtok + output_tokens * output_usd_per_mtok) / 1e6


class TablePrice(BaseModel):
    """One row of the bundled pricing table: a model's token prices and where they were read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    input_usd_per_mtok: float = Field(ge=0)
    output_usd_per_mtok: float = Field(ge=0)
    source: str = Field(min_length=1)
    read_on: date
    note: str = ""


class PricingTable(BaseModel):
    """The bundled (or a user-supplied) pricing table, dated as a whole and per entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transcribed_on: date
    prices_as_of: str
    caveat: str
    models: tuple[TablePrice, ...]

    def lookup(self, model_name: str | None) -> TablePrice | None:
        """The entry for `model_name`, tolerating a provider prefix and a date/-latest suffix."""
        if not model_name:
            return None
        by_name: dict[str, TablePrice] = {}
        for entry in self.models:
            by_name[entry.id.lower()] = entry
            for alias in entry.aliases:
                by_name[alias.lower()] = entry
        for candidate in _name_candidates(model_name.lower()):
            if candidate in by_name:
                return by_name[candidate]
        return None


_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


def _name_candidates(name: str) -> list[str]:
    """`name`, then without a provider prefix, then without a snapshot date or `-latest`."""
    names = [name]
    if "/" in name:
        names.append(name.rsplit("/", 1)[1])
    for base in list(names):
        stripped = _DATE_SUFFIX.sub("", base)
        if stripped != base:
            names.append(stripped)
    return names


def bundled_pricing_path() -> Path:
    """Where the bundled pricing table lives inside the installed package."""
    return Path(str(resources.files("single_shot_eval") / "data" / "pricing.yaml"))


def load_pricing_table(path: Path | None = None) -> PricingTable:
    """Read and validate a pricing table (the bundled one by default, read once per process)."""
    if path is None:
        return _bundled_table()
    return _read_table(path)


@lru_cache(maxsize=1)
def _bundled_table() -> PricingTable:
    return _read_table(bundled_pricing_path())


def _read_table(path: Path) -> PricingTable:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(path, f"cannot read pricing table: {exc}") from None
    try:
        return PricingTable.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(path, err["msg"], key=key) from None


@dataclass(frozen=True)
class CostRule:
    """How one model's calls are priced: per token, or per second of wall time.

    `source` names where the numbers come from (the models file, the table entry and its date, or
    the default hardware rate), and is copied into every completion's details
    (`cost_basis`, `price_source`).
    """

    basis: str
    source: str
    input_usd_per_mtok: float = 0.0
    output_usd_per_mtok: float = 0.0
    hardware_usd_per_hour: float = 0.0

    def cost_usd(self, *, input_tokens: int, output_tokens: int, wall_time_s: float) -> float:
        """Dollar cost of one call with this usage and duration."""
        if self.basis == TOKENS_BASIS:
            return token_cost_usd(
                input_tokens, output_tokens, self.input_usd_per_mtok, self.output_usd_per_mtok
            )
        return local_compute_cost_usd(wall_time_s, self.hardware_usd_per_hour)


def cost_rule_for(
    config: ModelConfig,
    model_name: str | None,
    *,
    wall_time_fallback: bool,
    table: PricingTable | None = None,
) -> CostRule:
    """The cost rule for a model: its own `price:`, else the table, else local wall time.

    `wall_time_fallback` is True for models whose compute runs on this machine (or whose cost is
    otherwise best measured as time); when it is False and no price is known, the caller has a
    remote API model nobody priced, which is a `ModelSpecError` rather than a silent $0.
    """
    if config.price is not None:
        rule = _rule_from_config_price(config.id, config.price)
        if rule is not None:
            return rule
    entry = (table or load_pricing_table()).lookup(model_name)
    if entry is not None:
        return CostRule(
            basis=TOKENS_BASIS,
            source=f"pricing table: {entry.id}, {entry.source}, read {entry.read_on.isoformat()}",
            input_usd_per_mtok=entry.input_usd_per_mtok,
            output_usd_per_mtok=entry.output_usd_per_mtok,
        )
    if wall_time_fallback:
        return CostRule(
            basis=WALL_TIME_BASIS,
            source=f"default hardware rate ${DEFAULT_HARDWARE_USD_PER_HOUR}/hour (2-vCPU instance)",
            hardware_usd_per_hour=DEFAULT_HARDWARE_USD_PER_HOUR,
        )
    raise ModelSpecError(
        f"model {config.id!r}: no price known for {model_name or config.id!r}; add "
        "`price: {input_usd_per_mtok: ..., output_usd_per_mtok: ...}` (or "
        "`price: {hardware_usd_per_hour: ...}` for a self-hosted server) to its models-file entry"
    )


def _rule_from_config_price(model_id: str, price: Price) -> CostRule | None:
    tokens = (price.input_usd_per_mtok, price.output_usd_per_mtok)
    has_tokens = any(p is not None for p in tokens)
    if has_tokens and price.hardware_usd_per_hour is not None:
        raise ModelSpecError(
            f"model {model_id!r}: price sets both token prices and hardware_usd_per_hour; "
            "keep token prices for an API model or hardware_usd_per_hour for a local one"
        )
    if has_tokens:
        if price.input_usd_per_mtok is None or price.output_usd_per_mtok is None:
            raise ModelSpecError(
                f"model {model_id!r}: price needs both input_usd_per_mtok and output_usd_per_mtok"
            )
        return CostRule(
            basis=TOKENS_BASIS,
            source="models file price",
            input_usd_per_mtok=price.input_usd_per_mtok,
            output_usd_per_mtok=price.output_usd_per_mtok,
        )
    if price.hardware_usd_per_hour is not None:
        return CostRule(
            basis=WALL_TIME_BASIS,
            source=f"models file hardware rate ${price.hardware_usd_per_hour}/hour",
            hardware_usd_per_hour=price.hardware_usd_per_hour,
        )
    return None
