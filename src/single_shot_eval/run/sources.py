"""Where a contestant's candidate answers come from: a model's generation, or known answers.

The scheduler asks each contestant's `CandidateSource` for the answer to one (example, run)
request and treats every answer alike afterwards (response cache, extraction, verification,
store). `ModelGeneration` hands the request to the executor: a model call, in a driver thread
or on a worker. `KnownAnswers` is the harness controls (`reference`, `mutant`): it answers at
once with the example's own `reference.rs` or `mutant.rs`, fenced as a model would answer,
calls no model and costs nothing. A `ModelConfig` with backend `reference` names them, so
`--models reference,mutant` and models files work as for any contestant.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from typing import Protocol

from single_shot_eval.corpus.example import Example
from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import Completion, GenerationRequest, Model
from single_shot_eval.models.registry import KNOWN_ANSWERS_BACKEND, ModelConfig, build_model
from single_shot_eval.results.generation import ControlRole, GenerationDetails
from single_shot_eval.run.executors.base import (
    Executor,
    GenerationJob,
    GenerationResult,
    without_scheduling_params,
)

# The example field each control answers with, by the `control` marker its samples carry.
KNOWN_ANSWER_FIELDS: dict[ControlRole, str] = {
    "reference": "reference_rust", "mutant": "mutant_rust",
}


class CandidateSource(Protocol):
    """What the scheduler needs from a contestant to obtain its candidate answers."""

    @property
    def config(self) -> ModelConfig:
        """The contestant: its id, and what its response-cache key is made of."""
        ...

    @property
    def deterministic(self) -> bool:
        """True when the same request always yields the same answer (the response cache
        applies unless the model config says otherwise)."""
        ...

    @property
    def takes_feedback(self) -> bool:
        """True when a repair turn's feedback reaches the source (it reads the prompt)."""
        ...

    def numeric_settings(self) -> dict[str, str]:
        """Settings that change the answer's arithmetic (part of the response-cache key)."""
        ...

    def generation_slots(self, executor: Executor) -> int | None:
        """Most answers of this source in flight at once, or None when only the executor's
        capacity bounds them."""
        ...

    def answer(
        self, request: GenerationRequest, example: Example, executor: Executor
    ) -> Future[GenerationResult]:
        """Start obtaining the answer to `request` for `example`."""
        ...


class ModelGeneration:
    """A model's answers, generated through the executor."""

    def __init__(self, config: ModelConfig, model: Model) -> None:
        self.config = config
        self.model = model

    @property
    def deterministic(self) -> bool:
        return self.model.deterministic

    @property
    def takes_feedback(self) -> bool:
        return self.model.reads_prompt

    def numeric_settings(self) -> dict[str, str]:
        report = getattr(self.model, "numeric_settings", None)
        return dict(report()) if callable(report) else {}

    @property
    def provenance_note(self) -> str | None:
        """What the backend chose and why (e.g. a local model's thread count), if it says."""
        note = getattr(self.model, "provenance_note", None)
        return note if isinstance(note, str) else None

    def generation_slots(self, executor: Executor) -> int | None:
        return executor.generation_slots(self.config)

    def answer(
        self, request: GenerationRequest, example: Example, executor: Executor
    ) -> Future[GenerationResult]:
        return executor.submit_generation(GenerationJob(self.config, request))


class KnownAnswers:
    """The harness controls as a contestant: each example's `reference.rs` (must pass) or
    `mutant.rs` (must fail), chosen by `params.field` (`reference_rust`, the default, or
    `mutant_rust`). A repair turn would ask it nothing new, so it gets none."""

    deterministic = True
    takes_feedback = False

    def __init__(self, config: ModelConfig) -> None:
        field = str(config.options.get("field", KNOWN_ANSWER_FIELDS["reference"]))
        roles: dict[str, ControlRole] = {name: role for role, name in KNOWN_ANSWER_FIELDS.items()}
        if field not in roles:
            raise ModelSpecError(
                f"model {config.id!r}: params.field must be reference_rust or mutant_rust"
            )
        self.config = config
        self.role = roles[field]

    def numeric_settings(self) -> dict[str, str]:
        return {}

    def generation_slots(self, executor: Executor) -> int | None:
        return None

    def completion(self, example: Example) -> Completion:
        """The example's known answer, fenced as a model would answer (empty when it has none)."""
        start = time.perf_counter()
        code = known_answer(example, self.role)
        text = f"```rust\n{code}```\n" if code else ""
        return Completion(
            text=text,
            input_tokens=0,
            output_tokens=0,
            latency_s=time.perf_counter() - start,
            cost_usd=0.0,
            details=GenerationDetails(
                backend=KNOWN_ANSWERS_BACKEND,
                answered=bool(code),
                # Marks the sample as a harness control's, so the analysis keeps it apart.
                control=self.role,
            ),
        )

    def answer(
        self, request: GenerationRequest, example: Example, executor: Executor
    ) -> Future[GenerationResult]:
        done: Future[GenerationResult] = Future()
        done.set_result(GenerationResult(self.completion(example)))
        return done


def known_answer(example: Example, role: str) -> str | None:
    """The example's own `reference` or `mutant` translation, or None when it has none."""
    if role not in KNOWN_ANSWER_FIELDS:
        raise ValueError(f"no known answer called {role!r}")
    return example.reference_rust if role == "reference" else example.mutant_rust


def open_source(config: ModelConfig) -> ModelGeneration | KnownAnswers:
    """The candidate source of a contestant: known answers for backend `reference`, else the
    model its backend builds (scheduling parameters are not the backend's business)."""
    if config.backend == KNOWN_ANSWERS_BACKEND:
        return KnownAnswers(config)
    return ModelGeneration(config, build_model(without_scheduling_params(config)))
