"""Values a program candidate is built from: edge values per type, files and folders by hint,
stdin lines, and the examples and formats its help texts name (`ValuePools`)."""

from __future__ import annotations

import ast
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from single_shot_eval.casegen.doc_formats import documented_lines, example_lines
from single_shot_eval.casegen.program_hints import hinted_values
from single_shot_eval.casegen.program_vocabulary import (
    ArgumentSpec,
    ParserSpec,
    Vocabulary,
    add_unique,
)
from single_shot_eval.casegen.source_values import SourceValues
from single_shot_eval.casegen.tables import listed, words_pattern
from single_shot_eval.corpus.example import Example
from single_shot_eval.pysource import parse_python

# Word lists, edge values and sample lines: `casegen/data/program_inputs.yaml`.
_DATA = "program_inputs"
PATH_WORDS = words_pattern(_DATA, "path_words")
DIR_WORDS = words_pattern(_DATA, "dir_words")
OUTPUT_WORDS = words_pattern(_DATA, "output_words")


# -- candidate inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One input to try: argv, stdin, files to create first, and the comparison it will use."""

    name: str
    args: tuple[str, ...]
    stdin: str = ""
    files: tuple[tuple[str, str], ...] = ()
    exit_code_only: bool = False
    always_keep: bool = False


_INT_EDGES = listed("edge_values", "program.int")
_FLOAT_EDGES = listed("edge_values", "program.float")
STR_EDGES = listed("edge_values", "program.str")
CSV_HEADER = listed(_DATA, "csv_header")
# How many mined constants (with neighbours) an argument's pool takes.
_BOUNDARY_LIMIT = 32
# A lower-case command word and the upper-case placeholders after it (`move X Y`).
_DOC_COMMAND = re.compile(r"(?<![\w.-])([a-z][a-z_]{1,15})((?:[ ]+[A-Z][A-Z_]{0,9}\b)+)"
                          r"(?![\w-])(?!\.\w)")
_TEXT_LINES = listed(_DATA, "text_lines")


class ValuePools:
    """The values one program's candidates are drawn from: its literals, edges, files, stdin."""

    def __init__(self, example: Example, vocab: Vocabulary) -> None:
        self.example = example
        self.vocab = vocab
        seed = int(hashlib.sha256(example.python_source.encode()).hexdigest()[:16], 16)
        self.rng = random.Random(seed)
        try:
            self.source = SourceValues.of(example.python_source)
        except (SyntaxError, ValueError):
            self.source = SourceValues()
        try:
            tree = parse_python(example.python_source, "<program>")
        except (SyntaxError, ValueError):
            tree = ast.Module(body=[], type_ignores=[])
        docstring = ast.get_docstring(tree)
        # The summary line says what the program's free-form inputs hold ("cron lines").
        self.summary = (docstring or "").strip().split("\n", 1)[0]
        # Inputs the docstrings show ("2/3 * 5", `e.g. 30s, 5m`): typed as they are.
        self.doc_examples = help_examples(docstring or "", self.vocab.words)[:12]
        for line in example_lines(tree):
            add_unique(self.doc_examples, *help_examples(line, self.vocab.words)[:4])
        self.doc_text = docstring or ""
        # Lines the program's regular expressions match or its docstrings' formats describe.
        self.shaped_lines = [*self.vocab.regex_samples, *documented_lines(tree)][:16]
        self.cross_tokens: list[str] = []
        # Per (sub)command path: its options with their value pools (for mutation).
        self.option_pools: dict[tuple[str, ...], list[tuple[ArgumentSpec, list[
            tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]]]] = {}

    # values -----------------------------------------------------------------------------

    def boundary_ints(self) -> list[str]:
        """The program's integer constants and their neighbours (+-1, negated), comparison
        operands first: `if n > 100` is only told from `n >= 100` by 100 itself."""
        values = [str(v) for v in self.source.ints[:_BOUNDARY_LIMIT]]
        # Mixed-radix programs (one constant per unit) need every unit at once: the sum of the
        # constants, and that plus one.
        found = set(self.source.ints)
        units = sorted({v for v in found if 1 < v <= 10**6 and {v - 1, v + 1} <= found})
        if len(units) >= 2:
            values += [str(sum(units[-4:]) + 1), str(2 * sum(units[-4:]) - 1)]
        return values

    def boundary_floats(self) -> list[str]:
        """The program's float constants and their neighbours (+-1)."""
        return [repr(v) for v in self.source.floats[:_BOUNDARY_LIMIT // 2]]

    def int_values(self) -> list[str]:
        values = [str(v) for v in self.vocab.ints[:6]]
        values += [str(v + 1) for v in self.vocab.ints[:3] if v + 1 not in self.vocab.ints]
        add_unique(values, *_INT_EDGES[:6], *self.boundary_ints(), *_INT_EDGES[6:])
        return values

    def float_values(self) -> list[str]:
        values = [repr(v) for v in self.vocab.floats[:4]] + [str(v) for v in self.vocab.ints[:2]]
        add_unique(values, *_FLOAT_EDGES[:4], *self.boundary_floats(), *self.boundary_ints(),
                   *_FLOAT_EDGES[4:])
        return values

    def str_values(self) -> list[str]:
        values = list(self.cross_tokens[:3])
        add_unique(values, *self.vocab.words[:10])
        if self.vocab.uses_csv and not self.vocab.keys:
            values += [name for name in CSV_HEADER[2:] if name not in values]
        add_unique(values, *STR_EDGES)
        return values

    def literal_words(self) -> list[str]:
        """Words for free-form arguments: the program's short string literals that read as
        words, and values of the domain its summary line names."""
        words = [w for w in self.source.words
                 if w not in self.vocab.words and not w.startswith("__")][:8]
        add_unique(words, *self.doc_examples[:6], *(hinted_values(self.summary) or [])[:6])
        return words

    def text_file(self, hint: str) -> list[tuple[str, str]]:
        """(content kind, text) variants for an input file whose name or help says `hint`: the
        kind the hint names first (JSON, CSV, settings), then those the program's imports and
        literals suggest, plain text lines, and an empty file."""
        lowered = hint.lower()
        words = [w for w in self.vocab.words if w.isidentifier()][:6] or ["name", "value"]
        keys = (self.vocab.keys + [w for w in words if w not in self.vocab.keys])[:6]
        record = {key: (i * 7 - 3 if i % 2 else f"{key}-{i}") for i, key in enumerate(keys)}
        other = {key: i for i, key in enumerate(keys)}
        header = ",".join(keys[:4])
        rows = [",".join(str((r + 1) * (c + 2) - 3) for c in range(len(keys[:4])))
                for r in range(3)]
        lines = [" ".join(words[:3]), "42 17 -3", "", f"{words[0]} 5", "ünïcödé ✓"]
        templated = self.template_lines()
        kinds: dict[str, Callable[[], str]] = {
            "json": lambda: json.dumps(record, indent=2) + "\n",
            "json_list": lambda: json.dumps([other, record]) + "\n",
            "csv": lambda: "\n".join([header, *rows]) + "\n",
            "csv_text": lambda: header + "\n" + ",".join(
                ["a", "-1", "2.5", "ü"][: len(keys[:4])]) + "\n",
            "config": self.config_text,
            "lines": lambda: "\n".join(templated or self.line_pool()[:8]) + "\n",
            "matching": lambda: "\n".join([*self.shaped_lines, "not a matching line",
                                           *self.shaped_lines[:2]]) + "\n",
            "text": lambda: "\n".join(lines) + "\n",
        }
        # What the hint names outranks what the imports suggest, which outranks separators.
        order: list[str] = []
        if self.shaped_lines:
            order.append("matching")
        if "json" in lowered:
            order += ["json", "json_list"]
        if "csv" in lowered:
            order += ["csv", "csv_text"]
        if re.search(r"(?i)\.env\b|\bini\b|properties|settings|dotenv", hint):
            order.append("config")
        if self.vocab.uses_json:
            order += ["json", "json_list"]
        if self.vocab.uses_csv:
            order += ["csv", "csv_text"]
        if set(self.vocab.words) & {"=", "#", "[", "export"} or "config" in lowered:
            order.append("config")
        if templated or self.vocab.reads_stdin:
            order.append("lines")
        order.append("text")
        chosen = list(dict.fromkeys(order))[:5]
        return [(kind, kinds[kind]()) for kind in chosen] + [("empty", "")]

    def config_text(self) -> str:
        """A `key=value` / `[section]` / `# comment` document with the program's keys and
        separators: settings files, `.env` files, INI files, properties."""
        keys = [k for k in (*self.vocab.keys, *self.vocab.words)
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,20}", k)][:4] or ["name", "port"]
        separator = ":" if ":" in self.vocab.words and "=" not in self.vocab.words else "="
        lines = ["# settings", "[main]" if "[" in self.vocab.words else ""]
        lines += [f"{key}{separator}{value}" for key, value in zip(
            keys, ("alpha", "8080", '"quoted value"', "-2.5"), strict=False)]
        lines += [f"export EXTRA{separator}1" if "export" in self.vocab.words else
                  f"EXTRA {separator} spaced", "", "not a setting line"]
        return "\n".join(line for line in lines if line is not None) + "\n"

    def directory_trees(self) -> list[list[tuple[str, str]]]:
        """Folder contents for a directory argument: a few files (two with the same text, one
        in a subfolder, one per file extension the program names), and a single file."""
        extensions = [w for w in self.vocab.words if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", w)]
        text = "alpha beta\n42\n"
        files = [("a.txt", text), ("b.txt", text), ("notes.md", "# Notes\nsome text\n"),
                 ("sub/c.txt", "gamma\n"), ("sub/deeper/d.log", "")]
        files += [(f"file{n}{ext}", f"content {n}\n") for n, ext in enumerate(extensions[:3])]
        return [files, [("only.txt", "one line\n")]]

    def line_pool(self) -> list[str]:
        """Single input lines: the program's words and numbers, alone and combined, plus edges."""
        words = self.vocab.words[:12]
        numbers = [str(v) for v in self.vocab.ints[:6]] + [repr(v) for v in self.vocab.floats[:3]]
        for edge in ("0", "1", "3", "-7", "2.5", "100", "-0.5", "1e308", " 7 ", "1_000", "abc"):
            add_unique(numbers, edge)
        add_unique(numbers, *self.boundary_ints()[:12])
        pool = list(numbers)
        for word in words:
            add_unique(pool, word)
            add_unique(pool, f"{word} {numbers[len(pool) % len(numbers)]}")
            add_unique(pool, f"{word} {numbers[(len(pool) + 3) % len(numbers)]} "
                       f"{numbers[(len(pool) + 5) % len(numbers)]}")
        add_unique(pool, *_TEXT_LINES)
        for word in words[:8]:
            # Postfix too (`3 4 +`), for stack machines.
            add_unique(pool, f"{numbers[len(pool) % len(numbers)]} "
                       f"{numbers[(len(pool) + 2) % len(numbers)]} {word}")
        for word in self.vocab.words[:16]:
            # Infix for operators (`3 <= 4`, `1 or 0`), for calculators and expression parsers.
            if not any(ch.isalnum() for ch in word) or word in {"and", "or", "in", "not in"}:
                add_unique(pool, f"{numbers[len(pool) % len(numbers)]} {word} "
                           f"{numbers[(len(pool) + 1) % len(numbers)]}")
        commands = [" ".join(c) for c in self.doc_commands()]
        commands += [v for v in (hinted_values(self.summary) or []) if v not in commands]
        matching = [m for m in self.shaped_lines if m not in pool and m not in commands]
        return self.template_lines() + matching + commands + [
            e for e in self.doc_examples if e not in pool and e not in commands] + pool

    def template_lines(self) -> list[str]:
        """Lines shaped like the program's `match` patterns, free words from a small stable set
        (so that later lines can name what earlier lines created)."""
        names = ["alice", "bob", "100", "2.5", "0", "-3", "x"]
        lines: list[str] = []
        for template in self.vocab.templates:
            for variant in range(3):
                words = []
                for index, slot in enumerate(template):
                    if slot is None:
                        words.append(names[(variant * 2 + index) % len(names)] if variant else
                                      ("alice" if index == 1 else "100"))
                    else:
                        words.append(slot[variant % len(slot)])
                add_unique(lines, " ".join(words))
        return lines

    def stdin_values(self) -> list[str]:
        """Stdin documents built from the program's literals (commands, numbers, text)."""
        pool = self.line_pool()
        docs = ["", "\n".join(_TEXT_LINES) + "\n", "1 2 3\n4 5 6\n", "-7\n0\n2147483648\n"]
        # The program's constants and their neighbours, one a line and all on one line.
        literals = [*self.boundary_ints(), *self.boundary_floats()[:4]]
        if literals:
            docs.insert(2, "\n".join(literals) + "\n")
            docs.insert(3, " ".join(literals[:12]) + "\n")
        if self.vocab.uses_json:
            keys = self.vocab.keys[:5] or ["a"]
            docs.append(json.dumps({k: i for i, k in enumerate(keys)}) + "\n")
            docs.append("[1, -2, 3.5]\n")
        if self.vocab.uses_csv:
            keys = (self.vocab.keys or list(CSV_HEADER))[:4]
            docs.append(",".join(keys) + "\n" + "\n".join(
                ",".join(str(i * 3 - j) for j in range(len(keys))) for i in range(3)) + "\n")
            docs.append(",".join(keys) + "\n" + "\n".join(
                ",".join(["7", "pear", " 2.5", "-1", "x", '"1,5"'][(i + j) % 6]
                         for j in range(len(keys))) for i in range(4)) + "\n\n")
        hinted = hinted_values(self.summary)
        if hinted:
            # Values of the domain the summary names (dates), one a line.
            docs.insert(2, "\n".join(hinted) + "\n")
        commands = self.doc_commands()
        if commands:
            docs[2:2] = ["\n".join(" ".join(c) for c in commands[i::3]) + "\n"
                         for i in range(3)]
        docs[5:5] = [*self.char_grids(), *self.field_records(), *self.separated_records()]
        if self.shaped_lines:
            # Well-formed lines (see `shaped_lines`), alone and among lines that are not.
            docs.insert(2, "\n".join(self.shaped_lines) + "\n")
            docs.insert(3, "\n".join(line for pair in zip(
                self.shaped_lines, _TEXT_LINES, strict=False) for line in pair) + "\n")
        for word in self.vocab.words[:8]:
            docs.append(f"{word}\n")
        templated = self.template_lines()
        if templated:
            docs.append("\n".join(templated) + "\n")
        for _ in range(16):
            lines = [self.rng.choice(templated if templated and self.rng.random() < 0.7
                                     else pool) for _ in range(self.rng.randint(1, 8))]
            docs.append("\n".join(lines) + "\n")
        return docs

    def field_records(self) -> list[str]:
        """Lines of N whitespace-separated fields for each N the program checks `len(...)`
        against (`len(fields) != 4`): an id, then numbers (its constants, small and big ones)
        and words (its own, or names), seeded; one document all numbers, one mixed."""
        counts = [n for n in self.source.lengths if 2 <= n <= 8][:4]
        if not counts:
            return []
        numbers = [v for v in self.boundary_ints() if not v.startswith("-")][:8]
        numbers += ["3", "12", "250", "1999", "0"]
        words = [w for w in [*self.vocab.words, *self.literal_words()] if w.isidentifier()][:8]
        words += ["alice", "bob"]
        # Fields the program wants bracketed (`startswith("[")` and `endswith("]")`).
        marks = set(self.source.separators)
        for opening, closing in (("[", "]"), ("(", ")"), ("<", ">"), ('"', '"'), ("{", "}")):
            if opening in marks and closing in marks:
                words += [f"{opening}{w}{closing}" for w in words[-2:]]
        docs = []
        for count in counts:
            for mixed in (False, True):
                lines = []
                for row in range(8 if mixed else 5):
                    fields = [str(row % 4 + 1)]
                    for _ in range(count - 1):
                        use_word = mixed and self.rng.random() < 0.5
                        fields.append(self.rng.choice(words if use_word else numbers))
                    lines.append(" ".join(fields))
                docs.append("\n".join(lines) + "\n")
        return docs

    def doc_commands(self) -> list[list[str]]:
        """Command shapes the docstring spells out (`move X Y | turn D`, `repeat N`): the
        word, then its placeholders filled with numbers, three variants each (positive,
        fractional and zero or negative, the program's constants)."""
        shapes: list[tuple[str, int]] = []
        # Only words the program itself knows: prose ("the N") is no command.
        known = {*self.vocab.words, *self.source.strs}
        for match in _DOC_COMMAND.finditer(self.doc_text):
            shape = (match.group(1), len(match.group(2).split()))
            if shape not in shapes and shape[0] in known:
                shapes.append(shape)
        constants = [v for v in self.boundary_ints() if v not in {"0", "1", "-1"}][:3]
        variants = (["3", "4", "5"], ["2.5", "1", "7"], ["0", "-2", "10"], constants or ["6"])
        commands = []
        for variant in variants:
            for word, count in shapes[:8]:
                commands.append([word, *(variant[i % len(variant)] for i in range(count))])
        return commands

    def separated_records(self) -> list[str]:
        """Lines `name<sep> n n n` for each separator the program splits or partitions on
        (`name: 90 81`, `key=3`): names repeat across lines, numbers are its constants."""
        separators = [s for s in self.source.separators if s.strip() and len(s) <= 3][:3]
        if not separators:
            return []
        numbers = [v for v in self.boundary_ints() if not v.startswith("-")][:10] or ["3"]
        names = ["alice", "bob", "carol", "alice", "dave"]
        # Settings-like records name the program's own keys (`retries=3`, `level=debug`).
        keys = list(dict.fromkeys(
            k for k in (*self.vocab.keys, *(w for w in self.source.words
                                            if w not in self.vocab.words))
            if k.isidentifier() and not k.startswith("__")))[:8]
        values = [w for w in self.vocab.words if w.isidentifier()][:4] or keys
        docs = []
        for separator in separators:
            for named in (False, True) if keys else (False,):
                lines = []
                for row, name in enumerate(keys if named else names):
                    if named:
                        value = numbers[row % len(numbers)] if row % 2 else \
                            values[row // 2 % len(values)]
                        lines.append(f"{name}{separator}{value}")
                        continue
                    count = 1 + (row * 2) % 4
                    picked = " ".join(self.rng.choice(numbers) for _ in range(count))
                    lines.append(f"{name}{separator} {picked}")
                docs.append("\n".join(lines) + "\n")
            if separator == "=":
                docs.append(self.config_text())
        return docs

    def char_grids(self) -> list[str]:
        """Lines of the program's one-character literals (`#` and `.`, `X` and `O`): boards,
        mazes and pictures, one sparse and one dense, of a few rows (seeded)."""
        chars = [c for c in self.source.strs if len(c) == 1 and not c.isspace()
                 and not c.isalnum()] or [c for c in self.source.strs
                                          if len(c) == 1 and c.isalpha()]
        if len(chars) < 2:
            return []
        grids = []
        for density, rows, width in ((0.3, 5, 6), (0.55, 4, 5), (0.4, 6, 3)):
            lines = ["".join(chars[0] if self.rng.random() < density else chars[1]
                             for _ in range(width)) for _ in range(rows)]
            grids.append("\n".join(lines) + "\n")
        return grids

    def argument_values(self, arg: ArgumentSpec, slot: str) -> list[tuple[tuple[str, ...],
                                                                         tuple[tuple[str, str],
                                                                               ...]]]:
        """Values to try for `arg` as (argv words, files) pairs; the first is the typical one."""
        hint = " ".join(filter(None, (arg.dest, arg.metavar, arg.help)))
        type_name = arg.type_name or "str"
        if arg.choices:
            return [((c,), ()) for c in arg.choices]
        if type_name.startswith("file:") and "w" in type_name:
            return [((f"{slot}.out",), ())]
        if type_name in {"str", "Path", "PosixPath"} and DIR_WORDS.search(hint):
            if OUTPUT_WORDS.search(arg.dest):
                return [((f"{slot}_out",), ())]
            folders: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = [
                ((f"{slot}_dir",), tuple((f"{slot}_dir/{name}", text) for name, text in tree))
                for tree in self.directory_trees()]
            return [*folders, ((f"{slot}_missing",), ())]
        if type_name.startswith("file:") or type_name in {"Path", "PosixPath"} or (
                type_name == "str" and PATH_WORDS.search(hint)
                and not OUTPUT_WORDS.search(arg.dest)):
            suffix = ".json" if "json" in hint.lower() else ".csv" if "csv" in hint.lower() \
                else ".txt"
            values: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = []
            for kind, text in self.text_file(hint):
                name = f"{slot}_{kind}{suffix}"
                values.append(((name,), ((name, text),)))
            values.append(((f"{slot}_missing{suffix}",), ()))
            if type_name.startswith("file:"):
                values.append((("-",), ()))
            return values
        if type_name == "str" and OUTPUT_WORDS.search(arg.dest):
            return [((f"{slot}.out",), ())]
        # What the program itself compares this argument with comes first, after what its
        # help shows; then values of the domain its name or help names; then the general pool.
        literals = self.vocab.subject_literals.get(arg.dest, [])
        if type_name == "int":
            pool = [str(v) for v in literals if isinstance(v, int)]
            pool += [v for v in self.int_values() if v not in pool]
        elif type_name == "float":
            pool = [repr(v) if isinstance(v, float) else str(v) for v in literals
                    if isinstance(v, int | float)]
            pool += [v for v in self.float_values() if v not in pool]
        else:
            pool = []
            for value in [*help_examples(" ".join(filter(None, (arg.metavar, arg.help))),
                                          self.vocab.words),
                          *(str(v) for v in literals), *(hinted_values(hint) or ())]:
                add_unique(pool, value)
            specific = bool(pool)
            # Text the program's regular expressions match (a schedule, a duration), and
            # examples its functions' docstrings give.
            add_unique(pool, *self.shaped_lines[:6], *self.doc_examples[:4])
            general = [v for v in self.str_values() if v not in pool]
            pool += general[:4] if specific else general
        if arg.default is not None and not isinstance(arg.default, bool):
            default = str(arg.default)
            pool = [default, *[v for v in pool if v != default]]
        elif type_name == "int":
            pool = ["3", *[v for v in pool if v != "3"]]
        elif type_name == "float":
            pool = ["2.5", *[v for v in pool if v != "2.5"]]
        return [((v,), ()) for v in pool]

    def _arity(self, arg: ArgumentSpec) -> list[int]:
        nargs = arg.nargs
        if isinstance(nargs, int):
            return [nargs]
        return {"?": [1, 0], "*": [2, 0, 1], "+": [1, 3]}.get(str(nargs), [1])

    def _words(self, arg: ArgumentSpec, values: list[tuple[tuple[str, ...],
                                                          tuple[tuple[str, str], ...]]],
               count: int, start: int) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        words: list[str] = []
        files: list[tuple[str, str]] = []
        for i in range(count):
            value_words, value_files = values[(start + i) % len(values)]
            words.extend(value_words)
            files.extend(value_files)
        return tuple(words), tuple(files)


# Words in a help text's format that stand for a value rather than being typed as they are.
_NUMBER_PLACEHOLDERS = frozenset(listed(_DATA, "number_placeholders"))
_NAME_PLACEHOLDERS = frozenset(listed(_DATA, "name_placeholders"))
_PLACEHOLDER_NUMBERS = listed(_DATA, "placeholder_numbers")
_PLACEHOLDER_NAMES = listed(_DATA, "placeholder_names")
_FORMAT_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[-:=.;,|][A-Za-z0-9_]+)+")
_EXAMPLE_LEAD = re.compile(
    r"(?i)(?:\be\.?g\.?|\bfor example|\bsuch as|\blike|\bformat|\boperations?|\bcommands?|"
    r"\bone of)\s*[,:]?\s*")
_PROSE_HYPHENS = frozenset(listed(_DATA, "prose_hyphens"))


def help_examples(text: str, keywords: Iterable[str] = ()) -> list[str]:
    """Concrete values from an argument's help and metavar: quoted examples (`'1,2;3,4'`),
    lists after "e.g." / "Operations:" (`30s, 5m, 1h`; `push:N, pop`), and format tokens
    (`u-v:weight`, `name=value`, `SECTION.KEY=VALUE`) with their placeholders filled in."""
    keep = {k.lower() for k in keywords}
    examples: list[str] = []  # written as a user would type them: kept as they are too
    templates: list[str] = []
    add_unique(examples, *re.findall(r"['`\"]([^'`\"\s][^'`\"]{0,30})['`\"]", text))
    for lead in _EXAMPLE_LEAD.finditer(text):
        rest = re.split(r"[)\]]|\.\s|\.$", text[lead.end():], maxsplit=1)[0]
        for item in re.split(r",\s+|\s+or\s+|\s*\|\s*|;\s+", rest):
            item = item.strip(" '\"`")
            if 0 < len(item) <= 30 and " " not in item and any(c.isalnum() for c in item):
                add_unique(examples if lead.group(0)[:1].lower() == "e" else templates, item)
    for token in _FORMAT_TOKEN.findall(text):
        parts = re.split(r"[-:=.;,|]", token)
        if token.lower() in {"e.g", "i.e"} or token in examples:
            continue
        structured = bool(set(token) & set(":=;,|")) or all(
            len(part) <= 2 or part.isupper() for part in parts)
        prose = parts[0].lower() in _PROSE_HYPHENS and not set(token) & set(":=;,|.")
        if structured and not prose:
            add_unique(templates, token)
    # Dates and times are the date hint's: `YYYY-MM-DD` itself is no value.
    templates = [t for t in templates if not re.fullmatch(r"(?i)[ymdhs_:/ .t-]+", t)]
    values = list(examples)
    for variant in range(4):
        for template in examples + templates:
            add_unique(values, _instantiate(template, variant, keep))
    return values


def _instantiate(template: str, variant: int, keywords: set[str]) -> str:
    """`template` with its placeholder words replaced by values of the `variant`-th set (a
    number for `N`/`weight`/`value`, a short name for `u`/`key`); program keywords kept."""
    pieces = re.split(r"([^A-Za-z0-9_]+)", template)
    out: list[str] = []
    names = numbers = 0
    for piece in pieces:
        lowered = piece.lower()
        if not piece or not (piece[0].isalnum() or piece[0] == "_") or lowered in keywords \
                or re.fullmatch(r"-?\d+(\.\d+)?", piece):
            out.append(piece)
        elif lowered in _NUMBER_PLACEHOLDERS or (piece.isupper() and len(piece) == 1 and
                                                 lowered not in _NAME_PLACEHOLDERS):
            out.append(_PLACEHOLDER_NUMBERS[(variant + numbers) % len(_PLACEHOLDER_NUMBERS)])
            numbers += 1
        elif lowered in _NAME_PLACEHOLDERS or (piece.isupper() and len(piece) > 1):
            out.append(_PLACEHOLDER_NAMES[(variant + names) % len(_PLACEHOLDER_NAMES)])
            names += 1
        else:
            out.append(piece)
    return "".join(out)


def argument_slot(arg: ArgumentSpec, index: int) -> str:
    text = re.sub(r"[^A-Za-z0-9]+", "_", arg.dest).strip("_") or f"arg{index}"
    return text[:24]


def command_paths(spec: ParserSpec, prefix: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], ParserSpec]]:
    """Every (subcommand words, parser) path down the subparser tree, the root first."""
    subparsers = [a for a in spec.actions if a.subcommands is not None]
    if not subparsers or not subparsers[0].required:
        yield prefix, spec
    for action in subparsers[:1]:
        assert action.subcommands is not None
        for name, sub in action.subcommands:
            merged = ParserSpec(sub.prog, tuple(
                a for a in spec.actions if a.subcommands is None and a.kind != "_HelpAction"
                and a.required) + sub.actions, sub.exclusive)
            yield from command_paths(merged, (*prefix, name))


# -- running the oracle ------------------------------------------------------------------------
