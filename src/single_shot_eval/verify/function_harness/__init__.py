"""Function-level ground truth: the Rust signature a translation must have, and its unit tests.

The public surface of the harness: `signature` (the Python annotations and the Rust signature
they map to), `render` (the prompt's requirement and the test module, with the data file
`support.rs`) and `libtest` (reading the test binary's run).
"""

from single_shot_eval.verify.function_harness.libtest import (
    PASS_RECORD,
    TestRunOutcome,
    new_nonce,
    parse_libtest_output,
    passed_cases,
)
from single_shot_eval.verify.function_harness.render import (
    FLOAT_TOLERANCE,
    HARNESS_MODULE,
    HARNESS_TEST_FILTER,
    RUSTC_TEST_ARGS,
    TEST_BINARY_ARGS,
    UnsupportedCaseValue,
    function_requirements,
    harness_target,
    render_target_cases,
    render_test_module,
    rust_string_literal,
)
from single_shot_eval.verify.function_harness.signature import (
    HOLE,
    SIGNATURE_CONVENTION,
    ClassSignature,
    FunctionSignature,
    MethodKind,
    MethodSignature,
    Parameter,
    PyType,
    TypeKind,
    UnsupportedSignature,
    find_entry_point,
    has_hole,
    parse_annotation,
    parse_signature,
    rust_identifier,
    rust_signature,
    rust_uses,
)

__all__ = [
    "FLOAT_TOLERANCE",
    "HARNESS_MODULE",
    "HARNESS_TEST_FILTER",
    "HOLE",
    "PASS_RECORD",
    "RUSTC_TEST_ARGS",
    "SIGNATURE_CONVENTION",
    "TEST_BINARY_ARGS",
    "ClassSignature",
    "FunctionSignature",
    "MethodKind",
    "MethodSignature",
    "Parameter",
    "PyType",
    "TestRunOutcome",
    "TypeKind",
    "UnsupportedCaseValue",
    "UnsupportedSignature",
    "find_entry_point",
    "function_requirements",
    "harness_target",
    "has_hole",
    "new_nonce",
    "parse_annotation",
    "parse_libtest_output",
    "parse_signature",
    "passed_cases",
    "render_target_cases",
    "render_test_module",
    "rust_identifier",
    "rust_signature",
    "rust_string_literal",
    "rust_uses",
]
