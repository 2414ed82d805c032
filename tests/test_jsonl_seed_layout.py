"""JSONL corpora as a third party ships them: level names, unknown fields, bare or missing
annotations, script records, classes, `async def`, and records the harness cannot call.

The fixture records are written here to imitate that layout (never copied from a seed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from single_shot_eval.corpus.contract import ClassSignature, harness_target
from single_shot_eval.corpus.example import CaseOrigin, ExampleKind, FunctionCase
from single_shot_eval.corpus.jsonl import EMPTY_ARGV_CASE
from single_shot_eval.corpus.levels import level_from_name
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.errors import CorpusError
from single_shot_eval.verify.function_harness import function_requirements, render_test_module

RECORDS: list[dict[str, Any]] = [
    {
        "id": "negate",
        "python_code": "def negate(v: int) -> int:\n    return -v\n",
        "test_cases": [{"input": [4], "expected": -4}],
    },
    {
        "id": "greeting",
        "python_code": 'who = "crab"\nprint(f"hi {who}")\n',
        "test_cases": [],
        "level": "Hello",
        "notes": "L1 - a script, nothing to call",
    },
    {
        "id": "odd_items",
        "python_code": "def odd_items(values: list) -> list:\n"
        "    return [v for v in values if v % 2 == 1]\n",
        "test_cases": [{"input": [[1, 2, 3]], "expected": [1, 3]}],
        "level": "Collections",
    },
    {
        "id": "cube_table",
        "python_code": "def cube_table(n: int) -> dict:\n"
        "    return {k: k ** 3 for k in range(n)}\n",
        "test_cases": [{"input": [3], "expected": {"0": 0, "1": 1, "2": 8}}],
        "level": "Collections",
    },
    {
        "id": "halve_all",
        "python_code": "def halve_all(xs, scale=2):\n    return [x / scale for x in xs]\n",
        "test_cases": [{"input": [[4.0, 3.0]], "expected": [2.0, 1.5]}],
    },
    {
        "id": "shout",
        "python_code": "def shout(word):\n    return word.upper() + '!'\n",
        "test_cases": [],
        "level": "ErrorHandling",
    },
    {
        "id": "tally",
        "python_code": (
            "class Tally:\n"
            '    """Counts up and down."""\n'
            "    def __init__(self, start: int):\n"
            "        self.count = start\n"
            "\n"
            "    def add(self, amount: int):\n"
            "        self.count += amount\n"
            "\n"
            "    def reset(self):\n"
            "        self.count = 0\n"
            "\n"
            "    def total(self) -> int:\n"
            "        return self.count\n"
        ),
        "test_cases": [],
        "level": "OopTraits",
        "notes": "stateful class",
    },
    {
        "id": "vec2",
        "python_code": (
            "class Vec2:\n"
            "    def __init__(self, x: float, y: float):\n"
            "        self.x = x\n"
            "        self.y = y\n"
            "\n"
            "    def length(self) -> float:\n"
            "        return (self.x ** 2 + self.y ** 2) ** 0.5\n"
        ),
        "test_cases": [],
        "level": "OopTraits",
    },
    {
        "id": "celsius_box",
        "python_code": (
            "class Thermo:\n"
            "    def __init__(self, degrees: float):\n"
            "        self._degrees = degrees\n"
            "\n"
            "    @property\n"
            "    def degrees(self) -> float:\n"
            "        return self._degrees\n"
            "\n"
            "    @degrees.setter\n"
            "    def degrees(self, value: float):\n"
            "        self._degrees = value\n"
        ),
        "test_cases": [],
        "level": "Metaprogramming",
    },
    {
        "id": "wait_then_echo",
        "python_code": "import asyncio\n\nasync def echo(value: int, pause: float) -> int:\n"
        "    await asyncio.sleep(pause)\n    return value\n",
        "test_cases": [],
        "level": "Concurrency",
    },
    {
        "id": "apply_twice",
        "python_code": "def apply_twice(fn, x: int) -> int:\n    return fn(fn(x))\n",
        "test_cases": [],
        "level": "Metaprogramming",
        "notes": "takes a function",
    },
    {
        "id": "complex_norm",
        "python_code": "def norm(z: complex) -> float:\n    return abs(z)\n",
        "test_cases": [{"input": [1], "expected": 1.0}],
    },
]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.fixture
def seed_like(tmp_path: Path) -> dict[str, Any]:
    corpus = load_corpus(write_jsonl(tmp_path / "corpus.jsonl", RECORDS))
    return {example.id: example for example in corpus}


def test_every_record_loads_and_level_names_become_numbers(seed_like: dict[str, Any]) -> None:
    assert sorted(seed_like) == sorted(record["id"] for record in RECORDS)
    levels = {key: example.declared_level for key, example in seed_like.items()}
    assert levels["greeting"] == 1
    assert levels["odd_items"] == 4
    assert levels["shout"] == 6
    assert levels["tally"] == 7
    assert levels["wait_then_echo"] == 8
    assert levels["celsius_box"] == 10
    assert levels["negate"] is None


@pytest.mark.parametrize(
    ("name", "number"),
    [("Hello", 1), ("variables", 2), ("ControlFlow", 5), ("OopTraits", 7), ("OOP→Traits", 7),
     ("FfiUnsafe", 9), ("FFI/Unsafe", 9), ("L3", 3), ("10", 10)],
)
def test_level_names_map_onto_the_scale(name: str, number: int) -> None:
    assert level_from_name(name).number == number


def test_unknown_level_name_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{**RECORDS[0], "level": "Wizardry"}])
    with pytest.raises(CorpusError, match=r"bad.jsonl:1: level: unknown Py2Rs level name"):
        load_corpus(path)
    path = write_jsonl(tmp_path / "bad.jsonl", [{**RECORDS[0], "level": 11}])
    with pytest.raises(CorpusError, match=r"bad.jsonl:1: level: .*between 1 and 10, got 11"):
        load_corpus(path)


def test_unknown_fields_are_kept_as_metadata(seed_like: dict[str, Any]) -> None:
    assert dict(seed_like["greeting"].metadata) == {"notes": "L1 - a script, nothing to call"}
    assert dict(seed_like["apply_twice"].metadata) == {"notes": "takes a function"}
    assert seed_like["negate"].metadata == ()


def test_script_record_is_a_program_judged_on_the_empty_argv(seed_like: dict[str, Any]) -> None:
    script = seed_like["greeting"]
    assert script.kind is ExampleKind.PROGRAM
    assert script.script_name == "greeting.py"
    (case,) = script.cases
    assert (case.name, case.args, case.stdin) == (EMPTY_ARGV_CASE, (), "")
    assert case.origin is CaseOrigin.GENERATED
    assert script.has_behaviour_check


@pytest.mark.parametrize(
    ("example_id", "signature"),
    [
        ("odd_items", "pub fn odd_items(values: &[i64]) -> Vec<i64>"),
        ("cube_table", "pub fn cube_table(n: i64) -> HashMap<i64, i64>"),
        ("halve_all", "pub fn halve_all(xs: &[f64], scale: i64) -> Vec<f64>"),
        ("shout", "pub fn shout(word: &str) -> String"),
        ("wait_then_echo", "pub fn echo(value: i64, pause: f64) -> i64"),
    ],
)
def test_bare_and_missing_annotations_are_inferred(
    seed_like: dict[str, Any], example_id: str, signature: str
) -> None:
    example = seed_like[example_id]
    assert example.unjudgeable_reason is None
    text = function_requirements(
        example.python_source, example.entry_point, example.function_cases
    )
    assert f"\n{signature}\n" in text


def test_dict_keys_come_from_the_code_and_json_keys_convert(seed_like: dict[str, Any]) -> None:
    example = seed_like["cube_table"]
    module = render_test_module(example.python_source, "cube_table", example.function_cases)
    assert "::std::collections::HashMap::from([(0_i64, 0_i64), (1_i64, 1_i64), (2_i64, 8_i64)])" \
        in module


def test_async_def_prompt_asks_for_a_plain_fn(seed_like: dict[str, Any]) -> None:
    example = seed_like["wait_then_echo"]
    text = function_requirements(example.python_source, "echo", ())
    assert "`async def`: write a plain synchronous `fn`" in text


def test_class_records_give_the_rust_shape_the_harness_calls(seed_like: dict[str, Any]) -> None:
    tally = seed_like["tally"]
    assert tally.kind is ExampleKind.FUNCTION
    assert tally.entry_point == "Tally"
    text = function_requirements(tally.python_source, "Tally", ())
    assert "impl Tally {\n    pub fn new(start: i64) -> Tally;\n" in text
    assert "    pub fn add(&mut self, amount: i64);\n" in text
    assert "    pub fn reset(&mut self);\n" in text
    assert "    pub fn total(&self) -> i64;\n" in text
    thermo = harness_target(seed_like["celsius_box"].python_source, "Thermo")
    assert isinstance(thermo, ClassSignature)
    assert [m.rust() for m in thermo.methods] == [
        "pub fn degrees(&self) -> f64",
        "pub fn set_degrees(&mut self, value: f64)",
    ]
    vec2 = harness_target(seed_like["vec2"].python_source, "Vec2")
    assert isinstance(vec2, ClassSignature)
    assert [m.rust() for m in vec2.methods] == ["pub fn length(&self) -> f64"]


def test_class_cases_render_one_test_per_call_sequence(seed_like: dict[str, Any]) -> None:
    tally = seed_like["tally"]
    case = FunctionCase(([5], [["add", [-2]], ["total", []], ["reset", []], ["total", []]]),
                        [None, 3, None, 0])
    module = render_test_module(tally.python_source, "Tally", [case])
    assert "let mut object = super::Tally::new(5_i64);" in module
    assert "let actual_0 = object.add(-2_i64);" in module
    assert "let expected_1: i64 = 3_i64;" in module
    assert "let actual_3 = object.total();" in module


def test_records_that_cannot_be_judged_say_why(seed_like: dict[str, Any]) -> None:
    callable_record = seed_like["apply_twice"]
    assert callable_record.unjudgeable_reason == (
        "def apply_twice: parameter 'fn': is called as a function; the harness cannot pass a "
        "Python callable to Rust"
    )
    assert callable_record.function_cases == ()
    assert seed_like["complex_norm"].unjudgeable_reason.startswith(
        "def norm: parameter 'z': annotation `complex` is not supported"
    )
    judgeable = [e for e in seed_like.values() if e.unjudgeable_reason is None]
    assert len(judgeable) == len(RECORDS) - 2


def test_a_parameter_nothing_types_is_unjudgeable(tmp_path: Path) -> None:
    record = {"id": "ident", "python_code": "def ident(thing):\n    return thing\n"}
    (example,) = load_corpus(write_jsonl(tmp_path / "c.jsonl", [record]))
    assert example.unjudgeable_reason == (
        "def ident: parameter 'thing': cannot infer the type: no annotation, no test value, "
        "and the code does not say (annotate it)"
    )


def test_the_prompt_states_the_shape_the_harness_calls(seed_like: dict[str, Any]) -> None:
    from single_shot_eval.run.prompt import requirements_for

    assert "pub fn new(start: i64) -> Tally;" in requirements_for(seed_like["tally"])
    assert "pub fn odd_items(values: &[i64]) -> Vec<i64>" in requirements_for(
        seed_like["odd_items"]
    )
    assert "plain synchronous `fn`" in requirements_for(seed_like["wait_then_echo"])
    assert "plain synchronous" not in requirements_for(seed_like["negate"])


@pytest.mark.slow
def test_evaluate_leaves_out_records_nothing_can_judge(tmp_path: Path) -> None:
    # A record whose parameter is a Python callable has no Rust signature to ask for: the run
    # must go on without it (named in a warning and in the store), not stop at its prompt.
    from single_shot_eval.config import load_tasks
    from single_shot_eval.models.registry import ModelConfig
    from single_shot_eval.results.store import ResultStore
    from single_shot_eval.run.evaluate import RunOptions, evaluate

    answer = "```rust\npub fn negate(v: i64) -> i64 { -v }\n```\n"
    model = ModelConfig.model_validate({
        "id": "echo-negate", "backend": "command",
        "command": [sys.executable, "-c", f"import sys; sys.stdin.read(); print({answer!r})"],
    })
    records = [r for r in RECORDS if r["id"] in {"negate", "apply_twice"}]
    corpus = load_corpus(write_jsonl(tmp_path / "corpus.jsonl", records))
    warnings: list[str] = []
    outcome = evaluate(
        load_tasks(None), [model], corpus,
        RunOptions(output=tmp_path / "out", runs=1, controls=False),
        on_warning=warnings.append,
    )
    assert any(line.startswith("apply_twice: left out, nothing can judge it") for line in warnings)
    with ResultStore(outcome.store_path, create=False) as store:
        samples = list(store.iter_samples())
        assert "apply_twice" in json.loads(store.get_meta("unjudgeable_examples") or "{}")
    assert [(s.example_id, s.verdict.value) for s in samples] == [("negate", "pass")]
