"""Find the Rust program in a model's completion.

Models answer in many shapes: one ```rust block, several blocks, an unterminated block cut off by
`max_tokens`, or bare code. We take the fenced block that holds `fn main` (or the requested
function), else the largest Rust-looking block, else unfenced code; `None` means no code at all.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*$", re.MULTILINE)
_RUST_LANGS = {"rust", "rs", ""}
_NON_RUST_LANGS = {"python", "py", "python3", "bash", "sh", "shell", "console", "text", "toml"}
_RUST_HINT = re.compile(
    r"^\s*(pub\s+)?(fn|use|struct|enum|impl|trait|mod|const|static|type|#\[|#!\[|extern)\b",
    re.MULTILINE,
)


def _fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) for every fenced block; an unterminated last block runs to the end."""
    blocks: list[tuple[str, str]] = []
    pos = 0
    while True:
        opening = _FENCE.search(text, pos)
        if opening is None:
            return blocks
        fence, lang = opening.group(1), opening.group(2).lower()
        start = opening.end() + 1
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        end_match = closing.search(text, start)
        if end_match is None:
            blocks.append((lang, text[start:]))
            return blocks
        blocks.append((lang, text[start : end_match.start()]))
        pos = end_match.end()


def _looks_like_rust(code: str) -> bool:
    return bool(_RUST_HINT.search(code))


def extract_rust(completion: str, entry_point: str | None = None) -> str | None:
    """The Rust source in `completion`, or None when it holds no code."""
    if not completion or not completion.strip():
        return None
    blocks = _fenced_blocks(completion)
    if blocks:
        candidates = [
            body
            for lang, body in blocks
            if body.strip()
            and lang not in _NON_RUST_LANGS
            and (lang in {"rust", "rs"} or (lang in _RUST_LANGS and _looks_like_rust(body)))
        ]
        if not candidates:
            return None
        wanted = re.compile(rf"\bfn\s+{re.escape(entry_point)}\b") if entry_point else None
        main = re.compile(r"\bfn\s+main\s*\(")
        for pattern in (wanted, main):
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
