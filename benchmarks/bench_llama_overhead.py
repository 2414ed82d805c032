"""Benchmark: harness overhead per call of the `llama_cpp` backend against llama-cpp-python.

Run: ``.venv/bin/python benchmarks/bench_llama_overhead.py [--cycles N] [--max-tokens N]``.

Both sides use the same loaded `Llama` object (the backend's own), the same prompts and the same
sampling arguments (temperature 0, top_p 1, seed 0), so the only difference is the backend's
work around `create_chat_completion`: building the messages, timing, pricing, the `Completion`.
Calls are interleaved: each cycle visits the six (caller, prompt) pairs of 2 callers x 3
prompts in an order where callers alternate and every call follows a different prompt
(llama.cpp reuses the key-value cache of a shared prompt prefix, which would otherwise favour
whoever goes second). Prints total and median per-call times of each side, the per-call
overhead in milliseconds and the ratio backend / direct (target <= 1.05), and checks that both
sides produced identical text. Because generation time swings with the load of a shared
machine far more than the harness costs, it also prints the harness-only time of each backend
call: its wall time minus the llama call the backend timed itself, i.e. exactly the work the
backend adds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.llama_cpp import LlamaCppModel
from single_shot_eval.models.registry import ModelConfig

SYSTEM = "You translate Python to Rust. Answer with one ```rust code block."
SOURCES = (
    "print(sum(range(10)))",
    "for word in ['a', 'b']:\n    print(word.upper())",
    "x = {1: 2}\nprint(x.get(3, 'none'))",
)


def requests(max_tokens: int) -> list[GenerationRequest]:
    return [
        GenerationRequest(
            messages=(
                Message("system", SYSTEM),
                Message("user", f"Convert to Rust:\n```python\n{source}\n```"),
            ),
            temperature=0.0, max_tokens=max_tokens, seed=0,
        )
        for source in SOURCES
    ]


def call_direct(llama: Any, request: GenerationRequest) -> str:
    """The same call the backend makes, without the backend (a fresh state per request too)."""
    llama.reset()
    response = llama.create_chat_completion(
        messages=[{"role": m.role, "content": m.content} for m in request.messages],
        temperature=request.temperature,
        top_p=1.0,
        max_tokens=request.max_tokens,
        seed=request.seed,
        logits_processor=None,
    )
    return str(response["choices"][0]["message"]["content"] or "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10, help="interleaved cycles (6 calls each)")
    parser.add_argument("--max-tokens", type=int, default=16, help="tokens generated per call")
    args = parser.parse_args()

    model = LlamaCppModel(ModelConfig(id="smollm2-135m", backend="llama_cpp", model="smollm2"))
    llama = model.llama
    prompts = requests(args.max_tokens)
    for request in prompts:  # warm-up, unrecorded
        model.generate(request)
    times: dict[str, list[float]] = {"direct": [], "backend": []}
    harness_only: list[float] = []  # wall time of generate() minus its timed llama call
    texts: dict[tuple[str, int], set[str]] = {}
    step = 0
    for _ in range(args.cycles):
        for _ in range(2 * len(prompts)):
            caller = ("direct", "backend")[step % 2]
            index = step % len(prompts)
            request = prompts[index]
            started = time.perf_counter()
            if caller == "direct":
                text = call_direct(llama, request)
            else:
                completion = model.generate(request)
                text = completion.text
            elapsed = time.perf_counter() - started
            times[caller].append(elapsed)
            if caller == "backend":
                harness_only.append(elapsed - completion.latency_s)
            texts.setdefault((caller, index), set()).add(text)
            step += 1

    direct, backend = times["direct"], times["backend"]
    identical = all(
        texts[("direct", i)] == texts[("backend", i)] and len(texts[("direct", i)]) == 1
        for i in range(len(prompts))
    )
    print(f"llama_cpp backend overhead: SmolLM2-135M, {model.n_threads} thread(s), "
          f"{args.max_tokens} tokens per call, {len(direct)} calls per side, interleaved")
    print(f"{'':>8} {'total s':>9} {'mean ms':>9} {'median ms':>10}")
    for name, values in (("direct", direct), ("backend", backend)):
        print(f"{name:>8} {sum(values):>9.3f} {1e3 * statistics.fmean(values):>9.2f} "
              f"{1e3 * statistics.median(values):>10.2f}")
    overhead_ms = 1e3 * (statistics.fmean(backend) - statistics.fmean(direct))
    ratio = sum(backend) / sum(direct)
    median_ratio = statistics.median(backend) / statistics.median(direct)
    print(f"overhead per call, backend mean - direct mean: {overhead_ms:+.2f} ms "
          "(dominated by generation-time noise on a shared machine)")
    harness_us = 1e6 * statistics.median(harness_only)
    print(f"harness-only time per call (generate() wall time minus its timed llama call): "
          f"median {harness_us:.1f} us, max {1e6 * max(harness_only):.1f} us; "
          f"as a ratio: {1 + statistics.median(harness_only) / statistics.median(direct):.5f}")
    print(f"ratio backend/direct: {ratio:.3f} (totals), {median_ratio:.3f} (medians); "
          f"target <= 1.05: {'met' if ratio <= 1.05 else 'NOT met'}")
    print(f"identical text from both sides: {'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
