"""A node link's connection status, as the controller and the console see it.

Mirrors LINSTOR's node connection states where they fit (reference/linstor.md §8) and adds
the host-key states an agentless SSH design needs: those stop the link until the operator
acts, because retrying cannot fix them and retrying against a changed key is exactly what
an attacker would want.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum


class LinkStatus(StrEnum):
    STOPPED = "STOPPED"  # not started, or stopped by the controller
    CONNECTING = "CONNECTING"
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"  # unreachable or lost; retried with backoff
    UNKNOWN_HOST_KEY = "UNKNOWN_HOST_KEY"  # no pinned key: waits for accept_host_key()
    HOST_KEY_MISMATCH = "HOST_KEY_MISMATCH"  # key changed: waits for accept_host_key()
    AUTH_FAILED = "AUTH_FAILED"  # key not authorised; retried with backoff


#: States that wait for the operator instead of retrying.
OPERATOR_STATES = frozenset({LinkStatus.UNKNOWN_HOST_KEY, LinkStatus.HOST_KEY_MISMATCH})


@dataclass(frozen=True)
class LinkState:
    """A snapshot of one link's status; a new object on every change."""

    status: LinkStatus
    since: float = field(default_factory=time.time)
    error: str = ""  # the last connect/connection error, for OFFLINE and AUTH_FAILED
    attempts: int = 0  # failed connect attempts since the last success
    offered_fingerprint: str = ""  # the key the node offers (UNKNOWN_HOST_KEY/MISMATCH)
    pinned_fingerprint: str = ""  # the key drbdeck trusts for this node
    next_retry: float | None = None  # wall-clock time of the next connect attempt
