"""The Rust signature a translation must have: Python annotations parsed into `PyType`s, the
entry point's `FunctionSignature` (or a class's `ClassSignature`), and the Rust they render to.

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
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from single_shot_eval.errors import ConfigError
from single_shot_eval.pysource import parse_expression, parse_python

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
