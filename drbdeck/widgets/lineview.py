"""Shared machinery of the Line-API views: Text -> Strip, cropping, blank lines.

Why: the resource list, the placement matrix and the log all paint rows as cached Strips
(tui.md §3: a Line-API widget is ~10× cheaper than DataTable for live data); the small
conversions they share live here once.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["crop", "set_virtual_size", "text_strip"]


def text_strip(
    text: Text, console: Console, base: Style | None = None, no_color: bool = False
) -> Strip:
    """Render a one-line Text to an uncropped Strip (newlines/overflow are not wrapped).

    ``no_color`` (the app's NO_COLOR): drop the Text's colours but keep bold/dim/reverse.
    Textual would otherwise turn them into greys by luminance, and dark red on a dark
    background is unreadable; the symbols and words carry the meaning anyway.
    """
    segments = [s for s in text.render(console) if s.text != "\n"]
    if no_color:
        segments = list(Segment.remove_color(segments))
    strip = Strip(segments, text.cell_len)
    if base is not None:
        strip = strip.apply_style(base)
    return strip


def crop(strip: Strip, scroll_x: int, width: int, y: int, base: Style | None) -> Strip:
    """The visible part of ``strip`` for a view scrolled to ``scroll_x``."""
    return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, y)


def blank(width: int, base: Style | None) -> Strip:
    return Strip([Segment(" " * width, base)], width)


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Set a Line-API view's virtual size without a screen-wide layout when none is due.

    Why: ``Widget.virtual_size`` is a ``layout=True`` reactive, so each change (a log line
    appended, a row expanding) re-arranged the *whole screen* (``Screen._refresh_layout``:
    ~27 % of the console's samples under bench_console). The view's own box does not
    change; only its scrollbars do. So the value is stored without the reactive's layout
    and the scrollbars are updated in place; only when a scrollbar appears or disappears
    (``show_*_scrollbar`` are ``layout=True`` reactives themselves) does Textual lay out.
    """
    if size == view.virtual_size:
        return
    if not view.is_mounted:
        view.virtual_size = size
        return
    view.set_reactive(Widget.virtual_size, size)
    if not view.container_size:  # hidden, never laid out: its first layout sizes it
        return
    # scrollbar visibility (may lay out), thumbs, scroll clamp; the caller repaints the
    # lines that changed (no full refresh here: the resource list repaints only those)
    view._scroll_update(size)
