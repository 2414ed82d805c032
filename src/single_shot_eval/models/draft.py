"""Draft decoding for local GGUF models: several proposed tokens verified in one forward pass.

`prompt_lookup` (llama-cpp-python's `LlamaPromptLookupDecoding`) proposes the tokens that
followed the last n-gram of the context where it occurred before (in the prompt or the answer
so far); `model` proposes what a smaller GGUF with the same vocabulary generates greedily
(Qwen2.5-Coder-0.5B for the 1.5B). llama.cpp evaluates the proposals in one batch and keeps
the prefix the model itself would have sampled. Only the draft batches ask llama.cpp for
logits at every position; the prompt keeps one row of logits.

Whether drafting can change a greedy answer is measured, not assumed. By default it can:
llama.cpp's CPU kernels round a batch of tokens differently from one token at a time (the
repacked weight kernels, the matrix kernels it uses only from two columns on, and one-token
attention split over the threads once the context reaches 512 cells), which can flip a
near-tie in the argmax; the draft setting is then part of `numeric_settings` (the
response-cache key and the provenance). With `batch_invariant` the model is loaded with
settings under which a token's logits do not depend on its batch (`BATCH_INVARIANT_CONTEXT`,
no weight repacking), and `batch_invariance_gap` checks at load that they really do not for
this model file; drafting then keeps the text to the byte and is left out of the key.

Whether drafting is faster is measured too (`benchmarks/bench_generation_throughput.py
--draft ...`): on a CPU a batch of k tokens costs well above one token's pass, so it pays only
when most proposals are accepted. The default is none.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from single_shot_eval.errors import ModelSpecError

#: A local model's draft-decoding params. They are left out of the params in the response-cache
#: key: they decide how fast an answer comes, and change its text only through the arithmetic,
#: which `numeric_settings` reports (its `draft` entry) exactly when they can.
DRAFT_PARAMS = frozenset({"draft", "draft_ngram", "draft_tokens", "draft_model"})

#: Draft batches at most this long get logits at every position; longer ones (a prompt) at the
#: last only. Above any `draft_tokens` plus the token sampled before them.
_DRAFT_BATCH_MAX = 64


class DraftSettings(BaseModel):
    """A local model's draft decoding: `none` or `prompt_lookup` with its n-gram length and the
    number of tokens it proposes per step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["none", "prompt_lookup", "model"] = "none"
    ngram: int = Field(default=3, ge=1, le=8)
    tokens: int = Field(default=3, ge=1, le=_DRAFT_BATCH_MAX - 1)
    #: the draft GGUF of mode `model` (a path or an alias, as a model's `model` field)
    model: str | None = None

    def describe(self) -> str:
        """'none', 'prompt_lookup(ngram=3, tokens=3)' or 'model(qwen2.5-coder-0.5b, tokens=3)':
        its text in the numeric settings."""
        if self.mode == "none":
            return "none"
        if self.mode == "model":
            return f"model({self.model}, tokens={self.tokens})"
        return f"{self.mode}(ngram={self.ngram}, tokens={self.tokens})"


#: llama.cpp context settings under which a token's logits do not depend on the other tokens
#: of its batch: flash attention, which computes each query row on its own, over a Q8_0 KV
#: cache (with an F16 or F32 cache llama.cpp splits a one-token attention over the threads
#: once the context reaches 512 cells, and sums the parts in another order).
BATCH_INVARIANT_CONTEXT: dict[str, Any] = {"flash_attn": True, "type_k": 8, "type_v": 8}
_LOAD_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def without_weight_repacking() -> Iterator[None]:
    """Models loaded inside keep their weights as stored: llama.cpp's repacked CPU kernels
    round a one-token product differently from a batched one. llama-cpp-python has no
    argument for it, so its default model parameters are wrapped while the model loads."""
    import llama_cpp.llama as llama_module

    bindings: Any = getattr(llama_module, "llama_cpp")  # noqa: B009 (the module Llama reads)
    with _LOAD_PARAMS_LOCK:
        original = bindings.llama_model_default_params

        def unrepacked() -> Any:
            params = original()
            params.use_extra_bufts = False
            return params

        bindings.llama_model_default_params = unrepacked
        try:
            yield
        finally:
            bindings.llama_model_default_params = original


#: The text whose tokens `batch_invariance_gap` evaluates.
_PROBE_TEXT = "fn main() {\n    let total: i64 = (1..=10).map(|n| n * n).sum();\n    println!"
_PROBED_TOKENS = 6


def batch_invariance_gap(llama: Any) -> float:
    """The largest logit difference between evaluating a few tokens one at a time, all in one
    batch, and as the end of a prompt batch that asks for its last row only; 0.0 when the
    model's arithmetic does not depend on batching. Leaves the context empty."""
    import numpy as np

    tokens = llama.tokenize(_PROBE_TEXT.encode(), add_bos=True)
    prefix, probed = tokens[:-_PROBED_TOKENS], tokens[-_PROBED_TOKENS:]
    n_vocab = llama.n_vocab()

    def empty() -> None:
        llama.reset()
        llama._ctx.kv_cache_seq_rm(-1, 0, -1)

    def logits(batches: list[list[int]], all_rows: bool = True) -> Any:
        empty()
        rows = []
        n_past = 0
        for batch in [prefix, *batches]:
            wanted = all_rows and n_past > 0
            llama._batch.set_batch(batch=batch, n_past=n_past, logits_all=wanted)
            llama._ctx.decode(llama._batch)
            if n_past > 0:
                picked = range(len(batch)) if wanted else [-1]
                rows += [np.ctypeslib.as_array(llama._ctx.get_logits_ith(i), shape=(n_vocab,))
                         .copy() for i in picked]
            n_past += len(batch)
        empty()
        return np.array(rows)

    one_by_one = logits([[token] for token in probed])
    batched = logits([probed])
    last_only = logits([probed], all_rows=False)
    return float(max(np.max(np.abs(one_by_one - batched)),
                     np.max(np.abs(one_by_one[-1] - last_only[-1]))))


class _GgufDraft:
    """Proposals of a smaller GGUF: up to `tokens` tokens it generates greedily from the
    context. Its KV cache keeps the longest prefix it shares with the next context, so each
    call evaluates only what was accepted or sampled since."""

    def __init__(self, llama: Any, tokens: int) -> None:
        self.llama = llama
        self.tokens = tokens
        self._evaluated: list[int] = []

    def __call__(self, input_ids: Any, /, **_: Any) -> Any:
        import numpy as np
        from llama_cpp import llama_vocab_is_eog

        context = [int(token) for token in input_ids]
        keep = 0
        for seen, token in zip(self._evaluated, context, strict=False):
            if seen != token:
                break
            keep += 1
        keep = min(keep, len(context) - 1)  # the last token again: its logits are needed
        llama = self.llama
        llama.n_tokens = keep
        llama.eval(context[keep:])
        self._evaluated = context
        n_vocab = llama.n_vocab()
        vocab = llama._model.vocab
        drafted: list[int] = []
        while True:
            row = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(n_vocab,))
            token = int(np.argmax(row))
            drafted.append(token)
            if len(drafted) == self.tokens or llama_vocab_is_eog(vocab, token):
                return np.array(drafted, dtype=np.intc)
            llama.eval([token])
            self._evaluated.append(token)


def check_batch_invariant(llama: Any, path: str) -> None:
    """Refuse drafting on a model loaded with `batch_invariant` whose logits still depend on
    batching (`batch_invariance_gap`): it could change the answers."""
    gap = batch_invariance_gap(llama)
    if gap != 0.0:
        raise ModelSpecError(
            f"{path}: params.batch_invariant: this model's logits still depend on batching "
            f"(largest difference {gap:.3g} between one-token and batched evaluation, e.g. from "
            "CPU kernels llama.cpp takes only for a batch), so drafting could change its "
            "answers: use draft: none, or drop batch_invariant and keep draft in the cache key"
        )


def speculative_llama(settings: DraftSettings, draft_llama: Any = None, **llama_kwargs: Any) -> Any:
    """A `Llama` that drafts with `settings` (not `none`); mode `model` proposes with
    `draft_llama`, a loaded `Llama` of the same vocabulary."""
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    class _DraftingLlama(Llama):
        """Logits at every position of a draft batch (the sampler verifies each), at the last
        position of a prompt batch; no copy of the logits to `scores` (sampling reads them
        inside llama.cpp; nothing here asks for log-probabilities)."""

        def eval(self, tokens: Sequence[int]) -> None:
            self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
            for start in range(0, len(tokens), self.n_batch):
                batch = list(tokens[start : start + self.n_batch])
                n_past = self.n_tokens
                self._batch.set_batch(
                    batch=batch, n_past=n_past, logits_all=len(batch) <= _DRAFT_BATCH_MAX
                )
                self._ctx.decode(self._batch)
                self.input_ids[n_past : n_past + len(batch)] = batch
                self.n_tokens += len(batch)
                self._requires_eval = False

    # Built without `draft_model` (which would allocate logits for the whole context), then
    # given it: `generate` drafts whenever the attribute is set.
    llama = _DraftingLlama(**llama_kwargs)
    if settings.mode == "model":
        if draft_llama is None or draft_llama.n_vocab() != llama.n_vocab():
            raise ModelSpecError(
                f"params.draft_model: {settings.model!r} does not share the vocabulary of "
                f"{llama_kwargs.get('model_path')} (a draft proposes the target's token ids)"
            )
        drafter: Any = _GgufDraft(draft_llama, settings.tokens)  # called as a draft model
        llama.draft_model = drafter
    else:
        llama.draft_model = LlamaPromptLookupDecoding(
            max_ngram_size=settings.ngram, num_pred_tokens=settings.tokens
        )
    return llama
