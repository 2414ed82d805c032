"""Static types of expressions inside one Python function body (`CodeTypes`): what the code
says about a parameter (the operations it takes part in) and about the return value (the
expressions of its `return` statements). `type_inference` uses it to fill open types."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from single_shot_eval.corpus.contract.signature import HOLE, PyType, TypeKind
from single_shot_eval.corpus.contract.value_types import (
    annotation_type,
    fill,
    join,
    join_all,
    type_of_value,
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
            for child in walk_own_body(self.node)
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
        for child in walk_own_body(self.node):
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
            for child in walk_own_body(self.node)
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


def walk_own_body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterable[ast.AST]:
    for statement in function.body:
        yield from _walk_own(statement)


def _is_generator(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(child, ast.Yield | ast.YieldFrom) for child in walk_own_body(function))
