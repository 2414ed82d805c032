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
`harness_target` is what the prompt (`contract_requirements`) and the verifier
(`render_target_cases`) both use, resolved once per example as `Example.contract`. A parameter
or return type that is missing or bare (`list`, `dict`) is inferred by `type_inference` from
the hand-written cases, the code, then the generated cases, so both sides see the same types.
An `async def` entry point is called like a plain `fn` (the prompt says so). An entry point
naming a class is driven as `Type::new(constructor args)` followed by a sequence of method
calls, every result compared with Python's: public methods keep their names (`&mut self` where
Python assigns to `self`), a `@property` is a method of the same name and its setter
`set_<name>`. A class case is
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

import json
from collections.abc import Sequence
from importlib import resources

from single_shot_eval.corpus.contract.literals import (
    LiteralWriter,
    case_arguments,
    class_case_parts,
    class_method,
    harness_target,
    rust_string_literal,
    write_arguments,
)
from single_shot_eval.corpus.contract.signature import (
    ClassSignature,
    FunctionSignature,
    rust_identifier,
)
from single_shot_eval.corpus.example import FunctionCase
from single_shot_eval.verify.function_harness.libtest import PASS_RECORD

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

# The harness's Rust support code (tolerant equality, the nonce, pass records): a data file of
# this package, pasted into the test module after its constants.
_SUPPORT_CODE = (
    resources.files(__package__).joinpath("support.rs").read_text(encoding="utf-8")
)


def function_requirements(
    python_code: str, entry_point: str, cases: Sequence[FunctionCase] = ()
) -> str:
    """The prompt's instruction for a function or class example: the exact Rust shape the
    harness will call (raises `UnsupportedSignature` when there is none)."""
    return contract_requirements(harness_target(python_code, entry_point, cases))


def contract_requirements(target: FunctionSignature | ClassSignature) -> str:
    """`function_requirements` for a resolved contract (an `Example.contract`).

    The signature is shown in a ```rust fence. A model that echoes it is not failed for that:
    the answer stops, and is extracted, at the block that defines the item with a body (see
    `rustsource`), so an echoed signature is skipped. Measured on a third-party corpus, this
    kept every model's pass@1, where an indented (unfenced) signature lowered the 0.5B's.
    """
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
        writer = LiteralWriter(target.name, index)
        constructor_args, calls, expected_results = class_case_parts(target, case, index)
        arguments = write_arguments(
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
            method = class_method(target, rust_name, index)
            method_args = write_arguments(
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
        writer = LiteralWriter(signature.name, index)
        values = case_arguments(signature, case, index)
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
