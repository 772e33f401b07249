"""LINSTOR's REST API v1 for drbdeck's controller (linstor.md §7).

Public API: ``create_app(ops, observed=, node_status=, events=)``, ``start(app, host, port)``
→ AppRunner, ``bound_port(runner)``, ``Broadcaster`` (events for ``/v1/events/drbd``).
"""

from __future__ import annotations

from drbdeck.backend.rest.app import bound_port, create_app, start
from drbdeck.backend.rest.events import Broadcaster

__all__ = ["Broadcaster", "bound_port", "create_app", "start"]
