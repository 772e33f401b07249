"""``drbdsetup status`` (text and ``--json``) and ``drbdsetup show`` for the emulated kernel.

Formats follow drbd-utils 9.22 (drbd.md §2): the JSON keys and their order as setup.c
prints them (no ``open``/``tls``/``paths``, which 9.22 lacks), two-decimal floats, and the
987654321 "unknown" ETA sentinel while a resync has no recent progress.
"""

from __future__ import annotations

import json
from typing import Any

from drbdeck.emulator.drbd.objects import Connection, Device, PeerDevice, Resource


class Raw(float):
    """A float printed with two decimals (``100.00``), as the C printer does."""


def _dump(value: Any, indent: int) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        inner = ",\n".join(
            f'{pad}  "{k}": {_dump(v, indent + 1).lstrip()}' for k, v in value.items()
        )
        return f"{pad}{{\n{inner}\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return f"{pad}[ ]"
        inner = ",\n".join(_dump(v, indent + 1) for v in value)
        return f"{pad}[\n{inner} ]"
    if isinstance(value, bool):
        return pad + ("true" if value else "false")
    if isinstance(value, Raw):
        return pad + ("nan" if value != value else f"{value:.2f}")
    if isinstance(value, float):
        return pad + f"{value:.2f}"
    return pad + json.dumps(value)


def _device(d: Device) -> dict[str, Any]:
    return {
        "volume": d.volume,
        "minor": d.minor,
        "disk-state": d.disk,
        "client": d.client,
        "quorum": d.quorum,
        "size": d.size_kib,
        "read": d.read_kib,
        "written": d.written_kib,
        "al-writes": d.al_writes,
        "bm-writes": d.bm_writes,
        "upper-pending": 0,
        "lower-pending": 0,
    }


def _peer_device(res: Resource, c: Connection, pd: PeerDevice) -> dict[str, Any]:
    d = res.devices.get(pd.volume)
    size = d.size_kib if d is not None else 0
    rs = pd.resync
    if rs is not None:
        oos = rs.left_kib
    else:
        md = d.md if d is not None else None
        slot = md.slots.get(c.peer_node_id) if md is not None else None
        oos = slot.oos_kib if slot is not None else 0
    out: dict[str, Any] = {
        "volume": pd.volume,
        "replication-state": pd.replication,
        "peer-disk-state": pd.peer_disk,
        "peer-client": pd.peer_client,
        "resync-suspended": pd.resync_suspended,
        "received": pd.received_kib,
        "sent": pd.sent_kib,
        "out-of-sync": oos,
        "pending": 0,
        "unacked": 0,
        "has-sync-details": rs is not None,
        "has-online-verify-details": False,
        "percent-in-sync": Raw(100.0 * (1 - oos / size) if size else 100.0),
    }
    if rs is not None:
        for k, v in rs.json_details():
            out[k] = Raw(v) if isinstance(v, float) else v
    return out


def status_json(resources: list[Resource]) -> str:
    items = []
    for res in resources:
        items.append(
            {
                "name": res.name,
                "node-id": res.node_id,
                "role": res.role,
                "suspended": res.susp_quorum,
                "suspended-user": False,
                "suspended-no-data": False,
                "suspended-fencing": False,
                "suspended-quorum": res.susp_quorum,
                "force-io-failures": False,
                "write-ordering": "flush",
                "devices": [_device(d) for _v, d in sorted(res.devices.items())],
                "connections": [
                    {
                        "peer-node-id": c.peer_node_id,
                        "name": c.name,
                        "connection-state": c.cstate,
                        "congested": False,
                        "peer-role": c.peer_role,
                        "ap-in-flight": 0,
                        "rs-in-flight": 0,
                        "peer_devices": [
                            _peer_device(res, c, pd) for _v, pd in sorted(c.peer_devices.items())
                        ],
                    }
                    for _n, c in sorted(res.connections.items())
                ],
            }
        )
    if not items:
        return "[\n]\n"
    return "[\n" + ",\n".join(_dump(i, 0) for i in items) + "\n]\n"


def status_text(resources: list[Resource]) -> str:
    """The piped (non-TTY) text form, without wrapping."""
    if not resources:
        return "# No currently configured DRBD found.\n"
    out: list[str] = []
    for res in resources:
        head = f"{res.name} role:{res.role}"
        if res.susp_quorum:
            head += " suspended:quorum"
        out.append(head)
        single = list(res.devices) == [0]
        for vol, d in sorted(res.devices.items()):
            line = "  " + ("" if single else f"volume:{vol} ") + f"disk:{d.disk}"
            if d.disk == "Diskless":
                line += f" client:{'yes' if d.client else 'no'}"
            if not d.quorum:
                line += " quorum:no"
            out.append(line)
        for _n, c in sorted(res.connections.items()):
            if c.cstate != "Connected":
                out.append(f"  {c.name} connection:{c.cstate}")
                continue
            out.append(f"  {c.name} role:{c.peer_role}")
            for vol, pd in sorted(c.peer_devices.items()):
                parts = [] if single else [f"volume:{vol}"]
                if pd.replication != "Established":
                    parts.append(f"replication:{pd.replication}")
                parts.append(f"peer-disk:{pd.peer_disk}")
                if pd.peer_disk == "Diskless":
                    parts.append(f"peer-client:{'yes' if pd.peer_client else 'no'}")
                if pd.resync is not None:
                    parts.append(f"done:{pd.resync.done_percent():.2f}")
                out.append("    " + " ".join(parts))
        out.append("")
    return "\n".join(out) + "\n"


def show_json(resources: list[Resource]) -> str:
    items = []
    for res in resources:
        items.append(
            {
                "resource": res.name,
                "options": dict(res.options),
                "_this_host": {
                    "node-id": res.node_id,
                    "volumes": [
                        {
                            "volume_nr": d.volume,
                            "device_minor": d.minor,
                            "backing-disk": d.disk_path if d.disk_path != "none" else "none",
                            "meta-disk": d.meta_disk,
                        }
                        if d.disk_path != "none"
                        else {"volume_nr": d.volume, "device_minor": d.minor, "disk": "none"}
                        for _v, d in sorted(res.devices.items())
                    ],
                },
                "connections": [
                    {
                        "paths": [
                            {
                                "this_host": _addr(p.local),
                                "remote_host": _addr(p.peer),
                            }
                            for p in c.paths
                        ],
                        "_cstate": c.cstate,
                        "net": {"_name": c.name, **c.net},
                        "_peer_node_id": c.peer_node_id,
                        **({"_is_standalone": True} if c.cstate == "StandAlone" else {}),
                    }
                    for _n, c in sorted(res.connections.items())
                ],
            }
        )
    return json.dumps(items, indent=4) + "\n"


def _addr(a: Any) -> dict[str, Any]:
    return {"address": a.host, "port": a.port, "family": a.family}


def show_text(resources: list[Resource]) -> str:
    out: list[str] = []
    for res in resources:
        out.append(f"resource {res.name} {{")
        if res.options:
            out.append("    options {")
            out.extend(f"        {k} {v};" for k, v in res.options.items())
            out.append("    }")
        out.append("    _this_host {")
        out.append(f"        node-id\t\t\t{res.node_id};")
        for _v, d in sorted(res.devices.items()):
            out.append(f"        volume {d.volume} {{")
            out.append(f"            device\t\t\tminor {d.minor};")
            out.append(f"            disk\t\t\t{_q(d.disk_path)};")
            if d.disk_path != "none":
                out.append(f"            meta-disk\t\t\t{d.meta_disk};")
            out.append("        }")
        out.append("    }")
        for _n, c in sorted(res.connections.items()):
            out.append("    connection {")
            out.append(f"        _peer_node_id {c.peer_node_id};")
            for p in c.paths:
                out.append("        path {")
                out.append(f"            _this_host {p.local.family} {_hp(p.local)};")
                out.append(f"            _remote_host {p.peer.family} {_hp(p.peer)};")
                out.append("        }")
            out.append(f"        _cstate {c.cstate};")
            out.append("        net {")
            out.extend(f"            {k}\t\t\t{_q(v)};" for k, v in c.net.items())
            out.append(f'            _name            \t"{c.name}";')
            out.append("        }")
            out.append("    }")
        out.append("}")
        out.append("")
    return "\n".join(out)


def _q(v: str) -> str:
    return v if v == "none" or v.replace("-", "").replace("_", "").isalnum() else f'"{v}"'


def _hp(a: Any) -> str:
    host = f"[{a.host}]" if a.family == "ipv6" else a.host
    return f"{host}:{a.port}"
