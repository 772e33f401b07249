"""``drbdeck emulator``: run emulated nodes until SIGINT/SIGTERM; ``… ctl`` injects faults.

Exit codes: 0 clean shutdown or a done ctl request, 2 bad arguments, 10 a ctl request the
emulator refused, 20 no emulator reachable, 1 the emulator could not start (port taken…).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from drbdeck.config import Config

EXIT_OK, EXIT_START, EXIT_USAGE = 0, 1, 2

_SIZE = re.compile(r"^(\d+)([KMGT]?)(?:I?B)?$", re.IGNORECASE)
_SCALE_KIB = {"": 1024 * 1024, "K": 1, "M": 1024, "G": 1024 * 1024, "T": 1024**3}


class UsageError(Exception):
    """Bad command line; the message names the option and the rule."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def parse_size_kib(text: str, what: str) -> int:
    """``100G``, ``512M``, ``1T``, ``2048K``; a bare number means GiB."""
    m = _SIZE.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise UsageError(f"{what}: size {text!r} is invalid: use a positive number with "
                         "K, M, G or T (bare numbers are GiB), e.g. 100G")
    return int(m.group(1)) * _SCALE_KIB[m.group(2).upper()]


def parse_vg(spec: str) -> tuple[str, int]:
    name, sep, size = spec.partition(":")
    if not sep or not name:
        raise UsageError(f"--vg: {spec!r} must be NAME:SIZE, e.g. vg0:100G")
    if not re.match(r"^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$", name):
        raise UsageError(f"--vg: volume group name {name!r} is invalid "
                         "(letters, digits, '+', '_', '.', '-')")
    return name, parse_size_kib(size, f"--vg {name}")


def _run_parser(config: Config) -> _Parser:
    e = config.emulator
    p = _Parser(prog="drbdeck emulator",
                description="Run emulated DRBD/LVM nodes behind SSH servers on one host. "
                "Use 'drbdeck emulator ctl --state-dir DIR VERB ...' to inject faults.")
    p.add_argument("--nodes", required=True, help="comma-separated node names, e.g. a,b,c")
    p.add_argument("--host", default=e.host, help=f"listen address (default {e.host})")
    p.add_argument("--port-base", type=int, default=e.port_base,
                   help=f"node i listens on PORT+i; 0 picks free ports (default {e.port_base})")
    p.add_argument("--state-dir", default=None,
                   help="where keys, known_hosts and nodes.json go "
                   f"(default {config.data_dir / 'emulator'})")
    p.add_argument("--vg", action="append", default=[], metavar="NAME:SIZE",
                   help=f"volume group per node (repeatable; default vg0:{e.vg_size_gib}G)")
    p.add_argument("--thin-pool", default=f"{e.thin_pool_gib}G", metavar="SIZE",
                   help="size of vg0/thin0 (0 for none)")
    p.add_argument("--sync-rate", type=int, default=e.sync_rate_kib, metavar="KIB",
                   help=f"resync rate per link in KiB/s (default {e.sync_rate_kib})")
    p.add_argument("--handmade", default=None, metavar="NAME",
                   help="also run a hand-made DRBD resource NAME on the first two nodes, "
                   "like the migration post's sample (for 'drbdeck adopt')")
    return p


def _ctl_parser() -> _Parser:
    from drbdeck.emulator.ctl import VERBS

    p = _Parser(prog="drbdeck emulator ctl", description="Inject a fault into a running "
                "emulator.", epilog="verbs:\n" + "\n".join(
                    f"  {k} {' '.join(x.split(':')[0] for x in v.params)}: {v.help}"
                    for k, v in VERBS.items()),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--state-dir", required=True, help="the running emulator's state dir")
    p.add_argument("verb")
    p.add_argument("args", nargs="*")
    return p


def main(argv: Sequence[str], config: Config) -> int:
    argv = list(argv)
    if argv and argv[0] == "ctl":
        return _ctl_main(argv[1:])
    try:
        args = _run_parser(config).parse_args(argv)
        names = [n.strip() for n in args.nodes.split(",") if n.strip()]
        if not names:
            raise UsageError("--nodes: give at least one node name, e.g. --nodes a,b,c")
        from drbdeck.emulator.statedir import check_node_name

        for n in names:
            try:
                check_node_name(n)
            except ValueError as exc:
                raise UsageError(f"--nodes: {exc}") from None
        if len(set(names)) != len(names):
            raise UsageError("--nodes: node names must be unique")
        if not 0 <= args.port_base <= 65535 - len(names) + 1:
            raise UsageError(f"--port-base: {args.port_base} must be 0 (free ports) or a port "
                             f"leaving room for {len(names)} nodes")
        if args.handmade is not None and len(names) < 2:
            raise UsageError("--handmade: needs at least two nodes in --nodes")
        if args.handmade is not None and not re.match(r"^[A-Za-z0-9_.+-]{1,64}$",
                                                      args.handmade):
            raise UsageError(f"--handmade: {args.handmade!r} is not a usable DRBD resource "
                             "name (letters, digits, '_', '.', '+', '-')")
        if args.sync_rate <= 0:
            raise UsageError(f"--sync-rate: must be a positive KiB/s value, got {args.sync_rate}")
        vgs = dict(parse_vg(v) for v in args.vg) if args.vg else {
            "vg0": config.emulator.vg_size_gib * 1024 * 1024}
        thin = 0 if args.thin_pool.strip() == "0" else parse_size_kib(args.thin_pool,
                                                                     "--thin-pool")
    except UsageError as exc:
        print(f"drbdeck emulator: {exc}", file=sys.stderr)
        return EXIT_USAGE
    state_dir = Path(args.state_dir) if args.state_dir else config.data_dir / "emulator"
    return asyncio.run(_serve(names, state_dir, args.host, args.port_base, vgs, thin,
                              args.sync_rate, args.handmade))


async def _serve(names: list[str], state_dir: Path, host: str, port_base: int,
                 vgs: dict[str, int], thin_kib: int, sync_rate: int,
                 handmade: str | None = None) -> int:
    from drbdeck.emulator.cluster import Cluster
    from drbdeck.emulator.ctl import serve

    try:
        cluster = await Cluster.start(names, state_dir, host=host, port_base=port_base,
                                      vgs=vgs, sync_rate_kib=sync_rate, thin_pool_kib=thin_kib)
    except OSError as exc:
        print(f"drbdeck emulator: cannot start: {exc.strerror or exc}"
              f" (host {host}, port base {port_base})", file=sys.stderr)
        return EXIT_START
    except ValueError as exc:
        print(f"drbdeck emulator: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if handmade is not None:
        from drbdeck.emulator.handmade import sample_for

        cluster.install_handmade(sample_for(names, handmade))
    ctl_server = await serve(cluster, cluster.state_dir.ctl_socket)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"drbdeck emulator: {len(names)} node(s) up; state dir: {state_dir}", flush=True)
    print(json.dumps([{"name": n.name, "ssh": f"{n.host}:{n.port}", "address": n.address}
                      for n in cluster.nodes.values()]), flush=True)
    try:
        await stop.wait()
    finally:
        ctl_server.close()
        with contextlib.suppress(FileNotFoundError):
            cluster.state_dir.ctl_socket.unlink()
        await cluster.stop()
    print("drbdeck emulator: stopped", flush=True)
    return EXIT_OK


def _ctl_main(argv: list[str]) -> int:
    from drbdeck.emulator.ctl import CtlError, check_args, request
    from drbdeck.emulator.statedir import StateDir

    try:
        args = _ctl_parser().parse_args(argv)
        check_args(args.verb, args.args)
    except UsageError as exc:
        print(f"drbdeck emulator ctl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CtlError as exc:
        print(f"drbdeck emulator ctl: {exc}", file=sys.stderr)
        return exc.code
    try:
        result = request(StateDir(args.state_dir).ctl_socket, args.verb, args.args)
    except CtlError as exc:
        print(f"drbdeck emulator ctl: {args.verb}: {exc}", file=sys.stderr)
        return exc.code
    print(result if isinstance(result, str) else json.dumps(result, indent=2))
    return EXIT_OK
