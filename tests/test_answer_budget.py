"""The answer budget: an answer's token limit grows with the Python source it translates, never
cuts a bundled reference translation, and is what a local model is actually given."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest
from llama_cpp import Llama

from single_shot_eval.config import AnswerBudget, InferenceSettings, load_tasks
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.models.llama_cpp import gemma3_270m_gguf_path, smollm2_gguf_path
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.run.executors import GenerationJob, GenerationResult, LocalExecutor

BUDGET = AnswerBudget(tokens_per_source_char=2.0, at_least_tokens=256)


def test_the_budget_is_per_source_character_with_a_floor_and_never_above_max_tokens() -> None:
    inference = InferenceSettings(max_tokens=1000, answer_budget=BUDGET)
    assert inference.max_tokens_for("x" * 10) == 256
    assert inference.max_tokens_for("x" * 300) == 600
    assert AnswerBudget(tokens_per_source_char=0.5).tokens_for("x" * 1001) == 501
    assert inference.max_tokens_for("x" * 5000) == 1000
    assert InferenceSettings(max_tokens=1000).max_tokens_for("x" * 10) == 1000


@pytest.mark.parametrize(
    "gguf", [smollm2_gguf_path, gemma3_270m_gguf_path], ids=["smollm2", "gemma3"]
)
def test_the_bundled_budget_never_cuts_a_bundled_reference_translation(
    gguf: Callable[[], Path], bundled_corpus: Corpus
) -> None:
    # Counted with the bundled models' own tokenizers (SmolLM2's is the least compact on Rust).
    vocab = Llama(model_path=str(gguf()), vocab_only=True, verbose=False)
    inference = load_tasks(None)[0].inference
    assert inference.answer_budget is not None
    needed = {
        e.id: (len(vocab.tokenize(e.reference_rust.encode(), add_bos=False)), e)
        for e in bundled_corpus
        if e.reference_rust
    }
    assert len(needed) == len(bundled_corpus)
    cut = [
        eid
        for eid, (tokens, e) in needed.items()
        if tokens > inference.max_tokens_for(e.python_source)
    ]
    assert cut == []
    # The margin the task YAML states: no reference needs more than 60% of its budget's rate.
    worst = max(tokens / len(e.python_source) for tokens, e in needed.values())
    assert worst < 0.6 * inference.answer_budget.tokens_per_source_char


class RecordingExecutor(LocalExecutor):
    """The local executor, noting the token limit of every generation it is handed."""

    def __init__(self) -> None:
        super().__init__(1)
        self.max_tokens: list[int] = []

    def submit_generation(self, job: GenerationJob) -> Future[GenerationResult]:
        self.max_tokens.append(job.request.max_tokens)
        return super().submit_generation(job)


def test_a_local_model_is_given_the_budget_and_its_answer_stops_there(tmp_path: Path) -> None:
    source = 'def double(n: int) -> int:\n    """Twice n."""\n    return 2 * n\n'
    record = {
        "id": "double",
        "python_code": source,
        "entry_point": "double",
        "test_cases": [{"input": [2], "expected": 4}],
        "reference_rust": "pub fn double(n: i64) -> i64 {\n    2 * n\n}\n",
    }
    (tmp_path / "double.jsonl").write_text(json.dumps(record) + "\n")
    corpus = load_corpus(tmp_path / "double.jsonl")
    assert [e.id for e in corpus] == ["double"]
    task = load_tasks(None)[0]
    tight = AnswerBudget(tokens_per_source_char=0.01, at_least_tokens=12)
    inference = task.inference.model_copy(update={"answer_budget": tight})
    task = task.model_copy(update={"inference": inference})
    assert task.inference.max_tokens == 2560 and inference.max_tokens_for(source) == 12
    smollm2 = ModelConfig(
        id="smollm2-135m", backend="llama_cpp", model="smollm2", params={"n_threads": 1}
    )
    executor = RecordingExecutor()
    evaluate(
        [task], [smollm2], corpus,
        RunOptions(output=tmp_path / "out", runs=1, executor=executor, controls=False,
                   use_cache=False),
    )
    assert executor.max_tokens == [12]
    with ResultStore(tmp_path / "out" / "results.sqlite", create=False) as store:
        (sample,) = list(store.iter_samples())
    # Twelve tokens cannot hold a whole translation: the answer is the budget's length.
    assert sample.output_tokens == 12
    assert sample.verdict.value != "pass"
