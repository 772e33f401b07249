"""LINSTOR's auto-placement as a pure function (linstor.md §5).

``place(rsc_name, request, pools, deployed, placements)`` returns a
PlacementResult or raises NotEnoughNodes / PlacementInputError.
"""

from __future__ import annotations

from drbdeck.backend.placement.model import (
    FAIL_NOT_ENOUGH_NODES,
    WARN_RSC_ALREADY_DEPLOYED,
    Deployed,
    NotEnoughNodes,
    PlacementInputError,
    PlacementResult,
    PlaceRequest,
    PlaceWarning,
    PoolCandidate,
    Weights,
)
from drbdeck.backend.placement.place import place

__all__ = [
    "FAIL_NOT_ENOUGH_NODES",
    "WARN_RSC_ALREADY_DEPLOYED",
    "Deployed",
    "NotEnoughNodes",
    "PlaceRequest",
    "PlaceWarning",
    "PlacementInputError",
    "PlacementResult",
    "PoolCandidate",
    "Weights",
    "place",
]
