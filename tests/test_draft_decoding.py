"""Draft decoding (`params.draft: prompt_lookup | model`) on real GGUF models: it generates, its
stop rules see only verified tokens, it is part of the response-cache key (batched verification
rounds differently, so it can change a greedy answer), and plain decoding's key is unchanged;
with `params.batch_invariant` a drafted answer is byte-identical to the plain one and shares
its key, and a model whose logits still depend on batching is refused."""

from __future__ import annotations

from typing import Any

import pytest

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models import llama_cpp
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.draft import DraftSettings
from single_shot_eval.models.llama_cpp import LlamaCppModel
from single_shot_eval.models.registry import ModelConfig, build_model
from single_shot_eval.run.scheduler import response_cache_key

PROMPT = (
    Message("system", "Answer with one ```rust code block."),
    Message("user", "Convert to Rust:\n```python\ndef add(a: int, b: int) -> int:\n"
                    "    return a + b\n```"),
)


def _model(**params: Any) -> tuple[ModelConfig, LlamaCppModel]:
    config = ModelConfig(id="m", backend="llama_cpp", model="smollm2",
                         params={"n_threads": 1, **params})
    model = build_model(config)
    assert isinstance(model, LlamaCppModel)
    return config, model


def test_the_draft_mode_is_in_the_cache_key_and_plain_decoding_keeps_its_key() -> None:
    request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=8, seed=0)
    plain_config, plain = _model()
    draft_config, drafting = _model(draft="prompt_lookup", draft_tokens=4)
    assert "draft" not in plain.numeric_settings()  # keys of stored plain answers stay valid
    assert drafting.numeric_settings()["draft"] == "prompt_lookup(ngram=3, tokens=4)"
    keys = {
        response_cache_key(plain_config, request, plain.numeric_settings()),
        response_cache_key(draft_config, request, drafting.numeric_settings()),
    }
    assert len(keys) == 2


def test_a_draft_setting_the_backend_does_not_know_is_refused() -> None:
    with pytest.raises(ModelSpecError, match="draft"):
        _model(draft="medusa")
    with pytest.raises(ModelSpecError, match="draft_tokens"):
        _model(draft="prompt_lookup", draft_tokens=0)
    with pytest.raises(ModelSpecError, match=r"params\.draft_model"):
        _model(draft="model")  # which GGUF drafts?
    with pytest.raises(ModelSpecError, match=r"params\.draft_model"):
        _model(draft="prompt_lookup", draft_model="smollm2")
    with pytest.raises(ModelSpecError, match=r"params\.flash_attn: batch_invariant sets"):
        _model(batch_invariant=True, flash_attn=False)
    assert DraftSettings().describe() == "none"
    assert DraftSettings(mode="model", model="m", tokens=2).describe() == "model(m, tokens=2)"


def test_under_batch_invariant_settings_drafting_shares_the_plain_cache_key() -> None:
    request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=8, seed=0)
    default_config, default = _model()
    plain_config, plain = _model(batch_invariant=True)
    draft_config, drafting = _model(batch_invariant=True, draft="prompt_lookup")
    settings = plain.numeric_settings()
    assert settings["flash_attn"] == "True" and settings["type_k"] == settings["type_v"] == "8"
    assert settings["cpu_weight_repacking"] == "False" and "draft" not in settings
    assert drafting.numeric_settings() == settings  # drafting is checked to keep the text
    keys = {
        response_cache_key(config, request, model.numeric_settings())
        for config, model in ((plain_config, plain), (draft_config, drafting))
    }
    assert len(keys) == 1  # a drafted answer is served from, and stored as, the plain one
    assert response_cache_key(default_config, request, default.numeric_settings()) not in keys


class _FakeLlama:
    """What the stop processor reads of a model: its EOS token and detokenize."""

    def token_eos(self) -> int:
        return 0

    def detokenize(self, tokens: list[int]) -> bytes:
        return "".join(chr(t) for t in tokens).encode()


def test_the_stop_rule_reads_only_the_tokens_sampled_so_far() -> None:
    import numpy as np

    request = GenerationRequest(messages=PROMPT, max_tokens=50, stop_after_code_block=True)
    processor = llama_cpp._stop_early(_FakeLlama(), request)[0]
    scores = np.zeros(4, dtype=np.single)
    prompt = [ord("p")] * 3
    answer = [ord(c) for c in "```rust\nfn f() {}\n```"]
    assert processor(np.array(prompt), scores) is scores  # the first call: prompt only
    # Later calls also see proposed tokens not yet verified (here the whole closing fence);
    # the answer so far is one token per earlier call, so none of them ends it early.
    for sampled in range(1, len(answer)):
        out = processor(np.array(prompt + answer), scores)
        assert out is scores, f"stopped after {sampled} token(s) on unverified ones"
    forced = processor(np.array(prompt + answer), scores)
    assert forced[0] == 0.0 and np.isneginf(forced[1:]).all()  # the fence closed: EOS


@pytest.mark.slow
def test_prompt_lookup_generates_a_whole_answer_with_a_real_model() -> None:
    _, plain = _model()
    _, drafting = _model(draft="prompt_lookup")
    request = GenerationRequest(messages=PROMPT, temperature=0.0, max_tokens=120, seed=0,
                                stop_after_code_block=True)
    answers = [drafting.generate(request), plain.generate(request)]
    drafted, reference = answers
    assert drafted.output_tokens > 0 and drafted.text.strip()
    assert drafted.output_tokens <= 120
    if reference.text.count("```") >= 2:  # where plain decoding closes its block, so does the
        assert drafted.text.count("```") >= 2  # drafted answer, and nothing follows it
        assert drafted.text.rstrip().endswith("```")
    again = drafting.generate(request)
    assert again.text == drafted.text  # drafting is deterministic too


@pytest.mark.slow
def test_batch_invariant_drafted_answers_are_byte_identical_to_plain_decoding() -> None:
    """The claim behind sharing the cache key, on a real model and whole answers: both draft
    modes (the draft GGUF is the model itself here: every proposal a real one), several
    prompts, each answer long enough to verify many batches."""
    prompts = [
        PROMPT,
        (PROMPT[0], Message("user", "Convert to Rust:\n```python\ndef fizz(n: int) -> str:\n"
                                    "    if n % 15 == 0:\n        return 'FizzBuzz'\n"
                                    "    return str(n)\n```")),
    ]
    _, plain = _model(batch_invariant=True)
    _, lookup = _model(batch_invariant=True, draft="prompt_lookup", draft_tokens=4)
    _, drafted = _model(batch_invariant=True, draft="model", draft_model="smollm2",
                        draft_tokens=3)
    for messages in prompts:
        request = GenerationRequest(messages=messages, temperature=0.0, max_tokens=96, seed=0)
        reference = plain.generate(request)
        assert reference.output_tokens >= 20
        for model in (lookup, drafted):
            answer = model.generate(request)
            assert answer.text == reference.text
            assert answer.output_tokens == reference.output_tokens


@pytest.mark.slow
def test_the_probe_finds_that_default_settings_depend_on_batching() -> None:
    """Without the batch-invariant settings llama.cpp's one-token and batched kernels round
    differently on this model: the probe sees it (so a zero under them is a finding)."""
    from single_shot_eval.models.draft import batch_invariance_gap

    path = llama_cpp.smollm2_gguf_path()
    default = llama_cpp.load_llama(path, n_ctx=512, n_threads=2, seed=0, fresh=True)
    invariant = llama_cpp.load_llama(path, n_ctx=512, n_threads=2, seed=0, fresh=True,
                                     batch_invariant=True)
    assert batch_invariance_gap(default) > 0.0
    assert batch_invariance_gap(invariant) == 0.0


def test_a_batch_invariant_model_whose_logits_still_depend_on_batching_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from single_shot_eval.models import draft

    monkeypatch.setattr(draft, "batch_invariance_gap", lambda llama: 0.25)
    path = llama_cpp.smollm2_gguf_path()
    with pytest.raises(ModelSpecError, match=r"batch_invariant: .*largest difference 0\.25"):
        llama_cpp.load_llama(path, n_ctx=512, n_threads=1, seed=0, fresh=True,
                             batch_invariant=True, draft=DraftSettings(mode="prompt_lookup"))
    # plain decoding under the same settings does not draft, so it is not probed
    plain = llama_cpp.load_llama(path, n_ctx=512, n_threads=1, seed=0, fresh=True,
                                 batch_invariant=True)
    assert plain.draft_model is None
