"""The `reference` model: answers with the example's known-good `reference.rs`.

It is the harness's self-check: it must score 100% strict pass, or the harness (not a model) is
wrong. It costs nothing and calls no model.
"""

from __future__ import annotations

import time

from single_shot_eval.corpus.example import Example
from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import Completion, GenerationRequest
from single_shot_eval.models.registry import ModelConfig, backend


class ReferenceModel:
    """Returns each example's reference translation, fenced as a model would."""

    deterministic = True

    def __init__(self, model_id: str = "reference", *, field: str = "reference_rust") -> None:
        self._model_id = model_id
        self._field = field
        self._examples: dict[str, Example] = {}

    @property
    def model_id(self) -> str:
        return self._model_id

    def attach_corpus(self, examples: list[Example] | tuple[Example, ...]) -> None:
        """Give the model the examples whose references it answers with."""
        self._examples = {e.id: e for e in examples}

    def generate(self, request: GenerationRequest) -> Completion:
        start = time.perf_counter()
        example = self._examples.get(request.example_id)
        code = getattr(example, self._field) if example is not None else None
        text = f"```rust\n{code}```\n" if code else ""
        return Completion(
            text=text,
            input_tokens=0,
            output_tokens=0,
            latency_s=time.perf_counter() - start,
            cost_usd=0.0,
            metadata={
                "backend": "reference",
                "answered": "yes" if code else "no",
                # Marks the sample as a harness control's, so the analysis keeps it apart.
                "control": "mutant" if self._field == "mutant_rust" else "reference",
            },
        )


@backend("reference")
def _build(config: ModelConfig) -> ReferenceModel:
    field = str(config.options.get("field", "reference_rust"))
    if field not in {"reference_rust", "mutant_rust"}:
        raise ModelSpecError(
            f"model {config.id!r}: params.field must be reference_rust or mutant_rust"
        )
    return ReferenceModel(config.id, field=field)
