"""Dollar cost of a completion.

API models are priced per million input and output tokens. Local models are priced from measured
wall-clock compute time times the hourly price of the hardware they run on, so a local model's
cost is small but measured, never a made-up constant.
"""

from __future__ import annotations

# On-demand price of a 2-vCPU general-purpose cloud instance (AWS c6i.large, us-east-1, Linux),
# the class of machine this tool's bundled evaluation is sized for. Override per model with
# `price.hardware_usd_per_hour`.
DEFAULT_HARDWARE_USD_PER_HOUR = 0.085


def local_compute_cost_usd(wall_time_s: float, usd_per_hour: float | None = None) -> float:
    """Cost of `wall_time_s` seconds of the local machine."""
    rate = DEFAULT_HARDWARE_USD_PER_HOUR if usd_per_hour is None else usd_per_hour
    return max(0.0, wall_time_s) * rate / 3600.0


def token_cost_usd(
    input_tokens: int, output_tokens: int, input_usd_per_mtok: float, output_usd_per_mtok: float
) -> float:
    """Cost of one API call from its token usage."""
    return (input_tokens * input_usd_per_mtok + output_tokens * output_usd_per_mtok) / 1e6
