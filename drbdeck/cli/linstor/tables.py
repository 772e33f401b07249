"""LINSTOR-style tables: ``+---+`` frame, ``|===|`` under the header.

Layout is done here, not by ``rich.table``: rich needs ~16 s for ``r l`` with 30,000
rows, and the target for that whole CLI run is 1 s. The rich :class:`Console` still
decides whether colour is wanted (terminal detection, ``--no-color``, ``NO_COLOR``) and
rich styles produce the escape codes. Cells are plain strings or ``(text, colour)``.
Tables are never wrapped: lists are read by scripts too, so a row stays on one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rich.console import Console
from rich.style import Style

Cell = str | tuple[str, str]


def make_console(file: object, no_color: bool, force_terminal: bool | None = None) -> Console:
    """The output console; colours only on a terminal (or ``force_terminal``), never with
    ``no_color``. Width is huge so that nothing printed through it wraps."""
    return Console(
        file=file,  # type: ignore[arg-type]
        no_color=no_color,
        force_terminal=force_terminal,
        width=100_000,
        highlight=False,
        emoji=False,
        soft_wrap=True,
    )


@lru_cache(maxsize=32)
def _paint(colour: str, system: object) -> tuple[str, str]:
    """(prefix, suffix) escape codes of a colour for the console's colour system."""
    marked = Style.parse(colour).render("\0", color_system=system)  # type: ignore[arg-type]
    prefix, _, suffix = marked.partition("\0")
    return prefix, suffix


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[Cell]], colour_system: object = None
) -> str:
    """The table as text; ``colour_system`` None means no escape codes."""
    texts = [[c if isinstance(c, str) else c[0] for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in texts:
        for i, text in enumerate(row):
            if len(text) > widths[i]:
                widths[i] = len(text)
    inner = sum(widths) + 3 * len(widths) - 1
    rule = "+" + "-" * inner + "+"
    lines = [rule, _line(headers, widths), "|" + "=" * inner + "|"]
    if colour_system is None:
        lines += ["| " + " | ".join(map(str.ljust, row, widths)) + " |" for row in texts]
    else:
        lines += [_coloured(row, text_row, widths, colour_system) for row, text_row in
                  zip(rows, texts, strict=True)]  # fmt: skip
    lines.append(rule)
    return "\n".join(lines) + "\n"


def _coloured(
    row: Sequence[Cell], texts: Sequence[str], widths: Sequence[int], system: object
) -> str:
    cells = []
    for cell, text, width in zip(row, texts, widths, strict=True):
        pad = " " * (width - len(text))
        if not isinstance(cell, str) and cell[1]:
            prefix, suffix = _paint(cell[1], system)
            text = prefix + text + suffix
        cells.append(f" {text}{pad} ")
    return "|" + "|".join(cells) + "|"


def _line(texts: Sequence[str], widths: Sequence[int]) -> str:
    return "|" + "|".join(f" {t:<{w}} " for t, w in zip(texts, widths, strict=True)) + "|"


def render_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """Print one table on ``console`` (colours as the console allows)."""
    system = None if console.no_color else console._color_system
    console.file.write(format_table(headers, rows, system))
