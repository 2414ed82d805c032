from __future__ import annotations

from single_shot_eval.verify.extract import extract_rust


def test_rust_fenced_block() -> None:
    text = "Here you go:\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\nDone."
    assert extract_rust(text) == 'fn main() {\n    println!("hi");\n}\n'


def test_rs_and_bare_fences() -> None:
    assert extract_rust("```rs\nfn main() {}\n```") == "fn main() {}\n"
    assert extract_rust("```\nfn main() {}\n```") == "fn main() {}\n"


def test_block_with_main_wins_over_larger_block_without() -> None:
    helper = "```rust\n" + "struct Big { a: i32 }\n" * 20 + "```\n"
    main = "```rust\nfn main() { }\n```\n"
    assert extract_rust(helper + main) == "fn main() { }\n"


def test_requested_function_wins() -> None:
    text = "```rust\nfn helper() {}\n```\n```rust\npub fn add(a: i64, b: i64) -> i64 { a + b }\n```"
    assert extract_rust(text, entry_point="add") == "pub fn add(a: i64, b: i64) -> i64 { a + b }\n"


def test_python_block_is_not_rust() -> None:
    assert extract_rust("```python\nprint('x')\n```") is None
    text = "```python\ndef f(): pass\n```\n```rust\nfn main() {}\n```"
    assert extract_rust(text) == "fn main() {}\n"


def test_unterminated_block_runs_to_end() -> None:
    assert extract_rust("```rust\nfn main() {\n    let x = 1;\n") == "fn main() {\n    let x = 1;\n"


def test_unfenced_code() -> None:
    text = "Sure.\nuse std::io;\nfn main() {\n}\n"
    assert extract_rust(text) == "use std::io;\nfn main() {\n}\n"


def test_no_code() -> None:
    assert extract_rust("") is None
    assert extract_rust("I cannot translate this program.") is None
    assert extract_rust("```\nsome prose in a fence\n```") is None


def test_tilde_and_long_fences() -> None:
    assert extract_rust("~~~rust\nfn main() {}\n~~~") == "fn main() {}\n"
    text = "````rust\nfn main() {}\n```\nnot closed by three\n````"
    assert extract_rust(text) == "fn main() {}\n```\nnot closed by three\n"
