"""The shared pieces of case generation: `propose` merges sources, `select_covering` starts every
generator's choice, `round_robin` interleaves lists so a budget keeps some of each."""

from __future__ import annotations

from single_shot_eval.casegen.candidate_sources import (
    CaseSource,
    propose,
    round_robin,
    select_covering,
)


def test_propose_asks_applicable_sources_in_order_and_keeps_first_of_each_input() -> None:
    sources: tuple[CaseSource[int, int], ...] = (
        CaseSource("numbers", lambda n: n > 0, lambda n: [1, 2, 3][:n]),
        CaseSource("never", lambda _n: False, lambda _n: [99]),
        CaseSource("more", lambda _n: True, lambda _n: [3, 4, -5, 6]),
    )
    assert propose(sources, 3, key=abs, limit=10) == [1, 2, 3, 4, -5, 6]
    assert propose(sources, 3, key=abs, limit=4) == [1, 2, 3, 4]
    assert propose(sources, 0, key=abs, limit=10, keep=lambda n: n > 0) == [3, 4, 6]


def test_select_covering_keeps_the_always_kept_then_the_largest_gain_first() -> None:
    items = [
        ("seed", True, frozenset({1})),
        ("small", False, frozenset({1, 2})),
        ("big", False, frozenset({3, 4, 5})),
        ("same-as-big", False, frozenset({3, 4, 5})),
        ("nothing-new", False, frozenset({1, 3})),
        ("last", False, frozenset({6})),
    ]
    chosen, rest = select_covering(items, 4, always=lambda i: i[1], features=lambda i: i[2])
    # big adds 3 features; then small and last add one each: small is first of the best.
    assert [name for name, *_ in chosen] == ["seed", "big", "small", "last"]
    assert [name for name, *_ in rest] == ["same-as-big", "nothing-new"]
    # A smaller budget stops early; the always-kept are cut to the budget too.
    chosen, rest = select_covering(items, 2, always=lambda i: i[1], features=lambda i: i[2])
    assert [name for name, *_ in chosen] == ["seed", "big"]
    assert [name for name, *_ in rest] == ["small", "same-as-big", "nothing-new", "last"]
    chosen, _ = select_covering(items, 1, always=lambda _i: True, features=lambda i: i[2])
    assert [name for name, *_ in chosen] == ["seed"]


def test_select_covering_stops_when_nothing_adds_coverage() -> None:
    items = [("a", frozenset({1})), ("b", frozenset({1})), ("c", frozenset())]
    chosen, rest = select_covering(items, 10, always=lambda _i: False, features=lambda i: i[1])
    assert [name for name, _ in chosen] == ["a"]
    assert [name for name, _ in rest] == ["b", "c"]


def test_round_robin_takes_one_of_each_list_in_turn() -> None:
    assert round_robin([1, 2, 3], ["a"], [10, 20]) == [1, "a", 10, 2, 20, 3]
    assert round_robin() == []
    assert round_robin([], [5]) == [5]
