from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from single_shot_eval.corpus.example import ExampleKind
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.errors import ConfigError, CorpusError

SCRIPT = "import sys\nprint(int(sys.argv[1]) * 2)\n"


def make_example(root: Path, name: str = "double", script: str = SCRIPT) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / f"{name}.py").write_text(script)
    (folder / "cases.yaml").write_text("cases:\n  - args: ['2']\n  - name: big\n    args: [21]\n")
    return folder


def test_bundled_corpus_meets_the_coverage_contract(bundled_corpus: Corpus) -> None:
    programs = [e for e in bundled_corpus if e.kind is ExampleKind.PROGRAM]
    functions = [e for e in bundled_corpus if e.kind is ExampleKind.FUNCTION]
    assert len(programs) >= 40
    assert len(functions) >= 20
    assert all(len(e.cases) >= 5 for e in programs)
    assert all(e.reference_rust for e in bundled_corpus)
    assert sum(e.mutant_rust is not None for e in bundled_corpus) >= 10
    levels = Counter(e.level for e in bundled_corpus)
    for level in range(1, 9):
        assert levels[level] >= 3, f"L{level} has {levels[level]} examples"
    assert levels[9] >= 2 and levels[10] >= 2
    assert [e.id for e in bundled_corpus] == sorted(e.id for e in bundled_corpus)


def test_directory_example_with_cases_and_meta(tmp_path: Path) -> None:
    folder = make_example(tmp_path)
    (folder / "meta.yaml").write_text("description: doubles\nlevel: 2\ntags: [math]\n")
    (folder / "reference.rs").write_text("fn main() {}\n")
    corpus = load_corpus(tmp_path)
    (example,) = corpus.examples
    assert example.id == "double"
    assert example.cases[0].args == ("2",) and example.cases[1].args == ("21",)
    assert example.cases[1].name == "big" and example.cases[0].name == "case_0"
    assert example.declared_level == 2 and example.level == 2
    assert example.reference_rust == "fn main() {}\n"
    assert example.has_behaviour_check


def test_third_party_layout_script_plus_pytest_only(tmp_path: Path) -> None:
    folder = tmp_path / "example_foo"
    folder.mkdir()
    (folder / "foo.py").write_text(SCRIPT)
    (folder / "test_foo.py").write_text(
        "import subprocess\n\n"
        "def test_x():\n"
        "    out = subprocess.run(['python3', 'foo.py', '2'], capture_output=True, text=True)\n"
        "    assert out.stdout == '4\\n'\n"
    )
    (example,) = load_corpus(tmp_path).examples
    assert example.id == "example_foo"
    assert example.script_name == "foo.py"
    assert example.pytest_path == folder / "test_foo.py"
    assert example.cases == ()
    assert example.has_behaviour_check


def test_script_alone_is_compile_only(tmp_path: Path) -> None:
    folder = tmp_path / "lonely"
    folder.mkdir()
    (folder / "lonely.py").write_text(SCRIPT)
    (example,) = load_corpus(tmp_path).examples
    assert not example.has_behaviour_check


def test_jsonl_seed_format(tmp_path: Path) -> None:
    record = {
        "id": "add",
        "python_code": "def add(a: int, b: int) -> int:\n    return a + b\n",
        "test_cases": [{"input": [1, 2], "expected": 3}],
    }
    path = tmp_path / "fns.jsonl"
    path.write_text(json.dumps(record) + "\n\n")
    (example,) = load_corpus(path).examples
    assert example.kind is ExampleKind.FUNCTION
    assert example.entry_point == "add"
    assert example.function_cases[0].inputs == (1, 2)
    assert example.function_cases[0].expected == 3


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda root: None, "corpus is empty"),
        (lambda root: make_example(root, script="def broken(:\n"), "double.py:1: Python syntax error"),
        (
            lambda root: (make_example(root) / "double.py").write_bytes(b"print('\xff')\n"),
            "double.py: not valid UTF-8",
        ),
        (
            lambda root: (make_example(root) / "cases.yaml").write_text("cases:\n  - argz: [1]\n"),
            "cases.yaml:2: cases.0.argz: unknown key",
        ),
        (
            lambda root: (make_example(root) / "cases.yaml").write_text("cases: [\n"),
            "cases.yaml:2: invalid YAML",
        ),
        (
            lambda root: (make_example(root) / "meta.yaml").write_text("level: 11\n"),
            "meta.yaml:1: level: Input should be less than or equal to 10",
        ),
        (
            lambda root: (make_example(root) / "other.py").write_text("x = 1\n"),
            "expected exactly one Python script, found double.py, other.py",
        ),
    ],
)
def test_bad_corpus_input(tmp_path: Path, setup: object, message: str) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    setup(root)  # type: ignore[operator]
    with pytest.raises(ConfigError) as info:
        load_corpus(root)
    assert message in str(info.value)


def test_missing_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus path does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_duplicate_ids(tmp_path: Path) -> None:
    make_example(tmp_path / "a")
    make_example(tmp_path / "b")
    with pytest.raises(CorpusError, match="duplicate example id 'double'"):
        load_corpus(tmp_path)


def test_bad_jsonl_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": "a", "python_code": "def f() -> int:\\n    return 1"}\nnot json\n')
    with pytest.raises(CorpusError, match=r"f.jsonl:2: invalid JSON"):
        load_corpus(path)
    path.write_text('{"id": "a", "python_code": "def f(:"}\n')
    with pytest.raises(CorpusError, match=r"f.jsonl:1: python_code of 'a' has a syntax error"):
        load_corpus(path)
    path.write_text('{"id": "a", "code": "x = 1"}\n')
    with pytest.raises(CorpusError, match=r"f.jsonl:1: python_code: Field required"):
        load_corpus(path)
    # A top-level script is a program example now (tests/test_jsonl_seed_layout.py); a
    # malformed test case is still an error naming the field.
    path.write_text(
        '{"id": "a", "python_code": "def f() -> int:\\n    return 1",'
        ' "test_cases": [{"inputs": [], "expected": 1}]}\n'
    )
    with pytest.raises(CorpusError, match=r"f.jsonl:1: test_cases.0.input: Field required"):
        load_corpus(path)
    path.write_text('{"id": "a", "code": "x = 1"}\n')
    with pytest.raises(CorpusError, match=r"f.jsonl:1: python_code: Field required"):
        load_corpus(path)
