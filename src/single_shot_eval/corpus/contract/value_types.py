"""Partial Python types and how they combine: the type of a JSON or Python value, the join of
two types (`list[int]` and `list[HOLE]` give `list[int]`; a conflict gives None), filling the
holes of a partial type, and an annotation read with holes for bare generics."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from single_shot_eval.corpus.contract.signature import HOLE, PyType, TypeKind, has_hole


def join(left: PyType | None, right: PyType | None) -> PyType | None:
    """The least type holding both (`int` and `float` -> float; a hole takes the other side);
    None when they conflict."""
    if left is None or left == HOLE:
        return right
    if right is None or right == HOLE:
        return left
    if left == right:
        return left
    kinds = {left.kind, right.kind}
    if kinds == {TypeKind.INT, TypeKind.FLOAT}:
        return PyType(TypeKind.FLOAT)
    if left.kind is TypeKind.OPTION or right.kind is TypeKind.OPTION:
        inner_left = left.args[0] if left.kind is TypeKind.OPTION else left
        inner_right = right.args[0] if right.kind is TypeKind.OPTION else right
        inner = join(inner_left, inner_right)
        return None if inner is None else PyType(TypeKind.OPTION, (inner,))
    if left.kind is not right.kind or len(left.args) != len(right.args):
        return None
    args = []
    for a, b in zip(left.args, right.args, strict=True):
        joined = join(a, b)
        if joined is None:
            return None
        args.append(joined)
    return PyType(left.kind, tuple(args))


def fill(partial: PyType | None, source: PyType | None) -> PyType | None:
    """`partial` with its holes filled from `source` where the shapes agree (partial wins)."""
    if partial is None or partial == HOLE:
        return source if source is not None else partial
    if source is None or source == HOLE:
        return partial
    if partial.kind is TypeKind.OPTION and source.kind is not TypeKind.OPTION:
        return PyType(TypeKind.OPTION, (fill(partial.args[0], source) or HOLE,))
    if partial.kind is not source.kind or len(partial.args) != len(source.args):
        if partial.kind is TypeKind.FLOAT or not has_hole(partial):
            return partial
        return partial
    return PyType(
        partial.kind,
        tuple(fill(a, b) or HOLE for a, b in zip(partial.args, source.args, strict=True)),
    )


def type_of_value(value: Any, *, from_json: bool = False) -> PyType | None:
    """The Python type of a value (JSON lists are lists); None for values no type holds.

    With `from_json`, dict keys are holes (JSON keys are strings whatever the function used) and
    JSON `null` is `Optional[hole]`."""
    if value is None:
        return PyType(TypeKind.OPTION, (HOLE,))
    if isinstance(value, bool):
        return PyType(TypeKind.BOOL)
    if isinstance(value, int):
        return PyType(TypeKind.INT)
    if isinstance(value, float):
        return PyType(TypeKind.FLOAT)
    if isinstance(value, str):
        return PyType(TypeKind.STR)
    if isinstance(value, tuple):
        items = [type_of_value(item, from_json=from_json) for item in value]
        if not items or any(item is None for item in items):
            return None
        return PyType(TypeKind.TUPLE, tuple(item or HOLE for item in items))
    if isinstance(value, list | set | frozenset):
        kind = TypeKind.LIST if isinstance(value, list) else TypeKind.SET
        element: PyType | None = HOLE
        for item in value:
            element = join(element, type_of_value(item, from_json=from_json))
            if element is None:
                return None
        return PyType(kind, (element or HOLE,))
    if isinstance(value, dict):
        key: PyType | None = HOLE
        item_type: PyType | None = HOLE
        for k, v in value.items():
            if not from_json:
                key = join(key, type_of_value(k))
            item_type = join(item_type, type_of_value(v, from_json=from_json))
            if key is None or item_type is None:
                return None
        return PyType(TypeKind.DICT, (key or HOLE, item_type or HOLE))
    return None


def join_values(values: Iterable[Any], *, from_json: bool = False) -> PyType | None:
    """The joined type of several values (a hole when there are none); None on a conflict."""
    result: PyType | None = HOLE
    for value in values:
        result = join(result, type_of_value(value, from_json=from_json))
        if result is None:
            return None
    return result


def join_all(types: Iterable[PyType | None]) -> PyType | None:
    """The join of several types; None when any is unknown or they conflict."""
    result: PyType | None = HOLE
    for item in types:
        if item is None:
            return None
        result = join(result, item)
        if result is None:
            return None
    return None if result == HOLE else result


def annotation_type(node: ast.expr | None) -> PyType | None:
    """A parsed annotation with holes for bare generics (`list` -> list[hole]); None when
    absent or not a type the harness knows."""
    from single_shot_eval.corpus.contract.signature import (
        UnsupportedSignature,
        parse_annotation,
    )

    if node is None:
        return None
    bare = {"list": TypeKind.LIST, "List": TypeKind.LIST, "set": TypeKind.SET,
            "Set": TypeKind.SET, "dict": TypeKind.DICT, "Dict": TypeKind.DICT}
    if isinstance(node, ast.Name) and node.id in bare:
        kind = bare[node.id]
        return PyType(kind, (HOLE, HOLE) if kind is TypeKind.DICT else (HOLE,))
    try:
        return parse_annotation(node)
    except UnsupportedSignature:
        return None
