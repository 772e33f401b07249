"""``drbdadm dump``: the configuration re-printed in drbdadm 9.22's canonical layout.

Layout rules (checked against the real ``drbdadm dump`` on this machine): per nesting level
4 spaces; an option is ``name`` left-aligned to column 24, a space, and the value
right-aligned in 3 characters (so ``protocol           C;``); ``device`` pads to column 19;
addresses are ``%-16s family ip:port`` (a connection's ``host X`` line repeats the
indentation before `` address``). Order: resource-level volumes, ``on`` sections (node-id
first), connections (with the ``_name`` drbdadm adds), meshes, then options, net, disk
(disk options before peer-device options), startup, handlers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from drbdeck.backend.resconfig import Address, ConnectionConfig, Options, ResourceConfig

#: options drbdadm files under "peer-device" even inside a ``disk`` section
_PD_OPTIONS = {
    "resync-rate", "c-plan-ahead", "c-delay-target", "c-fill-target", "c-max-rate",
    "c-min-rate", "bitmap",
}
_PLAIN = re.compile(r'^[^\s;{}"#\\]+$')


def esc(value: str) -> str:
    """Quote a value the way drbdadm re-prints it when it needs quoting."""
    if _PLAIN.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Printer:
    def __init__(self) -> None:
        self.level = 0
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(" " * (4 * self.level) + text)

    def option(self, name: str, value: str) -> None:
        width = 24 - 4 * self.level
        self.line(f"{name:<{width}} {value:>3};")

    def open(self, head: str) -> None:
        self.line(f"{head} {{")
        self.level += 1

    def close(self) -> None:
        self.level -= 1
        self.line("}")

    def options(self, name: str, opts: Options) -> None:
        if not opts:
            return
        self.open(name)
        ordered = [k for k in opts if k not in _PD_OPTIONS] + [k for k in opts if k in _PD_OPTIONS]
        for k in ordered:
            v = opts[k]
            if v:
                self.option(k, esc(v))
            else:
                self.line(f"{k};")
        self.close()

    def address(self, name: str, a: Address, prefix: str = "") -> str:
        host = f"[{a.host}]" if a.family == "ipv6" else a.host
        return prefix + " " * (4 * self.level) + f"{name:<16} {a.family} {host}:{a.port}"


def _volume(p: _Printer, number: int, minor: int | None, disk: str | None,
            meta: str | None, disk_options: Options) -> None:
    p.open(f"volume {number}")
    p.options("disk", disk_options)
    if minor is not None:
        p.line("device" + " " * (19 - 4 * p.level) + f"minor {minor};")
    if disk is not None:
        p.option("disk", esc(disk))
    if meta is not None:
        if meta == "internal":
            p.option("meta-disk", "internal")
        else:
            p.line(f"{'meta-disk':<16} {esc(meta)};")
    p.close()


def _host_lines(p: _Printer, pairs: list[tuple[str, Address | None]]) -> None:
    for name, addr in pairs:
        head = " " * (4 * p.level) + f"host {name}"
        p.lines.append(head + (p.address(" address", addr) if addr is not None else "") + ";")


def _connection(p: _Printer, c: ConnectionConfig, host: str, named: bool) -> None:
    p.open("connection")
    if c.paths:
        for path in c.paths:
            p.open("path")
            _host_lines(p, path.hosts)
            p.close()
    else:
        _host_lines(p, c.hosts)
    names = c.host_names()
    net = dict(c.net)
    if named and host in names and len(names) == 2:  # drbdadm adds it for named dumps
        net = {"_name": names[1] if names[0] == host else names[0], **net}
    p.options("net", net)
    p.options("disk", c.disk)
    p.close()


def dump(
    rc: ResourceConfig, host: str, start_line: int | None = None, named: bool = True
) -> str:
    """One resource as ``drbdadm dump`` prints it for ``host`` (``named``: the resource
    was named on the command line rather than reached through ``all``)."""
    p = _Printer()
    mine = "not ignored" if host in rc.hosts else "ignored"
    p.line(f"# resource {esc(rc.name)} on {host}: {mine}, not stacked")
    p.line(f"# defined at {rc.source}:{start_line if start_line is not None else rc.line}")
    p.open(f"resource {esc(rc.name)}")
    for v in rc.volumes.values():
        _volume(p, v.number, v.minor, v.disk, v.meta_disk, v.disk_options)
    for h in rc.hosts.values():
        p.open(f"on {h.name}")
        if h.node_id is not None:
            p.line(f"node-id {h.node_id};")
        for v in h.volumes.values():
            _volume(p, v.number, v.minor, v.disk, v.meta_disk, v.disk_options)
        if h.address is not None:
            p.lines.append(p.address("address", h.address) + ";")
        p.close()
    for c in rc.connections:
        _connection(p, c, host, named)
    if rc.mesh is not None:
        p.open("connection-mesh")
        p.line("hosts " + " ".join(rc.mesh) + ";")
        p.close()
    p.options("options", rc.options)
    p.options("net", rc.net)
    p.options("disk", rc.disk)
    p.options("startup", rc.startup)
    p.options("handlers", rc.handlers)
    p.level -= 1
    p.line("}")
    return "\n".join(p.lines) + "\n\n"


def start_line(rc: ResourceConfig, read_text: Callable[[str], str]) -> int:
    """drbdadm reports the line of the resource's opening brace."""
    try:
        lines = read_text(rc.source).splitlines()
    except (OSError, ValueError):
        return rc.line
    for i in range(max(rc.line - 1, 0), len(lines)):
        code = lines[i].split("#", 1)[0]
        if "{" in code:
            return i + 1
    return rc.line


_GLOBAL_KEYS = ("disable-ip-verification", "minor-count", "dialog-refresh", "usage-count")


def dump_header(config: str, global_opts: Options, common: dict[str, Options]) -> str:
    """What ``dump all`` prints before the resources: file, non-default global, common."""
    p = _Printer()
    p.line(f"# {config}")
    shown = {
        k: v for k, v in global_opts.items()
        if k in _GLOBAL_KEYS
        and not (k == "usage-count" and v == "ask")
        and not (k == "dialog-refresh" and v == "1")
    }
    if shown:
        p.open("global")
        for k in _GLOBAL_KEYS:
            if k in shown:
                p.line(f"{k} {shown[k]};" if shown[k] else f"{k};")
        p.close()
        p.lines.append("")
    if any(common.values()):
        p.open("common")
        for section in ("options", "net", "disk", "startup", "handlers"):
            p.options(section, common.get(section, {}))
        p.close()
        p.lines.append("")
    return "\n".join(p.lines) + "\n"
