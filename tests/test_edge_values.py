"""The one edge-value table: typed values for functions, argv text for programs."""

from __future__ import annotations

import math

import pytest

from single_shot_eval.casegen import tables
from single_shot_eval.casegen.tables import listed


def test_both_sides_of_the_edge_table_are_read_with_their_types() -> None:
    ints = listed("edge_values", "function.int", int)
    floats = listed("edge_values", "function.float", float)
    assert 0 in ints and -1 in ints and 2147483647 in ints
    assert any(math.isnan(v) for v in floats) and math.inf in floats
    # the program side is text: the same number is written as an argument would be typed
    assert "1_000" in listed("edge_values", "program.int") and "nan" in listed("edge_values", "program.float")
    assert all(isinstance(v, str) for v in listed("edge_values", "program.tokens"))


def test_an_edge_value_of_the_wrong_type_names_the_table_and_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = {"function": {"int": [1, "2"]}}
    monkeypatch.setattr(tables, "table", lambda name: bad)
    with pytest.raises(ValueError, match=r"edge_values\.yaml: function\.int must be"):
        listed("edge_values", "function.int", int)
