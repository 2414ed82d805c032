"""Choosing examples by kind and Py2Rs level (`evaluate --kind/--levels`), and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from single_shot_eval.cli.evaluation import parse_levels
from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.corpus.loader import Corpus
from tests.conftest import run_cli

F, P = ExampleKind.FUNCTION, ExampleKind.PROGRAM


def _example(example_id: str, kind: ExampleKind, level: int) -> Example:
    return Example(
        id=example_id, kind=kind, python_source="pass\n", script_name=f"{example_id}.py",
        level=level,
    )


def test_a_selection_keeps_one_kind_at_the_given_levels_in_corpus_order() -> None:
    examples = (
        _example("p3a", P, 3), _example("f3a", F, 3), _example("f4a", F, 4),
        _example("f3b", F, 3), _example("f5a", F, 5), _example("p1a", P, 1),
    )
    corpus = Corpus(source=Path("."), examples=examples)
    assert parse_levels("3") == {3} and parse_levels("1, 4-5") == {1, 4, 5}
    assert [e.id for e in corpus.select(kind=F, levels=parse_levels("3"))] == ["f3a", "f3b"]
    assert [e.id for e in corpus.select(levels=parse_levels("3-4"))] == ["p3a", "f3a", "f4a", "f3b"]
    assert [e.id for e in corpus.select(kind=P)] == ["p3a", "p1a"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--levels", "2-x"), "error: --levels: '2-x' is not a level or a range like 1-3"),
        (("--levels", "4-2"), "error: --levels: '4-2' is not within 1-10 in increasing order"),
        (("--kind", "function", "--levels", "10"),
         "error: --kind/--levels: no example of the corpus is selected"),
    ],
)
def test_a_bad_selection_is_a_one_line_error(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_cli("evaluate", "--models", "reference", "--output", str(tmp_path), *args)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert not (tmp_path / "results.sqlite").exists()
