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
import json
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from single_shot_eval.casegen import function_runs
from single_shot_eval.casegen.candidate_sources import CaseSource, propose, select_covering
from single_shot_eval.casegen.case_set import GeneratedCaseSet
from single_shot_eval.casegen.program_builder import CandidateBuilder
from single_shot_eval.casegen.program_sources import CAPTURE_MARKER, CAPTURE_SOURCE, SERVER_SOURCE
from single_shot_eval.casegen.program_values import Candidate
from single_shot_eval.casegen.program_vocabulary import (
    ParserSpec,
    Vocabulary,
    add_unique,
    program_vocabulary,
)
from single_shot_eval.casegen.seeds import shown_invocations
from single_shot_eval.casegen.tables import listed
from single_shot_eval.corpus.example import BehaviourCase, CaseOrigin, Comparison, Example
from single_shot_eval.pysource import parse_python
from single_shot_eval.sandbox import Sandbox, SandboxCommand, SandboxLimits

GENERATOR_VERSION = "programs-17"
# Per-candidate wall-clock limit during generation; slower inputs are not kept as ground truth.
CANDIDATE_TIMEOUT_S = 1.5
# Upper bound on candidates run per example (two oracle runs each).
MAX_CANDIDATES = 128
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


def _write_case_folder(folder: Path, example: Example, candidate: Candidate) -> None:
    folder.mkdir(parents=True)
    (folder / example.script_name).write_text(example.python_source, encoding="utf-8")
    for name, text in (*example.support_files, *candidate.files):
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
            [sandbox.python_executable, "-c", CAPTURE_SOURCE, example.script_name],
            workdir=folder,
            env={"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
            limits=SandboxLimits(cpu_s=CANDIDATE_TIMEOUT_S, wall_timeout_s=CANDIDATE_TIMEOUT_S,
                                 output_cap_bytes=4 * 1024 * 1024),
        )
    text = result.stdout.decode("utf-8", "replace")
    marker = f"\n{CAPTURE_MARKER}\n"
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
    coverage_path = function_runs.coverage_path()
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
            measure = measure_first and number == 0
            spec_path.write_text(json.dumps({
                "script": example.script_name, "code_path": str(code_path),
                "preload": list(preload), "measure": measure,
                "coverage_path": coverage_path if measure else None,
                "tz": setting["TZ"], "random": setting.get("RANDOM", ""),
                "clock_offset_s": float(setting.get("CLOCK_OFFSET_S", "0")),
                "clock_rate": _CLOCK_RATE, "timeout_s": timeout_s,
                "total_timeout_s": total_timeout_s, "output_cap": _OUTPUT_CAP_BYTES,
                "result_path": str(result_path),
                "cases": [{"folder": str(f), "args": list(c.args)}
                          for f, c in zip(folders, candidates, strict=True)],
            }), encoding="utf-8")
            env = (("PYTHONHASHSEED", setting["PYTHONHASHSEED"]), ("TZ", setting["TZ"]),
                   ("PYTHONDONTWRITEBYTECODE", "1"))
            commands.append(SandboxCommand(
                (sandbox.python_executable, "-c", SERVER_SOURCE, str(spec_path)),
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
        found = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level \
            else []
        add_unique(names, *(name for name in found if name.split(".")[0] not in local))
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


@dataclass(frozen=True)
class ProgramContext:
    """What the input sources of a CLI program read: its candidate builder (vocabulary and
    value pools) and its parser, when it uses argparse and the capture ran."""

    builder: CandidateBuilder
    parser: ParserSpec | None


def _argparse_candidates(context: ProgramContext) -> list[Candidate]:
    assert context.parser is not None
    return context.builder.argparse_candidates(context.parser)


def _shown_invocations(context: ProgramContext) -> list[Candidate]:
    example = context.builder.example
    texts = [example.python_source, *(text for _, text in example.support_files)]
    return [Candidate(f"shown_{n}", args, stdin=stdin, always_keep=True) for n, (args, stdin)
            in enumerate(shown_invocations(texts, Path(example.script_name).name))]


PROGRAM_SOURCES: tuple[CaseSource[ProgramContext, Candidate], ...] = (
    # The runs the program's own text shows come first and are always kept (see `seeds`).
    CaseSource("shown invocations", lambda _c: True, _shown_invocations),
    CaseSource("argparse options", lambda c: c.parser is not None, _argparse_candidates),
    CaseSource("plain arguments, stdin and files", lambda c: c.parser is None,
           lambda c: c.builder.plain_candidates()),
)
"""The sources of program inputs, in the order their candidates are tried."""


def candidate_inputs(example: Example, parser: ParserSpec | None,
                     vocab: Vocabulary, builder: CandidateBuilder | None = None) -> list[Candidate]:
    """The candidates for `example`, de-duplicated, at most `MAX_CANDIDATES` (always-kept first)."""
    builder = builder if builder is not None else CandidateBuilder(example, vocab)
    return propose(PROGRAM_SOURCES, ProgramContext(builder, parser),
                   key=lambda c: (c.args, c.stdin, c.files), limit=MAX_CANDIDATES)


def generate_program_cases(example: Example, sandbox: Sandbox, *,
                           budget: int = 16) -> GeneratedCaseSet:
    """Up to `budget` deterministic, coverage-adding behaviour cases for a CLI program.

    Every candidate runs once under coverage; the ones that add coverage (ranked greedily, a
    few times the budget) run twice more with `TZ`, hash seed and directory changed, and only
    those with the same stdout and exit code all three times are kept.
    """
    started = time.perf_counter()
    vocab = program_vocabulary(example.python_source)
    parser = capture_parser(example, sandbox) if vocab.uses_argparse else None
    builder = CandidateBuilder(example, vocab)
    boundaries = frozenset([*builder.boundary_ints(), *builder.boundary_floats()])
    candidates = candidate_inputs(example, parser, vocab, builder)
    (first,) = run_candidates(example, sandbox, candidates, settings=_RUN_SETTINGS[:1])
    statements = next((run.statements for run in first if run.statements), frozenset())
    branches = next((run.branches for run in first if run.branches), frozenset())
    finished: list[tuple[Candidate, _Run]] = []
    dropped_timeout = _keep_finished(candidates, first, finished)
    # Rounds of coverage-guided mutation of the inputs that reach the most code: a mutant that
    # adds coverage is a seed of the next round (an option added, then its partner).
    known = {(c.args, c.stdin, c.files) for c in candidates}
    for _ in range(MUTATION_ROUNDS):
        seeds = [c for c, _ in _select(finished, budget, boundaries) if not c.exit_code_only]
        mutants = [m for m in builder.mutants(seeds, MUTANTS)
                   if (m.args, m.stdin, m.files) not in known]
        mutants = list({(m.args, m.stdin, m.files): m for m in mutants}.values())
        if not mutants:
            break
        known |= {(m.args, m.stdin, m.files) for m in mutants}
        (mutated,) = run_candidates(example, sandbox, mutants, settings=_RUN_SETTINGS[:1])
        dropped_timeout += _keep_finished(mutants, mutated, finished)
        candidates = candidates + mutants
    kept: list[tuple[Candidate, _Run]] = []
    checked: set[int] = set()
    dropped_nondeterministic = 0
    # Verify the most useful candidates; when some prove volatile, rank the rest again.
    for _ in range(3):
        pool = [item for item in finished if id(item[0]) not in checked or item in kept]
        ranked = [item for item in _select(pool, 3 * budget, boundaries)
                  if id(item[0]) not in checked]
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
    chosen = _select(kept, budget, boundaries)
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


def _keep_finished(candidates: list[Candidate], runs: list[_Run],
                   finished: list[tuple[Candidate, _Run]]) -> int:
    """Appends the runs that finished to `finished`; returns how many timed out or crashed
    the sandbox (skipped runs are neither)."""
    dropped = [run for run in runs if not run.skipped
               and (run.timed_out or run.exit_code is None or run.capped)]
    finished += [(c, r) for c, r in zip(candidates, runs, strict=True)
                 if not r.skipped and not (r.timed_out or r.exit_code is None or r.capped)]
    return len(dropped)


def _select(kept: list[tuple[Candidate, _Run]], budget: int,
            boundaries: frozenset[str] = frozenset()) -> list[tuple[Candidate, _Run]]:
    """Always-kept candidates, then greedily those adding the most lines+branches, then inputs
    with a new output on paths already chosen (`boundaries` values first)."""
    chosen, rest = select_covering(
        kept, budget, always=lambda item: item[0].always_keep,
        features=lambda item: frozenset(item[1].lines | {("arc", a) for a in item[1].arcs}))
    # Coverage says nothing of values: fill the budget with inputs that take a path already
    # chosen (same lines) with other values and a new output, edge values first (negative
    # operands, zero, huge numbers: where translations slip), one per path in turn.
    used = [False] * len(rest)
    signatures = {(run.exit_code, run.stdout) for _, run in chosen}
    # Inputs judged by their exit code alone (`--help`, usage errors) show nothing more here.
    open_ = [i for i in range(len(rest)) if not rest[i][0].exit_code_only]
    # An exit status no chosen input shows yet (a crash, an error code) outranks all others.
    exit_codes = {run.exit_code for _, run in chosen}
    for index in sorted(open_, key=lambda i: (-_edge_score(rest[i][0], boundaries), i)):
        code = rest[index][1].exit_code
        if len(chosen) < budget and code not in exit_codes:
            exit_codes.add(code)
            used[index] = True
            signatures.add((code, rest[index][1].stdout))
            chosen.append(rest[index])
    # Then, one at a time, the new output that scores best: a path (set of lines) taken by
    # few chosen inputs, argv words no chosen input has used (`lower` after `upper`), edge
    # values (negatives, zero, the program's constants and neighbours), more output lines.
    path_counts: dict[frozenset[int], int] = {}
    words: set[str] = set()
    for candidate, run in chosen:
        path_counts[run.lines] = path_counts.get(run.lines, 0) + 1
        words.update(candidate.args)
    edge = {i: min(_edge_score(rest[i][0], boundaries), 3) for i in open_}
    shown = {i: min(len(set(rest[i][1].stdout.splitlines())), 6) / 2 for i in open_}
    while len(chosen) < budget:
        best, best_score = -1, 0.0
        for index in open_:
            candidate, run = rest[index]
            if used[index] or (run.exit_code, run.stdout) in signatures:
                continue
            score = (2 * edge[index] + shown[index] + min(len(set(candidate.args) - words), 2)
                     - 3 * path_counts.get(run.lines, 0))
            if best < 0 or score > best_score:
                best, best_score = index, score
        if best < 0:
            break
        candidate, run = rest[best]
        used[best] = True
        signatures.add((run.exit_code, run.stdout))
        path_counts[run.lines] = path_counts.get(run.lines, 0) + 1
        words.update(candidate.args)
        chosen.append(rest[best])
    # Cases read best in the order they were generated.
    position = {id(item[0]): n for n, item in enumerate(kept)}
    return sorted(chosen, key=lambda item: position[id(item[0])])


_EDGE_TOKENS = frozenset(listed("edge_values", "program.tokens"))


def _edge_score(candidate: Candidate, boundaries: frozenset[str] = frozenset()) -> int:
    """How many edge values (negatives, zero, huge or oddly written numbers, the program's own
    constants and their neighbours) an input holds."""
    tokens = [*candidate.args, *candidate.stdin.split()]
    # A negative operand counts twice: `%`, `//` and rounding differ there between languages.
    return sum(1 + (token.startswith("-") and token[1:2].isdigit()) for token in tokens
               if token in _EDGE_TOKENS or token in boundaries or token != token.strip()
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

