"""bars (sync/capacity) and the symbol tables: text and symbols, not only colour."""

from __future__ import annotations

import dataclasses
import math

import pytest
from rich.cells import cell_len

from drbdeck.widgets.bars import capacity_bar, fmt_duration, fmt_kib, fmt_rate, sync_bar
from drbdeck.widgets.glyphs import ASCII, UNICODE, disk_glyph, glyphs, want_ascii


def test_sync_bar_text() -> None:
    t = sync_bar(37.5, 85.55 * 1024, 10, g=UNICODE)
    assert t.plain == "[███░░░░░░░]  37.5%  85.5 MiB/s  ETA 0:10"
    assert sync_bar(100.0, 1, 0, g=ASCII).plain.startswith("[##########] 100.0%")
    assert sync_bar(12.0, paused=True, g=ASCII).plain == "[#---------]  12.0%  paused"
    # unknown figures are written as "?" so the layout stays and nothing pretends zero
    assert sync_bar(None, None, None, g=ASCII).plain == "[----------]   ?.?%  ?/s  ETA ?"
    for odd in (float("nan"), float("inf"), -5.0, 250.0):
        assert sync_bar(odd, odd, odd, width=4, g=ASCII).plain.startswith("[")
    # colour is an extra: the styles are all from the 16 basic colours
    styles = {str(s.style) for s in sync_bar(50.0, g=UNICODE).spans}
    assert styles <= {"green", "dim", "bold", "bold yellow"}


def test_capacity_bar_marks_nearly_full_with_a_symbol() -> None:
    assert capacity_bar(5 * 1024**2, 10 * 1024**2, g=ASCII).plain == \
        "[#####-----]   50% 5.00 GiB/10.0 GiB"
    assert "~ 85%" in capacity_bar(85, 100, g=ASCII).plain
    assert "! 97%" in capacity_bar(97, 100, g=ASCII).plain
    assert capacity_bar(None, 100, g=ASCII).plain == "[----------]    ? ?/100 KiB"
    assert "?" in capacity_bar(1, 0, g=ASCII).plain


@pytest.mark.parametrize(("kib", "text"), [
    (0, "0 KiB"), (1023, "1023 KiB"), (1024, "1.00 MiB"), (12000, "11.7 MiB"),
    (1371956, "1.31 GiB"), (None, "?"), (-1, "?"), (math.nan, "?"),
])
def test_fmt_kib(kib: float | None, text: str) -> None:
    assert fmt_kib(kib) == text


def test_fmt_duration_and_rate() -> None:
    assert [fmt_duration(s) for s in (0, 59.6, 75, 3725, 400000, None, -1, math.inf)] == \
        ["0:00", "1:00", "1:15", "1:02:05", ">99h", "?", "?", "?"]
    assert fmt_rate(87603) == "85.5 MiB/s" and fmt_rate(None) == "?/s"


def test_symbol_sets() -> None:
    for f in dataclasses.fields(UNICODE):
        assert cell_len(getattr(UNICODE, f.name)) == 1, f.name  # no wide glyphs
        assert getattr(ASCII, f.name).isascii()
    # every disk state a row distinguishes has its own symbol
    states = ["UpToDate", "Diskless", "Inconsistent", "Outdated", "Consistent", "Failed",
              "DUnknown"]
    assert len({disk_glyph(UNICODE, s, True)[0] for s in states}) == len(states)
    assert disk_glyph(UNICODE, "Diskless", False)[1] == 2  # lost disk: alert
    assert disk_glyph(UNICODE, "Bogus")[0] == "?"


def test_ascii_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRBDECK_ASCII", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not want_ascii() and glyphs() is UNICODE
    monkeypatch.setenv("TERM", "linux")
    assert want_ascii()
    monkeypatch.setenv("DRBDECK_ASCII", "0")
    assert glyphs() is UNICODE
    monkeypatch.setenv("DRBDECK_ASCII", "1")
    assert glyphs() is ASCII and glyphs(ascii=False) is UNICODE
