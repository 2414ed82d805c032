"""Parse and compile Python source safely from any thread.

CPython 3.11 keeps the AST constructor's recursion depth in shared state: two threads parsing at
once can fail with `SystemError: AST constructor recursion depth mismatch` (python/cpython#106905).
Every `ast.parse` / `compile` of Python source in this package goes through these functions,
which serialise them behind one process-wide lock.
"""

from __future__ import annotations

import ast
import threading
from types import CodeType

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
