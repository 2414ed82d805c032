"""Values a Python program's own text suggests as test inputs, mined from its AST.

Mutants and wrong translations hide at the program's boundaries: `if n > 100` is only tested by
100 and 101, `len(parts) == 3` by lists of 2, 3 and 4 items, a table keyed by letters by strings
over those letters, a date parser by text split on `-`. `SourceValues.of(code)` collects, without
running anything:

* `ints`: integer constants with their neighbours (+-1) and negation, the operands of
  comparisons and slice bounds first (they are the boundaries);
* `floats`: float constants with their neighbours (+-1);
* `lengths`: N-1, N and N+1 for every `len(x)` compared with a constant N;
* `strs`: short string literals (not docstrings, not f-string text): the keys, tokens and
  separators the program looks for;
* `separators`: strings the program splits or joins on, strips, or searches with (`split(",")`,
  `"-".join`, `partition(":")`, `startswith("#")`; a bare `split()` is whitespace, `" "`);
* `alphabet`: the characters of the short literals the program compares or looks up (mapping
  keys and values, `in` tests, `==` operands, `case` patterns, str-method arguments), in order
  of appearance;
* `pairs`: the (key, value) string pairs of its dict literals (`{")": "("}`, `{"M": 1000}` has
  none), from which the generators build strings that pair them up.

The generators turn these into typed inputs (`functions`), so they stay independent of any
one example: nothing here knows what any one domain is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from single_shot_eval.pysource import parse_python

_STR_METHODS_WITH_SEPARATOR = frozenset({
    "split", "rsplit", "partition", "rpartition", "strip", "lstrip", "rstrip", "startswith",
    "endswith", "replace", "count", "find", "rfind", "index", "rindex", "removeprefix",
    "removesuffix", "splitlines",
})
_MAX_LITERAL_CHARS = 12
_MAX_INT = 10**7


@dataclass(frozen=True)
class SourceValues:
    """Input values suggested by one program's source (see the module docstring)."""

    ints: tuple[int, ...] = ()
    floats: tuple[float, ...] = ()
    lengths: tuple[int, ...] = ()
    strs: tuple[str, ...] = ()
    separators: tuple[str, ...] = ()
    alphabet: str = ""
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        """The string literals that read as words or numbers (no separators, no blanks)."""
        return tuple(s for s in self.strs if s.strip() == s and s and
                     (s.replace("_", "").isalnum()))

    @classmethod
    def of(cls, python_code: str) -> SourceValues:
        tree = parse_python(python_code)
        skipped = _docstrings_and_format_text(tree)
        boundary_ints: dict[int, None] = {}
        other_ints: dict[int, None] = {}
        floats: dict[float, None] = {}
        lengths: dict[int, None] = {}
        strs: dict[str, None] = {}
        separators: dict[str, None] = {}
        alphabet: dict[str, None] = {}
        pairs: dict[tuple[str, str], None] = {}
        boundaries = _boundary_constants(tree)

        def add_int(value: int, into: dict[int, None]) -> None:
            for near in (value, value + 1, value - 1, -value):
                into.setdefault(near, None)

        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                _lengths_of(node, lengths)
                _chars_of_compared(node, skipped, alphabet)
            elif isinstance(node, ast.Dict):
                for key, item in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        alphabet.update(dict.fromkeys(key.value[:_MAX_LITERAL_CHARS]))
                        if isinstance(item, ast.Constant) and isinstance(item.value, str) \
                                and len(key.value) + len(item.value) <= _MAX_LITERAL_CHARS:
                            alphabet.update(dict.fromkeys(item.value))
                            pairs.setdefault((key.value, item.value), None)
            elif isinstance(node, ast.MatchValue) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str) and len(node.value.value) <= 40:
                alphabet.update(dict.fromkeys(node.value.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                _separators_of(node, separators, alphabet)
            if not isinstance(node, ast.Constant) or id(node) in skipped:
                continue
            value = node.value
            if isinstance(value, bool):
                continue
            if isinstance(value, int) and abs(value) <= _MAX_INT:
                add_int(value, boundary_ints if id(node) in boundaries else other_ints)
            elif isinstance(value, float) and abs(value) <= _MAX_INT:
                for near in (value, value - 1.0, value + 1.0):
                    floats.setdefault(near, None)
            elif isinstance(value, str) and 0 < len(value) <= _MAX_LITERAL_CHARS:
                strs.setdefault(value, None)
        ints = {**boundary_ints, **other_ints}
        return cls(
            ints=tuple(ints),
            floats=tuple(floats),
            lengths=tuple(sorted(n for n in lengths if 0 <= n <= 12)),
            strs=tuple(strs),
            separators=tuple(separators),
            alphabet="".join(alphabet),
            pairs=tuple(pairs)[:12],
        )


def _docstrings_and_format_text(tree: ast.AST) -> set[int]:
    """ids of the constants that are docstrings or the literal text of f-strings."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            skipped.add(id(node.body[0].value))
        elif isinstance(node, ast.JoinedStr):
            skipped |= {id(part) for part in node.values if isinstance(part, ast.Constant)}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in {"ValueError", "TypeError", "KeyError", "print"}:
            skipped |= {id(arg) for arg in node.args if isinstance(arg, ast.Constant)}
    return skipped


def _boundary_constants(tree: ast.AST) -> set[int]:
    """ids of the int constants that are comparison operands, slice bounds or range ends."""
    found: set[int] = set()
    for node in ast.walk(tree):
        operands: list[ast.expr] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Slice):
            operands = [part for part in (node.lower, node.upper, node.step) if part is not None]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in {"range", "min", "max"}:
            operands = list(node.args)
        for operand in operands:
            for child in ast.walk(operand):
                if isinstance(child, ast.Constant) and isinstance(child.value, int):
                    found.add(id(child))
    return found


def _lengths_of(node: ast.Compare, lengths: dict[int, None]) -> None:
    """N-1, N, N+1 for `len(x) <op> N` (either side)."""
    sides = [node.left, *node.comparators]
    has_len = any(isinstance(side, ast.Call) and isinstance(side.func, ast.Name)
                  and side.func.id == "len" for side in sides)
    if not has_len:
        return
    for side in sides:
        if isinstance(side, ast.Constant) and isinstance(side.value, int) \
                and not isinstance(side.value, bool):
            for near in (side.value - 1, side.value, side.value + 1):
                lengths.setdefault(near, None)


def _chars_of_compared(node: ast.Compare, skipped: set[int], alphabet: dict[str, None]) -> None:
    """Characters of string literals a value is compared with or looked up in."""
    for side in (node.left, *node.comparators):
        literals: list[ast.expr] = [side]
        if isinstance(side, ast.Tuple | ast.List | ast.Set):
            literals = list(side.elts)
        for literal in literals:
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str) \
                    and id(literal) not in skipped and len(literal.value) <= 40:
                alphabet.update(dict.fromkeys(literal.value))


def _separators_of(node: ast.Call, separators: dict[str, None],
                   alphabet: dict[str, None]) -> None:
    assert isinstance(node.func, ast.Attribute)
    method = node.func.attr
    receiver = node.func.value
    if method == "join" and isinstance(receiver, ast.Constant) and isinstance(receiver.value, str):
        separators.setdefault(receiver.value or " ", None)
        return
    if method not in _STR_METHODS_WITH_SEPARATOR:
        return
    if not node.args and method in {"split", "rsplit"}:
        separators.setdefault(" ", None)
        return
    for arg in node.args[:1]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
            if method in {"strip", "lstrip", "rstrip"}:
                alphabet.update(dict.fromkeys(arg.value))
                continue
            separators.setdefault(arg.value, None)
            alphabet.update(dict.fromkeys(arg.value))
