"""Terminal tables that fit the console without cutting a figure.

Rich shrinks a table that is wider than the console by wrapping or eliding cells (`34–6…`,
`$0.0…`), which on an 80-column pipe or CI log leaves figures unreadable. A `FittedTable` never
lets a figure column shrink below its widest cell: when all columns do not fit side by side,
the figure columns are split into several tables, each repeating the key column (the model),
in the order given. Only the key column may wrap (a very long model id), and only when even one
figure column next to it would not fit otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Justify = Literal["left", "right", "center"]
UNBOUNDED_CELLS = 10_000
MAX_KEY_CELLS = 28
"""A longer key (model id) wraps rather than push every figure column into parts of its own."""


def _cells(markup: str) -> int:
    """Terminal cells `markup` takes once rendered (rich reads table cells as markup)."""
    return Text.from_markup(markup).cell_len


@dataclass
class FittedTable:
    """A table of one key column and figure columns, printed in as many parts as it takes."""

    key_header: str
    headers: Sequence[str]
    justify: Sequence[Justify] = ()
    caption: str = ""
    title: str = ""
    rows: list[tuple[str, Sequence[str]]] = field(default_factory=list)

    def add_row(self, key: str, *cells: str) -> None:
        if len(cells) != len(self.headers):
            raise ValueError(f"row {key!r} has {len(cells)} cells for {len(self.headers)} columns")
        self.rows.append((key, cells))

    def _width(self, column: int) -> int:
        cells = [self.headers[column], *(cells[column] for _, cells in self.rows)]
        return max(_cells(line) for c in cells for line in c.splitlines() or [""])

    def _table(self, group: Sequence[int], title: str | None = None) -> Table:
        table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
        key_width = min(MAX_KEY_CELLS, max(
            _cells(line) for k in [self.key_header, *(k for k, _ in self.rows)]
            for line in k.splitlines() or [""]
        ))
        table.add_column(
            self.key_header, overflow="fold", min_width=key_width, max_width=MAX_KEY_CELLS
        )
        for column in group:
            justify = self.justify[column] if column < len(self.justify) else "right"
            table.add_column(
                self.headers[column], justify=justify, no_wrap=True,
                min_width=self._width(column),
            )
        for key, cells in self.rows:
            table.add_row(key, *(cells[c] for c in group))
        return table

    def column_groups(self, console: Console) -> list[list[int]]:
        """Indices of the figure columns of each part: as many as fit the console's width
        side by side (as rich measures the table), in the order given."""
        groups: list[list[int]] = [[]]
        unbounded = console.options.update_width(UNBOUNDED_CELLS)
        for column in range(len(self.headers)):
            widened = [*groups[-1], column]
            natural = Measurement.get(console, unbounded, self._table(widened)).maximum
            if groups[-1] and natural > console.width:
                groups.append([column])
            else:
                groups[-1] = widened
        return groups

    def render(self, console: Console) -> None:
        """The parts one after another, then the caption wrapped at the console's width."""
        for number, group in enumerate(self.column_groups(console)):
            console.print(self._table(group, self.title if number == 0 and self.title else None))
        if self.caption:
            console.print(self.caption)
