"""Rendering one node's .res file in LINSTOR's layout (drbd.md §3.1).

Every value is checked before it is written: a name or option value containing ``;``,
braces, quotes, backslashes or control characters raises ValueError naming the field, so
no input can inject configuration. Option keys and values are checked against drbd-utils
9.22's rules as well, so the output always passes ``drbdadm sh-nop``. No timestamp is
written: identical input gives an identical file, which keeps ``adjust`` decisions stable.
"""

from __future__ import annotations

import ipaddress
import re

from drbdeck.backend.resconfig import (
    PEER_DISK_PLACEHOLDER,
    Address,
    ConnectionConfig,
    HostConfig,
    Options,
    PathConfig,
    ResourceConfig,
    VolumeConfig,
)
from drbdeck.backend.resfile_options import SECTIONS, check_value

GENERATOR = "drbdeck"
IND = "    "
_BARE = re.compile(r"^[A-Za-z0-9_./:+@-]+$")
_BAD = re.compile(r'[;{}"\\#\x00-\x1f\x7f]')
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PATH = re.compile(r"^/[A-Za-z0-9_./+:@-]+$")


def _safe(value: str, field: str) -> str:
    if not value:
        raise ValueError(f"{field}: must not be empty")
    if _BAD.search(value):
        raise ValueError(
            f"{field}: {value!r} contains a forbidden character "
            "(one of ; {{ }} \" \\ # or a control character/newline)"
        )
    return value


def _quote(value: str, field: str) -> str:
    return f'"{_safe(value, field)}"'


def _value(value: str, field: str) -> str:
    _safe(value, field)
    return value if _BARE.match(value) else f'"{value}"'


def _name(value: str, field: str) -> str:
    _safe(value, field)
    if any(c.isspace() for c in value):
        raise ValueError(f"{field}: {value!r} must not contain whitespace")
    return value


def _path(value: str, field: str) -> str:
    if value == "none":
        return value
    if not _PATH.match(value):
        raise ValueError(f"{field}: {value!r} must be 'none' or an absolute path of "
                         "letters, digits and _ . / + : @ -")
    return value


def _options(section: str, opts: Options, field: str, indent: str) -> list[str]:
    lines: list[str] = []
    allowed = SECTIONS[section]
    for key in sorted(opts):
        val = opts[key]
        where = f"{field}[{key!r}]"
        if not _KEY.match(key) or key not in allowed:
            raise ValueError(f"{where}: unknown {section} option {key!r} for drbd-utils 9.22")
        _safe(val, where)
        reason = check_value(section, key, val)
        if reason:
            raise ValueError(f"{where}: " + reason.replace("\n", " "))
        lines.append(f"{indent}{key} {_value(val, where)};")
    return lines


def _block(title: str, body: list[str], indent: str) -> list[str]:
    return [f"{indent}{title}", f"{indent}{{", *body, f"{indent}}}"]


def _address(a: Address, field: str) -> str:
    if a.family not in ("ipv4", "ipv6", "ssocks", "sdp", "sci"):
        raise ValueError(f"{field}: unknown address family {a.family!r}")
    _name(a.host, field)
    if a.family in ("ipv4", "ipv6"):
        try:
            ip = ipaddress.ip_address(a.host)
        except ValueError:
            raise ValueError(f"{field}: {a.host!r} is not an {a.family} address "
                             "(drbdadm needs a literal IP; ipv6 without brackets)") from None
        if ip.version != int(a.family[-1]):
            raise ValueError(f"{field}: {a.host!r} is not an {a.family} address")
    if not 1 <= a.port <= 65535:
        raise ValueError(f"{field}: port {a.port} out of range [1..65535]")
    return str(a)


def is_diskless(rc: ResourceConfig, host: str) -> bool:
    """A host with only diskless volumes (a DRBD client)."""
    vols = rc.host_view(host)
    return bool(vols) and all(v.diskless for v in vols)


def as_seen_by(rc: ResourceConfig, local_host: str) -> ResourceConfig:
    """The ResourceConfig that ``render(rc, local_host)`` writes (and parse gives back).

    Volumes are flattened into each ``on`` section; diskful peers get the placeholder disk;
    addresses move onto ``connection`` host lines; only connections involving the local
    node remain (derived from the hosts' addresses when ``rc`` lists none).
    """
    if local_host not in rc.hosts:
        raise ValueError(f"local_host: {local_host!r} has no 'on' section in resource "
                         f"{rc.name!r}")
    out = ResourceConfig(
        name=rc.name, options=dict(rc.options), net=dict(rc.net), disk=dict(rc.disk),
        handlers=dict(rc.handlers), startup=dict(rc.startup), source=rc.source,
    )
    if "shared-secret" in out.net:
        out.net["cram-hmac-alg"] = "sha1"  # LINSTOR hard-codes both auth lines
    for name in [local_host, *sorted(h for h in rc.hosts if h != local_host)]:
        src = rc.hosts[name]
        if src.node_id is None:
            raise ValueError(f"hosts[{name!r}].node_id: missing (drbdadm requires node-id)")
        h = HostConfig(name=name, node_id=src.node_id)
        for v in rc.host_view(name):
            disk = v.disk
            if name != local_host and not v.diskless:
                disk = PEER_DISK_PLACEHOLDER
            h.volumes[v.number] = VolumeConfig(
                number=v.number, minor=v.minor, disk=disk, meta_disk=v.meta_disk,
                disk_options=dict(v.disk_options),
            )
        out.hosts[name] = h
    out.connections = _connections(rc, local_host)
    return out


def _resolve(rc: ResourceConfig, pairs: list[tuple[str, Address | None]]
             ) -> list[tuple[str, Address | None]]:
    out: list[tuple[str, Address | None]] = []
    for name, addr in pairs:
        if addr is None and name in rc.hosts:
            addr = rc.hosts[name].address
        out.append((name, addr))
    return out


def _connections(rc: ResourceConfig, local: str) -> list[ConnectionConfig]:
    if rc.connections:
        out = []
        for c in rc.connections:
            if local not in c.host_names():
                continue
            out.append(ConnectionConfig(
                hosts=_resolve(rc, c.hosts),
                paths=[PathConfig(hosts=_resolve(rc, p.hosts)) for p in c.paths],
                net=dict(c.net), disk=dict(c.disk),
            ))
        return out
    mine = rc.hosts[local].address
    local_diskless = is_diskless(rc, local)
    out = []
    for peer in sorted(h for h in rc.hosts if h != local):
        if local_diskless and is_diskless(rc, peer):
            continue
        if mine is None or rc.hosts[peer].address is None:
            missing = local if mine is None else peer
            raise ValueError(f"hosts[{missing!r}].address: missing (needed for the connection "
                             f"{local} - {peer})")
        out.append(ConnectionConfig(hosts=[(local, mine), (peer, rc.hosts[peer].address)]))
    return out


def _host_lines(pairs: list[tuple[str, Address | None]], indent: str, field: str) -> list[str]:
    lines = []
    for name, addr in pairs:
        line = f"{indent}host {_quote(name, field + '.host')}"
        if addr is not None:
            line += f" address {_address(addr, field + '.address')}"
        lines.append(line + ";")
    return lines


def _volume(v: VolumeConfig, field: str) -> list[str]:
    i3 = IND * 3
    body = [f"{i3}disk        {_path(v.disk or 'none', field + '.disk')};"]
    if v.disk_options:
        body += _block("disk", _options("disk", v.disk_options, field + ".disk_options",
                                        IND * 4), i3)
    meta = v.meta_disk or "internal"
    if meta != "internal":
        _path(meta.split(" ")[0], field + ".meta_disk")
    body.append(f"{i3}meta-disk   {_safe(meta, field + '.meta_disk')};")
    if v.minor is None or not 0 <= v.minor <= 1048575:
        raise ValueError(f"{field}.minor: {v.minor!r} must be an integer in 0..1048575")
    body.append(f"{i3}device      minor {v.minor};")
    return _block(f"volume {v.number}", body, IND * 2)


def render(rc: ResourceConfig, local_host: str, version: str = "") -> str:
    """One node's .res file for ``rc`` in LINSTOR's layout; ValueError on bad input."""
    name = _name(rc.name, "name")
    view = as_seen_by(rc, local_host)
    ver = f" ({version})" if version else ""
    lines = [
        f"# This file was generated by {GENERATOR}{ver}, do not edit manually.",
        "# Name",
        f"#   {GENERATOR} nodename: {_name(local_host, 'local_host')}",
        "",
        f'resource "{name}"',
        "{",
    ]
    sections = [
        ("handlers", view.handlers, False), ("options", view.options, False),
        ("net", view.net, True), ("disk", view.disk, False), ("startup", view.startup, False),
    ]
    for title, opts, always in sections:
        if not opts and not always:
            continue
        body: list[str] = []
        rest = dict(opts)
        if title == "net" and "shared-secret" in rest:
            secret = rest.pop("shared-secret")
            rest.pop("cram-hmac-alg", None)
            body.append(f"{IND * 2}cram-hmac-alg     sha1;")
            body.append(f"{IND * 2}shared-secret     {_quote(secret, 'net[shared-secret]')};")
            reason = check_value("net", "shared-secret", secret)
            if reason:
                raise ValueError("net['shared-secret']: " + reason.replace("\n", " "))
        body += _options(title, rest, title, IND * 2)
        if not body:
            continue
        lines += ["    ", *_block(title, body, IND)]
    for h in view.hosts.values():
        hf = f"hosts[{h.name!r}]"
        body = []
        for v in h.volumes.values():
            body += _volume(v, f"{hf}.volumes[{v.number}]")
        nid = h.node_id
        if nid is None or not 0 <= nid <= 31:
            raise ValueError(f"{hf}.node_id: {nid!r} must be an integer in 0..31")
        body.append(f"{IND * 2}node-id    {nid};")
        lines += ["    ", *_block(f"on {_quote(h.name, hf)}", body, IND)]
    for n, c in enumerate(view.connections):
        cf = f"connections[{n}]"
        body = []
        if c.net:
            body += _block("net", _options("net", c.net, cf + ".net", IND * 3), IND * 2)
        if c.disk:
            body += _block("disk", _options("disk", c.disk, cf + ".disk", IND * 3), IND * 2)
        for k, p in enumerate(c.paths):
            body += _block("path", _host_lines(p.hosts, IND * 3, f"{cf}.paths[{k}]"), IND * 2)
        body += _host_lines(c.hosts, IND * 2, cf)
        lines += ["    ", *_block("connection", body, IND)]
    lines.append("}")
    return "\n".join(lines) + "\n"
