"""Inputs a program's docstrings spell out: a line format (`Format: DATE STATUS [host] text`)
with its placeholders filled from the program's own collections (`STATUS` from
`STATUSES = ["OK", "FAIL", ...]`), and the examples that function docstrings give
(`Format: 'days time_range' (e.g., 'Mon-Fri 09:00-17:00')`).

Without a well-formed line, a parser's every input is "malformed" and the code that handles a
good one (the part a translation most often gets wrong) is never run.
"""

from __future__ import annotations

import ast
import re

_FORMAT_LINE = re.compile(r"(?i)\bformat\s*:\s*(\S.*?)\s*$")
_EXAMPLE_LINE = re.compile(r"(?i)\be\.g\.|\bfor example\b|\bformat\s*:|\bexamples?\s*:")
_PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{1,19}\b")
# Lines per format (one per value of the collection its placeholder names).
_LINES_PER_FORMAT = 6


def string_collections(tree: ast.Module) -> dict[str, list[str]]:
    """Names bound (at module or class level) to a list, tuple, set or dict of string
    literals, with those strings (a dict's keys)."""
    found: dict[str, list[str]] = {}
    bodies = [tree.body, *(node.body for node in tree.body if isinstance(node, ast.ClassDef))]
    for body in bodies:
        for statement in body:
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            else:
                continue
            elements = value.keys if isinstance(value, ast.Dict) else (
                value.elts if isinstance(value, ast.List | ast.Tuple | ast.Set) else [])
            strings = [e.value for e in elements
                       if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value]
            if strings:
                for target in targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, strings)
    return found


def documented_lines(tree: ast.Module) -> list[str]:
    """Input lines in the formats the docstrings state, each placeholder that names one of the
    program's string collections taking its values in turn (others kept as written)."""
    collections = {name.upper(): values for name, values in string_collections(tree).items()}
    lines: list[str] = []
    for docstring in _docstrings(tree):
        for text in docstring.splitlines():
            found = _FORMAT_LINE.search(text)
            if found is None or len(found.group(1).split()) < 2:
                continue
            template = found.group(1).strip("'\"`")
            for variant in range(_LINES_PER_FORMAT):
                line = _PLACEHOLDER.sub(lambda m, v=variant: _fill(m.group(0), v, collections),
                                        template)
                if line not in lines:
                    lines.append(line)
    return lines


def example_lines(tree: ast.Module) -> list[str]:
    """The `e.g.` / `Format:` / `Example:` lines of the docstrings of functions and classes
    (the module docstring's examples are taken with its whole text elsewhere)."""
    return [text for docstring in _docstrings(tree)[1:] for text in docstring.splitlines()
            if _EXAMPLE_LINE.search(text)]


def _fill(placeholder: str, variant: int, collections: dict[str, list[str]]) -> str:
    values = collections.get(placeholder) or collections.get(placeholder + "S") or \
        collections.get(placeholder + "ES")
    return values[variant % len(values)] if values else placeholder


def _docstrings(tree: ast.Module) -> list[str]:
    """The module's docstring (first, possibly empty), then its functions' and classes'."""
    found = [ast.get_docstring(tree) or ""]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            docstring = ast.get_docstring(node)
            if docstring:
                found.append(docstring)
    return found
