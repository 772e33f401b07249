"""The REST app of a running controller: LINSTOR's API over a ``ControllerRuntime``.

Why one function: the daemon, the console's in-process controller and the demo all serve
the same API over a runtime — the facade, observed state joined to resources, node
connection status, and the event stream fed from the nodes' DRBD states. Wiring it in one
place keeps the three from drifting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from drbdeck.backend.rest.app import create_app
from drbdeck.backend.rest.events import Broadcaster
from drbdeck.backend.rest.feed import EventFeed

if TYPE_CHECKING:
    from drbdeck.backend.runtime.runtime import ControllerRuntime


def runtime_app(rt: ControllerRuntime) -> tuple[web.Application, EventFeed]:
    """The app and its event feed; ``feed.sync()`` once the runtime started, and
    ``feed.close()`` when done."""
    events = Broadcaster()
    feed = EventFeed(rt, events)
    rt.ops.on_change.append(feed.sync)
    app = create_app(rt.ops, observed=rt.observe, node_status=rt.node_status, events=events)
    return app, feed


__all__ = ["runtime_app"]
