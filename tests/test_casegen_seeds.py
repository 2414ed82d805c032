"""Seeds: the inputs an example shows itself (doctests, calls in docstrings, comments and code)
come first in its generated cases, with type-aware mutations around them, and catch the wrong
translations that only the example's own examples show. The fixture records are written here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from single_shot_eval.casegen import CaseCache
from single_shot_eval.casegen.functions import prepare_function_example
from single_shot_eval.casegen.seeds import conform, mutated_inputs, seed_inputs
from single_shot_eval.corpus.contract import parse_signature
from single_shot_eval.corpus.example import CaseOrigin, Example
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.sandbox import Sandbox
from tests.test_casegen_functions import generated, run_rust

SCALE = '''\
def scale(values: list[float], factor: float = 2.0, offset: int = 0) -> list[float]:
    """Multiply and shift, e.g. scale([1, 2], 3) gives [3.0, 6.0].

    >>> scale([0.5], factor=4)
    [2.0]
    >>> scale(values)  # not literal: left out
    """
    return [v * factor + offset for v in values]


# scale([1.5, -2], offset=1) is the calibration call
if __name__ == "__main__":
    print(scale([2, 4], 0.5))
    print(scale("nope"))
    print(scale([1], 2, 3, 4))
'''


def test_seeds_are_the_literal_calls_in_docstrings_comments_and_code_fitted_to_the_signature(
) -> None:
    signature = parse_signature(SCALE, "scale")
    seeds = seed_inputs(SCALE, signature)
    # file order; ints where floats are declared become floats; defaults fill what is not
    # given; keywords land on their parameters; non-literal, mistyped or too-long calls do not
    assert seeds == [
        [[1.0, 2.0], 3.0, 0],
        [[0.5], 4.0, 0],
        [[1.5, -2.0], 2.0, 1],
        [[2.0, 4.0], 0.5, 0],
    ]
    assert all(isinstance(v, float) for seed in seeds for v in seed[0])


def test_conform_refuses_what_the_type_does_not_hold() -> None:
    signature = parse_signature("def f(a: int, b: dict[str, list[int]]) -> int:\n    return a\n", "f")
    a, b = (p.py_type for p in signature.parameters)
    assert conform(3, a) == 3
    assert conform({"k": (1, 2)}, b) == {"k": [1, 2]}
    for value, py_type in ((True, a), (2.5, a), ("3", a), ({"k": ["x"]}, b), ({1: [1]}, b)):
        with pytest.raises(ValueError):
            conform(value, py_type)


def test_mutations_vary_one_parameter_at_a_time_by_type() -> None:
    code = "def f(text: str, n: int, xs: list[int]) -> int:\n    return n\n"
    signature = parse_signature(code, "f")
    seed = ["ab. cd", 3, [3, 1, 2]]
    found = mutated_inputs([seed], signature)
    assert seed not in found
    assert all(sum(m[i] != seed[i] for i in range(3)) == 1 for m in found)
    texts = {m[0] for m in found if m[0] != seed[0]}
    assert {"ab. cdab. cd", "dc .ba", "ab.  cd."} <= texts  # repeated, reversed, re-split
    assert {m[1] for m in found} >= {2, 4, -3, 6}
    lists = [m[2] for m in found if m[2] != seed[2]]
    assert [1, 2, 3] in lists and [3, 2, 1] in lists and [2, 1, 3] in lists


OVERLAPPING = {
    "id": "count_overlapping",
    "python_code": '''\
def count_overlapping(text: str, pattern: str) -> int:
    """How often pattern occurs in text, overlapping occurrences included.

    >>> count_overlapping("banana", "ana")
    2
    """
    if not pattern:
        return 0
    count = 0
    for start in range(len(text) - len(pattern) + 1):
        if text[start:start + len(pattern)] == pattern:
            count += 1
    return count
''',
}
SENTENCES = {
    "id": "capitalize_sentences",
    "python_code": '''\
def capitalize_sentences(text: str) -> str:
    """Upper-case the first ASCII letter of every sentence.

    >>> capitalize_sentences("hello. how are you? fine")
    'Hello. How are you? Fine'
    """
    result = ""
    capitalize = True
    for char in text:
        if capitalize and char.isascii() and char.isalpha():
            result += char.upper()
            capitalize = False
        else:
            result += char
        if char in ".?!":
            capitalize = True
    return result
''',
}
# (right, wrong): each wrong one is what the docstring's own example rules out.
RUST = {
    "count_overlapping": ('''
pub fn count_overlapping(text: &str, pattern: &str) -> i64 {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    if p.is_empty() || p.len() > t.len() {
        return 0;
    }
    (0..=t.len() - p.len()).filter(|&i| t[i..i + p.len()] == p[..]).count() as i64
}
''', '''
pub fn count_overlapping(text: &str, pattern: &str) -> i64 {
    if pattern.is_empty() {
        return 0;
    }
    text.matches(pattern).count() as i64
}
'''),
    "capitalize_sentences": ('''
pub fn capitalize_sentences(text: &str) -> String {
    let mut result = String::new();
    let mut capitalize = true;
    for ch in text.chars() {
        if capitalize && ch.is_ascii_alphabetic() {
            result.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            result.push(ch);
        }
        if ".?!".contains(ch) {
            capitalize = true;
        }
    }
    result
}
''', '''
pub fn capitalize_sentences(text: &str) -> String {
    let mut chars = text.chars();
    match chars.find(|c| c.is_ascii_alphabetic()) {
        None => text.to_string(),
        Some(_) => {
            let at = text.find(|c: char| c.is_ascii_alphabetic()).unwrap();
            format!("{}{}{}", &text[..at], text[at..at + 1].to_ascii_uppercase(), &text[at + 1..])
        }
    }
}
'''),
}
DOCSTRING_INPUTS = {"count_overlapping": ["banana", "ana"],
                    "capitalize_sentences": ["hello. how are you? fine"]}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Example]:
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (OVERLAPPING, SENTENCES)))
    sandbox = Sandbox()
    return {
        e.id: prepare_function_example(e, sandbox, cache=CaseCache(folder / "cache")).example
        for e in load_corpus(path)
    }


@pytest.mark.slow
@pytest.mark.parametrize("example_id", sorted(RUST))
def test_the_docstring_example_is_a_case_and_rejects_what_it_rules_out(
    seeded: dict[str, Example], example_id: str, tmp_path: Path
) -> None:
    example = seeded[example_id]
    cases = generated(example)
    assert all(case.origin is CaseOrigin.GENERATED for case in cases)
    inputs: list[Any] = [list(case.inputs) for case in cases]
    assert inputs[0] == DOCSTRING_INPUTS[example_id]  # the seed, first and kept
    right, wrong = RUST[example_id]
    faithful = run_rust(right, example, cases, tmp_path, "right")
    assert (faithful.passed, faithful.failed) == (len(cases), 0)
    caught = run_rust(wrong, example, cases[:1], tmp_path, "wrong_on_the_seed")
    assert caught.failed == 1


def test_a_programs_text_shows_its_invocations_argv_and_stdin() -> None:
    from single_shot_eval.casegen.seeds import shown_invocations

    text = '''"""Usage:
        echo '{"x": [-1, 0, 1]}' | python relu.py relu
        python relu.py --help
        $ relu.py stats --n 3 data.csv > out.txt
        python relu.py <command> [options]
        python relu.py sum '[1, 2]' FILE
        python other.py 1
        ./tools/relu.py "a b"
    """'''
    assert shown_invocations([text, "# python3 relu.py stats --n 3 data.csv"], "relu.py") == [
        (("relu",), '{"x": [-1, 0, 1]}\n'),
        (("stats", "--n", "3", "data.csv"), ""),
        (("a b",), ""),
    ]
    assert shown_invocations([text], "other.py") == [(("1",), "")]
    assert shown_invocations(["python relu.py 'unclosed"], "relu.py") == []
