"""drbdadm's post-parse checks, so a file we accept is one drbdadm 9.22 accepts.

Parsing alone cannot see these: they need whole resources (missing ``node-id``/``device``,
duplicate node-ids, connection hosts without ``on`` sections, mesh hosts without addresses)
or all resources together (a minor or an address:port used twice on one host).
Messages follow drbdadm's wording (verified against the real tool).
"""

from __future__ import annotations

from collections.abc import Iterable

from drbdeck.backend.resconfig import ResourceConfig
from drbdeck.backend.resfile_options import PEER_DEVICE_OPTIONS
from drbdeck.backend.resfile_types import ResFileError


def _where(rc: ResourceConfig, line: int) -> str:
    return f"{rc.source or '<string>'}:{line}"


def check_resource(rc: ResourceConfig) -> None:
    """Checks inside one resource; raises the first problem as ResFileError."""
    seen_ids: dict[int, int] = {}
    for host in rc.hosts.values():
        where = _where(rc, host.line)
        if host.node_id is None:
            raise ResFileError(
                f"{where}: in resource {rc.name}, on {host.name} {{ ... }}: "
                "'node-id' keyword missing."
            )
        numbers = set(rc.volumes) | set(host.volumes)
        if not numbers:
            raise ResFileError(
                f"{where}: in resource {rc.name}, on {host.name} {{ ... }}: "
                "'device' keyword missing."
            )
        for n in sorted(numbers):
            base = rc.volumes.get(n)
            local = host.volumes.get(n)
            minor = local.minor if local and local.minor is not None else (
                base.minor if base else None)
            if minor is None:
                raise ResFileError(
                    f"{where}: in resource {rc.name}, on {host.name} {{ ... }}: "
                    "'device' keyword missing."
                )
            # without ``disk`` a volume is diskless, unless it names a meta-disk (EXP 9.22)
            vols = [v for v in (local, base) if v is not None]
            disk = next((v.disk for v in vols if v.disk is not None), None)
            if disk is None and any(v.meta_disk is not None for v in vols):
                raise ResFileError(
                    f"{where}: in resource {rc.name}, on {host.name} {{ ... }}: "
                    "'disk' keyword missing."
                )
        if host.node_id in seen_ids:
            first = seen_ids[host.node_id]
            ident = f"'{rc.name}:{host.node_id}'"
            raise ResFileError(
                f"{_where(rc, host.node_id_line or host.line)}: conflicting use of node-id "
                f"{ident} ...\n{_where(rc, first)}: node-id {ident} first used here."
            )
        seen_ids[host.node_id] = host.node_id_line or host.line
    _check_volume_sets(rc)
    for conn in rc.connections:
        pairs = list(conn.hosts) + [h for p in conn.paths for h in p.hosts]
        for name, _addr in pairs:
            # drbd-utils 9.22 rejects this even when the host line carries an address (EXP)
            if name not in rc.hosts:
                raise ResFileError(
                    f"{_where(rc, conn.line)}: in resource {rc.name} a hostname (\"{name}\") "
                    "is given\nwith a \"host\" keyword, has no \"address\" keyword, and no "
                    "matching\nhost section (\"on\" keyword)"
                )
    for peer_pairs in _connection_endpoints(rc):
        a, b = peer_pairs
        if a == b:
            raise ResFileError(
                f"{_where(rc, rc.line)}: in resource {rc.name} {a} is used for both endpoints"
            )
    _check_peer_device_inheritance(rc)
    for name in rc.mesh or []:
        host = rc.hosts.get(name)
        if host is None or host.address is None:
            raise ResFileError(
                f"\"connection-mesh\" (for \"{rc.name}\") with a host (\"{name}\") "
                "that has no \"address\" defined"
            )


def _check_volume_sets(rc: ResourceConfig) -> None:
    """Every host of a resource must define the same volume numbers."""
    sets = {h.name: set(rc.volumes) | set(h.volumes) for h in rc.hosts.values()}
    where = _where(rc, rc.end_line or rc.line)
    for name, mine in sets.items():
        for other, theirs in sets.items():
            if other == name:
                continue
            for n in sorted(theirs - mine):
                raise ResFileError(f"{where}: in resource {rc.name}, on {name} {{ ... }}: "
                                   f"volume {n} missing (present on {other})")
            for n in sorted(mine - theirs):
                raise ResFileError(f"{where}: in resource {rc.name}, on {name} {{ ... }}: "
                                   f"volume {n} not defined on {other}")


def _check_peer_device_inheritance(rc: ResourceConfig) -> None:
    """Peer-device options (c-max-rate …) in two connected hosts' volume ``disk`` sections
    are inherited by the connection's peer devices, so they must agree."""
    views = {h: {v.number: v.disk_options for v in rc.host_view(h)} for h in rc.hosts}
    for host in rc.hosts:
        try:
            peers = rc.peers_of(host)
        except KeyError:
            continue
        for peer, _, _ in peers:
            if peer not in views:
                continue
            for number, mine in views[host].items():
                theirs = views[peer].get(number, {})
                for key in PEER_DEVICE_OPTIONS:
                    a, b = mine.get(key), theirs.get(key)
                    if a is not None and b is not None and a != b:
                        raise ResFileError(
                            f"{_where(rc, rc.line)}: in resource {rc.name}, ambiguous "
                            f"inheritance for option \"{key}\".\n"
                            f"should be \"{a}\" and \"{b}\" at the same time"
                        )


def _connection_endpoints(rc: ResourceConfig) -> list[tuple[str, str]]:
    """Both endpoints of every fully addressed connection (explicit or implicit)."""
    out: list[tuple[str, str]] = []
    for host in rc.hosts:
        try:
            peers = rc.peers_of(host)
        except KeyError:
            continue
        out += [(la.endpoint, pa.endpoint) for _, la, pa in peers]
    return out


def _endpoints(rc: ResourceConfig) -> dict[str, set[str]]:
    """host name → the endpoints (``ipv4:ip:port``) that host listens on in ``rc``."""
    out: dict[str, set[str]] = {}
    for host in rc.hosts.values():
        if host.address is not None:
            out.setdefault(host.name, set()).add(host.address.endpoint)
    for conn in rc.connections:
        for name, addr in list(conn.hosts) + [h for p in conn.paths for h in p.hosts]:
            if addr is not None:
                out.setdefault(name, set()).add(addr.endpoint)
    return out


def check_conflicts(resources: Iterable[ResourceConfig]) -> None:
    """A minor per host and an address:port anywhere may be used by one resource only."""
    minors: dict[tuple[str, int], tuple[ResourceConfig, int]] = {}
    addrs: dict[str, ResourceConfig] = {}
    for rc in resources:
        for host in rc.hosts:
            for vol in rc.host_view(host):
                key = (host, vol.minor)
                seen = minors.get(key)
                if seen is not None and (seen[0] is not rc or seen[1] != vol.number):
                    other = seen[0]
                    ident = f"'device-minor:{host}:{vol.minor}'"
                    raise ResFileError(
                        f"{_where(rc, rc.line)}: conflicting use of device-minor {ident} ...\n"
                        f"{_where(other, other.line)}: device-minor {ident} first used here."
                    )
                minors[key] = (rc, vol.number)
        for eps in _endpoints(rc).values():
            for ep in sorted(eps):
                other = addrs.get(ep)
                if other is not None and other is not rc:
                    raise ResFileError(
                        f"{_where(rc, rc.line)}: in resource {rc.name}\n"
                        f"    {ep} is also used {_where(other, other.line)} "
                        f"(resource {other.name})"
                    )
                addrs[ep] = rc


def validate(resources: Iterable[ResourceConfig], host: str | None = None) -> None:
    """Run every check drbdadm runs after parsing; raise ResFileError (exit 10) on the first.

    With ``host``, the per-host view of each resource that host is part of must also resolve
    (what ``drbdadm up`` on that host would need).
    """
    rcs = list(resources)
    seen: dict[str, ResourceConfig] = {}
    for rc in rcs:
        if rc.name in seen:
            raise ResFileError(
                f"{_where(rc, rc.line)}: conflicting use of resource name '{rc.name}' ...\n"
                f"{_where(seen[rc.name], seen[rc.name].line)}: resource name '{rc.name}' "
                "first used here."
            )
        seen[rc.name] = rc
        check_resource(rc)
    check_conflicts(rcs)
    if host is not None:
        for rc in rcs:
            if host in rc.hosts:
                rc.host_view(host)
