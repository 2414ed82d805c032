"""Model preparation: download (verified, cached), convert (quantize), validate (quality gate).

Modules: `download` and `cache` fetch models through huggingface_hub into a bounded LRU cache;
`gguf` reads GGUF/safetensors headers; `convert` quantizes with llama.cpp; `quality` measures a
converted model against its original and records the verdict; `validate` checks files;
`pipeline` chains the stages; `commands` holds the typer commands for the CLI.
"""

# The flag that lets `evaluate` use a model that failed its quality gate (the backend that loads
# the model checks the gate: `models.quality_gate`); named here for the CLI without numpy.
from single_shot_eval.models.quality_gate import OVERRIDE_FLAG

__all__ = ["OVERRIDE_FLAG"]
