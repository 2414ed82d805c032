"""Seeds: the inputs an example shows itself, and type-aware mutations around them.

A program's own text may show how it is run (`echo '{"x": [1]}' | python tool.py relu`,
`$ tool.py --count 3`): `shown_invocations` gives those argv words and stdin.

A function's own examples say which behaviour its author cared about: a doctest line
(`>>> count("aaa", "aa")`), a call in a docstring or comment (`e.g. f([3, 1, 2])`), a call with
literal arguments in the file (a main block, a module-level demo). Generic edge values and random
draws rarely hit that behaviour (overlapping occurrences, a decreasing sequence, a sentence after
a period), so these inputs come first, always make it into the case set, and are then varied the
way EvalPlus varies seeds: numbers shifted by one and negated, strings repeated, reversed and
split at their sentences, sequences reversed, sorted and doubled; one parameter at a time.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

from single_shot_eval.casegen.candidate_sources import round_robin
from single_shot_eval.casegen.function_values import json_key
from single_shot_eval.corpus.contract import FunctionSignature, PyType, TypeKind
from single_shot_eval.pysource import literal_calls

MAX_SEEDS = 24
"""At most this many seeds per example (a file that calls its function in a long table)."""

MAX_MUTATIONS = 48


def conform(value: Any, py_type: PyType) -> Any:
    """`value` as a value of `py_type` the way Python's own call would see it (an int where a
    float is declared is that float; a tuple where a list is, that list). ValueError when it
    is not one."""
    kind = py_type.kind
    if kind is TypeKind.BOOL and isinstance(value, bool):
        return value
    if isinstance(value, bool):
        raise ValueError("a bool where another type is declared")
    if kind is TypeKind.INT and isinstance(value, int):
        return value
    if kind is TypeKind.FLOAT and isinstance(value, int | float):
        return float(value)
    if kind is TypeKind.STR and isinstance(value, str):
        return value
    if kind is TypeKind.OPTION:
        return None if value is None else conform(value, py_type.args[0])
    if kind in (TypeKind.LIST, TypeKind.SET) and isinstance(value, list | tuple | set):
        items = [conform(item, py_type.args[0]) for item in value]
        if kind is TypeKind.SET:
            return sorted({json_key(v): v for v in items}.values(), key=json_key)
        return items
    if kind is TypeKind.TUPLE and isinstance(value, list | tuple) and len(value) == len(
        py_type.args
    ):
        return [conform(item, arg) for item, arg in zip(value, py_type.args, strict=True)]
    if kind is TypeKind.DICT and isinstance(value, dict):
        key_type, value_type = py_type.args
        return {conform(k, key_type): conform(v, value_type) for k, v in value.items()}
    raise ValueError(f"not a {kind.value}")


def seed_inputs(python_code: str, signature: FunctionSignature) -> list[list[Any]]:
    """Argument lists of the calls of the entry point that `python_code` writes out with
    literal arguments (doctests, docstrings, comments, code), in file order, conformed to the
    signature; calls that do not fit it are left out."""
    parameters = signature.parameters
    seeds: list[list[Any]] = []
    for positional, named in literal_calls(python_code, signature.name):
        if len(positional) > len(parameters):
            continue
        values: list[Any] = list(positional)
        try:
            for parameter in parameters[len(positional) :]:
                if parameter.name in named:
                    values.append(named.pop(parameter.name))
                elif parameter.has_default:
                    values.append(parameter.default)
                else:
                    raise ValueError(f"no value for {parameter.name}")
            if named:
                continue
            conformed = [conform(v, p.py_type) for v, p in zip(values, parameters, strict=True)]
        except ValueError:
            continue
        if conformed not in seeds:
            seeds.append(conformed)
        if len(seeds) >= MAX_SEEDS:
            break
    return seeds


def _sentences_rejoined(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    if len(parts) < 2:
        return []
    return [".  ".join(p.rstrip(".") for p in parts) + ".", " ".join(reversed(parts))]


def _str_mutations(text: str) -> list[str]:
    half = len(text) // 2
    return [text + text, text[::-1], text[:half], text[half:], text + text[-1:] * 2,
            text.swapcase(), *_sentences_rejoined(text), f" {text} "]


def _int_mutations(number: int) -> list[int]:
    return [number + 1, number - 1, -number, 2 * number]


def _float_mutations(number: float) -> list[float]:
    return [number + 1.0, number - 1.0, -number, number / 2, number * 10]


def _list_mutations(items: list[Any], item_type: PyType) -> list[list[Any]]:
    found: list[list[Any]] = [items[::-1], items + items, items[1:], items[:1] + items]
    if item_type.kind in (TypeKind.INT, TypeKind.FLOAT, TypeKind.STR):
        found += [sorted(items), sorted(items, reverse=True)]
    if items and item_type.kind is TypeKind.INT:
        found.append([*items[:-1], items[-1] + 1])
    return found


def _mutations(value: Any, py_type: PyType) -> list[Any]:
    kind = py_type.kind
    mutate: dict[TypeKind, Callable[[Any], list[Any]]] = {
        TypeKind.INT: _int_mutations,
        TypeKind.FLOAT: _float_mutations,
        TypeKind.STR: _str_mutations,
        TypeKind.BOOL: lambda flag: [not flag],
    }
    if kind in mutate:
        return mutate[kind](value)
    if kind is TypeKind.OPTION and value is not None:
        return [None, *_mutations(value, py_type.args[0])]
    if kind is TypeKind.LIST and isinstance(value, list):
        return _list_mutations(value, py_type.args[0])
    return []


def mutated_inputs(seeds: list[list[Any]], signature: FunctionSignature) -> list[list[Any]]:
    """Inputs one type-aware step away from a seed: one parameter varied at a time, the first
    variations of every seed before the later ones of any."""
    per_seed: list[list[list[Any]]] = []
    for seed in seeds:
        variants: list[list[Any]] = []
        for index, parameter in enumerate(signature.parameters):
            for value in _mutations(seed[index], parameter.py_type):
                try:
                    value = conform(value, parameter.py_type)
                except ValueError:
                    continue
                variants.append([*seed[:index], value, *seed[index + 1 :]])
        per_seed.append(variants)
    found: list[list[Any]] = []
    for variant in round_robin(*per_seed):
        if variant not in found + seeds:
            found.append(variant)
    return found[:MAX_MUTATIONS]


MAX_INVOCATIONS = 8
# `<file>`, `[options]`, `FILE`, `...`; and `--help`, which the generators already try.
_PLACEHOLDER = re.compile(r"^(<.*|\[-*[A-Za-z].*|\.\.\.|[A-Z][A-Z_]+|-h|--help|-V|--version)$")


def shown_invocations(texts: list[str], script_name: str) -> list[tuple[tuple[str, ...], str]]:
    """(argv words, stdin) of each run of `script_name` the texts write out (`python x.py a b`,
    `$ x.py a`, `./x.py a`, after `echo '...' |` for stdin), in order; none with a
    placeholder, and nothing past a pipe or redirect."""
    shown = re.compile(r"(?:(?:echo|printf)\s+(?P<stdin>'[^'\n]*'|\"[^\"\n]*\")\s*\|\s*)?"
                       r"(?:python3?\s+|\$\s+|\./)(?:[\w./-]*/)?" + re.escape(script_name)
                       + r"(?P<args>[^\n|>;&#`]*)")
    found: list[tuple[tuple[str, ...], str]] = []
    for match in (m for text in texts for m in shown.finditer(text)):
        try:
            words = tuple(shlex.split(match["args"]))
            stdin = shlex.split(match["stdin"])[0] + "\n" if match["stdin"] else ""
        except ValueError:
            continue
        if not any(_PLACEHOLDER.match(word) for word in words) and (words, stdin) not in found:
            found.append((words, stdin))
    return found[:MAX_INVOCATIONS]
