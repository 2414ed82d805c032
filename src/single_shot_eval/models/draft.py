"""Draft decoding for local GGUF models: several proposed tokens verified in one forward pass.

`prompt_lookup` (llama-cpp-python's `LlamaPromptLookupDecoding`) proposes the tokens that
followed the last n-gram of the context where it occurred before (in the prompt or the answer
so far); llama.cpp evaluates them in one batch and keeps the prefix the model itself would have
sampled. Only the draft batches ask llama.cpp for logits at every position; the prompt keeps
one row of logits, so a long prompt costs what it costs without drafting.

Two things decide whether to use it, and both are measured, not assumed
(`benchmarks/bench_generation_throughput.py --draft prompt_lookup`): on a CPU a batch of k
tokens costs well above one token's pass, so drafting pays only when most proposals are
accepted; and a batched evaluation rounds differently from one token at a time, which can flip
a near-tie in the greedy argmax. The setting is therefore part of a model's
`numeric_settings` (the response-cache key and the provenance), and the default is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Draft batches at most this long get logits at every position; longer ones (a prompt) at the
#: last only. Above any `draft_tokens` plus the token sampled before them.
_DRAFT_BATCH_MAX = 64


class DraftSettings(BaseModel):
    """A local model's draft decoding: `none` or `prompt_lookup` with its n-gram length and the
    number of tokens it proposes per step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["none", "prompt_lookup"] = "none"
    ngram: int = Field(default=3, ge=1, le=8)
    tokens: int = Field(default=3, ge=1, le=_DRAFT_BATCH_MAX - 1)

    def describe(self) -> str:
        """'none' or 'prompt_lookup(ngram=3, tokens=3)': its text in the numeric settings."""
        if self.mode == "none":
            return "none"
        return f"{self.mode}(ngram={self.ngram}, tokens={self.tokens})"


def speculative_llama(settings: DraftSettings, **llama_kwargs: Any) -> Any:
    """A `Llama` that drafts with `settings` (not `none`)."""
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
    llama.draft_model = LlamaPromptLookupDecoding(
        max_ngram_size=settings.ngram, num_pred_tokens=settings.tokens
    )
    return llama
