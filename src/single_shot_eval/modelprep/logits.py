"""Measuring how far a converted model's next-token distribution is from its reference's:
KL divergence, top-k agreement and logit cosine per prompt position (`modelprep.quality`
applies the thresholds)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import rel_entr, softmax

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.modelprep.gguf import read_gguf_header
from single_shot_eval.models.quality_gate import QualityGateError

DEFAULT_TOP_K = 10
DEFAULT_N_CTX = 512
FloatArray = npt.NDArray[np.float64]




@dataclass(frozen=True)
class ValidationPrompt:
    """One text fed to both models."""

    id: str
    text: str



# --- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionMetrics:
    """Per-position figures of one prompt (arrays of equal length)."""

    kl: FloatArray
    top_k_overlap: FloatArray
    top1_match: FloatArray
    cosine: FloatArray


def compare_logits(reference: FloatArray, candidate: FloatArray, top_k: int) -> PositionMetrics:
    """Compare two (positions x vocabulary) logit matrices position by position."""
    if reference.shape != candidate.shape or reference.ndim != 2:
        raise ValueError(f"logit shapes differ: {reference.shape} vs {candidate.shape}")
    ref = reference.astype(np.float64, copy=False)
    cand = candidate.astype(np.float64, copy=False)
    # KL(P || Q) = sum p log(p / q); the clamp removes rounding below zero for equal rows.
    divergence = rel_entr(softmax(ref, axis=1), softmax(cand, axis=1)).sum(axis=1)
    kl: FloatArray = np.maximum(divergence, 0.0)
    k = min(top_k, ref.shape[1])
    top_ref = np.argpartition(-ref, k - 1, axis=1)[:, :k]
    top_cand = np.argpartition(-cand, k - 1, axis=1)[:, :k]
    overlap = (top_ref[:, :, None] == top_cand[:, None, :]).any(axis=2).sum(axis=1) / k
    top1 = (ref.argmax(axis=1) == cand.argmax(axis=1)).astype(np.float64)
    norms = np.linalg.norm(ref, axis=1) * np.linalg.norm(cand, axis=1)
    cosine = (ref * cand).sum(axis=1) / np.where(norms == 0, 1.0, norms)
    return PositionMetrics(kl, overlap.astype(np.float64), top1, cosine)


@dataclass(frozen=True)
class PromptFigures:
    """Summary figures of one validation prompt."""

    prompt_id: str
    tokens: int
    mean_kl: float
    max_kl: float
    top_k_agreement: float


@dataclass(frozen=True)
class LogitComparison:
    """Figures over all positions of all validation prompts."""

    prompts: int
    positions: int
    top_k: int
    mean_kl: float
    max_kl: float
    max_kl_prompt: str
    top_k_agreement: float
    top1_agreement: float
    mean_cosine: float
    min_cosine: float
    per_prompt: tuple[PromptFigures, ...] = ()


def summarize(
    metrics: Sequence[tuple[str, PositionMetrics]], top_k: int
) -> LogitComparison:
    """Pool per-position figures of every prompt into one comparison."""
    if not metrics:
        raise ValueError("no prompt was compared")
    kl = np.concatenate([m.kl for _, m in metrics])
    overlap = np.concatenate([m.top_k_overlap for _, m in metrics])
    top1 = np.concatenate([m.top1_match for _, m in metrics])
    cosine = np.concatenate([m.cosine for _, m in metrics])
    per_prompt = tuple(
        PromptFigures(
            prompt_id=pid,
            tokens=len(m.kl),
            mean_kl=float(m.kl.mean()),
            max_kl=float(m.kl.max()),
            top_k_agreement=float(m.top_k_overlap.mean()),
        )
        for pid, m in metrics
    )
    worst = max(per_prompt, key=lambda p: p.max_kl)
    return LogitComparison(
        prompts=len(metrics),
        positions=len(kl),
        top_k=top_k,
        mean_kl=float(kl.mean()),
        max_kl=float(kl.max()),
        max_kl_prompt=worst.prompt_id,
        top_k_agreement=float(overlap.mean()),
        top1_agreement=float(top1.mean()),
        mean_cosine=float(cosine.mean()),
        min_cosine=float(cosine.min()),
        per_prompt=per_prompt,
    )


def default_threads() -> int:
    """Half the usable cores: llama.cpp's threads spin while they wait for each other, and with
    every core busy (a shared machine, the verifier's rustc jobs) prompt evaluation on all cores
    ran seven times slower than on one in our measurements."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


class LogitSource:
    """A GGUF model loaded with logits for every position (`logits_all=True`)."""

    def __init__(self, path: Path, *, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelSpecError(
                "the quality gate needs llama-cpp-python: pip install 'single-shot-eval[local]'"
            ) from None
        read_gguf_header(path)  # a clear error before llama.cpp sees a broken file
        self.path = path
        threads = n_threads if n_threads is not None else default_threads()
        self.n_ctx = n_ctx
        try:
            self.llama: Any = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_batch=n_ctx,
                logits_all=True,
                n_threads=threads,
                n_threads_batch=threads,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelSpecError(f"{path}: llama.cpp cannot load this model: {exc}") from None

    @property
    def n_vocab(self) -> int:
        return int(self.llama.n_vocab())

    def tokenize(self, text: str) -> list[int]:
        tokens = list(self.llama.tokenize(text.encode("utf-8"), add_bos=True))
        return tokens[: self.n_ctx]

    def logits(self, tokens: Sequence[int]) -> FloatArray:
        """Logits (positions x vocabulary) after each token of `tokens`."""
        self.llama.reset()
        self.llama.eval(list(tokens))
        return np.array(self.llama.scores[: len(tokens)], dtype=np.float64)

    def close(self) -> None:
        close = getattr(self.llama, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> LogitSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def compare_models(
    reference: LogitSource,
    candidates: Sequence[LogitSource],
    prompts: Iterable[ValidationPrompt],
    *,
    top_k: int = DEFAULT_TOP_K,
) -> list[LogitComparison]:
    """Feed every prompt (tokenized by the reference) to the reference once and to each
    candidate, and pool the figures per candidate."""
    for candidate in candidates:
        if reference.n_vocab != candidate.n_vocab:
            raise QualityGateError(
                f"{candidate.path}: vocabulary of {candidate.n_vocab} tokens differs from the "
                f"reference's {reference.n_vocab}; the models cannot be compared",
                gate="vocabulary",
                measured=candidate.n_vocab,
                limit=reference.n_vocab,
            )
    metrics: list[list[tuple[str, PositionMetrics]]] = [[] for _ in candidates]
    for prompt in prompts:
        tokens = reference.tokenize(prompt.text)
        expected = reference.logits(tokens)
        for per_candidate, candidate in zip(metrics, candidates, strict=True):
            per_candidate.append(
                (prompt.id, compare_logits(expected, candidate.logits(tokens), top_k))
            )
    return [summarize(m, top_k) for m in metrics]
