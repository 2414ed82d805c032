"""A classifier that places a Python program on the Py2Rs scale (`corpus.levels`).

A program's level is the HIGHEST level whose constructs it uses. Constructs are read from the
Python AST, never from the text, so words inside strings, comments and docstrings never count:
a program that prints "class threading import ctypes" is still L1.

The levels (weights grow with how hard the construct is to carry over to Rust):

- L1 Hello: only `print()` of literal constants (plus a docstring, `import sys`, a main guard).
- L2 Variables: assignments, operators, f-strings, string methods, simple `if`, argv/stdin.
- L3 Functions: `def`, lambda, `for` over `range()`, `@functools.lru_cache`.
- L4 Collections: displays, comprehensions, slices, collection methods, `for` over a collection.
- L5 ControlFlow: `while`, `break`/`continue`, loop `else`, `match`, `yield`, nested loops.
- L6 ErrorHandling: `try`, `raise`, exception classes, `with`, `assert`, `sys.exit(1)`.
- L7 OOP→Traits: classes, inheritance, dunder methods, `@property`, `@dataclass`, ABC, Enum.
- L8 Concurrency: threading/multiprocessing/asyncio/queue imports, `async`/`await`.
- L9 FFI/Unsafe: ctypes/struct/array/mmap imports, `memoryview()`.
- L10 Metaprogramming: user-defined decorators, metaclasses, reflection, `exec`/`eval`.

The judgement calls the definition leaves open are listed in `corpus.constructs`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

from single_shot_eval.corpus.constructs import (
    ABC_BASES,
    CACHE_DECORATORS,
    COLLECTION_METHODS,
    ENUM_BASES,
    EXIT_FUNCTIONS,
    L2_BUILTINS,
    L4_BUILTINS,
    L7_BUILTINS,
    L7_DECORATORS,
    L10_BUILTINS,
    L10_DUNDERS,
    MODULE_LEVELS,
    OPERATOR_SYMBOLS,
    PROPERTY_ACCESSORS,
    PROTOCOL_BASES,
    Bindings,
    dotted_name,
    final_name,
    is_docstring,
    is_literal,
    is_main_guard,
)
from single_shot_eval.corpus.levels import Py2RsLevel, level_by_number
from single_shot_eval.pysource import parse_python

if TYPE_CHECKING:
    from single_shot_eval.corpus.example import Example


@dataclass(frozen=True)
class LevelReason:
    """One construct that puts a program at (at least) `level`, and the line it is on."""

    level: int
    construct: str
    line: int

    def __str__(self) -> str:
        return f"L{self.level}: {self.construct} (line {self.line})"


@dataclass(frozen=True)
class LevelReport:
    """A program's level and every distinct construct found, the deciding ones first.

    Reasons are sorted by level (highest first), then by line; each construct appears once,
    at its first line.
    """

    level: Py2RsLevel
    reasons: tuple[LevelReason, ...]

    @property
    def deciding_reasons(self) -> tuple[LevelReason, ...]:
        """The reasons at the chosen level: the constructs that decide it."""
        return tuple(reason for reason in self.reasons if reason.level == self.level.number)


@dataclass(frozen=True)
class ClassifiedExample:
    """A corpus example's id with its classification (and the level its metadata declares)."""

    example_id: str
    report: LevelReport
    declared_level: int | None = None


def classify_source(source: str, *, filename: str = "<source>") -> LevelReport:
    """Classify Python source on the Py2Rs scale.

    Raises SyntaxError (with `filename` and the line) when the source does not parse.
    """
    try:
        tree = parse_python(source, filename=filename)
    except ValueError as error:  # e.g. NUL bytes: report it the way callers expect
        raise SyntaxError(f"{filename}: {error}") from error
    visitor = _ConstructVisitor(Bindings.collect(tree))
    visitor.visit(tree)
    return visitor.report()


def classify_example(example: Example) -> ClassifiedExample:
    """Classify an example's Python source; SyntaxError names its file (or id) and line."""
    filename = str(example.source_path) if example.source_path else example.id
    report = classify_source(example.python_source, filename=filename)
    return ClassifiedExample(example.id, report, example.declared_level)


# --- the visitor ------------------------------------------------------------------------------


class _ConstructVisitor(ast.NodeVisitor):
    """Walks a module and records a `LevelReason` for every construct above L1.

    Type annotations are never visited: `dict[str, int]` in a signature is not a dict display.
    """

    def __init__(self, bindings: Bindings) -> None:
        self._bindings = bindings
        self._reasons: dict[str, LevelReason] = {}
        self._loop_depth = 0
        self._class_stack: list[bool] = []  # True for an exception class
        self._first_line = 1

    # -- bookkeeping

    def _add(self, level: int, construct: str, node: ast.AST) -> None:
        if construct not in self._reasons:
            line = getattr(node, "lineno", self._first_line)
            self._reasons[construct] = LevelReason(level, construct, line)

    def report(self) -> LevelReport:
        """The level and reasons found by the walk (call after `visit`)."""
        reasons = sorted(self._reasons.values(), key=lambda reason: (-reason.level, reason.line))
        if not reasons:
            reasons = [LevelReason(1, "only print() of literal constants", self._first_line)]
        return LevelReport(level_by_number(reasons[0].level), tuple(reasons))

    def _visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        for node in nodes:
            if node is not None:
                self.visit(node)

    # -- module structure

    def visit_Module(self, node: ast.Module) -> None:
        if node.body:
            self._first_line = node.body[0].lineno
        for index, statement in enumerate(node.body):
            if index == 0 and is_docstring(statement):
                continue
            if isinstance(statement, ast.If) and is_main_guard(statement):
                self._visit_all(statement.body)
                if statement.orelse:
                    self._add(2, "if/else statement", statement)
                    self._visit_all(statement.orelse)
            else:
                self.visit(statement)

    def visit_Expr(self, node: ast.Expr) -> None:
        if not isinstance(node.value, ast.Constant):  # a stray string or `...` is inert
            self.visit(node.value)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "sys" and alias.asname is None:
                continue  # allowed in a hello-world program
            self._import(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self._add(2, "relative import", node)
            return
        module = node.module or ""
        if module == "sys":
            self._add(2, "`from sys import ...`", node)
        else:
            self._import(module, node)
        if module.split(".")[0] == "collections" and any(
            alias.name == "namedtuple" for alias in node.names
        ):
            self._add(7, "`namedtuple` (defines a class)", node)

    def _import(self, module: str, node: ast.stmt) -> None:
        root = module.split(".")[0]
        level = MODULE_LEVELS.get(root, 2)
        if level > 1:
            self._add(level, f"import of `{root}`", node)

    # -- L2: values, operators, simple branching

    def visit_Assign(self, node: ast.Assign) -> None:
        self._add(2, "assignment", node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._add(2, "augmented assignment", node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._add(2, "assignment", node)
        self._visit_all([node.target, node.value])

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._add(2, "assignment expression `:=`", node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._add(2, "`del` statement", node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._add(2, f"operator `{OPERATOR_SYMBOLS.get(type(node.op), '?')}`", node)
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not is_literal(node):
            self._add(2, f"operator `{OPERATOR_SYMBOLS.get(type(node.op), '?')}`", node)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self._add(2, f"boolean operator `{OPERATOR_SYMBOLS.get(type(node.op), '?')}`", node)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for operator in node.ops:
            self._add(2, f"comparison `{OPERATOR_SYMBOLS.get(type(operator), '?')}`", node)
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._add(2, "f-string", node)
        self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._add(2, "conditional expression", node)
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        self._add(2, "if statement", node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.slice, ast.Slice):
            self._add(4, "slice", node)
        elif isinstance(node.ctx, ast.Store):
            self._add(4, "item assignment `x[k] = ...`", node)
        elif isinstance(node.ctx, ast.Del):
            self._add(4, "item deletion `del x[k]`", node)
        else:
            self._add(2, "indexing `x[i]`", node)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if (
            isinstance(node.value, ast.Name)
            and node.value.id == "sys"
            and not self._bindings.is_user_bound("sys")
        ):
            if node.attr in ("argv", "stdin"):
                self._add(2, f"reading `sys.{node.attr}`", node)
            else:
                self._add(2, f"`sys.{node.attr}`", node)
        self.generic_visit(node)

    # -- calls

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Name):
            self._name_call(function.id, node)
        elif isinstance(function, ast.Attribute):
            self._attribute_call(function, node)
        else:
            self.visit(function)
        self._visit_all(node.args)
        self._visit_all(keyword.value for keyword in node.keywords)

    def _name_call(self, name: str, node: ast.Call) -> None:
        if not self._bindings.is_builtin_call(name):
            if name == "namedtuple" and name in self._bindings.imported:
                self._add(7, "`namedtuple` (defines a class)", node)
            return  # the def, class or import that binds the name already counts
        if name == "print":
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            if not all(is_literal(argument) for argument in arguments):
                self._add(2, "print() of a computed value", node)
        elif name in EXIT_FUNCTIONS:
            self._exit_call(name, node)
        elif name == "range":
            self._add(3, "`range()`", node)
        elif name == "memoryview":
            self._add(9, "`memoryview()`", node)
        elif name == "type" and len(node.args) == 3:
            self._add(10, "`type()` with 3 arguments (creates a class)", node)
        elif name in L10_BUILTINS:
            self._add(10, f"reflection `{name}()`", node)
        elif name in L7_BUILTINS:
            self._add(7, f"`{name}()`", node)
        elif name in L4_BUILTINS:
            self._add(4, f"built-in `{name}()`", node)
        elif name in L2_BUILTINS or name == "type":
            self._add(2, f"built-in `{name}()`", node)
        elif name != "super":
            self._add(2, f"call of `{name}()`", node)

    def _attribute_call(self, function: ast.Attribute, node: ast.Call) -> None:
        dotted = dotted_name(function)
        if dotted == "sys.exit" and not self._bindings.is_user_bound("sys"):
            self._exit_call(dotted, node)
            return
        if dotted == "collections.namedtuple":
            self._add(7, "`namedtuple` (defines a class)", node)
        elif function.attr in COLLECTION_METHODS:
            self._add(4, f"collection method `.{function.attr}()`", node)
        else:
            self._add(2, f"method call `.{function.attr}()`", node)
        self.visit(function.value)

    def _exit_call(self, name: str, node: ast.Call) -> None:
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        clean_exit = not arguments or (
            len(arguments) == 1
            and isinstance(arguments[0], ast.Constant)
            and arguments[0].value in (0, None)
            and not isinstance(arguments[0].value, bool)
        )
        if clean_exit:
            self._add(2, f"`{name}()` with status 0", node)
        else:
            self._add(6, f"`{name}()` with a non-zero code or a message", node)

    # -- L3: functions

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._add(8, "`async def`", node)
        self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self._decorator(decorator)
        in_class = bool(self._class_stack)
        name = node.name
        self._add(3, f"{'method' if in_class else 'function'} definition `{name}`", node)
        if name in L10_DUNDERS:
            self._add(10, f"defines `{name}`", node)
        elif name.startswith("__") and name.endswith("__") and name != "__init__":
            self._add(7, f"dunder method `{name}`", node)
        arguments = node.args
        if arguments.vararg or arguments.kwarg:
            self._add(3, "`*args`/`**kwargs` parameters", node)
        self._visit_all([*arguments.defaults, *arguments.kw_defaults])
        saved_depth, self._loop_depth = self._loop_depth, 0
        saved_classes, self._class_stack = self._class_stack, []
        self._visit_all(node.body)
        self._loop_depth, self._class_stack = saved_depth, saved_classes

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._add(3, "lambda", node)
        self._visit_all([*node.args.defaults, *node.args.kw_defaults, node.body])

    def _decorator(self, decorator: ast.expr) -> None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(decorator, ast.Call):
            self._visit_all(decorator.args)
            self._visit_all(keyword.value for keyword in decorator.keywords)
        dotted = dotted_name(target)
        if dotted is None:
            self._add(10, "computed decorator expression", decorator)
            return
        root, last = dotted.split(".")[0], dotted.split(".")[-1]
        if isinstance(target, ast.Attribute) and last in PROPERTY_ACCESSORS:
            self._add(7, f"`@{dotted}` (property accessor)", decorator)
        elif self._is_user_decorator(target, root):
            self._add(10, f"user-defined decorator `@{dotted}`", decorator)
        elif last in CACHE_DECORATORS:
            self._add(3, f"`@{dotted}`", decorator)
        elif last in L7_DECORATORS:
            self._add(7, f"`@{dotted}`", decorator)
        elif last == "contextmanager":
            self._add(6, f"`@{dotted}` (context manager)", decorator)
        elif last == "asynccontextmanager":
            self._add(8, f"`@{dotted}`", decorator)
        elif last == "wraps":
            self._add(10, f"`@{dotted}` (writing a decorator)", decorator)
        else:
            self._add(3, f"library decorator `@{dotted}`", decorator)

    def _is_user_decorator(self, target: ast.expr, root: str) -> bool:
        """`@name` bound by the module itself, or `@Name.attr` on the module's own class or
        function; `@app.route` on a variable holding a library object is not user-defined."""
        if isinstance(target, ast.Name):
            return self._bindings.is_user_bound(root)
        return root in self._bindings.defined

    # -- L4: collections

    def visit_List(self, node: ast.List) -> None:
        self._display("list", node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        self._display("tuple", node)

    def _display(self, kind: str, node: ast.List | ast.Tuple) -> None:
        if isinstance(node.ctx, ast.Store):
            self._add(4, "tuple unpacking", node)
        else:
            self._add(4, f"{kind} display", node)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        self._add(4, "dict display", node)
        self.generic_visit(node)

    def visit_Set(self, node: ast.Set) -> None:
        self._add(4, "set display", node)
        self.generic_visit(node)

    def visit_Starred(self, node: ast.Starred) -> None:
        self._add(4, "starred unpacking", node)
        self.generic_visit(node)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension("list comprehension", node)

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension("set comprehension", node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension("dict comprehension", node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension("generator expression", node)

    def _comprehension(
        self, kind: str, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        self._add(4, kind, node)
        if any(generator.is_async for generator in node.generators):
            self._add(8, "async comprehension", node)
        self.generic_visit(node)

    # -- L3/L4/L5: loops

    def _is_range_call(self, node: ast.expr) -> TypeGuard[ast.Call]:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "range"
            and self._bindings.is_builtin_call("range")
        )

    def visit_For(self, node: ast.For) -> None:
        if self._is_range_call(node.iter):
            self._add(3, "`for` loop over `range()`", node)
        else:
            self._add(4, "`for` loop over a collection", node)
        self._loop(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._add(8, "`async for`", node)
        self._loop(node)

    def visit_While(self, node: ast.While) -> None:
        self._add(5, "`while` loop", node)
        self._loop(node)

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        if self._loop_depth > 0:
            self._add(5, "loop nested inside another loop", node)
        if node.orelse:
            self._add(5, "`else` on a loop", node.orelse[0])
        if isinstance(node, ast.For | ast.AsyncFor):
            self.visit(node.target)
            if self._is_range_call(node.iter):
                self._visit_all(node.iter.args)  # the loop's reason already covers range()
            else:
                self.visit(node.iter)
        else:
            self.visit(node.test)
        self._loop_depth += 1
        self._visit_all(node.body)
        self._loop_depth -= 1
        self._visit_all(node.orelse)

    # -- L5: control flow

    def visit_Break(self, node: ast.Break) -> None:
        self._add(5, "`break`", node)

    def visit_Continue(self, node: ast.Continue) -> None:
        self._add(5, "`continue`", node)

    def visit_Match(self, node: ast.Match) -> None:
        self._add(5, "`match` statement", node)
        self.generic_visit(node)

    def visit_Yield(self, node: ast.Yield) -> None:
        self._add(5, "generator function (`yield`)", node)
        self.generic_visit(node)

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self._add(5, "generator function (`yield from`)", node)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self._add(5, "`global` statement", node)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self._add(5, "`nonlocal` statement", node)

    # -- L6: errors and resources

    def visit_Try(self, node: ast.Try) -> None:
        self._try(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._try(node)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        if node.handlers:
            self._add(6, "`try`/`except`", node)
        if node.finalbody:
            self._add(6, "`try`/`finally`", node)
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        self._add(6, "`raise`", node)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        self._add(6, "`with` statement", node)
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        self._add(8, "`await`", node)
        self.generic_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._add(8, "`async with`", node)
        self.generic_visit(node)

    def visit_Assert(self, node: ast.Assert) -> None:
        self._add(6, "`assert`", node)
        self.generic_visit(node)

    # -- L6/L7/L10: classes

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self._decorator(decorator)
        is_exception = node.name in self._bindings.exception_classes
        if is_exception:
            self._add(6, f"exception class `{node.name}`", node)
        else:
            self._add(7, f"class definition `{node.name}`", node)
            self._bases(node)
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                self._add(10, "metaclass (`metaclass=`)", node)
            else:
                self._add(10, "class keyword arguments (`__init_subclass__`)", node)
            self.visit(keyword.value)
        saved_depth, self._loop_depth = self._loop_depth, 0
        self._class_stack.append(is_exception)
        self._visit_all(node.body)
        self._class_stack.pop()
        self._loop_depth = saved_depth

    def _bases(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            name = final_name(base)
            if name is None or name == "object":
                continue
            if name in ABC_BASES:
                self._add(7, "abstract base class (`abc.ABC`)", base)
            elif name in PROTOCOL_BASES:
                self._add(7, "`typing.Protocol`", base)
            elif name in ENUM_BASES:
                self._add(7, f"enumeration (`enum.{name}`)", base)
            else:
                self._add(7, "inheritance", base)
