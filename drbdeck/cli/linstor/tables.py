"""LINSTOR-style tables with rich: ``+---+`` frame, ``|===|`` under the header.

Cells are plain strings or ``(text, colour)`` pairs; colour is dropped with
``--no-color`` (and by rich itself when stdout is not a terminal). Tables are never
wrapped: a list is read by scripts too, so each row stays on one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: top border without column marks, '=' rule under the header, closed bottom
LINSTOR_BOX = box.Box(
    "+--+\n| ||\n|==|\n| ||\n|--|\n|--|\n| ||\n+--+\n",
    ascii=True,
)

Cell = str | tuple[str, str]


def make_console(file: object, no_color: bool, force_terminal: bool | None = None) -> Console:
    """A console that never wraps tables (``width`` large) and honours ``--no-color``;
    colours otherwise only on a terminal unless ``force_terminal``."""
    return Console(
        file=file,  # type: ignore[arg-type]
        no_color=no_color,
        force_terminal=force_terminal,
        width=100_000,
        highlight=False,
        emoji=False,
        soft_wrap=True,
    )


def render_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """Print one table; ``rows`` cells may carry a colour name."""
    table = Table(box=LINSTOR_BOX, show_edge=True, pad_edge=True, expand=False)
    for header in headers:
        table.add_column(header, no_wrap=True, overflow="ignore")
    for row in rows:
        table.add_row(*(_text(cell) for cell in row))
    console.print(table, crop=False)


def _text(cell: Cell) -> Text:
    if isinstance(cell, tuple):
        return Text(cell[0], style=cell[1])
    return Text(cell)
