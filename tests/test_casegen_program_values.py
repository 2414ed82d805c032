"""Generated program cases draw inputs from the program's own text: its constants with their
neighbours, the command shapes its docstring spells out, records of the field counts it checks,
and boards of its one-character literals. Each test runs the real oracle in the sandbox."""

from __future__ import annotations

import textwrap

import pytest

from single_shot_eval.casegen import programs as program_cases
from single_shot_eval.casegen.program_values import Candidate
from single_shot_eval.sandbox import Sandbox
from tests.program_fixtures import oracle_outputs, program_example

# Seven thresholds, the last one (100) nested deepest: beyond the first few comparison constants
# that the vocabulary takes, so only the mined constants (with +-1) try 100 itself.
LADDER = textwrap.dedent('''\
    import sys

    n = int(sys.argv[1])
    if n < 10:
        print("tiny")
    elif n < 20:
        print("small")
    elif n < 30:
        print("modest")
    elif n < 40:
        print("medium")
    elif n < 50:
        print("sizeable")
    elif n < 60:
        print("large")
    else:
        print("huge")
        if n >= 100:
            print("with bonus")
''')

SHAPES = textwrap.dedent('''\
    """Areas of shapes read from stdin. Lines: circle R | rectangle W H | square S."""
    import sys

    SIDES = {"circle": 1, "rectangle": 2, "square": 1}
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] not in SIDES or len(parts) != SIDES[parts[0]] + 1:
            print("skipped")
            continue
        numbers = [float(p) for p in parts[1:]]
        if parts[0] == "circle":
            print(round(3.14159 * numbers[0] ** 2, 3))
        elif parts[0] == "rectangle":
            print(numbers[0] * numbers[1])
        else:
            print(numbers[0] * numbers[0])
''')

BOARD = textwrap.dedent('''\
    import sys

    rows = [line.rstrip("\\n") for line in sys.stdin if line.strip()]
    if not rows or any(set(row) - {"#", "."} for row in rows):
        print("not a board")
        sys.exit(1)
    alive = sum(row.count("#") for row in rows)
    print(f"{alive} alive of {sum(len(row) for row in rows)}")
    for row in rows:
        print("".join("." if ch == "#" else "#" for ch in row))
''')



@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()



def test_a_constant_deep_in_the_program_is_tried_exactly(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(LADDER), sandbox)
    assert any(case.args == ("100",) for case in result.cases)
    # The off-by-one translation (`n > 100`) gives another answer on the generated cases.
    mutant = program_example(LADDER.replace("n >= 100", "n > 100"))
    candidates = [Candidate(case.name, case.args, case.stdin) for case in result.cases]
    original = oracle_outputs(program_example(LADDER), sandbox, candidates)
    assert original != oracle_outputs(mutant, sandbox, candidates)


def test_command_shapes_of_the_docstring_reach_every_branch(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(SHAPES), sandbox)
    text = "".join(case.stdin for case in result.cases)
    assert "rectangle 3 4" in text and "circle 3" in text
    assert result.line_coverage == 1.0


def test_one_character_literals_make_boards(sandbox: Sandbox) -> None:
    result = program_cases.generate_program_cases(program_example(BOARD), sandbox)
    boards = [case.stdin for case in result.cases
              if case.stdin and set(case.stdin) <= {"#", ".", "\n"}
              and "#" in case.stdin and "." in case.stdin]
    assert boards
