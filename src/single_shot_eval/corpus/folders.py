"""Find the example programs in a directory tree, whatever its layout, and plan how to load them.

A corpus directory may be a repository root (example folders beside `src/`, `tests/`,
`benchmarks/`, `scripts/`, `docs/`...), an `examples/` folder, or one example folder. This module
walks it and decides, for every folder holding Python files, what it is:

- an **example folder**: it holds at least one *runnable* script (an `if __name__ == "__main__"`
  block, or top-level code that runs: a call, a loop, reading `sys.argv`/stdin/`parse_args()`).
  Every runnable script becomes one example; several in one folder get ids `folder/script`.
  A sibling module a script imports (`import fib_tool`, `from csv_filter import x`) travels with
  it as a support file; a module that is only imported is not an example itself.
- a **non-example folder** (ignored, with a reason): a tooling tree (`tests`, `docs`,
  `benchmarks`, `scripts`, `tools`, `src`, ...), or a folder of library modules that run nothing.
  Walking never enters `.git` or any hidden folder, `__pycache__` (or any `__*` folder),
  virtual environments, `node_modules`, `target` or symlinked folders.
- an example folder that **cannot be used** (skipped, with a one-line reason): a script that does
  not decode or parse, a folder meant as an example (under `examples/`, named `example*`, or with
  tests) whose scripts run nothing.

Error or skip? Files in this tool's own layout (a folder with `cases.yaml`, `meta.yaml`,
`reference.rs` or `mutant.rs`) are ours: any problem in them is a `CorpusError`, because a
silently dropped example would change every denominator without anyone noticing. Files of
third-party folders (a script, maybe a pytest file) are someone else's messiness: a folder that
cannot be used is skipped and reported, and the corpus loads; `--strict` turns the first skip
back into its error.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from single_shot_eval.errors import CorpusError
from single_shot_eval.pysource import compile_python, parse_python

# Files only this tool's layout defines: a folder holding one is ours and is loaded strictly.
MARKER_FILES = ("cases.yaml", "meta.yaml", "reference.rs", "mutant.rs")
# Python files that are never the program of an example.
NOT_SCRIPTS = frozenset(
    {"__init__.py", "__main__.py", "setup.py", "conftest.py", "noxfile.py", "fabfile.py"}
)
# Folders never entered: generated, vendored or environment trees.
PRUNED_FOLDERS = frozenset(
    {"__pycache__", "node_modules", "target", "site-packages", "venv", "env", "virtualenv"}
)
# Folders of a project that hold its machinery, not example programs.
NON_EXAMPLE_FOLDERS = {
    "tests": "test suite", "test": "test suite", "testing": "test suite",
    "docs": "documentation", "doc": "documentation",
    "benchmarks": "benchmark tooling", "benchmark": "benchmark tooling",
    "benches": "benchmark tooling", "bench": "benchmark tooling",
    "scripts": "project scripts", "tools": "project scripts", "ci": "project scripts",
    "src": "library source", "lib": "library source",
    "build": "build output", "dist": "build output",
    "docker": "container configuration", "deploy": "deployment configuration",
}
# Folder names whose subfolders are example folders.
EXAMPLE_CONTAINERS = frozenset({"examples", "example", "samples", "corpus", "programs"})

_RUNS_A_PROCESS = re.compile(r"\bsubprocess\b|\bos\.system\b|\bos\.popen\b|\bpexpect\b")


@dataclass(frozen=True)
class SkippedFolder:
    """A folder (or one file in it) left out of the corpus, and why, in one line.

    `path` names what is at fault: the script when one file is, else the folder.
    """

    path: Path
    reason: str
    line: int | None = None

    def error(self) -> CorpusError:
        """The one-line error `--strict` raises for this skip."""
        return CorpusError(self.path, self.reason, line=self.line)


@dataclass(frozen=True)
class ScriptPlan:
    """One example to build: its script, the sibling modules it imports, its pytest file."""

    example_id: str
    script: Path
    source: str
    support_files: tuple[tuple[str, str], ...] = ()
    pytest_path: Path | None = None
    notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FolderPlan:
    """What one folder yields: examples to build, skips, and whether it is in our own layout."""

    folder: Path
    ours: bool
    scripts: tuple[ScriptPlan, ...] = ()
    skipped: tuple[SkippedFolder, ...] = ()


@dataclass
class Discovery:
    """Everything found under one corpus root."""

    folders: list[tuple[Path, bool]] = field(default_factory=list)  # (folder, meant as example)
    jsonl_files: list[Path] = field(default_factory=list)
    ignored: list[SkippedFolder] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The UTF-8 text of `path`, or a `CorpusError` naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(path, f"not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise CorpusError(path, f"cannot read: {exc.strerror or exc}") from None


def check_python(path: Path, source: str) -> None:
    """Raise a `CorpusError` naming the file (and line) when `source` does not compile."""
    try:
        compile_python(source, str(path))
    except SyntaxError as exc:
        raise CorpusError(path, f"Python syntax error: {exc.msg}", line=exc.lineno) from None
    except ValueError as exc:  # null bytes
        raise CorpusError(path, f"not a Python source file: {exc}") from None


def _skip_of(error: CorpusError) -> SkippedFolder:
    reason = str(error)
    prefix = f"{error.path}:{error.line}: " if error.line is not None else f"{error.path}: "
    return SkippedFolder(error.path, reason.removeprefix(prefix), error.line)


# --- discovery -------------------------------------------------------------------------------


def _pruned(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith((".", "__")) or name in PRUNED_FOLDERS:
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def _holds_python(folder: Path) -> bool:
    for _, dirnames, filenames in os.walk(folder):
        dirnames[:] = [
            d for d in dirnames if not d.startswith((".", "__")) and d not in PRUNED_FOLDERS
        ]
        if any(f.endswith((".py", ".jsonl")) for f in filenames):
            return True
    return False


def is_corpus_jsonl(path: Path) -> bool:
    """False when the first record is a JSON object without `python_code` (another data set,
    e.g. a progress log); anything else is left for the JSONL loader to accept or reject."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    return not isinstance(record, dict) or "python_code" in record
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True
    return True


def discover(root: Path) -> Discovery:
    """Walk `root` (a directory) and list the folders to load, the JSONL files and what was
    ignored. The root itself is always a candidate: the user named it."""
    found = Discovery()
    _walk(root, found, meant=True, in_examples=root.name.lower() in EXAMPLE_CONTAINERS)
    return found


def _walk(folder: Path, found: Discovery, *, meant: bool, in_examples: bool) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.ignored.append(SkippedFolder(folder, f"cannot list: {exc.strerror or exc}"))
        return
    files = {e.name for e in entries if e.is_file()}
    here = folder.name.lower()
    named_example = here.startswith("example") and here not in EXAMPLE_CONTAINERS
    if (
        any(name.endswith(".py") for name in files)
        or set(MARKER_FILES) & files
        or (meant and named_example)
    ):
        found.folders.append((folder, meant))
    for name in sorted(files):
        if name.endswith(".jsonl"):
            path = folder / name
            if is_corpus_jsonl(path):
                found.jsonl_files.append(path)
            else:
                found.ignored.append(
                    SkippedFolder(path, "not a corpus JSONL (records have no python_code)")
                )
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False) or _pruned(entry):
            continue
        child = Path(entry.path)
        kind = NON_EXAMPLE_FOLDERS.get(entry.name.lower())
        # `examples/tools/` may be an example called "tools"; `example_x/tests/` is tooling.
        if kind is not None and here not in EXAMPLE_CONTAINERS:
            if _holds_python(child):
                found.ignored.append(SkippedFolder(child, f"{kind}, not an example folder"))
            continue
        lower = entry.name.lower()
        child_in_examples = in_examples or lower in EXAMPLE_CONTAINERS
        child_meant = in_examples or lower.startswith("example")
        _walk(child, found, meant=child_meant, in_examples=child_in_examples)


# --- one folder ------------------------------------------------------------------------------


@dataclass
class _Script:
    path: Path
    source: str
    runnable: bool
    imports: frozenset[str]


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    names = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return names and main


def _reads_input(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            if (
                isinstance(sub.value, ast.Name)
                and sub.value.id == "sys"
                and sub.attr in {"argv", "stdin"}
            ):
                return True
            if sub.attr == "parse_args":
                return True
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "input":
            return True
    return False


def _runs(statements: list[ast.stmt]) -> bool:
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if _is_main_guard(node):
            return True
        if isinstance(node, ast.Expr):
            if not isinstance(node.value, ast.Constant):
                return True
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith,
                               ast.Match)):
            return True
        elif isinstance(node, ast.If):
            if _runs(node.body) or _runs(node.orelse) or _reads_input(node.test):
                return True
        elif isinstance(node, (ast.Try, ast.TryStar)):
            blocks = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
            if any(_runs(block) for block in blocks):
                return True
        elif _reads_input(node):
            return True
    return False


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in `body`, nested ones included (imports are statements: expressions
    need not be visited)."""
    for node in body:
        yield node
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        if isinstance(node, (ast.Try, ast.TryStar)):
            for handler in node.handlers:
                yield from _statements(handler.body)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                yield from _statements(case.body)


def _sibling_imports(tree: ast.Module, siblings: set[str]) -> frozenset[str]:
    if not siblings:
        return frozenset()
    names: set[str] = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.level <= 1:
                names.add(node.module.split(".")[0])
            elif node.module is None and node.level == 1:
                names.update(alias.name for alias in node.names)
    return frozenset(names & siblings)


def _python_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(candidate scripts, test files) of `folder`, sorted."""
    scripts: list[Path] = []
    tests: list[Path] = []
    for path in sorted(folder.glob("*.py")):
        if not path.is_file() and not path.is_symlink():
            continue
        name = path.name
        if name.startswith("test_") or name.endswith("_test.py"):
            tests.append(path)
        elif name not in NOT_SCRIPTS:
            scripts.append(path)
    return scripts, tests


def _closure(start: str, imports: dict[str, frozenset[str]]) -> list[str]:
    """Sibling modules `start` needs, directly or through other siblings, in a stable order
    (a module missing from `imports`, e.g. one that does not parse, is listed, not followed)."""
    seen: list[str] = []
    todo = sorted(imports[start])
    while todo:
        name = todo.pop(0)
        if name == start or name in seen:
            continue
        seen.append(name)
        todo.extend(sorted(imports.get(name, frozenset())))
    return seen


def _pytest_for(
    script: Path, tests: dict[Path, str], imported_by_tests: dict[Path, frozenset[str]],
    only_example: bool,
) -> tuple[Path | None, tuple[tuple[str, str], ...]]:
    """The test file that runs `script` as a process (the only kind that can judge a binary),
    and a note when a test only imports the module instead."""
    importing: list[Path] = []
    named = re.compile(rf"(?<![\w.]){re.escape(script.name)}\b")
    for test, text in tests.items():
        mentions = named.search(text) is not None
        if mentions and _RUNS_A_PROCESS.search(text):
            return test, ()
        if mentions or script.stem in imported_by_tests[test] or (
            only_example and test.name == f"test_{script.stem}.py"
        ):
            importing.append(test)
    if importing:
        names = ", ".join(t.name for t in importing)
        return None, (("pytest_not_used", f"{names} imports the module instead of running "
                       "the script, so it cannot judge a translation"),)
    return None, ()


def plan_folder(folder: Path, *, meant: bool) -> FolderPlan:
    """Decide which examples `folder` yields (see the module docstring).

    Raises `CorpusError` for problems in our own layout; third-party problems become skips.
    `meant` says the folder is expected to be an example (so running nothing is a skip, not a
    library folder to ignore).
    """
    scripts, tests = _python_files(folder)
    present = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    ours = any(name in present for name in MARKER_FILES)
    if ours:
        return _plan_ours(folder, scripts, tests)
    if not scripts:
        # A folder of folders (an `examples/` tree with a stray file) is a container, not an
        # example that lacks its script.
        leaf = not any(child.is_dir() for child in folder.iterdir())
        lower = folder.name.lower()
        named = lower.startswith("example") and lower not in EXAMPLE_CONTAINERS
        if meant and leaf and (tests or named):
            what = "only test files" if tests else "no Python file"
            return FolderPlan(folder, False, skipped=(
                SkippedFolder(folder, f"no Python script ({what})"),))
        return FolderPlan(folder, False)

    parsed: dict[str, _Script] = {}
    broken: dict[str, SkippedFolder] = {}
    stems = {p.stem for p in scripts}
    for path in scripts:
        try:
            source = read_text(path)
            check_python(path, source)
            tree = parse_python(source, str(path))
        except CorpusError as exc:
            broken[path.stem] = _skip_of(exc)
            continue
        except (SyntaxError, ValueError) as exc:  # compile accepted what parse refuses: rare
            broken[path.stem] = SkippedFolder(path, f"Python syntax error: {exc}")
            continue
        parsed[path.stem] = _Script(
            path, source, _runs(tree.body), _sibling_imports(tree, stems - {path.stem})
        )

    test_texts: dict[Path, str] = {}
    test_imports: dict[Path, frozenset[str]] = {}
    for test in tests:
        try:
            text = read_text(test)
            tree = parse_python(text, str(test))
        except (CorpusError, SyntaxError, ValueError):
            continue  # a broken third-party test file judges nothing; the script still loads
        test_texts[test] = text
        test_imports[test] = _sibling_imports(tree, stems)

    runnable = [name for name in sorted(parsed) if parsed[name].runnable]
    skipped: list[SkippedFolder] = sorted(broken.values(), key=lambda s: str(s.path))
    plans: list[ScriptPlan] = []
    for name in runnable:
        needs = _closure(name, {n: s.imports for n, s in parsed.items()})
        bad = [n for n in needs if n in broken]
        if bad:
            skipped.append(SkippedFolder(
                parsed[name].path, f"imports {bad[0]}.py, which cannot be loaded"))
            continue
        example_id = folder.name if len(runnable) == 1 else f"{folder.name}/{name}"
        pytest_path, notes = _pytest_for(
            parsed[name].path, test_texts, test_imports, only_example=len(runnable) == 1
        )
        plans.append(ScriptPlan(
            example_id=example_id,
            script=parsed[name].path,
            source=parsed[name].source,
            support_files=tuple((f"{n}.py", parsed[n].source) for n in needs),
            pytest_path=pytest_path,
            notes=notes,
        ))
    if not runnable and parsed and meant:
        names = ", ".join(f"{n}.py" for n in sorted(parsed))
        skipped.append(SkippedFolder(
            folder, f"no runnable script: {names} only define things (no "
            "`if __name__ == \"__main__\":` block, no top-level code that runs)"))
    return FolderPlan(folder, False, tuple(plans), tuple(skipped))


def _plan_ours(folder: Path, scripts: list[Path], tests: list[Path]) -> FolderPlan:
    """Our own layout: exactly one program script (plus the sibling modules it imports); every
    problem is an error with the message the bundled corpus has always given."""
    sources = {path: read_text(path) for path in scripts}
    for path, source in sources.items():
        check_python(path, source)
    test_texts = {test: read_text(test) for test in tests}
    for test, text in test_texts.items():
        check_python(test, text)
    stems = {p.stem for p in scripts}
    test_imports = {
        test: _sibling_imports(parse_python(text, str(test)), stems)
        for test, text in test_texts.items()
    }
    if len(scripts) == 1:
        (only,) = scripts
        pytest_path, notes = _pytest_for(only, test_texts, test_imports, only_example=True)
        return FolderPlan(folder, True, (ScriptPlan(
            folder.name, only, sources[only], pytest_path=pytest_path, notes=notes),))
    if not scripts:
        raise CorpusError(folder, "expected exactly one Python script, found none")
    parsed: dict[str, _Script] = {}
    for path, source in sources.items():
        tree = parse_python(source, str(path))
        parsed[path.stem] = _Script(
            path, source, _runs(tree.body), _sibling_imports(tree, stems - {path.stem})
        )
    runnable = [name for name in sorted(parsed) if parsed[name].runnable]
    if len(runnable) == 1:
        needs = _closure(runnable[0], {n: s.imports for n, s in parsed.items()})
        if set(needs) | {runnable[0]} == stems:
            script = parsed[runnable[0]]
            pytest_path, notes = _pytest_for(
                script.path, test_texts, test_imports, only_example=True
            )
            return FolderPlan(folder, True, (ScriptPlan(
                folder.name, script.path, script.source,
                support_files=tuple((f"{n}.py", parsed[n].source) for n in needs),
                pytest_path=pytest_path, notes=notes,
            ),))
    names = ", ".join(p.name for p in scripts)
    raise CorpusError(folder, f"expected exactly one Python script, found {names}")

