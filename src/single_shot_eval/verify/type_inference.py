"""Types for parameters and return values the Python source leaves open.

Seed corpora annotate parameters with bare `list`/`dict`, or not at all, and many functions
have no return annotation. The harness needs full types (`list[int]`, not `list`) to write Rust
literals, so the open parts ("holes") are filled, in this order:

1. values: the JSON inputs/expected values of hand-written cases (a value's Python type);
2. code: defaults, the operations a parameter takes part in (`x % 2` -> int, `s.strip()` ->
   str, `for v in xs` -> list of v's type, passing it to an annotated local function), and the
   expressions of `return` statements (comprehensions, arithmetic, literals, known built-ins);
3. oracle values: the values the Python function returned on generated inputs.

JSON object keys are always strings, so a dict key type is taken from JSON only when the code
says nothing. Inference never guesses: a hole nothing fills stays a hole, and the caller reports
the record as unjudgeable, naming the parameter.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from single_shot_eval.corpus.example import CaseOrigin, FunctionCase
from single_shot_eval.pysource import parse_python
from single_shot_eval.verify.function_harness.signature import HOLE, PyType, TypeKind, has_hole

if TYPE_CHECKING:
    from single_shot_eval.verify.function_harness.signature import (
        ClassSignature,
        FunctionSignature,
        Parameter,
    )

_STR_METHODS = frozenset(
    {
        "upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold",
        "replace", "startswith", "endswith", "isdigit", "isalpha", "isalnum", "isspace",
        "isupper", "islower", "zfill", "center", "ljust", "rjust", "encode", "swapcase",
        "isdecimal", "isnumeric", "removeprefix", "removesuffix", "format", "splitlines",
    }
)  # fmt: skip
_STR_RESULT_METHODS = frozenset(
    {
        "upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold",
        "replace", "zfill", "center", "ljust", "rjust", "swapcase", "join", "format",
        "removeprefix", "removesuffix",
    }
)  # fmt: skip
_BOOL_RESULT_METHODS = frozenset(
    {"startswith", "endswith", "isdigit", "isalpha", "isalnum", "isspace", "isupper",
     "islower", "isdecimal", "isnumeric"}
)  # fmt: skip
_LIST_METHODS = frozenset({"append", "extend", "insert", "sort", "reverse"})
_DICT_METHODS = frozenset({"items", "keys", "values", "setdefault", "popitem"})
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Mod, ast.FloorDiv, ast.Pow)


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


class CodeTypes:
    """Static types of expressions inside one function (or method) body.

    `names` starts with the parameters' known types; local assignments and loop variables are
    added as they are met. `attributes` types `self.<name>`; `functions` maps local and
    top-level function names to their definitions (their annotations type calls to them).
    """

    def __init__(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        names: dict[str, PyType],
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
        attributes: dict[str, PyType] | None = None,
    ) -> None:
        self.node = node
        self.names = dict(names)
        self.functions = dict(functions)
        self.attributes = attributes or {}
        for child in ast.walk(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child is not node:
                self.functions[child.name] = child
        self._bind_locals(node.body)

    # -- local variables

    def _bind_locals(self, body: list[ast.stmt]) -> None:
        for _ in range(2):  # a second pass sees names typed later in the first
            for statement in body:
                for child in _walk_own(statement):
                    self._bind_statement(child)

    def _bind_statement(self, child: ast.AST) -> None:
        if isinstance(child, ast.Assign):
            for target in child.targets:
                self._bind(target, self.type_of(child.value))
        elif isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Subscript):
            self._bind(child.target, self.type_of(child.value))
        elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            annotated = annotation_type(child.annotation)
            if annotated is not None:
                self.names.setdefault(child.target.id, annotated)
        elif isinstance(child, ast.For | ast.comprehension):
            self._bind(child.target, self._element_of(child.iter))
        elif (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and isinstance(child.func.value, ast.Name)
            and child.func.attr in ("append", "add")
            and len(child.args) == 1
        ):
            name = child.func.value.id
            container = self.names.get(name)
            item = self.type_of(child.args[0])
            if container is not None and container.kind in (TypeKind.LIST, TypeKind.SET):
                self.names[name] = fill(container, PyType(container.kind, (item or HOLE,))) \
                    or container

    def _bind(self, target: ast.expr, value: PyType | None) -> None:
        if isinstance(target, ast.Name):
            if value is not None:
                current = self.names.get(target.id)
                merged = join(current, value)
                self.names[target.id] = merged if merged is not None else (current or value)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            name = target.value.id
            container = self.names.get(name)
            if container is None or isinstance(target.slice, ast.Slice):
                return
            if container.kind is TypeKind.DICT:
                key = self.type_of(target.slice)
                shape = PyType(TypeKind.DICT, (key or HOLE, value or HOLE))
                self.names[name] = fill(container, shape) or container
            elif container.kind is TypeKind.LIST:
                shape = PyType(TypeKind.LIST, (value or HOLE,))
                self.names[name] = fill(container, shape) or container
        elif isinstance(target, ast.Tuple) and value is not None and value.kind is TypeKind.TUPLE:
            for item, item_type in zip(target.elts, value.args, strict=False):
                self._bind(item, item_type)

    def _element_of(self, iterable: ast.expr) -> PyType | None:
        if isinstance(iterable, ast.Call) and _call_name(iterable) == "range":
            return PyType(TypeKind.INT)
        if isinstance(iterable, ast.Call) and _call_name(iterable) == "enumerate":
            inner = self._element_of(iterable.args[0]) if iterable.args else None
            return PyType(TypeKind.TUPLE, (PyType(TypeKind.INT), inner or HOLE))
        collection = self.type_of(iterable)
        if collection is None:
            return None
        if collection.kind in (TypeKind.LIST, TypeKind.SET):
            return collection.args[0]
        if collection.kind is TypeKind.STR:
            return collection
        if collection.kind is TypeKind.DICT:
            return collection.args[0]
        return None

    # -- expressions

    def type_of(self, node: ast.expr) -> PyType | None:
        """The static type of `node`, or None when the code does not say."""
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, bytes | complex):
                return None
            return type_of_value(node.value)
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return self.attributes.get(node.attr)
            if _dotted(node) in ("math.pi", "math.e", "math.inf", "math.tau"):
                return PyType(TypeKind.FLOAT)
            return None
        if isinstance(node, ast.JoinedStr):
            return PyType(TypeKind.STR)
        if isinstance(node, ast.Compare):
            return PyType(TypeKind.BOOL)
        if isinstance(node, ast.BoolOp):
            return join_all(self.type_of(value) for value in node.values)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return PyType(TypeKind.BOOL)
            return self.type_of(node.operand)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.IfExp):
            return join(self.type_of(node.body), self.type_of(node.orelse))
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            kind = TypeKind.SET if isinstance(node, ast.SetComp) else TypeKind.LIST
            return PyType(kind, (self._comprehension(node.generators, node.elt) or HOLE,))
        if isinstance(node, ast.DictComp):
            key = self._comprehension(node.generators, node.key)
            value = self._comprehension(node.generators, node.value)
            return PyType(TypeKind.DICT, (key or HOLE, value or HOLE))
        if isinstance(node, ast.List | ast.Set):
            kind = TypeKind.SET if isinstance(node, ast.Set) else TypeKind.LIST
            element = join_all(self.type_of(item) for item in node.elts) if node.elts else HOLE
            return PyType(kind, (element or HOLE,))
        if isinstance(node, ast.Tuple):
            items = [self.type_of(item) for item in node.elts]
            if not items or any(item is None for item in items):
                return None
            return PyType(TypeKind.TUPLE, tuple(item or HOLE for item in items))
        if isinstance(node, ast.Dict):
            keys = join_all(self.type_of(k) for k in node.keys if k is not None)
            values = join_all(self.type_of(v) for v in node.values)
            return PyType(TypeKind.DICT, (keys or HOLE, values or HOLE))
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Await):
            return self.type_of(node.value)
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _comprehension(self, generators: list[ast.comprehension], elt: ast.expr) -> PyType | None:
        saved = dict(self.names)
        for generator in generators:
            self._bind(generator.target, self._element_of(generator.iter))
        result = self.type_of(elt)
        self.names = saved
        return result

    def _binary(self, node: ast.BinOp) -> PyType | None:
        left, right = self.type_of(node.left), self.type_of(node.right)
        if isinstance(node.op, ast.Div):
            return PyType(TypeKind.FLOAT)
        if left is not None and left.kind in (TypeKind.STR, TypeKind.LIST):
            return left if isinstance(node.op, ast.Add | ast.Mult | ast.Mod) else None
        if isinstance(node.op, ast.Mult) and right is not None and right.kind is TypeKind.STR:
            return right
        numeric = {t.kind for t in (left, right) if t is not None}
        if not numeric <= {TypeKind.INT, TypeKind.FLOAT, TypeKind.BOOL} or not numeric:
            return None
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.UnaryOp):
            return PyType(TypeKind.FLOAT)  # x ** -1 is a float
        if TypeKind.FLOAT in numeric:
            return PyType(TypeKind.FLOAT)
        if left is None or right is None:
            return None
        return PyType(TypeKind.INT)

    def _subscript(self, node: ast.Subscript) -> PyType | None:
        container = self.type_of(node.value)
        if container is None:
            return None
        if isinstance(node.slice, ast.Slice):
            return container if container.kind in (TypeKind.LIST, TypeKind.STR) else None
        if container.kind is TypeKind.LIST:
            return container.args[0]
        if container.kind is TypeKind.STR:
            return container
        if container.kind is TypeKind.DICT:
            return container.args[1]
        if container.kind is TypeKind.TUPLE and isinstance(node.slice, ast.Constant):
            index = node.slice.value
            if isinstance(index, int) and -len(container.args) <= index < len(container.args):
                return container.args[index]
        return None

    def _call(self, node: ast.Call) -> PyType | None:
        name = _call_name(node)
        first = self.type_of(node.args[0]) if node.args else None
        if name in ("int", "len", "ord", "round") and not (name == "round" and len(node.args) > 1):
            return PyType(TypeKind.INT)
        if name in ("float", "math.sqrt", "math.floor_div", "math.log", "math.exp", "math.sin",
                    "math.cos", "math.hypot", "math.fsum"):
            return PyType(TypeKind.FLOAT)
        if name in ("math.isqrt", "math.gcd", "math.floor", "math.ceil", "math.factorial"):
            return PyType(TypeKind.INT)
        if name in ("str", "chr", "repr", "hex", "bin", "oct"):
            return PyType(TypeKind.STR)
        if name in ("bool", "isinstance", "any", "all", "callable"):
            return PyType(TypeKind.BOOL)
        if name == "abs":
            return first
        if name in ("sum",):
            element = self._element_of(node.args[0]) if node.args else None
            return element if element is not None else None
        if name in ("min", "max"):
            if len(node.args) == 1:
                return self._element_of(node.args[0])
            return join_all(self.type_of(arg) for arg in node.args)
        if name in ("sorted", "list", "reversed"):
            element = self._element_of(node.args[0]) if node.args else HOLE
            return PyType(TypeKind.LIST, (element or HOLE,))
        if name == "set":
            element = self._element_of(node.args[0]) if node.args else HOLE
            return PyType(TypeKind.SET, (element or HOLE,))
        if name == "dict" and not node.args:
            return PyType(TypeKind.DICT, (HOLE, HOLE))
        if name == "divmod":
            numeric = join(first, self.type_of(node.args[1])) if len(node.args) == 2 else None
            return PyType(TypeKind.TUPLE, (numeric, numeric)) if numeric else None
        if name is not None and name in self.functions:
            function = self.functions[name]
            return annotation_type(function.returns) if function.returns is not None else None
        if isinstance(node.func, ast.Attribute):
            owner = self.type_of(node.func.value)
            method = node.func.attr
            if method in _STR_RESULT_METHODS and (owner is None or owner.kind is TypeKind.STR):
                return PyType(TypeKind.STR) if owner is not None or method == "join" else None
            if method in _BOOL_RESULT_METHODS:
                return PyType(TypeKind.BOOL)
            if method in ("split", "rsplit", "splitlines") and owner is not None:
                return PyType(TypeKind.LIST, (PyType(TypeKind.STR),))
            if method in ("find", "rfind", "count", "index") and owner is not None:
                return PyType(TypeKind.INT)
            if owner is not None and owner.kind is TypeKind.DICT and method == "get":
                if len(node.args) < 2:
                    return None
                return join(owner.args[1], self.type_of(node.args[1]))
        return None

    # -- results

    def return_type(self) -> PyType | None:
        """The join of every `return` of this body; `None` (the type) when no return has a
        value; Python None when the code does not say."""
        values = [
            child.value
            for child in _walk_own_body(self.node)
            if isinstance(child, ast.Return) and child.value is not None
        ]
        if self.node.returns is None and _is_generator(self.node):
            return None
        if not values:
            return PyType(TypeKind.NONE)
        result: PyType | None = HOLE
        for value in values:
            if isinstance(value, ast.Constant) and value.value is None:
                result = join(result, PyType(TypeKind.OPTION, (HOLE,)))
            else:
                result = join(result, self.type_of(value))
            if result is None:
                return None
        return result

    def usage_type(self, name: str) -> PyType | None:
        """What the operations on `name` say its type is (None: nothing or a conflict)."""
        result: PyType | None = HOLE
        for child in _walk_own_body(self.node):
            found = self._usage(child, name)
            if found is not None:
                result = join(result, found)
                if result is None:
                    return None
        return result

    def is_called(self, name: str) -> bool:
        """True when `name` is called like a function (a callable parameter)."""
        return any(
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Name)
            and child.func.id == name
            for child in _walk_own_body(self.node)
        )

    def _usage(self, node: ast.AST, name: str) -> PyType | None:
        def is_name(expr: ast.AST) -> bool:
            return isinstance(expr, ast.Name) and expr.id == name

        if isinstance(node, ast.BinOp) and (is_name(node.left) or is_name(node.right)):
            other = node.right if is_name(node.left) else node.left
            other_type = self.type_of(other)
            if (
                other_type is not None
                and other_type.kind in (TypeKind.INT, TypeKind.FLOAT)
                and isinstance(node.op, (*_ARITHMETIC, ast.Div))
            ):
                return other_type
            if other_type is not None and other_type.kind is TypeKind.STR:
                return other_type if isinstance(node.op, ast.Add) else None
            if isinstance(node.op, ast.Mod | ast.FloorDiv | ast.BitAnd | ast.BitOr | ast.LShift
                          | ast.RShift | ast.BitXor) and other_type is None:
                return PyType(TypeKind.INT)
        if isinstance(node, ast.AugAssign) and is_name(node.target):
            value = self.type_of(node.value)
            if value is not None and value.kind in (TypeKind.INT, TypeKind.FLOAT, TypeKind.STR):
                return value
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(is_name(operand) for operand in operands) and not any(
                isinstance(op, ast.In | ast.NotIn | ast.Is | ast.IsNot) for op in node.ops
            ):
                for operand in operands:
                    if not is_name(operand):
                        compared = self.type_of(operand)
                        if compared is not None and compared.kind in (
                            TypeKind.INT, TypeKind.FLOAT, TypeKind.STR
                        ):
                            return compared
        if isinstance(node, ast.Call):
            call = _call_name(node)
            for index, argument in enumerate(node.args):
                if not is_name(argument):
                    continue
                if call == "range":
                    return PyType(TypeKind.INT)
                if call in ("sum", "sorted", "min", "max") and len(node.args) == 1:
                    return PyType(TypeKind.LIST, (HOLE,))
                if call is not None and call in self.functions:
                    parameters = self.functions[call].args.args
                    if index < len(parameters) and parameters[index].annotation is not None:
                        return annotation_type(parameters[index].annotation)
            if isinstance(node.func, ast.Attribute) and is_name(node.func.value):
                method = node.func.attr
                if method in _STR_METHODS or method in ("split", "rsplit", "find", "rfind"):
                    return PyType(TypeKind.STR)
                if method in _LIST_METHODS:
                    return PyType(TypeKind.LIST, (HOLE,))
                if method in _DICT_METHODS:
                    return PyType(TypeKind.DICT, (HOLE, HOLE))
        if isinstance(node, ast.For | ast.comprehension) and is_name(node.iter):
            element = self._target_usage(node.target)
            return PyType(TypeKind.LIST, (element or HOLE,))
        if isinstance(node, ast.Subscript) and is_name(node.value):
            sliced = isinstance(node.slice, ast.Slice)
            index_type = None if sliced else self.type_of(node.slice)
            if index_type is not None and index_type.kind is TypeKind.INT:
                return PyType(TypeKind.LIST, (HOLE,))
        return None

    def _target_usage(self, target: ast.expr) -> PyType | None:
        if not isinstance(target, ast.Name):
            return None
        element = self.usage_type(target.id)
        return None if element == HOLE else element


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
    from single_shot_eval.verify.function_harness.signature import (
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


def _call_name(node: ast.Call) -> str | None:
    return _dotted(node.func)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def _walk_own(node: ast.AST) -> Iterable[ast.AST]:
    """`ast.walk` that does not enter nested function or class definitions."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                              | ast.Lambda):
                stack.append(child)


def _walk_own_body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterable[ast.AST]:
    for statement in function.body:
        yield from _walk_own(statement)


def _is_generator(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(child, ast.Yield | ast.YieldFrom) for child in _walk_own_body(function))


# ---------------------------------------------------------------------------------------------
# Resolving a whole signature


def _case_inputs(cases: Sequence[FunctionCase], origin: CaseOrigin) -> list[FunctionCase]:
    return [case for case in cases if case.origin is origin]


def _resolve_callable(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: str,
    *,
    skip_self: bool,
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    attributes: dict[str, PyType] | None,
    input_values: list[list[Any]],
    expected_values: list[Any],
    generated_expected: list[Any],
    open_return: bool = False,
) -> tuple[tuple[Parameter, ...], PyType]:
    """Typed parameters and return type of `node`, holes filled (see the module docstring).

    With `open_return`, a return type nothing determines is `HOLE` instead of an error (case
    generation fills it from the oracle's values)."""
    from single_shot_eval.verify.function_harness.signature import (
        _RUST_RESERVED,
        Parameter,
        UnsupportedSignature,
        _AnnotationParser,
    )

    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs:
        culprit = args.vararg or args.kwarg or args.kwonlyargs[0]
        raise UnsupportedSignature(
            owner,
            "*args, **kwargs and keyword-only parameters cannot be called positionally from Rust",
            parameter=culprit.arg,
        )
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    if skip_self:
        positional, defaults = positional[1:], defaults[1:]
    partials: dict[str, PyType | None] = {}
    literal_defaults: dict[str, Any] = {}
    for index, (arg, default_node) in enumerate(zip(positional, defaults, strict=True)):
        if arg.arg in _RUST_RESERVED:
            raise UnsupportedSignature(
                owner, "this name cannot be a Rust parameter; rename it", parameter=arg.arg
            )
        partial = annotation_type(arg.annotation)
        if arg.annotation is not None and partial is None:
            _AnnotationParser(owner, arg.arg).parse(arg.annotation)  # raises, naming the type
        if partial is not None and partial.kind is TypeKind.NONE and partial != HOLE:
            raise UnsupportedSignature(owner, "a parameter cannot have type None",
                                       parameter=arg.arg)
        values = [inputs[index] for inputs in input_values if index < len(inputs)]
        partial = fill(partial, join_values(values, from_json=True))
        if default_node is not None:
            try:
                literal_defaults[arg.arg] = ast.literal_eval(default_node)
                partial = fill(partial, type_of_value(literal_defaults[arg.arg]))
            except ValueError:
                pass
        partials[arg.arg] = partial
    known = {name: t for name, t in partials.items() if t is not None and not has_hole(t)}
    code = CodeTypes(node, known, functions, attributes)
    parameters = []
    for arg in positional:
        partial = partials[arg.arg]
        if partial is None or has_hole(partial):
            if code.is_called(arg.arg):
                raise UnsupportedSignature(
                    owner,
                    "is called as a function; the harness cannot pass a Python callable to Rust",
                    parameter=arg.arg,
                )
            partial = fill(partial, code.usage_type(arg.arg))
        resolved = _finish(partial)
        if resolved is None:
            raise UnsupportedSignature(
                owner,
                "cannot infer the type: no annotation, no test value, and the code does not "
                "say (annotate it)",
                parameter=arg.arg,
            )
        code.names[arg.arg] = resolved
        has_default = arg.arg in literal_defaults
        parameters.append(
            Parameter(arg.arg, resolved, has_default, literal_defaults.get(arg.arg))
        )
    code = CodeTypes(node, {p.name: p.py_type for p in parameters}, functions, attributes)
    returns = annotation_type(node.returns)
    if node.returns is not None and returns is None:
        _AnnotationParser(owner, "return").parse(node.returns)  # raises, naming the type
    if returns is None or has_hole(returns):
        returns = fill(returns, code.return_type())
    if returns is None or has_hole(returns):
        returns = fill(returns, join_values(expected_values, from_json=True))
    if returns is None or has_hole(returns):
        returns = fill(returns, join_values(generated_expected, from_json=True))
    resolved_return = _finish(returns)
    if resolved_return is None and open_return:
        return tuple(parameters), HOLE
    if resolved_return is None:
        raise UnsupportedSignature(
            owner,
            "cannot infer the return type: no annotation, no expected value, and the code "
            "does not say (annotate it)",
            parameter="return",
        )
    return tuple(parameters), resolved_return


def _finish(partial: PyType | None) -> PyType | None:
    """A complete type: JSON-only dict keys become str; None while any other hole is left."""
    if partial is None or partial == HOLE:
        return None
    if partial.kind is TypeKind.DICT and partial.args[0] == HOLE:
        partial = PyType(TypeKind.DICT, (PyType(TypeKind.STR), partial.args[1]))
    args = [_finish(arg) for arg in partial.args]
    if any(arg is None for arg in args):
        return None
    return PyType(partial.kind, tuple(arg for arg in args if arg is not None))


def _module_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def resolve_signature(
    python_code: str,
    entry_point: str,
    cases: Sequence[FunctionCase] = (),
    *,
    open_return: bool = False,
) -> FunctionSignature:
    """The entry point's signature with missing or bare annotations inferred from the
    hand-written cases, the code, then the generated cases' expected values; `async def` is
    allowed (translated as a plain `fn`). Raises `UnsupportedSignature` naming the parameter
    that cannot be typed."""
    from single_shot_eval.verify.function_harness.signature import (
        _RUST_RESERVED,
        FunctionSignature,
        UnsupportedSignature,
    )

    tree = parse_python(python_code)
    functions = _module_functions(tree)
    if entry_point not in functions:
        raise UnsupportedSignature(
            entry_point, "python_code defines no top-level function with this name"
        )
    node = functions[entry_point]
    if node.name in _RUST_RESERVED:
        raise UnsupportedSignature(entry_point, "this name cannot be a Rust function name")
    hand = _case_inputs(cases, CaseOrigin.HAND_WRITTEN)
    generated = _case_inputs(cases, CaseOrigin.GENERATED)
    parameters, returns = _resolve_callable(
        node,
        entry_point,
        skip_self=False,
        functions=functions,
        attributes=None,
        input_values=[list(case.inputs) for case in hand],
        expected_values=[case.expected for case in hand],
        generated_expected=[case.expected for case in generated],
        open_return=open_return,
    )
    return FunctionSignature(
        node.name, parameters, returns, is_async=isinstance(node, ast.AsyncFunctionDef)
    )


# ---------------------------------------------------------------------------------------------
# Classes


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _is_abstract(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True for a body that only raises NotImplementedError (after a docstring) or is `...`."""
    body = [
        s for s in function.body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if not body:
        return True
    return len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in (
        ast.unparse(body[0].exc) if body[0].exc is not None else ""
    )


def _decorator_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [ast.unparse(d) for d in function.decorator_list]


def _class_chain(name: str, classes: dict[str, ast.ClassDef]) -> list[ast.ClassDef]:
    """The class and its bases defined in the same module, most derived first."""
    chain: list[ast.ClassDef] = []
    pending = [name]
    while pending:
        current = pending.pop(0)
        if current in classes and classes[current] not in chain:
            chain.append(classes[current])
            pending += [base.id for base in classes[current].bases if isinstance(base, ast.Name)]
    return chain


def find_class_entry(python_code: str) -> str | None:
    """The class to translate in a module without top-level functions: the last top-level
    class that is neither an exception nor a base of another class (None when there is none)."""
    tree = parse_python(python_code)
    classes = _classes(tree)
    bases = {
        base.id for node in classes.values() for base in node.bases if isinstance(base, ast.Name)
    }
    candidates = [
        name for name, node in classes.items()
        if name not in bases
        and not any(ast.unparse(base).endswith(("Exception", "Error")) for base in node.bases)
    ]
    return candidates[-1] if candidates else None


def _mutates_self(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    mutating_methods = {"append", "extend", "insert", "pop", "remove", "clear", "sort",
                        "reverse", "add", "discard", "update", "setdefault", "popitem",
                        "appendleft", "popleft"}

    def on_self(node: ast.expr) -> bool:
        while isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        return isinstance(node, ast.Name) and node.id == "self"

    for child in _walk_own_body(function):
        targets: list[ast.expr] = []
        if isinstance(child, ast.Assign):
            targets = list(child.targets)
        elif isinstance(child, ast.AugAssign | ast.AnnAssign):
            targets = [child.target]
        elif isinstance(child, ast.Delete):
            targets = list(child.targets)
        if any(isinstance(t, ast.Attribute | ast.Subscript) and on_self(t) for t in targets):
            return True
        if (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr in mutating_methods
            and isinstance(child.func.value, ast.Attribute)
            and on_self(child.func.value)
        ):
            return True
    return False


def resolve_class(
    python_code: str,
    class_name: str,
    cases: Sequence[FunctionCase] = (),
    *,
    open_return: bool = False,
) -> ClassSignature:
    """The outline the harness drives for class `class_name` (constructor from `__init__` or
    dataclass fields; public methods, properties and setters, inherited ones included;
    abstract ones left out). Raises `UnsupportedSignature` when a member cannot be typed."""
    from single_shot_eval.verify.function_harness.signature import (
        ClassSignature,
        MethodKind,
        MethodSignature,
        Parameter,
        UnsupportedSignature,
    )

    tree = parse_python(python_code)
    classes = _classes(tree)
    if class_name not in classes:
        raise UnsupportedSignature(
            class_name, "python_code defines no top-level class with this name"
        )
    functions = _module_functions(tree)
    chain = _class_chain(class_name, classes)
    members: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    setters: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for cls in reversed(chain):  # derived classes override their bases
        for item in cls.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorators = _decorator_names(item)
            if any(d.endswith(".setter") for d in decorators):
                setters[item.name] = item
            else:
                members[item.name] = item
    hand = _case_inputs(cases, CaseOrigin.HAND_WRITTEN)
    generated = _case_inputs(cases, CaseOrigin.GENERATED)

    def call_values(
        source: list[FunctionCase], rust_name: str
    ) -> tuple[list[list[Any]], list[Any]]:
        inputs: list[list[Any]] = []
        results: list[Any] = []
        for case in source:
            if len(case.inputs) != 2 or not isinstance(case.expected, list | tuple):
                continue
            for call, result in zip(case.inputs[1], case.expected, strict=False):
                if isinstance(call, list | tuple) and len(call) == 2 and call[0] == rust_name:
                    inputs.append(list(call[1]))
                    results.append(result)
        return inputs, results

    # constructor
    init = members.get("__init__")
    dataclass_fields: list[Parameter] = []
    attributes: dict[str, PyType] = {}
    constructor_inputs = [list(case.inputs[0]) for case in hand if len(case.inputs) == 2]
    if init is not None:
        constructor, _ = _resolve_callable(
            init, f"{class_name}.__init__", skip_self=True, functions=functions,
            attributes=None, input_values=constructor_inputs, expected_values=[],
            generated_expected=[None],
        )
        code = CodeTypes(init, {p.name: p.py_type for p in constructor}, functions)
        for child in _walk_own_body(init):
            if isinstance(child, ast.Assign | ast.AnnAssign):
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                value = child.value
                for target in targets:
                    if (
                        value is not None
                        and isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        found = code.type_of(value)
                        if found is not None and not has_hole(found):
                            attributes.setdefault(target.attr, found)
    else:
        is_dataclass = any("dataclass" in d for cls in chain for d in
                           (ast.unparse(x) for x in cls.decorator_list))
        if is_dataclass:
            for cls in reversed(chain):
                for item in cls.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        field_type = annotation_type(item.annotation)
                        if field_type is None or has_hole(field_type):
                            raise UnsupportedSignature(
                                class_name, "dataclass field needs a supported annotation",
                                parameter=item.target.id,
                            )
                        default: Any = None
                        has_default = False
                        if item.value is not None:
                            with contextlib.suppress(ValueError):
                                default, has_default = ast.literal_eval(item.value), True
                        dataclass_fields.append(
                            Parameter(item.target.id, field_type, has_default, default)
                        )
                        attributes[item.target.id] = field_type
        constructor = tuple(dataclass_fields)
    methods: list[MethodSignature] = []
    for name, function in members.items():
        if name.startswith("_") or _is_abstract(function):
            continue
        decorators = _decorator_names(function)
        if any(d in ("staticmethod", "classmethod") for d in decorators):
            continue
        kind = MethodKind.GETTER if "property" in decorators else MethodKind.METHOD
        inputs, results = call_values(hand, name)
        _, generated_results = call_values(generated, name)
        parameters, returns = _resolve_callable(
            function, f"{class_name}.{name}", skip_self=True, functions=functions,
            attributes=attributes, input_values=inputs, expected_values=results,
            generated_expected=generated_results, open_return=open_return,
        )
        methods.append(MethodSignature(name, name, kind, parameters, returns,
                                       _mutates_self(function)))
        if kind is MethodKind.METHOD:
            continue
        setter = setters.get(name)
        if setter is not None:
            rust_name = f"set_{name}"
            inputs, _ = call_values(hand, rust_name)
            parameters, _ = _resolve_callable(
                setter, f"{class_name}.{name}.setter", skip_self=True, functions=functions,
                attributes=attributes, input_values=inputs, expected_values=[],
                generated_expected=[],
            )
            methods.append(MethodSignature(name, rust_name, MethodKind.SETTER, parameters,
                                           PyType(TypeKind.NONE), True))
    if not methods:
        raise UnsupportedSignature(class_name, "the class has no public method to call")
    return ClassSignature(class_name, constructor, tuple(methods))
