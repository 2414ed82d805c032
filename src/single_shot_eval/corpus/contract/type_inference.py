"""Types for parameters and return values the Python source leaves open.

Seed corpora annotate parameters with bare `list`/`dict`, or not at all, and many functions
have no return annotation. The harness needs full types (`list[int]`, not `list`) to write Rust
literals, so the open parts ("holes") are filled, in this order:

1. values: the JSON inputs/expected values of hand-written cases (a value's Python type), then
   the literal arguments of the calls the source writes out itself (doctest lines, examples in
   docstrings and comments, a main block): what its author passed is what the code means;
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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from single_shot_eval.corpus.contract.code_types import CodeTypes, walk_own_body
from single_shot_eval.corpus.contract.signature import HOLE, PyType, TypeKind, has_hole
from single_shot_eval.corpus.contract.value_types import (
    annotation_type,
    fill,
    join_values,
    type_of_value,
)
from single_shot_eval.corpus.example import CaseOrigin, FunctionCase
from single_shot_eval.pysource import literal_calls, parse_python

if TYPE_CHECKING:
    from single_shot_eval.corpus.contract.signature import (
        ClassSignature,
        FunctionSignature,
        Parameter,
    )


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
    shown_calls: Sequence[tuple[list[Any], dict[str, Any]]] = (),
) -> tuple[tuple[Parameter, ...], PyType]:
    """Typed parameters and return type of `node`, holes filled (see the module docstring).

    With `open_return`, a return type nothing determines is `HOLE` instead of an error (case
    generation fills it from the oracle's values)."""
    from single_shot_eval.corpus.contract.signature import (
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
        shown = [positional[index] if index < len(positional) else named[arg.arg]
                 for positional, named in shown_calls
                 if len(positional) > index or arg.arg in named]
        partial = fill(partial, join_values(shown))
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
    hand-written cases, the calls the source shows, the code, then the generated cases'
    expected values; `async def` is allowed (translated as a plain `fn`). Raises
    `UnsupportedSignature` naming the parameter that cannot be typed."""
    from single_shot_eval.corpus.contract.signature import (
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
        shown_calls=[
            (positional, named)
            for positional, named in literal_calls(python_code, entry_point)
            if len(positional) <= len(node.args.posonlyargs) + len(node.args.args)
        ],
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

    for child in walk_own_body(function):
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
    from single_shot_eval.corpus.contract.signature import (
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
        for child in walk_own_body(init):
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
