"""Run untrusted commands isolated by bubblewrap (or degraded to rlimits without it).

The public surface of the sandbox package; see `runner` for how isolation works. Nothing here
imports from `verify`, `corpus`, `run` or `report`: the sandbox sits below the verifier.
"""

from single_shot_eval.sandbox.runner import (
    DEFAULT_LIMITS,
    GIB,
    INSTALL_HINT,
    KIB,
    MIB,
    SHIM_SOURCE,
    Sandbox,
    SandboxCommand,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)
from single_shot_eval.sandbox.wrapper import render_shim

__all__ = [
    "DEFAULT_LIMITS",
    "GIB",
    "INSTALL_HINT",
    "KIB",
    "MIB",
    "SHIM_SOURCE",
    "Sandbox",
    "SandboxCommand",
    "SandboxError",
    "SandboxLimits",
    "SandboxResult",
    "render_shim",
]
