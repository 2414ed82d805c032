"""Model configuration, spec resolution and the backend registry.

A backend is one module in this package that decorates a factory with `@backend("name")`;
`build_model` imports every module of the package once, so adding a backend is adding a file.
"""

from __future__ import annotations

import glob
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from single_shot_eval.errors import ConfigError, ModelSpecError
from single_shot_eval.models.base import Model
from single_shot_eval.models.packaged_gguf import packaged_models
from single_shot_eval.models.settings import (
    GenerationSettings,
    RetrySettings,
    SchedulingSettings,
    joined_params,
    split_params,
)


class Price(BaseModel):
    """Dollar price of a model: per million tokens for APIs, per hour of hardware for local runs."""

    model_config = ConfigDict(extra="forbid")

    input_usd_per_mtok: float | None = Field(default=None, ge=0)
    output_usd_per_mtok: float | None = Field(default=None, ge=0)
    hardware_usd_per_hour: float | None = Field(default=None, ge=0)


class ModelConfig(BaseModel):
    """One model to evaluate: a stable id, the backend that runs it, and its settings in typed
    sections (`models.settings`): sampling (`generation`), `retry`, `scheduling` and the
    backend's own `options`.

    Written as one flat `params` mapping in a models YAML (and accepted so here:
    `ModelConfig(params={...})`); `params` reads the sections back as that mapping, which is also
    what `model_dump` writes, so stored provenance keeps its shape.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    backend: str = Field(min_length=1)
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    command: list[str] | None = None
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    scheduling: SchedulingSettings = Field(default_factory=SchedulingSettings)
    options: dict[str, Any] = Field(default_factory=dict)
    price: Price | None = None
    concurrency: int = Field(default=1, ge=1)
    cache: bool | None = None
    # chat: the task's system and user messages. completion: one few-shot prompt to continue,
    # for base models without a chat template (see run/prompt.py).
    prompt_style: Literal["chat", "completion"] = "chat"
    # Load the model even if its recorded quality gate failed (`--allow-failed-quality-gate`;
    # see `models.quality_gate`). A run setting, not the model's identity: never dumped.
    allow_failed_quality_gate: bool = False

    @model_validator(mode="before")
    @classmethod
    def _sections_from_params(cls, data: Any) -> Any:
        """Sort a flat `params` mapping into the typed sections."""
        if not isinstance(data, dict) or "params" not in data:
            return data
        data = dict(data)
        params = data.pop("params")
        if not isinstance(params, dict):
            raise ValueError("params must be a mapping")
        for name, values in split_params(params).items():
            if values:
                existing = data.get(name) or {}
                if not isinstance(existing, dict):
                    existing = existing.model_dump(exclude_unset=True)
                data[name] = {**existing, **values}
        return data

    @model_serializer(mode="wrap")
    def _params_as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # In the place `params` had among the fields, so a dump reads as it always did.
        dumped: dict[str, Any] = {}
        for key, value in handler(self).items():
            if key == "generation":
                dumped["params"] = self.params
            elif key not in ("retry", "scheduling", "options", "allow_failed_quality_gate"):
                dumped[key] = value
        return dumped

    @property
    def params(self) -> dict[str, Any]:
        """Every explicitly set setting as the flat mapping a models YAML writes."""
        return joined_params(self.generation, self.retry, self.scheduling, self.options)

    def with_params(self, params: dict[str, Any]) -> ModelConfig:
        """This config with its settings replaced by the flat mapping `params`."""
        return ModelConfig.model_validate({**self.model_dump(), "params": params})

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> ModelConfig:
        """As pydantic's, and `update={"params": {...}}` replaces the settings (validated)
        rather than setting an attribute nothing reads."""
        if update is None or "params" not in update:
            return super().model_copy(update=update, deep=deep)
        rest = {key: value for key, value in update.items() if key != "params"}
        return self.with_params(dict(update["params"])).model_copy(update=rest, deep=deep)


BackendFactory = Callable[[ModelConfig], Model]
Preflight = Callable[[ModelConfig], None]
_BACKENDS: dict[str, BackendFactory] = {}
_PREFLIGHTS: dict[str, Preflight] = {}
_LOADED = False


def backend(
    name: str, *, preflight: Preflight | None = None
) -> Callable[[BackendFactory], BackendFactory]:
    """Register a factory that builds a `Model` from a `ModelConfig` whose backend is `name`.

    `preflight` is a cheap check of a config the factory would also refuse (e.g. a failed
    quality gate), run by `check_model_configs` before an evaluation starts any work."""

    def register(factory: BackendFactory) -> BackendFactory:
        _BACKENDS[name] = factory
        if preflight is not None:
            _PREFLIGHTS[name] = preflight
        return factory

    return register


def check_model_configs(configs: Iterable[ModelConfig]) -> None:
    """Each config's backend preflight (raises its `UserError`), so an evaluation refuses a
    model before it creates a store or verifies a control, not when the model is loaded."""
    _load_backends()
    for config in configs:
        check = _PREFLIGHTS.get(config.backend)
        if check is not None:
            check(config)


def _load_backends() -> None:
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("single_shot_eval.models")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in {"base", "registry"}:
            importlib.import_module(f"single_shot_eval.models.{info.name}")
    _LOADED = True


def available_backends() -> list[str]:
    _load_backends()
    return sorted({*_BACKENDS, KNOWN_ANSWERS_BACKEND})


def build_model(config: ModelConfig) -> Model:
    """Instantiate the backend named by `config.backend`."""
    _load_backends()
    if config.backend == KNOWN_ANSWERS_BACKEND:
        raise ModelSpecError(
            f"model {config.id!r}: backend {KNOWN_ANSWERS_BACKEND!r} answers with the corpus's "
            "own translations; the evaluation serves it (run/sources.py), no model is built"
        )
    factory = _BACKENDS.get(config.backend)
    if factory is None:
        raise ModelSpecError(
            f"model {config.id!r}: unknown backend {config.backend!r} "
            f"(known: {', '.join(available_backends())})"
        )
    return factory(config)


# The backend of the harness controls `reference` and `mutant` (`params.field` picks
# `reference_rust` or `mutant_rust`): each example's own translation, not a `Model`; the
# evaluation answers with it directly (`run/sources.KnownAnswers`).
KNOWN_ANSWERS_BACKEND = "reference"

BUILTIN_MODELS: dict[str, ModelConfig] = {
    "reference": ModelConfig(id="reference", backend="reference"),
    "smollm2-135m": ModelConfig(id="smollm2-135m", backend="llama_cpp", model="smollm2"),
    "gemma3-270m": ModelConfig(
        id="gemma3-270m", backend="llama_cpp", model="gemma3-270m", prompt_style="completion"
    ),
    # chat models assembled from chunk packages (data/packaged_models.yaml)
    **{
        alias: ModelConfig(id=alias, backend="llama_cpp", model=alias)
        for alias in packaged_models()
    },
    "mutant": ModelConfig(id="mutant", backend="reference", options={"field": "mutant_rust"}),
}


# Bare `--models` names that backends register for their presets (`claude`, `depyler`, ...).
PRESET_MODELS: dict[str, ModelConfig] = {}


def register_preset_model(config: ModelConfig) -> None:
    """Make `config.id` resolvable as a bare `--models` name. Built-in names take precedence."""
    PRESET_MODELS.setdefault(config.id, config)


def load_models_file(path: Path) -> list[ModelConfig]:
    """Read a models YAML: `models: [{id, backend, ...}, ...]`."""
    from single_shot_eval.config import parse_yaml_document, validation_error

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read models file: {exc}") from None
    data, node = parse_yaml_document(path, text)
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ConfigError(path, "expected a mapping with a 'models' list", key="models", line=1)
    try:
        return _ModelsFile.model_validate(data).models
    except ValidationError as exc:
        raise validation_error(path, exc, node, _as_written(data)) from None


def _as_written(data: dict[str, Any]) -> Callable[[tuple[str | int, ...]], tuple[str | int, ...]]:
    """Locations in a settings section as the flat `params` key the file wrote."""

    def locate(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
        if len(loc) < 4 or loc[0] != "models" or not isinstance(loc[1], int):
            return loc
        written = data["models"][loc[1]] if loc[1] < len(data["models"]) else None
        params = written.get("params") if isinstance(written, dict) else None
        if loc[2] in ("generation", "retry", "scheduling", "options") and isinstance(
            params, dict
        ) and loc[3] in params:
            return (*loc[:2], "params", *loc[3:])
        return loc

    return locate


class _ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    models: list[ModelConfig]


def resolve_model_specs(specs: str) -> list[ModelConfig]:
    """Turn `--models` into configs: names, `backend:model`, GGUF globs, models YAML files."""
    configs: list[ModelConfig] = []
    for raw in (s.strip() for s in specs.split(",")):
        if not raw:
            continue
        configs.extend(_resolve_one(raw))
    if not configs:
        raise ModelSpecError("--models: no model given")
    ids = [c.id for c in configs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ModelSpecError(f"--models: model id {dupes[0]!r} given more than once")
    return configs


def _resolve_one(spec: str) -> list[ModelConfig]:
    if spec in BUILTIN_MODELS:
        return [BUILTIN_MODELS[spec].model_copy()]
    _load_backends()  # backends register their presets and backend names
    if spec in PRESET_MODELS:
        return [PRESET_MODELS[spec].model_copy()]
    if spec.endswith((".yaml", ".yml")):
        path = Path(spec)
        if not path.is_file():
            raise ModelSpecError(f"--models: models file {spec!r} does not exist")
        return load_models_file(path)
    if spec.endswith(".apr"):
        raise ModelSpecError(
            f"--models {spec!r}: .apr is the original single-shot-eval's own model format "
            "(Aprender), which this tool cannot run; supported: *.gguf files or globs "
            "(llama.cpp), a models YAML, backend:model, or a built-in or preset name"
        )
    if spec.endswith(".gguf") or "*" in spec:
        paths = sorted(glob.glob(spec))
        if not paths:
            raise ModelSpecError(f"--models: no file matches {spec!r}")
        return [ModelConfig(id=Path(p).stem, backend="llama_cpp", model=p) for p in paths]
    if ":" in spec:
        name, _, model = spec.partition(":")
        if name in _BACKENDS and model:
            return [ModelConfig(id=spec, backend=name, model=model)]
    raise ModelSpecError(
        f"--models: unknown model spec {spec!r} (use a built-in name such as "
        f"{', '.join(BUILTIN_MODELS)}, a *.gguf path or glob, backend:model, or a models YAML)"
    )
