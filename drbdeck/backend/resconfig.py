"""Typed form of a DRBD resource configuration (one ``resource`` section of a .res file).

This is the contract between the renderer and parser in :mod:`drbdeck.backend.resfile`,
the emulator (which reads the files it is given, as ``drbdadm`` would) and the adoption
code (which reads hand-written files). It holds what the file *says*, not what the kernel
does with it; :meth:`ResourceConfig.host_view` resolves the per-host picture that
``drbdadm up`` would derive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Options blocks keep their key order and raw values: ``{"quorum": "majority"}``.
Options = dict[str, str]

#: The placeholder LINSTOR writes for a diskful peer's backing device.
PEER_DISK_PLACEHOLDER = "/dev/drbd/this/is/not/used"


@dataclass(frozen=True)
class Address:
    """A DRBD endpoint: ``address ipv4 10.0.0.1:7000`` or ``address ipv6 [fe80::1]:7000``."""

    family: str  # "ipv4" | "ipv6" (also "ssocks", "sdp", "sci" are legal in drbdadm)
    host: str  # without brackets for ipv6
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if self.family == "ipv6" else self.host
        return f"{self.family} {host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """The form ``drbdsetup`` and events2 use: ``ipv4:10.0.0.1:7000``."""
        host = f"[{self.host}]" if self.family == "ipv6" else self.host
        return f"{self.family}:{host}:{self.port}"


@dataclass
class VolumeConfig:
    """A ``volume N { … }`` block, at resource level or inside an ``on`` section."""

    number: int
    minor: int | None = None  # ``device minor M;`` (or parsed from ``device /dev/drbdM``)
    disk: str | None = None  # a path, "none" for diskless, None when not given here
    meta_disk: str | None = None  # "internal" or a path (optionally with ``[idx]``)
    disk_options: Options = field(default_factory=dict)  # nested ``disk { … }``
    line: int = field(default=0, compare=False)  # where it was parsed, for messages

    @property
    def diskless(self) -> bool:
        return self.disk == "none"


@dataclass
class HostConfig:
    """An ``on "<host>" { … }`` section."""

    name: str
    node_id: int | None = None
    address: Address | None = None
    volumes: dict[int, VolumeConfig] = field(default_factory=dict)
    line: int = field(default=0, compare=False)  # line of the ``on`` keyword
    node_id_line: int = field(default=0, compare=False)


@dataclass
class PathConfig:
    """One ``path { host A address …; host B address …; }`` of a connection."""

    hosts: list[tuple[str, Address | None]]


@dataclass
class ConnectionConfig:
    """A ``connection { … }`` block: two hosts, optional paths and option overrides."""

    hosts: list[tuple[str, Address | None]] = field(default_factory=list)
    paths: list[PathConfig] = field(default_factory=list)
    net: Options = field(default_factory=dict)
    disk: Options = field(default_factory=dict)
    line: int = field(default=0, compare=False)

    def host_names(self) -> list[str]:
        if self.hosts:
            return [h for h, _ in self.hosts]
        return [h for h, _ in self.paths[0].hosts] if self.paths else []


@dataclass
class ResolvedVolume:
    """What one host ends up with for one volume after merging resource-level defaults."""

    number: int
    minor: int
    disk: str  # path or "none"
    meta_disk: str
    disk_options: Options

    @property
    def diskless(self) -> bool:
        return self.disk == "none"


@dataclass
class ResourceConfig:
    """A whole ``resource "<name>" { … }`` section."""

    name: str
    options: Options = field(default_factory=dict)
    net: Options = field(default_factory=dict)
    disk: Options = field(default_factory=dict)
    handlers: Options = field(default_factory=dict)
    volumes: dict[int, VolumeConfig] = field(default_factory=dict)  # resource-level
    hosts: dict[str, HostConfig] = field(default_factory=dict)  # insertion = file order
    connections: list[ConnectionConfig] = field(default_factory=list)
    mesh: list[str] | None = None  # ``connection-mesh { hosts a b c; }``
    source: str = ""  # file the section came from, for messages
    startup: Options = field(default_factory=dict)
    line: int = field(default=0, compare=False)
    mesh_line: int = field(default=0, compare=False)
    end_line: int = field(default=0, compare=False)  # just past the closing brace

    def host_view(self, host: str) -> list[ResolvedVolume]:
        """The volumes ``host`` runs, resource-level blocks overridden by its ``on`` section."""
        on = self.hosts[host]
        numbers = sorted(set(self.volumes) | set(on.volumes))
        out: list[ResolvedVolume] = []
        for n in numbers:
            base = self.volumes.get(n, VolumeConfig(number=n))
            local = on.volumes.get(n, VolumeConfig(number=n))
            minor = local.minor if local.minor is not None else base.minor
            disk = local.disk if local.disk is not None else base.disk
            meta = local.meta_disk or base.meta_disk or "internal"
            opts = {**base.disk_options, **local.disk_options}
            if minor is None:
                raise ValueError(f"resource {self.name}, on {host}: volume {n} has no device minor")
            # drbd-utils 9.22 treats a volume without ``disk`` as diskless (EXP)
            out.append(ResolvedVolume(n, minor, disk or "none", meta, opts))
        return out

    def peers_of(self, host: str) -> list[tuple[str, Address, Address]]:
        """(peer name, local address, peer address) for every connection involving ``host``.

        Explicit ``connection`` blocks win; otherwise a ``connection-mesh`` or, with exactly
        two ``on`` sections, the implicit single connection (as drbdadm does).
        """
        out: list[tuple[str, Address, Address]] = []
        if self.connections:
            for c in self.connections:
                pairs = c.hosts or (c.paths[0].hosts if c.paths else [])
                names = [h for h, _ in pairs]
                if host not in names or len(pairs) != 2:
                    continue
                (a, aa), (b, ba) = pairs
                mine, other = ((a, aa), (b, ba)) if a == host else ((b, ba), (a, aa))
                la = mine[1] or self.hosts[mine[0]].address
                pa = other[1] or (self.hosts[other[0]].address if other[0] in self.hosts else None)
                if la is not None and pa is not None:
                    out.append((other[0], la, pa))
            return out
        names = self.mesh if self.mesh is not None else (
            list(self.hosts) if len(self.hosts) == 2 else []
        )
        if host not in names:
            return out
        la = self.hosts[host].address
        for other in names:
            pa = self.hosts[other].address if other in self.hosts else None
            if other != host and la is not None and pa is not None:
                out.append((other, la, pa))
        return out
