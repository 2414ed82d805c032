"""Values of the domains an argument's name, help or a program's summary line names (a date, a
time, a Roman numeral, a cron line, an e-mail address...): typical ones and near misses, from
`casegen/data/domains.yaml`."""

from __future__ import annotations

import re

from single_shot_eval.casegen.program_vocabulary import add_unique
from single_shot_eval.casegen.tables import listed, table

_HINTED_VALUES = tuple((re.compile(pattern), list(listed("domains", pattern)))
                       for pattern in table("domains"))


def hinted_values(hint: str) -> list[str] | None:
    """Values for a string argument whose name or help says what it holds (a date, a time, a
    Roman numeral, a cron line...): those of every domain the hint names, the first first."""
    found: list[str] = []
    for pattern, values in _HINTED_VALUES:
        if pattern.search(hint):
            add_unique(found, *values)
    return found or None
