"""What a backend tells about one generation (`GenerationDetails`) and its answer (`Completion`).

Every backend, the scheduler and the repair loop record side facts next to an answer: which
backend and served model answered, why it stopped, how many attempts it took, what the time to
first token was, which rule priced it, whether it is a harness control's answer, and so on.
`GenerationDetails` gives each of these facts a typed field.

Stores, response caches and `results.json` hold the same facts as one flat JSON object of
strings (the `extra` record: `{"attempts": "1", "streamed": "yes", ...}`), the form every earlier
version wrote. `to_record` and `from_record` convert between the two exactly: a value is read
into its field only when writing it back gives the same string, and any other key or value is
kept verbatim in `other`, so a record from any version loads without loss and is written back
byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ControlRole = Literal["reference", "mutant"]
PromptStyle = Literal["chat", "completion"]
HarnessFailureStage = Literal["generation", "verification"]


class LlamaCppSettings(BaseModel):
    """The effective settings that change an in-process llama.cpp model's arithmetic, and the
    build that computed the answer (the same values the store's `numeric_settings` records)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_ctx: int | None = None
    n_threads: int | None = None
    n_threads_batch: int | None = None
    n_batch: int | None = None
    n_ubatch: int | None = None
    flash_attn: bool | None = None
    type_k: int | None = None
    type_v: int | None = None
    state_per_request: str | None = None
    llama_cpp_python: str | None = None
    llama_cpp_system: str | None = None


class GenerationDetails(BaseModel):
    """Side facts of one generation, and of the sample that stores it. Unset fields are None."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- who answered -------------------------------------------------------------------------
    backend: str | None = None
    served_model: str | None = None
    base_url: str | None = None
    command: str | None = None
    gguf_file: str | None = None
    prompt_style: PromptStyle | None = None
    llama_cpp: LlamaCppSettings | None = None
    # -- how it answered ----------------------------------------------------------------------
    finish_reason: str | None = None
    attempts: int | None = None
    retry_wait_s: float | None = None
    streamed: bool | None = None
    stopped_early: bool | None = None
    time_to_first_token_s: float | None = None
    truncated_after_code_block: bool | None = None
    completion_truncated_from_chars: int | None = None
    repetition_cut_at_char: int | None = None
    exit_status: str | None = None
    prompt_received_intact: bool | None = None
    seed_note: str | None = None
    # -- usage and price ----------------------------------------------------------------------
    token_count_note: str | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cost_basis: str | None = None
    price_source: str | None = None
    # -- harness controls, the scheduler and repair turns -------------------------------------
    answered: bool | None = None
    control: ControlRole | None = None
    verdict_cached: bool | None = None
    repair_turn: int | None = None
    repair_feedback: str | None = None
    harness_failure_stage: HarnessFailureStage | None = None
    # -- keys this version does not know (written by another version), kept verbatim ------------
    other: dict[str, str] = Field(default_factory=dict)

    @field_validator("retry_wait_s")
    @classmethod
    def _to_the_millisecond(cls, value: float | None) -> float | None:
        """Retry waits are recorded to the millisecond; rounding here keeps a stored and
        reloaded value equal to the one the backend recorded."""
        return None if value is None else round(value, 3)

    def to_record(self) -> dict[str, str]:
        """The flat string record stores, caches and `results.json` hold (unset fields left out)."""
        record = dict(self.other)
        for spec in _SPECS:
            if spec.llama_cpp:
                # llama.cpp settings are written whenever set, None included ("None": the
                # library's default), as `numeric_settings` has always recorded them
                if self.llama_cpp is not None and spec.field in self.llama_cpp.model_fields_set:
                    record[spec.key] = spec.write(getattr(self.llama_cpp, spec.field))
            elif (value := getattr(self, spec.field)) is not None:
                record[spec.key] = spec.write(value)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> GenerationDetails:
        """Details from a flat string record, as written by this or any earlier version."""
        fields: dict[str, Any] = {}
        llama_cpp: dict[str, Any] = {}
        other: dict[str, str] = {}
        for key, text in record.items():
            spec = _BY_KEY.get(key)
            read, value = spec.read_exactly(text) if spec is not None else (False, None)
            if spec is None or not read:
                other[key] = text
            else:
                (llama_cpp if spec.llama_cpp else fields)[spec.field] = value
        if llama_cpp:
            fields["llama_cpp"] = LlamaCppSettings(**llama_cpp)
        return cls(**fields, other=other)

    def without_sample_facts(self) -> GenerationDetails:
        """The details of the answer alone: without what the scheduler added when it stored
        the answer as a sample (verdict cache, repair turn, harness failure)."""
        return self.model_copy(update={
            "verdict_cached": None, "repair_turn": None, "repair_feedback": None,
            "harness_failure_stage": None,
        })


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _read_yes_no(text: str) -> bool:
    if text not in ("yes", "no"):
        raise ValueError(text)
    return text == "yes"


def _read_python_bool(text: str) -> bool:
    if text not in ("True", "False"):
        raise ValueError(text)
    return text == "True"


def _read_optional_int(text: str) -> int | None:
    return None if text == "None" else int(text)


def _one_of(*choices: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in choices:
            raise ValueError(text)
        return text

    return read


@dataclass(frozen=True)
class _Spec:
    """How one record key maps to a typed field: its reader and writer."""

    key: str
    field: str
    read: Callable[[str], Any] = str
    write: Callable[[Any], str] = str
    llama_cpp: bool = False

    def read_exactly(self, text: str) -> tuple[bool, Any]:
        """(True, the typed value of `text`), or (False, None) when it does not read or would
        not be written back as the same string (such a value stays in `other`)."""
        try:
            value = self.read(text)
        except (ValueError, TypeError):  # TypeError: not a string at all
            return False, None
        return (True, value) if self.write(value) == text else (False, None)


def _llama(key: str, read: Callable[[str], Any] = str) -> _Spec:
    return _Spec(key, key, read, str, llama_cpp=True)


_SPECS: tuple[_Spec, ...] = (
    _Spec("backend", "backend"),
    _Spec("model", "served_model"),
    _Spec("base_url", "base_url"),
    _Spec("command", "command"),
    _Spec("gguf", "gguf_file"),
    _Spec("prompt_style", "prompt_style", _one_of("chat", "completion")),
    _Spec("finish_reason", "finish_reason"),
    _Spec("attempts", "attempts", int),
    _Spec("retry_wait_s", "retry_wait_s", float, lambda v: f"{v:.3f}"),
    _Spec("streamed", "streamed", _read_yes_no, _yes_no),
    _Spec("stopped_early", "stopped_early", _read_yes_no, _yes_no),
    _Spec("time_to_first_token_s", "time_to_first_token_s", float, repr),
    _Spec("truncated_after_code_block", "truncated_after_code_block", _read_yes_no, _yes_no),
    _Spec("completion_truncated_from_chars", "completion_truncated_from_chars", int),
    _Spec("repetition_cut_at_char", "repetition_cut_at_char", int),
    _Spec("exit_status", "exit_status"),
    _Spec("prompt_received_intact", "prompt_received_intact", _read_yes_no, _yes_no),
    _Spec("seed", "seed_note"),
    _Spec("tokens", "token_count_note"),
    _Spec("cache_creation_input_tokens", "cache_creation_input_tokens", int),
    _Spec("cache_read_input_tokens", "cache_read_input_tokens", int),
    _Spec("cost_basis", "cost_basis"),
    _Spec("price_source", "price_source"),
    _Spec("answered", "answered", _read_yes_no, _yes_no),
    _Spec("control", "control", _one_of("reference", "mutant")),
    _Spec("verdict_cached", "verdict_cached", _read_yes_no, _yes_no),
    _Spec("repair_turn", "repair_turn", int),
    _Spec("repair_feedback", "repair_feedback"),
    _Spec("infrastructure_failure", "harness_failure_stage",
          _one_of("generation", "verification")),
    _llama("n_ctx", int),
    _llama("n_threads", int),
    _llama("n_threads_batch", int),
    _llama("n_batch", int),
    _llama("n_ubatch", int),
    _llama("flash_attn", _read_python_bool),
    _llama("type_k", _read_optional_int),
    _llama("type_v", _read_optional_int),
    _llama("state_per_request"),
    _llama("llama_cpp_python"),
    _llama("llama_cpp_system"),
)
_BY_KEY = {spec.key: spec for spec in _SPECS}


class Completion(BaseModel):
    """A model's answer with measured usage; `tokens_estimated` when the backend gave none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    input_tokens: int
    output_tokens: int
    latency_s: float
    cost_usd: float
    tokens_estimated: bool = False
    details: GenerationDetails = Field(default_factory=GenerationDetails)

    @property
    def time_to_first_token_s(self) -> float | None:
        return self.details.time_to_first_token_s

    @property
    def tokens_per_s(self) -> float:
        return self.output_tokens / self.latency_s if self.latency_s > 0 else 0.0

    def to_json(self) -> str:
        """The response cache's JSON text: the time to first token on its own, every other
        detail as the flat `metadata` record (the layout every earlier version wrote)."""
        details = self.details.model_copy(update={"time_to_first_token_s": None})
        return json.dumps({
            "text": self.text,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "tokens_estimated": self.tokens_estimated,
            "latency_s": self.latency_s,
            "cost_usd": self.cost_usd,
            "time_to_first_token_s": self.time_to_first_token_s,
            "metadata": details.to_record(),
        })

    @classmethod
    def from_json(cls, text: str) -> Completion:
        """A completion from the response cache's JSON text (`to_json`, any version)."""
        data = json.loads(text)
        details = GenerationDetails.from_record(data.pop("metadata", None) or {})
        first_token_s = data.pop("time_to_first_token_s", None)
        if first_token_s is not None:
            details = details.model_copy(update={"time_to_first_token_s": float(first_token_s)})
        return cls(**data, details=details)
