"""Render a task's prompt for one example."""

from __future__ import annotations

import hashlib
import json

from single_shot_eval.config import TaskConfig
from single_shot_eval.corpus.contract.signature import ClassSignature
from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.models.base import COMPLETION_ROLE, Message
from single_shot_eval.rustsource import translation_item as item_text
from single_shot_eval.verify.function_harness import contract_requirements

PROGRAM_REQUIREMENTS = (
    "Write a complete Rust program with `fn main` that accepts the same command-line arguments "
    "and standard input, prints exactly the same output and exits with the same exit code."
)


def requirements_for(example: Example) -> str:
    """Kind-specific instructions, including the exact signature the test harness will call."""
    if example.kind is ExampleKind.FUNCTION and example.entry_point:
        contract = example.contract
        assert contract is not None  # a function example with an entry point has one
        return contract_requirements(contract)
    if example.support_files:
        names = ", ".join(f"`{name}`" for name, _ in example.support_files)
        return (
            f"{PROGRAM_REQUIREMENTS} The program imports {names} from its own folder (shown "
            "after the program): translate everything into one Rust program."
        )
    return PROGRAM_REQUIREMENTS


def translation_item(example: Example) -> str:
    """What the answer's translation must define with a body: `impl NAME` for a class, `fn
    NAME` for a function, `fn main` for a program (see `rustsource`)."""
    if example.kind is ExampleKind.FUNCTION and example.entry_point:
        contract = example.contract
        if isinstance(contract, ClassSignature):
            return item_text("impl", contract.name)
        return item_text("fn", example.entry_point)
    return item_text("fn", "main")


def python_code_for(example: Example) -> str:
    """The Python the model sees: the program, then each sibling module it imports under a
    comment naming the file (so a template with only `{python_code}` still shows them)."""
    parts = [example.python_source.rstrip("\n")]
    for name, text in example.support_files:
        parts.append(
            f"# ---- {name} (a module in the same folder, imported by the program above) ----\n"
            + text.rstrip("\n")
        )
    return "\n\n".join(parts)


# Few-shot pairs for `prompt_style: completion` (base models): one CLI program, one function,
# written for this project. Each shows the Python, the requirement line, then the Rust.
_FEW_SHOT_PROGRAM = (
    """import sys


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: repeat.py COUNT", file=sys.stderr)
        return 1
    count = int(sys.argv[1])
    for line in sys.stdin:
        print(line.rstrip("\\n") * count)
    return 0


if __name__ == "__main__":
    sys.exit(main())""",
    """use std::io::{self, BufRead};
use std::process;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: repeat.py COUNT");
        process::exit(1);
    }
    let count: usize = args[1].parse().unwrap();
    for line in io::stdin().lock().lines() {
        let line = line.unwrap();
        println!("{}", line.repeat(count));
    }
}""",
)
_FEW_SHOT_FUNCTION = (
    """def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))""",
    "Write the Rust function with exactly this signature:\n"
    "```rust\nfn clamp(value: i64, low: i64, high: i64) -> i64\n```",
    """fn clamp(value: i64, low: i64, high: i64) -> i64 {
    value.min(high).max(low)
}""",
)
_COMPLETION_HEADER = (
    "Python code and its translation to Rust. Each translation behaves exactly like the "
    "Python original and uses only the Rust standard library.\n"
)


def _few_shot_section(python_code: str, requirements: str, rust_code: str | None) -> str:
    section = f"\n### Python\n```python\n{python_code}\n```\n{requirements}\n\n### Rust\n```rust\n"
    return section if rust_code is None else f"{section}{rust_code}\n```\n"


def render_completion_prompt(example: Example) -> str:
    """A few-shot prompt for a base model, ending inside an open ```rust fence."""
    program_python, program_rust = _FEW_SHOT_PROGRAM
    function_python, function_requirements, function_rust = _FEW_SHOT_FUNCTION
    return (
        _COMPLETION_HEADER
        + _few_shot_section(program_python, PROGRAM_REQUIREMENTS, program_rust)
        + _few_shot_section(function_python, function_requirements, function_rust)
        + _few_shot_section(
            python_code_for(example), requirements_for(example), None
        )
    )


def render_messages(
    task: TaskConfig, example: Example, *, prompt_style: str = "chat"
) -> tuple[Message, ...]:
    """System and user messages for `example` under `task`; for `prompt_style="completion"`
    (base models) one `completion` message with a few-shot prompt instead."""
    if prompt_style == "completion":
        return (Message(COMPLETION_ROLE, render_completion_prompt(example)),)
    user = task.prompts.user_template.format(
        python_code=python_code_for(example),
        requirements=requirements_for(example),
        example_id=example.id,
        script_name=example.script_name,
    )
    messages = [Message("user", user.strip() + "\n")]
    if task.prompts.system.strip():
        messages.insert(0, Message("system", task.prompts.system.strip()))
    return tuple(messages)


def prompt_digest(messages: tuple[Message, ...]) -> str:
    """SHA-256 of the rendered messages, stored with every sample."""
    payload = json.dumps([[m.role, m.content] for m in messages], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()
