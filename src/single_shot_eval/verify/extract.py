"""Find the Rust program in a model's completion.

Models answer in many shapes: one ```rust block, several blocks, an unterminated block cut off by
`max_tokens`, or bare code. We take the fenced block that defines the requested function or
class (or `fn main`) with a body, else the largest Rust-looking block, else unfenced code;
`None` means no code at all.
"""

from __future__ import annotations

import re

from single_shot_eval.rustsource import defines_item, fenced_blocks

_RUST_LANGS = {"rust", "rs", ""}
_NON_RUST_LANGS = {"python", "py", "python3", "bash", "sh", "shell", "console", "text", "toml"}
_RUST_HINT = re.compile(
    r"^\s*(pub\s+)?(fn|use|struct|enum|impl|trait|mod|const|static|type|#\[|#!\[|extern)\b",
    re.MULTILINE,
)


def _looks_like_rust(code: str) -> bool:
    return bool(_RUST_HINT.search(code))


def extract_rust(completion: str, entry_point: str | None = None) -> str | None:
    """The Rust source in `completion`, or None when it holds no code.

    Among the Rust blocks, the one that defines the requested item with a body wins (`fn
    entry_point` or `impl entry_point`, else `fn main`): a block that only echoes the
    signature from the prompt, or a usage note, is never taken for the translation.
    """
    if not completion or not completion.strip():
        return None
    blocks = fenced_blocks(completion)
    if blocks:
        candidates = [
            b.body
            for b in blocks
            if b.body.strip()
            and b.language not in _NON_RUST_LANGS
            and (b.language in {"rust", "rs"} or (b.language in _RUST_LANGS
                                                  and _looks_like_rust(b.body)))
        ]
        if not candidates:
            return None
        items = [f"fn {entry_point}", f"impl {entry_point}"] if entry_point else []
        for wanted in (items, ["fn main"]):
            hits = [c for c in candidates if any(defines_item(c, item) for item in wanted)]
            if hits:
                return _strip(max(hits, key=len))
        wanted_name = re.compile(rf"\bfn\s+{re.escape(entry_point)}\b") if entry_point else None
        main = re.compile(r"\bfn\s+main\s*\(")
        for pattern in (wanted_name, main):
            if pattern is None:
                continue
            hits = [c for c in candidates if pattern.search(c)]
            if hits:
                return _strip(max(hits, key=len))
        return _strip(max(candidates, key=len))
    match = _RUST_HINT.search(completion)
    if match is None or not re.search(r"\bfn\s+\w+\s*[(<]", completion):
        return None
    return _strip(completion[match.start() :])


def _strip(code: str) -> str:
    return code.strip("\n") + "\n"
