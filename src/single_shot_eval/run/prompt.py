"""Render a task's prompt for one example."""

from __future__ import annotations

import hashlib
import json

from single_shot_eval.config import TaskConfig
from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.models.base import Message

PROGRAM_REQUIREMENTS = (
    "Write a complete Rust program with `fn main` that accepts the same command-line arguments "
    "and standard input, prints exactly the same output and exits with the same exit code."
)


def requirements_for(example: Example) -> str:
    """Kind-specific instructions, including the exact signature the test harness will call."""
    if example.kind is ExampleKind.FUNCTION and example.entry_point:
        from single_shot_eval.verify.function_harness import function_requirements

        return function_requirements(
            example.python_source, example.entry_point, example.function_cases
        )
    if example.support_files:
        names = ", ".join(f"`{name}`" for name, _ in example.support_files)
        return (
            f"{PROGRAM_REQUIREMENTS} The program imports {names} from its own folder (shown "
            "after the program): translate everything into one Rust program."
        )
    return PROGRAM_REQUIREMENTS


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


def render_messages(task: TaskConfig, example: Example) -> tuple[Message, ...]:
    """System and user messages for `example` under `task`."""
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
