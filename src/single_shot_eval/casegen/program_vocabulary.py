"""What a CLI program accepts: its captured argparse parser (`ParserSpec`), or, without one, the
vocabulary its source uses (flags, subcommands, literals compared with each argument)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from single_shot_eval.casegen.regex_samples import regex_patterns, regex_samples
from single_shot_eval.casegen.tables import listed
from single_shot_eval.pysource import parse_python

# -- what the program accepts ------------------------------------------------------------------


@dataclass(frozen=True)
class ArgumentSpec:
    """One argparse action as captured from the real parser."""

    kind: str
    options: tuple[str, ...]
    dest: str
    nargs: Any
    type_name: str | None
    default: Any
    required: bool
    metavar: str | None
    help: str
    choices: tuple[str, ...] | None
    subcommands: tuple[tuple[str, ParserSpec], ...] | None

    @property
    def positional(self) -> bool:
        return not self.options

    @property
    def flag(self) -> bool:
        """An option that takes no value."""
        return self.kind in {"_StoreTrueAction", "_StoreFalseAction", "_StoreConstAction",
                             "_CountAction", "_AppendConstAction", "BooleanOptionalAction"}

    @property
    def option(self) -> str:
        """The longest option string (the most readable in a case)."""
        return max(self.options, key=len)


@dataclass(frozen=True)
class ParserSpec:
    """An argparse parser: its actions and mutually exclusive groups (by dest)."""

    prog: str
    actions: tuple[ArgumentSpec, ...]
    exclusive: tuple[tuple[str, ...], ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParserSpec:
        actions = []
        for raw in data["actions"]:
            subs = raw.get("subcommands")
            actions.append(ArgumentSpec(
                kind=str(raw["kind"]), options=tuple(raw["options"]), dest=str(raw["dest"]),
                nargs=raw["nargs"], type_name=raw["type"], default=raw["default"],
                required=bool(raw["required"]), metavar=raw["metavar"],
                help=raw.get("help") or "",
                choices=tuple(raw["choices"]) if raw.get("choices") is not None else None,
                subcommands=tuple((name, cls.from_json(sub)) for name, sub in subs.items())
                if subs is not None else None,
            ))
        return cls(str(data["prog"]), tuple(actions),
                   tuple(tuple(group) for group in data["exclusive"]))


@dataclass
class Vocabulary:
    """Literals of the program that inputs are built from (all in source order, de-duplicated)."""

    words: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    ints: list[int] = field(default_factory=list)
    floats: list[float] = field(default_factory=list)
    argv_positions: int = 0
    argv_slice: bool = False
    argv_int_positions: set[int] = field(default_factory=set)
    argv_float_positions: set[int] = field(default_factory=set)
    reads_stdin: bool = False
    uses_json: bool = False
    uses_csv: bool = False
    uses_argparse: bool = False
    # Command shapes from `match` sequence patterns: per word, its literal choices (None: any).
    templates: list[tuple[tuple[str, ...] | None, ...]] = field(default_factory=list)
    # Per name (an argparse dest, a variable, a parameter): the literals the program compares it
    # with, looks it up among or matches it against (see `_subject_literals`).
    subject_literals: dict[str, list[Any]] = field(default_factory=dict)
    # Lines that match the regular expressions the program applies (see `regex_samples`).
    regex_samples: list[str] = field(default_factory=list)


def _pattern_words(pattern: ast.pattern) -> tuple[str, ...] | None:
    """The literal strings a sub-pattern accepts (None: any word)."""
    if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant):
        return (str(pattern.value.value),)
    if isinstance(pattern, ast.MatchOr):
        words: list[str] = []
        for alternative in pattern.patterns:
            found = _pattern_words(alternative)
            if found is None:
                return None
            words.extend(found)
        return tuple(words)
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        return _pattern_words(pattern.pattern)
    return None


def _sequence_template(pattern: ast.MatchSequence) -> tuple[tuple[str, ...] | None, ...] | None:
    slots: list[tuple[str, ...] | None] = []
    for sub in pattern.patterns:
        if isinstance(sub, ast.MatchStar):
            slots.append(None)
            continue
        slots.append(_pattern_words(sub))
    if not slots or all(slot is None for slot in slots):
        return None
    return tuple(slots)


def add_unique(items: list[Any], *values: Any) -> None:
    """Appends each of `values` that `items` does not hold yet, in order."""
    for value in values:
        if value not in items:
            items.append(value)


def _is_argv(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "argv"
            and isinstance(node.value, ast.Name) and node.value.id == "sys")


_COMMAND_PREFIXES = listed("program_inputs", "command_prefixes")


def program_vocabulary(source: str) -> Vocabulary:
    """The literals and input habits of `source` (see the module docstring)."""
    vocab = Vocabulary()
    try:
        tree = parse_python(source, "<program>")
    except (SyntaxError, ValueError):
        return vocab

    def take(node: ast.AST, as_key: bool = False) -> None:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                return
            if isinstance(value, str) and 0 < len(value) <= 30 and value.isprintable() \
                    and not value.startswith("__"):
                add_unique(vocab.keys if as_key else vocab.words, value)
            elif isinstance(value, int) and abs(value) < 10**12:
                add_unique(vocab.ints, value)
            elif isinstance(value, float):
                add_unique(vocab.floats, value)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for element in node.elts:
                take(element, as_key)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for part in (node.left, *node.comparators):
                take(part)
        elif isinstance(node, ast.Dict):
            for key in filter(None, node.keys):
                take(key)
        elif isinstance(node, ast.match_case) and isinstance(
                node.pattern, ast.MatchValue | ast.MatchOr | ast.MatchAs):
            for word in _pattern_words(node.pattern) or ():
                if 0 < len(word) <= 30 and word.isprintable():
                    add_unique(vocab.words, word)
        elif isinstance(node, ast.match_case) and isinstance(node.pattern, ast.MatchSequence):
            template = _sequence_template(node.pattern)
            if template is not None and template not in vocab.templates:
                vocab.templates.append(template)
                for slot in template:
                    add_unique(vocab.words, *slot or ())
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else (
                func.id if isinstance(func, ast.Name) else "")
            if name in {"startswith", "endswith", "split", "replace", "strip", "count"}:
                for arg in node.args:
                    take(arg)
            elif name == "get" and node.args:
                take(node.args[0], as_key=True)
            elif name in {"int", "float"} and node.args:
                inner = node.args[0]
                if (isinstance(inner, ast.Subscript) and _is_argv(inner.value)
                        and isinstance(inner.slice, ast.Constant)
                        and isinstance(inner.slice.value, int)):
                    target = vocab.argv_int_positions if name == "int" else \
                        vocab.argv_float_positions
                    target.add(inner.slice.value)
            elif name == "input":
                vocab.reads_stdin = True
        elif isinstance(node, ast.Subscript):
            if _is_argv(node.value):
                index = node.slice
                if isinstance(index, ast.Constant) and isinstance(index.value, int):
                    vocab.argv_positions = max(vocab.argv_positions, index.value)
                else:
                    vocab.argv_slice = True
                    # `sys.argv[2:]`: the words from position 2 on (at least one of them).
                    if isinstance(index, ast.Slice) and isinstance(index.lower, ast.Constant) \
                            and isinstance(index.lower.value, int):
                        vocab.argv_positions = max(vocab.argv_positions, index.lower.value)
            elif isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                take(node.slice, as_key=True)
        elif isinstance(node, ast.Attribute):
            if node.attr == "stdin" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                vocab.reads_stdin = True
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            vocab.uses_json |= "json" in names
            vocab.uses_csv |= "csv" in names
            vocab.uses_argparse |= "argparse" in names
            vocab.reads_stdin |= "fileinput" in names
        elif isinstance(node, ast.Name) and node.id == "argv":
            vocab.argv_slice = True
    # Commands dispatched by method name (`getattr(self, "do_" + name)`): `do_push` -> `push`.
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            prefix = next((p for p in _COMMAND_PREFIXES if node.name.startswith(p)), None)
            if prefix is not None and len(node.name) > len(prefix):
                add_unique(vocab.words, node.name[len(prefix):])
    # Module-level constants (`MAX_ITEMS = 50`) bound what inputs the program accepts.
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
            take(statement.value)
    # Words a user would type first, punctuation-only literals (separators) last.
    vocab.words.sort(key=lambda word: not any(ch.isalnum() for ch in word))
    # `len(sys.argv) < 3` style checks: the program expects up to that many arguments.
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) \
                and isinstance(node.left.func, ast.Name) and node.left.func.id == "len" \
                and node.left.args and _is_argv(node.left.args[0]):
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                if isinstance(comparator, ast.Constant) and isinstance(comparator.value, int):
                    # argv[0] is the script: `len(sys.argv) < 4` asks for 3 arguments.
                    wanted = comparator.value - (0 if isinstance(op, ast.Gt | ast.LtE) else 1)
                    vocab.argv_positions = max(vocab.argv_positions, min(wanted, 6))
    vocab.subject_literals = _subject_literals(tree)
    vocab.regex_samples = regex_samples(regex_patterns(tree), vocab.words)
    return vocab


# Calls that pass a value through unchanged for comparison purposes: `args.mode.lower()`.
_TRANSPARENT_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold",
                                  "title", "capitalize"})
_TRANSPARENT_CALLS = frozenset({"str", "int", "float", "Path", "ord", "chr"})
_LITERAL_LIMIT = 24


def _constants(node: ast.AST, collections: dict[str, list[Any]]) -> list[Any]:
    """The literal values `node` stands for: a constant, a tuple/list/set/dict of constants (a
    dict: its keys), or the name of a collection of constants bound somewhere in the program."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and \
            isinstance(node.value, str | int | float) and node.value is not None:
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [v for element in node.elts for v in _constants(element, {})]
    if isinstance(node, ast.Dict):
        return [v for key in node.keys if key is not None for v in _constants(key, {})]
    if isinstance(node, ast.Name | ast.Attribute):
        return list(collections.get(_name_of(node) or "", ()))
    return []


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _subject(node: ast.AST) -> str | None:
    """The name a compared expression reads: `args.mode`, `mode`, `args.mode.lower()`,
    `int(value)`, `sys.argv[1]` (as `argv[1]`)."""
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _TRANSPARENT_METHODS:
            node = node.func.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in _TRANSPARENT_CALLS and node.args:
            node = node.args[0]
        else:
            break
    if isinstance(node, ast.Subscript) and _is_argv(node.value) and \
            isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
        return f"argv[{node.slice.value}]"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
            isinstance(node.slice.value, str):
        return node.slice.value  # `config["mode"]`, `vars(args)["mode"]`
    if isinstance(node, ast.Attribute) and node.attr not in _TRANSPARENT_METHODS:
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _subject_literals(tree: ast.Module) -> dict[str, list[Any]]:
    """Per name, the literals the program compares it with (`args.mode == "fast"`,
    `color in ("red", "blue")`, `COLORS[color]`, `match command: case "push"`, `x.startswith("0x")`,
    `x > 100`), following simple aliases (`mode = args.mode.lower()`, `run(args.mode)` into
    `def run(mode)`), so that each argument gets the values its own branches test."""
    collections: dict[str, list[Any]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            values = _constants(node.value, {}) if isinstance(
                node.value, ast.Tuple | ast.List | ast.Set | ast.Dict) else []
            for target in targets:
                name = _name_of(target)
                if name and values:
                    collections.setdefault(name, [])
                    add_unique(collections[name], *values)
    found: dict[str, list[Any]] = {}
    aliases: dict[str, set[str]] = {}

    def note(subject: str | None, values: Iterable[Any]) -> None:
        if subject is None:
            return
        bucket = found.setdefault(subject, [])
        for value in values:
            if len(bucket) < _LITERAL_LIMIT and not (isinstance(value, str) and (
                    len(value) > 40 or not value.isprintable())):
                add_unique(bucket, value)

    def alias(first: str | None, second: str | None) -> None:
        if first and second and first != second:
            aliases.setdefault(first, set()).add(second)
            aliases.setdefault(second, set()).add(first)

    functions = {node.name: node for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, operand in enumerate(operands):
                subject = _subject(operand)
                if subject is None:
                    continue
                for other in operands[:index] + operands[index + 1:]:
                    values = _constants(other, collections)
                    note(subject, values)
                    # Around a numeric bound: both sides of `x > 100`.
                    note(subject, [v + d for v in values if isinstance(v, int)
                                   and not isinstance(v, bool) for d in (1, -1)])
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute):
            table = collections.get(_name_of(node.value) or "")
            if table:
                note(_subject(node.slice), table)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in {"get", "pop"} and node.args:
                table = collections.get(_name_of(node.func.value) or "")
                if table:
                    note(_subject(node.args[0]), table)
            elif method in {"startswith", "endswith"} and node.args:
                prefixes = [v for v in _constants(node.args[0], collections)
                            if isinstance(v, str)]
                note(_subject(node.func.value), [
                    (p + "abc" if method == "startswith" else "abc" + p) for p in prefixes])
        elif isinstance(node, ast.Match):
            subject = _subject(node.subject)
            for case in node.cases:
                note(subject, _pattern_words(case.pattern) or ())
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            alias(_name_of(node.targets[0]), _subject(node.value))
        elif isinstance(node, ast.For):
            alias(_name_of(node.target), _subject(node.iter))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in functions:
            params = functions[node.func.id].args
            names = [a.arg for a in (*params.posonlyargs, *params.args)]
            for name, argument in zip(names, node.args, strict=False):
                alias(name, _subject(argument))
            for keyword in node.keywords:
                if keyword.arg:
                    alias(keyword.arg, _subject(keyword.value))
    merged: dict[str, list[Any]] = {}
    for name in set(found) | set(aliases):
        gathered: list[Any] = []
        reach, frontier = {name}, {name}
        for _ in range(3):  # aliases of aliases, a few steps deep
            frontier = {a for f in frontier for a in aliases.get(f, ())} - reach
            reach |= frontier
        for source in [name, *sorted(reach - {name})]:
            for value in found.get(source, ()):
                if len(gathered) < _LITERAL_LIMIT:
                    add_unique(gathered, value)
        if gathered:
            merged[name] = gathered
    return merged
