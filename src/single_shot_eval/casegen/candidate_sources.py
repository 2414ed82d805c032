"""Where candidate inputs come from: one interface, sources registered in a list, one merge.

A source is one idea for inputs (the example's own calls, edge values, mutations around the
seeds, random draws, an argparse parser's options). Each generator lists its sources in the
order their candidates should be tried; `propose` asks every source that applies, in order,
and keeps the first of each distinct input up to the generator's cap. A new idea for inputs is
one new entry in a list, not an edit in the middle of a generator. Once the oracle has run
them, `select_covering` is the first step of every generator's choice: the inputs that are
always kept, then greedy coverage.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Context = TypeVar("Context")
Input = TypeVar("Input")
Item = TypeVar("Item")


@dataclass(frozen=True)
class CaseSource(Generic[Context, Input]):
    """One way of proposing inputs: `candidates(context)`, best first, for the examples whose
    context it `applies` to."""

    name: str
    applies: Callable[[Context], bool]
    candidates: Callable[[Context], Iterable[Input]]


def propose(
    sources: Sequence[CaseSource[Context, Input]],
    context: Context,
    *,
    key: Callable[[Input], Hashable],
    limit: int,
    keep: Callable[[Input], bool] = lambda _item: True,
) -> list[Input]:
    """The candidates of every applicable source, in source order: the first of each distinct
    `key`, only those `keep` accepts, at most `limit`."""
    seen: set[Hashable] = set()
    found: list[Input] = []
    for source in (s for s in sources if s.applies(context)):
        for item in source.candidates(context):
            identity = key(item)
            if identity not in seen and keep(item):
                seen.add(identity)
                found.append(item)
                if len(found) >= limit:
                    return found
    return found


def select_covering(
    items: Sequence[Item],
    budget: int,
    *,
    always: Callable[[Item], bool],
    features: Callable[[Item], frozenset[Hashable]],
) -> tuple[list[Item], list[Item]]:
    """The items `always` keeps (up to `budget`), then greedily the one adding the most unseen
    `features` (lines and branches it runs; the first of the best), until the budget is spent or
    nothing adds any. Returns the chosen items and the others, both in their given order."""
    chosen = [item for item in items if always(item)][:budget]
    covered: set[Hashable] = set().union(*(features(item) for item in chosen))
    rest = [item for item in items if not always(item)]
    units = [features(item) for item in rest]
    used = [False] * len(rest)
    while len(chosen) < budget:
        gains = [0 if used[i] else len(unit - covered) for i, unit in enumerate(units)]
        best = max(range(len(rest)), key=gains.__getitem__, default=-1)
        if best < 0 or gains[best] == 0:
            break
        used[best] = True
        covered |= units[best]
        chosen.append(rest[best])
    return chosen, [item for item, taken in zip(rest, used, strict=True) if not taken]


def round_robin(*lists: Sequence[Item]) -> list[Item]:
    """The first item of every list, then the second of each, and so on: a budget cut anywhere
    keeps some of every list."""
    return [items[i] for i in range(max(map(len, lists), default=0)) for items in lists
            if i < len(items)]
