"""Which Python construct belongs to which Py2Rs level: the tables, and the AST helpers the
classifier (`corpus.classify`) reads programs with.

Judgement calls the definition leaves open, decided here once:
- `__init__` is not counted as a dunder method (it comes with every class), so an exception
  class with an `__init__` stays L6; other dunders (`__str__`, ...) are L7 wherever they appear.
- `sys.exit(x)` with a computed `x` (e.g. `sys.exit(main())`) may exit non-zero, so it is L6.
- `heapq` and `bisect` are collection modules (L4); `contextlib` is L6; importing `dataclasses`,
  `abc` or `enum` is L7; `collections.namedtuple(...)` defines a class, so it is L7.
- `globals()`, `locals()`, `vars()` and `__import__()` are reflection (L10), like `getattr`.
- A decorator imported from a library that the definition does not name is L3.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

# --- construct tables -------------------------------------------------------------------------

MODULE_LEVELS: dict[str, int] = {
    "__future__": 1,
    "functools": 3,
    "collections": 4,
    "itertools": 4,
    "heapq": 4,
    "bisect": 4,
    "contextlib": 6,
    "dataclasses": 7,
    "abc": 7,
    "enum": 7,
    "threading": 8,
    "_thread": 8,
    "multiprocessing": 8,
    "concurrent": 8,
    "asyncio": 8,
    "queue": 8,
    "ctypes": 9,
    "struct": 9,
    "array": 9,
    "mmap": 9,
    "inspect": 10,
    "importlib": 10,
    "types": 10,
}
"""Level of importing a top-level module; unlisted modules are L2."""

L2_BUILTINS = frozenset(
    {
        "int", "float", "str", "bool", "len", "abs", "round", "input", "chr", "ord", "pow",
        "divmod", "hex", "bin", "oct", "format", "repr", "hash", "id", "isinstance",
        "issubclass", "open", "bytes", "bytearray", "complex", "ascii", "callable", "object",
    }
)  # fmt: skip
L4_BUILTINS = frozenset(
    {
        "list", "dict", "set", "tuple", "frozenset", "sorted", "reversed", "enumerate", "zip",
        "map", "filter", "sum", "min", "max", "any", "all", "iter", "next", "slice", "reduce",
    }
)  # fmt: skip
L7_BUILTINS = frozenset({"property", "staticmethod", "classmethod", "namedtuple"})
L10_BUILTINS = frozenset(
    {
        "getattr", "setattr", "hasattr", "delattr", "exec", "eval", "compile", "__import__",
        "globals", "locals", "vars",
    }
)  # fmt: skip
EXIT_FUNCTIONS = frozenset({"exit", "quit"})

COLLECTION_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "copy", "sort", "reverse",
        "items", "keys", "values", "get", "setdefault", "update", "popitem", "fromkeys",
        "join", "split", "rsplit", "splitlines", "partition", "rpartition",
        "add", "discard", "union", "intersection", "difference", "symmetric_difference",
        "issubset", "issuperset", "isdisjoint", "intersection_update", "difference_update",
        "symmetric_difference_update", "popleft", "appendleft", "extendleft", "rotate",
        "most_common", "elements", "subtract",
    }
)  # fmt: skip
"""Methods of list/dict/set/deque/Counter, and string methods that produce or consume lists."""

L7_DECORATORS = frozenset(
    {
        "property", "staticmethod", "classmethod", "dataclass", "abstractmethod",
        "abstractproperty", "abstractclassmethod", "abstractstaticmethod", "total_ordering",
        "cached_property", "unique", "runtime_checkable", "overload", "final", "override",
        "singledispatch", "singledispatchmethod",
    }
)  # fmt: skip
CACHE_DECORATORS = frozenset({"lru_cache", "cache"})
PROPERTY_ACCESSORS = frozenset({"setter", "getter", "deleter"})

L10_DUNDERS = frozenset(
    {
        "__getattr__", "__getattribute__", "__setattr__", "__delattr__", "__set_name__",
        "__init_subclass__", "__get__", "__set__", "__delete__", "__call__",
        "__class_getitem__",
    }
)  # fmt: skip
ABC_BASES = frozenset({"ABC"})
PROTOCOL_BASES = frozenset({"Protocol"})
ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"})
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning")
_BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)

OPERATOR_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.And: "and", ast.Or: "or",
    ast.Not: "not", ast.Invert: "~", ast.USub: "-", ast.UAdd: "+", ast.Eq: "==",
    ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}  # fmt: skip


# --- helpers ----------------------------------------------------------------------------------


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = dotted_name(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def is_literal(node: ast.expr) -> bool:
    """True for a literal constant, including a signed number such as `-1`."""
    if isinstance(node, ast.Constant):
        return True
    return (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float | complex)
    )


def is_main_guard(statement: ast.stmt) -> bool:
    """True for `if __name__ == "__main__":` (either operand order)."""
    if not isinstance(statement, ast.If):
        return False
    test = statement.test
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    operands = [test.left, test.comparators[0]]
    has_name = any(isinstance(node, ast.Name) and node.id == "__name__" for node in operands)
    has_main = any(isinstance(node, ast.Constant) and node.value == "__main__" for node in operands)
    return has_name and has_main


def is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def final_name(node: ast.expr) -> str | None:
    """The last component of a (dotted) name: `abc.ABC` -> `ABC`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # Generic[T], Protocol[T]
        return final_name(node.value)
    return None


@dataclass(frozen=True)
class Bindings:
    """Names the module binds itself, needed before the main walk.

    `defined` holds def/class names (methods excluded), `assigned` other assignment targets,
    `imported` the names bound by imports, and `exception_classes` the classes that derive from
    an exception.
    """

    defined: frozenset[str]
    assigned: frozenset[str]
    imported: frozenset[str]
    exception_classes: frozenset[str]

    @classmethod
    def collect(cls, tree: ast.Module) -> Bindings:
        defined: set[str] = set()
        assigned: set[str] = set()
        imported: set[str] = set()
        classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        methods = {id(statement) for node in classes for statement in node.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if id(node) not in methods:  # a method named `max` does not shadow max()
                    defined.add(node.name)
            elif isinstance(node, ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    imported.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
        class_names = {node.name for node in classes}
        exceptions: set[str] = set()
        changed = True
        while changed:  # fixed point: a class deriving from a user exception is one too
            changed = False
            for node in classes:
                if node.name not in exceptions and any(
                    _names_exception(base, exceptions, class_names) for base in node.bases
                ):
                    exceptions.add(node.name)
                    changed = True
        return cls(
            defined=frozenset(defined),
            assigned=frozenset(assigned),
            imported=frozenset(imported),
            exception_classes=frozenset(exceptions),
        )

    def is_user_bound(self, name: str) -> bool:
        """True when `name` is the module's own function, class or variable, not an import."""
        if name in self.defined:
            return True
        return name in self.assigned and name not in self.imported

    def is_builtin_call(self, name: str) -> bool:
        """True when a call of `name` reaches the builtin (the module does not rebind it)."""
        return name not in self.defined and name not in self.assigned and name not in self.imported


def _names_exception(base: ast.expr, user_exceptions: set[str], class_names: set[str]) -> bool:
    """True when a base-class expression names an exception type."""
    name = final_name(base)
    if name is None:
        return False
    if isinstance(base, ast.Name) and name in class_names:
        return name in user_exceptions
    return name in _BUILTIN_EXCEPTIONS or name.endswith(_EXCEPTION_SUFFIXES)
