"""Behaviour cases for CLI programs, by oracle fuzzing of the Python original.

1. **What the program accepts.** A bootstrap runs the script in the sandbox with
   `argparse.ArgumentParser.parse_known_args` patched to print the real parser (subcommands,
   options, types, choices, nargs, defaults, required, mutually exclusive groups) as JSON and
   exit. Scripts that read `sys.argv` or stdin directly get their vocabulary from the AST:
   strings and numbers compared with inputs, `startswith` arguments, dict keys, `int()`/`float()`
   conversions of argv items.
2. **Candidates.** Per argument, values from its type, choices, default and the program's
   literals, plus the edges where Rust and Python disagree (negatives, 0, big ints, `1e308`,
   `nan`, `inf`, `" 7"`, `"1_000"`, unicode, empty strings); one argument varied at a time from
   a valid base invocation, a few seeded combinations, `--help`, `--version` and usage errors.
   Path-like arguments get small files (text, CSV or JSON built from the program's literals)
   created in the case's work directory.
3. **Oracle.** One forking Python server per run executes every candidate (so the sandbox and
   interpreter start-up are paid twice per example, not twice per candidate): the first run
   under coverage.py with `TZ`, `PYTHONHASHSEED` and the working directory set one way; the useful
   candidates run twice more with all three changed. A candidate is kept only if it finished in
   time every time with the same stdout and exit code.
4. **Selection.** Greedily the candidates that add covered lines or branches of the script, up to
   the budget; `--help` and one usage error are always kept. Usage errors (exit 2) and
   `--help`/`--version` compare the exit code only, everything else stdout and exit code.

The same program text always yields the same cases: every choice is seeded from its text.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from single_shot_eval.corpus.casegen import GeneratedCaseSet
from single_shot_eval.corpus.example import BehaviourCase, CaseOrigin, Comparison, Example
from single_shot_eval.pysource import parse_python
from single_shot_eval.sandbox import Sandbox, SandboxCommand, SandboxLimits

GENERATOR_VERSION = "programs-6"
# Per-candidate wall-clock limit during generation; slower inputs are not kept as ground truth.
CANDIDATE_TIMEOUT_S = 1.5
# Upper bound on candidates run per example (two oracle runs each).
MAX_CANDIDATES = 96
# Mutants of the best inputs run in each coverage-guided round.
MUTANTS = 24
MUTATION_ROUNDS = 2
_OUTPUT_CAP_BYTES = 256 * 1024
_USAGE_ERROR_EXIT = 2
# Two settings as far apart as possible: 26 hours between the zones makes `date.today()` differ.
# 400 days, 5 hours, 7 minutes and 11 seconds: another year, date, hour, minute and second;
# and a clock 1000 times as fast, so that an elapsed 0.1 ms shows as 0.1 s.
_CLOCK_OFFSET_S = ((400 * 24 + 5) * 60 + 7) * 60 + 11
_CLOCK_RATE = 1000.0
# The second and third runs also skew unseeded randomness to opposite halves (`RANDOM`: low
# draws in one, high draws in the other): a coin flip, `randint(1, 2)` or `choice` of two words
# then differs between them for sure, where natural draws would agree by chance. The third run
# also sees the wall clock `_CLOCK_OFFSET_S` later and running `_CLOCK_RATE` times as fast.
_RUN_SETTINGS = (
    {"TZ": "Etc/GMT+12", "PYTHONHASHSEED": "1", "RANDOM": ""},
    {"TZ": "Etc/GMT-14", "PYTHONHASHSEED": "2", "RANDOM": "low"},
    {"TZ": "Asia/Kathmandu", "PYTHONHASHSEED": "3", "RANDOM": "high",
     "CLOCK_OFFSET_S": str(_CLOCK_OFFSET_S)},
)
_PATH_WORDS = re.compile(
    r"(?i)\b(file|files|path|paths|input|config|csv|json|log|logfile|filename|source|src|"
    r"schema|data|infile|template|db|database|jsonl|yaml|txt)\b"
)
_DIR_WORDS = re.compile(r"(?i)\b(dir|dirs|directory|directories|folder|folders|tree)\b")
_OUTPUT_WORDS = re.compile(r"(?i)\b(output|out|dest|destination|outfile|target)\b")

# Runs in the sandbox as `python -c _CAPTURE_SOURCE SCRIPT`: prints the parser as JSON after a
# marker line when the script asks argparse to parse, then exits; otherwise the script just runs.
_CAPTURE_MARKER = "@@single-shot-eval-parser@@"
_CAPTURE_SOURCE = r"""
import argparse, json, os, runpy, sys

MARKER = "@@single-shot-eval-parser@@"

def plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    return repr(value)[:80]

def type_name(kind):
    if kind is None:
        return None
    if isinstance(kind, argparse.FileType):
        return "file:" + getattr(kind, "_mode", "r")
    return getattr(kind, "__name__", type(kind).__name__)

def dump(parser, seen):
    seen.add(id(parser))
    actions = []
    for action in parser._actions:
        entry = {
            "kind": type(action).__name__,
            "options": list(action.option_strings),
            "dest": action.dest,
            "nargs": action.nargs,
            "type": type_name(action.type),
            "default": plain(action.default),
            "required": bool(action.required),
            "metavar": action.metavar if isinstance(action.metavar, str) else None,
            "help": action.help if isinstance(action.help, str) else "",
            "choices": None,
            "subcommands": None,
        }
        if isinstance(action, argparse._SubParsersAction):
            subs = {}
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    subs[name] = dump(sub, seen)
            entry["subcommands"] = subs
        elif action.choices is not None:
            try:
                entry["choices"] = [str(c) for c in list(action.choices)[:40]]
            except TypeError:
                pass
        actions.append(entry)
    groups = [[a.dest for a in g._group_actions] for g in parser._mutually_exclusive_groups]
    return {"prog": parser.prog, "actions": actions, "exclusive": groups}

def capture(self, args=None, namespace=None):
    if args is not None:
        return original(self, args, namespace)
    text = json.dumps(dump(self, set()))
    sys.stdout.write("\n" + MARKER + "\n" + text + "\n")
    sys.stdout.flush()
    os._exit(0)

original = argparse.ArgumentParser.parse_known_args
argparse.ArgumentParser.parse_known_args = capture
script = sys.argv[1]
sys.argv = [script]
sys.path[0] = os.getcwd()
runpy.run_path(script, run_name="__main__")
"""

# Runs in the sandbox as `python -c _SERVER_SOURCE SPEC_JSON`: forks one child per candidate
# (fresh program state each time, interpreter start-up paid once), with its own folder, stdin,
# argv, output files, CPU limit and wall-clock timeout; optionally under coverage.py.
_SERVER_SOURCE = r"""
import base64, builtins, json, os, resource, select, signal, sys, time

with open(sys.argv[1], encoding="utf-8") as handle:
    spec = json.load(handle)
coverage = None
if spec["coverage_path"]:
    sys.path.insert(0, spec["coverage_path"])
    try:
        import coverage
        from coverage.parser import PythonParser
    except Exception:
        coverage = None
    sys.path.remove(spec["coverage_path"])
os.environ["TZ"] = spec["tz"]
time.tzset()
script = spec["script"]
code_path = spec["code_path"]
with open(code_path, encoding="utf-8") as handle:
    code = compile(handle.read(), code_path, "exec", dont_inherit=True)
# The script's imports, loaded once here instead of in every child.
for name in spec["preload"]:
    try:
        __import__(name)
    except BaseException:
        pass
timeout_s = spec["timeout_s"]
cap = spec["output_cap"]
deadline_all = time.monotonic() + spec["total_timeout_s"]

def skew_randomness(high):
    # Unseeded `random` draws from one half of their range only: `random()` in [0, .5) or
    # [.5, 1), `randrange(n)` (choice, randint, shuffle, sample...) in the lower or upper half.
    # Generators the program seeded itself (`seed(x)`, `Random(x)`, `setstate`) stay natural.
    import random as rnd
    base = rnd.Random
    natural_seed, natural_setstate = base.seed, base.setstate
    def seed(self, a=None, version=2):
        self._sse_seeded = a is not None
        return natural_seed(self, a, version)
    def setstate(self, state):
        self._sse_seeded = True
        return natural_setstate(self, state)
    def skewed_below(natural):
        def below(self, n):
            if n < 2 or getattr(self, "_sse_seeded", False):
                return natural(self, n)
            drawn = natural(self, n // 2)
            return n - 1 - drawn if high else drawn
        return below
    def skewed_random(natural):
        def draw(self):
            value = natural(self)
            if getattr(self, "_sse_seeded", False):
                return value
            return 0.5 + value / 2 if high else value / 2
        return draw
    base.seed, base.setstate = seed, setstate
    # Subclasses (SystemRandom, which `secrets` uses) carry their own `_randbelow`/`random`.
    classes, pending = [], [base]
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending.extend(cls.__subclasses__())
    for cls in classes:
        if "_randbelow" in cls.__dict__:
            cls._randbelow = skewed_below(cls.__dict__["_randbelow"])
        if "random" in cls.__dict__ or cls is base:
            cls.random = skewed_random(getattr(cls, "random"))
    # The module's functions are methods of one instance, bound at import: bind them again.
    for name in dir(rnd._inst):
        if not name.startswith("_") and callable(getattr(rnd, name, None)) and \
                getattr(getattr(rnd, name), "__self__", None) is rnd._inst:
            setattr(rnd, name, getattr(rnd._inst, name))

def shift_clock(offset_s, rate):
    # The wall clock `offset_s` later for `time` and `datetime`, and running `rate` times as
    # fast, as do `perf_counter` and `process_time` (`monotonic`, which asyncio and threading
    # wait by, is untouched): output that names today's date or year, or an elapsed time
    # ("0.00s" three times in a quiet minute, "0.01s" on a loaded machine), differs.
    import datetime as dt, time as tm
    real_time = tm.time
    real_localtime, real_gmtime = tm.localtime, tm.gmtime
    real_ctime, real_asctime, real_strftime = tm.ctime, tm.asctime, tm.strftime
    def fast(real):
        origin = real()
        return lambda: origin + (real() - origin) * rate
    time_now = fast(real_time)
    tm.time = lambda: time_now() + offset_s
    tm.time_ns = lambda: int(tm.time() * 1e9)
    for name in ("perf_counter", "process_time"):
        clock = fast(getattr(tm, name))
        setattr(tm, name, clock)
        setattr(tm, name + "_ns", lambda clock=clock: int(clock() * 1e9))
    tm.localtime = lambda secs=None: real_localtime(tm.time() if secs is None else secs)
    tm.gmtime = lambda secs=None: real_gmtime(tm.time() if secs is None else secs)
    tm.ctime = lambda secs=None: real_ctime(tm.time() if secs is None else secs)
    tm.asctime = lambda t=None: real_asctime(tm.localtime() if t is None else t)
    tm.strftime = lambda fmt, t=None: real_strftime(fmt, tm.localtime() if t is None else t)
    real = dt.datetime
    class datetime(real):
        __slots__ = ()
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(tm.time(), tz)
        @classmethod
        def utcnow(cls):
            return cls.utcfromtimestamp(tm.time())
        def __repr__(self):
            return "datetime." + real.__repr__(self)
    datetime.__module__ = "datetime"
    dt.datetime = datetime  # `date.today()` reads `time.time()` by itself

def run_child(case):
    folder = case["folder"]
    os.setsid()
    for number, name, flags in ((0, ".sse-stdin", os.O_RDONLY),
                                (1, ".sse-stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, ".sse-stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        fd = os.open(os.path.join(folder, name), flags, 0o600)
        os.dup2(fd, number)
        os.close(fd)
    limit = int(timeout_s) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    except (ValueError, OSError):
        pass
    os.chdir(folder)
    os.environ["HOME"] = folder
    sys.argv = [script, *case["args"]]
    sys.path[0] = folder
    if "random" in sys.modules:
        sys.modules["random"].seed()
    if spec["random"]:
        skew_randomness(spec["random"] == "high")
    if spec["clock_offset_s"]:
        shift_clock(spec["clock_offset_s"], spec["clock_rate"])
    namespace = {"__name__": "__main__", "__file__": os.path.join(folder, script),
                 "__builtins__": builtins, "__doc__": None, "__spec__": None,
                 "__loader__": None, "__package__": None, "__cached__": None}
    main_module = type(sys)("__main__")
    main_module.__dict__.update(namespace)
    sys.modules["__main__"] = main_module
    measure = prepared
    if measure is not None:
        measure.start()
    status = 0
    try:
        exec(code, main_module.__dict__)
    except SystemExit as stop:
        if stop.code is None:
            status = 0
        elif isinstance(stop.code, int):
            status = stop.code & 0xFF
        else:
            try:
                sys.stderr.write(str(stop.code) + "\n")
            except BaseException:
                pass
            status = 1
    except BaseException:
        import traceback
        try:
            traceback.print_exc()
        except BaseException:
            pass
        status = 1
    try:
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    if measure is not None:
        try:
            measure.stop()
            data = measure.get_data()
            report = {"lines": sorted(data.lines(main_module.__file__) or ()),
                      "arcs": sorted(data.arcs(main_module.__file__) or ())}
            with open(os.path.join(folder, ".sse-coverage"), "w") as handle:
                json.dump(report, handle)
        except BaseException:
            pass
    os._exit(status)

prepared = None
if coverage is not None and spec["measure"]:
    # Built once, started in each child. coverage.py names a frame's file by its `__file__`
    # global (the case folder's copy), not by its code object's file name.
    prepared = coverage.Coverage(
        data_file=None, branch=True, config_file=False,
        include=[os.path.join(os.path.dirname(spec["cases"][0]["folder"]), "*", script)]
        if spec["cases"] else None)
    prepared.start()  # the first start does the expensive set-up; children only restart
    prepared.stop()

def read_capped(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return b"", False
    return data[:cap], len(data) > cap

results = []
for case in spec["cases"]:
    if time.monotonic() > deadline_all:
        results.append({"skipped": True})
        continue
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            run_child(case)
        finally:
            os._exit(70)
    timed_out = False
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        left = started + timeout_s - time.monotonic()
        if left <= 0:
            timed_out = True
            for kill, target in ((os.killpg, pid), (os.kill, pid)):
                try:
                    kill(target, signal.SIGKILL)
                except OSError:
                    pass
            status = os.waitpid(pid, 0)[1]
            break
        if pidfd is not None:
            select.select([pidfd], [], [], min(left, 0.5))
        else:
            time.sleep(0.002)
    if pidfd is not None:
        os.close(pidfd)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    folder = case["folder"]
    stdout, capped = read_capped(os.path.join(folder, ".sse-stdout"))
    if os.WIFSIGNALED(status):
        exit_code, signal_number = None, os.WTERMSIG(status)
    else:
        exit_code, signal_number = os.WEXITSTATUS(status), None
    record = {
        "exit": exit_code,
        "signal": signal_number,
        "timed_out": timed_out,
        "capped": capped,
        "stdout": base64.b64encode(stdout).decode("ascii"),
        "seconds": time.monotonic() - started,
    }
    try:
        with open(os.path.join(folder, ".sse-coverage")) as handle:
            record["coverage"] = json.load(handle)
    except (OSError, ValueError):
        pass
    results.append(record)
summary = {"results": results}
if coverage is not None and spec["measure"]:
    # Raw line numbers and arcs -> coverage.py's statements and branch arcs, as its reports do.
    try:
        parser = PythonParser(filename=code_path)
        parser.parse_source()
        statements = set(parser.statements)
        exits = parser.exit_counts()
        branches = {a for a in parser.arcs() if exits.get(a[0], 0) > 1}
        summary["statements"] = sorted(statements)
        summary["branches"] = sorted(branches)
        for record in results:
            raw = record.pop("coverage", None)
            if raw is None:
                continue
            lines = parser.first_lines(raw["lines"]) & statements
            arcs = parser.translate_arcs([tuple(a) for a in raw["arcs"]]) & branches
            record["lines"] = sorted(lines)
            record["arcs"] = sorted(arcs)
    except BaseException:
        pass
with open(spec["result_path"], "w", encoding="utf-8") as handle:
    json.dump(summary, handle)
"""


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
        return self.kind in {
            "_StoreTrueAction", "_StoreFalseAction", "_StoreConstAction", "_CountAction",
            "_AppendConstAction", "BooleanOptionalAction",
        }

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
                kind=str(raw["kind"]),
                options=tuple(raw["options"]),
                dest=str(raw["dest"]),
                nargs=raw["nargs"],
                type_name=raw["type"],
                default=raw["default"],
                required=bool(raw["required"]),
                metavar=raw["metavar"],
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


def _add(items: list[Any], value: Any) -> None:
    if value not in items:
        items.append(value)


def _is_argv(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "argv"
            and isinstance(node.value, ast.Name) and node.value.id == "sys")


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
                _add(vocab.keys if as_key else vocab.words, value)
            elif isinstance(value, int) and abs(value) < 10**12:
                _add(vocab.ints, value)
            elif isinstance(value, float):
                _add(vocab.floats, value)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for element in node.elts:
                take(element, as_key)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for part in (node.left, *node.comparators):
                take(part)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    take(key)
        elif isinstance(node, ast.match_case) and isinstance(
                node.pattern, ast.MatchValue | ast.MatchOr | ast.MatchAs):
            for word in _pattern_words(node.pattern) or ():
                if 0 < len(word) <= 30 and word.isprintable():
                    _add(vocab.words, word)
        elif isinstance(node, ast.match_case) and isinstance(node.pattern, ast.MatchSequence):
            template = _sequence_template(node.pattern)
            if template is not None and template not in vocab.templates:
                vocab.templates.append(template)
                for slot in template:
                    for word in slot or ():
                        _add(vocab.words, word)
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
            if node.attr in {"stdin"} and isinstance(node.value, ast.Name) \
                    and node.value.id == "sys":
                vocab.reads_stdin = True
            if _is_argv(node):
                vocab.argv_slice = vocab.argv_slice or False
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            vocab.uses_json |= "json" in names
            vocab.uses_csv |= "csv" in names
            vocab.uses_argparse |= "argparse" in names
            vocab.reads_stdin |= "fileinput" in names
        elif isinstance(node, ast.Name) and node.id == "argv":
            vocab.argv_slice = True
    # Module-level constants (`MAX_INDEX = 184`) bound what inputs the program accepts.
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
    `unit in ("km", "mi")`, `UNITS[unit]`, `match command: case "add"`, `x.startswith("0x")`,
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
                    for value in values:
                        _add(collections[name], value)
    found: dict[str, list[Any]] = {}
    aliases: dict[str, set[str]] = {}

    def note(subject: str | None, values: Iterable[Any]) -> None:
        if subject is None:
            return
        bucket = found.setdefault(subject, [])
        for value in values:
            if len(bucket) < _LITERAL_LIMIT and not (isinstance(value, str) and (
                    len(value) > 40 or not value.isprintable())):
                _add(bucket, value)

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
                    _add(gathered, value)
        if gathered:
            merged[name] = gathered
    return merged


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


# Big values stay within i64: beyond it every fixed-width translation differs from Python, and a
# case no faithful `i64` translation passes would judge the integer width, not the translation.
_INT_EDGES = ("0", "1", "-1", "7", "-7", "42", "-100", "2147483648", "9007199254740993",
              " 7", "1_000", "+3", "abc")
_FLOAT_EDGES = ("0", "1.5", "-2.5", "1e308", "1e-7", "nan", "inf", "-0.0", "3", "0.1", "x")
_STR_EDGES = ("hello", "Hello World", "", "ünïcödé ✓", "a,b,c", "123", "-5", "  padded  ")
# Column names for CSV inputs when the program names none (also tried as arguments).
_CSV_HEADER = ("id", "name", "amount", "value")
_TEXT_LINES = ("alpha beta gamma", "The quick brown fox", "42 17 -3", "", "ünïcödé line ✓",
               "a,b,c", "x=1", "  indented line  ")


class _Builder:
    """Builds the candidates of one program from its parser (or vocabulary) and literals."""

    def __init__(self, example: Example, vocab: Vocabulary) -> None:
        self.example = example
        self.vocab = vocab
        seed = int(hashlib.sha256(example.python_source.encode()).hexdigest()[:16], 16)
        self.rng = random.Random(seed)
        self.cross_tokens: list[str] = []
        # Per (sub)command path: its options with their value pools (for mutation).
        self.option_pools: dict[tuple[str, ...], list[tuple[ArgumentSpec, list[
            tuple[tuple[str, ...], tuple[tuple[str, str], ...]]]]]] = {}

    # values -----------------------------------------------------------------------------

    def int_values(self) -> list[str]:
        values = [str(v) for v in self.vocab.ints[:6]]
        values += [str(v + 1) for v in self.vocab.ints[:3] if v + 1 not in self.vocab.ints]
        for edge in _INT_EDGES:
            _add(values, edge)
        return values

    def float_values(self) -> list[str]:
        values = [repr(v) for v in self.vocab.floats[:4]] + [str(v) for v in self.vocab.ints[:2]]
        for edge in _FLOAT_EDGES:
            _add(values, edge)
        return values

    def str_values(self) -> list[str]:
        values = list(self.cross_tokens[:3])
        for word in self.vocab.words[:10]:
            _add(values, word)
        if self.vocab.uses_csv and not self.vocab.keys:
            values += [name for name in _CSV_HEADER[2:] if name not in values]
        for edge in _STR_EDGES:
            _add(values, edge)
        return values

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
            "text": lambda: "\n".join(lines) + "\n",
        }
        # What the hint names outranks what the imports suggest, which outranks separators.
        order: list[str] = []
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
            _add(numbers, edge)
        pool = list(numbers)
        for word in words:
            _add(pool, word)
            _add(pool, f"{word} {numbers[len(pool) % len(numbers)]}")
            _add(pool, f"{word} {numbers[(len(pool) + 3) % len(numbers)]} "
                       f"{numbers[(len(pool) + 5) % len(numbers)]}")
        for line in _TEXT_LINES:
            _add(pool, line)
        return self.template_lines() + pool

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
                _add(lines, " ".join(words))
        return lines

    def stdin_values(self) -> list[str]:
        """Stdin documents built from the program's literals (commands, numbers, text)."""
        pool = self.line_pool()
        docs = ["", "\n".join(_TEXT_LINES) + "\n", "1 2 3\n4 5 6\n", "-7\n0\n2147483648\n"]
        if self.vocab.uses_json:
            keys = self.vocab.keys[:5] or ["a"]
            docs.append(json.dumps({k: i for i, k in enumerate(keys)}) + "\n")
            docs.append("[1, -2, 3.5]\n")
        if self.vocab.uses_csv:
            keys = (self.vocab.keys or list(_CSV_HEADER))[:4]
            docs.append(",".join(keys) + "\n" + "\n".join(
                ",".join(str(i * 3 - j) for j in range(len(keys))) for i in range(3)) + "\n")
            docs.append(",".join(keys) + "\n" + "\n".join(
                ",".join(["7", "pear", " 2.5", "-1", "x", '"1,5"'][(i + j) % 6]
                         for j in range(len(keys))) for i in range(4)) + "\n\n")
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

    def mutants(self, seeds: list[Candidate], count: int) -> list[Candidate]:
        """Small changes to inputs that already reach new code: one argv word or stdin line
        replaced, inserted or removed (the classic coverage-guided fuzzing step)."""
        if not seeds:
            return []
        lines = self.line_pool()
        words = [*self.vocab.words[:10], *self.int_values()[:8], *self.float_values()[:5]]
        out: list[Candidate] = []
        for number in range(count):
            seed = seeds[number % len(seeds)]
            args = list(seed.args)
            stdin_lines = seed.stdin.splitlines()
            if seed.stdin and (not args or self.rng.random() < 0.6):
                choice = self.rng.random()
                at = self.rng.randrange(len(stdin_lines) + 1)
                if choice < 0.5 and stdin_lines:
                    stdin_lines[min(at, len(stdin_lines) - 1)] = self.rng.choice(lines)
                elif choice < 0.8 or not stdin_lines:
                    stdin_lines.insert(at, self.rng.choice(lines))
                else:
                    del stdin_lines[min(at, len(stdin_lines) - 1)]
            elif self.option_pools and self.rng.random() < 0.7:
                changed = self._mutate_options(seed)
                if changed is None:
                    continue
                out.append(replace(changed, name=f"{seed.name}_m{number}"[:48]))
                continue
            elif args:
                # Never replace a subcommand or an option name: only their values.
                slots = [i for i, word in enumerate(args) if not word.startswith("-")
                         and not (i == 0 and seed.name.split("_")[0] == word)]
                if not slots:
                    continue
                args[self.rng.choice(slots)] = self.rng.choice(words)
            else:
                continue
            stdin = "\n".join(stdin_lines) + ("\n" if stdin_lines else "")
            out.append(Candidate(f"{seed.name}_m{number}"[:48], tuple(args), stdin=stdin,
                                 files=seed.files))
        return out

    def _mutate_options(self, seed: Candidate) -> Candidate | None:
        """`seed` with one option of its (sub)command added, given another value of its own
        pool, or removed: combinations of options that no one-at-a-time variation tries."""
        prefix = max((p for p in self.option_pools if seed.args[:len(p)] == p), key=len,
                     default=None)
        if prefix is None:
            return None
        args = list(seed.args)
        files = dict(seed.files)
        options = self.option_pools[prefix]
        present = [(i, arg, pool) for arg, pool in options for i, word in enumerate(args)
                   if word in arg.options]
        choice = self.rng.random()
        if present and choice < 0.35:
            at, arg, pool = self.rng.choice(present)
            if arg.flag or at + 1 >= len(args) or not pool:
                return None
            words, extra = pool[self.rng.randrange(len(pool))]
            args[at + 1:at + 1 + len(words)] = words
            files.update(extra)
        elif present and choice < 0.5:
            at, arg, _ = self.rng.choice(present)
            del args[at:at + (1 if arg.flag else 2)]
        else:
            absent = [(arg, pool) for arg, pool in options
                      if not any(word in arg.options for word in args)]
            if not absent:
                return None
            arg, pool = self.rng.choice(absent)
            inserted = [arg.option]
            if not arg.flag and pool:
                words, extra = pool[self.rng.randrange(len(pool))]
                inserted.extend(words)
                files.update(extra)
            elif not arg.flag:
                return None
            args[len(prefix):len(prefix)] = inserted
        return Candidate(seed.name, tuple(args), stdin=seed.stdin,
                         files=tuple(sorted(files.items())))

    # argparse ---------------------------------------------------------------------------

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
        if type_name in {"str", "Path", "PosixPath"} and _DIR_WORDS.search(hint):
            if _OUTPUT_WORDS.search(arg.dest):
                return [((f"{slot}_out",), ())]
            folders: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = [
                ((f"{slot}_dir",), tuple((f"{slot}_dir/{name}", text) for name, text in tree))
                for tree in self.directory_trees()]
            return [*folders, ((f"{slot}_missing",), ())]
        if type_name.startswith("file:") or type_name in {"Path", "PosixPath"} or (
                type_name == "str" and _PATH_WORDS.search(hint)
                and not _OUTPUT_WORDS.search(arg.dest)):
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
        if type_name == "str" and _OUTPUT_WORDS.search(arg.dest):
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
            for value in [*_help_examples(" ".join(filter(None, (arg.metavar, arg.help))),
                                          self.vocab.words),
                          *(str(v) for v in literals), *(_hinted_values(hint) or ())]:
                _add(pool, value)
            general = [v for v in self.str_values() if v not in pool]
            pool += general[:4] if pool else general
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

    def argparse_candidates(self, spec: ParserSpec) -> list[Candidate]:
        # Names the help texts' formats introduce (`a` and `b` of edges `a-b`) are values other
        # arguments may refer to (`--start a`).
        for _, parser in _command_paths(spec):
            for action in parser.actions:
                for example in _help_examples(" ".join(filter(None, (action.metavar,
                                                                     action.help)))):
                    for token in re.findall(r"[A-Za-z_]\w{0,11}", example):
                        _add(self.cross_tokens, token)
        out: list[Candidate] = [
            Candidate("help", ("--help",), exit_code_only=True, always_keep=True),
            Candidate("usage_error", ("--no-such-option-xyz",), exit_code_only=True,
                      always_keep=True),
        ]
        if any(a.kind == "_VersionAction" for a in spec.actions):
            version = next(a for a in spec.actions if a.kind == "_VersionAction")
            out.append(Candidate("version", (version.option,), exit_code_only=True))
        per_path: list[list[Candidate]] = []
        for prefix, parser in _command_paths(spec):
            per_path.append(self._path_candidates(prefix, parser))
            if prefix:
                out.append(Candidate(f"help_{'_'.join(prefix)}", (*prefix, "--help"),
                                     exit_code_only=True))
        # Round-robin over command paths so each subcommand gets its share of the limit.
        for round_ in range(max((len(p) for p in per_path), default=0)):
            for path in per_path:
                if round_ < len(path):
                    out.append(path[round_])
        return out

    def _path_candidates(self, prefix: tuple[str, ...], parser: ParserSpec) -> list[Candidate]:
        args = [a for a in parser.actions if a.kind not in {
            "_HelpAction", "_VersionAction", "_SubParsersAction"}]
        values = {a.dest + str(i): self.argument_values(a, _slot(a, i))
                  for i, a in enumerate(args)}
        self.option_pools[prefix] = [(a, values[a.dest + str(i)]) for i, a in enumerate(args)
                                     if not a.positional]

        def base_parts(skip: int | None = None) -> tuple[list[str], list[str], list[tuple[str,
                                                                                        str]]]:
            options: list[str] = []
            positionals: list[str] = []
            files: list[tuple[str, str]] = []
            for i, arg in enumerate(args):
                if i == skip:
                    continue
                pool = values[arg.dest + str(i)]
                if not pool:
                    continue
                if arg.positional:
                    words, extra = self._words(arg, pool, self._arity(arg)[0], 0)
                    positionals.extend(words)
                    files.extend(extra)
                elif arg.required:
                    words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]), 0)
                    options.extend([arg.option, *words])
                    files.extend(extra)
            return options, positionals, files

        name = "_".join(prefix) or "main"
        out: list[Candidate] = []
        options, positionals, files = base_parts()
        out.append(Candidate(f"{name}_base", (*prefix, *options, *positionals),
                             files=tuple(files)))
        variations: list[list[Candidate]] = []
        for i, arg in enumerate(args):
            pool = values[arg.dest + str(i)]
            mine: list[Candidate] = []
            opts, pos, fs = base_parts(skip=i)
            if arg.positional:
                before = [a for a in args[:i] if a.positional]
                at = sum(self._arity(a)[0] for a in before)
                for arity in self._arity(arg):
                    for start in range(len(pool) if arity else 1):
                        words, extra = self._words(arg, pool, arity, start)
                        argv = (*prefix, *opts, *pos[:at], *words, *pos[at:])
                        mine.append(Candidate(f"{name}_{arg.dest}_{len(mine)}", argv,
                                              files=tuple(fs) + extra))
            elif arg.flag:
                argv = (*prefix, *opts, arg.option, *pos)
                mine.append(Candidate(f"{name}_{arg.dest}", argv, files=tuple(fs)))
                if arg.kind == "_CountAction" and len(arg.options) and \
                        len(min(arg.options, key=len)) == 2:
                    short = min(arg.options, key=len)
                    mine.append(Candidate(f"{name}_{arg.dest}_twice",
                                          (*prefix, *opts, short, short, *pos), files=tuple(fs)))
            else:
                arity = max(1, self._arity(arg)[0])
                for start in range(len(pool)):
                    words, extra = self._words(arg, pool, arity, start)
                    argv = (*prefix, *opts, arg.option, *words, *pos)
                    if arg.kind in {"_AppendAction", "_ExtendAction"}:
                        more, extra2 = self._words(arg, pool, arity, start + 1)
                        argv = (*argv[: len(argv) - len(pos)], arg.option, *more, *pos)
                        extra += extra2
                    mine.append(Candidate(f"{name}_{arg.dest}_{start}", argv,
                                          files=tuple(fs) + extra))
            variations.append(mine)
        # Interleave: first value of every argument, then second values, ...
        for round_ in range(max((len(v) for v in variations), default=0)):
            for mine in variations:
                if round_ < len(mine):
                    out.append(mine[round_])
        # A rich base (every valued option at its typical value) with each flag on top: options
        # such as `--as-of DATE` often make the flags' output deterministic. Then the rich base
        # under every choice of every option that has choices (`--mode path --start a --end
        # a`), and an alternate rich base whose options take other values (`--end b`).
        group_of = {dest: n for n, group in enumerate(parser.exclusive) for dest in group}
        rich_args: list[int] = []
        rich_groups: set[int] = set()
        for i, arg in enumerate(args):
            if arg.positional or arg.required or arg.flag or not values[arg.dest + str(i)]:
                continue
            group = group_of.get(arg.dest)
            if group is not None and group in rich_groups:
                continue
            if group is not None:
                rich_groups.add(group)
            rich_args.append(i)

        def rich_argv(shift: int, override: tuple[int, int] | None = None) -> tuple[
                list[str], tuple[tuple[str, str], ...]]:
            words_out: list[str] = []
            extra_files: list[tuple[str, str]] = list(files)
            for rank, i in enumerate(rich_args):
                arg = args[i]
                pool = values[arg.dest + str(i)]
                start = override[1] if override is not None and override[0] == i else \
                    (rank + 1) * shift
                words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]), start)
                words_out.extend([arg.option, *words])
                extra_files.extend(extra)
            return words_out, tuple(dict(extra_files).items())

        if rich_args:
            rich, rich_files_t = rich_argv(0)
            out.append(Candidate(f"{name}_rich", (*prefix, *options, *rich, *positionals),
                                 files=rich_files_t))
            for arg in args:
                if arg.flag and group_of.get(arg.dest) not in rich_groups:
                    out.append(Candidate(f"{name}_rich_{arg.dest}",
                                         (*prefix, *options, *rich, arg.option, *positionals),
                                         files=rich_files_t))
            for shift in (0, 1):
                for i in rich_args:
                    for choice in range(len(args[i].choices or ())):
                        varied, varied_files = rich_argv(shift, (i, choice))
                        out.append(Candidate(
                            f"{name}_rich{shift}_{args[i].dest}_{choice}",
                            (*prefix, *options, *varied, *positionals), files=varied_files))
                if shift:
                    varied, varied_files = rich_argv(shift)
                    out.append(Candidate(f"{name}_rich_alt",
                                         (*prefix, *options, *varied, *positionals),
                                         files=varied_files))
        # Seeded combinations: several optional arguments at once (never two of one group).
        optional = [(i, a) for i, a in enumerate(args) if not a.positional and not a.required]
        for number in range(3 if optional else 0):
            chosen: list[str] = []
            extra_files: list[tuple[str, str]] = list(files)
            used_groups: set[int] = set()
            for i, arg in optional:
                if self.rng.random() < 0.5:
                    continue
                group = group_of.get(arg.dest)
                if group is not None and group in used_groups:
                    continue
                if group is not None:
                    used_groups.add(group)
                if arg.flag:
                    chosen.append(arg.option)
                else:
                    pool = values[arg.dest + str(i)]
                    words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]),
                                               self.rng.randrange(len(pool)))
                    chosen.extend([arg.option, *words])
                    extra_files.extend(extra)
            out.append(Candidate(f"{name}_combo_{number}", (*prefix, *options, *chosen,
                                                            *positionals),
                                 files=tuple(dict(extra_files).items())))
        # Two options of one mutually exclusive group: a usage error by construction.
        for exclusive in parser.exclusive:
            members = [a for a in args if a.dest in exclusive and not a.positional]
            if len(members) >= 2:
                clash: list[str] = [*prefix, *options]
                for member in members[:2]:
                    clash.append(member.option)
                    if not member.flag:
                        clash.extend(values[member.dest + str(args.index(member))][0][0])
                out.append(Candidate(f"{name}_exclusive_clash", (*clash, *positionals),
                                     files=tuple(files), exit_code_only=True))
        if any(a.positional and a.required for a in args):
            out.append(Candidate(f"{name}_missing_positional", (*prefix, *options),
                                 exit_code_only=True))
        if self.vocab.reads_stdin:
            for number, doc in enumerate(self.stdin_values()[:8]):
                out.append(Candidate(f"{name}_stdin_{number}", (*prefix, *options,
                                                                *positionals),
                                     stdin=doc, files=tuple(files)))
        return out

    # plain sys.argv / stdin -------------------------------------------------------------

    def plain_candidates(self) -> list[Candidate]:
        vocab = self.vocab
        positions = vocab.argv_positions + (1 if vocab.argv_slice else 0)
        stdin_docs = self.stdin_values() if vocab.reads_stdin else [""]
        out: list[Candidate] = [Candidate("no_args", (), stdin=stdin_docs[min(1, len(
            stdin_docs) - 1)])]
        if positions:
            pools = []
            for position in range(1, positions + 1):
                if position in vocab.argv_int_positions:
                    pools.append(self.int_values())
                elif position in vocab.argv_float_positions:
                    pools.append(self.float_values())
                else:
                    pool = list(vocab.words[:12])
                    if vocab.uses_csv and not vocab.keys:
                        pool += [name for name in _CSV_HEADER[2:] if name not in pool]
                    for value in [*self.int_values()[:6], "2.5", "-1.5", *_STR_EDGES[:4]]:
                        _add(pool, value)
                    pools.append(pool)
            typical = [pool[0] for pool in pools]

            def doc() -> str:
                return stdin_docs[self.rng.randrange(len(stdin_docs))]

            for count in range(1, positions):
                out.append(Candidate(f"argv{count}", tuple(typical[:count]), stdin=doc()))
            # Every position varied with the others typical; then, under each command word the
            # program compares the first argument with, every other position varied.
            lanes: list[list[Candidate]] = []
            for index, pool in enumerate(pools):
                lane: list[Candidate] = []
                for value in pool:
                    argv = list(typical)
                    argv[index] = value
                    lane.append(Candidate(f"argv_{index}_{len(lane)}", tuple(argv),
                                          stdin=doc()))
                lanes.append(lane)
            commands = [w for w in vocab.words[:6] if w in pools[0]] if positions > 1 else []
            for command in commands:
                lane = []
                for index, pool in enumerate(pools[1:], start=1):
                    for value in pool[:10]:
                        argv = [command, *typical[1:]]
                        argv[index] = value
                        lane.append(Candidate(f"{command}_{index}_{len(lane)}", tuple(argv),
                                              stdin=doc()))
                lanes.append(lane)
            for round_ in range(max(len(lane) for lane in lanes)):
                for lane in lanes:
                    if round_ < len(lane):
                        out.append(lane[round_])
            extra = 2 if vocab.argv_slice else 0
            for number in range(16):
                count = self.rng.randint(1, positions + extra)
                argv = [self.rng.choice(pools[min(i, len(pools) - 1)]) for i in range(count)]
                out.append(Candidate(f"argv_combo_{number}", tuple(argv),
                                     stdin=self.rng.choice(stdin_docs)))
        if vocab.reads_stdin:
            for number, text in enumerate(stdin_docs):
                out.append(Candidate(f"stdin_{number}", (), stdin=text))
        return out


_HINTED_VALUES = (
    (re.compile(r"(?i)\broman|numeral"),
     ["XIV", "MCMXCIV", "iv", "MMXXIV", "IIII", "IC", "ABC", "0"]),
    (re.compile(r"(?i)\bcron"),
     ["*/15 * * * *", "0 9 * * 1-5", "30 2 1 1 *", "0 0 * * 0", "5,10 */2 * * *",
      "61 * * * *", "* * *"]),
    (re.compile(r"(?i)timestamp|datetime|\biso\b"),
     ["2024-03-15T10:30:00", "2024-03-15T10:30:00+02:00", "2024-03-15", "1700000000",
      "2024-13-45T99:00:00"]),
    (re.compile(r"(?i)yyyy|date|birth|\bday\b"),
     ["2024-03-15", "1990-05-15", "2000-02-29", "2023-12-31", "15/05/1990", "2023-02-29",
      "1970-01-01"]),
    (re.compile(r"(?i)duration|timeout|interval|delay|period|\bttl\b|elapsed"),
     ["30s", "5m", "1h30m", "1d2h30m", "90", "0", "2w", "abc"]),
    (re.compile(r"(?i)hh:mm|\btime\b|clock"), ["12:30", "00:00", "23:59", "7:05", "24:00"]),
    (re.compile(r"(?i)semver|\bversion\b"),
     ["1.2.3", "0.1.0-alpha.1", "2.0.0+build.5", "1.2", "v1.10.0", "x.y.z"]),
    (re.compile(r"(?i)\buuid|\bguid"),
     ["123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000",
      "not-a-uuid"]),
    (re.compile(r"(?i)cidr|subnet|netmask|network"),
     ["192.168.1.0/24", "10.0.0.0/8", "192.168.1.7/32", "172.16.0.0/33", "2001:db8::/32"]),
    (re.compile(r"(?i)\bip\b|ipv[46]|address"),
     ["192.168.1.10", "10.0.0.256", "::1", "127.0.0.1", "2001:db8::1"]),
    (re.compile(r"(?i)\bmac\b"), ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "zz:zz"]),
    (re.compile(r"(?i)e-?mail"), ["user@example.com", "first.last+tag@sub.example.org",
                                  "not-an-email", "a@b"]),
    (re.compile(r"(?i)\burl\b|\buri\b|https?|link"),
     ["https://example.com/a/b?x=1&y=two#frag", "http://user:pw@host:8080/p", "ftp://x",
      "example.com/path", "nope"]),
    (re.compile(r"(?i)\bhex|colou?r"),
     ["ff8800", "#00FF7f", "48656c6c6f", "0xff", "DEADBEEF", "zz", "0"]),
    (re.compile(r"(?i)base64|\bb64"), ["aGVsbG8gd29ybGQ=", "SGk=", "YWJj", "!!!"]),
    (re.compile(r"(?i)\bbinary\b|\bbits?\b"), ["1011", "0b1010", "0", "102"]),
    (re.compile(r"(?i)octal|permission|chmod"), ["755", "0o644", "rwxr-xr-x", "999"]),
    (re.compile(r"(?i)\bphone"), ["+1-555-123-4567", "(555) 123-4567", "12"]),
    (re.compile(r"(?i)\bisbn"), ["978-0-306-40615-7", "0-306-40615-2", "123"]),
    (re.compile(r"(?i)credit|\bcard\b|luhn"),
     ["4532015112830366", "79927398713", "1234567812345678", "12ab"]),
    (re.compile(r"(?i)regex|pattern|\bglob"), ["[0-9]+", "^a.*z$", "foo|bar", "*.txt", "("]),
    (re.compile(r"(?i)matrix"), ["1,2;3,4", "1,0;0,1", "2,3,4", "1,2;3"]),
    (re.compile(r"(?i)comma|vector|\blist\b|coefficients|csv"),
     ["1,2,3", "3,-1,2.5", "a,b,c", "5", ""]),
    (re.compile(r"(?i)\bexpr|formula|equation|arithmetic"),
     ["2 + 3 * 4", "(1 + 2) * 3", "10 / 4", "7 % 3", "2 ^ 10", "-5 + 2", "1 / 0", "3 +",
      "(2"]),
    (re.compile(r"(?i)\blat|\blon|coordinate"), ["40.7128", "-74.006", "91", "0"]),
    (re.compile(r"(?i)\btext\b|sentence|message|string|phrase"),
     ["Hello World", "racecar", "A man, a plan, a canal: Panama", "The quick brown fox",
      "", "ünïcödé ✓"]),
    (re.compile(r"(?i)\bword"), ["hello", "Level", "racecar", "a"]),
    (re.compile(r"(?i)number|count|amount|value|size|width|n\b|num"),
     ["3", "0", "-4", "12.5", "100"]),
)


def _hinted_values(hint: str) -> list[str] | None:
    """Values for a string argument whose name or help says what it holds (a date, a time, a
    Roman numeral, a cron line...): those of every domain the hint names, the first first."""
    found: list[str] = []
    for pattern, values in _HINTED_VALUES:
        if pattern.search(hint):
            for value in values:
                _add(found, value)
    return found or None


# Words in a help text's format that stand for a value rather than being typed as they are.
_NUMBER_PLACEHOLDERS = frozenset({"n", "k", "w", "weight", "num", "number", "count", "value",
                                  "val", "size", "amount", "int", "len", "length", "port",
                                  "priority", "score", "qty", "cost", "m", "i", "j"})
_NAME_PLACEHOLDERS = frozenset({"key", "name", "var", "variable", "field", "item", "id",
                                "section", "label", "tag", "node", "word", "host", "user",
                                "old", "new", "expected", "from", "to", "src", "dst", "a", "b",
                                "u", "v", "x", "y", "s", "t"})
_PLACEHOLDER_NUMBERS = ("3", "5", "-2", "0", "10", "7")
_PLACEHOLDER_NAMES = ("a", "b", "c", "d")
_FORMAT_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[-:=.;,|][A-Za-z0-9_]+)+")
_EXAMPLE_LEAD = re.compile(
    r"(?i)(?:\be\.?g\.?|\bfor example|\bsuch as|\blike|\bformat|\boperations?|\bcommands?|"
    r"\bone of)\s*[,:]?\s*")
_PROSE_HYPHENS = frozenset({"auto", "run", "case", "cross", "element", "dot", "k", "r",
                            "comma", "space", "tab", "non", "multi", "read", "write", "single",
                            "double", "key", "top", "pre", "post", "re", "self", "well"})


def _help_examples(text: str, keywords: Iterable[str] = ()) -> list[str]:
    """Concrete values from an argument's help and metavar: quoted examples (`'1,2;3,4'`),
    lists after "e.g." / "Operations:" (`30s, 5m, 1h`; `push:N, pop`), and format tokens
    (`u-v:weight`, `name=value`, `SECTION.KEY=VALUE`) with their placeholders filled in."""
    keep = {k.lower() for k in keywords}
    examples: list[str] = []  # written as a user would type them: kept as they are too
    templates: list[str] = []
    for quoted in re.findall(r"['`\"]([^'`\"\s][^'`\"]{0,30})['`\"]", text):
        _add(examples, quoted)
    for lead in _EXAMPLE_LEAD.finditer(text):
        rest = re.split(r"[)\]]|\.\s|\.$", text[lead.end():], maxsplit=1)[0]
        for item in re.split(r",\s+|\s+or\s+|\s*\|\s*|;\s+", rest):
            item = item.strip(" '\"`")
            if 0 < len(item) <= 30 and " " not in item and any(c.isalnum() for c in item):
                _add(examples if lead.group(0)[:1].lower() == "e" else templates, item)
    for token in _FORMAT_TOKEN.findall(text):
        parts = re.split(r"[-:=.;,|]", token)
        if token.lower() in {"e.g", "i.e"} or token in examples:
            continue
        structured = bool(set(token) & set(":=;,|")) or all(
            len(part) <= 2 or part.isupper() for part in parts)
        prose = parts[0].lower() in _PROSE_HYPHENS and not set(token) & set(":=;,|.")
        if structured and not prose:
            _add(templates, token)
    # Dates and times are the date hint's: `YYYY-MM-DD` itself is no value.
    templates = [t for t in templates if not re.fullmatch(r"(?i)[ymdhs_:/ .t-]+", t)]
    values = list(examples)
    for variant in range(4):
        for template in examples + templates:
            _add(values, _instantiate(template, variant, keep))
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


def _slot(arg: ArgumentSpec, index: int) -> str:
    text = re.sub(r"[^A-Za-z0-9]+", "_", arg.dest).strip("_") or f"arg{index}"
    return text[:24]


def _command_paths(spec: ParserSpec, prefix: tuple[str, ...] = ()) -> Iterator[
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
            yield from _command_paths(merged, (*prefix, name))


# -- running the oracle ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    exit_code: int | None
    stdout: bytes
    timed_out: bool
    capped: bool
    lines: frozenset[int] = frozenset()
    arcs: frozenset[tuple[int, int]] = frozenset()
    statements: frozenset[int] = frozenset()
    branches: frozenset[tuple[int, int]] = frozenset()
    skipped: bool = False


def _coverage_path() -> str | None:
    """The folder holding coverage.py, mounted read-only in the sandbox (None: not installed)."""
    try:
        import coverage
    except ImportError:
        return None
    return str(Path(coverage.__file__).resolve().parent.parent)


def _write_case_folder(folder: Path, example: Example, candidate: Candidate) -> None:
    folder.mkdir(parents=True)
    (folder / example.script_name).write_text(example.python_source, encoding="utf-8")
    for name, text in example.support_files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for name, text in candidate.files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / ".sse-stdin").write_text(candidate.stdin, encoding="utf-8")


def capture_parser(example: Example, sandbox: Sandbox) -> ParserSpec | None:
    """The argparse parser `example` builds, or None when it never asks argparse to parse."""
    with tempfile.TemporaryDirectory(prefix="sse-casegen-") as tmp:
        folder = Path(tmp) / "capture"
        _write_case_folder(folder, example, Candidate("capture", ()))
        result = sandbox.run(
            [sandbox.python_executable, "-c", _CAPTURE_SOURCE, example.script_name],
            workdir=folder,
            env={"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
            limits=SandboxLimits(cpu_s=CANDIDATE_TIMEOUT_S, wall_timeout_s=CANDIDATE_TIMEOUT_S,
                                 output_cap_bytes=4 * 1024 * 1024),
        )
    text = result.stdout.decode("utf-8", "replace")
    marker = f"\n{_CAPTURE_MARKER}\n"
    if marker not in text:
        return None
    try:
        return ParserSpec.from_json(json.loads(text.split(marker, 1)[1].splitlines()[0]))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def run_candidates(example: Example, sandbox: Sandbox, candidates: list[Candidate],
                   *, timeout_s: float = CANDIDATE_TIMEOUT_S,
                   settings: Iterable[dict[str, str]] = _RUN_SETTINGS,
                   measure_first: bool = True) -> list[list[_Run]]:
    """Every candidate under each of `settings` (one forking server per setting, all in one
    sandbox batch); the first run measures coverage when `measure_first`."""
    coverage_path = _coverage_path()
    preload = _preloadable_imports(example)
    total_timeout_s = max(30.0, 0.5 * timeout_s * len(candidates))
    with tempfile.TemporaryDirectory(prefix="sse-casegen-") as tmp:
        root = Path(tmp)
        commands: list[SandboxCommand] = []
        result_paths: list[Path] = []
        for number, setting in enumerate(settings):
            # A different folder layout per run: output that names its directory is volatile.
            base = root / ("a" if number == 0 else f"run-{number}/x{number}")
            folders = [base / f"case-{i}" for i in range(len(candidates))]
            for folder, candidate in zip(folders, candidates, strict=True):
                _write_case_folder(folder, example, candidate)
            code_path = base / "program" / example.script_name
            code_path.parent.mkdir(parents=True)
            code_path.write_text(example.python_source, encoding="utf-8")
            result_path = root / f"result-{number}.json"
            spec_path = root / f"spec-{number}.json"
            spec_path.write_text(json.dumps({
                "script": example.script_name,
                "code_path": str(code_path),
                "preload": list(preload),
                "coverage_path": coverage_path if measure_first and number == 0 else None,
                "measure": measure_first and number == 0,
                "tz": setting["TZ"],
                "random": setting.get("RANDOM", ""),
                "clock_offset_s": float(setting.get("CLOCK_OFFSET_S", "0")),
                "clock_rate": _CLOCK_RATE,
                "timeout_s": timeout_s,
                "total_timeout_s": total_timeout_s,
                "output_cap": _OUTPUT_CAP_BYTES,
                "result_path": str(result_path),
                "cases": [{"folder": str(f), "args": list(c.args)}
                          for f, c in zip(folders, candidates, strict=True)],
            }), encoding="utf-8")
            env = (("PYTHONHASHSEED", setting["PYTHONHASHSEED"]), ("TZ", setting["TZ"]),
                   ("PYTHONDONTWRITEBYTECODE", "1"))
            commands.append(SandboxCommand(
                (sandbox.python_executable, "-c", _SERVER_SOURCE, str(spec_path)),
                env=env, timeout_s=total_timeout_s + 15.0,
            ))
            result_paths.append(result_path)
        sandbox.run_batch(commands, workdir=root, limits=SandboxLimits(
            cpu_s=total_timeout_s + 15.0, wall_timeout_s=total_timeout_s + 15.0,
            output_cap_bytes=64 * 1024))
        runs: list[list[_Run]] = []
        for result_path in result_paths:
            try:
                summary = json.loads(result_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                summary = {"results": []}
            records = summary["results"]
            statements = frozenset(summary.get("statements", ()))
            branches = frozenset(tuple(a) for a in summary.get("branches", ()))
            runs.append([_parse_run(r, statements, branches) for r in records] +
                        [_Run(None, b"", False, False, skipped=True)] *
                        (len(candidates) - len(records)))
    return runs


def _preloadable_imports(example: Example) -> list[str]:
    """Modules `example` imports anywhere, except its own sibling modules: the oracle server
    imports them once (when it can) so that children do not pay for `numpy` every time."""
    try:
        tree = parse_python(example.python_source, "<program>")
    except (SyntaxError, ValueError):
        return []
    local = {Path(name).stem for name, _ in example.support_files}
    local.add(Path(example.script_name).stem)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found = [node.module]
        else:
            continue
        for name in found:
            if name.split(".")[0] not in local and name not in names:
                names.append(name)
    return names


def _parse_run(record: dict[str, Any], statements: frozenset[int],
               branches: frozenset[tuple[int, int]]) -> _Run:
    if record.get("skipped"):
        return _Run(None, b"", False, False, skipped=True)
    return _Run(
        exit_code=record["exit"],
        stdout=base64.b64decode(record["stdout"]),
        timed_out=bool(record["timed_out"]),
        capped=bool(record["capped"]),
        lines=frozenset(record.get("lines", ())),
        arcs=frozenset(tuple(a) for a in record.get("arcs", ())),
        statements=statements,
        branches=branches,
    )


# -- generation --------------------------------------------------------------------------------


def candidate_inputs(example: Example, parser: ParserSpec | None,
                     vocab: Vocabulary, builder: _Builder | None = None) -> list[Candidate]:
    """The candidates for `example`, de-duplicated, at most `MAX_CANDIDATES` (always-kept first)."""
    builder = builder if builder is not None else _Builder(example, vocab)
    raw = builder.argparse_candidates(parser) if parser is not None else \
        builder.plain_candidates()
    seen: set[tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]]] = set()
    unique: list[Candidate] = []
    for candidate in raw:
        key = (candidate.args, candidate.stdin, candidate.files)
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique[:MAX_CANDIDATES]


def generate_program_cases(example: Example, sandbox: Sandbox, *,
                           budget: int = 12) -> GeneratedCaseSet:
    """Up to `budget` deterministic, coverage-adding behaviour cases for a CLI program.

    Every candidate runs once under coverage; the ones that add coverage (ranked greedily, a
    few times the budget) run twice more with `TZ`, hash seed and directory changed, and only
    those with the same stdout and exit code all three times are kept.
    """
    started = time.perf_counter()
    vocab = program_vocabulary(example.python_source)
    parser = capture_parser(example, sandbox) if vocab.uses_argparse else None
    builder = _Builder(example, vocab)
    candidates = candidate_inputs(example, parser, vocab, builder)
    (first,) = run_candidates(example, sandbox, candidates, settings=_RUN_SETTINGS[:1])
    statements = next((run.statements for run in first if run.statements), frozenset())
    branches = next((run.branches for run in first if run.branches), frozenset())
    dropped_timeout = 0
    finished: list[tuple[Candidate, _Run]] = []
    for candidate, run in zip(candidates, first, strict=True):
        if run.skipped:
            continue
        if run.timed_out or run.exit_code is None or run.capped:
            dropped_timeout += 1
            continue
        finished.append((candidate, run))
    # Rounds of coverage-guided mutation of the inputs that reach the most code: a mutant that
    # adds coverage is a seed of the next round (an option added, then its partner).
    known = {(c.args, c.stdin, c.files) for c in candidates}
    for _ in range(MUTATION_ROUNDS):
        seeds = [c for c, _ in _select(finished, budget) if not c.exit_code_only]
        mutants = [m for m in builder.mutants(seeds, MUTANTS)
                   if (m.args, m.stdin, m.files) not in known]
        mutants = list({(m.args, m.stdin, m.files): m for m in mutants}.values())
        if not mutants:
            break
        known |= {(m.args, m.stdin, m.files) for m in mutants}
        (mutated,) = run_candidates(example, sandbox, mutants, settings=_RUN_SETTINGS[:1])
        for candidate, run in zip(mutants, mutated, strict=True):
            if run.skipped:
                continue
            if run.timed_out or run.exit_code is None or run.capped:
                dropped_timeout += 1
            else:
                finished.append((candidate, run))
        candidates = candidates + mutants
    kept: list[tuple[Candidate, _Run]] = []
    checked: set[int] = set()
    dropped_nondeterministic = 0
    # Verify the most useful candidates; when some prove volatile, rank the rest again.
    for _ in range(3):
        pool = [item for item in finished if id(item[0]) not in checked or item in kept]
        ranked = [item for item in _select(pool, 3 * budget) if id(item[0]) not in checked]
        if not ranked:
            break
        # Two more runs (a random choice among few values may agree twice by chance).
        second, third = run_candidates(example, sandbox, [c for c, _ in ranked],
                                       settings=_RUN_SETTINGS[1:3], measure_first=False)
        volatile = 0
        for (candidate, one), two, three in zip(ranked, second, third, strict=True):
            checked.add(id(candidate))
            if any(r.skipped or r.timed_out or r.exit_code is None for r in (two, three)):
                dropped_timeout += 1
            elif {(r.stdout, r.exit_code) for r in (one, two, three)} != {
                    (one.stdout, one.exit_code)}:
                dropped_nondeterministic += 1
                volatile += 1
            else:
                kept.append((candidate, one))
        if not volatile:
            break
    chosen = _select(kept, budget)
    unjudgeable_reason = None
    if dropped_nondeterministic and all(
            _as_case(0, c, r, parser is not None).comparison is Comparison.EXIT_CODE
            for c, r in chosen):
        # `--help` and usage errors alone judge nothing the program does.
        unjudgeable_reason = (
            f"no deterministic input: the Python original gave different output on repeated "
            f"runs for all {dropped_nondeterministic} inputs that reached its logic (random, "
            f"time or environment dependent)")
        chosen = []
    covered_lines = frozenset().union(*(run.lines for _, run in chosen)) if chosen else frozenset()
    covered_arcs = frozenset().union(*(run.arcs for _, run in chosen)) if chosen else frozenset()
    cases = tuple(_as_case(number, candidate, run, parser is not None)
                  for number, (candidate, run) in enumerate(chosen))
    return GeneratedCaseSet(
        example_id=example.id,
        generator=GENERATOR_VERSION,
        cases=cases,
        line_coverage=len(covered_lines & statements) / len(statements) if statements else None,
        branch_coverage=len(covered_arcs & branches) / len(branches) if branches else None,
        candidates=len(candidates),
        dropped_nondeterministic=dropped_nondeterministic,
        dropped_timeout=dropped_timeout,
        seconds=time.perf_counter() - started,
        note="argparse" if parser is not None else "argv/stdin",
        unjudgeable_reason=unjudgeable_reason,
    )


def _select(kept: list[tuple[Candidate, _Run]], budget: int) -> list[tuple[Candidate, _Run]]:
    """Always-kept candidates, then greedily those adding the most lines+branches."""
    chosen = [item for item in kept if item[0].always_keep][:budget]
    covered: set[object] = set()
    for _, run in chosen:
        covered |= run.lines | {("arc", a) for a in run.arcs}
    rest = [item for item in kept if not item[0].always_keep]
    units = [run.lines | {("arc", a) for a in run.arcs} for _, run in rest]
    used = [False] * len(rest)
    while len(chosen) < budget:
        best, gain = -1, 0
        for index, unit in enumerate(units):
            if used[index]:
                continue
            new = len(unit - covered)
            if new > gain:
                best, gain = index, new
        if best < 0:
            break
        used[best] = True
        covered |= units[best]
        chosen.append(rest[best])
    # Coverage says nothing of values: fill the budget with inputs that take a path already
    # chosen (same lines) with other values and a new output, edge values first (negative
    # operands, zero, huge numbers: where translations slip), one per path in turn.
    signatures = {(run.exit_code, run.stdout) for _, run in chosen}
    paths: dict[frozenset[int], list[int]] = {}
    for index in sorted((i for i in range(len(rest)) if not used[i]),
                        key=lambda i: (-_edge_score(rest[i][0]), i)):
        paths.setdefault(rest[index][1].lines, []).append(index)
    chosen_paths = [run.lines for _, run in chosen]
    order = sorted(paths, key=lambda lines: (
        chosen_paths.index(lines) if lines in chosen_paths else len(chosen_paths),
        -len(lines)))
    progress = True
    while len(chosen) < budget and progress:
        progress = False
        for lines in order:
            queue = paths[lines]
            while queue:
                index = queue.pop(0)
                signature = (rest[index][1].exit_code, rest[index][1].stdout)
                if signature not in signatures:
                    signatures.add(signature)
                    chosen.append(rest[index])
                    progress = True
                    break
            if len(chosen) >= budget:
                break
    # Cases read best in the order they were generated.
    position = {id(item[0]): n for n, item in enumerate(kept)}
    return sorted(chosen, key=lambda item: position[id(item[0])])


_EDGE_TOKENS = frozenset({"0", "1_000", "+3", "2147483648", "9007199254740993", "1e308",
                          "nan", "inf", "-0.0", "-0.5"})


def _edge_score(candidate: Candidate) -> int:
    """How many edge values (negatives, zero, huge or oddly written numbers) an input holds."""
    tokens = [*candidate.args, *candidate.stdin.split()]
    return sum(1 for token in tokens
               if token in _EDGE_TOKENS or token != token.strip()
               or (token.startswith("-") and token[1:2].isdigit()))


def _as_case(number: int, candidate: Candidate, run: _Run, argparse: bool) -> BehaviourCase:
    help_like = any(word in {"-h", "--help", "--version", "-V"} for word in candidate.args)
    exit_only = candidate.exit_code_only or (argparse and (
        help_like or run.exit_code == _USAGE_ERROR_EXIT))
    return BehaviourCase(
        name=f"gen_{number:02d}_{candidate.name}"[:60],
        args=candidate.args,
        stdin=candidate.stdin,
        files=candidate.files,
        origin=CaseOrigin.GENERATED,
        comparison=Comparison.EXIT_CODE if exit_only else Comparison.STDOUT_AND_EXIT,
    )

