"""Repair turns: the feedback a failing answer earns, and the prompt that asks for a fix.

After a failing verdict the model sees its own answer and bounded feedback on it, then answers
again (`repair.turns` times at most; `repair@r` counts the answers that passed by turn r). The
feedback is what the task's `repair.feedback` allows: `compiler` (the first rustc diagnostics),
`tests` (the first failing case: input, expected, actual) or `both`. For a chat model the repair
prompt is a chat continuation (the first turn's messages, the model's answer as the assistant,
the feedback as the next user message); for a `completion` model it is the few-shot prompt
continued with the answer, the feedback and a new open ```rust fence.

Every turn builds on the previous turn's stored `Sample` alone, so a resumed evaluation asks the
same question again.
"""

from __future__ import annotations

from single_shot_eval.models.base import COMPLETION_ROLE, Message
from single_shot_eval.results.records import Sample, Verdict

#: Verdicts that earn a repair turn: the model answered and the answer failed a check.
#: `model_error` (no answer), `harness_error` (ours), `compile_only` (nothing to check against)
#: and `pass` get none.
REPAIRABLE = frozenset(
    {
        Verdict.NO_CODE,
        Verdict.COMPILE_ERROR,
        Verdict.TIMEOUT,
        Verdict.CRASH,
        Verdict.TEST_FAILURE,
        Verdict.BEHAVIOUR_MISMATCH,
    }
)
#: At most this many rustc error diagnostics are shown, each cut to `MAX_DIAGNOSTIC_CHARS`.
MAX_DIAGNOSTICS = 3
MAX_DIAGNOSTIC_CHARS = 1200
#: Expected and actual output of a failing case are each cut to this length.
MAX_CASE_FIELD_CHARS = 800
#: Bound of the whole feedback text (the parts above are cut first).
MAX_FEEDBACK_CHARS = 4000
#: The model's previous answer is shown up to this length (a runaway answer is cut).
MAX_ANSWER_CHARS = 12_000

_CUT = "\n[... cut ...]"
_ASK = (
    "Fix the program. Answer with the complete corrected Rust code in one ```rust code block."
)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(_CUT)] + _CUT


def needs_repair(sample: Sample) -> bool:
    """True when the sample's verdict earns a repair turn."""
    return sample.verdict in REPAIRABLE


def _compiler_feedback(sample: Sample) -> str:
    errors = [d for d in sample.diagnostics if d.level == "error"] or list(sample.diagnostics)
    if not errors:
        return "rustc rejected the code (it printed no diagnostic)."
    shown = errors[:MAX_DIAGNOSTICS]
    parts = [f"rustc rejected the code with {len(errors)} error(s); the first {len(shown)}:"]
    parts += [_cut(d.message.strip(), MAX_DIAGNOSTIC_CHARS) for d in shown]
    return "\n\n".join(parts)


def _case_feedback(sample: Sample) -> str:
    failing = next((s for s in sample.stages if not s.ok and s.stage != "compile"), None)
    if failing is None:
        return f"The program compiles but fails a check ({sample.verdict.value})."
    lines = [
        f"The program compiles but fails the {failing.stage} check"
        + (f": {failing.detail}." if failing.detail else ".")
    ]
    if failing.failing_case:
        lines.append(f"First failing case: {_cut(failing.failing_case, MAX_CASE_FIELD_CHARS)}")
    if failing.expected is not None:
        lines.append(
            "Expected (what the Python original does):\n"
            + _cut(failing.expected, MAX_CASE_FIELD_CHARS)
        )
    if failing.actual is not None:
        lines.append(
            "Actual (what your program did):\n" + _cut(failing.actual, MAX_CASE_FIELD_CHARS)
        )
    return "\n".join(lines)


def feedback_text(sample: Sample, feedback: str) -> str:
    """The feedback on a failing answer, bounded by `MAX_FEEDBACK_CHARS`.

    `feedback` is `compiler`, `tests` or `both`: which details the model may see. A failure
    that the allowed kind says nothing about is named by its verdict only (a compile error under
    `tests`, a behaviour mismatch under `compiler`)."""
    verdict = sample.verdict
    if verdict is Verdict.NO_CODE:
        body = "Your answer contains no Rust code."
    elif verdict is Verdict.COMPILE_ERROR:
        body = (
            _compiler_feedback(sample) if feedback in ("compiler", "both")
            else "Your code does not compile."
        )
    elif feedback in ("tests", "both"):
        body = _case_feedback(sample)
    else:
        body = (
            "Your code compiles, but it does not behave like the Python original "
            f"({verdict.value.replace('_', ' ')})."
        )
    return _cut(body, MAX_FEEDBACK_CHARS - len(_ASK) - 2) + "\n\n" + _ASK


def _previous_answer(sample: Sample) -> str:
    return _cut(sample.completion, MAX_ANSWER_CHARS) if sample.completion.strip() else "(empty)"


def repair_messages(
    first_turn: tuple[Message, ...], previous: Sample, feedback: str
) -> tuple[Message, ...]:
    """The prompt of the repair turn after `previous` (the failing sample of the turn before).

    Chat: the first turn's messages, the previous answer as the assistant, the feedback as the
    user. Completion (one `completion` message ending inside an open ```rust fence): that prompt
    continued with the previous code, the feedback and a new open fence."""
    text = feedback_text(previous, feedback)
    if len(first_turn) == 1 and first_turn[0].role == COMPLETION_ROLE:
        code = previous.extracted_code or _strip_open_fence(previous.completion)
        prompt = (
            first_turn[0].content
            + _cut(code.strip("\n"), MAX_ANSWER_CHARS)
            + "\n```\n\n### Feedback on the Rust above\n"
            + text
            + "\n\n### Rust (corrected)\n```rust\n"
        )
        return (Message(COMPLETION_ROLE, prompt),)
    return (
        *first_turn,
        Message("assistant", _previous_answer(previous)),
        Message("user", text),
    )


def _strip_open_fence(text: str) -> str:
    """A completion-style answer without its leading ```rust line and closing fence."""
    lines = text.strip("\n").split("\n")
    if lines and lines[0].lstrip().startswith("```"):
        lines = lines[1:]
    if lines and lines[-1].strip() == "```":
        lines = lines[:-1]
    return "\n".join(lines)
