"""Candidate sources: the controls answer from the example itself, models through the executor."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest

from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.registry import (
    ModelConfig,
    available_backends,
    build_model,
    resolve_model_specs,
)
from single_shot_eval.run.executors import GenerationJob, GenerationResult, LocalExecutor
from single_shot_eval.run.sources import KnownAnswers, ModelGeneration, open_source

REFERENCE_RS = 'fn main() {\n    println!("hi");\n}\n'
MUTANT_RS = 'fn main() {\n    println!("ho");\n}\n'
REQUEST = GenerationRequest(messages=(Message("user", "translate"),), example_id="hello")


def _example(*, mutant: str | None = MUTANT_RS) -> Example:
    return Example(
        id="hello", kind=ExampleKind.PROGRAM, python_source="print('hi')\n",
        script_name="hello.py", reference_rust=REFERENCE_RS, mutant_rust=mutant,
    )


class SentToExecutor(Exception):
    """A generation reached the executor."""


class _NoGeneration(LocalExecutor):
    """An executor that refuses any generation handed to it."""

    def submit_generation(self, job: GenerationJob) -> Future[GenerationResult]:
        raise SentToExecutor(f"{job.model.id} was sent to the executor")


def test_the_builtin_controls_are_known_answers_not_models() -> None:
    reference, mutant = (open_source(c) for c in resolve_model_specs("reference,mutant"))
    assert isinstance(reference, KnownAnswers) and isinstance(mutant, KnownAnswers)
    assert (reference.role, mutant.role) == ("reference", "mutant")
    assert not reference.takes_feedback and reference.deterministic
    assert reference.numeric_settings() == {}
    # `reference` stays a backend name a models file may use, but no model is built for it.
    assert "reference" in available_backends()
    with pytest.raises(ModelSpecError, match="no model is built"):
        build_model(ModelConfig(id="reference", backend="reference"))


def test_known_answers_answer_in_the_driver_fenced_like_a_model_at_no_cost() -> None:
    reference, mutant = (open_source(c) for c in resolve_model_specs("reference,mutant"))
    executor = _NoGeneration(1)
    for source, code, role in ((reference, REFERENCE_RS, "reference"),
                               (mutant, MUTANT_RS, "mutant")):
        assert source.generation_slots(executor) is None
        future = source.answer(REQUEST, _example(), executor)
        assert future.done()
        completion = future.result().completion
        assert completion is not None
        assert completion.text == f"```rust\n{code}```\n"
        assert (completion.input_tokens, completion.output_tokens, completion.cost_usd) == (0, 0, 0)
        details = completion.details
        assert (details.backend, details.answered, details.control) == ("reference", True, role)


def test_an_example_without_a_mutant_gets_an_empty_answer_from_the_mutant() -> None:
    mutant = KnownAnswers(ModelConfig(id="m", backend="reference",
                                      params={"field": "mutant_rust"}))
    completion = mutant.completion(_example(mutant=None))
    assert completion.text == ""
    assert completion.details.answered is False and completion.details.control == "mutant"


def test_a_known_answer_field_other_than_reference_or_mutant_is_refused() -> None:
    with pytest.raises(ModelSpecError, match=r"params\.field must be reference_rust or mutant_rust"):
        open_source(ModelConfig(id="x", backend="reference", params={"field": "python_source"}))


def test_a_model_source_hands_its_request_to_the_executor(tmp_path: Path) -> None:
    script = tmp_path / "echo.sh"
    script.write_text("#!/bin/sh\ncat\n")
    script.chmod(0o755)
    config = ModelConfig(id="echo", backend="command", command=[str(script)],
                         params={"deterministic": True})
    source = open_source(config)
    assert isinstance(source, ModelGeneration)
    assert source.takes_feedback and source.deterministic
    executor = LocalExecutor(1)
    with pytest.raises(SentToExecutor, match="echo was sent to the executor"):
        source.answer(REQUEST, _example(), _NoGeneration(1))
    assert source.generation_slots(executor) == 1
