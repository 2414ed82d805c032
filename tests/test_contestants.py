"""The contestants added for a real frontier: py2many (real transpiler), gemma3-270m (real GGUF,
few-shot completion prompt), the completion prompt style, the `{output_dir}` placeholder and
the generation thread choice."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from single_shot_eval.cli.models import collect_listing
from single_shot_eval.config import load_tasks
from single_shot_eval.corpus.loader import Corpus
from single_shot_eval.models.base import (
    COMPLETION_ROLE,
    GenerationDetails,
    GenerationRequest,
    Message,
)
from single_shot_eval.models.command import CommandFailedError, CommandModel
from single_shot_eval.models.llama_cpp import (
    LlamaCppModel,
    choose_n_threads,
    gemma3_270m_gguf_path,
    measure_idle_cpus,
)
from single_shot_eval.models.registry import (
    BUILTIN_MODELS,
    ModelConfig,
    build_model,
    resolve_model_specs,
)
from single_shot_eval.run.prompt import render_messages
from single_shot_eval.verify.extract import extract_rust

# py2many turns the top-level `if` into a top-level Rust `if`, which rustfmt rejects: py2many
# then exits 1 after writing the file.
TOP_LEVEL_IF = "import sys\n\nx = len(sys.argv)\nif x > 1:\n    print('args')\n"
FUNCTION_ONLY = "def double(n: int) -> int:\n    return n * 2\n"


def transpile(source: str) -> tuple[CommandModel, str, GenerationDetails]:
    model = build_model(resolve_model_specs("py2many")[0])
    assert isinstance(model, CommandModel)
    completion = model.generate(
        GenerationRequest(
            messages=(Message("user", "ignored"),), example_id="demo/ex", python_source=source,
            timeout_s=120,
        )
    )
    return model, completion.text, completion.details


@pytest.mark.parametrize(
    ("usable", "idle", "expected"),
    [(2, 1.95, 2), (2, 1.6, 2), (2, 1.1, 1), (2, 0.4, 1), (2, 0.0, 1), (8, 5.6, 6), (1, 1.0, 1)],
)
def test_threads_follow_idle_cpus(usable: int, idle: float, expected: int) -> None:
    choice = choose_n_threads(usable, idle)
    assert choice.n_threads == expected
    assert choice.describe().startswith(f"{expected} ({usable} usable CPUs, {idle:.2f} idle")


def test_idle_cpus_are_measured_within_the_cpu_count() -> None:
    idle, how = measure_idle_cpus([0], interval_s=0.05)
    assert 0.0 <= idle <= 1.0
    assert how in {"idle over 0.05 s"} or how.startswith("load average")
    choice = choose_n_threads()
    assert 1 <= choice.n_threads <= choice.usable_cpus


def test_fixed_threads_win_over_the_measurement() -> None:
    config = BUILTIN_MODELS["smollm2-135m"].model_copy(update={"params": {"n_threads": 3}})
    model = build_model(config)
    assert isinstance(model, LlamaCppModel)
    assert model.n_threads == 3
    assert model.provenance_note == "n_threads 3 (fixed by params.n_threads)"


def test_completion_prompt_is_few_shot_and_ends_in_an_open_fence(
    bundled_corpus: Corpus,
) -> None:
    task = load_tasks(None)[0]
    program = next(e for e in bundled_corpus.examples if e.entry_point is None)
    function = next(e for e in bundled_corpus.examples if e.entry_point)
    for example in (program, function):
        (message,) = render_messages(task, example, prompt_style="completion")
        assert message.role == COMPLETION_ROLE
        assert message.content.endswith("### Rust\n```rust\n")
        assert example.python_source.rstrip("\n") in message.content
        assert message.content.count("### Python") == 3
    (fn_message,) = render_messages(task, function, prompt_style="completion")
    assert f"fn {function.entry_point}(" in fn_message.content
    chat = render_messages(task, program)
    assert [m.role for m in chat] == ["system", "user"]


def test_prompt_style_is_validated() -> None:
    assert BUILTIN_MODELS["gemma3-270m"].prompt_style == "completion"
    assert BUILTIN_MODELS["smollm2-135m"].prompt_style == "chat"
    with pytest.raises(ValidationError):
        ModelConfig(id="x", backend="llama_cpp", prompt_style="instruct")  # type: ignore[arg-type]


def test_gemma_gguf_is_assembled_from_its_package() -> None:
    path = gemma3_270m_gguf_path()
    assert path.name == "gemma-3-270m-q4_k_m.gguf"
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"


def test_new_contestants_are_listed_as_available() -> None:
    listing = collect_listing(gguf_dirs=[])
    by_id = {m.id: m for m in listing.configured}
    assert by_id["gemma3-270m"].available, by_id["gemma3-270m"].detail
    assert by_id["py2many"].available, by_id["py2many"].detail
    assert by_id["py2many"].origin == "preset"


@pytest.mark.slow
def test_gemma_completes_inside_the_rust_fence(bundled_corpus: Corpus) -> None:
    task = load_tasks(None)[0]
    example = next(e for e in bundled_corpus.examples if e.entry_point)
    model = build_model(BUILTIN_MODELS["gemma3-270m"])
    assert isinstance(model, LlamaCppModel)
    request = GenerationRequest(
        messages=render_messages(task, example, prompt_style="completion"),
        max_tokens=24, stop_after_code_block=True, stop_on_repetition=True,
    )
    first = model.generate(request)
    assert first.text.startswith("```rust\n")
    assert first.text.rstrip("\n").endswith("\n```")
    assert 0 < first.output_tokens <= 24
    assert first.input_tokens > 300  # the few-shot prompt, not a chat template
    assert first.details.prompt_style == "completion"
    assert model.generate(request).text == first.text


def test_py2many_answer_is_its_file_even_when_rustfmt_rejects_it() -> None:
    model, text, details = transpile(TOP_LEVEL_IF)
    assert model.deterministic
    assert text.startswith("```rust\n")
    code = extract_rust(text)
    assert code is not None and "> 1 {" in code and 'println!("{}","args")' in code
    assert (details.exit_status or "").startswith("py2many exited with status 1")
    assert details.backend == "py2many"


def test_py2many_clean_output_has_no_exit_status() -> None:
    _, text, details = transpile(FUNCTION_ONLY)
    code = extract_rust(text, "double")
    assert code is not None and "pub fn double(n: i32) -> i32" in code
    assert details.exit_status is None


def test_output_dir_placeholder_reads_the_one_file_written(tmp_path: Path) -> None:
    writer = (
        "import pathlib, sys; out = pathlib.Path(sys.argv[1]); "
        "(out / 'chosen_name.rs').write_text('fn main() {}\\n'); "
        "(out / 'notes.txt').write_text('not the answer'); sys.exit(int(sys.argv[2]))"
    )
    def model(exit_code: int, **params: object) -> CommandModel:
        built = build_model(ModelConfig(
            id="writer", backend="command",
            command=[sys.executable, "-c", writer, "{output_dir}", str(exit_code)],
            params=params,
        ))
        assert isinstance(built, CommandModel)
        return built

    request = GenerationRequest(messages=(Message("user", "x"),))
    assert model(0).generate(request).text == "fn main() {}\n"
    with pytest.raises(CommandFailedError, match="exited with status 4"):
        model(4).generate(request)
    answered = model(4, answer_despite_exit=True).generate(request)
    assert answered.text == "fn main() {}\n"
    assert (answered.details.exit_status or "").startswith("python")
    nothing = build_model(ModelConfig(
        id="none", backend="command", command=[sys.executable, "-c", "pass", "{output_dir}"],
    ))
    with pytest.raises(CommandFailedError, match=r"wrote 0 \*\.rs files"):
        nothing.generate(request)
