"""The `Model` protocol every backend implements, and the request/response objects around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# A backend's answer and its typed side facts live in the bottom layer (results/), where the
# store and the reports read them; backends import them from here.
from single_shot_eval.results.generation import Completion as Completion
from single_shot_eval.results.generation import GenerationDetails as GenerationDetails
from single_shot_eval.rustsource import translation_block_end, truncate_after_translation_block

# The role of the single message a `prompt_style: completion` model receives: plain text to be
# continued (a few-shot prompt), not a chat turn.
COMPLETION_ROLE = "completion"


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """What to ask a model: chat messages plus inference parameters.

    `python_source` and `example_id` (which names the module file) let file-in/file-out
    transpilers answer without parsing the prompt.
    """

    messages: tuple[Message, ...]
    temperature: float = 0.0
    max_tokens: int = 4096
    seed: int = 0
    timeout_s: float = 30.0
    run: int = 0
    example_id: str = ""
    python_source: str = ""
    stop_after_code_block: bool = False
    stop_on_repetition: bool = False
    # What the translation must define ("fn main", "fn NAME", "impl NAME"; see rustsource):
    # `stop_after_code_block` stops after the first closed block that defines it, not after
    # a block that only echoes the requested signature.
    translation_item: str = ""

    def translation_done(self, text: str) -> bool:
        """True once `text` holds a closed block with the translation and the task stops
        after it (`stop_after_code_block`): a backend may stop generating."""
        return self.stop_after_code_block and (
            translation_block_end(text, self.translation_item) is not None
        )

    def cut_after_translation(self, text: str) -> str:
        """The answer as judged: cut after the block holding the translation when the task
        stops there, else unchanged."""
        if not self.stop_after_code_block:
            return text
        return truncate_after_translation_block(text, self.translation_item)


@runtime_checkable
class Model(Protocol):
    """A backend that turns a `GenerationRequest` into a `Completion`."""

    @property
    def model_id(self) -> str: ...

    @property
    def deterministic(self) -> bool:
        """True when the same request always yields the same text (enables the response cache)."""
        ...

    @property
    def reads_prompt(self) -> bool:
        """False when the backend answers from the Python file alone (a transpiler): a repair
        turn's feedback would never reach it."""
        ...

    def generate(self, request: GenerationRequest) -> Completion: ...


def estimate_tokens(text: str) -> int:
    """Rough token count for backends that report none (about 4 characters per token)."""
    return max(1, (len(text) + 3) // 4) if text else 0


REPETITION_WINDOW_CHARS = 320
REPETITION_MAX_PERIOD_CHARS = 80


def ends_in_repetition(text: str) -> bool:
    """True when the last `REPETITION_WINDOW_CHARS` characters repeat one unit of at most
    `REPETITION_MAX_PERIOD_CHARS` characters (at least four times): a model stuck in a loop."""
    if len(text) < REPETITION_WINDOW_CHARS:
        return False
    tail = text[-REPETITION_WINDOW_CHARS:]
    return any(tail[p:] == tail[:-p] for p in range(1, REPETITION_MAX_PERIOD_CHARS + 1))


def repetition_cut(text: str, *, scan_limit_chars: int = 200_000) -> int | None:
    """The first index at which `text` ends in a repetition loop, or None.

    Scans coarsely (every 32 characters) then refines, so a long answer costs milliseconds.
    """
    window = REPETITION_WINDOW_CHARS
    end = min(len(text), scan_limit_chars)
    step = 32
    for coarse in range(window, end + step, step):
        position = min(coarse, end)
        if ends_in_repetition(text[:position]):
            for fine in range(max(window, position - step + 1), position + 1):
                if ends_in_repetition(text[:fine]):
                    return fine
            return position
    return None


def truncate_at_repetition(text: str) -> str:
    """`text` cut where a repetition loop has been established (unchanged without one).

    A loop of a small model adds nothing a verifier could accept; every backend's answer is cut
    at the same place, whether or not the backend stopped generating there itself.
    """
    cut = repetition_cut(text)
    return text if cut is None else text[:cut]
