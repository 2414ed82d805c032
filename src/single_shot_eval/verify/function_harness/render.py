"""Function-level ground truth: the Rust signature a translation must have, and its unit tests.

A function record names one typed Python function (the entry point) and test cases whose
inputs and expected values are JSON. The model is asked for a Rust function with the signature
`rust_signature` renders; the verifier appends `render_test_module` to the model's file,
compiles it with `rustc --edition 2021 --test -A warnings`, runs the test binary with
`--test-threads=1` (plus `HARNESS_TEST_FILTER`) and a fresh nonce on stdin, and counts the cases
that passed with `passed_cases` (failure messages come from `parse_libtest_output`). The same
convention drives the signature and the test literals, so the model and the harness agree on
every type.

Signature convention
--------------------
Write the function as a free `pub fn` at the top level of the file, named like the Python
function (Rust keywords become raw identifiers such as `r#type`), with the parameters in the
Python order. Python default values do not exist in Rust: every parameter is passed.
Python annotations map to Rust types as follows (T' is the owned Rust form of T):
- `int` -> `i64`; `float` -> `f64`; `bool` -> `bool`
- `str` -> `&str` as a parameter, `String` everywhere else (return values, inside containers)
- `list[T]` -> `&[T']` as a parameter, `Vec<T'>` everywhere else
- `tuple[A, B]` -> `(A', B')`
- `dict[K, V]` -> `&HashMap<K', V'>` as a parameter, `HashMap<K', V'>` everywhere else
- `set[T]` -> `&HashSet<T'>` as a parameter, `HashSet<T'>` everywhere else
- `Optional[T]` / `T | None` -> `Option<T'>`
- return annotation `None` -> no return type (`()`)
`HashMap` and `HashSet` are `std::collections::HashMap` / `HashSet` with the default hasher;
import them with `use std::collections::{HashMap, HashSet};`. Use only the standard library.
Integers must fit in `i64`; floats are compared with relative and absolute tolerance 1e-9.

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
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from single_shot_eval.corpus.example import FunctionCase
from single_shot_eval.errors import ConfigError
from single_shot_eval.pysource import parse_expression, parse_python

HARNESS_MODULE = "single_shot_eval_harness"
"""Name of the Rust test module `render_test_module` emits; distinctive so it cannot clash."""

HARNESS_TEST_FILTER = f"{HARNESS_MODULE}::"
"""Pass this to the test binary so only harness cases run (not tests the candidate wrote)."""

RUSTC_TEST_ARGS: tuple[str, ...] = ("--edition", "2021", "--test", "-A", "warnings")
"""rustc flags the harness is written for (add `-o <binary> <file.rs>`)."""

TEST_BINARY_ARGS: tuple[str, ...] = ("--test-threads=1", HARNESS_TEST_FILTER)
"""Arguments for the compiled test binary: one thread (ordered output) and harness tests only."""

PASS_RECORD = "single-shot-eval-case-passed"
"""First word of the line each generated case writes to stderr once its check passed:
`PASS_RECORD NONCE INDEX`. The nonce is fresh per run and reaches the binary on stdin; see
`passed_cases`."""

FLOAT_TOLERANCE = 1e-9
"""Relative and absolute tolerance of every float comparison in the rendered tests."""

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1

# Rust keywords; a Python name that is one of them is emitted as a raw identifier (r#type).
_RUST_KEYWORDS = frozenset(
    {
        "abstract", "as", "async", "await", "become", "box", "const", "continue", "crate", "do",
        "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl", "in", "let",
        "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
        "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
        "use", "virtual", "where", "while", "yield", "gen", "union",
    }
)
# Keywords that cannot be raw identifiers at all.
_RUST_RESERVED = frozenset({"self", "Self", "super", "crate", "_"})


def _section(doc: str | None, title: str) -> str:
    """Return the body of the docstring section headed `title` (underlined with dashes)."""
    lines = (doc or "").splitlines()
    start = lines.index(title) + 2
    end = start
    while end < len(lines) and not (
        end + 1 < len(lines) and lines[end + 1].startswith("---") and lines[end].strip()
    ):
        end += 1
    return "\n".join(lines[start:end]).strip()


SIGNATURE_CONVENTION = _section(__doc__, "Signature convention")
"""The type-mapping rules above, as plain text to put into the model's prompt."""


class UnsupportedSignature(ConfigError):
    """The entry point cannot be given a Rust signature: missing or unsupported annotation."""

    def __init__(self, entry_point: str, message: str, *, parameter: str = "") -> None:
        self.entry_point = entry_point
        self.parameter = parameter
        where = f"parameter {parameter!r}: " if parameter else ""
        super().__init__("python_code", f"{where}{message}", key=f"def {entry_point}")


class UnsupportedCaseValue(ConfigError):
    """A test case's JSON value does not fit the annotated type (so no Rust literal exists)."""

    def __init__(self, entry_point: str, message: str) -> None:
        self.entry_point = entry_point
        super().__init__("test_cases", message, key=f"def {entry_point}")


class TypeKind(StrEnum):
    """The Python annotation families the convention supports."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"
    LIST = "list"
    TUPLE = "tuple"
    DICT = "dict"
    SET = "set"
    OPTION = "Optional"
    NONE = "None"


_SCALAR_NAMES = {
    "int": TypeKind.INT,
    "float": TypeKind.FLOAT,
    "bool": TypeKind.BOOL,
    "str": TypeKind.STR,
}
_GENERIC_NAMES = {
    "list": TypeKind.LIST,
    "List": TypeKind.LIST,
    "tuple": TypeKind.TUPLE,
    "Tuple": TypeKind.TUPLE,
    "dict": TypeKind.DICT,
    "Dict": TypeKind.DICT,
    "set": TypeKind.SET,
    "Set": TypeKind.SET,
    "Optional": TypeKind.OPTION,
    "Union": TypeKind.OPTION,
}
_HASHABLE_KINDS = frozenset(
    {TypeKind.INT, TypeKind.BOOL, TypeKind.STR, TypeKind.TUPLE, TypeKind.OPTION}
)


@dataclass(frozen=True)
class PyType:
    """A supported Python annotation as a tree: `dict[str, list[int]]` is DICT(STR, LIST(INT))."""

    kind: TypeKind
    args: tuple[PyType, ...] = ()

    @property
    def hashable(self) -> bool:
        """True when Rust can use the type as a HashMap key / HashSet element (no floats)."""
        return self.kind in _HASHABLE_KINDS and all(arg.hashable for arg in self.args)

    def rust_owned(self, *, qualified: bool = False) -> str:
        """The owned Rust type (return values, container elements); `qualified` uses ::std paths."""
        args = [arg.rust_owned(qualified=qualified) for arg in self.args]
        std = "::std::" if qualified else ""
        match self.kind:
            case TypeKind.INT:
                return "i64"
            case TypeKind.FLOAT:
                return "f64"
            case TypeKind.BOOL:
                return "bool"
            case TypeKind.STR:
                return f"{std}string::String" if qualified else "String"
            case TypeKind.LIST:
                return f"{std}vec::Vec<{args[0]}>" if qualified else f"Vec<{args[0]}>"
            case TypeKind.TUPLE:
                return f"({args[0]},)" if len(args) == 1 else f"({', '.join(args)})"
            case TypeKind.DICT:
                prefix = f"{std}collections::" if qualified else ""
                return f"{prefix}HashMap<{args[0]}, {args[1]}>"
            case TypeKind.SET:
                prefix = f"{std}collections::" if qualified else ""
                return f"{prefix}HashSet<{args[0]}>"
            case TypeKind.OPTION:
                return f"{std}option::Option<{args[0]}>" if qualified else f"Option<{args[0]}>"
            case TypeKind.NONE:
                return "()"
        raise AssertionError(self.kind)  # pragma: no cover - the match is exhaustive

    def rust_parameter(self) -> str:
        """The Rust type of a top-level parameter: borrowed for str, list, dict and set."""
        match self.kind:
            case TypeKind.STR:
                return "&str"
            case TypeKind.LIST:
                return f"&[{self.args[0].rust_owned()}]"
            case TypeKind.DICT | TypeKind.SET:
                return "&" + self.rust_owned()
            case _:
                return self.rust_owned()

    def collections_used(self) -> set[str]:
        """Names of std::collections types (HashMap, HashSet) appearing in this type."""
        used = {"HashMap"} if self.kind is TypeKind.DICT else set()
        if self.kind is TypeKind.SET:
            used.add("HashSet")
        for arg in self.args:
            used |= arg.collections_used()
        return used


HOLE = PyType(TypeKind.NONE, (PyType(TypeKind.NONE),))
"""A part of a type nothing has determined yet (`list` is `list[HOLE]`); never rendered."""


def has_hole(py_type: PyType) -> bool:
    """True when `py_type` still contains a `HOLE`."""
    return py_type == HOLE or any(has_hole(arg) for arg in py_type.args)


def parse_annotation(node: ast.expr) -> PyType:
    """A supported annotation as a `PyType`; `UnsupportedSignature` (naming no function) else."""
    return _AnnotationParser("", "").parse(node)


_NO_DEFAULT = object()


@dataclass(frozen=True)
class Parameter:
    """One parameter of the entry point; `default` is the literal default value, if any."""

    name: str
    py_type: PyType
    has_default: bool = False
    default: Any = None


@dataclass(frozen=True)
class FunctionSignature:
    """The entry point's name, typed parameters and return type (`is_async`: an `async def`,
    which the translation writes as a plain `fn` and the harness calls synchronously)."""

    name: str
    parameters: tuple[Parameter, ...]
    return_type: PyType
    is_async: bool = False

    def rust(self) -> str:
        """The Rust signature line (without body), e.g. `pub fn f(xs: &[i64]) -> i64`."""
        params = ", ".join(
            f"{rust_identifier(p.name)}: {p.py_type.rust_parameter()}" for p in self.parameters
        )
        text = f"pub fn {rust_identifier(self.name)}({params})"
        if self.return_type.kind is not TypeKind.NONE:
            text += f" -> {self.return_type.rust_owned()}"
        return text

    def collections_used(self) -> set[str]:
        """std::collections types the signature mentions."""
        used = self.return_type.collections_used()
        for param in self.parameters:
            used |= param.py_type.collections_used()
        return used


class MethodKind(StrEnum):
    """How the harness reaches a Python class member: a method call, a `@property` read
    (`obj.name()` in Rust) or a property assignment (`obj.set_name(value)` in Rust)."""

    METHOD = "method"
    GETTER = "getter"
    SETTER = "setter"


@dataclass(frozen=True)
class MethodSignature:
    """One public method of a class as the harness calls it; `mutates`: Python assigns to
    `self` inside it, so the Rust method takes `&mut self`."""

    python_name: str
    rust_name: str
    kind: MethodKind
    parameters: tuple[Parameter, ...]
    return_type: PyType
    mutates: bool

    def rust(self) -> str:
        """The Rust method signature line, e.g. `pub fn get(&self) -> i64`."""
        receiver = "&mut self" if self.mutates else "&self"
        params = "".join(
            f", {rust_identifier(p.name)}: {p.py_type.rust_parameter()}" for p in self.parameters
        )
        text = f"pub fn {rust_identifier(self.rust_name)}({receiver}{params})"
        if self.return_type.kind is not TypeKind.NONE:
            text += f" -> {self.return_type.rust_owned()}"
        return text


@dataclass(frozen=True)
class ClassSignature:
    """A Python class as the harness drives it: `Name::new(constructor args)`, then calls of
    `methods` in sequence, each result compared with Python's.

    A class case is `FunctionCase(inputs=(constructor_args, [[rust_name, args], ...]),
    expected=[result, ...])`: one expected result per call (null for methods returning None).
    """

    name: str
    constructor: tuple[Parameter, ...]
    methods: tuple[MethodSignature, ...]

    def method(self, rust_name: str) -> MethodSignature:
        """The method the harness calls `rust_name`; KeyError when there is none."""
        for method in self.methods:
            if method.rust_name == rust_name:
                return method
        raise KeyError(rust_name)

    def rust(self) -> str:
        """The Rust `impl` outline the harness calls (signatures only)."""
        params = ", ".join(
            f"{rust_identifier(p.name)}: {p.py_type.rust_parameter()}" for p in self.constructor
        )
        lines = [f"impl {self.name} {{", f"    pub fn new({params}) -> {self.name};"]
        lines += [f"    {method.rust()};" for method in self.methods]
        lines.append("}")
        return "\n".join(lines)

    def collections_used(self) -> set[str]:
        """std::collections types the outline mentions."""
        used: set[str] = set()
        for param in self.constructor:
            used |= param.py_type.collections_used()
        for method in self.methods:
            used |= method.return_type.collections_used()
            for param in method.parameters:
                used |= param.py_type.collections_used()
        return used


def rust_identifier(name: str) -> str:
    """A Python identifier as a Rust identifier (`type` -> `r#type`)."""
    return f"r#{name}" if name in _RUST_KEYWORDS else name


def _annotation_text(node: ast.expr) -> str:
    return ast.unparse(node)


class _AnnotationParser:
    """Turns annotation ASTs into `PyType`s, raising `UnsupportedSignature` with context."""

    def __init__(self, entry_point: str, parameter: str) -> None:
        self.entry_point = entry_point
        self.parameter = parameter

    def fail(self, node: ast.expr, why: str) -> UnsupportedSignature:
        return UnsupportedSignature(
            self.entry_point,
            f"annotation `{_annotation_text(node)}` is not supported: {why}. Supported: int, "
            "float, bool, str, list[T], tuple[A, B], dict[K, V], set[T], Optional[T] / T | None",
            parameter=self.parameter,
        )

    def parse(self, node: ast.expr) -> PyType:
        if isinstance(node, ast.Constant):
            if node.value is None:
                return PyType(TypeKind.NONE)
            if isinstance(node.value, str):  # a string (forward-reference) annotation
                try:
                    inner = parse_expression(node.value)
                except SyntaxError:
                    raise self.fail(node, "the string is not a valid annotation") from None
                return self.parse(inner)
            raise self.fail(node, "a constant is not a type")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union(node, _flatten_union(node))
        name = _dotted_name(node.value if isinstance(node, ast.Subscript) else node)
        base = name.rsplit(".", 1)[-1] if name.startswith("typing.") else name
        if not isinstance(node, ast.Subscript):
            if base in _SCALAR_NAMES:
                return PyType(_SCALAR_NAMES[base])
            if base == "None":
                return PyType(TypeKind.NONE)
            if base in _GENERIC_NAMES:
                raise self.fail(node, "give the element types, e.g. list[int]")
            raise self.fail(node, "unknown type")
        if base not in _GENERIC_NAMES:
            raise self.fail(node, "unknown generic type")
        kind = _GENERIC_NAMES[base]
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Union":
            return self._union(node, items)
        expected_count = {TypeKind.LIST: 1, TypeKind.SET: 1, TypeKind.DICT: 2, TypeKind.OPTION: 1}
        if kind in expected_count and len(items) != expected_count[kind]:
            raise self.fail(node, f"{base} takes {expected_count[kind]} type argument(s)")
        if kind is TypeKind.TUPLE and any(
            isinstance(item, ast.Constant) and item.value is Ellipsis for item in items
        ):
            raise self.fail(node, "variable-length tuples are not supported; use list[T]")
        args = tuple(self.parse(item) for item in items)
        if any(arg.kind is TypeKind.NONE for arg in args) and kind is not TypeKind.OPTION:
            raise self.fail(node, "None is only allowed in Optional[T] or as the return type")
        if kind is TypeKind.OPTION:
            if args[0].kind is TypeKind.NONE:
                raise self.fail(node, "Optional[None] has no value")
            return args[0] if args[0].kind is TypeKind.OPTION else PyType(kind, args)
        if kind is TypeKind.DICT and not args[0].hashable:
            raise self.fail(node, "dict keys must be int, str, bool or tuples of them")
        if kind is TypeKind.SET and not args[0].hashable:
            raise self.fail(node, "set elements must be int, str, bool or tuples of them")
        if kind is TypeKind.TUPLE and not args:
            raise self.fail(node, "the empty tuple type is not supported")
        return PyType(kind, args)

    def _union(self, node: ast.expr, members: list[ast.expr]) -> PyType:
        types = [self.parse(member) for member in members]
        values = [t for t in types if t.kind is not TypeKind.NONE]
        if len(values) != 1 or len(types) != 2:
            raise self.fail(node, "only unions of one type with None (Optional[T]) are supported")
        inner = values[0]
        return inner if inner.kind is TypeKind.OPTION else PyType(TypeKind.OPTION, (inner,))


def _flatten_union(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flatten_union(node.left) + _flatten_union(node.right)
    return [node]


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    return _annotation_text(node)


def _top_level_function(python_code: str, entry_point: str) -> ast.FunctionDef:
    try:
        tree = parse_python(python_code)
    except SyntaxError as exc:
        raise UnsupportedSignature(
            entry_point, f"python_code has a syntax error on line {exc.lineno}: {exc.msg}"
        ) from None
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point
    ]
    if not found:
        raise UnsupportedSignature(
            entry_point, "python_code defines no top-level function with this name"
        )
    node = found[-1]
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSignature(entry_point, "async functions are not supported")
    return node


def parse_signature(python_code: str, entry_point: str) -> FunctionSignature:
    """Read the entry point's annotations; raise `UnsupportedSignature` naming the culprit."""
    node = _top_level_function(python_code, entry_point)
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs:
        culprit = args.vararg or args.kwarg or args.kwonlyargs[0]
        raise UnsupportedSignature(
            entry_point,
            "*args, **kwargs and keyword-only parameters cannot be called positionally from Rust",
            parameter=culprit.arg,
        )
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    parameters = []
    for arg, default_node in zip(positional, defaults, strict=True):
        if arg.arg in _RUST_RESERVED:
            raise UnsupportedSignature(
                entry_point, "this name cannot be a Rust parameter; rename it", parameter=arg.arg
            )
        if arg.annotation is None:
            raise UnsupportedSignature(
                entry_point, "missing type annotation (annotate every parameter)", parameter=arg.arg
            )
        py_type = _AnnotationParser(entry_point, arg.arg).parse(arg.annotation)
        if py_type.kind is TypeKind.NONE:
            raise UnsupportedSignature(
                entry_point, "a parameter cannot have type None", parameter=arg.arg
            )
        default: Any = _NO_DEFAULT
        if default_node is not None:
            try:
                default = ast.literal_eval(default_node)
            except ValueError:
                default = _NO_DEFAULT  # not a literal: cases must pass this argument explicitly
        parameters.append(
            Parameter(
                name=arg.arg,
                py_type=py_type,
                has_default=default is not _NO_DEFAULT,
                default=None if default is _NO_DEFAULT else default,
            )
        )
    if node.returns is None:
        raise UnsupportedSignature(
            entry_point,
            "missing return annotation (use `-> None` for no value)",
            parameter="return",
        )
    if node.name in _RUST_RESERVED:
        raise UnsupportedSignature(entry_point, "this name cannot be a Rust function name")
    return_type = _AnnotationParser(entry_point, "return").parse(node.returns)
    return FunctionSignature(node.name, tuple(parameters), return_type)


def rust_signature(python_code: str, entry_point: str) -> str:
    """The Rust signature a translation of `entry_point` must have (see the module docstring)."""
    return parse_signature(python_code, entry_point).rust()


def rust_uses(python_code: str, entry_point: str) -> list[str]:
    """`use` lines the signature needs, e.g. `["use std::collections::HashMap;"]` (sorted)."""
    used = parse_signature(python_code, entry_point).collections_used()
    return [f"use std::collections::{name};" for name in sorted(used)]


def find_entry_point(python_code: str) -> str:
    """The function to translate: the only top-level def, else the last one not named `main`."""
    tree = parse_python(python_code)
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    if len(names) == 1:
        return names[0]
    candidates = [name for name in names if name != "main"]
    if not candidates:
        raise ConfigError(
            "python_code",
            "no top-level function to translate; define one or name it in `entry_point`",
        )
    return candidates[-1]


# ---------------------------------------------------------------------------------------------
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


_SUPPORT_CODE = """\
    /// Equality with tolerance for floats anywhere inside the value.
    pub trait HarnessApproxEq {
        fn harness_approx_eq(&self, other: &Self) -> bool;
    }

    impl HarnessApproxEq for f64 {
        fn harness_approx_eq(&self, other: &Self) -> bool {
            let (a, b) = (*self, *other);
            if a == b || (a.is_nan() && b.is_nan()) {
                return true;
            }
            if a.is_infinite() || b.is_infinite() {
                return false;
            }
            let diff = (a - b).abs();
            diff <= TOLERANCE * a.abs().max(b.abs()) || diff <= TOLERANCE
        }
    }

    macro_rules! harness_exact_eq {
        ($($t:ty),*) => {$(
            impl HarnessApproxEq for $t {
                fn harness_approx_eq(&self, other: &Self) -> bool {
                    self == other
                }
            }
        )*};
    }
    harness_exact_eq!(i64, bool, ::std::string::String, ());

    impl<T: HarnessApproxEq> HarnessApproxEq for ::std::vec::Vec<T> {
        fn harness_approx_eq(&self, other: &Self) -> bool {
            self.len() == other.len()
                && self.iter().zip(other.iter()).all(|(a, b)| a.harness_approx_eq(b))
        }
    }

    impl<T: HarnessApproxEq> HarnessApproxEq for ::std::option::Option<T> {
        fn harness_approx_eq(&self, other: &Self) -> bool {
            match (self, other) {
                (::std::option::Option::Some(a), ::std::option::Option::Some(b)) => {
                    a.harness_approx_eq(b)
                }
                (::std::option::Option::None, ::std::option::Option::None) => true,
                _ => false,
            }
        }
    }

    impl<K, V, S> HarnessApproxEq for ::std::collections::HashMap<K, V, S>
    where
        K: ::std::cmp::Eq + ::std::hash::Hash,
        V: HarnessApproxEq,
        S: ::std::hash::BuildHasher,
    {
        fn harness_approx_eq(&self, other: &Self) -> bool {
            self.len() == other.len()
                && self.iter().all(|(key, a)| match other.get(key) {
                    ::std::option::Option::Some(b) => a.harness_approx_eq(b),
                    ::std::option::Option::None => false,
                })
        }
    }

    impl<T, S> HarnessApproxEq for ::std::collections::HashSet<T, S>
    where
        T: ::std::cmp::Eq + ::std::hash::Hash,
        S: ::std::hash::BuildHasher,
    {
        fn harness_approx_eq(&self, other: &Self) -> bool {
            self == other
        }
    }

    macro_rules! harness_tuple_eq {
        ($(($($name:ident $index:tt),+))*) => {$(
            impl<$($name: HarnessApproxEq),+> HarnessApproxEq for ($($name,)+) {
                fn harness_approx_eq(&self, other: &Self) -> bool {
                    true $(&& self.$index.harness_approx_eq(&other.$index))+
                }
            }
        )*};
    }
    harness_tuple_eq! {
        (A 0)
        (A 0, B 1)
        (A 0, B 1, C 2)
        (A 0, B 1, C 2, D 3)
        (A 0, B 1, C 2, D 3, E 4)
        (A 0, B 1, C 2, D 3, E 4, F 5)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
        (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
    }

    /// The run's nonce: the verifier writes it on stdin, the first case reads it before any
    /// candidate code runs, so the candidate finds stdin empty and cannot tag a record.
    fn harness_nonce() -> &'static str {
        static NONCE: ::std::sync::OnceLock<::std::string::String> =
            ::std::sync::OnceLock::new();
        NONCE.get_or_init(|| {
            let mut text = ::std::string::String::new();
            let _ = ::std::io::Read::read_to_string(&mut ::std::io::stdin(), &mut text);
            text.trim().to_owned()
        })
    }

    /// One pass record on stderr, past libtest's output capture (which only takes print!).
    fn harness_passed(nonce: &str, case_index: usize) {
        let line = ::std::format!("\n{} {} {}\n", PASS_RECORD, nonce, case_index);
        let _ = ::std::io::Write::write_all(&mut ::std::io::stderr().lock(), line.as_bytes());
    }

    fn harness_check<T: HarnessApproxEq + ::std::fmt::Debug>(
        case_index: usize,
        inputs_json: &str,
        expected: &T,
        actual: &T,
    ) {
        if !actual.harness_approx_eq(expected) {
            ::std::panic!(
                "case {} failed\\n  inputs:   {}\\n  expected: {:?}\\n  actual:   {:?}",
                case_index, inputs_json, expected, actual
            );
        }
    }
"""


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


# ---------------------------------------------------------------------------------------------
# libtest output


def new_nonce() -> str:
    """A fresh random nonce for one run of a test binary (write it, plus a newline, on stdin)."""
    return secrets.token_hex(16)


def passed_cases(stderr: str, nonce: str, case_count: int) -> frozenset[int]:
    """Indices of the generated cases that passed in a run given `nonce`: exactly one
    `PASS_RECORD nonce index` line each. libtest's `test ... ok` lines are stdout the candidate
    can print too, so they never count; lines with another nonce are ignored, and a case with
    two records (one of them forged) does not pass."""
    if not nonce:
        raise ValueError("passed_cases needs the run's nonce")
    seen: dict[int, int] = {}
    for line in stderr.splitlines():
        words = line.split()
        if (
            len(words) == 3 and words[0] == PASS_RECORD and words[1] == nonce
            and words[2].isdigit() and int(words[2]) < case_count
        ):
            seen[int(words[2])] = seen.get(int(words[2]), 0) + 1
    return frozenset(index for index, count in seen.items() if count == 1)


@dataclass(frozen=True)
class TestRunOutcome:
    """Counts from one run of a libtest binary.

    `failed` includes tests that never reported a result because the process aborted (stack
    overflow, `std::process::abort`, killed by a timeout): the test that was running is listed
    in `failures`, the ones that never started are only counted in `not_run`.
    """

    __test__ = False  # not a pytest test class despite the name

    passed: int
    failed: int
    failures: tuple[tuple[str, str], ...]
    not_run: int = 0

    @property
    def total(self) -> int:
        """Number of tests the binary announced (or saw, when the header is missing)."""
        return self.passed + self.failed

    @property
    def all_passed(self) -> bool:
        """True when at least one test ran and none failed."""
        return self.passed > 0 and self.failed == 0


_RUNNING = re.compile(r"^running (\d+) tests?$")
_RESULT = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored)(?:, .*)?$")
_STARTED = re.compile(r"^test (\S+) \.\.\.( |$)")
_SECTION = re.compile(r"^---- (\S+) stdout ----$")
_PANIC_HEADER = re.compile(r"^thread '.*' (\(\d+\) )?panicked at .*:$")


def _clean_failure_message(lines: list[str]) -> str:
    """Keep the panic message; drop the `thread ... panicked at` header and backtraces."""
    kept: list[str] = []
    in_backtrace = False
    for line in lines:
        if line == "stack backtrace:":
            in_backtrace = True
            continue
        if line.startswith("note: "):
            in_backtrace = False
            continue
        if in_backtrace or _PANIC_HEADER.match(line):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def parse_libtest_output(stdout: str, *, name_prefix: str | None = None) -> TestRunOutcome:
    """Parse the stdout of a libtest binary run with `--test-threads=1`.

    Only tests whose full name starts with `name_prefix` are counted when it is given (use
    `HARNESS_TEST_FILTER` to ignore tests the candidate wrote itself). Output cut short by an
    abort counts the running test and the announced-but-unseen tests as failed.
    """

    def wanted(name: str) -> bool:
        return name_prefix is None or name.startswith(name_prefix)

    announced: int | None = None
    results: dict[str, str] = {}
    unfinished: str | None = None
    messages: dict[str, list[str]] = {}
    section: str | None = None
    for line in stdout.splitlines():
        if section is not None:  # inside a failure's captured output: only a new header ends it
            if match := _SECTION.match(line):
                section = match.group(1)
                messages[section] = []
            elif line == "failures:" or line.startswith("test result: "):
                section = None
            else:
                messages[section].append(line)
        elif (match := _RUNNING.match(line)) and announced is None:
            announced = int(match.group(1))
        elif match := _RESULT.match(line):
            results[match.group(1)] = match.group(2)
            unfinished = None
        elif match := _STARTED.match(line):
            unfinished = match.group(1)
        elif match := _SECTION.match(line):
            section = match.group(1)
            messages[section] = []
    passed = sum(1 for name, status in results.items() if status == "ok" and wanted(name))
    failures = [
        (name, _clean_failure_message(messages.get(name, [])))
        for name, status in results.items()
        if status == "FAILED" and wanted(name)
    ]
    seen = len(results)
    if unfinished is not None:
        seen += 1
        if wanted(unfinished):
            failures.append(
                (unfinished, "the test process aborted during this test (e.g. stack overflow)")
            )
    not_run = max(0, (announced or 0) - seen)
    return TestRunOutcome(
        passed=passed,
        failed=len(failures) + not_run,
        failures=tuple(failures),
        not_run=not_run,
    )
