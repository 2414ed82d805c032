"""How an answer is cut before extraction: after the block holding the translation, at a
repetition loop."""

from __future__ import annotations

from single_shot_eval.models.base import (
    REPETITION_WINDOW_CHARS,
    Completion,
    GenerationRequest,
    ends_in_repetition,
    repetition_cut,
    truncate_at_repetition,
)
from single_shot_eval.run.scheduler import MAX_COMPLETION_CHARS, bounded_completion

LOOP = "#!/usr/bin/ruby\n"


def test_loop_is_cut_once_the_window_repeats() -> None:
    text = "```rust\nfn main() {\n" + LOOP * 100
    cut = repetition_cut(text)
    assert cut is not None
    head = text[:cut]
    assert ends_in_repetition(head)
    assert not ends_in_repetition(head[:-1])
    assert len(head) < len("```rust\nfn main() {\n") + REPETITION_WINDOW_CHARS + len(LOOP)


def test_real_code_is_never_cut() -> None:
    lines = [f"    let value_{i} = compute({i}, \"item {i}\");\n" for i in range(200)]
    code = "fn main() {\n" + "".join(lines) + "}\n"
    assert repetition_cut(code) is None
    assert truncate_at_repetition(code) == code


def test_short_text_and_long_periods_are_not_loops() -> None:
    assert not ends_in_repetition("a" * (REPETITION_WINDOW_CHARS - 1))
    unit = "".join(chr(65 + i % 26) for i in range(100))  # period 100 > 80
    assert not ends_in_repetition(unit * 5)


def _stopping(item: str) -> GenerationRequest:
    return GenerationRequest(messages=(), stop_after_code_block=True, translation_item=item)


def test_code_block_cut() -> None:
    text = "Sure:\n```rust\nfn main() {}\n```\nExplanation that is never verified."
    request = _stopping("fn main")
    assert request.cut_after_translation(text) == "Sure:\n```rust\nfn main() {}\n```"
    assert request.cut_after_translation("no fence") == "no fence"
    assert GenerationRequest(messages=()).cut_after_translation(text) == text


ECHO = "```rust\npub fn add(a: i64, b: i64) -> i64\n```\n"
FULL = "```rust\npub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n```\n"


def test_an_echoed_signature_does_not_end_the_answer() -> None:
    request = _stopping("fn add")
    assert not request.translation_done(ECHO)  # the model goes on writing
    assert not request.translation_done(ECHO + "Here it is:\n```rust\npub fn add(a: i64")
    answer = ECHO + "Here it is:\n" + FULL + "It adds."
    assert request.translation_done(answer)
    assert request.cut_after_translation(answer) == ECHO + "Here it is:\n" + FULL.rstrip("\n")
    # without a translation item, the first closed block ends it (the task's old rule)
    assert _stopping("").translation_done(ECHO)


def test_bounded_completion_applies_the_request_policy() -> None:
    completion = Completion(text="```rust\n" + LOOP * 200, input_tokens=1, output_tokens=900,
                            latency_s=1.0, cost_usd=0.0)
    kept = bounded_completion(completion, GenerationRequest(messages=()))
    assert kept is completion
    cut = bounded_completion(completion, GenerationRequest(messages=(), stop_on_repetition=True))
    assert len(cut.text) < len(completion.text)
    assert cut.details.repetition_cut_at_char == len(cut.text)
    assert cut.output_tokens == 900  # tokens were generated and paid for
    huge = Completion(text="x" * (MAX_COMPLETION_CHARS + 5), input_tokens=1, output_tokens=1,
                      latency_s=1.0, cost_usd=0.0)
    bounded = bounded_completion(huge)
    assert len(bounded.text) == MAX_COMPLETION_CHARS
    assert bounded.details.completion_truncated_from_chars == MAX_COMPLETION_CHARS + 5
