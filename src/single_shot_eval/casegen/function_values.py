"""Python values of function cases and their JSON form: tagging sets and tuples so that they
survive JSON, and comparing what the oracle returned with what a case expects."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


# ---------------------------------------------------------------------------------------------
# Values


class Unrepresentable(Exception):
    """A Python value the harness has no Rust form for."""


def untag(tagged: list[Any]) -> Any:
    kind = tagged[0]
    if kind == "n":
        return None
    if kind == "b":
        return bool(tagged[1])
    if kind == "i":
        return int(tagged[1])
    if kind == "f":
        return float(tagged[1])
    if kind == "s":
        return tagged[1]
    if kind == "l":
        return [untag(item) for item in tagged[1]]
    if kind == "t":
        return tuple(untag(item) for item in tagged[1])
    if kind == "S":
        return _SetValue(untag(item) for item in tagged[1])
    if kind == "d":
        return {_hashable(untag(k)): untag(v) for k, v in tagged[1]}
    raise Unrepresentable(f"a {tagged[1]} object")


class _SetValue(list[Any]):
    """A Python set's elements, sorted as the oracle sent them (a list keeps them orderly)."""


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        raise Unrepresentable("an unhashable key")
    return value


def case_value(value: Any) -> Any:
    """A Python value as a case value (JSON-like: tuples and sets become lists); raises
    `Unrepresentable` for ints outside i64, lone surrogates and tuple dict keys."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        if not _I64_MIN <= value <= _I64_MAX:
            raise Unrepresentable("an int outside i64")
        return value
    if isinstance(value, str):
        if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
            raise Unrepresentable("a lone surrogate")
        return value
    if isinstance(value, list | tuple):
        return [case_value(item) for item in value]
    if isinstance(value, dict):
        if any(isinstance(key, tuple) for key in value):
            raise Unrepresentable("tuple dict keys")
        return {key: case_value(item) for key, item in value.items()}
    raise Unrepresentable(type(value).__name__)


def same_value(expected: Any, actual: Any) -> bool:
    """Equality as the harness judges it: floats with 1e-9 tolerance (NaN equals NaN), lists
    and tuples alike, dict keys compared as text (JSON keys are strings)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (
            isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
        )
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, float) or isinstance(actual, float):
            a, b = float(expected), float(actual)
            if math.isnan(a) or math.isnan(b):
                return math.isnan(a) and math.isnan(b)
            return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        return expected == actual
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(
            same_value(a, b) for a, b in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        left = {_key_text(k): v for k, v in expected.items()}
        right = {_key_text(k): v for k, v in actual.items()}
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    return bool(type(expected) is type(actual) and expected == actual)


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def contains_value(value: Any, test: Callable[[Any], bool]) -> bool:
    if test(value):
        return True
    if isinstance(value, list | tuple):
        return any(contains_value(item, test) for item in value)
    if isinstance(value, dict):
        return any(contains_value(k, test) or contains_value(v, test) for k, v in value.items())
    return False


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr, allow_nan=True)


