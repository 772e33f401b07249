"""Progress and capacity bars as rich Text, with the figures written out.

Why Text and not a ProgressBar widget: the bars live inside Line-API rows (one Strip per
row, cached), and each must still read without colour — so the bar is drawn with two
different glyphs (full/empty) and followed by the numbers it stands for.
"""

from __future__ import annotations

import math

from rich.text import Text

from drbdeck.widgets.glyphs import STYLE, Glyphs, glyphs

__all__ = ["capacity_bar", "fmt_duration", "fmt_kib", "fmt_rate", "sync_bar"]

_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def fmt_kib(kib: float | None) -> str:
    """``1371956`` -> ``1.31 GiB``; ``None`` -> ``?``."""
    if kib is None or not math.isfinite(kib) or kib < 0:
        return "?"
    v = float(kib)
    for unit in _UNITS:
        if v < 1024 or unit == _UNITS[-1]:
            if unit == "KiB" or v >= 100:
                return f"{v:.0f} {unit}"
            return f"{v:.1f} {unit}" if v >= 10 else f"{v:.2f} {unit}"
        v /= 1024
    return "?"  # pragma: no cover


def fmt_rate(kib_s: float | None) -> str:
    """Speed in KiB/s as text: ``87603`` -> ``85.6 MiB/s``; ``None`` -> ``? /s``."""
    if kib_s is None or not math.isfinite(kib_s) or kib_s < 0:
        return "?/s"
    return f"{fmt_kib(kib_s)}/s"


def fmt_duration(seconds: float | None) -> str:
    """``75`` -> ``1:15``, ``3725`` -> ``1:02:05``, ``> 99 h`` -> ``>99h``; ``None`` -> ``?``."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = int(seconds + 0.5)
    if s >= 99 * 3600:
        return ">99h"
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _bar(fraction: float, width: int, g: Glyphs, done_style: str) -> Text:
    fraction = 0.0 if not math.isfinite(fraction) else min(1.0, max(0.0, fraction))
    full = int(fraction * width + 1e-9)
    t = Text()
    t.append(g.bar_full * full, done_style)
    t.append(g.bar_empty * (width - full), STYLE["bar_todo"])
    return t


def sync_bar(
    percent: float | None,
    speed_kib_s: float | None = None,
    eta_s: float | None = None,
    *,
    width: int = 10,
    paused: bool = False,
    g: Glyphs | None = None,
) -> Text:
    """``[█████░░░░░]  37.5%  85.6 MiB/s  ETA 0:10`` (or ``paused`` instead of speed/ETA).

    Unknown figures are written as ``?`` rather than left out, so the layout stays put and
    the operator sees that the figure is missing, not zero.
    """
    g = g or glyphs()
    width = max(1, width)
    pct = percent if percent is not None and math.isfinite(percent) else None
    t = Text("[")
    t.append_text(_bar((pct or 0.0) / 100.0, width, g, STYLE["bar_done"]))
    t.append("] ")
    t.append(f"{pct:5.1f}%" if pct is not None else "  ?.?%", "bold")
    if paused:
        t.append("  paused", STYLE["warn"])
    else:
        t.append(f"  {fmt_rate(speed_kib_s)}")
        t.append(f"  ETA {fmt_duration(eta_s)}")
    return t


def capacity_bar(
    used_kib: float | None,
    total_kib: float | None,
    *,
    width: int = 10,
    warn_at: float = 0.80,
    alert_at: float = 0.95,
    g: Glyphs | None = None,
) -> Text:
    """``[███████░░░]  70% 7.0 GiB/10 GiB`` with a ``!``/``~`` mark when nearly full.

    The mark is text as well as colour: ``FULL``-ish pools must be spotted in NO_COLOR.
    """
    g = g or glyphs()
    width = max(1, width)
    if used_kib is None or total_kib is None or total_kib <= 0:
        t = Text("[")
        t.append(g.bar_empty * width, STYLE["bar_todo"])
        t.append("]    ? ")
        t.append(f"{fmt_kib(used_kib)}/{fmt_kib(total_kib)}")
        return t
    frac = max(0.0, used_kib / total_kib)
    style, mark = STYLE["ok"], " "
    if frac >= alert_at:
        style, mark = STYLE["alert"], g.alert
    elif frac >= warn_at:
        style, mark = STYLE["warn"], g.warn
    t = Text("[")
    t.append_text(_bar(frac, width, g, style))
    t.append("] ")
    t.append(f"{mark}{frac * 100:3.0f}%", style)
    t.append(f" {fmt_kib(used_kib)}/{fmt_kib(total_kib)}")
    return t
