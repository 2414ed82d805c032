"""A model config's settings in typed sections (sampling, retry, scheduling, the backend's own
options), while the flat `params` mapping users write stays the file format, the stored
provenance and the response-cache key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from single_shot_eval.errors import ConfigError, ModelSpecError
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.registry import ModelConfig, build_model, load_models_file
from single_shot_eval.models.retry import RetryPolicy
from single_shot_eval.run.executors.base import placement, without_scheduling_params
from single_shot_eval.run.scheduler import response_cache_key

README = Path(__file__).resolve().parents[1] / "README.md"
FLAT = {"top_p": 1, "max_attempts": 3, "num_cpus": 2, "placement": "driver", "stream": True}


def test_flat_params_are_sorted_into_typed_sections() -> None:
    config = ModelConfig(id="m", backend="openai", model="m", params=FLAT)
    assert config.generation.top_p == 1
    assert config.retry.max_attempts == 3
    assert (config.scheduling.num_cpus, config.scheduling.placement) == (2, "driver")
    assert config.options == {"stream": True}
    assert config.params == FLAT
    assert RetryPolicy.from_settings(config.retry, model_id="m").max_attempts == 3
    assert placement(config) == "driver"


def test_a_dump_keeps_the_flat_params_in_their_place() -> None:
    config = ModelConfig(id="m", backend="openai", model="m", params=FLAT)
    dumped = config.model_dump(mode="json")
    assert list(dumped) == ["id", "backend", "model", "base_url", "api_key_env", "command",
                            "params", "price", "concurrency", "cache", "prompt_style"]
    assert dumped["params"] == FLAT
    assert ModelConfig.model_validate(dumped) == config


def test_the_response_cache_key_is_the_one_of_the_flat_mapping() -> None:
    # The key main computed from this config before the sections existed: cached answers stay.
    config = ModelConfig(id="m", backend="openai", model="m", base_url="http://127.0.0.1:9/v1",
                         params={"top_p": 1, "max_attempts": 3, "num_cpus": 2, "stream": True})
    request = GenerationRequest(messages=(Message("user", "hi"),), example_id="e")
    assert response_cache_key(config, request) == (
        "fdf3a309709f47cb643149731483b1b689e3db581a38f38b45fdd78c0c1ddc2c"
    )


def test_scheduling_is_taken_off_before_a_backend_sees_the_config() -> None:
    config = ModelConfig(id="m", backend="openai", model="m", params=FLAT)
    bare = without_scheduling_params(config)
    assert bare.params == {"top_p": 1, "max_attempts": 3, "stream": True}
    plain = ModelConfig(id="p", backend="openai", model="m")
    assert without_scheduling_params(plain) is plain


def test_the_readme_models_file_loads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"A models file:\n\n```yaml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    path = tmp_path / "models.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    configs = {c.id: c for c in load_models_file(path)}
    assert configs["my-gguf"].options == {"n_ctx": 4096, "n_threads": 2}
    assert configs["my-gguf"].params == {"n_ctx": 4096, "n_threads": 2}
    assert configs["gpt-4o-mini"].concurrency == 4


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("    params: {max_attempts: lots}\n",
         r"m\.yaml:5: models\.0\.params\.max_attempts: Input should be a valid integer"),
        ("    params: {placement: moon}\n",
         r"m\.yaml:5: models\.0\.params\.placement: Input should be 'driver' or 'worker'"),
        ("    paramz: {top_p: 0.5}\n", r"m\.yaml:5: models\.0\.paramz: unknown key"),
        ("    retry: {max_attempt: 2}\n", r"m\.yaml:5: models\.0\.retry\.max_attempt: unknown key"),
    ],
)
def test_bad_settings_name_the_file_and_the_key_as_written(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("models:\n  - id: a\n    backend: openai\n    model: m\n" + entry,
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_models_file(path)


def test_sections_can_be_written_directly() -> None:
    config = ModelConfig.model_validate(
        {"id": "m", "backend": "anthropic", "generation": {"top_k": 5}, "retry": {"max_attempts": 2},
         "params": {"send_temperature": False}}
    )
    assert config.params == {"top_k": 5, "max_attempts": 2, "send_temperature": False}


def test_a_copy_with_params_replaces_the_settings() -> None:
    config = ModelConfig(id="m", backend="llama_cpp", model="x", params={"seed": 4, "n_ctx": 512})
    copy = config.model_copy(update={"params": {"n_threads": 3}, "concurrency": 2})
    assert copy.params == {"n_threads": 3}
    assert copy.generation.seed is None
    assert copy.concurrency == 2
    assert config.params == {"seed": 4, "n_ctx": 512}


@pytest.mark.parametrize(
    ("backend", "params", "message"),
    [
        ("openai", {"stream": "yes"}, r"model 'b': params\.stream: Input should be a valid boolean"),
        ("openai", {"max_tokens_field": "limit"},
         r"params\.max_tokens_field: Input should be 'max_tokens' or 'max_completion_tokens'"),
        ("anthropic", {"send_temperature": 0}, r"params\.send_temperature: Input should be a valid"),
    ],
)
def test_a_backend_types_its_own_options(
    backend: str, params: dict[str, object], message: str
) -> None:
    config = ModelConfig(id="b", backend=backend, model="m", base_url="http://127.0.0.1:9/v1",
                         params=params)
    with pytest.raises(ModelSpecError, match=message):
        build_model(config)


def test_typed_options_are_what_the_backend_uses() -> None:
    from single_shot_eval.models.openai_compatible import OpenAICompatibleModel

    config = ModelConfig(id="b", backend="openai", model="m", base_url="http://127.0.0.1:9/v1",
                         params={"stream": True, "max_tokens_field": "max_completion_tokens",
                                 "extra_body": {"k": 1}, "top_p": 1})
    model = build_model(config)
    assert isinstance(model, OpenAICompatibleModel)
    assert (model.stream, model.max_tokens_field, model.extra_body, model.top_p) == (
        True, "max_completion_tokens", {"k": 1}, 1.0
    )


def test_the_llama_cpp_backend_types_its_options(tmp_path: Path) -> None:
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF" + bytes(16))
    config = ModelConfig(id="b", backend="llama_cpp", model=str(gguf),
                         params={"n_ctx": "big", "n_threads": 1})
    with pytest.raises(ModelSpecError, match=r"model 'b': params\.n_ctx: Input should be a valid"):
        build_model(config)
