"""The keys active on a screen, as the help screen and the command palette list them.

Why from ``screen.active_bindings``: that is exactly what Textual will do with a key press
now (the focused widget's bindings, then its ancestors', the screen's and the app's, with
``check_action`` applied), so help and palette can never offer a key that does nothing —
and a read-only console, whose ``check_action`` refuses changes, lists none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.screen import Screen

#: Bindings not worth listing (cursor movement is obvious; the palette lists itself).
SKIP_ACTIONS = frozenset({"command_palette"})


@dataclass(frozen=True)
class KeyEntry:
    keys: str  # "del / ctrl+d"
    title: str
    help: str
    action: str
    node: Any  # the DOM node the action runs on
    owner: str  # "app", the screen's or the widget's class name


def _display(app: App[Any], key: str, binding: Any) -> str:
    if binding.key_display:
        return str(binding.key_display)
    try:
        return str(app.get_key_display(binding))
    except Exception:
        return key


def active_keys(screen: Screen[Any]) -> list[KeyEntry]:
    """Enabled, described bindings of ``screen``, widget ones first, one entry per action.

    A widget's bindings count when they are shown in the footer or carry a tooltip; all of
    the app's (the command table) count."""
    app = screen.app
    seen: dict[tuple[int, str], list[str]] = {}
    rows: dict[tuple[int, str], tuple[Any, Any]] = {}
    for key, ab in screen.active_bindings.items():
        b = ab.binding
        if not ab.enabled or not b.description or b.action in SKIP_ACTIONS:
            continue
        if not isinstance(ab.node, App) and not (b.show or b.tooltip):
            continue  # a widget's cursor and scroll keys: obvious, and they bury the rest
        k = (id(ab.node), b.action)
        seen.setdefault(k, []).append(_display(app, key, b))
        rows.setdefault(k, (ab.node, b))
    out = []
    for k, (node, b) in rows.items():
        owner = "app" if isinstance(node, App) else type(node).__name__
        out.append(KeyEntry(" / ".join(dict.fromkeys(seen[k])), str(b.description),
                            str(b.tooltip or b.description), b.action, node, owner))
    out.sort(key=lambda e: (e.owner == "app", isinstance(e.node, Screen)))
    return out


__all__ = ["KeyEntry", "active_keys"]
