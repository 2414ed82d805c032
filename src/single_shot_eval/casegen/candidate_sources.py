"""Where candidate inputs come from: one interface, sources registered in a list, one merge.

A source is one idea for inputs (the example's own calls, edge values, mutations around the
seeds, random draws, an argparse parser's options). Each generator lists its sources in the
order their candidates should be tried; `propose` asks every source that applies, in order,
and keeps the first of each distinct input up to the generator's cap. A new idea for inputs is
one new entry in a list, not an edit in the middle of a generator.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Context = TypeVar("Context")
Input = TypeVar("Input")


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
