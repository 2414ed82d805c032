"""The shapes of Rust in a model's answer that both the backends and the extractor must agree on.

A translation's answer is one fenced block holding the item the harness will call: `fn main`
for a program, `fn NAME` for a function, `impl NAME` for a class. A model often writes another
block first (the requested signature echoed back, a usage note, a helper): stopping at, or
taking, that block would fail the model for the harness's own format. So a block *holds the
translation* only when it defines the item with a body, and generation stops after the first
closed block that does (`translation_block_end`), not after the first block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_METHOD = re.compile(r"\bfn\s+\w+")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class FencedBlock:
    """One fenced block: its language tag (lower case), its body, and the index just past its
    closing fence (None when the answer ends inside it)."""

    language: str
    body: str
    end: int | None


def fenced_blocks(text: str) -> list[FencedBlock]:
    """Every fenced block of `text` in order; an unterminated last block runs to the end."""
    blocks: list[FencedBlock] = []
    pos = 0
    while True:
        opening = _FENCE.search(text, pos)
        if opening is None:
            return blocks
        fence, language = opening.group(1), opening.group(2).lower()
        start = opening.end() + 1
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        end_match = closing.search(text, start)
        if end_match is None:
            blocks.append(FencedBlock(language, text[start:], None))
            return blocks
        blocks.append(FencedBlock(language, text[start : end_match.start()], end_match.end()))
        pos = end_match.end()


def translation_item(kind: str, name: str) -> str:
    """The item a translation must define, as text: `fn main`, `fn NAME` or `impl NAME`."""
    if kind not in {"fn", "impl"}:
        raise ValueError(f"unknown item kind {kind!r}")
    return f"{kind} {name}"


def defines_item(code: str, item: str) -> bool:
    """True when `code` defines `item` ("fn NAME" or "impl NAME") with a body.

    A bare signature (`fn f(x: i64) -> i64`, as a prompt shows it) or a declaration ending in
    `;` does not count: only a `{` reached outside parentheses and brackets (so `[i64; 3]` in a
    signature is no end) opens the body. An `impl` counts once some method in it has a body
    (the prompt's outline of a class, `impl C { pub fn new() -> C; }`, has none).
    """
    kind, _, name = item.partition(" ")
    if kind == "fn":
        heads = re.finditer(rf"\bfn\s+{re.escape(name)}\b", code)
        return any(_body_at(code, head.end()) is not None for head in heads)
    if kind == "impl":
        heads = re.finditer(rf"\bimpl\b(?:\s*<[^{{;]*?>)?[^{{;]*?\b{re.escape(name)}\b", code)
        for head in heads:
            body = _body_at(code, head.end())
            if body is not None and any(
                _body_at(code, method.end()) is not None
                for method in _METHOD.finditer(code, body)
            ):
                return True
    return False


def is_signature_only(code: str) -> bool:
    """True when `code` names functions but defines none with a body: the answer is an echo of
    the requested signature (or an outline of it), a failure of the answer's format, not of a
    translation."""
    heads = list(_METHOD.finditer(code))
    return bool(heads) and all(_body_at(code, head.end()) is None for head in heads)


def _body_at(code: str, position: int) -> int | None:
    """Index of the `{` that opens the body of the item whose head ends at `position`, or None
    when a `;` (outside parentheses and brackets) or the end of `code` comes first."""
    depth = 0
    for index in range(position, len(code)):
        char = code[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth <= 0 and char == "{":
            return index
        elif depth <= 0 and char == ";":
            return None
    return None


def translation_block_end(text: str, item: str = "") -> int | None:
    """Index just past the closing fence of the first closed block that holds the translation
    (defines `item` with a body); with no `item`, of the first closed block. None while there
    is none: a model still writing towards its translation is not cut off."""
    for block in fenced_blocks(text):
        if block.end is None:
            return None
        if not item or defines_item(block.body, item):
            return block.end
    return None


def truncate_after_translation_block(text: str, item: str = "") -> str:
    """`text` cut just after the block that holds the translation (unchanged without one)."""
    end = translation_block_end(text, item)
    return text if end is None else text[:end]
