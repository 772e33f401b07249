"""Node-side reconciliation: make one node run what the controller wants (DESIGN.md).

``apply(link, desired, full_sync=...)`` reads the node, plans the difference
(:mod:`.plan`, pure) and applies it in a handful of batched round trips; ``NodeWorker``
runs it on demand and after every reconnect. Input records live in :mod:`.desired`.
"""

from __future__ import annotations

from drbdeck.backend.reconcile.apply import ApplyReport, ResourceReport, apply
from drbdeck.backend.reconcile.desired import (
    DesiredError,
    DesiredResource,
    DesiredVolume,
    NodeDesired,
    validate,
)
from drbdeck.backend.reconcile.plan import Plan, diff
from drbdeck.backend.reconcile.worker import NodeWorker

__all__ = [
    "ApplyReport",
    "DesiredError",
    "DesiredResource",
    "DesiredVolume",
    "NodeDesired",
    "NodeWorker",
    "Plan",
    "ResourceReport",
    "apply",
    "diff",
    "validate",
]
