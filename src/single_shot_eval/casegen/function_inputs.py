"""Candidate inputs for a function or class example, from the sources of `INPUT_SOURCES`.

First the example's own calls (`seeds`); then edge values per type, one parameter varied at a
time from a base call (round-robin, so every parameter's boundaries come before any one's later
values), plus sign combinations of numeric parameters; then mutations of the seeds; then
`hypothesis` draws with `derandomize=True` (the same code always draws the same values). Edges
are where Python and Rust differ: negative operands of `%` and `//`, 0 and +-1, large values
that still fit i64 (one per call: a debug-build Rust translation panics on overflow where
Python grows its integers), perfect squares and their neighbours (`isqrt` vs `f64::sqrt`), NaN,
+-inf and -0.0, empty collections, numeric strings with whitespace, `_` or a sign (`int(" 7")`
works, `str::parse` rejects it), non-ASCII letters. Parameters passed to `sleep` get short
delays, those passed to `range` small values. The program's own values come first
(`source_values`): constants with +-1, lists of every length it compares `len()` with, its
literals, words over its alphabet, numbers and words joined by its separators, and a second
base made of them. A collection with `""` beside other strings is never used (`hash("")` is 0
under every seed, so set order there escapes the determinism check). Classes: constructor
arguments from its types, then call sequences (each method once, repeated calls, drawn ones).
"""

from __future__ import annotations

import ast
import itertools
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from single_shot_eval.casegen.candidate_sources import CaseSource, propose, round_robin
from single_shot_eval.casegen.function_values import json_key
from single_shot_eval.casegen.seeds import mutated_inputs, seed_inputs
from single_shot_eval.casegen.source_values import SourceValues
from single_shot_eval.casegen.tables import listed, string
from single_shot_eval.corpus.contract import ClassSignature, FunctionSignature, PyType, TypeKind
from single_shot_eval.corpus.example import FunctionCase
from single_shot_eval.pysource import parse_python

MAX_CANDIDATES = 320
HYPOTHESIS_EXAMPLES = 96
_HYPOTHESIS_LOCK = threading.Lock()
# Edge values per type: `casegen/data/edge_values.yaml`.
_INT_EDGES = listed("edge_values", "function.int", int)
_FLOAT_EDGES = listed("edge_values", "function.float", float)
_STR_EDGES = listed("edge_values", "function.str")


# ---------------------------------------------------------------------------------------------
# Candidates


def _parameters_passed_to(python_code: str, suffix: str) -> set[str]:
    """Names passed to a call whose callee ends with `suffix` (`sleep`, `range`)."""
    names: set[str] = set()
    for node in ast.walk(parse_python(python_code)):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(suffix):
            for arg in node.args:
                names |= {child.id for child in ast.walk(arg) if isinstance(child, ast.Name)}
    return names


@dataclass(frozen=True)
class Hints:
    """What the code says about values: `delays` go to a `sleep` (short, non-negative),
    `loop_bounds` go to `range` (kept small: a loop of 2**31 steps only times out); `source`
    holds the program's own constants, lengths, literals, separators and alphabet
    (`source_values`); `strs` are strings built from them (the literals alone and joined,
    words over the program's alphabet, numbers and words joined by its separators)."""

    delays: frozenset[str]
    loop_bounds: frozenset[str]
    source: SourceValues = field(default_factory=SourceValues)
    strs: tuple[str, ...] = ()

    @classmethod
    def of(cls, python_code: str) -> Hints:
        source = SourceValues.of(python_code)
        return cls(frozenset(_parameters_passed_to(python_code, "sleep")),
                   frozenset(_parameters_passed_to(python_code, "range")),
                   source, _built_strings(source))

    @property
    def ints(self) -> tuple[int, ...]:
        return self.source.ints[:32]

    def role(self, name: str) -> str:
        return "delay" if name in self.delays else "bound" if name in self.loop_bounds else ""

    def literals(self, py_type: PyType, role: str = "") -> list[Any]:
        """Values of `py_type` built from the program's own values (none for delays)."""
        if role == "delay":
            return []
        kind = py_type.kind
        if kind is TypeKind.INT:
            return [v for v in self.ints if role != "bound" or -20 <= v <= 1000]
        if kind is TypeKind.FLOAT:
            return list(dict.fromkeys([*self.source.floats[:12],
                                       *(float(v) for v in self.ints[:8])]))
        if kind is TypeKind.STR:
            return list(self.strs)
        if kind is TypeKind.OPTION:
            return self.literals(py_type.args[0], role)
        if kind in (TypeKind.LIST, TypeKind.SET):
            values = self._lists(py_type.args[0])
            if kind is TypeKind.SET:
                return [sorted({json_key(v): v for v in s}.values(), key=json_key)
                        for s in values if all(isinstance(v, int | str | bool) for v in s)]
            return values
        if kind is TypeKind.TUPLE:
            if not any(self.literals(arg) for arg in py_type.args):
                return []
            # Every combination of each column's first few values (6 x 6 for a pair).
            width = max(2, int(40 ** (1 / max(1, len(py_type.args)))))
            columns = [(self.literals(arg) or _edges(arg))[:width] for arg in py_type.args]
            # Diagonal order: the rows mixing early values of every column come first.
            rows = sorted(itertools.product(*(range(len(column)) for column in columns)),
                          key=sum)
            return [[column[i] for column, i in zip(columns, row, strict=True)] for row in rows]
        if kind is TypeKind.DICT:
            keys = self.literals(py_type.args[0])[:8]
            values = self.literals(py_type.args[1]) or _edges(py_type.args[1])
            if not keys or py_type.args[0].kind is TypeKind.FLOAT:
                return []
            return [{keys[0]: values[0]}, {k: values[i % len(values)] for i, k in enumerate(keys)},
                    {k: values[(i + 1) % len(values)] for i, k in enumerate(keys[:3])}]
        return []

    def _lists(self, item: PyType) -> list[list[Any]]:
        """Lists of the program's values: prefixes, every length the code compares `len()`
        with, the literal rows in chunks, and (for strings) numbers mixed with the literals
        that are symbols, e.g. `["2", "5", "*"]`."""
        inner = self.literals(item)
        filler = inner or _positive(item)
        if not filler:
            return []
        found: list[list[Any]] = []
        positive = _positive(item)
        for length in self.source.lengths:
            if positive:
                found.append([positive[i % len(positive)] for i in range(length)])
            found.append([filler[i % len(filler)] for i in range(length)])
        if inner:
            found += [inner[:2], inner[:5], list(reversed(inner[:4]))]
            found += [inner[start:start + 4] for start in range(4, min(len(inner), 48), 4)]
        found = list({json_key(value): value for value in found}.values())
        if item.kind is TypeKind.STR:
            symbols = [s for s in self.source.strs if not s.replace("_", "").isalnum()
                       and s.strip() == s and len(s) <= 2][:4]
            for symbol in symbols:
                found += [["3", "4", symbol], ["6", "2", symbol, "5", symbols[0]],
                          ["2", symbol], [symbol], ["7", "0", symbol], ["1.5", "2", symbol, "3"]]
        return found


def _positive(item: PyType) -> list[Any]:
    """Small positive values of a numeric type (sides, sizes, amounts); none for others."""
    values: dict[TypeKind, list[Any]] = {TypeKind.INT: [3, 4, 5, 2, 10],
                                         TypeKind.FLOAT: [3.0, 4.0, 5.0, 2.5, 10.0]}
    return values.get(item.kind, [])


_BUILT_STRINGS = 64


def _built_strings(source: SourceValues) -> tuple[str, ...]:
    """Strings from the program's own text: its literals, words over its alphabet, numbers and
    words joined by its separators, and the literals joined (see `Hints`)."""
    literals = list(source.strs)[:16]
    found: list[str] = list(literals)
    chars = [c for c in source.alphabet if c.isprintable()][:16]
    if chars:
        found += [
            "".join(chars[:2]), "".join(reversed(chars[:2])), chars[0] * 3, chars[0] * 4,
            "".join(chars[:4]), "".join(reversed(chars)), "".join(chars),
            chars[-1] + chars[0] + chars[-1], "".join(c * 2 for c in chars[:3]),
            chars[0].lower() if chars[0].isupper() else chars[0].upper(),
        ]
    if source.pairs:
        keys = [key for key, _ in source.pairs]
        values = [value for _, value in source.pairs]
        found += [*(value + key for key, value in source.pairs),
                  "".join(value + key for key, value in source.pairs),
                  "".join(values[:2]) + "".join(reversed(keys[:2])),
                  values[0] + keys[-1], keys[0] + values[0], values[0] * 2 + keys[0]]
    numbers = [str(n) for n in source.ints if 0 <= n <= 9999][:6] or ["1", "2", "3"]
    words = list(source.words[:3]) or ["a", "b"]
    for sep in source.separators[:4]:
        padded = [f"{int(n):02d}" for n in numbers[:3]]
        found += [
            sep.join(["1", "2", "3"]), sep.join(numbers[:3]), sep.join(padded),
            sep.join(["10", "2"]),
            sep.join(["2024", *padded[:2]]), sep + "1", "1" + sep, "1" + sep + sep + "2", sep,
            sep.join(words), sep.join([*words, *words[:1]]), f" {sep.join(['1', '2'])} ",
            sep.join(["1", "2", "3", "4"]),
        ]
    joined = [" ".join(literals[:3]), "".join(literals[:6]), "".join(reversed(literals[:6])),
              f"3 4 {literals[0]}" if literals else "", *(f"{t}{t}" for t in literals[:4]),
              *(f"{t}=1" for t in literals[:3])]
    found += joined
    return tuple(dict.fromkeys(text for text in found if text))[:_BUILT_STRINGS]


_TEXT_ALPHABET = string("function_inputs", "text_alphabet")
_BOUND_EDGES = listed("edge_values", "function.loop_bound", int)


def _edges(py_type: PyType, role: str = "") -> list[Any]:
    kind = py_type.kind
    if role == "delay" and kind in (TypeKind.FLOAT, TypeKind.INT):
        return [0.0, 0.001] if kind is TypeKind.FLOAT else [0]
    if role == "bound" and kind is TypeKind.INT:
        return list(_BOUND_EDGES)
    if kind is TypeKind.INT:
        return list(_INT_EDGES)
    if kind is TypeKind.FLOAT:
        return list(_FLOAT_EDGES)
    if kind is TypeKind.BOOL:
        return [True, False]
    if kind is TypeKind.STR:
        return list(_STR_EDGES)
    if kind is TypeKind.OPTION:
        return [None, *_edges(py_type.args[0])[:6]]
    if kind in (TypeKind.LIST, TypeKind.SET):
        inner = _edges(py_type.args[0])
        samples = [[], inner[:1], inner[1:4], inner[:7], [inner[3 % len(inner)]] * 2]
        if py_type.args[0].kind is TypeKind.INT:
            samples += [[-7, 3, 0, -1], [5, -2, 9, 9, -8, 4]]
        if kind is TypeKind.SET:
            return [sorted({json_key(v): v for v in s}.values(), key=json_key) for s in samples
                    if all(isinstance(v, int | str | bool) for v in s)]
        return samples
    if kind is TypeKind.TUPLE:
        columns = [_edges(arg) for arg in py_type.args]
        return [[column[i % len(column)] for column in columns] for i in range(4)]
    if kind is TypeKind.DICT:
        keys, values = _edges(py_type.args[0]), _edges(py_type.args[1])
        if py_type.args[0].kind is TypeKind.FLOAT:
            return [{}]
        return [{}, {keys[1]: values[1]}, {k: values[i % len(values)]
                                          for i, k in enumerate(keys[:4])}]
    return []


def _base(py_type: PyType, role: str = "") -> Any:
    """A middle-of-the-road value, from which one parameter at a time is varied."""
    edges = _edges(py_type, role)
    if py_type.kind in (TypeKind.INT, TypeKind.FLOAT) and role != "delay":
        return 7 if py_type.kind is TypeKind.INT else 2.5
    if py_type.kind is TypeKind.STR:
        return "7"
    return edges[min(2, len(edges) - 1)] if edges else None


def _strategy(py_type: PyType, role: str = "", hints: Hints | None = None) -> Any:
    """A hypothesis strategy for `py_type`: generic values, mixed with values built from the
    program's own constants, literals, alphabet and separators when `hints` has them."""
    from hypothesis import strategies as st

    kind = py_type.kind
    if role == "delay" and kind is TypeKind.FLOAT:
        return st.floats(0, 0.01)
    if role == "delay" and kind is TypeKind.INT:
        return st.just(0)
    if role == "bound" and kind is TypeKind.INT:
        return st.integers(-20, 300)
    own = _own_strategy(py_type, hints) if hints is not None else None
    generic: Any
    if kind is TypeKind.INT:
        generic = st.one_of(st.integers(-20, 20), st.integers(-10_000, 10_000),
                            st.integers(-(2**31), 2**31))
    elif kind is TypeKind.FLOAT:
        generic = st.one_of(st.floats(-1e6, 1e6), st.integers(-100, 100).map(float),
                            st.floats(allow_nan=True, allow_infinity=True))
    elif kind is TypeKind.BOOL:
        generic = st.booleans()
    elif kind is TypeKind.STR:
        generic = st.one_of(
            st.text(alphabet=_TEXT_ALPHABET, max_size=8),
            st.text(alphabet=" -+_0123456789.e", max_size=6),
            st.integers(-10_000, 10_000).map(str),
            st.sampled_from(_STR_EDGES),
        )
    elif kind is TypeKind.OPTION:
        generic = st.one_of(st.none(), _strategy(py_type.args[0], hints=hints))
    elif kind is TypeKind.LIST:
        longest = max((*(hints.source.lengths if hints else ()), 5)) + 1
        generic = st.lists(_strategy(py_type.args[0], hints=hints), max_size=longest)
    elif kind is TypeKind.SET:
        generic = st.sets(_strategy(py_type.args[0], hints=hints), max_size=5).map(
            lambda items: sorted(items, key=json_key)
        )
    elif kind is TypeKind.TUPLE:
        generic = st.tuples(*(_strategy(arg, hints=hints) for arg in py_type.args)).map(list)
    elif kind is TypeKind.DICT:
        generic = st.dictionaries(_strategy(py_type.args[0], hints=hints),
                                  _strategy(py_type.args[1], hints=hints), max_size=4)
    else:
        return st.nothing()
    return generic if own is None else st.one_of(own, generic)


def _own_strategy(py_type: PyType, hints: Hints) -> Any:
    """Values from the program's own text (None: it suggests none for this type)."""
    from hypothesis import strategies as st

    kind, source = py_type.kind, hints.source
    if kind is TypeKind.INT and hints.ints:
        return st.sampled_from(hints.ints)
    if kind is TypeKind.FLOAT and source.floats:
        return st.sampled_from(source.floats)
    if kind is not TypeKind.STR:
        return None
    options = []
    if hints.strs:
        options.append(st.sampled_from(hints.strs))
    chars = "".join(c for c in source.alphabet if c.isprintable())
    if chars:
        options.append(st.text(alphabet=chars, min_size=1, max_size=10))
    words = [*source.words[:8], "1", "2", "10", "a", "B"]
    marks = [c for c in chars if not c.isalnum() and not c.isspace()][:6]
    token = st.sampled_from(words)
    if marks:
        token = st.one_of(token, st.tuples(st.sampled_from(words), st.sampled_from(marks))
                          .map("".join))
    for sep in source.separators[:3]:
        options.append(st.lists(token, max_size=7).map(sep.join))
    return st.one_of(*options) if options else None


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis (since 6.13x) mixes literals it harvests from every loaded module outside
    site-packages (this tool's own source, in a checkout) into its draws: they would depend on
    the tool's code and on what it has imported so far, not on the example. Draw with none of
    them (a private hook; a Hypothesis without it is left as it is)."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    if original is None:
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def _draw(strategy: Any, count: int) -> list[Any]:
    """`count` values drawn by hypothesis with a fixed seed: the same strategy, the same values."""
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: list[Any] = []

    @settings(derandomize=True, max_examples=count, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    from hypothesis.errors import HypothesisDeprecationWarning

    with _HYPOTHESIS_LOCK, warnings.catch_warnings(), _without_local_constants():
        # Hypothesis notices when the global `random` state changes during a draw and blames the
        # strategy; here another thread (a program generator) moved it. The draw itself uses
        # hypothesis's own derandomized source, so the values do not depend on it.
        warnings.simplefilter("ignore", HypothesisDeprecationWarning)
        collect()
    return drawn


@dataclass(frozen=True)
class Candidate:
    """One input list; `seed`: the example shows it itself (`casegen.seeds`), so it is always
    kept; `seed_mutation`: one type-aware step from a seed; `edge`: chosen on purpose (a seed's
    mutation, an edge value), not drawn at random."""

    inputs: list[Any]
    edge: bool
    hand_index: int | None = None
    seed: bool = False
    seed_mutation: bool = False


@dataclass(frozen=True)
class InputContext:
    """What the input sources of one function or class example read: the target the harness
    calls, what the code says about values, and its seeds (the calls it shows, less the
    hand-written inputs)."""

    target: FunctionSignature | ClassSignature
    hints: Hints
    seeds: tuple[list[Any], ...] = ()

    @classmethod
    def of(cls, code: str, target: FunctionSignature | ClassSignature,
           hand: Sequence[FunctionCase] = ()) -> InputContext:
        written = {json_key(case.inputs) for case in hand}
        seeds = seed_inputs(code, target) if isinstance(target, FunctionSignature) else []
        return cls(target, Hints.of(code),
                   tuple(s for s in seeds if json_key(s) not in written))

    @property
    def function(self) -> FunctionSignature:
        assert isinstance(self.target, FunctionSignature)
        return self.target


def _function_edges(context: InputContext) -> list[Candidate]:
    signature, hints = context.function, context.hints
    params = signature.parameters
    if not params:
        return [Candidate([], edge=True)]
    roles = [hints.role(p.name) for p in params]
    base = [_base(p.py_type, r) for p, r in zip(params, roles, strict=True)]
    values_of = [round_robin(hints.literals(p.py_type, r), _edges(p.py_type, r))
                 for p, r in zip(params, roles, strict=True)]
    # A second base made of the program's own values (a list of its tokens, a dict of its
    # keys), so that the other parameters are also varied where the interesting code runs.
    own_base = [next(iter(hints.literals(p.py_type, r)[1:2] or hints.literals(p.py_type, r)),
                     base[i]) for i, (p, r) in enumerate(zip(params, roles, strict=True))]
    found: list[Candidate] = [Candidate(list(base), edge=True)]
    for origin, limit in ((base, None), (own_base, 24)):
        if origin is own_base and json_key(own_base) == json_key(base):
            break
        found.append(Candidate(list(origin), edge=True))
        # Round-robin over the parameters: the first (own, then generic) values of every
        # parameter come before the later values of any, so a budget keeps each one's edges.
        found += round_robin(*([Candidate([*origin[:i], value, *origin[i + 1:]], edge=True)
                                for value in values[:limit]] for i, values in enumerate(values_of)))
    numeric = [i for i, p in enumerate(params)
               if p.py_type.kind is TypeKind.INT and not roles[i]]
    if len(numeric) >= 2:
        for signs in ((-7, 3), (7, -3), (-7, -3), (-9, 4), (0, 5), (12, 18), (-6, 0)):
            values = list(base)
            for position, index in enumerate(numeric):
                values[index] = signs[position % 2]
            found.append(Candidate(values, edge=True))
    return dedupe(found)[:MAX_CANDIDATES - HYPOTHESIS_EXAMPLES]


def _function_draws(context: InputContext) -> list[Candidate]:
    from hypothesis import strategies as st

    params, hints = context.function.parameters, context.hints
    if not params:
        return []
    strategy = st.tuples(*(_strategy(p.py_type, hints.role(p.name), hints) for p in params))
    return [Candidate(list(values), edge=False) for values in _draw(strategy, HYPOTHESIS_EXAMPLES)]


def _class_edges(context: InputContext) -> list[Candidate]:
    target, hints = context.target, context.hints
    assert isinstance(target, ClassSignature)
    constructor = target.constructor
    base_args = [_base(p.py_type, hints.role(p.name)) for p in constructor]

    def call_base(rust_name: str) -> list[Any]:
        method = target.method(rust_name)
        return [method.rust_name, [_base(p.py_type, hints.role(p.name))
                                   for p in method.parameters]]

    every = [call_base(m.rust_name) for m in target.methods]
    getters = [call for call in every
               if not target.method(call[0]).parameters and not target.method(call[0]).mutates]
    found = [Candidate([base_args, every], edge=True)]
    for method in target.methods:
        call = call_base(method.rust_name)
        found.append(Candidate([base_args, [call, call, *getters, call, *getters]], edge=True))
        for index, param in enumerate(method.parameters):
            for value in round_robin(hints.literals(param.py_type), _edges(param.py_type)[:12]):
                args = list(call[1])
                args[index] = value
                found.append(Candidate([base_args, [[method.rust_name, args], *getters]],
                                        edge=True))
    for index, param in enumerate(constructor):
        role = hints.role(param.name)
        for value in round_robin(hints.literals(param.py_type, role), _edges(param.py_type, role)):
            args = [*base_args[:index], value, *base_args[index + 1:]]
            found.append(Candidate([args, every], edge=True))

    return dedupe(found)[:MAX_CANDIDATES - HYPOTHESIS_EXAMPLES]


def _class_draws(context: InputContext) -> list[Candidate]:
    from hypothesis import strategies as st

    target, hints = context.target, context.hints
    assert isinstance(target, ClassSignature)
    call_strategies = [
        st.tuples(st.just(m.rust_name),
                  st.tuples(*(_strategy(p.py_type, hints.role(p.name), hints)
                              for p in m.parameters)).map(list)).map(list)
        for m in target.methods
    ]
    strategy = st.tuples(
        st.tuples(*(_strategy(p.py_type, hints.role(p.name), hints)
                    for p in target.constructor)).map(list),
        st.lists(st.one_of(*call_strategies), min_size=1, max_size=8),
    )
    return [Candidate([list(ctor), list(calls)], edge=False)
            for ctor, calls in _draw(strategy, HYPOTHESIS_EXAMPLES)]


def _hash_seed_blind(value: Any) -> bool:
    """Whether `value` holds a collection where the empty string sits beside other strings.
    `hash("")` is 0 under every hash seed, so the runs with different seeds cannot tell whether
    a result depends on the order of such a set; a Rust `HashSet` would order it at random."""
    if isinstance(value, dict):
        return _hash_seed_blind(list(value)) or any(_hash_seed_blind(v) for v in value.values())
    if isinstance(value, list | tuple):
        texts = {item for item in value if isinstance(item, str)}
        return ("" in texts and len(texts) > 1) or any(_hash_seed_blind(v) for v in value)
    return False


def dedupe(candidates: list[Candidate]) -> list[Candidate]:
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        if not _hash_seed_blind(candidate.inputs):
            unique.setdefault(json_key(candidate.inputs), candidate)
    return list(unique.values())


def _is_function(context: InputContext) -> bool:
    return isinstance(context.target, FunctionSignature)


def _is_class(context: InputContext) -> bool:
    return isinstance(context.target, ClassSignature)


INPUT_SOURCES: tuple[CaseSource[InputContext, Candidate], ...] = (
    # The example's own calls come first and are always kept: they show what the author meant.
    CaseSource("seeds", _is_function,
           lambda c: [Candidate(list(s), edge=True, seed=True) for s in c.seeds]),
    CaseSource("edge values", _is_function, _function_edges),
    CaseSource("class edge values", _is_class, _class_edges),
    # After the edges: where both add nothing new, the generic edge is kept.
    CaseSource("seed mutations", _is_function,
           lambda c: [Candidate(m, edge=True, seed_mutation=True)
                      for m in mutated_inputs(list(c.seeds), c.function)]),
    CaseSource("hypothesis draws", _is_function, _function_draws),
    CaseSource("class call sequences", _is_class, _class_draws),
)
"""The sources of function and class inputs, in the order their candidates are tried."""


def candidate_inputs(context: InputContext) -> list[Candidate]:
    """Every source's candidates for the example, de-duplicated, at most `MAX_CANDIDATES`."""
    return propose(INPUT_SOURCES, context, key=lambda c: json_key(c.inputs),
                   limit=MAX_CANDIDATES, keep=lambda c: not _hash_seed_blind(c.inputs))
