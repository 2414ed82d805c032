"""Benchmark: output tokens/s of the evaluate path vs a direct llama-cpp-python loop.

Run: ``.venv/bin/python benchmarks/bench_generation_throughput.py [--model smollm2-135m]
[--examples 3] [--cycles 2] [--max-tokens 64]``.

The evaluate path is what `single-shot-eval evaluate` runs for a local model: the built-in
model config (its `prompt_style`), its automatically chosen thread count, the bundled task's
prompts for the first N bundled examples and its inference settings (temperature 0, the
stop-after-code-block and repetition logits processors), through `LlamaCppModel.generate`.
The direct loop loads the same GGUF with the thread count that generated fastest in a probe of
every count from 1 to the usable CPUs (run first, on the first prompt) and calls
`create_chat_completion` (or `create_completion` for a completion-style model) on the same
prompts with the same sampling and no processors. Calls alternate between the two sides, so
load changes on a shared machine hit both. Prints each side's output tokens / generation
seconds and the ratio evaluate / direct (target >= 0.9). `--max-tokens` is kept below the
length of a translation so that both sides generate the same number of tokens (the evaluate
path would otherwise stop at the end of the code block and pay its prompt for fewer tokens);
the token counts are printed so that this can be checked.

With ``--draft prompt_lookup|model [--draft-ngram N] [--draft-tokens K] [--draft-model M]
[--batch-invariant] [--threads T]`` it compares decoding modes instead: the evaluate path with
plain decoding at its default settings, with plain decoding at the draft side's settings (with
``--batch-invariant``), and with that draft decoding (`models.draft`), all at T threads
(default: the usable CPUs), on the same prompts (the first N bundled examples of ``--kind``,
default functions), in rotating order, whole answers (the task's answer budget, unless
``--max-tokens``). Prints output tokens/s and wall time per answer of each side, the speed-ups,
and how many answers differ from plain decoding at the same settings (a mode that keeps the
text differs on 0) and from the default. First it measures how far each plain side's logits
depend on batching (`models.draft.batch_invariance_gap`) and what a batch costs: the time to
evaluate k+1 tokens in one batch over the time of one token's step, at the draft side's
settings, and so the most any k-token draft can gain, (k+1) / cost, if every proposal is
accepted and proposing were free.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.config import load_tasks
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.models.base import COMPLETION_ROLE, GenerationRequest
from single_shot_eval.models.draft import batch_invariance_gap
from single_shot_eval.models.llama_cpp import LlamaCppModel
from single_shot_eval.models.registry import BUILTIN_MODELS
from single_shot_eval.run.prompt import render_messages

PROBE_TOKENS = 32


def evaluate_requests(model_id: str, examples: int, max_tokens: int) -> list[GenerationRequest]:
    """The requests the evaluate path builds for the first `examples` bundled examples."""
    task = load_tasks(None)[0]
    config = BUILTIN_MODELS[model_id]
    inference = task.inference
    return [
        GenerationRequest(
            messages=render_messages(task, example, prompt_style=config.prompt_style),
            temperature=inference.temperature,
            max_tokens=max_tokens,
            seed=inference.seed,
            example_id=example.id,
            python_source=example.python_source,
            stop_after_code_block=inference.stop_after_code_block,
            stop_on_repetition=inference.stop_on_repetition,
        )
        for example in load_corpus().examples[:examples]
    ]


def direct_call(llama: Any, request: GenerationRequest) -> tuple[int, float]:
    """(output tokens, seconds) of one plain llama-cpp-python call."""
    sampling: dict[str, Any] = {
        "temperature": request.temperature, "top_p": 1.0, "max_tokens": request.max_tokens,
        "seed": request.seed,
    }
    started = time.perf_counter()
    if request.messages[0].role == COMPLETION_ROLE:
        response = llama.create_completion(prompt=request.messages[0].content, **sampling)
    else:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        response = llama.create_chat_completion(messages=messages, **sampling)
    elapsed = time.perf_counter() - started
    return int(response["usage"]["completion_tokens"]), elapsed


def best_thread_count(path: Path, request: GenerationRequest, n_ctx: int) -> tuple[int, Any]:
    """The thread count whose direct generation was fastest, and its loaded `Llama`."""
    from llama_cpp import Llama

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    probe = GenerationRequest(
        messages=request.messages, temperature=0.0, max_tokens=PROBE_TOKENS, seed=0
    )
    best: tuple[float, int, Any] | None = None
    for threads in range(1, usable + 1):
        llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads,
                      n_threads_batch=threads, seed=0, verbose=False)
        direct_call(llama, probe)  # warm-up
        tokens, seconds = direct_call(llama, probe)
        rate = tokens / seconds
        print(f"  probe: {threads} thread(s): {rate:.1f} output tokens/s")
        if best is None or rate > best[0]:
            best = (rate, threads, llama)
    assert best is not None
    return best[1], best[2]


def batch_costs(model: LlamaCppModel, prompt_tokens: int = 400, steps: int = 24) -> None:
    """Print the cost of a batch of k+1 tokens in one-token steps, and (k+1) / cost."""
    llama = model.llama
    text = (Path(__file__).resolve().parents[1] / "README.md").read_bytes()
    tokens = llama.tokenize(text)[: prompt_tokens + steps]
    prompt, follow = tokens[:prompt_tokens], tokens[prompt_tokens:]
    llama.reset()
    llama.eval(prompt)

    def timed(batches: list[list[int]]) -> float:
        llama.n_tokens = prompt_tokens
        llama._ctx.kv_cache_seq_rm(-1, prompt_tokens, -1)
        started = time.perf_counter()
        for batch in batches:
            llama.eval(batch)
        return time.perf_counter() - started

    step_s = min(timed([[t] for t in follow]) for _ in range(3)) / len(follow)
    costs = {size: min(timed([follow[:size]]) for _ in range(5)) / step_s for size in range(2, 9)}
    llama.reset()
    print(f"  one-token step {step_s * 1000:.1f} ms; batch of k+1 tokens in steps: "
          + ", ".join(f"k={size - 1}: {cost:.2f}" for size, cost in costs.items()))
    print("  most a k-token draft can gain (every proposal accepted, free proposals): "
          + ", ".join(f"k={size - 1}: {size / cost:.2f}x" for size, cost in costs.items()))


def compare_draft(args: argparse.Namespace) -> None:
    """Plain vs draft decoding through `LlamaCppModel.generate`, in rotating order."""
    base = BUILTIN_MODELS[args.model]
    threads = args.threads or (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    )
    common = {**base.params, "n_threads": threads}
    exact = {"batch_invariant": True} if args.batch_invariant else {}
    draft = {"draft": args.draft, "draft_ngram": args.draft_ngram,
             "draft_tokens": args.draft_tokens, **exact}
    if args.draft == "model":
        draft["draft_model"] = args.draft_model
    sides = {"plain": LlamaCppModel(base.with_params(common))}
    if exact:
        sides["plain, batch-invariant"] = LlamaCppModel(base.with_params({**common, **exact}))
    sides[args.draft] = LlamaCppModel(base.with_params({**common, **draft}))
    same = "plain, batch-invariant" if exact else "plain"
    task = load_tasks(None)[0]
    examples = [e for e in load_corpus().examples if e.kind.value == args.kind][: args.examples]
    requests = [
        GenerationRequest(
            messages=render_messages(task, example, prompt_style=base.prompt_style),
            temperature=0.0,
            max_tokens=args.max_tokens or task.inference.max_tokens_for(example.python_source),
            seed=task.inference.seed,
            example_id=example.id,
            python_source=example.python_source,
            stop_after_code_block=task.inference.stop_after_code_block,
            stop_on_repetition=task.inference.stop_on_repetition,
        )
        for example in examples
    ]
    print(f"{args.model}: {threads} thread(s), {len(requests)} prompts, "
          f"{sides[args.draft].draft.describe()}{' (batch-invariant)' if exact else ''} vs plain")
    for model in sides.values():
        model.generate(replace(requests[0], max_tokens=8))  # load, unrecorded
    gaps = {name: batch_invariance_gap(sides[name].llama) for name in sides if name != args.draft}
    print("  largest logit difference, one token at a time vs batched: "
          + ", ".join(f"{name} {gap:.3g}" for name, gap in gaps.items()))
    batch_costs(sides[same])
    totals: dict[str, list[float]] = {name: [0, 0.0] for name in sides}
    differing: dict[str, list[str]] = {name: [] for name in sides}
    for step, request in enumerate(requests):
        names = list(sides)
        names = names[step % len(names):] + names[: step % len(names)]
        texts = {}
        for name in names:
            completion = sides[name].generate(request)
            totals[name][0] += completion.output_tokens
            totals[name][1] += completion.latency_s
            texts[name] = completion.text
        for name in sides:
            if texts[name] != texts[args.draft]:
                differing[name].append(request.example_id or "?")
        print(f"  {request.example_id}: "
              + ", ".join(f"{n} {texts[n].count(chr(10))} lines" for n in sides), flush=True)
    rates = {name: tokens / seconds for name, (tokens, seconds) in totals.items()}
    for name, (tokens, seconds) in totals.items():
        print(f"{name:>22}: {tokens} output tokens in {seconds:.1f} s = {rates[name]:.2f} "
              f"tokens/s, {seconds / len(requests):.2f} s per answer")
    for name in sides:
        if name == args.draft:
            continue
        found = differing[name]
        print(f"speed-up {args.draft} / {name}: {rates[args.draft] / rates[name]:.3f}x output "
              f"tokens/s; answers differing: {len(found)} of {len(requests)}"
              + (f" ({', '.join(found)})" if found else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m",
                        choices=[k for k, c in BUILTIN_MODELS.items() if c.backend == "llama_cpp"])
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="default: 64; with --draft, the task's answer budget")
    parser.add_argument("--draft", choices=["prompt_lookup", "model"], default=None,
                        help="compare this draft decoding with plain decoding instead")
    parser.add_argument("--draft-model", default="qwen2.5-coder-0.5b",
                        help="with --draft model: the draft GGUF (alias or path)")
    parser.add_argument("--batch-invariant", action="store_true",
                        help="load the draft side with params.batch_invariant")
    parser.add_argument("--draft-ngram", type=int, default=3)
    parser.add_argument("--draft-tokens", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--kind", choices=["function", "program"], default="function",
                        help="with --draft: the bundled examples of this kind (the demo's)")
    args = parser.parse_args()
    if args.draft is not None:
        compare_draft(args)
        return
    args.max_tokens = args.max_tokens or 64

    model = LlamaCppModel(BUILTIN_MODELS[args.model])
    prompts = evaluate_requests(args.model, args.examples, args.max_tokens)
    print(f"{args.model}: evaluate path chose n_threads {model.thread_choice.describe()}")
    direct_threads, llama = best_thread_count(model.path, prompts[0], model.n_ctx)
    print(f"direct loop: best thread count {direct_threads}")
    model.generate(prompts[0])  # warm-up (loads the model), unrecorded
    totals: dict[str, list[float]] = {"evaluate": [0, 0.0], "direct": [0, 0.0]}
    step = 0
    for _ in range(args.cycles):
        for request in prompts:
            for side in (("evaluate", "direct") if step % 2 == 0 else ("direct", "evaluate")):
                if side == "direct":
                    tokens, seconds = direct_call(llama, request)
                else:
                    completion = model.generate(request)
                    tokens, seconds = completion.output_tokens, completion.latency_s
                totals[side][0] += tokens
                totals[side][1] += seconds
            step += 1
    rates = {side: count / spent for side, (count, spent) in totals.items()}
    for side, (count, spent) in totals.items():
        print(f"{side:>8}: {count:.0f} output tokens in {spent:.2f} s = {rates[side]:.1f} tokens/s")
    ratio = rates["evaluate"] / rates["direct"]
    print(f"ratio evaluate / direct (best threads): {ratio:.3f}x; target >= 0.9: "
          f"{'met' if ratio >= 0.9 else 'NOT met'}")


if __name__ == "__main__":
    main()
