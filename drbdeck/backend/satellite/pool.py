"""LinkPool: every node's link, with a bound on simultaneous SSH handshakes.

Handshakes are CPU-bound on the controller and sshd drops unauthenticated connections
beyond ``MaxStartups`` (10 by default), so starting 100 nodes at once must not open 100
handshakes at once: one semaphore (``[ssh] max_concurrent_connects``) gates every
connect attempt of every link, including reconnects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from drbdeck.backend.satellite.commandlog import CommandLog
from drbdeck.backend.satellite.endpoint import NodeEndpoint
from drbdeck.backend.satellite.errors import InvalidArgument, UnknownNode
from drbdeck.backend.satellite.hostkeys import HostKeyStore
from drbdeck.backend.satellite.link import NodeLink
from drbdeck.backend.satellite.status import LinkStatus
from drbdeck.config import SshConfig


class LinkPool:
    """Owns the NodeLinks of one controller; one shared command log and host-key store."""

    def __init__(
        self,
        config: SshConfig | None = None,
        *,
        command_log: CommandLog | None = None,
        hostkeys: HostKeyStore | None = None,
    ) -> None:
        self.config = config or SshConfig()
        limit = self.config.max_concurrent_connects
        if limit < 1:
            raise InvalidArgument(f"[ssh] max_concurrent_connects must be at least 1, got {limit}")
        self.command_log = command_log if command_log is not None else CommandLog()
        self._hostkeys: dict[str, HostKeyStore] = {}
        if hostkeys is not None:
            self._hostkeys[str(self.config.known_hosts_path())] = hostkeys
        self.connect_gate = asyncio.Semaphore(limit)
        self._links: dict[str, NodeLink] = {}

    def _store(self, path: str) -> HostKeyStore:
        if path not in self._hostkeys:
            self._hostkeys[path] = HostKeyStore(path)
        return self._hostkeys[path]

    def add(self, endpoint: NodeEndpoint) -> NodeLink:
        """Create (not start) the link for ``endpoint``; node names are unique."""
        if endpoint.name in self._links:
            raise InvalidArgument(f"node {endpoint.name!r} is already in the pool")
        resolved = endpoint.resolve(self.config)
        assert resolved.known_hosts is not None
        link = NodeLink(
            endpoint,
            self.config,
            hostkeys=self._store(resolved.known_hosts),
            command_log=self.command_log,
            connect_gate=self.connect_gate,
        )
        self._links[endpoint.name] = link
        return link

    def get(self, name: str) -> NodeLink:
        try:
            return self._links[name]
        except KeyError:
            raise UnknownNode(f"no node named {name!r} in the pool") from None

    async def remove(self, name: str) -> None:
        link = self.get(name)
        await link.stop()
        del self._links[name]

    def start_all(self) -> None:
        """Start every link; connects proceed in the background, gated."""
        for link in self._links.values():
            link.start()

    async def stop_all(self) -> None:
        """Stop every link and wait for all of their tasks to end."""
        await asyncio.gather(*(link.stop() for link in self._links.values()))

    async def wait_all(self, *statuses: LinkStatus, timeout: float | None = None) -> None:
        """Wait until every link's status is one of ``statuses`` (default ONLINE)."""
        wanted = statuses or (LinkStatus.ONLINE,)
        await asyncio.gather(
            *(link.wait_status(*wanted, timeout=timeout) for link in self._links.values())
        )

    def __iter__(self) -> Iterator[NodeLink]:
        return iter(list(self._links.values()))

    def __len__(self) -> int:
        return len(self._links)

    def __contains__(self, name: object) -> bool:
        return name in self._links
