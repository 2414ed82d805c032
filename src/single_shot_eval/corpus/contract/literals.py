"""Rust literals for a case's JSON values, written against the contract's types.

A case fits its target when every input and expected value has a Rust literal of the type the
signature gives it: `check_cases` says so at load time (and for every generated case), and the
verifier's test module (`verify.function_harness.render`) is laid out from the same literals, so
what loads is what the harness can express.
"""

from __future__ import annotations

import ast
import contextlib
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from single_shot_eval.corpus.contract.signature import (
    ClassSignature,
    FunctionSignature,
    MethodSignature,
    Parameter,
    PyType,
    TypeKind,
)
from single_shot_eval.corpus.example import Example, ExampleKind, FunctionCase
from single_shot_eval.errors import ConfigError
from single_shot_eval.pysource import parse_python

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1


class UnsupportedCaseValue(ConfigError):
    """A test case's JSON value does not fit the annotated type (so no Rust literal exists)."""

    def __init__(self, entry_point: str, message: str) -> None:
        self.entry_point = entry_point
        super().__init__("test_cases", message, key=f"def {entry_point}")



# Rust literals for JSON values


def rust_string_literal(text: str) -> str:
    """`text` as a Rust string literal (escapes quotes, backslashes and control characters)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            out.append(f"\\u{{{code:x}}}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError("a lone surrogate cannot be part of a Rust string")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _float_literal(value: float) -> str:
    if math.isnan(value):
        return "f64::NAN"
    if math.isinf(value):
        return "f64::INFINITY" if value > 0 else "f64::NEG_INFINITY"
    text = repr(float(value))
    if "e" not in text and "." not in text:  # pragma: no cover - repr of a float always has one
        text += ".0"
    return f"{text}_f64"


class LiteralWriter:
    """Writes a Rust expression for a JSON value of a given type; errors say where it failed."""

    def __init__(self, entry_point: str, case_index: int) -> None:
        self.entry_point = entry_point
        self.case_index = case_index

    def fail(self, where: str, py_type: PyType, value: Any, why: str = "") -> UnsupportedCaseValue:
        detail = f": {why}" if why else ""
        return UnsupportedCaseValue(
            self.entry_point,
            f"case {self.case_index}, {where}: value {value!r} does not fit type "
            f"{py_type.rust_owned()}{detail}",
        )

    def write(self, value: Any, py_type: PyType, where: str, *, borrowed: bool = False) -> str:
        kind = py_type.kind
        if kind is TypeKind.OPTION:
            if value is None:
                return "::std::option::Option::None"
            inner = self.write(value, py_type.args[0], where)
            return f"::std::option::Option::Some({inner})"
        if kind is TypeKind.NONE:
            if value is not None:
                raise self.fail(where, py_type, value, "expected null")
            return "()"
        if kind is TypeKind.BOOL:
            if not isinstance(value, bool):
                raise self.fail(where, py_type, value)
            return "true" if value else "false"
        if kind is TypeKind.INT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(where, py_type, value)
            if not _I64_MIN <= value <= _I64_MAX:
                raise self.fail(where, py_type, value, "outside the i64 range")
            return "i64::MIN" if value == _I64_MIN else f"{value}_i64"
        if kind is TypeKind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(where, py_type, value)
            return _float_literal(float(value))
        if kind is TypeKind.STR:
            if not isinstance(value, str):
                raise self.fail(where, py_type, value)
            try:
                literal = rust_string_literal(value)
            except ValueError as exc:
                raise self.fail(where, py_type, value, str(exc)) from None
            return literal if borrowed else f"::std::string::String::from({literal})"
        if kind is TypeKind.TUPLE:
            if not isinstance(value, list | tuple) or len(value) != len(py_type.args):
                raise self.fail(where, py_type, value, f"need a list of {len(py_type.args)}")
            items = [
                self.write(item, item_type, f"{where}[{i}]")
                for i, (item, item_type) in enumerate(zip(value, py_type.args, strict=True))
            ]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if kind in (TypeKind.LIST, TypeKind.SET):
            if not isinstance(value, list | tuple):
                raise self.fail(where, py_type, value, "need a JSON list")
            items = [
                self.write(item, py_type.args[0], f"{where}[{i}]") for i, item in enumerate(value)
            ]
            joined = ", ".join(items)
            if kind is TypeKind.LIST:
                if borrowed:
                    return f"&[{joined}]"
                return f"::std::vec![{joined}]" if items else "::std::vec::Vec::new()"
            text = (
                f"::std::collections::HashSet::from([{joined}])"
                if items
                else "::std::collections::HashSet::new()"
            )
            return "&" + text if borrowed else text
        if kind is TypeKind.DICT:
            if not isinstance(value, dict):
                raise self.fail(where, py_type, value, "need a JSON object")
            key_type, value_type = py_type.args
            pairs = []
            for key, item in value.items():
                key_value = self._dict_key(key, key_type, where)
                key_text = self.write(key_value, key_type, f"{where} key {key!r}")
                item_text = self.write(item, value_type, f"{where}[{key!r}]")
                pairs.append(f"({key_text}, {item_text})")
            text = (
                f"::std::collections::HashMap::from([{', '.join(pairs)}])"
                if pairs
                else "::std::collections::HashMap::new()"
            )
            return "&" + text if borrowed else text
        raise AssertionError(kind)  # pragma: no cover - every kind is handled above

    def _dict_key(self, key: Any, key_type: PyType, where: str) -> Any:
        """JSON object keys are strings; convert them back to the annotated key type."""
        if key_type.kind is TypeKind.STR or not isinstance(key, str):
            return key
        if key_type.kind is TypeKind.INT:
            try:
                return int(key)
            except ValueError:
                raise self.fail(where, key_type, key, "key is not an integer") from None
        if key_type.kind is TypeKind.BOOL and key in ("true", "false"):
            return key == "true"
        raise self.fail(where, key_type, key, "JSON object keys can only be str, int or bool")


def case_arguments(signature: FunctionSignature, case: FunctionCase, index: int) -> list[Any]:
    """The case's positional inputs, with trailing literal defaults filled in."""
    inputs = list(case.inputs)
    params = signature.parameters
    if len(inputs) > len(params):
        raise UnsupportedCaseValue(
            signature.name,
            f"case {index}: {len(inputs)} inputs but the function takes {len(params)} parameters",
        )
    for param in params[len(inputs) :]:
        if not param.has_default:
            raise UnsupportedCaseValue(
                signature.name,
                f"case {index}: no input for parameter {param.name!r} and no literal default",
            )
        inputs.append(param.default)
    return inputs


def write_arguments(
    writer: LiteralWriter,
    parameters: Sequence[Parameter],
    values: list[Any],
    where: str,
    index: int,
    name: str,
) -> list[str]:
    if len(values) > len(parameters):
        raise UnsupportedCaseValue(
            name, f"case {index}: {where} gets {len(values)} arguments, takes {len(parameters)}"
        )
    for param in parameters[len(values):]:
        if not param.has_default:
            raise UnsupportedCaseValue(
                name, f"case {index}: {where}: no value for parameter {param.name!r}"
            )
        values.append(param.default)
    return [
        writer.write(value, param.py_type, f"{where} argument {param.name!r}", borrowed=True)
        for value, param in zip(values, parameters, strict=True)
    ]


def harness_target(
    python_code: str,
    entry_point: str,
    cases: Sequence[FunctionCase] = (),
    *,
    open_return: bool = False,
) -> FunctionSignature | ClassSignature:
    """What the harness calls for `entry_point`: a function signature, or a class outline when
    the entry point names a class. Missing or bare (`list`, `dict`) annotations are inferred
    from `cases` and the code (see `type_inference`); `UnsupportedSignature` when they cannot be
    (with `open_return`, an undetermined return type is left as `HOLE` instead).
    """
    from single_shot_eval.corpus.contract.type_inference import resolve_class, resolve_signature

    tree = parse_python(python_code)
    if any(isinstance(n, ast.ClassDef) and n.name == entry_point for n in tree.body):
        return resolve_class(python_code, entry_point, cases, open_return=open_return)
    return resolve_signature(python_code, entry_point, cases, open_return=open_return)


def with_contract(example: Example) -> Example:
    """`example` with its `contract` resolved from its source and cases: the loader calls it
    once, and so does whoever changes an example's cases. None for a program, and for an entry
    point without a Rust form (the loader marks that example unjudgeable)."""
    contract = None
    if example.kind is ExampleKind.FUNCTION and example.entry_point is not None:
        with contextlib.suppress(ConfigError):
            contract = harness_target(example.python_source, example.entry_point,
                                      example.function_cases)
    return replace(example, contract=contract)


def class_case_parts(
    target: ClassSignature, case: FunctionCase, index: int
) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
    """A class case's constructor arguments, method calls and expected results."""
    if len(case.inputs) != 2 or not isinstance(case.inputs[1], list | tuple):
        raise UnsupportedCaseValue(
            target.name, f"case {index}: a class case is [constructor args, calls]"
        )
    constructor_args, calls = case.inputs
    expected_results = case.expected
    if not isinstance(expected_results, list | tuple) or len(expected_results) != len(calls):
        raise UnsupportedCaseValue(target.name, f"case {index}: need one expected result per call")
    return constructor_args, calls, expected_results


def class_method(target: ClassSignature, rust_name: str, index: int) -> MethodSignature:
    """The method a class case calls; `UnsupportedCaseValue` when the class has none."""
    try:
        return target.method(rust_name)
    except KeyError:
        raise UnsupportedCaseValue(target.name, f"case {index}: no method {rust_name!r}") from None


def check_cases(target: FunctionSignature | ClassSignature, cases: Sequence[FunctionCase]) -> None:
    """Raise `UnsupportedCaseValue` unless every case's values have Rust literals of the
    target's types (the check the harness would otherwise fail at compile time)."""
    for index, case in enumerate(cases):
        writer = LiteralWriter(target.name, index)
        if isinstance(target, FunctionSignature):
            values = case_arguments(target, case, index)
            for value, param in zip(values, target.parameters, strict=True):
                writer.write(value, param.py_type, f"argument {param.name!r}", borrowed=True)
            writer.write(case.expected, target.return_type, "expected")
            continue
        constructor_args, calls, expected_results = class_case_parts(target, case, index)
        write_arguments(
            writer, target.constructor, list(constructor_args), "constructor", index, target.name
        )
        for number, (call, expected_value) in enumerate(zip(calls, expected_results, strict=True)):
            rust_name, call_args = call
            method = class_method(target, rust_name, index)
            write_arguments(
                writer, method.parameters, list(call_args), rust_name, index, target.name
            )
            writer.write(expected_value, method.return_type, f"call {number} result")
