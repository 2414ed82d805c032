"""Strings that match the regular expressions a program's source applies
(`re.match(r"(\\d+)-(\\d+)", part)`, `EVENT = re.compile(r"<(...)> (\\w+) = (.+)")`): without
them, random text almost never reaches the code behind a successful match (the groups, the parsed
fields), the part of a line parser that a translation most often gets wrong.

A sample is built by walking the parsed pattern (the standard library's own regex parser),
choosing per variant a different branch, repeat count and character, and filling free word
slots (`\\w+`, `.+`) with the program's own literals where they fit (`OPEN`, `CLOSED`), so that
the lines also reach the branches that compare the captured text. Every sample is checked with
`re.search` before it is used; a pattern this walker cannot render gives no sample.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterable
from typing import Any

from single_shot_eval.casegen.tables import listed, string, strings_by_key

# The standard library's regex parser (`sre_parse` is its deprecated alias).
_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")

_REGEX_FUNCTIONS = frozenset({"compile", "match", "fullmatch", "search", "findall", "finditer",
                              "sub", "subn", "split"})
# Characters per class, digits per variant, fallback characters and free text for `.+`:
# `casegen/data/program_inputs.yaml`.
_CATEGORY_CHARS = strings_by_key("program_inputs", "regex_category_chars")
_DIGITS = listed("program_inputs", "regex_digits")
_FALLBACK_CHARS = string("program_inputs", "regex_fallback_chars")
_FREE_TEXT = listed("program_inputs", "regex_free_text")
# Longest rendering kept (a line of input, not a document).
_MAX_LENGTH = 160


def regex_patterns(tree: ast.Module) -> list[str]:
    """The literal patterns `tree` passes to `re.compile`/`match`/`search`/... (directly, or
    through a name bound once to a string literal), in source order."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, node.value.value)
    patterns: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                and node.func.attr in _REGEX_FUNCTIONS and node.args):
            continue
        first = node.args[0]
        pattern = first.value if isinstance(first, ast.Constant) else (
            bound.get(first.id) if isinstance(first, ast.Name) else None)
        if isinstance(pattern, str) and pattern and pattern not in patterns:
            patterns.append(pattern)
    return patterns


def regex_samples(patterns: Iterable[str], words: Iterable[str], *, variants: int = 3,
                  limit: int = 12) -> list[str]:
    """Up to `limit` distinct strings matching `patterns` (each pattern's variants in turn),
    free word slots filled from `words` where the slot accepts them."""
    vocabulary = [w for w in words if w and w.isprintable()]
    per_pattern: list[list[str]] = []
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
            parsed = _parser.parse(pattern)
        except (re.error, RecursionError, ValueError, TypeError):
            continue
        found: list[str] = []
        for variant in range(variants):
            text = _Renderer(vocabulary, variant).render(parsed)
            if text is not None and len(text) <= _MAX_LENGTH and text not in found \
                    and compiled.search(text) is not None and "\n" not in text:
                found.append(text)
        per_pattern.append(found)
    samples: list[str] = []
    for variant in range(variants):
        for found in per_pattern:
            if variant < len(found) and found[variant] not in samples:
                samples.append(found[variant])
    return samples[:limit]


class _Renderer:
    """Renders one variant of a parsed pattern; None when it meets a construct it cannot."""

    def __init__(self, words: list[str], variant: int) -> None:
        self.words = words
        self.variant = variant
        self.groups: dict[int, str] = {}
        self.counter = variant

    def render(self, items: Any) -> str | None:
        out: list[str] = []
        for op, av in items:
            piece = self._item(str(op), av)
            if piece is None:
                return None
            out.append(piece)
        return "".join(out)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _item(self, op: str, av: Any) -> str | None:
        if op == "LITERAL":
            return chr(av)
        if op == "NOT_LITERAL":
            return "x" if chr(av) != "x" else "y"
        if op == "ANY":
            return "a"
        if op == "IN":
            return self._char_in(av)
        if op in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            low, high, sub = av
            return self._repeat(int(low), int(high), sub)
        if op == "SUBPATTERN":
            group, _add, _remove, sub = av
            text = self.render(sub)
            if text is not None and group is not None:
                self.groups[int(group)] = text
            return text
        if op == "ATOMIC_GROUP":
            return self.render(av)
        if op == "BRANCH":
            _, alternatives = av
            return self.render(alternatives[self.variant % len(alternatives)])
        if op in {"AT", "ASSERT", "ASSERT_NOT"}:
            return ""
        if op == "GROUPREF":
            return self.groups.get(int(av))
        if op == "GROUPREF_EXISTS":
            group, yes, no = av
            return self.render(yes if int(group) in self.groups or no is None else no)
        return None

    def _char_in(self, items: Any) -> str | None:
        if items and str(items[0][0]) == "NEGATE":
            forbidden = re.compile(_class_source(items[1:]))
            return next((c for c in _FALLBACK_CHARS + "qQ9" if not forbidden.fullmatch(c)),
                        None)
        tick = self._next()
        choices: list[str] = []
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                choices.append(chr(av))
            elif name == "RANGE":
                low, high = av
                choices.append(chr(low + (self.variant * 7 + tick) % (high - low + 1)))
            elif name == "CATEGORY":
                pool = _DIGITS[self.variant % len(_DIGITS)] if str(av) == "CATEGORY_DIGIT" \
                    else _CATEGORY_CHARS.get(str(av))
                if pool is None:
                    return None
                choices.append(pool[tick % len(pool)])
            else:
                return None
        if not choices:
            return None
        return choices[tick % len(choices)]

    def _repeat(self, low: int, high: int, sub: Any) -> str | None:
        unbounded = high == int(_constants.MAXREPEAT)
        # A free word slot (`\w+`, `.+`, `[^,]+`): one of the program's words that fits it.
        if unbounded and len(sub) == 1 and str(sub[0][0]) in {"IN", "ANY", "NOT_LITERAL"}:
            slot = re.compile(_item_source(sub[0]), re.DOTALL)
            fitting = [w for w in self.words if len(w) >= max(low, 1)
                       and all(slot.fullmatch(c) for c in w)]
            if str(sub[0][0]) == "ANY":
                fitting += [t for t in _FREE_TEXT if t not in fitting]
            if fitting and low <= 1:
                return fitting[self.variant % len(fitting)]
        count = {0: low + 1, 1: low, 2: low + 3}[self.variant % 3] if unbounded else \
            (low, high, (low + high) // 2)[self.variant % 3]
        count = max(low, min(count, high, low + 12))
        pieces = []
        for _ in range(count):
            piece = self.render(sub)
            if piece is None:
                return None
            pieces.append(piece)
        return "".join(pieces)


def _item_source(item: tuple[Any, Any]) -> str:
    """Regex source for one single-character item (`IN`, `ANY`, `NOT_LITERAL`)."""
    op, av = item
    if str(op) == "ANY":
        return "."
    if str(op) == "NOT_LITERAL":
        return f"[^{re.escape(chr(av))}]"
    if av and str(av[0][0]) == "NEGATE":
        return f"[^{_class_body(av[1:])}]"
    return f"[{_class_body(av)}]"


def _class_source(items: Any) -> str:
    return f"[{_class_body(items)}]"


_CATEGORY_SOURCE = {"CATEGORY_DIGIT": r"\d", "CATEGORY_WORD": r"\w", "CATEGORY_SPACE": r"\s",
                    "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_NOT_WORD": r"\W",
                    "CATEGORY_NOT_SPACE": r"\S"}


def _class_body(items: Any) -> str:
    parts: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            parts.append(re.escape(chr(av)))
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif name == "CATEGORY":
            parts.append(_CATEGORY_SOURCE.get(str(av), ""))
    return "".join(parts) or r"\x00"
