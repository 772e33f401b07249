"""The node layer: one kept-alive SSH connection per node (agentless; DESIGN.md).

Public API: ``NodeEndpoint``, ``NodeLink``, ``LinkPool``, ``LinkStatus``/``LinkState``,
``CommandResult``, ``CommandLog``/``CommandLogEntry``, ``HostKeyStore``,
``fetch_host_key`` and the errors in ``errors``.
"""

from __future__ import annotations

from drbdeck.backend.satellite.command import CommandResult, validate_argv
from drbdeck.backend.satellite.commandlog import CommandLog, CommandLogEntry
from drbdeck.backend.satellite.endpoint import NodeEndpoint, validate_node_name
from drbdeck.backend.satellite.errors import (
    CommandFailed,
    CommandTimeout,
    HostKeyError,
    HostKeyStoreError,
    InvalidArgument,
    NodeOffline,
    RemoteFileError,
    SatelliteError,
    UnknownNode,
)
from drbdeck.backend.satellite.hostkeys import HostKeyStore, fetch_host_key, fingerprint
from drbdeck.backend.satellite.link import EVENTS2_ARGV, NodeLink
from drbdeck.backend.satellite.pool import LinkPool
from drbdeck.backend.satellite.status import LinkState, LinkStatus
from drbdeck.backend.satellite.stream import LinkStream

__all__ = [
    "EVENTS2_ARGV",
    "CommandFailed",
    "CommandLog",
    "CommandLogEntry",
    "CommandResult",
    "CommandTimeout",
    "HostKeyError",
    "HostKeyStore",
    "HostKeyStoreError",
    "InvalidArgument",
    "LinkPool",
    "LinkState",
    "LinkStatus",
    "LinkStream",
    "NodeEndpoint",
    "NodeLink",
    "NodeOffline",
    "RemoteFileError",
    "SatelliteError",
    "UnknownNode",
    "fetch_host_key",
    "fingerprint",
    "validate_argv",
    "validate_node_name",
]
