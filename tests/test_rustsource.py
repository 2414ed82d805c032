"""Which block of an answer holds the translation: a definition of the item with a body."""

from __future__ import annotations

import pytest

from single_shot_eval.rustsource import (
    defines_item,
    fenced_blocks,
    translation_block_end,
    translation_item,
)
from single_shot_eval.verify.extract import extract_rust


@pytest.mark.parametrize(
    ("code", "item", "expected"),
    [
        ("pub fn add(a: i64, b: i64) -> i64 { a + b }", "fn add", True),
        ("pub fn add(a: i64, b: i64) -> i64", "fn add", False),  # the prompt's signature
        ("fn add(a: i64) -> i64;", "fn add", False),  # a declaration
        ("fn add_one(a: i64) -> i64 { a }", "fn add", False),  # another function
        ("fn first(xs: [i64; 3]) -> [i64; 3] {\n xs\n}", "fn first", True),  # `;` in a type
        ("fn pair(p: (i64, i64)) -> i64\nwhere\n{ p.0 }", "fn pair", True),
        ("impl Counter {\n    pub fn new() -> Counter;\n}", "impl Counter", False),  # outline
        ("impl Counter {\n    pub fn new() -> Counter { Counter }\n}", "impl Counter", True),
        ("impl<T: Clone> Stack<T> {\n fn new() -> Self { todo!() }\n}", "impl Stack", True),
        ("impl fmt::Display for Counter {\n fn fmt(&self) -> u8 { 0 }\n}", "impl Counter", True),
        ("struct Counter { n: i64 }", "impl Counter", False),
        ("fn main() {}", "fn main", True),
    ],
)
def test_defines_item(code: str, item: str, expected: bool) -> None:
    assert defines_item(code, item) is expected


def test_translation_item_kinds() -> None:
    assert translation_item("fn", "main") == "fn main"
    assert translation_item("impl", "Counter") == "impl Counter"
    with pytest.raises(ValueError, match="unknown item kind"):
        translation_item("struct", "Counter")


def test_blocks_and_where_the_translation_ends() -> None:
    text = "```text\nusage\n```\n```rust\nfn main() {}\n```\nmore"
    blocks = fenced_blocks(text)
    assert [b.language for b in blocks] == ["text", "rust"]
    assert translation_block_end(text, "fn main") == text.index("\nmore")
    assert translation_block_end(text) == len("```text\nusage\n```")
    assert translation_block_end("```rust\nfn main() {", "fn main") is None  # still open


def test_the_extractor_takes_the_block_with_the_body_over_an_echo() -> None:
    echo = "```rust\npub fn add(a: i64, b: i64) -> i64\n// a signature with a long comment\n```\n"
    body = "```rust\npub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n```\n"
    assert extract_rust(echo + body, "add") == "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n"
    cls = "```rust\nimpl Counter {\n    pub fn new() -> Counter;\n}\n```\n"
    full = "```rust\nstruct Counter;\nimpl Counter {\n    pub fn new() -> Counter { Counter }\n}\n```"
    assert "struct Counter;" in (extract_rust(cls + full, "Counter") or "")
