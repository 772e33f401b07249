"""RowOrder: repositioning a few rows gives exactly the order a full sort gives."""

from __future__ import annotations

import random

from rich.text import Text

from drbdeck.widgets.row_order import RowOrder, sort_key
from drbdeck.widgets.rowparts import Row


def _row(name: str, sev: int, height: int) -> Row:
    return Row(name, sev, [Text(name)] * height, [])


def test_reposition_matches_full_sort_under_random_changes() -> None:
    rng = random.Random(4)
    ro = RowOrder()
    ro.rows = {f"r{i:04d}": _row(f"r{i:04d}", 0, 1) for i in range(500)}
    ro.reorder()
    for step in range(300):
        moved = set()
        for _ in range(rng.randint(1, 5)):
            n = f"r{rng.randrange(520):04d}"
            if n in ro.rows and rng.random() < 0.1:
                del ro.rows[n]
            else:
                ro.rows[n] = _row(n, rng.choice((0, 0, 1, 2)), rng.choice((1, 1, 3)))
            moved.add(n)
        ro.problems_only = step % 50 > 40
        if step % 50 == 41 or step % 50 == 0:
            ro.reorder()
        else:
            ro.reposition(moved)
        shown = [r for r in ro.rows.values() if not ro.problems_only or r.severity]
        assert ro.order == [r.name for r in sorted(shown, key=sort_key)]
        assert ro.lines == sum(r.height for r in shown)
        # every line maps back to its row
        for name in ro.order[:5]:
            start = ro.start(name)
            assert start is not None and ro.locate(start) == (name, 0)
    assert ro.locate(-1) is None and ro.locate(ro.lines) is None
