"""The translation contract of a function or class example: the Rust signature a translation
must have (`signature`), the types inferred where Python leaves them open (`type_inference`,
`code_types`, `value_types`), and the Rust literals of its cases (`literals`).

It is part of the corpus: parsed when an example is loaded, read by the prompt, the case
generator and the verifier's harness alike, so all of them agree on every type.
"""

from single_shot_eval.corpus.contract.literals import (
    UnsupportedCaseValue,
    check_cases,
    harness_target,
    rust_string_literal,
    with_contract,
)
from single_shot_eval.corpus.contract.signature import (
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
    "HOLE",
    "SIGNATURE_CONVENTION",
    "ClassSignature",
    "FunctionSignature",
    "MethodKind",
    "MethodSignature",
    "Parameter",
    "PyType",
    "TypeKind",
    "UnsupportedCaseValue",
    "UnsupportedSignature",
    "check_cases",
    "find_entry_point",
    "harness_target",
    "has_hole",
    "parse_annotation",
    "parse_signature",
    "rust_identifier",
    "rust_signature",
    "rust_string_literal",
    "rust_uses",
    "with_contract",
]
