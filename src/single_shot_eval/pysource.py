"""Parse and compile Python source safely from any thread.

CPython 3.11 keeps the AST constructor's recursion depth in shared state: two threads parsing at
once can fail with `SystemError: AST constructor recursion depth mismatch` (python/cpython#106905).
Every `ast.parse` / `compile` of Python source in this package goes through these functions,
which serialise them behind one process-wide lock.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterator
from types import CodeType
from typing import Any

_PARSE_LOCK = threading.RLock()


def parse_python(source: str, filename: str = "<unknown>", mode: str = "exec") -> ast.Module:
    """`ast.parse(source)`, serialised with every other parse or compile in the process."""
    with _PARSE_LOCK:
        tree = ast.parse(source, filename=filename, mode=mode)
    assert isinstance(tree, ast.Module) or mode != "exec"
    return tree  # type: ignore[return-value]


def parse_expression(source: str) -> ast.expr:
    """The expression node of `source` (`ast.parse(source, mode="eval").body`), serialised."""
    with _PARSE_LOCK:
        tree = ast.parse(source, mode="eval")
    return tree.body


def compile_python(source: str, filename: str) -> CodeType:
    """`compile(source, filename, "exec")`, serialised; raises SyntaxError/ValueError as usual."""
    with _PARSE_LOCK:
        return compile(source, filename, "exec", dont_inherit=True)


def _call_arguments(text: str, name: str) -> Iterator[str]:
    """The argument text of every `name(...)` in `text` (not its `def`), parentheses balanced
    and quotes respected."""
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\s*\(", text):
        if text[max(0, match.start() - 4) : match.start()].endswith("def "):
            continue
        depth, quote, position = 1, "", match.end()
        while position < len(text) and depth:
            char = text[position]
            if quote:
                if char == "\\":
                    position += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            position += 1
        if depth == 0:
            yield text[match.end() : position - 1]


def literal_calls(text: str, name: str) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    """Positional and keyword arguments of every call of `name` that `text` writes out with
    literal values only, in order: doctest lines, calls in docstrings and comments, calls in
    the code. These are the inputs an author shows; a call with any other expression is skipped.
    """
    for arguments in _call_arguments(text, name):
        try:
            node = parse_expression(f"_({arguments})")
        except SyntaxError:
            continue
        if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        if any(kw.arg is None for kw in node.keywords):
            continue
        try:
            positional = [ast.literal_eval(arg) for arg in node.args]
            named = {str(kw.arg): ast.literal_eval(kw.value) for kw in node.keywords}
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        yield positional, named
