"""The `.res` file each node got for a resource: read over the node link, or rendered.

Why both: the file on the node is the truth (what ``drbdadm`` reads), so the drill-down
reads it first; when the node is unreachable (or the console is attached remotely and
cannot reach nodes) the controller's desired state is rendered with the same renderer the
reconciler uses, and the screen says which of the two it shows.
"""

from __future__ import annotations

import re
from typing import Any

from drbdeck.backend import resfile
from drbdeck.backend.runtime.desired_map import desired_resource

_SECRET = re.compile(r'(shared-secret\s+)("[^"]*"|\S+?)(\s*;)')


def redact(text: str) -> str:
    """The DRBD shared secret is a credential: never on screen (or in a screenshot)."""
    return _SECRET.sub(r'\1"‹redacted›"\3', text)


def rendered(model: Any, rsc: str, node: str) -> str:
    """The file the controller would write to ``node`` now; raises ValueError if none."""
    rd = model.rds.get(rsc)
    if rd is None:
        raise ValueError(f"no resource definition {rsc!r}")
    d = desired_resource(model, rd, node)
    if d is None:
        raise ValueError(f"{node} holds no renderable replica of {rsc}")
    return str(resfile.render(d.config, node))


async def fetch(backend: Any, rsc: str, node: str) -> tuple[str, str]:
    """``(origin, text)``: origin says "read from the node" or why it was rendered."""
    reader = getattr(backend, "read_res_file", None)
    why = "the console cannot read node files"
    if callable(reader):
        try:
            return "read from the node", redact(str(await reader(rsc, node)))
        except Exception as exc:
            why = str(exc)
    try:
        return (f"rendered from the desired state ({why})",
                redact(rendered(backend.model, rsc, node)))
    except Exception as exc:
        return "unavailable", f"{why}; cannot render either: {exc}"


__all__ = ["fetch", "rendered"]
