"""single-shot-eval: how well do language models translate Python to Rust in one shot, and at
what price? Every figure comes from real generations verified by real rustc.

Library use mirrors the CLI::

    from single_shot_eval import TaskLoader, Corpus, RunOptions, evaluate, resolve_model_specs
    tasks = TaskLoader.load_glob("tasks/*.yaml")
    outcome = evaluate(list(tasks), resolve_model_specs("reference"), Corpus.load(),
                       RunOptions(output=out))
"""

from __future__ import annotations

from single_shot_eval.config import TaskConfig, TaskLoader, load_task, load_tasks
from single_shot_eval.corpus.example import BehaviourCase, Example, ExampleKind, FunctionCase
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.errors import ConfigError, CorpusError, ModelSpecError, UserError
from single_shot_eval.models.base import Completion, GenerationRequest, Message, Model
from single_shot_eval.models.registry import ModelConfig, build_model, resolve_model_specs
from single_shot_eval.results.records import Diagnostic, Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.evaluate import EvaluationOutcome, RunOptions, evaluate
from single_shot_eval.verify.verifier import (
    VerificationPolicy,
    VerificationResult,
    Verifier,
    verify_translation,
)
from single_shot_eval.version import __version__

__all__ = [
    "BehaviourCase",
    "Completion",
    "ConfigError",
    "Corpus",
    "CorpusError",
    "Diagnostic",
    "EvaluationOutcome",
    "Example",
    "ExampleKind",
    "FunctionCase",
    "GenerationRequest",
    "Message",
    "Model",
    "ModelConfig",
    "ModelSpecError",
    "ResultStore",
    "RunOptions",
    "Sample",
    "StageResult",
    "TaskConfig",
    "TaskLoader",
    "UserError",
    "Verdict",
    "VerificationPolicy",
    "VerificationResult",
    "Verifier",
    "__version__",
    "build_model",
    "evaluate",
    "load_corpus",
    "load_task",
    "load_tasks",
    "resolve_model_specs",
    "verify_translation",
]
