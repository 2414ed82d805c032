"""Generated behaviour cases for CLI programs: parser capture, candidates, determinism filter,
coverage-guided selection, cache, YAML round trip, and a wrong translation they catch."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from single_shot_eval import casegen
from single_shot_eval.casegen import (
    CaseCache,
    generate_cases,
    program_builder,
    program_values,
    with_generated_cases,
)
from single_shot_eval.casegen import programs as program_cases
from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseOrigin,
    Comparison,
    Example,
    ExampleKind,
)
from single_shot_eval.corpus.generated_cases_file import (
    read_generated_cases,
    render_generated_cases,
    write_generated_cases,
)
from single_shot_eval.corpus.loader import Corpus, load_corpus, load_example_folder
from single_shot_eval.sandbox import Sandbox

ARGPARSE_TOOL = textwrap.dedent('''\
    """Inventory tool: sum numbers, pick a mode, count lines of a file."""
    import argparse
    import sys


    def main():
        parser = argparse.ArgumentParser(prog="inventory")
        parser.add_argument("--version", action="version", version="inventory 1.0")
        sub = parser.add_subparsers(dest="command", required=True)
        total = sub.add_parser("sum", help="add numbers")
        total.add_argument("numbers", type=int, nargs="+")
        style = total.add_mutually_exclusive_group()
        style.add_argument("--double", action="store_true")
        style.add_argument("--negate", action="store_true")
        mode = sub.add_parser("mode", help="say a level")
        mode.add_argument("--level", choices=["low", "high"], default="low")
        mode.add_argument("-v", "--verbose", action="count", default=0)
        count = sub.add_parser("count", help="count lines")
        count.add_argument("infile", type=argparse.FileType("r"), help="input file")
        args = parser.parse_args()
        if args.command == "sum":
            value = sum(args.numbers)
            if args.double:
                value *= 2
            elif args.negate:
                value = -value
            print(value)
        elif args.command == "mode":
            if args.level == "high":
                print("HIGH" + "!" * args.verbose)
            else:
                print("low")
        else:
            lines = args.infile.read().splitlines()
            print(len(lines), "lines")
            if not lines:
                print("empty")
                return 1
        return 0


    if __name__ == "__main__":
        sys.exit(main())
''')

ARGV_CALC = textwrap.dedent('''\
    import sys


    def main():
        if len(sys.argv) < 4:
            print("usage: calc.py add|mod A B")
            sys.exit(1)
        op, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        if op == "add":
            print(a + b)
        elif op == "mod":
            if b == 0:
                print("error: division by zero")
                sys.exit(1)
            print(a % b)
        else:
            print(f"unknown operation {op}")
            sys.exit(1)


    main()
''')

STDIN_STACK = textwrap.dedent('''\
    import sys

    stack = []
    for line in sys.stdin:
        match line.split():
            case ["push", value]:
                stack.append(int(value))
            case ["pop"]:
                if stack:
                    print("popped", stack.pop())
                else:
                    print("error: empty")
            case ["add"]:
                if len(stack) >= 2:
                    stack.append(stack.pop() + stack.pop())
                else:
                    print("error: need two")
            case []:
                continue
            case _:
                print("unknown:", line.strip())
    print("final", stack)
''')

VOLATILE = textwrap.dedent('''\
    import os
    import random
    import sys
    import time

    command = sys.argv[1] if len(sys.argv) > 1 else "echo"
    if command == "now":
        print(time.time())
    elif command == "rand":
        print(random.random())
    elif command == "hashes":
        print(list({"alpha", "beta", "gamma", "delta", "epsilon"}))
    elif command == "where":
        print(os.getcwd())
    elif command == "echo":
        print("echo", " ".join(sys.argv[2:]))
    else:
        print("unknown")
''')

# A faithful Rust translation of ARGV_CALC (Python's int() and floor modulo) and a wrong one
# that uses Rust's `%`, which differs from Python's when an operand is negative.
RUST_CALC = textwrap.dedent('''\
    use std::process::exit;

    fn py_int(text: &str) -> i128 {
        let trimmed = text.trim();
        let (negative, digits) = if let Some(rest) = trimmed.strip_prefix('-') {
            (true, rest)
        } else if let Some(rest) = trimmed.strip_prefix('+') {
            (false, rest)
        } else {
            (false, trimmed)
        };
        let valid = !digits.is_empty()
            && !digits.starts_with('_')
            && !digits.ends_with('_')
            && !digits.contains("__")
            && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
        if !valid {
            panic!("invalid literal for int(): {:?}", text);
        }
        let value: i128 = digits.replace('_', "").parse().expect("too big");
        if negative { -value } else { value }
    }

    fn main() {
        let args: Vec<String> = std::env::args().collect();
        if args.len() < 4 {
            println!("usage: calc.py add|mod A B");
            exit(1);
        }
        let op = args[1].as_str();
        let a = py_int(&args[2]);
        let b = py_int(&args[3]);
        if op == "add" {
            println!("{}", a + b);
        } else if op == "mod" {
            if b == 0 {
                println!("error: division by zero");
                exit(1);
            }
            println!("{}", MODULO);
        } else {
            println!("unknown operation {}", op);
            exit(1);
        }
    }
''')
RUST_CALC_RIGHT = RUST_CALC.replace("MODULO", "((a % b) + b) % b")
RUST_CALC_WRONG = RUST_CALC.replace("MODULO", "a % b")


def _program(source: str, name: str = "tool.py", example_id: str = "tool") -> Example:
    return Example(id=example_id, kind=ExampleKind.PROGRAM, python_source=source,
                   script_name=name)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture(scope="module")
def argparse_cases(sandbox: Sandbox) -> casegen.GeneratedCaseSet:
    return program_cases.generate_program_cases(_program(ARGPARSE_TOOL), sandbox)


def test_the_real_argparse_parser_is_captured(sandbox: Sandbox) -> None:
    spec = program_cases.capture_parser(_program(ARGPARSE_TOOL), sandbox)
    assert spec is not None
    (subparsers,) = [a for a in spec.actions if a.subcommands is not None]
    assert subparsers.required
    subs = dict(subparsers.subcommands or ())
    assert sorted(subs) == ["count", "mode", "sum"]
    numbers = next(a for a in subs["sum"].actions if a.dest == "numbers")
    assert (numbers.nargs, numbers.type_name) == ("+", "int")
    assert subs["sum"].exclusive == (("double", "negate"),)
    level = next(a for a in subs["mode"].actions if a.dest == "level")
    assert (level.choices, level.default) == (("low", "high"), "low")
    verbose = next(a for a in subs["mode"].actions if a.dest == "verbose")
    assert verbose.kind == "_CountAction"
    infile = next(a for a in subs["count"].actions if a.dest == "infile")
    assert infile.type_name == "file:r"
    assert any(a.kind == "_VersionAction" for a in spec.actions)


def test_a_script_without_argparse_has_no_parser(sandbox: Sandbox) -> None:
    assert program_cases.capture_parser(_program(ARGV_CALC), sandbox) is None


def test_argparse_cases_cover_every_subcommand_with_files_help_and_usage_errors(
    argparse_cases: casegen.GeneratedCaseSet,
) -> None:
    cases = argparse_cases.cases
    assert 0 < len(cases) <= casegen.DEFAULT_BUDGET
    assert all(c.origin is CaseOrigin.GENERATED for c in cases)
    help_case = next(c for c in cases if c.args == ("--help",))
    assert help_case.comparison is Comparison.EXIT_CODE
    usage = next(c for c in cases if c.args == ("--no-such-option-xyz",))
    assert usage.comparison is Comparison.EXIT_CODE
    assert {c.args[0] for c in cases if c.args} >= {"sum", "mode", "count"}
    with_files = [c for c in cases if c.files]
    assert with_files and all(c.args[0] == "count" for c in with_files)
    # The file named on the command line is the one created for the case.
    assert any(c.args[-1] == name for c in with_files for name, _ in c.files)
    plain = [c for c in cases if c.args and c.args[0] == "sum"]
    assert plain and all(c.comparison is Comparison.STDOUT_AND_EXIT for c in plain)
    assert argparse_cases.line_coverage is not None and argparse_cases.line_coverage >= 0.95
    assert argparse_cases.branch_coverage is not None and argparse_cases.branch_coverage >= 0.8


def test_selection_adds_coverage_beyond_any_single_input(
    sandbox: Sandbox, argparse_cases: casegen.GeneratedCaseSet
) -> None:
    example = _program(ARGPARSE_TOOL)
    vocab = program_cases.program_vocabulary(example.python_source)
    parser = program_cases.capture_parser(example, sandbox)
    candidates = program_cases.candidate_inputs(example, parser, vocab)
    (runs,) = program_cases.run_candidates(example, sandbox, candidates[:20],
                                           settings=[{"TZ": "UTC", "PYTHONHASHSEED": "0"}])
    statements = next(r.statements for r in runs if r.statements)
    best_single = max(len(r.lines & statements) for r in runs) / len(statements)
    assert argparse_cases.line_coverage is not None
    assert argparse_cases.line_coverage > best_single + 0.2


def test_generation_is_deterministic(sandbox: Sandbox,
                                     argparse_cases: casegen.GeneratedCaseSet) -> None:
    again = program_cases.generate_program_cases(_program(ARGPARSE_TOOL), sandbox)
    assert again.cases == argparse_cases.cases
    assert again.line_coverage == argparse_cases.line_coverage


def test_argv_program_gets_commands_and_edge_numbers_from_its_literals(
    sandbox: Sandbox,
) -> None:
    result = program_cases.generate_program_cases(_program(ARGV_CALC), sandbox)
    commands = {c.args[0] for c in result.cases if c.args}
    assert {"add", "mod"} <= commands
    assert any(c.args[0] == "mod" and any(a.strip().startswith("-") for a in c.args[1:])
               for c in result.cases if c.args)
    assert all(c.comparison is Comparison.STDOUT_AND_EXIT for c in result.cases)
    assert result.line_coverage == 1.0


def test_stdin_program_gets_command_lines_from_its_match_patterns(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(_program(STDIN_STACK), sandbox)
    assert result.cases and all(c.args == () for c in result.cases)
    text = "".join(c.stdin for c in result.cases)
    assert "push" in text and "pop" in text and "add" in text
    assert result.line_coverage is not None and result.line_coverage >= 0.9


def test_volatile_inputs_are_dropped_and_deterministic_ones_kept(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(_program(VOLATILE), sandbox)
    first_words = {c.args[0] if c.args else "" for c in result.cases}
    assert not first_words & {"now", "rand", "hashes", "where"}
    assert "echo" in first_words or "" in first_words
    assert result.dropped_nondeterministic >= 4


def test_second_generation_comes_from_the_cache(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CaseCache(tmp_path / "cache")
    example = _program(ARGV_CALC)
    first = generate_cases(example, sandbox, cache=cache)
    assert first is not None and not first.cached and first.cases

    def fail(*_: object, **__: object) -> None:
        raise AssertionError("generated again instead of read from the cache")

    monkeypatch.setattr(program_cases, "generate_program_cases", fail)
    second = generate_cases(replace(example, id="renamed"), sandbox, cache=cache)
    assert second is not None and second.cached
    assert second.cases == first.cases and second.example_id == "renamed"
    # Another program text is another key.
    with pytest.raises(AssertionError, match="generated again"):
        generate_cases(_program(ARGV_CALC + "\n# changed\n"), sandbox, cache=cache)


def test_failed_generations_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           sandbox: Sandbox) -> None:
    from single_shot_eval.sandbox import SandboxError

    def broken(*_: object, **__: object) -> None:
        raise SandboxError("bwrap failed")

    monkeypatch.setattr(program_cases, "generate_program_cases", broken)
    cache = CaseCache(tmp_path)
    result = generate_cases(_program(ARGV_CALC), sandbox, cache=cache)
    assert result is not None and result.cases == () and "sandbox failed" in result.note
    assert not list(tmp_path.rglob("*.json"))


def test_generated_yaml_round_trips_through_the_loader(
    tmp_path: Path, argparse_cases: casegen.GeneratedCaseSet
) -> None:
    folder = tmp_path / "inventory"
    folder.mkdir()
    (folder / "inventory.py").write_text(ARGPARSE_TOOL, encoding="utf-8")
    (folder / "cases.yaml").write_text(
        "cases:\n  - name: hand\n    args: [sum, '1', '2']\n", encoding="utf-8")
    write_generated_cases(folder / "cases.generated.yaml", argparse_cases)
    text = (folder / "cases.generated.yaml").read_text(encoding="utf-8")
    assert text == render_generated_cases(argparse_cases)
    loaded = load_example_folder(folder)
    assert loaded.cases[0] == BehaviourCase(name="hand", args=("sum", "1", "2"))
    assert loaded.cases[1:] == argparse_cases.cases
    assert read_generated_cases(folder / "cases.generated.yaml") == argparse_cases.cases


def test_with_generated_cases_appends_after_hand_written(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    hand = BehaviourCase(name="hand", args=("add", "2", "3"))
    example = replace(_program(ARGV_CALC), cases=(hand,))
    corpus = Corpus(tmp_path, (example,))
    seen: list[str] = []
    result = with_generated_cases(corpus, sandbox=sandbox, cache=CaseCache(tmp_path / "c"),
                                  on_example=lambda s: seen.append(s.example_id))
    cases = result.examples[0].cases
    assert cases[0] == hand and len(cases) > 1
    assert all(c.origin is CaseOrigin.GENERATED for c in cases[1:])
    assert seen == ["tool"]
    counts = casegen.case_counts(result.examples)
    assert counts["tool"] == casegen.CaseCounts(1, len(cases) - 1)


def test_cases_command_writes_reviewable_files(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    corpus = tmp_path / "corpus"
    (corpus / "calc").mkdir(parents=True)
    (corpus / "calc" / "calc.py").write_text(ARGV_CALC, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("cases", "--corpus", str(corpus), "--output", str(out),
                     "--cache-dir", str(tmp_path / "cache"), "--budget", "5")
    assert result.returncode == 0, result.stderr
    assert "calc: " in result.stdout and "line coverage 100%" in result.stdout
    generated = read_generated_cases(out / "calc" / "cases.generated.yaml")
    assert 0 < len(generated) <= 5
    # Written beside the script, the file loads with the corpus as generated cases.
    (corpus / "calc" / "cases.generated.yaml").write_text(
        (out / "calc" / "cases.generated.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_corpus(corpus).examples[0].cases == generated


@pytest.mark.slow
def test_generated_cases_kill_a_wrong_translation_that_hand_written_cases_miss(
    sandbox: Sandbox,
) -> None:
    from single_shot_eval.results.records import Verdict
    from single_shot_eval.verify.verifier import Verifier

    hand_written = (BehaviourCase(name="add", args=("add", "2", "3")),
                    BehaviourCase(name="mod", args=("mod", "7", "3")))
    example = replace(_program(ARGV_CALC, "calc.py", "calc"), cases=hand_written)
    generated = program_cases.generate_program_cases(example, sandbox)
    generated_only = replace(example, cases=generated.cases)
    verifier = Verifier(sandbox=sandbox)
    assert verifier.verify(RUST_CALC_WRONG, example).verdict is Verdict.PASS
    assert verifier.verify(RUST_CALC_RIGHT, example).verdict is Verdict.PASS
    assert verifier.verify(RUST_CALC_WRONG, generated_only).verdict is \
        Verdict.BEHAVIOUR_MISMATCH
    # No false failure: the faithful translation passes every generated case.
    assert verifier.verify(RUST_CALC_RIGHT, generated_only).verdict is Verdict.PASS


def test_reports_show_hand_written_and_generated_counts_per_example() -> None:
    from single_shot_eval.report.formats.md import _case_counts_section
    from single_shot_eval.results.provenance import RunProvenance

    stored = RunProvenance.from_meta({"case_counts": '{"calc": [2, 9], "tool": [0, 12]}'})
    lines = _case_counts_section(stored.case_counts)
    assert "(2 hand-written, 21 generated in all)" in lines[1]
    assert "| calc | 2 | 9 |" in lines and "| tool | 0 | 12 |" in lines
    assert _case_counts_section(None) == []


# -- inputs from the program's own literals and help texts ----------------------------------

LITERAL_BRANCHES = textwrap.dedent('''\
    """Unit tool: branches reached only by values the program compares, or its help shows."""
    import argparse
    import os


    def classify(word, size):
        # Many other literals: the general value pool alone does not hold "km" or 4097.
        if word in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"):
            return "greek"
        if word in ("red", "green", "blue", "cyan", "magenta"):
            return "colour"
        if size in (11, 22, 33, 44, 55, 66, 77):
            return "round"
        return "other"


    def convert(amount, unit):
        if unit == "km":
            return amount * 1000
        if unit in ("mi", "mile"):
            return amount * 1609
        return amount


    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("amount", type=int)
        parser.add_argument("--unit", default="m", help="unit of the amount")
        parser.add_argument("--pair", help="extra pair as key=value")
        parser.add_argument("--limit", type=int, default=5)
        parser.add_argument("--folder", help="directory to list")
        args = parser.parse_args()
        style = args.unit.lower()
        print(convert(args.amount, style), classify(style, args.amount))
        if args.pair is not None and "=" in args.pair:
            key, value = args.pair.split("=", 1)
            if value.isdigit():
                print("pair", key, int(value) * 2)
        if args.limit > 4096:
            print("huge limit")
        if args.folder is not None and os.path.isdir(args.folder):
            names = sorted(os.listdir(args.folder))
            print(len(names), "entries:", ", ".join(names))


    if __name__ == "__main__":
        main()
''')


def test_values_the_program_compares_and_its_help_shows_reach_their_branches(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = _program(LITERAL_BRANCHES)
    result = program_cases.generate_program_cases(example, sandbox)
    words = {word for case in result.cases for word in case.args}
    # `unit` through `style` into `convert(amount, unit)`: both compared literals are tried.
    assert "km" in words and ({"mi", "mile"} & words)
    assert any("=" in word and word.split("=")[1].lstrip("-").isdigit() for word in words)
    # A directory argument gets a folder of files.
    assert any(name.startswith("folder_dir/") for case in result.cases for name, _ in case.files)
    assert result.line_coverage == 1.0

    # Without the per-argument literals and help examples, those branches stay dark.
    original = program_cases.program_vocabulary

    def plain_vocabulary(source: str) -> program_cases.Vocabulary:
        vocab = original(source)
        vocab.subject_literals = {}
        return vocab

    monkeypatch.setattr(program_cases, "program_vocabulary", plain_vocabulary)
    monkeypatch.setattr(program_values, "help_examples", lambda *_: [])
    monkeypatch.setattr(program_builder, "help_examples", lambda *_: [])
    blind = program_cases.generate_program_cases(example, sandbox)
    assert blind.line_coverage is not None and blind.line_coverage < result.line_coverage


def test_help_texts_give_concrete_values() -> None:
    examples = program_values.help_examples
    edges = examples("Edges: u-v or u-v:weight")
    assert edges[:2] == ["a-b", "a-b:3"] and "b-c" in edges
    assert examples("Variables: name=value")[0] == "a=3"
    assert examples("Timeout (e.g., 30s, 5m, 1h)") == ["30s", "5m", "1h"]
    assert examples("Operations: get:key or put:key:value", ["get", "put"])[:2] == [
        "get:a", "put:a:3"]
    assert examples("Matrix (format: '1,2;3,4')") == ["1,2;3,4"]
    # Prose hyphens and date placeholders are no values.
    assert examples("Run-length encode/decode, auto-detect") == []
    assert examples("Birth date (YYYY-MM-DD)") == []


def test_each_argument_gets_the_literals_compared_with_it_through_aliases() -> None:
    vocab = program_cases.program_vocabulary(LITERAL_BRANCHES)
    assert vocab.subject_literals["unit"][:3] == ["km", "mi", "mile"]
    assert 4096 in vocab.subject_literals["limit"] and 4097 in vocab.subject_literals["limit"]
    assert "km" not in vocab.subject_literals.get("limit", [])


# -- determinism -------------------------------------------------------------------------

RANDOM_TOOL = textwrap.dedent('''\
    import argparse
    import datetime
    import random
    import time

    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["coin", "roll", "year", "elapsed", "seeded", "sorted",
                                         "echo"])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.mode == "coin":
        print(random.choice(["heads", "tails"]))
    elif args.mode == "roll":
        print(random.randint(1, 2))
    elif args.mode == "year":
        print(datetime.datetime.now().year)
    elif args.mode == "elapsed":
        started = time.perf_counter()
        total = sum(range(1000))
        print(f"{total} in {time.perf_counter() - started:.2f}s")
    elif args.mode == "seeded":
        print(random.Random(args.seed).randint(1, 1000))
    elif args.mode == "sorted":
        items = [3, 1, 2]
        random.shuffle(items)
        print(sorted(items))
    else:
        print("echo")
''')


def test_random_and_clock_dependent_inputs_are_always_dropped(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(_program(RANDOM_TOOL), sandbox)
    modes = {c.args[0] for c in result.cases if c.args and not c.args[0].startswith("-")}
    # A coin flip agrees with itself three times in four runs of natural draws, and a quick
    # loop takes "0.00s" every time on a quiet machine; skewed draws (low in one run, high in
    # another) and a clock shifted and running fast make them differ every time.
    assert not modes & {"coin", "roll", "year", "elapsed"}
    assert {"seeded", "sorted", "echo"} <= modes
    assert result.dropped_nondeterministic >= 4
    assert result.unjudgeable_reason is None


WHOLLY_RANDOM = textwrap.dedent('''\
    import random
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 3
    print(" ".join(str(random.random()) for _ in range(max(count, 1))))
''')


def test_a_program_with_no_deterministic_input_is_unjudgeable_with_its_reason(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    from single_shot_eval.corpus.stats import corpus_statistics

    example = _program(WHOLLY_RANDOM, "noise.py", "noise")
    cache = CaseCache(tmp_path / "cache")
    corpus = with_generated_cases(Corpus(tmp_path, (example,)), sandbox=sandbox, cache=cache)
    (judged,) = corpus.examples
    assert judged.cases == ()
    assert judged.unjudgeable_reason is not None
    assert "different output on repeated runs" in judged.unjudgeable_reason
    stats = corpus_statistics(corpus)
    assert (stats.examples, stats.judgeable) == (1, 0)
    assert [(u.path, u.reason) for u in stats.unjudgeable] == [
        ("noise", judged.unjudgeable_reason)]
    # The verdict "nondeterministic" is remembered: the next load does not run the oracle.
    again = generate_cases(example, sandbox, cache=cache)
    assert again is not None and again.cached and again.unjudgeable_reason is not None
    # Hand-written cases still judge it: then it is not unjudgeable.
    hand = replace(example, cases=(BehaviourCase(name="bad", args=("x",)),))
    kept = with_generated_cases(Corpus(tmp_path, (hand,)), sandbox=sandbox, cache=cache)
    assert kept.examples[0].unjudgeable_reason is None


JSON_RELU = '''\
"""Apply an activation to the vector `x` of a JSON object read from stdin.

    echo '{"x": [-1.5, 0, 2]}' | python relu.py relu
"""
import json
import sys


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in ("relu", "step"):
        print("usage: relu.py relu|step", file=sys.stderr)
        return 2
    try:
        data = json.load(sys.stdin)
        values = [float(v) for v in data["x"]]
    except (ValueError, KeyError, TypeError):
        print("error: expected a JSON object with a list x", file=sys.stderr)
        return 1
    if sys.argv[1] == "relu":
        print(json.dumps([max(0.0, v) for v in values]))
    else:
        print(json.dumps([1 if v > 0 else 0 for v in values]))
    return 0


sys.exit(main())
'''


def _reaches_the_logic(case: BehaviourCase) -> bool:
    try:
        return isinstance(json.loads(case.stdin)["x"], list)
    except (ValueError, KeyError, TypeError):
        return False


def test_the_invocation_a_program_shows_is_an_always_kept_case(sandbox: Sandbox) -> None:
    shown = program_cases.generate_program_cases(_program(JSON_RELU, "relu.py", "relu"), sandbox)
    seed = [c for c in shown.cases if c.args == ("relu",) and c.stdin == '{"x": [-1.5, 0, 2]}\n']
    assert len(seed) == 1 and seed[0].comparison is Comparison.STDOUT_AND_EXIT
    # Without the line in its docstring no generated input is a JSON object with a list `x`:
    # the program's own example is the only case that reaches its arithmetic.
    blind_source = JSON_RELU.replace("""    echo '{"x": [-1.5, 0, 2]}' | python relu.py relu\n""", "")
    blind = program_cases.generate_program_cases(_program(blind_source, "relu.py", "relu"),
                                                 sandbox)
    assert blind.cases and not any(_reaches_the_logic(c) for c in blind.cases)
    assert any(_reaches_the_logic(c) for c in shown.cases)
