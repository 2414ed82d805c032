"""Generated program cases reach code that random text does not: lines matching the program's own
regular expressions or the line format its docstring states, the main parser's options before a
subcommand, list arguments at many values, and stdin behind a flag that turns reading it on.
Program tests run the real oracle."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from single_shot_eval.casegen import programs as program_cases
from single_shot_eval.casegen.doc_formats import (
    documented_lines,
    example_lines,
    string_collections,
)
from single_shot_eval.casegen.program_values import Candidate
from single_shot_eval.casegen.regex_samples import regex_patterns, regex_samples
from single_shot_eval.sandbox import Sandbox
from tests.program_fixtures import oracle_outputs, program_example

# Counts log levels in a file; only lines matching the pattern reach the counting and the
# branch on the captured level.
LEVELS = textwrap.dedent('''\
    import argparse
    import re

    LINE = r"^(\\d{2}):(\\d{2}) \\[(\\w+)\\] (.+)$"


    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("logfile", help="log file to read")
        args = parser.parse_args()
        counts = {}
        with open(args.logfile) as handle:
            for line in handle:
                found = re.match(LINE, line.strip())
                if not found:
                    continue
                hour, minute, level, text = found.groups()
                if level == "ERROR":
                    print(f"error at {hour}:{minute}: {text}")
                counts[level] = counts.get(level, 0) + 1
        for level in sorted(counts):
            print(level, counts[level])


    main()
''')

# A global flag that only the subcommands' handlers read.
GIT_LIKE = textwrap.dedent('''\
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    clone = commands.add_parser("clone")
    clone.add_argument("url")
    push = commands.add_parser("push")
    push.add_argument("remote")
    args = parser.parse_args()
    if args.command == "clone":
        if args.verbose:
            print("cloning verbosely")
        print("clone", args.url)
    else:
        if args.verbose:
            print("pushing verbosely")
        print("push", args.remote)
''')

# Reads stdin only when asked to.
INTERACTIVE = textwrap.dedent('''\
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--interactive", action="store_true")
    parser.add_argument("word", nargs="?")
    args = parser.parse_args()
    if args.interactive:
        total = 0
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            total += len(line)
            print("read", line)
        print("total", total)
    else:
        print("word", args.word)
''')



@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


def test_samples_match_their_patterns_and_take_the_programs_words() -> None:
    patterns = [r"\[(\d{4}-\d{2}-\d{2})\] (\w+): (.+)", r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})",
                r"^\s*([^=]+?)\s*=\s*(.*)$", r"(?P<n>ab|cd)-(?P=n)"]
    samples = regex_samples(patterns, ["ERROR", "WARN"])
    for pattern in patterns:
        matching = [s for s in samples if re.search(pattern, s)]
        assert len(matching) >= 2, pattern
    # The level slot takes the program's literals, so that `level == "ERROR"` can be true.
    assert any(s.startswith("[") and " ERROR: " in s for s in samples)
    assert any(s.startswith("[") and " WARN: " in s for s in samples)
    # Variants differ where the pattern lets them (another alternative, other digits).
    assert {s for s in samples if re.fullmatch(r"(ab|cd)-\1", s)} == {"ab-ab", "cd-cd"}


def test_patterns_are_found_in_calls_and_through_names_bound_to_literals() -> None:
    tree = ast.parse(textwrap.dedent('''\
        import re
        DATE = r"\\d{4}-\\d{2}"
        COMPILED = re.compile(r"[a-z]+=\\d+")
        def f(text, pattern):
            return re.findall(DATE, text), re.search(pattern, text), re.sub("x+", "y", text)
    '''))
    assert regex_patterns(tree) == [r"[a-z]+=\d+", r"\d{4}-\d{2}", "x+"]


def test_a_pattern_that_cannot_be_parsed_or_rendered_gives_no_sample() -> None:
    assert regex_samples(["(unclosed", r"(?<=a)b\Z"], []) in ([], ["b"])
    assert regex_samples(["(unclosed"], []) == []


def test_lines_matching_the_programs_pattern_reach_the_code_behind_the_match(
        sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(LEVELS), sandbox)
    assert result.line_coverage == 1.0
    contents = [text for case in result.cases for _, text in case.files]
    assert any(re.search(r"^\d{2}:\d{2} \[ERROR\] ", text, re.MULTILINE) for text in contents)
    # A translation that counts nothing but errors gives another answer on the cases.
    wrong = program_example(LEVELS.replace("counts[level] = counts.get(level, 0) + 1",
                                    "counts[level] = 1"))
    candidates = [Candidate(c.name, c.args, c.stdin, tuple(c.files)) for c in result.cases]
    original = oracle_outputs(program_example(LEVELS), sandbox, candidates)
    assert original != oracle_outputs(wrong, sandbox, candidates)


def test_the_main_parsers_options_go_before_each_subcommand(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(GIT_LIKE), sandbox)
    assert result.line_coverage == 1.0
    assert any(case.args[:2] == ("--verbose", "clone") for case in result.cases)
    assert any(case.args[:2] == ("--verbose", "push") for case in result.cases)


def test_a_flag_that_turns_on_reading_stdin_gets_stdin(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(INTERACTIVE), sandbox)
    assert any("--interactive" in case.args and case.stdin.strip() for case in result.cases)
    # The loop's body (5 of 16 statements) runs only on stdin given with the flag.
    assert result.line_coverage is not None and result.line_coverage >= 0.9



# Parses lines in the format its docstring states; `LEVEL` is one of `LEVELS`.
FORMATTED = textwrap.dedent('''\
    """Count log levels per component.

    Expected line format: 2024-03-01 12:04:55 LEVEL [component] message
    """
    import sys

    LEVELS = ["DEBUG", "INFO", "ERROR"]
    counts = {}
    skipped = 0
    for line in sys.stdin:
        parts = line.split(maxsplit=4)
        if len(parts) < 5 or parts[2] not in LEVELS or not parts[3].startswith("["):
            skipped += 1
            continue
        key = (parts[3].strip("[]"), parts[2])
        counts[key] = counts.get(key, 0) + 1
    for (component, level), count in sorted(counts.items()):
        print(component, level, count)
    print("skipped", skipped)
''')


def test_a_documented_line_format_is_filled_from_the_programs_collections() -> None:
    tree = ast.parse(FORMATTED)
    assert documented_lines(tree)[:3] == [
        "2024-03-01 12:04:55 DEBUG [component] message",
        "2024-03-01 12:04:55 INFO [component] message",
        "2024-03-01 12:04:55 ERROR [component] message"]
    assert string_collections(tree) == {"LEVELS": ["DEBUG", "INFO", "ERROR"]}
    functions = ast.parse(textwrap.dedent('''\
        def parse(spec):
            """Parse a schedule.

            Format: 'days time_range' (e.g., 'Mon-Fri 09:00-17:00')
            """
    '''))
    assert example_lines(functions) == ["Format: 'days time_range' (e.g., 'Mon-Fri 09:00-17:00')"]


def test_well_formed_lines_reach_the_code_that_handles_them(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(FORMATTED), sandbox)
    assert result.line_coverage == 1.0
    assert any("INFO [component] message" in case.stdin for case in result.cases)
