"""``drbdadm dump``: the configuration re-printed in drbdadm's canonical layout."""

from __future__ import annotations

from drbdeck.backend.resconfig import Options, ResourceConfig, VolumeConfig

_I = "    "


def _opts(name: str, opts: Options, ind: str) -> list[str]:
    if not opts:
        return []
    lines = [f"{ind}{name} {{"]
    lines += [f"{ind}{_I}{k:<16} {v};" if v else f"{ind}{_I}{k};" for k, v in opts.items()]
    return [*lines, f"{ind}}}"]


def _volume(v: VolumeConfig, ind: str) -> list[str]:
    lines = [f"{ind}volume {v.number} {{"]
    if v.minor is not None:
        lines.append(f"{ind}{_I}{'device':<16} minor {v.minor};")
    if v.disk is not None:
        lines.append(f"{ind}{_I}{'disk':<16} {v.disk};")
    lines += _opts("disk", v.disk_options, ind + _I)
    if v.meta_disk is not None:
        lines.append(f"{ind}{_I}{'meta-disk':<16} {v.meta_disk};")
    return [*lines, f"{ind}}}"]


def dump(rc: ResourceConfig, host: str) -> str:
    mine = "not ignored" if host in rc.hosts else "ignored"
    out = [f"# resource {rc.name} on {host}: {mine}, not stacked"]
    if rc.source:
        out.append(f"# defined at {rc.source}:{rc.line}")
    out.append(f"resource {rc.name} {{")
    out += _opts("options", rc.options, _I)
    out += _opts("net", rc.net, _I)
    out += _opts("disk", rc.disk, _I)
    out += _opts("handlers", rc.handlers, _I)
    for v in rc.volumes.values():
        out += _volume(v, _I)
    for h in rc.hosts.values():
        out.append(f"{_I}on {h.name} {{")
        for v in h.volumes.values():
            out += _volume(v, _I * 2)
        if h.node_id is not None:
            out.append(f"{_I * 2}node-id {h.node_id};")
        if h.address is not None:
            out.append(f"{_I * 2}{'address':<16} {h.address};")
        out.append(f"{_I}}}")
    for c in rc.connections:
        out.append(f"{_I}connection {{")
        for name, addr in c.hosts:
            out.append(f"{_I * 2}host {name}" + (f" address {addr}" if addr else "") + ";")
        for p in c.paths:
            out.append(f"{_I * 2}path {{")
            for name, addr in p.hosts:
                out.append(f"{_I * 3}host {name}" + (f" address {addr}" if addr else "") + ";")
            out.append(f"{_I * 2}}}")
        out += _opts("net", c.net, _I * 2)
        out += _opts("disk", c.disk, _I * 2)
        out.append(f"{_I}}}")
    if rc.mesh is not None:
        out.append(f"{_I}connection-mesh {{")
        out.append(f"{_I * 2}hosts {' '.join(rc.mesh)};")
        out.append(f"{_I}}}")
    out.append("}")
    return "\n".join(out) + "\n\n"
