"""The translation contract is resolved once, when the corpus is loaded, and kept on `Example`:
the prompt and the harness read it instead of parsing the source again; it travels with the
example to workers; an example given other cases is resolved again with `with_contract`."""

from __future__ import annotations

import json
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from single_shot_eval.corpus.contract import FunctionSignature, with_contract
from single_shot_eval.corpus.contract import literals as contract_literals
from single_shot_eval.corpus.example import Example, ExampleKind, FunctionCase
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.run.prompt import requirements_for
from single_shot_eval.verify.function_harness import render_target_cases

RECORDS = [
    {
        "id": "odd_items",
        "python_code": "def odd_items(values: list) -> list:\n"
        "    return [v for v in values if v % 2 == 1]\n",
        "test_cases": [{"input": [[1, 2, 3]], "expected": [1, 3]}],
    },
    {"id": "greeting", "python_code": 'print("hi")\n', "test_cases": []},
]


def _load(tmp_path: Path) -> dict[str, Example]:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return {example.id: example for example in load_corpus(path)}


def test_loading_resolves_the_contract_and_readers_do_not_parse_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = _load(tmp_path)
    odd = examples["odd_items"]
    assert odd.contract is not None  # resolved by the loader, kept on the instance

    def no_parsing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the contract was parsed again")

    monkeypatch.setattr(contract_literals, "harness_target", no_parsing)
    assert "pub fn odd_items(values: &[i64]) -> Vec<i64>" in requirements_for(odd)
    assert odd.contract is not None
    module = render_target_cases(odd.contract, odd.function_cases)
    assert "let actual = super::odd_items(&[1_i64, 2_i64, 3_i64]);" in module
    assert "let expected: ::std::vec::Vec<i64> = ::std::vec![1_i64, 3_i64];" in module


def test_a_program_has_no_contract(tmp_path: Path) -> None:
    greeting = _load(tmp_path)["greeting"]
    assert greeting.kind is ExampleKind.PROGRAM
    assert greeting.contract is None
    assert hash(greeting) == hash(replace(greeting))  # the contract is no part of the hash


def test_the_contract_travels_with_a_pickled_example_and_leaves_equality_alone(
    tmp_path: Path,
) -> None:
    odd = _load(tmp_path)["odd_items"]
    copy = pickle.loads(pickle.dumps(odd))
    assert copy.contract is not None  # a worker does not resolve it again
    assert copy.contract == odd.contract
    assert copy == odd
    unresolved = replace(odd, contract=None)  # the contract follows from the other fields
    assert unresolved == odd


def test_other_cases_give_their_own_contract(tmp_path: Path) -> None:
    odd = _load(tmp_path)["odd_items"]
    floats = with_contract(replace(odd, function_cases=(FunctionCase(([1.5, 3.0],), [1.5]),)))
    assert isinstance(odd.contract, FunctionSignature)
    assert isinstance(floats.contract, FunctionSignature)
    assert odd.contract.rust() == "pub fn odd_items(values: &[i64]) -> Vec<i64>"
    assert floats.contract.rust() == "pub fn odd_items(values: &[f64]) -> Vec<f64>"


def test_a_hand_built_example_is_resolved_by_with_contract() -> None:
    example = Example(
        id="double", kind=ExampleKind.FUNCTION, script_name="double.py",
        python_source="def double(n: int) -> int:\n    return 2 * n\n", entry_point="double",
    )
    assert example.contract is None
    example = with_contract(example)
    assert isinstance(example.contract, FunctionSignature)
    assert example.contract.rust() == "pub fn double(n: i64) -> i64"


def test_an_entry_point_without_a_rust_form_has_no_contract() -> None:
    example = Example(
        id="norm", kind=ExampleKind.FUNCTION, script_name="norm.py",
        python_source="def norm(z: complex) -> float:\n    return abs(z)\n", entry_point="norm",
    )
    assert with_contract(example).contract is None  # the loader marks it unjudgeable
