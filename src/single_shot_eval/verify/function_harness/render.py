"""Rendering function-level ground truth: the prompt's Rust shape and the harness's unit tests.

A function record names one typed Python function (the entry point) and test cases whose
inputs and expected values are JSON. The model is asked for a Rust function with the signature
`rust_signature` renders; the verifier appends `render_test_module` to the model's file,
compiles it with `rustc --edition 2021 --test -A warnings`, runs the test binary with
`--test-threads=1` (plus `HARNESS_TEST_FILTER`) and a fresh nonce on stdin, and counts the cases
that passed with `passed_cases` (failure messages come from `parse_libtest_output`). The same
convention (`signature.SIGNATURE_CONVENTION`) drives the signature and the test literals, so the
model and the harness agree on every type. The Rust support code every test module carries is
the data file `support.rs`; `libtest` reads the run.

Test module
-----------
`render_test_module` emits `#[cfg(test)] mod single_shot_eval_harness` with one
`#[test] fn case_<i>()` per case, so libtest counts passes per case. It refers to std items by
absolute paths (`::std::collections::HashMap`, ...) and calls `super::<entry point>` so names in
the candidate cannot shadow them; `use super::*;` makes the candidate's own types visible. Every
comparison goes through a tolerance-aware trait (floats anywhere inside vectors, options,
tuples and map values are compared with `math.isclose(rel_tol=1e-9, abs_tol=1e-9)` semantics).
A failing case panics with its index, the JSON inputs, and the expected and actual values
(`{:?}`).

Open types, classes and async
-----------------------------
`harness_target` is what the prompt (`function_requirements`) and the verifier
(`render_test_module`) both use. A parameter or return type that is missing or bare (`list`,
`dict`) is inferred by `type_inference` from the hand-written cases, the code, then the
generated cases, so both sides see the same types. An `async def` entry point is called like a
plain `fn` (the prompt says so). An entry point naming a class is driven as
`Type::new(constructor args)` followed by a sequence of method calls, every result compared
with Python's: public methods keep their names (`&mut self` where Python assigns to `self`),
a `@property` is a method of the same name and its setter `set_<name>`. A class case is
`FunctionCase(inputs=(constructor_args, [[method, args], ...]), expected=[result, ...])`.

A case passes only by its pass record: before any candidate code runs, the first case reads a
per-run nonce from stdin (the verifier writes it; the candidate then finds stdin empty), and each
case, once its check passed, writes `single-shot-eval-case-passed NONCE INDEX` to stderr
(bypassing libtest's capture). `passed_cases` counts exactly one such record per case; the
`test ... ok` lines of libtest, which a candidate can print as well, only serve failure messages.
Residual risk: candidate code that runs before `main` (a `.init_array` entry) or scans its own
memory can still learn the nonce; only an out-of-process harness would close that.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Sequence
from importlib import resources
from typing import Any

from single_shot_eval.corpus.example import FunctionCase
from single_shot_eval.errors import ConfigError
from single_shot_eval.pysource import parse_python
from single_shot_eval.verify.function_harness.libtest import PASS_RECORD
from single_shot_eval.verify.function_harness.signature import (
    ClassSignature,
    FunctionSignature,
    Parameter,
    PyType,
    TypeKind,
    rust_identifier,
)

HARNESS_MODULE = "single_shot_eval_harness"
"""Name of the Rust test module `render_test_module` emits; distinctive so it cannot clash."""

HARNESS_TEST_FILTER = f"{HARNESS_MODULE}::"
"""Pass this to the test binary so only harness cases run (not tests the candidate wrote)."""

RUSTC_TEST_ARGS: tuple[str, ...] = ("--edition", "2021", "--test", "-A", "warnings")
"""rustc flags the harness is written for (add `-o <binary> <file.rs>`)."""

TEST_BINARY_ARGS: tuple[str, ...] = ("--test-threads=1", HARNESS_TEST_FILTER)
"""Arguments for the compiled test binary: one thread (ordered output) and harness tests only."""

FLOAT_TOLERANCE = 1e-9
"""Relative and absolute tolerance of every float comparison in the rendered tests."""

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


class _LiteralWriter:
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


def _case_arguments(signature: FunctionSignature, case: FunctionCase, index: int) -> list[Any]:
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


# The harness's Rust support code (tolerant equality, the nonce, pass records): a data file of
# this package, pasted into the test module after its constants.
_SUPPORT_CODE = (
    resources.files(__package__).joinpath("support.rs").read_text(encoding="utf-8")
)


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
    from single_shot_eval.verify.type_inference import resolve_class, resolve_signature

    tree = parse_python(python_code)
    if any(isinstance(n, ast.ClassDef) and n.name == entry_point for n in tree.body):
        return resolve_class(python_code, entry_point, cases, open_return=open_return)
    return resolve_signature(python_code, entry_point, cases, open_return=open_return)


def function_requirements(
    python_code: str, entry_point: str, cases: Sequence[FunctionCase] = ()
) -> str:
    """The prompt's instruction for a function or class example: the exact Rust shape the
    harness will call (raises `UnsupportedSignature` when there is none)."""
    target = harness_target(python_code, entry_point, cases)
    uses = "".join(
        f"use std::collections::{name};\n" for name in sorted(target.collections_used())
    )
    if isinstance(target, ClassSignature):
        return (
            f"Write a Rust struct `{target.name}` with exactly these associated functions and "
            f"methods (the test harness constructs it with `{target.name}::new(..)` and calls the "
            "methods by these names; a Python `@property` becomes a method of the same name, its "
            "setter `set_<name>`; you may add fields, helper items and `use` declarations; no "
            "`fn main` is needed; standard library only):\n"
            f"```rust\n{uses}{target.rust()}\n```"
        )
    note = ""
    if target.is_async:
        note = (
            "\nThe Python function is `async def`: write a plain synchronous `fn` (the harness "
            "calls it directly, without an async runtime)."
        )
    return (
        "Write the Rust function with exactly this signature (you may add helper items and "
        "`use` declarations; no `fn main` is needed; standard library only):\n"
        f"```rust\n{uses}{target.rust()}\n```{note}"
    )


def _module_header() -> list[str]:
    return [
        "",
        "#[cfg(test)]",
        "#[allow(unused_imports, unused_parens, dead_code, non_snake_case, unused_mut)]",
        f"mod {HARNESS_MODULE} {{",
        "    use super::*;",
        "",
        f"    const TOLERANCE: f64 = {FLOAT_TOLERANCE!r}_f64;",
        f"    const PASS_RECORD: &str = {rust_string_literal(PASS_RECORD)};",
        "",
        _SUPPORT_CODE,
    ]


def _render_class_cases(target: ClassSignature, cases: Sequence[FunctionCase]) -> str:
    lines = _module_header()
    class_path = f"super::{rust_identifier(target.name)}"
    for index, case in enumerate(cases):
        writer = _LiteralWriter(target.name, index)
        if len(case.inputs) != 2 or not isinstance(case.inputs[1], list | tuple):
            raise UnsupportedCaseValue(
                target.name, f"case {index}: a class case is [constructor args, calls]"
            )
        constructor_args, calls = case.inputs
        expected_results = case.expected
        if not isinstance(expected_results, list | tuple) or len(expected_results) != len(calls):
            raise UnsupportedCaseValue(
                target.name, f"case {index}: need one expected result per call"
            )
        arguments = _write_arguments(
            writer, target.constructor, list(constructor_args), "constructor", index, target.name
        )
        inputs_json = rust_string_literal(json.dumps(list(case.inputs), ensure_ascii=False))
        lines += [
            "    #[test]",
            f"    fn case_{index}() {{",
            "        let nonce = harness_nonce();",
            f"        let mut object = {class_path}::new({', '.join(arguments)});",
        ]
        for number, (call, expected_value) in enumerate(
            zip(calls, expected_results, strict=True)
        ):
            rust_name, call_args = call
            try:
                method = target.method(rust_name)
            except KeyError:
                raise UnsupportedCaseValue(
                    target.name, f"case {index}: no method {rust_name!r}"
                ) from None
            method_args = _write_arguments(
                writer, method.parameters, list(call_args), rust_name, index, target.name
            )
            expected = writer.write(expected_value, method.return_type, f"call {number} result")
            expected_type = method.return_type.rust_owned(qualified=True)
            lines += [
                f"        let expected_{number}: {expected_type} = {expected};",
                f"        let actual_{number} = object.{rust_identifier(rust_name)}"
                f"({', '.join(method_args)});",
                f"        harness_check({index}, {inputs_json}, &expected_{number}, "
                f"&actual_{number});",
            ]
        lines += [f"        harness_passed(nonce, {index});", "    }", ""]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _write_arguments(
    writer: _LiteralWriter,
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


def render_test_module(python_code: str, entry_point: str, cases: Sequence[FunctionCase]) -> str:
    """Rust source to append to a candidate file: one `#[test] fn case_<i>()` per case.

    For a class entry point each case constructs the object and checks every call of its
    sequence. Raises `UnsupportedSignature` when the entry point has no Rust signature and
    `UnsupportedCaseValue` when a case's JSON does not fit the types.
    """
    return render_target_cases(harness_target(python_code, entry_point, cases), cases)


def render_target_cases(
    target: FunctionSignature | ClassSignature, cases: Sequence[FunctionCase]
) -> str:
    """`render_test_module` for an already resolved target (raises `UnsupportedCaseValue`
    when a case does not fit its types: a cheap check that a case can be expressed)."""
    if isinstance(target, ClassSignature):
        return _render_class_cases(target, cases)
    signature = target
    function_path = f"super::{rust_identifier(signature.name)}"
    expected_type = signature.return_type.rust_owned(qualified=True)
    lines = _module_header()
    for index, case in enumerate(cases):
        writer = _LiteralWriter(signature.name, index)
        values = _case_arguments(signature, case, index)
        arguments = [
            writer.write(value, param.py_type, f"argument {param.name!r}", borrowed=True)
            for value, param in zip(values, signature.parameters, strict=True)
        ]
        expected = writer.write(case.expected, signature.return_type, "expected")
        inputs_json = json.dumps(list(case.inputs), ensure_ascii=False)
        lines += [
            "    #[test]",
            f"    fn case_{index}() {{",
            "        let nonce = harness_nonce();",
            f"        let expected: {expected_type} = {expected};",
            f"        let actual = {function_path}({', '.join(arguments)});",
            f"        harness_check({index}, {rust_string_literal(inputs_json)}, "
            "&expected, &actual);",
            f"        harness_passed(nonce, {index});",
            "    }",
            "",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"
