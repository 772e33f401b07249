"""Fault injection into a running emulator from outside: JSON lines over a unix socket.

The emulator process serves ``<state dir>/ctl.sock``; ``drbdeck emulator ctl`` sends one
request ``{"verb": ..., "args": [...]}`` and prints the reply ``{"ok": true, "result":
...}`` or the error ``{"ok": false, "error": "..."}``. A unix socket needs no port and
is protected by the state dir's permissions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drbdeck.emulator.cluster import Cluster
from drbdeck.emulator.node import NodeStateError


class CtlError(Exception):
    """A request the emulator refused, or no emulator to ask; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 10) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Verb:
    params: tuple[str, ...]  # names; a trailing ":int" makes it an integer
    run: Callable[[Cluster, list[Any]], Awaitable[Any]]
    help: str


async def _stop(c: Cluster, a: list[Any]) -> str:
    await c.node(a[0]).stop()
    return f"node {a[0]} stopped"


async def _start(c: Cluster, a: list[Any]) -> str:
    await c.node(a[0]).start()
    return f"node {a[0]} started on port {c.node(a[0]).port}"


async def _cut(c: Cluster, a: list[Any]) -> str:
    c.cut_link(a[0], a[1])
    return f"link {a[0]}-{a[1]} cut"


async def _restore(c: Cluster, a: list[Any]) -> str:
    c.restore_link(a[0], a[1])
    return f"link {a[0]}-{a[1]} restored"


async def _slow(c: Cluster, a: list[Any]) -> str:
    c.slow_link(a[0], a[1], a[2])
    return f"link {a[0]}-{a[1]} at {a[2]} KiB/s"


async def _fail_disk(c: Cluster, a: list[Any]) -> str:
    c.node(a[0]).fail_disk(a[1])
    return f"disk {a[1]} on {a[0]} failed"


async def _drop(c: Cluster, a: list[Any]) -> str:
    n = c.node(a[0]).drop_sessions()
    return f"dropped {n} connection(s) to {a[0]}"


async def _write(c: Cluster, a: list[Any]) -> str:
    node = c.node(a[0])
    kernel = node.drbd
    write = getattr(kernel, "write", None)
    if write is None:
        raise NodeStateError(f"node {a[0]} has no DRBD kernel running")
    result = write(a[1], a[2], a[3])
    if asyncio.iscoroutine(result):
        result = await result
    done = f"wrote {a[3]} bytes to {a[1]}/{a[2]} on {a[0]}"
    return f"{done}: {result}" if isinstance(result, str) and result else done


async def _nodes(c: Cluster, a: list[Any]) -> list[dict[str, Any]]:
    return [{"name": n.name, "running": n.running, "ssh_port": n.port, "address": n.address}
            for n in c.nodes.values()]


VERBS: dict[str, Verb] = {
    "stop-node": Verb(("NODE",), _stop, "crash a node (SSH refused, DRBD state lost)"),
    "start-node": Verb(("NODE",), _start, "boot a stopped node (same port and host key)"),
    "cut-link": Verb(("A", "B"), _cut, "break the replication link between two nodes"),
    "restore-link": Verb(("A", "B"), _restore, "mend a cut link"),
    "slow-link": Verb(("A", "B", "KIB:int"), _slow, "set a link's resync rate in KiB/s"),
    "fail-disk": Verb(("NODE", "PATH"), _fail_disk, "make a backing device fail"),
    "drop-sessions": Verb(("NODE",), _drop, "abort every SSH connection to a node"),
    "write": Verb(("NODE", "RES", "VOL:int", "BYTES:int"), _write,
                  "application write on a Primary"),
    "nodes": Verb((), _nodes, "list nodes and their state"),
}


def check_args(verb: str, args: list[str]) -> list[Any]:
    """Validate and convert a verb's arguments; errors name the verb and parameter."""
    if verb not in VERBS:
        raise CtlError(f"unknown verb {verb!r} (known: {', '.join(VERBS)})", code=2)
    params = VERBS[verb].params
    if len(args) != len(params):
        usage = " ".join(p.split(":")[0] for p in params)
        raise CtlError(f"{verb} takes {len(params)} argument(s): {verb} {usage}", code=2)
    out: list[Any] = []
    for p, v in zip(params, args, strict=True):
        name, _, kind = p.partition(":")
        if kind == "int":
            try:
                out.append(int(str(v)))
            except ValueError:
                raise CtlError(f"{verb}: {name} must be an integer, got {v!r}", code=2) from None
        else:
            out.append(str(v))
    return out


async def _handle(cluster: Cluster, reader: asyncio.StreamReader,
                  writer: asyncio.StreamWriter) -> None:
    try:
        while line := await reader.readline():
            try:
                req = json.loads(line)
                if not isinstance(req, dict):
                    raise CtlError("request must be a JSON object")
                verb = str(req.get("verb", ""))
                args = check_args(verb, list(req.get("args", [])))
                result = await VERBS[verb].run(cluster, args)
                reply: dict[str, Any] = {"ok": True, "result": result}
            except CtlError as exc:
                reply = {"ok": False, "error": str(exc), "code": exc.code}
            except (NodeStateError, ValueError, KeyError) as exc:
                reply = {"ok": False, "error": str(exc).strip("'\""), "code": 10}
            except Exception as exc:  # e.g. the DRBD kernel refusing a write
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "code": 10}
            writer.write((json.dumps(reply) + "\n").encode())
            await writer.drain()
    finally:
        writer.close()


async def serve(cluster: Cluster, path: str | os.PathLike[str]) -> asyncio.AbstractServer:
    """Listen on the control socket (replacing a stale one)."""
    p = Path(path)
    with contextlib.suppress(FileNotFoundError):
        p.unlink()
    return await asyncio.start_unix_server(lambda r, w: _handle(cluster, r, w), path=str(p))


def request(path: str | os.PathLike[str], verb: str, args: list[Any],
            timeout: float = 60.0) -> Any:
    """Send one request to a running emulator; raises :class:`CtlError`."""
    check_args(verb, [str(a) for a in args])
    p = Path(path)
    if not p.exists():
        raise CtlError(f"no emulator is running here: {p} does not exist", code=20)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(p))
        s.sendall((json.dumps({"verb": verb, "args": list(args)}) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except OSError as exc:
        raise CtlError(f"cannot talk to the emulator at {p}: {exc.strerror or exc}",
                       code=20) from None
    finally:
        s.close()
    try:
        reply = json.loads(buf)
    except ValueError:
        raise CtlError(f"the emulator at {p} sent no valid reply", code=20) from None
    if not reply.get("ok"):
        raise CtlError(reply.get("error", "unknown error"), int(reply.get("code", 10)))
    return reply.get("result")
